"""Runs of the contract suite against deliberately broken (and unbroken) served emulators.

All runs start together in subprocesses (each serves its own emulator), so the self-test
costs about one run's time per core rather than the sum.
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

from .defects import DEFECTS

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class SuiteRun:
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


RUNS: dict[str, list[str]] = {"clean": [], "writes": ["--writes", "example.com"]}
RUNS.update({d: ["--defect", d] for d in DEFECTS})
# Plain `pytest contracts/` runs against the suite's own emulator, in-process and served.
RUNS.update({"inprocess": ["pytest", "inprocess"], "served": ["pytest", "served"]})


def _run(name: str, args: list[str], base: Path) -> SuiteRun:
    out = base / name
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UMAPI_", "HYPOTHESIS_", "PYTEST_"))}
    if args[:1] == ["pytest"]:
        env["HYPOTHESIS_PROFILE"] = "quick"
        out.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable,
            "-m",
            "pytest",
            "contracts",
            "-q",
            "-p",
            "no:cacheprovider",
            "--umapi-target",
            args[1],
            "--umapi-report",
            str(out / "contract-report.json"),
        ]
    else:
        cmd = [sys.executable, "-m", "tests.contracts.defects", "--out", str(out)] + args
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    return SuiteRun(name, proc.returncode, proc.stdout + proc.stderr, out)


@pytest.fixture(scope="session")
def suite_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SuiteRun]:
    base = tmp_path_factory.mktemp("contract-runs")
    workers = max(2, min(4, (os.cpu_count() or 2) + 1))
    with ThreadPoolExecutor(workers) as pool:
        futures = {name: pool.submit(_run, name, args, base) for name, args in RUNS.items()}
        return {name: f.result() for name, f in futures.items()}
