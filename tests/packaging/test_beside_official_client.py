"""umapi-mock installed beside Adobe's official client 3.0.1, whose pins are old (PyJWT==2.4.0,
cryptography>=38.0.4,<39): one `pip install` resolves in either order, and afterwards `serve`
runs twice on one TLS dir (the second run reuses the certificates: it reads their expiry with
the old cryptography) while the official client reads users from it."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.packaging.conftest import run

pytestmark = pytest.mark.packaging  # (the README check below needs no install)

OFFICIAL = "umapi-client==3.0.1"

CLIENT_SCRIPT = textwrap.dedent(
    """
    import sys
    from umapi_client import Connection, OAuthS2S, UsersQuery
    url, ca = open(sys.argv[1]).read().split()
    netloc = url.split("://", 1)[1]
    auth = OAuthS2S(client_id="test-client", client_secret="test-secret", auth_host=netloc, ssl_verify=ca)
    conn = Connection(org_id="0123456789ABCDEF01234567@AdobeOrg", auth=auth,
                      endpoint=url + "/v2/usermanagement", ssl_verify=ca)
    print(len(UsersQuery(conn).all_results()))
    """
)


def _venv(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    venv = tmp_path_factory.mktemp(name) / "venv"
    made = run([sys.executable, "-m", "venv", str(venv)], cwd=venv.parent)
    assert made.returncode == 0, made.stderr
    return venv


def _pip(venv: Path, *args: str) -> subprocess.CompletedProcess[str]:
    proc = run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *args], cwd=venv.parent, timeout=900)
    if proc.returncode != 0 and "No matching distribution" in proc.stderr:
        pytest.skip(f"the package index cannot be reached: {proc.stderr.strip().splitlines()[-1]}")
    return proc


@pytest.fixture(scope="session", params=["official-first", "umapi-mock-first", "one-after-the-other"])
def beside_venv(request: pytest.FixtureRequest, built_wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv where Adobe's client and umapi-mock were installed the way `request.param` says."""
    venv = _venv(tmp_path_factory, request.param)
    if request.param == "official-first":
        steps: list[tuple[str, ...]] = [(OFFICIAL, str(built_wheel))]
    elif request.param == "umapi-mock-first":
        steps = [(str(built_wheel), OFFICIAL)]
    else:  # as the plugin's message suggests: umapi-mock first, Adobe's client added later
        steps = [(str(built_wheel),), (OFFICIAL,)]
    for step in steps:
        proc = _pip(venv, *step)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "ResolutionImpossible" not in proc.stderr and "incompatible" not in proc.stderr, proc.stderr
    return venv


def test_one_install_resolves_with_the_official_pins(beside_venv: Path):
    check = run([str(beside_venv / "bin" / "python"), "-m", "pip", "check"], cwd=beside_venv.parent)
    assert check.returncode == 0, check.stdout + check.stderr
    listed = run([str(beside_venv / "bin" / "python"), "-m", "pip", "list", "--format=freeze"], cwd=beside_venv.parent)
    versions = dict(line.split("==", 1) for line in listed.stdout.splitlines() if "==" in line)
    assert versions["umapi-client"] == "3.0.1"  # Adobe's, not the reference client
    assert versions["PyJWT"] == "2.4.0"
    assert versions["cryptography"].startswith("38."), versions["cryptography"]


def _serve_once(venv: Path, tls: Path, work: Path, n: int) -> str:
    url_file = work / f"url-{n}.txt"
    server = subprocess.Popen(
        [str(venv / "bin" / "umapi-mock"), "serve", "--port", "0", "--tls-dir", str(tls), "--url-file", str(url_file)],
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        waited = run(
            [str(venv / "bin" / "umapi-mock"), "wait", "--url-file", str(url_file), "--timeout", "120"], cwd=work
        )
        assert waited.returncode == 0, waited.stderr + (server.poll() is not None and server.communicate()[1] or "")
        client = run([str(venv / "bin" / "python"), "-c", CLIENT_SCRIPT, str(url_file)], cwd=work, timeout=300)
        assert client.returncode == 0, client.stderr[-3000:]
        return client.stdout.strip()
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            _, err = server.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            _, err = server.communicate()
        assert server.returncode == 0, err
        assert "Traceback" not in err, err


def test_serve_twice_on_one_tls_dir_and_the_official_client_reads(beside_venv: Path, tmp_path: Path):
    tls = tmp_path / "tls"
    first = _serve_once(beside_venv, tls, tmp_path, 1)
    ca = (tls / "ca.pem").read_bytes()
    second = _serve_once(beside_venv, tls, tmp_path, 2)  # reuses the files: reads their expiry
    assert (tls / "ca.pem").read_bytes() == ca
    assert first == second and int(first) > 0


def test_readme_quotes_the_floors_pyproject_declares():
    """Every `name>=X` README gives as the emulator's floor (in a paragraph about floors; the
    reference client's own requirements are its distribution's) is pyproject.toml's."""
    import re

    import tomllib

    from tests.packaging.conftest import ROOT

    floors = {}
    for requirement in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]:
        match = re.match(r"([A-Za-z0-9._-]+)\s*>=\s*([0-9][^,;\s]*)", requirement)
        if match:
            floors[match.group(1).lower()] = match.group(2)
    paragraphs = [p for p in re.split(r"\n\s*\n|\n\d+\. ", (ROOT / "README.md").read_text()) if "floor" in p]
    quoted = [q for p in paragraphs for q in re.findall(r"`([A-Za-z0-9._-]+)>=([0-9][^`,\s]*)`", p)]
    ours = [(name, version) for name, version in quoted if name.lower() in floors]
    assert ours, "README quotes no floor"
    assert {name.lower() for name, _ in ours} >= {"pyjwt", "cryptography"}
    for name, version in ours:
        assert floors[name.lower()] == version, (name, version, floors[name.lower()])
