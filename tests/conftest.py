"""Shared test fixtures: hypothesis profiles, one served HTTPS emulator per session, and
the official `umapi-client==3.0.1` in its own cached venv.

The served emulator runs in this process, so a fixture can reset its state directly
between tests instead of restarting it.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

# The hand-written world's fixtures, for the tests of domain/, http/ and cli/ alike.
from tests.world import core, page_sizes  # noqa: F401
from umapi_mock.config import Config
from umapi_mock.http.app import create_app
from umapi_mock.http.context import emulator_of
from umapi_mock.seed import DEMO_ORG_ID
from umapi_mock.server import ServedEmulator
from umapi_mock.testing import UmapiServer
from umapi_mock.tls import ensure_tls

settings.register_profile("ci", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("nightly", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=60, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent.parent
OFFICIAL_VERSION = "3.0.1"
DEMO_CLIENT_ID = "test-client"
DEMO_CLIENT_SECRET = "test-secret"


# ------------------------------------------------------------ lanes and workers

# A test is `slow` when it starts another process or a browser: a server, a console script,
# a venv, Chromium. The quick lane (`pytest -m "not slow"`) runs everything else. The rule is
# kept here, once: by marker, by fixture, and by the test files whose every test starts one.
SLOW_MARKERS = frozenset({"official_client", "packaging", "docker"})
SLOW_FIXTURES = frozenset({"official_python", "official", "browser", "page", "processes", "suite_runs"})
SLOW_FILES = (
    "tests/test_benchmarks_quick.py",
    "tests/client/test_client_typing.py",
    "tests/contracts/test_catches_defects.py",
    "tests/contracts/test_dry_run.py",
    "tests/contracts/test_preflight.py",
    "tests/contracts/test_kit.py",
    "tests/contracts/test_throttle_modes.py",
    "tests/cli/test_cli_input.py",
    "tests/cli/test_cli_settings.py",
    "tests/cli/test_seed_cli.py",
    "tests/drift/",
    "tests/fidelity/test_contract_kit.py",
    "tests/packaging/test_ci_examples.py",
    "tests/plugin/test_throwaway_project.py",
    "tests/serving/test_data_dir_guards.py",
    "tests/serving/test_lifecycle.py",
    "tests/serving/test_limits.py",
    "tests/serving/test_logs.py",
    "tests/serving/test_persistence.py",
    "tests/serving/test_redaction.py",
)


# Session fixtures that build something once per process, and the pytest-xdist group that keeps
# every test using one on a single worker (`--dist loadgroup`), so it is built once per run.
SHARED_BUILDS = {"suite_runs": "contract-matrix"}  # the contract kit's defect matrix


# tryfirst: pytest-xdist reads `xdist_group` in its own collection hook on each worker, which
# otherwise runs before this one and never sees the groups set here.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(str(item.fspath)).relative_to(ROOT).as_posix()
        fixtures = set(getattr(item, "fixturenames", ()))
        markers = {mark.name for mark in item.iter_markers()}
        if markers & SLOW_MARKERS or fixtures & SLOW_FIXTURES or path.startswith(SLOW_FILES):
            item.add_marker(pytest.mark.slow)
        if "packaging" in markers:
            # One pytest-xdist worker builds the session's wheel and venvs (`--dist loadgroup`).
            item.add_marker(pytest.mark.xdist_group("packaging"))
        for fixture in sorted(fixtures & SHARED_BUILDS.keys()):
            item.add_marker(pytest.mark.xdist_group(SHARED_BUILDS[fixture]))


@dataclass
class Served(UmapiServer):
    """The plugin's server object, pinned to the demo org's credentials (some tests load
    other orgs beside it)."""

    org_id: str = DEMO_ORG_ID  # type: ignore[assignment]
    client_id: str = DEMO_CLIENT_ID  # type: ignore[assignment]
    client_secret: str = DEMO_CLIENT_SECRET  # type: ignore[assignment]

    @property
    def config(self) -> Config:
        return self.emulator.config


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return ensure_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def served_session(tls_files: Any) -> Iterator[Served]:
    """The one HTTPS emulator of the session: the demo org, 1000 users per page so the
    demo org's 2,503 users span three pages."""
    app = create_app(Config(users_page_size=1000, ca_cert=tls_files.ca_cert))
    with ServedEmulator(app, "127.0.0.1", 0, ssl_context=tls_files.server_context()) as emulator:
        yield Served(emulator, str(tls_files.ca_cert))


@pytest.fixture
def served(served_session: Served) -> Iterator[Served]:
    """The session's emulator, reset to its seed (and without fault rules) before each test."""
    emulator = emulator_of(served_session.app)
    emulator.reset()
    yield served_session
    emulator.reset()


# ------------------------------------------------------------ official client venv


def _official_venv_dir() -> Path:
    return Path(os.environ.get("UMAPI_OFFICIAL_VENV", ROOT / ".cache" / f"official-umapi-client-{OFFICIAL_VERSION}"))


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


@pytest.fixture(scope="session")
def official_python() -> Path:
    """A venv with the official client, created once and reused across runs."""
    venv = _official_venv_dir()
    marker = venv / ".umapi-client-ready"
    python = _venv_python(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    # pytest-xdist workers are separate processes: the first one builds the venv, the others wait.
    with open(venv.parent / f".{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _build_official_venv(venv, python, marker)
    return python


def _build_official_venv(venv: Path, python: Path, marker: Path) -> None:
    if not marker.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        result = subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                f"umapi-client=={OFFICIAL_VERSION}",
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            pytest.fail(f"could not install umapi-client=={OFFICIAL_VERSION}:\n{result.stdout}\n{result.stderr}")
        marker.write_text(OFFICIAL_VERSION)


@dataclass
class OfficialClient:
    """Runs a script in the official client's venv; the script prints one JSON document."""

    python: Path
    served: Served
    tmp: Path

    PRELUDE = textwrap.dedent(
        """
        import json, os, sys, logging
        import umapi_client
        from umapi_client import *
        URL = os.environ["UMAPI_URL"]; NETLOC = os.environ["UMAPI_NETLOC"]; CA = os.environ["UMAPI_CA"]
        ORG = os.environ["UMAPI_ORG"]; CLIENT_ID = os.environ["UMAPI_CLIENT_ID"]; SECRET = os.environ["UMAPI_SECRET"]
        def connect(test_mode=False, **kw):
            auth = OAuthS2S(client_id=CLIENT_ID, client_secret=SECRET, auth_host=NETLOC, ssl_verify=CA)
            return Connection(org_id=ORG, auth=auth, endpoint=URL + "/v2/usermanagement", ssl_verify=CA,
                              test_mode=test_mode, **kw)
        def emit(value):
            print("@@RESULT@@" + json.dumps(value, default=str))
        """
    )

    def run(self, script: str, env: dict[str, str] | None = None, timeout: float = 120) -> Any:
        path = self.tmp / "official_script.py"
        path.write_text(self.PRELUDE + "\n" + textwrap.dedent(script))
        full_env = {
            k: v for k, v in os.environ.items() if k not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "PYTHONPATH")
        }
        full_env.update(
            UMAPI_URL=self.served.url,
            UMAPI_NETLOC=self.served.netloc,
            UMAPI_CA=self.served.ca_path,
            UMAPI_ORG=self.served.org_id,
            UMAPI_CLIENT_ID=self.served.client_id,
            UMAPI_SECRET=self.served.client_secret,
        )
        full_env.update(env or {})
        proc = subprocess.run(
            [str(self.python), str(path)], cwd=self.tmp, env=full_env, capture_output=True, text=True, timeout=timeout
        )
        if proc.returncode != 0:
            raise AssertionError(f"official client script failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        lines = [line for line in proc.stdout.splitlines() if line.startswith("@@RESULT@@")]
        assert lines, f"script printed no result:\n{proc.stdout}\n{proc.stderr}"
        return json.loads(lines[-1][len("@@RESULT@@") :])


@pytest.fixture
def official(official_python: Path, served: Served, tmp_path: Path) -> OfficialClient:
    return OfficialClient(official_python, served, tmp_path)
