"""Figure: the last page (499) of a 1,000,000-user org costs no more than page 0.

The org is seeded in this process and served over HTTPS by `ServedEmulator`; one
keep-alive client fetches page 0 and page 499 alternately. Each fetch is *cold*: the
memoised page records and serialised bodies are dropped first (the ordered id list is
kept, as it is between writes), so every fetch builds its page from the org. That is the
cost that must not grow with the offset. Warm (cached) fetches and the first fetch after
renaming a user on page 0 (which rebuilds that page, and only that) are details.
"""

from __future__ import annotations

import copy
import time
from typing import Any

import requests

from .common import DEMO_ORG_ID, Figure, Settings, access_headers, median, tls_dir

TARGET = 1.2


def drop_page_caches(emulator: Any, org: Any) -> None:
    """Forget the page records of an org and the emulator's serialised bodies, keeping the
    org's id lists."""
    with org.lock:
        org.derived.pages.clear()
    emulator.pages.clear()


def run(settings: Settings) -> list[Figure]:
    from umapi_mock.config import Config
    from umapi_mock.http.app import create_app
    from umapi_mock.http.context import emulator_of
    from umapi_mock.seed import DEMO_SEED
    from umapi_mock.server import ServedEmulator
    from umapi_mock.tls import ensure_tls

    users = 1_000_000 if settings.full else 20_000
    size = 2000 if settings.full else 200
    samples = 7 if settings.full else 2
    seed = copy.deepcopy(DEMO_SEED)
    seed["orgs"][0]["generate"]["users"] = users - len(seed["orgs"][0]["users"])
    t0 = time.perf_counter()
    app = create_app(Config(seed=seed, users_page_size=size))
    seeded_in = time.perf_counter() - t0
    emulator = emulator_of(app)
    org = emulator.org()
    active = len(org.active_user_ids())
    last = -(-active // size) - 1
    tls = ensure_tls(tls_dir(settings))
    ca = str(tls.ca_cert)
    ratios: list[float] = []
    cold: dict[int, list[float]] = {0: [], last: []}
    warm: dict[int, list[float]] = {0: [], last: []}
    after_write: list[float] = []
    with ServedEmulator(app, "127.0.0.1", 0, ssl_context=tls.server_context()) as served:
        headers = access_headers(served.url, ca)
        base = f"{served.url}/v2/usermanagement/users/{DEMO_ORG_ID}/"
        session = requests.Session()
        session.trust_env = False

        def fetch(page: int) -> float:
            start = time.perf_counter()
            r = session.get(base + str(page), headers=headers, verify=ca, timeout=120)
            _ = r.content
            elapsed = time.perf_counter() - start
            if r.status_code != 200 or r.headers.get("X-Current-Page") != str(page):
                raise RuntimeError(
                    f"page {page}: HTTP {r.status_code}, X-Current-Page {r.headers.get('X-Current-Page')}"
                )
            return elapsed

        for page in (0, last):  # warm the id list and the connection
            fetch(page)
        for _ in range(settings.runs):
            run_cold: dict[int, list[float]] = {0: [], last: []}
            for i in range(samples):
                for page in (0, last) if i % 2 == 0 else (last, 0):
                    drop_page_caches(emulator, org)
                    run_cold[page].append(fetch(page))
            for page in (0, last):
                cold[page] += run_cold[page]
                warm[page] += [fetch(page) for _ in range(samples)]
            ratios.append(median(run_cold[last]) / median(run_cold[0]))
        someone = org.users[org.active_user_ids()[size // 2]]
        for i in range(max(1, settings.runs // 2)):
            # a user on page 0 renamed: the next read of page 0 rebuilds that page
            org.update_user(someone, firstname=f"Renamed{i}")
            after_write.append(fetch(0))
        session.close()

    def ms(values: list[float]) -> float:
        return round(median(values) * 1000, 2)

    return [
        Figure(
            name="deep_page_latency",
            title=f"page {last} ÷ page 0 latency, {users:,}-user org, {size} users/page (cold page build)",
            measured=median(ratios),
            target=TARGET,
            unit="×",
            direction="<=",
            runs=[round(r, 4) for r in ratios],
            details={
                "users": users,
                "page_size": size,
                "last_page": last,
                "cold_ms_page_0": ms(cold[0]),
                f"cold_ms_page_{last}": ms(cold[last]),
                "warm_ms_page_0": ms(warm[0]),
                f"warm_ms_page_{last}": ms(warm[last]),
                "warm_ratio": round(median(warm[last]) / median(warm[0]), 4),
                "first_read_after_a_write_ms": ms(after_write),
                "seeded_in_s": round(seeded_in, 2),
                "samples_per_page_per_run": samples,
                "transport": "HTTPS, ServedEmulator in this process, one keep-alive requests.Session",
            },
        )
    ]
