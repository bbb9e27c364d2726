"""A small closed-loop HTTP(S) load generator: N threads, each with its own keep-alive
`requests.Session` (one connection each), sending the same request (a GET, or a POST
cycling over a few bodies) back to back for a fixed time. It counts completed 200
responses whose body has the announced length (and passes `check`, when given).

Bodies are read whole with one `raw.read()` rather than in `iter_content`'s 10 KB chunks,
as they travelled (a gzip answer is counted, not decompressed, as wrk does), and nothing
is JSON-decoded unless `check` asks, so the client spends as little as it can per byte:
the figure should reflect the server, not the client's parsing. `run_latencies` sends a
fixed number of requests of a mix and records each one's latency.
"""

from __future__ import annotations

import http.client
import random
import ssl
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

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


def keep_alive_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy/netrc lookups per request; verify= is passed explicitly
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=1, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class LeanSession:
    """One keep-alive `http.client` connection: the stdlib's HTTP client with none of
    `requests`' per-request work (the role wrk plays in the issue's measurements), for
    figures about what the server does per byte. Opened on first use, reopened once when
    the server has closed it."""

    def __init__(self, verify: str | bool):
        self.context = ssl.create_default_context(cafile=verify) if isinstance(verify, str) else None
        self.conn: http.client.HTTPConnection | None = None
        self.netloc = ""
        self.opened = 0

    def _connection(self, scheme: str, netloc: str) -> http.client.HTTPConnection:
        if self.conn is None or netloc != self.netloc:
            if self.conn is not None:
                self.conn.close()
            self.netloc = netloc
            if scheme == "https":
                self.conn = http.client.HTTPSConnection(netloc, timeout=60, context=self.context)
            else:
                self.conn = http.client.HTTPConnection(netloc, timeout=60)
            self.opened += 1
        return self.conn

    def request(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> tuple[int, str | None, bytes]:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        for attempt in (1, 2):
            conn = self._connection(parts.scheme, parts.netloc)
            try:
                conn.request(method, path, body=body, headers=dict(headers))
                response = conn.getresponse()
                data = response.read()
                return response.status, response.getheader("Content-Length"), data
            except (ConnectionError, http.client.HTTPException):
                conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def fetch(
    session: requests.Session | LeanSession,
    url: str,
    headers: Mapping[str, str],
    verify: str | bool,
    body: bytes | None = None,
    check: Callable[[bytes], bool] | None = None,
) -> int:
    """One GET (a POST when given a body); returns the body length, or -1 when the answer
    is not a complete 200 (or fails `check`)."""
    if isinstance(session, LeanSession):
        status, expected, data = session.request("GET" if body is None else "POST", url, headers, body)
        if status != 200 or (expected is not None and int(expected) != len(data)):
            return -1
        return -1 if check is not None and not check(data) else len(data)
    if body is None:
        r = session.get(url, headers=headers, verify=verify, stream=True, timeout=60)
    else:
        r = session.post(url, data=body, headers=headers, verify=verify, stream=True, timeout=60)
    data = r.raw.read()
    r.raw.release_conn()
    expected = r.headers.get("Content-Length")
    if r.status_code != 200 or (expected is not None and int(expected) != len(data)):
        return -1
    if check is not None and not check(data):
        return -1
    return len(data)


def run_load(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    verify: str | bool = True,
    connections: int = 4,
    duration: float = 2.0,
    warmup: float = 0.3,
    bodies: Sequence[bytes] = (),
    check: Callable[[bytes], bool] | None = None,
    lean: bool = False,
) -> LoadResult:
    """Keep `connections` requests in flight for `warmup + duration` seconds; count those
    completed during the last `duration` seconds. With `bodies`, each request is a POST of
    the next body (connection i sends bodies i, i + connections, ...). `lean`: each
    connection is a `LeanSession` rather than a `requests.Session`."""
    headers = dict(headers or {})

    def body_of(i: int, n: int) -> bytes | None:
        return bodies[(i + n * connections) % len(bodies)] if bodies else None

    sessions: list[requests.Session | LeanSession] = [
        LeanSession(verify) if lean else keep_alive_session() for _ in range(connections)
    ]
    for i, s in enumerate(sessions):  # open and warm every connection before the clock starts
        if fetch(s, url, headers, verify, body_of(i, 0), check) < 0:
            raise RuntimeError(f"{'POST' if bodies else 'GET'} {url} did not answer 200 with a complete body")
    counts = [0] * connections
    errors = [0] * connections
    sizes = [0] * connections
    barrier = threading.Barrier(connections + 1)
    window: list[float] = []

    def worker(i: int) -> None:
        s = sessions[i]
        barrier.wait()
        start, end = window
        n = 1
        while True:
            size = fetch(s, url, headers, verify, body_of(i, n), check)
            n += 1
            now = time.perf_counter()
            if now >= end:
                break
            if now >= start:
                if size < 0:
                    errors[i] += 1
                else:
                    counts[i] += 1
                    sizes[i] += size

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    for t in threads:
        t.start()
    t0 = time.perf_counter()
    window[:] = [t0 + warmup, t0 + warmup + duration]
    barrier.wait()
    for t in threads:
        t.join()
    opened = _opened(sessions)
    return LoadResult(sum(counts), duration, sum(errors), sum(sizes), opened)


def _opened(sessions: Sequence[requests.Session | LeanSession]) -> int:
    opened = 0
    for s in sessions:
        if isinstance(s, LeanSession):
            opened += s.opened
            s.close()
            continue
        for adapter in {id(a): a for a in s.adapters.values()}.values():
            for pool in list(adapter.poolmanager.pools._container.values()):  # type: ignore[attr-defined]
                opened += pool.num_connections
        s.close()
    return opened


# A request of a mix: (kind, url, body or None for a GET, headers, check or None).
MixedCall = tuple[str, str, bytes | None, Mapping[str, str], Callable[[bytes], bool] | None]


def run_latencies(
    next_call: Callable[[random.Random], MixedCall],
    *,
    verify: str | bool = True,
    connections: int = 4,
    requests_per_connection: int = 500,
    seed: int = 1,
) -> tuple[list[tuple[str, float]], int]:
    """Send `requests_per_connection` requests of the mix `next_call` draws on each of
    `connections` keep-alive connections at once; returns ((kind, seconds) of every
    complete answer, number of failed ones)."""
    sessions = [keep_alive_session() for _ in range(connections)]
    results: list[list[tuple[str, float]]] = [[] for _ in range(connections)]
    errors = [0] * connections
    barrier = threading.Barrier(connections)

    def worker(i: int) -> None:
        rng = random.Random(seed * 1000 + i)
        s = sessions[i]
        barrier.wait()
        for _ in range(requests_per_connection):
            kind, url, body, headers, check = next_call(rng)
            start = time.perf_counter()
            size = fetch(s, url, headers, verify, body, check)
            elapsed = time.perf_counter() - start
            if size < 0:
                errors[i] += 1
            else:
                results[i].append((kind, elapsed))

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    _opened(sessions)
    return [r for per in results for r in per], sum(errors)
