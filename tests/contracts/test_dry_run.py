"""Against a URL without --umapi-allow-writes, the suite is a dry run: the org is left
byte-identical and every action request it sent carried testOnly=true. With writes, it
cleans up after itself and after dead runs, and writes only to its own objects."""

from __future__ import annotations


def test_dry_run_leaves_the_org_byte_identical(suite_runs):
    run = suite_runs[("url", "clean")]
    assert run.returncode == 0, run.output[-3000:]
    before = (run.out / "state-before.json").read_bytes()
    after = (run.out / "state-after.json").read_bytes()
    assert before and before == after


def test_dry_run_sent_only_test_mode_writes(suite_runs):
    run = suite_runs[("url", "clean")]
    journal = run.read("journal.json")
    actions = [e for e in journal["entries"] if e["method"] == "POST"]
    assert len(actions) >= 12  # the scenarios, the error table (in batches) and the state machine ran
    assert all(e["query"].get("testOnly") == "true" for e in actions), [
        e["query"] for e in actions if e["query"].get("testOnly") != "true"
    ]
    assert run.status("run.only_test_mode_writes") == "pass"
    assert run.report["target"]["writes"] is False and run.report["target"]["kind"] == "remote"


def test_writes_mode_sweeps_dead_runs_and_cleans_up(suite_runs):
    run = suite_runs[("url-writes", "clean")]
    assert run.returncode == 0, run.output[-3000:]
    assert run.read("leftovers.json") == []  # the planted dead run and this run's objects are gone
    assert run.status("run.no_leftovers") == "pass"
    journal = run.read("journal.json")
    real = [e for e in journal["entries"] if e["method"] == "POST" and e["query"].get("testOnly") != "true"]
    assert real, "with --umapi-allow-writes the suite writes for real"
    assert run.status("run.only_test_mode_writes") == "pass"  # ...but only to contract-... objects


def test_reports_hold_no_secrets(suite_runs):
    for run in suite_runs.values():
        for name in ("contract-report.json", "contract-report.md"):
            text = (run.out / name).read_text()
            assert "contract-secret" not in text
            assert "eyJ" not in text  # no JWT / access token
