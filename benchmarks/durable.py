"""Figures for `--data-dir`: action write throughput with a data dir against without it, in
the same run; and the restart time of a data dir holding a 1,000,000-user org.

Write throughput: the `actions` section's requests (10 entries × 10 steps, through the
Flask test client) against two emulators built from the same config, one of them with a
data dir (`umapi_mock.persistence`: every answered request is committed before the answer),
back to back in each run. Sequential requests are the worst case for group commits (each
waits for its own); 4 threads at once are a detail. Those requests leave the org as they
found it (names put back, memberships as found), so SQLite finds no page changed and the
commit writes nothing to sync; a detail measures the same requests made to leave ten renamed
users each (every commit then waits for its fsync).

Restart: a data dir is filled once (`benchmarks.durable_child fill`: seed, save), then each
run starts `python -m umapi_mock.cli serve --data-dir DIR` and times process start to the
first 200 on `/status`, the org restored from the database (not seeded).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from . import api
from .actions import action_bodies, poster
from .common import Figure, Settings, child_cwd, child_env, median, run_child

RATIO_TARGET = 0.5
RESTART_TARGET_S = 10.0


def _emulator(data_dir: Path | None) -> Any:
    from umapi_mock.config import Config

    from . import api

    return api.open_emulator(Config(), data_dir)


def _rate(post: Any, bodies: list[str], count: int, threads: int) -> float:
    def work(n: int) -> None:
        for i in range(n, count, threads):
            post(bodies[i % len(bodies)])

    start = time.perf_counter()
    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return count / (time.perf_counter() - start)


def _leaving_renames(bodies: list[str], count: int, run: int) -> list[str]:
    """`count` of `bodies` whose last step names each user anew (unique in the run), so
    every request leaves ten changed users behind."""
    changed = []
    for n in range(count):
        entries = json.loads(bodies[n % len(bodies)])
        for i, entry in enumerate(entries):
            entry["do"][-1]["update"]["firstname"] = f"Run{run}Request{n}User{i}"
        changed.append(json.dumps(entries))
    return changed


def write_throughput(settings: Settings) -> Figure:
    with tempfile.TemporaryDirectory(prefix="umapi-mock-durable-", dir=settings.work_dir) as tmp:
        memory = _emulator(None)
        durable = _emulator(Path(tmp))
        try:
            bodies = {name: action_bodies(e.org()) for name, e in (("memory", memory), ("durable", durable))}
            posts = {name: poster(api.app_of(e)) for name, e in (("memory", memory), ("durable", durable))}
            count = 400 if settings.full else 20
            for name in posts:
                for body in bodies[name][:3]:
                    posts[name](body)  # warm-up, and proof the requests are valid
            ratios, memory_rps, durable_rps, concurrent, changing = [], [], [], [], []
            for run in range(settings.runs):
                m = _rate(posts["memory"], bodies["memory"], count, 1)
                d = _rate(posts["durable"], bodies["durable"], count, 1)
                memory_rps.append(m)
                durable_rps.append(d)
                ratios.append(d / m)
                m4 = _rate(posts["memory"], bodies["memory"], count, 4)
                d4 = _rate(posts["durable"], bodies["durable"], count, 4)
                concurrent.append(d4 / m4)
                few = count // 4  # each of these waits for an fsync
                mc = _rate(posts["memory"], _leaving_renames(bodies["memory"], few, run), few, 1)
                dc = _rate(posts["durable"], _leaving_renames(bodies["durable"], few, run), few, 1)
                changing.append(dc / mc)
            commits = api.persistence_of(durable).writer.commits
        finally:
            api.close(durable)
            api.close(memory)
    return Figure(
        name="durable_write_ratio",
        title="action requests (10 × 10) with --data-dir ÷ without, same run, sequential",
        measured=median(ratios),
        target=RATIO_TARGET,
        unit="×",
        direction=">=",
        runs=[round(r, 3) for r in ratios],
        details={
            "memory_rps_median": round(median(memory_rps), 1),
            "data_dir_rps_median": round(median(durable_rps), 1),
            "four_threads_ratio_median": round(median(concurrent), 3),
            "leaving_changes_ratio_median": round(median(changing), 3),
            "leaving_changes": "the same requests, each leaving its ten users renamed: every commit syncs",
            "requests_per_run": count,
            "writer_commits": commits,
            "durability": "SQLite WAL, synchronous=FULL, committed before each answer",
        },
    )


def _restart_once(data_dir: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "umapi_mock.cli", "serve", "--no-tls", "--port", "0", "--data-dir", str(data_dir)],
        cwd=child_cwd(),
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        if not first:
            raise RuntimeError(f"serve --data-dir exited: {proc.communicate()[1]}")
        url = first.rsplit(" ", 1)[1].strip()
        with urllib.request.urlopen(f"{url}/status", timeout=60) as r:
            if r.status != 200:
                raise RuntimeError(f"/status answered {r.status}")
        return time.perf_counter() - start
    finally:
        proc.terminate()
        proc.communicate(timeout=60)


def restart(settings: Settings) -> Figure:
    users = 1_000_000 if settings.full else 10_000
    with tempfile.TemporaryDirectory(prefix="umapi-mock-datadir-", dir=settings.work_dir) as tmp:
        data_dir = Path(tmp) / "data"
        filled = run_child("benchmarks.durable_child", str(data_dir), str(users), timeout=1200)
        walls = [_restart_once(data_dir) for _ in range(settings.runs)]
        db_bytes = sum(p.stat().st_size for p in data_dir.iterdir())
    return Figure(
        name="data_dir_restart_1m",
        title=f"restart of a data dir with {filled['users']:,} users: process start to first 200",
        measured=median(walls),
        target=RESTART_TARGET_S,
        unit="s",
        direction="<=",
        runs=[round(w, 3) for w in walls],
        details={"fill_s": filled["fill_s"], "database_mib": round(db_bytes / 2**20, 1)},
    )


def run(settings: Settings) -> list[Figure]:
    return [write_throughput(settings), restart(settings)]


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps([f.to_json() for f in run(Settings(quick=True, runs=1, work_dir=Path(tempfile.gettempdir())))]))
