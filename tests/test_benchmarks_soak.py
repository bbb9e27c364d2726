"""The soak benchmark still runs: `python -m benchmarks.soak --quick` (30 s of mixed traffic,
a kill -9 of the `--data-dir` server every 12 s, restarts on the same data dir) exits 0 and
reports every acknowledged change found again after each restart. Deliberately no timing
assertion: latency and RSS are the benchmark's figures, judged by the full run
(benchmarks/README.md), never inside the test suite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow  # it starts servers (the quick lane leaves it out)


def test_quick_soak_loses_no_acknowledged_change(tmp_path: Path) -> None:
    out = tmp_path / "soak.json"
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.soak", "--quick", "--out", str(out)],
        cwd=tmp_path,  # not the repository: the benchmark must not depend on it
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"benchmarks.soak --quick failed:\n{proc.stdout}\n{proc.stderr}"
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["kills"] >= 1, result["kill_log"]  # the server really was killed and restarted
    assert result["acknowledged_writes"] > 0
    assert result["lost_acknowledged"] == 0, result["verifications"]
    assert result["unexpected_states"] == 0 and result["wrong_answers"] == 0, result["error_examples"]
    labels = [v["label"] for v in result["verifications"]]
    assert labels[-2:] == ["end, live", "end, after SIGTERM and restart"]
    assert len(labels) == result["kills"] + 2  # checked after every restart and at the end
    assert all(v["lost"] == 0 and v["acknowledged_users"] > 0 for v in result["verifications"][-2:])


def test_the_ledger_check_reports_changes_the_server_does_not_hold(tmp_path: Path) -> None:
    """The soak's verification is not a check that cannot fail: against a real `serve
    --data-dir` server, a ledger claiming acknowledged changes the server never saw reports
    each of them lost, and the changes it does hold (the seed's Jane) pass."""
    from benchmarks.soak import Incarnation, Tracked, verify

    server = Incarnation(0, tmp_path / "data", tmp_path / "tls", 0, tmp_path)
    try:
        url = server.wait_ready(str(tmp_path / "tls" / "ca.pem"))
        ledger = [
            Tracked("jane@example.com", "Employees", acked=("Jane", "Doe", True), acked_writes=1),  # held
            Tracked("soak0-1@example.com", "Employees", acked=("Soak0n1", "Last1", True), acked_writes=1),  # never made
            Tracked("john@example.net", "Contractors", acked=None, acked_writes=1),  # "removed", still there
            Tracked("jane@example.com", "Employees", acked=("Jane", "Renamed", True), acked_writes=2),  # older names
            Tracked("soak0-2@example.com", "Employees", unanswered=[("Soak0n2", "Last2", True)]),  # may be absent
        ]
        result = verify(url, str(tmp_path / "tls" / "ca.pem"), ledger, "detector", 0.0)
    finally:
        server.terminate()
    assert result["lost"] == 3, result["examples"]
    assert result["unexpected"] == 0, result["examples"]
    assert any("soak0-1@example.com" in line for line in result["examples"])
