"""The contract suite must fail on a wrong emulator, and say which contract it broke.

Each defect is switched on by a test-only WSGI middleware (`defects.py`), never by the
emulator's config or CLI; the suite runs against the served, broken emulator as a URL
target (a dry run, as it would against Adobe)."""

from __future__ import annotations

import pytest

from .defects import DEFECTS


@pytest.mark.parametrize("name", ["inprocess", "served"])
def test_suite_passes_against_its_own_emulator(suite_runs, name):
    run = suite_runs[name]
    assert run.returncode == 0, run.output[-3000:]
    report = run.report
    assert report["target"]["kind"] == name and report["target"]["writes"] is True
    assert report["summary"]["fail"] == 0 and report["summary"]["error"] == 0
    ran = {c["name"] for c in report["contracts"] if c["status"] == "pass"}
    assert {"reads.users_agree_with_model", "action.test_mode_changes_nothing", "paging.last_page_flag"} <= ran


def test_the_unbroken_emulator_passes(suite_runs):
    run = suite_runs["clean"]
    assert run.returncode == 0, run.output[-3000:]
    assert run.report["summary"]["fail"] == 0


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_suite_fails_naming_the_contract(suite_runs, defect):
    run = suite_runs[defect]
    contract = DEFECTS[defect]
    assert run.returncode == 1, f"the suite passed although {defect} was on:\n{run.output[-3000:]}"
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
