"""Packaging, as a new user meets it, in one throwaway venv built once per session from a copy
of the cached official venv (`umapi-client==3.0.1` with its PyJWT/cryptography pins):

1. `pip install <emulator>` leaves the official client byte for byte as installed (every file
   of its RECORD hashes the same) and importable; pip reports the pin conflict it creates; the
   pytest plugin and `umapi-mock contract` pass with the official client;
2. `pip uninstall umapi-mock` leaves the official client intact and working;
3. `pip install <repo>/umapi_client` replaces it with ours, which has its whole surface;
4. with no `umapi_client` at all, the plugin's other fixtures and the contract kit still work,
   and `umapi_connection` says clearly what is missing.

Each stage's observations are collected by the fixture; the tests below judge them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from . import surface

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.packaging, pytest.mark.official_client]

# Run by the venv's python: what is installed, and whether the official files are untouched.
PROBE = textwrap.dedent(
    """
    import base64, hashlib, json, sys
    from importlib import metadata
    from pathlib import Path

    def record_check(dist_name):
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError:
            return None
        checked, changed = 0, []
        for entry in dist.files or []:
            if entry.hash is None:
                continue
            data = Path(entry.locate()).read_bytes() if Path(entry.locate()).exists() else None
            digest = base64.urlsafe_b64encode(hashlib.sha256(data or b"").digest()).rstrip(b"=").decode()
            checked += 1
            if data is None or digest != entry.hash.value:
                changed.append(str(entry))
        return {"version": dist.version, "checked": checked, "changed": changed,
                "files": sorted(str(f) for f in dist.files or [])}

    out = {"official": record_check("umapi-client"), "emulator": record_check("umapi-mock"), "versions": {}}
    for name in ("PyJWT", "cryptography"):
        try:
            out["versions"][name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out["versions"][name] = None
    try:
        import umapi_client
        out["import"] = {"version": umapi_client.__version__, "file": umapi_client.__file__}
    except ImportError as exc:
        out["import"] = {"error": str(exc)}
    print(json.dumps(out))
    """
)

# A user's project: tests against the plugin's fixtures, written with 3.0.1's API.
PROJECT_TESTS = textwrap.dedent(
    """
    from umapi_client import UserAction, UserQuery, UsersQuery

    def test_create_and_read_back(umapi_org, umapi_connection):
        action = UserAction("someone@example.com").create("someone@example.com", "Some", "One", "US")
        assert umapi_connection.execute_single(action, immediate=True) == (0, 1, 1)
        assert umapi_org.find_user("someone@example.com") is not None
        assert UserQuery(umapi_connection, "someone@example.com").result()["firstname"] == "Some"
        assert len(UsersQuery(umapi_connection).all_results()) == len(umapi_org.active_user_ids())
    """
)
NO_CLIENT_TESTS = textwrap.dedent(
    """
    def test_fixtures_without_a_client(umapi_server, umapi_org):
        r = umapi_server.session.get(umapi_server.endpoint + "/users/" + umapi_org.id + "/0",
                                     headers=umapi_server.headers(), verify=umapi_server.ca_path, timeout=30)
        assert r.status_code == 200 and r.json()["users"]

    def test_connection_needs_a_client(umapi_connection):
        pass
    """
)
# Run in the venv against the session's served emulator, after `pip uninstall umapi-mock`.
OFFICIAL_SMOKE = textwrap.dedent(
    """
    import json, os, sys
    import umapi_client
    from umapi_client import Connection, OAuthS2S, UserQuery, UsersQuery
    auth = OAuthS2S(os.environ["UMAPI_CLIENT_ID"], os.environ["UMAPI_SECRET"], auth_host=os.environ["UMAPI_NETLOC"],
                    ssl_verify=os.environ["UMAPI_CA"])
    conn = Connection(os.environ["UMAPI_ORG"], auth, endpoint=os.environ["UMAPI_URL"] + "/v2/usermanagement",
                      ssl_verify=os.environ["UMAPI_CA"])
    print(json.dumps({"version": umapi_client.__version__, "users": len(UsersQuery(conn).all_results()),
                      "jane": UserQuery(conn, "jane@example.com").result().get("email")}))
    """
)


def _local_index_env() -> dict[str, str]:
    """pip settings that use only this machine's file:// package indexes (no network)."""
    configured: list[str] = []
    for key in ("global.index-url", "global.extra-index-url"):
        proc = subprocess.run([sys.executable, "-m", "pip", "config", "get", key], capture_output=True, text=True)
        configured += proc.stdout.split() if proc.returncode == 0 else []
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL"):
        configured += os.environ.get(name, "").split()
    local = [u for u in dict.fromkeys(configured) if u.startswith("file://") and Path(u[len("file://") :]).is_dir()]
    if not local:
        pytest.skip("no local (file://) package index is configured for pip; this test does not use the network")
    return {"PIP_INDEX_URL": local[0], "PIP_EXTRA_INDEX_URL": " ".join(local[1:])}


@dataclass
class Venv:
    root: Path
    work: Path
    pip_env: dict[str, str] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)

    def run(
        self, *args: str, env: dict[str, str] | None = None, program: str = "python"
    ) -> subprocess.CompletedProcess[str]:
        """Run the venv's `program` (python, or one of its scripts) outside the checkout."""
        clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTEST_ADDOPTS")}
        clean.update(env or {})
        proc = subprocess.run(
            [str(self.root / "bin" / program), *args],
            cwd=self.work,
            env=clean,
            capture_output=True,
            text=True,
            timeout=900,
        )
        self.log.append(
            f"$ {program} {' '.join(args)} -> {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
        return proc

    def pip(self, *args: str) -> subprocess.CompletedProcess[str]:
        proc = self.run("-m", "pip", *args, "--no-input", "--disable-pip-version-check", env=self.pip_env)
        assert proc.returncode == 0, self.log[-1]
        return proc

    def probe(self) -> dict[str, Any]:
        proc = self.run("-c", PROBE)
        assert proc.returncode == 0, self.log[-1]
        return json.loads(proc.stdout)  # type: ignore[no-any-return]

    def pytest_project(self, name: str, tests: str) -> subprocess.CompletedProcess[str]:
        project = self.work / name
        project.mkdir()
        (project / "test_project.py").write_text(tests)
        return self.run("-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", str(project))

    def contract(self, name: str) -> subprocess.CompletedProcess[str]:
        report = self.work / f"{name}-report.json"
        return self.run("contract", "--profile", "quick", "--report", str(report), program="umapi-mock")


def _copy_sources(dest: Path) -> tuple[Path, Path]:
    """The two distributions' sources, copied so that builds leave nothing in the checkout."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build", "*.pyc")
    emulator = dest / "umapi-mock"
    emulator.mkdir(parents=True)
    for name in ("pyproject.toml", "setup.py", "README.md"):  # setup.py: the package list, the kit's mapping
        shutil.copy2(ROOT / name, emulator / name)
    for name in ("umapi_mock", "contracts"):
        shutil.copytree(ROOT / name, emulator / name, ignore=ignore)
    client = dest / "umapi_client"
    shutil.copytree(ROOT / "umapi_client", client, ignore=ignore)
    return emulator, client


@pytest.fixture(scope="session")
def stages(official_python: Path, served_session: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("packaging")
    official_venv = official_python.parent.parent
    venv = Venv(base / "venv", base / "work", _local_index_env())
    venv.work.mkdir()
    shutil.copytree(official_venv, venv.root, symlinks=True)
    emulator_src, client_src = _copy_sources(base / "src")
    seen: dict[str, Any] = {"log": venv.log}

    seen["before"] = venv.probe()
    venv.pip("install", "-q", "setuptools>=68", "wheel", "pytest", "hypothesis", "responses")
    seen["tools"] = venv.probe()

    install = venv.pip("install", "--no-build-isolation", str(emulator_src))
    seen["install_output"] = install.stdout + install.stderr
    seen["installed"] = venv.probe()
    seen["pip_check"] = venv.run("-m", "pip", "check", env=venv.pip_env).stdout
    seen["plugin_official"] = venv.pytest_project("with_official", PROJECT_TESTS)
    seen["contract_official"] = venv.contract("official")

    venv.pip("uninstall", "-y", "umapi-mock")
    seen["uninstalled"] = venv.probe()
    seen["smoke_after_uninstall"] = venv.run(
        "-c",
        OFFICIAL_SMOKE,
        env={
            "UMAPI_URL": served_session.url,
            "UMAPI_NETLOC": served_session.netloc,
            "UMAPI_CA": served_session.ca_path,
            "UMAPI_ORG": served_session.org_id,
            "UMAPI_CLIENT_ID": served_session.client_id,
            "UMAPI_SECRET": served_session.client_secret,
        },
    )

    venv.pip("install", "--no-build-isolation", "--no-deps", str(client_src))
    seen["ours"] = venv.probe()
    described = venv.run("-I", str(Path(surface.__file__)))
    seen["our_surface"] = json.loads(described.stdout) if described.returncode == 0 else venv.log[-1]
    official_described = subprocess.run(
        [str(official_python), "-I", str(Path(surface.__file__))], cwd=venv.work, capture_output=True, text=True
    )
    seen["official_surface"] = json.loads(official_described.stdout)

    venv.pip("uninstall", "-y", "umapi-client")
    venv.pip("install", "--no-build-isolation", "--no-deps", str(emulator_src))
    seen["no_client"] = venv.probe()
    seen["plugin_no_client"] = venv.pytest_project("without_client", NO_CLIENT_TESTS)
    seen["contract_no_client"] = venv.contract("none")
    return seen


def _why(stages: dict[str, Any]) -> str:
    return "\n".join(stages["log"])


def test_the_copy_starts_as_the_official_venv(stages: dict[str, Any]) -> None:
    before = stages["before"]
    assert before["official"]["version"] == "3.0.1" and before["official"]["checked"] > 5
    assert before["official"]["changed"] == [] and before["emulator"] is None
    assert before["import"]["version"] == "3.0.1"


def test_installing_the_emulator_leaves_the_official_client_byte_for_byte(stages: dict[str, Any]) -> None:
    installed = stages["installed"]
    assert installed["emulator"] is not None, _why(stages)
    assert installed["official"]["version"] == "3.0.1"
    assert installed["official"]["files"] == stages["before"]["official"]["files"]
    assert installed["official"]["changed"] == []
    assert installed["import"]["version"] == "3.0.1"
    assert not any(f.startswith("umapi_client/") for f in installed["emulator"]["files"])


def test_pip_reports_the_pin_conflict_it_had_to_create(stages: dict[str, Any]) -> None:
    """The official pins (PyJWT==2.4.0, cryptography<39) are below the emulator's floors, so
    pip upgrades them and says so; if they ever satisfy the floors, they are kept."""
    before, after = stages["tools"]["versions"], stages["installed"]["versions"]
    if before == after:
        assert "umapi-client" not in stages["pip_check"]
    else:
        assert "umapi-client 3.0.1 requires" in stages["install_output"] + stages["pip_check"]


def test_plugin_and_contract_pass_with_the_official_client(stages: dict[str, Any]) -> None:
    plugin = stages["plugin_official"]
    assert plugin.returncode == 0 and "1 passed" in plugin.stdout, plugin.stdout + plugin.stderr
    contract = stages["contract_official"]
    assert contract.returncode == 0 and " passed" in contract.stdout, contract.stdout[-3000:] + contract.stderr


def test_uninstalling_the_emulator_leaves_the_official_client_working(stages: dict[str, Any]) -> None:
    after = stages["uninstalled"]
    assert after["emulator"] is None and after["official"]["changed"] == []
    assert after["official"]["files"] == stages["before"]["official"]["files"]
    smoke = stages["smoke_after_uninstall"]
    assert smoke.returncode == 0, smoke.stdout + smoke.stderr
    result = json.loads(smoke.stdout)
    assert result["version"] == "3.0.1" and result["users"] > 0 and result["jane"] == "jane@example.com"


def test_our_client_installs_in_place_of_the_official_one_with_its_whole_surface(stages: dict[str, Any]) -> None:
    ours = stages["ours"]
    assert ours["official"]["version"] == "3.0.1+umapimock"  # the one umapi-client distribution, now ours
    assert ours["official"]["changed"] == []
    assert ours["import"]["version"] == "3.0.1+umapimock"
    assert "site-packages" in ours["import"]["file"] and str(ROOT) not in ours["import"]["file"]
    assert isinstance(stages["our_surface"], dict), stages["our_surface"]
    assert surface.incompatibilities(stages["official_surface"], stages["our_surface"]) == []


def test_with_no_client_the_plugin_and_contract_still_work(stages: dict[str, Any]) -> None:
    none = stages["no_client"]
    assert none["official"] is None and "error" in none["import"] and none["emulator"] is not None
    plugin = stages["plugin_no_client"]
    assert "1 passed, 1 error" in plugin.stdout, plugin.stdout + plugin.stderr
    assert "umapi_connection: no umapi_client package is installed" in plugin.stdout
    assert "Traceback" not in plugin.stdout and "During handling" not in plugin.stdout
    assert "pip install umapi-client==3.0.1" in plugin.stdout
    contract = stages["contract_no_client"]
    assert contract.returncode == 0 and " passed" in contract.stdout, contract.stdout[-3000:] + contract.stderr
