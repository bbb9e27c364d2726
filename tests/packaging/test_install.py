"""What `pip install umapi-mock` really gives: the wheel's files and metadata, and a fresh venv
made with nothing but `pip install .`, in which the in-process mode and the `contract`
command work (README shows both right after the install line)."""

from __future__ import annotations

import re
import subprocess
import textwrap
import zipfile
from email.parser import Parser as MetadataParser
from pathlib import Path

import pytest

from tests.packaging.conftest import ROOT, run

pytestmark = pytest.mark.packaging


def test_wheel_has_the_kit_inside_umapi_mock_only(built_wheel: Path):
    names = zipfile.ZipFile(built_wheel).namelist()
    tops = {name.split("/", 1)[0] for name in names}
    assert "contracts" not in tops, sorted(tops)
    # the reference client is its own distribution (umapi_client/pyproject.toml)
    assert {t for t in tops if not t.endswith(".dist-info")} == {"umapi_mock"}, sorted(tops)
    kit = {Path(n).name for n in names if n.startswith("umapi_mock/contracts/")}
    assert {"__init__.py", "cli.py", "conftest.py", "test_ims.py", "test_state_machine.py"} <= kit
    # every package of the source tree is in the wheel (a package list kept by hand goes stale)
    for folder, package in (("umapi_mock", "umapi_mock"), ("contracts", "umapi_mock/contracts")):
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.relative_to(ROOT / folder).as_posix()
            assert f"{package}/{relative}" in names, relative
    assert "umapi_mock/py.typed" in names


def test_wheel_metadata(built_wheel: Path):
    with zipfile.ZipFile(built_wheel) as wheel:
        meta_name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
        meta = MetadataParser().parsestr(wheel.read(meta_name).decode())
    import umapi_mock

    assert meta["Version"] == umapi_mock.__version__  # one source: umapi_mock.__version__
    requires = {
        r.split(";")[0].split(">")[0].split("<")[0].split("=")[0].strip().lower() for r in meta.get_all("Requires-Dist")
    }
    assert {"responses", "urllib3", "pytest", "hypothesis", "flask", "cryptography"} <= requires
    assert any(r.startswith("cryptography>=38.0.4") for r in meta.get_all("Requires-Dist"))
    assert any(r.startswith("PyJWT>=2.4.0") for r in meta.get_all("Requires-Dist"))
    classifiers = meta.get_all("Classifier")
    assert "Framework :: Pytest" in classifiers and "Programming Language :: Python :: 3.11" in classifiers
    assert meta.get_all("Project-URL") and meta["Author"]


def test_fresh_venv_contract_command_passes_in_process(fresh_venv: Path, tmp_path: Path):
    proc = run(
        [str(fresh_venv / "bin" / "umapi-mock"), "contract", "--report", "report.json"], cwd=tmp_path, timeout=600
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (tmp_path / "report.json").exists()
    assert "passed" in proc.stdout


def test_fresh_venv_mock_umapi_serves_a_token_and_a_users_page(fresh_venv: Path, tmp_path: Path):
    script = textwrap.dedent(
        """
        import requests
        from umapi_mock import mock_umapi
        import umapi_mock.contracts, importlib.util

        assert importlib.util.find_spec("contracts") is None, "a top-level contracts package is installed"
        with mock_umapi() as umapi:
            token = requests.post(
                "https://ims-na1.adobelogin.com/ims/token/v2",
                data={"grant_type": "client_credentials", "client_id": umapi.client_id,
                      "client_secret": umapi.client_secret, "scope": "openid,AdobeID,user_management_sdk"},
            ).json()["access_token"]
            page = requests.get(
                f"https://usermanagement.adobe.io/v2/usermanagement/users/{umapi.org_id}/0",
                headers={"Authorization": f"Bearer {token}", "X-Api-Key": umapi.client_id},
            )
            assert page.status_code == 200, page.text
            print("users on page 0:", len(page.json()["users"]))
        """
    )
    proc = run([str(fresh_venv / "bin" / "python"), "-c", script], cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("users on page 0: ")
    assert int(proc.stdout.split(": ")[1]) > 0


def test_fresh_venv_has_no_test_extras(fresh_venv: Path, tmp_path: Path):
    """The venv is a plain install: none of the test extras that would hide a missing runtime dependency."""
    proc = run(
        [str(fresh_venv / "bin" / "python"), "-c", "import importlib.util as u; print(u.find_spec('mypy'))"],
        cwd=tmp_path,
    )
    assert proc.stdout.strip() == "None"
    assert (
        subprocess.run([str(fresh_venv / "bin" / "python"), "-c", "import jsonschema"], capture_output=True).returncode
        != 0
    )


def test_nothing_imports_a_top_level_contracts_package():
    """The kit is `umapi_mock.contracts` once installed: its own modules import each other
    relatively, everything else by that name (a `from contracts.x` passes in a checkout and
    fails in every install)."""
    pattern = re.compile(r"^\s*(from\s+contracts[\s.]|import\s+contracts\b)", re.M)
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("contracts", "umapi_mock", "umapi_client", "tests", "benchmarks", "examples")
        for path in (ROOT / folder).rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
