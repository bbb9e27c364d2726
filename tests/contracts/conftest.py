"""The contract kit judged: whole kit runs against its own emulator, clean and with one planted
defect at a time, in every target mode.

Two subprocesses run the defect matrix (`python -m tests.contracts.defects`), one for the
emulator modes (`inprocess`, `served`) and one for the URL modes (`url`, `url-writes`), each
running the kit in-process once per (mode, defect) against one shared emulator; a third runs
plain `pytest contracts/`, as a user would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKERS = {"emulators": ["inprocess", "served"], "urls": ["url", "url-writes"]}


@dataclass
class SuiteRun:
    mode: str
    name: str
    returncode: int
    output: str
    out: Path

    def read(self, name: str) -> Any:
        return json.loads((self.out / name).read_text())

    @property
    def report(self) -> dict[str, Any]:
        return self.read("contract-report.json")  # type: ignore[no-any-return]

    def status(self, contract: str) -> str:
        return next(c["status"] for c in self.report["contracts"] if c["name"] == contract)


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("UMAPI_", "HYPOTHESIS_", "PYTEST_"))}


def _matrix(modes: list[str], base: Path) -> str:
    cmd = [sys.executable, "-m", "tests.contracts.defects", "--out", str(base), "--all"]
    for mode in modes:
        cmd += ["--mode", mode]
    proc = subprocess.run(cmd, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=900)
    return proc.stdout + proc.stderr


def _plain(base: Path) -> SuiteRun:
    out = base / "plain" / "inprocess"
    out.mkdir(parents=True)
    env = {**_env(), "HYPOTHESIS_PROFILE": "quick"}
    cmd = [sys.executable, "-m", "pytest", "contracts", "-q", "-p", "no:cacheprovider"]
    cmd += ["--umapi-report", str(out / "contract-report.json")]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    return SuiteRun("plain", "inprocess", proc.returncode, proc.stdout + proc.stderr, out)


@pytest.fixture(scope="session")
def suite_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], SuiteRun]:
    """(mode, run) -> the run; run is "clean" or a defect name; ("plain", "inprocess") is
    `pytest contracts/` with no harness."""
    base = tmp_path_factory.mktemp("contract-runs")
    with ThreadPoolExecutor(3) as pool:
        logs = [pool.submit(_matrix, modes, base) for modes in WORKERS.values()]
        plain = pool.submit(_plain, base)
        log = "\n".join(f.result() for f in logs)
    runs = {("plain", "inprocess"): plain.result()}
    for modes in WORKERS.values():
        for mode in modes:
            for run_dir in sorted((base / mode).iterdir()) if (base / mode).is_dir() else []:
                meta = json.loads((run_dir / "run.json").read_text())
                output = (run_dir / "output.txt").read_text()
                runs[(mode, run_dir.name)] = SuiteRun(mode, run_dir.name, meta["exit"], output, run_dir)
    if not any(k[1] == "clean" for k in runs):
        raise RuntimeError(f"the defect matrix did not run:\n{log[-3000:]}")
    return runs
