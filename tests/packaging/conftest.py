"""A copy of the source tree, its wheel, and a fresh venv made from it with `pip install .`,
built once per session (the venv install reaches the package index like a user's would)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(argv: Sequence[str], cwd: Path, timeout: float = 600, env: dict[str, str] | None = None):
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("UMAPI_", "PYTHONPATH", "VIRTUAL_ENV", "HYPOTHESIS_"))
    }
    return subprocess.run(list(argv), cwd=cwd, env=env or clean, capture_output=True, text=True, timeout=timeout)


def source_files() -> list[str]:
    """The files a checkout has (tracked, or new and not ignored), as git lists them."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    return [name for name in listed.split("\0") if name and (ROOT / name).is_file()]


@pytest.fixture(scope="session")
def source_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The checkout copied aside, so building it leaves no build/ or egg-info in the worktree."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to list the source files")
    dest = tmp_path_factory.mktemp("source") / "umapi-mock"
    for name in source_files():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    return dest


@pytest.fixture(scope="session")
def built_wheel(source_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    proc = run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), "."], cwd=source_copy)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (wheel,) = out.glob("umapi_mock-*.whl")
    return wheel


@pytest.fixture(scope="session")
def fresh_venv(source_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv without system site-packages where the only install step is `pip install .`."""
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    made = run([sys.executable, "-m", "venv", str(venv)], cwd=source_copy)
    assert made.returncode == 0, made.stderr
    proc = run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "."], cwd=source_copy, timeout=900)
    if proc.returncode != 0 and "No matching distribution" in proc.stderr:
        pytest.skip(f"the package index cannot be reached: {proc.stderr.strip().splitlines()[-1]}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return venv
