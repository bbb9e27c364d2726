"""Figures at 1,000,000 users, over HTTPS against an emulator in a child process:

* `read_after_write`: the first page-0 read after a one-user update (an action request
  renaming a user *on* page 0, so the page read must show the write and be rebuilt) ÷ a warm
  page-0 read, medians. The same after renaming a user outside the first pages is a detail.
* `mixed_load_p99`: p99 ÷ median latency of a mixed load on 4 keep-alive connections: 90%
  GETs of one of the first 8 pages, 10% single-entry action requests renaming a user
  drawn from pages spread over the whole org; at least 2,000 requests.
* `first_write_ratio`: the first write after start (a one-user rename: the served org is a
  clone of its reset template and shares its user-sized stores with it until it writes)
  ÷ the median of the renames after it. The action route is warmed first by requests that
  write nothing (an update of an unknown user), so only the first write's own work counts.
  One sample per server start; the later samples' spread is a detail.

Pages are fetched as clients fetch them (`requests`' default `Accept-Encoding`).
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from typing import Any

from .common import DEMO_ORG_ID, Figure, ServerProcess, Settings, access_headers, median, stopwatch, tls_dir
from .driver import MixedCall, fetch, keep_alive_session, run_latencies

READ_AFTER_WRITE_TARGET = 3.0
P99_TARGET = 10.0
PAGE_SIZE = 2000
CONNECTIONS = 4
READ_PAGES = 8
FIRST_WRITE_TARGET = 3.0
LATER_WRITES = 15


def _ok(body: bytes) -> bool:
    return b'"result":"success"' in body


def _refused(body: bytes) -> bool:
    return b'"result":"error"' in body


NO_WRITE = json.dumps([{"user": "nobody.at.all@example.com", "do": [{"update": {"firstname": "X"}}]}]).encode()


def rename(email: str, n: int) -> bytes:
    return json.dumps([{"user": email, "do": [{"update": {"firstname": f"Renamed{n}"}}]}]).encode()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def run(settings: Settings) -> list[Figure]:
    users = 1_000_000 if settings.full else 20_000
    trials = 15 if settings.full else 3
    per_connection = 600 if settings.full else 40
    tls = str(tls_dir(settings))
    seeded = stopwatch()
    with ServerProcess(
        "emulator", "--tls-dir", tls, "--users-page-size", str(PAGE_SIZE), "--generate-users", str(users - 3)
    ) as emu:
        seeded_in = stopwatch() - seeded
        ca = str(emu.info["ca"])
        auth = access_headers(emu.url, ca)
        base = f"{emu.url}/v2/usermanagement/users/{DEMO_ORG_ID}/"
        action_url = f"{emu.url}/v2/usermanagement/action/{DEMO_ORG_ID}"
        action_headers = {**auth, "Content-Type": "application/json"}
        session = keep_alive_session()
        first = session.get(base + "0", headers=auth, verify=ca, timeout=120)
        first.raise_for_status()
        last = int(first.headers["X-Page-Count"]) - 1

        def emails_on(page: int) -> list[str]:
            r = session.get(base + str(page), headers=auth, verify=ca, timeout=120)
            r.raise_for_status()
            return [u["email"] for u in r.json()["users"] if u["type"] != "adobeID"]

        spread = sorted({round(i * last / 19) for i in range(20)})
        pool = {page: emails_on(page) for page in spread}
        far = [e for page, emails in pool.items() if page >= READ_PAGES for e in emails]
        near = pool[0]
        rng = random.Random(7)
        counter = iter(range(10**9))

        def timed_write(email: str) -> float:
            start = stopwatch()
            if fetch(session, action_url, action_headers, ca, rename(email, next(counter)), _ok) < 0:
                raise RuntimeError(f"renaming {email} failed")
            return stopwatch() - start

        for _ in range(5):  # the action route warmed by requests that write nothing
            if fetch(session, action_url, action_headers, ca, NO_WRITE, _refused) < 0:
                raise RuntimeError("an update of an unknown user was not refused")
        first_write = timed_write(far[0])  # the first write since start
        later_writes = [timed_write(email) for email in far[1 : 1 + LATER_WRITES]]

        def timed_get(page: int) -> float:
            start = stopwatch()
            if fetch(session, base + str(page), auth, ca) < 0:
                raise RuntimeError(f"GET page {page} failed")
            return stopwatch() - start

        def write(email: str) -> None:
            if fetch(session, action_url, action_headers, ca, rename(email, next(counter)), _ok) < 0:
                raise RuntimeError(f"renaming {email} failed")

        warm: list[float] = []
        after_far: list[float] = []
        after_near: list[float] = []
        ratios: list[float] = []
        for _ in range(settings.runs):
            run_warm, run_after = [], []
            for _ in range(trials):  # the written user is ON the page read: it must be rebuilt
                timed_get(0)
                run_warm.append(timed_get(0))
                write(rng.choice(near))
                run_after.append(timed_get(0))
            for _ in range(max(1, trials // 3)):
                timed_get(0)
                write(rng.choice(far))
                after_far.append(timed_get(0))
            warm += run_warm
            after_near += run_after
            ratios.append(median(run_after) / median(run_warm))

        shown = session.get(base + "0", headers=auth, verify=ca, timeout=120).json()["users"]
        if not any(u.get("firstname", "").startswith("Renamed") for u in shown):
            raise RuntimeError("page 0 does not show the renamed users: the figure would not measure a rebuild")
        for page in range(READ_PAGES):  # the mix reads these: cached before the clock starts
            timed_get(page)
        everyone = [e for emails in pool.values() for e in emails]
        gets = [base + str(page) for page in range(READ_PAGES)]

        def next_call(r: random.Random) -> MixedCall:
            if r.random() < 0.9:
                return ("read", r.choice(gets), None, auth, None)
            body = rename(r.choice(everyone), r.randrange(10**9))
            return ("write", action_url, body, action_headers, _ok)

        p99_ratios: list[float] = []
        stats: list[dict[str, Any]] = []
        failed = 0
        for run_index in range(settings.runs):
            samples, errors = run_latencies(
                next_call, verify=ca, connections=CONNECTIONS, requests_per_connection=per_connection, seed=run_index
            )
            failed += errors
            latencies = [s for _, s in samples]
            p50, p99 = median(latencies), percentile(latencies, 99)
            p99_ratios.append(p99 / p50)
            stats.append(
                {
                    "requests": len(latencies),
                    "p50_ms": round(p50 * 1000, 2),
                    "p90_ms": round(percentile(latencies, 90) * 1000, 2),
                    "p99_ms": round(p99 * 1000, 2),
                    "max_ms": round(max(latencies) * 1000, 2),
                    "read_p50_ms": round(median([s for k, s in samples if k == "read"]) * 1000, 2),
                    "write_p50_ms": round(median([s for k, s in samples if k == "write"]) * 1000, 2),
                }
            )
        session.close()

    def ms(values: list[float]) -> float:
        return round(median(values) * 1000, 2)

    def runs_of(key: str) -> list[Any]:
        return [s[key] for s in stats]

    shared: Mapping[str, Any] = {"users": users, "page_size": PAGE_SIZE, "seeded_and_served_in_s": round(seeded_in, 2)}
    later_write = median(later_writes)
    return [
        Figure(
            name="first_write_ratio",
            title=f"first write after start ÷ a later write (one-user rename), {users:,} users",
            measured=first_write / later_write,
            target=FIRST_WRITE_TARGET,
            unit="×",
            direction="<=",
            runs=[round(first_write / later_write, 4)],
            details={
                **shared,
                "first_write_ms": round(first_write * 1000, 2),
                "later_write_ms_median": ms(later_writes),
                "later_write_ms_max": round(max(later_writes) * 1000, 2),
                "later_writes": len(later_writes),
                "warm_up": "5 action requests that write nothing (an update of an unknown user)",
                "write": "POST action: one entry, one update step (firstname), users outside the first pages",
                "transport": "HTTPS, child process, one keep-alive requests.Session, gzip accepted",
            },
        ),
        Figure(
            name="read_after_write",
            title=f"first page-0 read after renaming a user on page 0 ÷ warm page-0 read, {users:,} users",
            measured=median(ratios),
            target=READ_AFTER_WRITE_TARGET,
            unit="×",
            direction="<=",
            runs=[round(r, 4) for r in ratios],
            details={
                **shared,
                "warm_ms": ms(warm),
                "first_read_after_renaming_a_page_0_user_ms": ms(after_near),
                "first_read_after_renaming_a_user_elsewhere_ms": ms(after_far),
                "user_elsewhere_ratio": round(median(after_far) / median(warm), 4),
                "trials_per_run": trials,
                "write": "POST action: one entry, one update step (firstname), a user on page 0",
                "transport": "HTTPS, child process, one keep-alive requests.Session, gzip accepted",
            },
        ),
        Figure(
            name="mixed_load_p99",
            title=f"p99 ÷ median latency, 90% page reads / 10% single-entry actions, {users:,} users",
            measured=median(p99_ratios),
            target=P99_TARGET,
            unit="×",
            direction="<=",
            runs=[round(r, 4) for r in p99_ratios],
            details={
                **shared,
                "connections": CONNECTIONS,
                "requests_per_run": CONNECTIONS * per_connection,
                "read_pages": f"0..{READ_PAGES - 1}",
                "written_users": len(everyone),
                "errors": failed,
                **{key: runs_of(key) for key in stats[0]},
            },
        ),
    ]
