"""The contract kit must fail on a wrong emulator, in every target mode, and say which
contract it broke; and pass on the unbroken one.

Each defect is switched on by a test-only WSGI middleware (`defects.py`), never by the
emulator's config or CLI."""

from __future__ import annotations

import pytest

from .conftest import WORKERS
from .defects import DEFECTS, MODES

ALL_MODES = [m for modes in WORKERS.values() for m in modes]


def test_every_mode_and_at_least_fifteen_defects_are_covered():
    assert sorted(ALL_MODES) == sorted(MODES)
    assert len(DEFECTS) >= 15
    assert len({d.contract for d in DEFECTS.values()}) >= 15  # distinct contracts, not one checked 15 ways


def test_plain_pytest_contracts_passes_against_its_own_emulator(suite_runs):
    run = suite_runs[("plain", "inprocess")]
    assert run.returncode == 0, run.output[-3000:]
    report = run.report
    assert report["target"]["kind"] == "inprocess" and report["target"]["writes"] is True
    assert report["summary"]["fail"] == 0 and report["summary"]["error"] == 0
    assert report["summary"]["not run"] == 0 and report["summary"]["n/a"] == 0, [
        c["name"] for c in report["contracts"] if c["status"] in ("not run", "n/a")
    ]


@pytest.mark.parametrize("mode", ALL_MODES)
def test_the_unbroken_emulator_passes_every_contract(suite_runs, mode):
    run = suite_runs[(mode, "clean")]
    assert run.returncode == 0, run.output[-3000:]
    unjudged = {c["name"]: c["status"] for c in run.report["contracts"] if c["status"] != "pass"}
    assert unjudged == {}, unjudged  # every invariant is judged in every mode, deterministically


@pytest.mark.parametrize("mode", ALL_MODES)
@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_the_kit_fails_naming_the_contract(suite_runs, mode, defect):
    run = suite_runs[(mode, defect)]
    contract = DEFECTS[defect].contract
    assert run.returncode == 1, f"the kit passed although {defect} was on:\n{run.output[-3000:]}"
    assert run.status(contract) == "fail", {
        c["name"]: c["status"] for c in run.report["contracts"] if c["status"] != "pass"
    }
    assert f"[{contract}]" in run.output  # the failure message names it
    assert "contracts failing:" in run.output and contract in run.output.split("contracts failing:", 1)[1]
    failed = next(c for c in run.report["contracts"] if c["name"] == contract)
    assert failed["message"] and failed.get("exchange", {}).get("request"), failed


def test_the_defects_are_not_reachable_from_the_cli():
    from umapi_mock.cli import build_parser

    help_text = build_parser().format_help()
    for name in DEFECTS:
        assert name not in help_text
    for module in ("umapi_mock.config", "umapi_mock.cli", "umapi_mock.http.app"):
        source = __import__(module, fromlist=["x"]).__file__
        text = open(source).read()
        assert "DefectMiddleware" not in text and "tests.contracts" not in text


@pytest.mark.parametrize("other", ["served", "url", "url-writes"])
def test_diff_of_the_same_emulator_in_process_and_elsewhere_reports_no_drift(suite_runs, other):
    """`umapi-mock contract diff` (the console script) of two clean runs of one emulator."""
    import subprocess
    import sys
    from pathlib import Path

    a = suite_runs[("inprocess", "clean")].out / "contract-report.json"
    b = suite_runs[(other, "clean")].out / "contract-report.json"
    script = Path(sys.executable).with_name("umapi-mock")
    proc = subprocess.run([str(script), "contract", "diff", str(a), str(b)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("no drift") and "judged on one side only" not in proc.stdout
