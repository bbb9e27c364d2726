"""The benchmarks still run: `python -m benchmarks --quick` exits 0 and writes a results file
with every figure, from a cwd outside the repository; `--baseline` compares two trees.
Deliberately no timing assertion: figures are judged by the full run on a quiet machine
(benchmarks/results.json), never inside the test suite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_quick_benchmark_runs_and_reports_every_figure(tmp_path: Path) -> None:
    from benchmarks.__main__ import FIGURE_NAMES

    out = tmp_path / "results-quick.json"
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--out", str(out)],
        cwd=tmp_path,  # not the repository: the sections must not depend on it (issue 26)
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"benchmarks --quick failed:\n{proc.stdout}\n{proc.stderr}"
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["mode"] == "quick"
    assert not results["failed_sections"]
    missing = set(FIGURE_NAMES) - set(results["figures"])
    assert not missing, f"figures missing from the quick run: {sorted(missing)}"
    for name, figure in results["figures"].items():
        for key in ("measured", "target", "ratio", "direction", "unit", "runs", "skipped"):
            assert key in figure, (name, key)
        assert figure["direction"] in (">=", "<=")
        if figure["skipped"]:  # e.g. nginx is not installed: said so, never counted as met or missed
            assert figure["met"] is None and name in results["skipped"], (name, figure)
            assert f"SKIPPED ({figure['skipped']})" in proc.stdout
            continue
        assert figure["measured"] > 0, (name, figure)
        assert isinstance(figure["met"], bool) and (name in results["missed"]) == (not figure["met"])
    # The committed full results are never overwritten by a quick run.
    assert out.resolve() != (ROOT / "benchmarks" / "results.json").resolve()


def test_baseline_comparison_reports_before_and_after(tmp_path: Path) -> None:
    """`--baseline REV` measures REV's tree and this checkout side by side and reports both."""
    if subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True).returncode != 0:
        pytest.skip("not a git checkout: there is no revision to compare with")
    out = tmp_path / "compare.json"
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["TMPDIR"] = str(tmp_path)  # the baseline's worktree goes here: other comparisons may run meanwhile
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--baseline", "HEAD", "--quick", "--only", "fresh_org", "--out", str(out)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"benchmarks --baseline failed:\n{proc.stdout}\n{proc.stderr}"
    result = json.loads(out.read_text(encoding="utf-8"))
    figure = result["figures"]["fresh_org_fixture"]
    assert figure["before"] > 0 and figure["after"] > 0 and figure["after_over_before"] > 0
    assert figure["verdict"] in ("same", "better", "WORSE")
    assert "fresh_org_fixture" in proc.stdout and "after/before" in proc.stdout
    worktrees = subprocess.run(["git", "-C", str(ROOT), "worktree", "list"], capture_output=True, text=True).stdout
    assert str(tmp_path) not in worktrees  # the baseline's worktree is gone


def test_profile_reports_the_three_requests(tmp_path: Path) -> None:
    """`python -m benchmarks.profile --tool cprofile` breaks down a page, a Get User and an action."""
    out = tmp_path / "profile.json"
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.profile", "--tool", "cprofile", "--calls", "5", "--top", "3"]
        + ["--markdown", "--json", str(out)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"benchmarks.profile failed:\n{proc.stdout}\n{proc.stderr}"
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["tool"] == "cprofile" and set(result["kinds"]) == {"page", "user", "action"}
    for kind in result["kinds"].values():
        assert kind["total"] > 0 and kind["self"]
        assert all(0 < share <= 1.0001 for share in kind["self"].values())
    assert "Get User" in proc.stdout and "| self % |" in proc.stdout
