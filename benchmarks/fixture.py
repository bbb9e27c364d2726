"""Figures: a fresh 1,000-user org per test, and `umapi-mock serve` start-up.

Fresh org: the path the pytest plugin takes for its `umapi_org` fixture: `Org.clone()` of
an org prepared once from the seed, swapped into the backend (`Backend.replace_orgs`). The first
write to the clone (a membership change, then a user rename, each on a fresh clone; the
clone takes over the containers it shares with the prepared org on its first write to
each) is reported as a detail, and so are a big clone's first and later user renames
(300,000 users; 20,000 with `--quick`): O(written), not O(users), since the big clone writes
over its shared stores instead of copying them.

Start-up: `python -m umapi_mock.cli serve --port 0 --tls-dir DIR` (what the `umapi-mock`
console script runs, without a launcher shim in front) with the demo org, from process
start to the first 200 on `/status`; the URL comes from the banner's first line. The TLS
directory is prepared before the clock starts, as it is after the first ever start.
"""

from __future__ import annotations

import copy
import re
import signal
import subprocess
import sys
import time
from typing import Any

import requests

from .common import Figure, Settings, child_cwd, child_env, median, run_child, tls_dir

CLONE_TARGET_MS = 5.0
STARTUP_TARGET_S = 1.0
SESSION_SERVER_TARGET_S = 0.2
BANNER_URL = re.compile(r"serving IMS and UMAPI at (https?://\S+)")


def fresh_org(settings: Settings) -> Figure:
    from umapi_mock.domain import heap
    from umapi_mock.domain.models import USER_GROUP
    from umapi_mock.seed import DEMO_SEED
    from umapi_mock.world import build_backend

    seed = copy.deepcopy(DEMO_SEED)
    org_doc = seed["orgs"][0]
    org_doc["generate"]["users"] = 1000 - len(org_doc["users"])
    backend = build_backend(seed)
    prepared = backend.pristine[0]
    assert len(prepared.users) == 1000, len(prepared.users)
    group = next(g for g in prepared.groups.values() if g.type == USER_GROUP)
    uid = next(iter(prepared.users))
    iterations = 300 if settings.full else 20
    per_run: list[float] = []
    first_write: list[float] = []
    first_rename: list[float] = []
    for _ in range(settings.runs):
        times = []
        for _ in range(iterations):
            start = time.perf_counter()
            fresh = prepared.clone()
            backend.replace_orgs([fresh])
            times.append(time.perf_counter() - start)
        per_run.append(median(times) * 1000)
        writes = []
        for _ in range(min(iterations, 50)):
            fresh = prepared.clone()
            backend.replace_orgs([fresh])
            start = time.perf_counter()
            with fresh.transaction():
                fresh.add_member(group.gid, uid) or fresh.remove_member(group.gid, uid)
            writes.append(time.perf_counter() - start)
        first_write.append(median(writes) * 1000)
        first_rename.append(median(first_renames(prepared, backend, min(iterations, 50))) * 1000)
    big_users = 300_000 if settings.full else 20_000
    seed["orgs"][0]["generate"]["users"] = big_users - len(org_doc["users"])
    big_backend = build_backend(seed)
    big = big_backend.pristine[0]
    big_first = first_renames(big, big_backend, 5 if settings.full else 2)
    big_later = first_renames(big, big_backend, 5 if settings.full else 2, later=True)
    heap.release(big_backend.orgs.values())  # later sections find the heap as it was
    del big_backend, big
    return Figure(
        name="fresh_org_fixture",
        title="fresh 1,000-user org per test (Org.clone() of a prepared org + Backend.replace_orgs)",
        measured=median(per_run),
        target=CLONE_TARGET_MS,
        unit="ms",
        direction="<=",
        runs=[round(x, 4) for x in per_run],
        details={
            "iterations_per_run": iterations,
            "first_write_to_the_clone_ms": round(median(first_write), 4),
            "first_user_rename_on_the_clone_ms": round(median(first_rename), 4),
            f"first_user_rename_on_a_{big_users}_user_clone_ms": round(median(big_first) * 1000, 4),
            f"later_user_rename_on_a_{big_users}_user_clone_ms": round(median(big_later) * 1000, 4),
            "note": "the clone shares the user-sized containers with the prepared org until its first write",
        },
    )


def first_renames(prepared: Any, backend: Any, count: int, *, later: bool = False) -> list[float]:
    """Seconds each of `count` fresh clones of `prepared` takes for its first user rename
    (with `later`: for a rename after that first one)."""
    uids = list(prepared.users)[: 2 * count]
    times = []
    for i in range(count):
        fresh = prepared.clone()
        backend.replace_orgs([fresh])
        if later:
            with fresh.transaction():
                fresh.update_user(fresh.users[uids[count + i]], firstname="First")
        user = fresh.users[uids[i]]
        start = time.perf_counter()
        with fresh.transaction():
            fresh.update_user(user, firstname="Renamed")
        times.append(time.perf_counter() - start)
    return times


def startup(settings: Settings) -> Figure:
    tls = tls_dir(settings)
    ca = str(tls / "ca.pem")
    times: list[float] = []
    for _ in range(settings.runs):
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "umapi_mock.cli", "serve", "--port", "0", "--tls-dir", str(tls)],
            cwd=child_cwd(),
            env=child_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout is not None
            first = proc.stdout.readline()
            match = BANNER_URL.search(first)
            if match is None:
                proc.kill()
                _, err = proc.communicate()
                raise RuntimeError(f"no URL in the banner's first line: {first!r}\n{err}")
            url = match.group(1)
            with requests.Session() as session:
                session.trust_env = False
                while True:
                    try:
                        r = session.get(f"{url}/status", verify=ca, timeout=5)
                        if r.status_code == 200:
                            break
                    except requests.ConnectionError:
                        pass
                    if proc.poll() is not None:
                        _, err = proc.communicate()
                        raise RuntimeError(f"umapi-mock serve exited with {proc.returncode}:\n{err}")
                    if time.perf_counter() - start > 30:
                        raise RuntimeError("umapi-mock serve did not answer /status within 30 s")
                    time.sleep(0.002)
            times.append(time.perf_counter() - start)
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return Figure(
        name="serve_startup",
        title="`umapi-mock serve` (demo org) start to first 200 on /status",
        measured=median(times),
        target=STARTUP_TARGET_S,
        unit="s",
        direction="<=",
        runs=[round(t, 4) for t in times],
        details={"command": "python -m umapi_mock.cli serve --port 0 --tls-dir DIR"},
    )


def session_server(settings: Settings) -> Figure:
    """The plugin's `umapi_server` fixture: set-up (TLS files, demo org, HTTPS server on a
    free port) and teardown, in this process, each timed; the figure is their sum."""
    import shutil

    from umapi_mock.testing import start_server

    iterations = 10 if settings.full else 2
    start_server(settings.work_dir / "session-tls-warm").stop()  # imports: the fresh-process detail has them
    starts: list[float] = []
    stops: list[float] = []
    totals: list[float] = []
    for run in range(settings.runs):
        run_starts, run_stops = [], []
        for i in range(iterations):
            directory = settings.work_dir / f"session-tls-{run}-{i}"  # a fresh one, as tmp_path_factory gives
            start = time.perf_counter()
            server = start_server(directory)
            started = time.perf_counter()
            with requests.Session() as s:  # it serves before it is stopped (not timed)
                s.trust_env = False
                s.get(f"{server.url}/status", verify=server.ca_path, timeout=30).raise_for_status()
            stopping = time.perf_counter()
            server.stop()
            stopped = time.perf_counter()
            run_starts.append(started - start)
            run_stops.append(stopped - stopping)
            shutil.rmtree(directory, ignore_errors=True)
        starts += run_starts
        stops += run_stops
        totals.append(median(run_starts) + median(run_stops))
    cold = run_child("benchmarks.session_child", str(settings.work_dir / "session-tls-cold"))
    return Figure(
        name="session_server_start_stop",
        title="pytest plugin session server (umapi_server fixture): start + stop",
        measured=median(totals),
        target=SESSION_SERVER_TARGET_S,
        unit="s",
        direction="<=",
        runs=[round(t, 4) for t in totals],
        details={
            "start_s_median": round(median(starts), 4),
            "stop_s_median": round(median(stops), 4),
            "iterations_per_run": iterations,
            "measured_as": "umapi_mock.testing.start_server(fresh tls dir) and UmapiServer.stop(), modules imported",
            "fresh_process_first_start_s": round(cold["start_s"], 4),
            "fresh_process_first_stop_s": round(cold["stop_s"], 4),
            "fresh_process_note": "the first start in a new process also imports flask, werkzeug, jwt and cryptography",
        },
    )


def run(settings: Settings) -> list[Figure]:
    return [fresh_org(settings), startup(settings), session_server(settings)]
