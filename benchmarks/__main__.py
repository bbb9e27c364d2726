"""`python -m benchmarks [--quick] [--out PATH] [--only NAME,...] [--baseline REV [--rounds N]]`

Runs every figure, prints each as `measured / target (ratio)`, and writes a results file:
`benchmarks/results.json` for a full run; for `--quick` a file in the temporary directory
(so quick runs never overwrite the committed full results) unless `--out` is given.
Exits 1 when a figure could not be measured (a missed target is reported, not an error).
With `--baseline REV` it runs `benchmarks.compare` instead: before (REV) and after (this
checkout) side by side in one run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from . import actions, deep_page, durable, fixture, inprocess_mode, plugin_timings, scale, seeding, throughput
from .common import Figure, Settings, environment, measured_tree, use_measured_tree

RESULTS = Path(__file__).resolve().parent / "results.json"
QUICK_RESULTS = Path(tempfile.gettempdir()) / "umapi-mock-benchmarks-quick.json"

# name -> (module runner, figure names it produces), in running order
SECTIONS: dict[str, tuple[Callable[[Settings], list[Figure]], tuple[str, ...]]] = {
    "fresh_org": (lambda s: [fixture.fresh_org(s)], ("fresh_org_fixture",)),
    "startup": (lambda s: [fixture.startup(s)], ("serve_startup",)),
    "session_server": (lambda s: [fixture.session_server(s)], ("session_server_start_stop",)),
    "plugin": (plugin_timings.run, ("big_org_install", "throttled_retry_wall")),
    "inprocess": (inprocess_mode.run, ("inprocess_users_page", "inprocess_action")),
    "throughput": (
        throughput.run,
        (
            "users_page_throughput",
            "compressed_page_speedup",
            "nginx_page_ratio",
            "nginx_identity_ratio",
            "get_user_throughput",
            "action_https_throughput",
            "granian_identity_ratio",
        ),
    ),
    "actions": (actions.run, ("action_throughput",)),
    "deep_page": (deep_page.run, ("deep_page_latency",)),
    "scale": (scale.run, ("first_write_ratio", "read_after_write", "mixed_load_p99")),
    "seeding": (seeding.run, ("seed_1m_wall", "seed_1m_peak_rss")),
    "durable": (durable.run, ("durable_write_ratio", "data_dir_restart_1m")),
}
FIGURE_NAMES = tuple(name for _, names in SECTIONS.values() for name in names)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[2])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one run each: proves the benchmarks run")
    parser.add_argument("--out", type=Path, help=f"results file (default {RESULTS.name}; --quick: {QUICK_RESULTS})")
    parser.add_argument("--runs", type=int, help="runs per figure (default 5; --quick: 1)")
    parser.add_argument("--only", help=f"comma-separated sections: {', '.join(SECTIONS)}")
    parser.add_argument("--baseline", metavar="REV", help="before/after against git revision REV (benchmarks.compare)")
    parser.add_argument("--rounds", type=int, help="with --baseline: rounds, one run per side each (default 5)")
    args = parser.parse_args(argv)
    if args.baseline:
        from . import compare

        forward = ["--baseline", args.baseline] + (["--quick"] if args.quick else [])
        forward += (["--only", args.only] if args.only else []) + (["--out", str(args.out)] if args.out else [])
        forward += ["--rounds", str(args.rounds or args.runs)] if (args.rounds or args.runs) else []
        return compare.main(forward)
    out: Path = args.out or (QUICK_RESULTS if args.quick else RESULTS)
    only = [s.strip() for s in args.only.split(",")] if args.only else list(SECTIONS)
    unknown = [s for s in only if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s): {', '.join(unknown)}")
    runs = args.runs or (1 if args.quick else 5)

    use_measured_tree()
    started = time.perf_counter()
    started_at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    mode = "quick" if args.quick else "full"
    print(f"umapi-mock benchmarks ({mode}, {runs} run(s) per figure, median reported)", flush=True)
    figures: dict[str, dict[str, object]] = {}
    failures: dict[str, str] = {}
    env = environment()
    with tempfile.TemporaryDirectory(prefix="umapi-mock-bench-") as tmp:
        settings = Settings(quick=args.quick, runs=runs, work_dir=Path(tmp))
        for section in only:
            runner, _names = SECTIONS[section]
            t0 = time.perf_counter()
            try:
                produced = runner(settings)
            except Exception:
                failures[section] = traceback.format_exc()
                print(f"[{section}] FAILED:\n{failures[section]}", file=sys.stderr, flush=True)
                continue
            for figure in produced:
                figures[figure.name] = figure.to_json()
                print(f"  {figure.line()}" + (f"  [{figure.note}]" if figure.note else ""), flush=True)
            print(f"  ({section}: {time.perf_counter() - t0:.1f}s)", flush=True)
    missed = [name for name, f in figures.items() if f["met"] is False]
    skipped = {name: f["skipped"] for name, f in figures.items() if f["skipped"]}
    try:
        load_end = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load_end = []
    document = {
        "generated_by": "python -m benchmarks" + (" --quick" if args.quick else ""),
        "mode": mode,
        "started": started_at,
        "seconds": round(time.perf_counter() - started, 1),
        "runs_per_figure": runs,
        "measured_tree": str(measured_tree()),
        "environment": {**env, "loadavg_at_end": load_end},
        "ratio_rule": "ratio = measured / target; a '>=' target is met at ratio >= 1, a '<=' target at ratio <= 1",
        "figures": figures,
        "missed": missed,
        "skipped": skipped,
        "failed_sections": failures,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = out.with_name(out.name + ".tmp")
    tmp_out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp_out.replace(out)
    summary = f"{len(figures)} figure(s), {len(missed)} missed, {len(skipped)} skipped"
    if failures:
        summary += f", {len(failures)} section(s) failed: {', '.join(failures)}"
    print(f"{summary}; wrote {out} in {time.perf_counter() - started:.1f}s", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
