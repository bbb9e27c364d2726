"""Before/after in one run: `python -m benchmarks.compare --baseline REV [--only S,...] [--rounds N] [--quick]`
(also `python -m benchmarks --baseline REV ...`).

Makes a git worktree of REV in a temporary directory, then runs the chosen sections against
the baseline tree and the current tree (this checkout's files, uncommitted changes included)
in turns: each round runs every section once (`--runs 1`) on each side, and the side that
goes first alternates from round to round, so both see the same machine. Both sides use
THIS checkout's benchmark code; only the measured `umapi_mock` differs (each side's package
is laid out as a plain install of its tree, see `common.import_root`). Prints per figure the
median before, the median after, after ÷ before, and whether that is better or worse given
the figure's direction; `--out FILE` writes the same as JSON. The worktree is removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from .common import ROOT, TREE_ENV, import_root, median


def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True).stdout.strip()


def _run_side(tree: Path, sections: str, quick: bool, out: Path) -> dict[str, Any]:
    env = dict(os.environ)
    env[TREE_ENV] = str(tree)
    root = import_root(tree)
    env["PYTHONPATH"] = str(root) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    args = [sys.executable, "-m", "benchmarks", "--only", sections, "--runs", "1", "--out", str(out)]
    if quick:
        args.append("--quick")
    proc = subprocess.run(args, cwd=str(root), env=env, capture_output=True, text=True, timeout=3600)
    if not out.exists():
        raise RuntimeError(
            f"the benchmarks on {tree} wrote no results ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    document: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    if proc.returncode != 0:
        print(f"  (some sections failed on {tree}: {', '.join(document.get('failed_sections', {}))})", flush=True)
    return document


def compare(baseline: str, sections: list[str], rounds: int, quick: bool) -> dict[str, Any]:
    rev = _git("rev-parse", "--verify", f"{baseline}^{{commit}}")
    head = _git("rev-parse", "HEAD")
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
    values: dict[str, dict[str, list[float]]] = {}
    meta: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="umapi-mock-baseline-") as tmp:
        tree = Path(tmp) / "tree"
        _git("worktree", "add", "--detach", "--quiet", str(tree), rev)
        try:
            sides = {"before": tree, "after": ROOT}
            for r in range(rounds):
                order = ["before", "after"] if r % 2 == 0 else ["after", "before"]
                for side in order:
                    print(f"round {r + 1}/{rounds}: {side} ({sides[side]})", flush=True)
                    document = _run_side(sides[side], ",".join(sections), quick, Path(tmp) / f"{side}-{r}.json")
                    for name, figure in document["figures"].items():
                        meta.setdefault(name, {"title": figure["title"], "unit": figure["unit"]})
                        meta[name]["direction"] = figure["direction"]
                        if figure["skipped"]:
                            meta[name]["skipped"] = figure["skipped"]
                            continue
                        values.setdefault(name, {"before": [], "after": []})[side].append(figure["measured"])
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], capture_output=True)
            subprocess.run(["git", "-C", str(ROOT), "worktree", "prune"], capture_output=True)
    figures: dict[str, dict[str, Any]] = {}
    for name, info in meta.items():
        got = values.get(name, {"before": [], "after": []})
        before = median(got["before"]) if got["before"] else None
        after = median(got["after"]) if got["after"] else None
        ratio = after / before if before and after is not None else None
        verdict = "skipped" if ratio is None else "same"
        if ratio is not None and abs(ratio - 1) > 0.05:
            better = ratio > 1 if info["direction"] == ">=" else ratio < 1
            verdict = "better" if better else "WORSE"
        figures[name] = {
            **info,
            "before": before,
            "after": after,
            "after_over_before": ratio,
            "verdict": verdict,
            "before_runs": got["before"],
            "after_runs": got["after"],
        }
    return {
        "baseline": baseline,
        "baseline_commit": rev,
        "current": f"{head} (this checkout{', with uncommitted changes' if dirty else ''})",
        "rounds": rounds,
        "mode": "quick" if quick else "full",
        "sections": sections,
        "verdict_rule": "after ÷ before within 5% is 'same'; otherwise better or WORSE by the figure's direction",
        "figures": figures,
    }


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    from .common import fmt

    return fmt(value)


def main(argv: list[str] | None = None) -> int:
    from .__main__ import SECTIONS

    parser = argparse.ArgumentParser(prog="python -m benchmarks.compare", description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", required=True, help="a git revision (e.g. main) to measure against")
    parser.add_argument("--only", help=f"comma-separated sections (default: all): {', '.join(SECTIONS)}")
    parser.add_argument("--rounds", type=int, help="rounds, each one run per side (default 5; --quick: 1)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: proves the comparison runs")
    parser.add_argument("--out", type=Path, help="also write the comparison as JSON")
    args = parser.parse_args(argv)
    sections = [s.strip() for s in args.only.split(",")] if args.only else list(SECTIONS)
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s): {', '.join(unknown)}")
    rounds = args.rounds or (1 if args.quick else 5)
    try:
        result = compare(args.baseline, sections, rounds, args.quick)
    except subprocess.CalledProcessError as exc:
        print(f"benchmarks.compare: git {' '.join(exc.cmd[3:])} failed: {exc.stderr.strip()}", file=sys.stderr)
        return 2
    print(f"\nbefore = {args.baseline} ({result['baseline_commit'][:12]}), after = {result['current']}")
    print(f"{'figure':<32} {'dir':<3} {'before':>12} {'after':>12} {'after/before':>13}  verdict")
    for name, f in result["figures"].items():
        ratio = "—" if f["after_over_before"] is None else f"{f['after_over_before']:.3f}"
        print(
            f"{name:<32} {f['direction']:<3} {_fmt(f['before']):>12} {_fmt(f['after']):>12} {ratio:>13}  {f['verdict']}"
            + (f" ({f['unit']})" if f["unit"] != "×" else "")
        )
    if args.out:
        args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
