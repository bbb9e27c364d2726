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
