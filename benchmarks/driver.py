"""A small closed-loop HTTP(S) load generator: N threads, each with its own keep-alive
`requests.Session` (one connection each), sending the same GET back to back for a fixed
time. It counts completed 200 responses whose body has the announced length.

Bodies are read whole with one `raw.read()` rather than in `iter_content`'s 10 KB chunks,
and nothing is JSON-decoded, so the client spends as little as it can per byte: the figure
should reflect the server, not the client's parsing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter


@dataclass
class LoadResult:
    requests: int
    seconds: float
    errors: int
    bytes: int
    connections_opened: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy/netrc lookups per request; verify= is passed explicitly
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=1, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def fetch(session: requests.Session, url: str, headers: Mapping[str, str], verify: str | bool) -> int:
    """One GET; returns the body length, or -1 when the answer is not a complete 200."""
    r = session.get(url, headers=headers, verify=verify, stream=True, timeout=60)
    body = r.raw.read()
    r.raw.release_conn()
    expected = r.headers.get("Content-Length")
    if r.status_code != 200 or (expected is not None and int(expected) != len(body)):
        return -1
    return len(body)


def run_load(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    verify: str | bool = True,
    connections: int = 4,
    duration: float = 2.0,
    warmup: float = 0.3,
) -> LoadResult:
    """Keep `connections` requests in flight for `warmup + duration` seconds; count those
    completed during the last `duration` seconds."""
    headers = dict(headers or {})
    sessions = [_session() for _ in range(connections)]
    for s in sessions:  # open and warm every connection before the clock starts
        if fetch(s, url, headers, verify) < 0:
            raise RuntimeError(f"GET {url} did not answer 200 with a complete body")
    counts = [0] * connections
    errors = [0] * connections
    sizes = [0] * connections
    barrier = threading.Barrier(connections + 1)
    window: list[float] = []

    def worker(i: int) -> None:
        s = sessions[i]
        barrier.wait()
        start, end = window
        while True:
            n = fetch(s, url, headers, verify)
            now = time.perf_counter()
            if now >= end:
                break
            if now >= start:
                if n < 0:
                    errors[i] += 1
                else:
                    counts[i] += 1
                    sizes[i] += n

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    window[:] = [t0 + warmup, t0 + warmup + duration]
    barrier.wait()
    for t in threads:
        t.join()
    opened = 0
    for s in sessions:
        for adapter in {id(a): a for a in s.adapters.values()}.values():
            for pool in list(adapter.poolmanager.pools._container.values()):  # type: ignore[attr-defined]
                opened += pool.num_connections
        s.close()
    return LoadResult(sum(counts), duration, sum(errors), sum(sizes), opened)
