"""The test suite's wall time: `python -m benchmarks.suite [--lane full|quick|both] [--out FILE] [-- PYTEST ARGS]`.

Runs `python -m pytest -q -p no:cacheprovider` in the repository (the full suite, and/or the
quick lane `-m "not slow"`), times each from process start to exit, and prints the wall time
with pytest's own summary line (passed/failed/skipped counts), the CPU count and the load
average, so the figure can be recorded in benchmarks/README.md. Extra arguments after `--`
go to pytest (e.g. `-- -n 2` with pytest-xdist). Not part of `python -m benchmarks`: it is
the suite, not the emulator, and takes minutes. A failing suite is reported (exit 1), its
time still printed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from .common import ROOT

LANES = {"full": [], "quick": ["-m", "not slow"]}
SUMMARY = re.compile(r"^=*\s*(\d+ (passed|failed|error|skipped).*?) in [\d.]+s", re.MULTILINE)


def time_lane(lane: str, extra: list[str]) -> dict[str, object]:
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *LANES[lane], *extra]
    start = time.perf_counter()
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - start
    found = SUMMARY.findall(proc.stdout)
    summary = found[-1][0] if found else (proc.stdout.strip().splitlines() or ["(no summary)"])[-1]
    return {
        "lane": lane,
        "command": " ".join(["python", "-m", "pytest", "-q", "-p", "no:cacheprovider", *LANES[lane], *extra]),
        "wall_s": round(wall, 1),
        "summary": summary,
        "exit": proc.returncode,
    }


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        extra = argv[argv.index("--") + 1 :]
        argv = argv[: argv.index("--")]
    parser = argparse.ArgumentParser(prog="python -m benchmarks.suite", description=__doc__.splitlines()[0])
    parser.add_argument("--lane", choices=("full", "quick", "both"), default="both")
    parser.add_argument("--out", type=Path, help="also write the timings as JSON")
    args = parser.parse_args(argv)
    lanes = ["quick", "full"] if args.lane == "both" else [args.lane]
    try:
        load_start = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load_start = []
    results = []
    for lane in lanes:
        print(f"timing the {lane} lane ...", flush=True)
        result = time_lane(lane, extra)
        results.append(result)
        print(f"  {lane}: {result['wall_s']} s wall, {result['summary']} (exit {result['exit']})", flush=True)
    try:
        load_end = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load_end = []
    document = {
        "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "loadavg_at_start": load_start,
        "loadavg_at_end": load_end,
        "lanes": results,
    }
    print(f"on {os.cpu_count()} CPUs, load average {load_start} -> {load_end}")
    if args.out:
        args.out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 0 if all(r["exit"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
