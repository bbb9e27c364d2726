"""umapi-client 3.0.1's own test-suite, run unchanged against our client (and, as a control,
against the official client): the behavioural parity check that does not depend on our
reading of 3.0.1, since 3.0.1's authors wrote the expectations.

The suite is read from the mirrored official repository at tag v3.0.1 (UMAPI_OFFICIAL_SOURCE,
a bare git repository); only two shims are ours: `mock` (the suite imports the old backport;
`unittest.mock` is the same API) and a fake clock for the retry tests, which patches the
`sleep` and `time` names of `umapi_client.connection` as 3.0.1's own module defines them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import textwrap
from io import BytesIO
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCE = Path(
    os.environ.get("UMAPI_OFFICIAL_SOURCE", "/work/.mirror/adobe-apiplatform+umapi-client.py/repo")
).expanduser()
TAG = "v3.0.1"

FAKE_CLOCK = textwrap.dedent(
    """
    import pytest

    @pytest.fixture(autouse=True)
    def _fake_clock(monkeypatch):
        import umapi_client.connection as connection
        now = [1_000_000.0]
        monkeypatch.setattr(connection, "time", lambda: now[0])
        monkeypatch.setattr(connection, "sleep", lambda seconds: now.__setitem__(0, now[0] + seconds))
    """
)


@pytest.fixture(scope="module")
def official_tests(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("git") is None or not SOURCE.exists():
        pytest.skip(f"the official client's repository is not mirrored at {SOURCE} (set UMAPI_OFFICIAL_SOURCE)")
    archive = subprocess.run(
        ["git", "--git-dir", str(SOURCE), "archive", "--format=tar", TAG, "tests"], capture_output=True, check=True
    ).stdout
    where = tmp_path_factory.mktemp("official-suite")
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(where, filter="data")
    (where / "mock.py").write_text("from unittest.mock import *  # noqa: F403 - the `mock` backport's API\n")
    (where / "umapi_fake_clock.py").write_text(FAKE_CLOCK)
    return where


def _run_suite(where: Path, client_path: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "UMAPI_MOCK")}
    env["PYTHONPATH"] = os.pathsep.join([str(where), client_path])
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "umapi_fake_clock",
            "-p",
            "no:umapi_mock",
        ]
        + ["-o", "addopts=", "tests"],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _passed(proc: subprocess.CompletedProcess[str]) -> int:
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    assert proc.returncode == 0 and " passed" in last and "failed" not in last, proc.stdout[-4000:] + proc.stderr
    return int(last.split(" passed")[0].split()[-1])


@pytest.mark.slow  # starts a pytest process
def test_official_suite_passes_with_ours(official_tests: Path) -> None:
    proc = _run_suite(official_tests, str(ROOT))
    assert "umapi_client" not in proc.stderr
    assert _passed(proc) >= 100  # 3.0.1 ships 115 tests


@pytest.mark.official_client
def test_official_suite_passes_with_the_official_client(official_tests: Path, official_python: Path) -> None:
    """The control: the shims change nothing for the client the suite was written for."""
    site = subprocess.run(
        [str(official_python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert _passed(_run_suite(official_tests, site)) >= 100
