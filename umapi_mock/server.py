"""Serving an emulator app on a real socket: used by `umapi-mock serve`, the pytest plugin
and the benchmarks, so all three run the same server stack.

Why our own server rather than a maintained one: neither granian nor cheroot can close a
connection without answering (the WSGI app cannot reach their sockets), so a `drop` fault
(see `layers/faults.py`) comes back as a 500 from both; the emulator must support every
fault type, so it keeps this server (and adds no dependency).

Speed (issue 26), measured with `python -m benchmarks --only throughput` (wrk, HTTPS, 2
threads, 4 keep-alive connections, loads taking turns in 1-second slices, 3 runs a figure) on
a 2-core machine shared with other work (load average 5-11), the tree before and after these
changes taking turns, five invocations each (the last two after the part-reading change
below); medians of the invocations' figures: granian 2.8.9 (one worker, same app, same
certificate) ÷ this server on the 2,000-user identity users page (510 KiB) went from 1.08
(1.25, 1.08, 0.96, 1.12, 1.06) to 0.93 (0.84, 0.91, 0.93, 1.01, 0.96); on Get User from 1.92
to 0.97 (first three). This server's own rates (medians of the first three invocations' 9
runs): identity page 1,563 -> 1,851 req/s, Get User 4,727 -> 8,448, Flask hello world 4,103
-> 6,036, gzip page 4,006 -> 5,464; 10x10 actions unchanged (622 -> 596 in those runs, 515
-> 550 in a separate side-by-side of six slices each). Because hello world gained most, the
figures that divide by it fell: gzip page ÷ hello world 0.99 -> 0.88, actions ÷ hello-world
POST 0.17 -> 0.13 (before the action lane, `http/action_lane.py`, which came in after these
runs: with it the action figure is ~0.32, benchmarks/README.md). granian stays ahead with
many connections (64, gzip page: 9,585 against 6,884 req/s, 4,547 before), where workers may
not wait and requests go through the I/O thread. The latest full `python -m benchmarks` run
(benchmarks/results.json, load average 0.35) gave granian ÷ this server 0.93 on the identity
page (runs 0.91-0.97; 0.99 in the run before): level with granian at 4 connections, or
slightly ahead.

What made the difference:
- A worker that answered a keep-alive request waits up to NEXT_REQUEST_WAIT (5 ms) for the
  same connection's next request and answers it itself, so a busy client's requests skip the
  hand-off to the I/O thread (queue, wake-up, selector unregister/register). Side by side
  with the server before (four sessions of 6-8 one-second slices each, load average 3-11):
  Get User 1.3-2.1x, identity page 0.97-1.23x, `/status` 1.26-1.38x. Waiting 2 ms: Get User
  1.17-2.07x, identity 0.91-1.18x; 10 ms: as 5 ms (one session); 20 ms: identity 0.79-1.01x.
  This docstring used to record an earlier attempt, never committed, that waited up to 2 ms
  and measured 0.68x; how it waited is not known, so it is not compared here.
- The waiting worker reads on while the time lasts when a request comes in parts (a head,
  then its body: how urllib3 2, under `requests`, sends a POST), so such a client skips the
  hand-off too: one sequential client posting 10x10 actions this way, 5 alternating slices,
  1.17x. (wrk sends a request in one write, so the figures above do not depend on this.)
- Request heads are parsed once per distinct head (a keep-alive client repeats its head) and
  so are the WSGI variables they give: parse + environ of a 1 KB head with a bearer token
  11 -> 3.5 us (micro-benchmark).
- Sockets are read 64 KiB at a time rather than 256 KiB (see `serving/answer.py`).
- A large answer's first write is exactly 64 KiB, head included, so every TLS record but the
  last is full: the 2,000-user page goes out in 32 records and write calls, not 33 (strace;
  made after the benchmark invocations above, which therefore do not include it).
Tried and not kept: SO_SNDBUF of 1 MiB (polls per page unchanged, 2.8 against 2.9);
encrypting into a memory BIO to write a page in fewer, larger `send` calls (granian writes a
page in ~8 writes of 64 KiB, `SSLSocket` in ~32 of one TLS record each): in a bare test server
1,570-2,220 req/s against 2,430-2,590 for `SSLSocket.sendall`, whole or in 64/256 KiB pieces.

Design, so that load and hostile clients cannot exhaust it:
- One I/O thread owns every connection that is not being answered: it accepts, does TLS
  handshakes, and reads whole requests (head and body) without blocking. Idle keep-alive
  connections and half-sent requests therefore hold no thread (slowloris-proof), and each
  phase has a deadline: handshake, request (from its first byte), idle keep-alive.
- A complete request goes to a bounded pool of worker threads, which run the app and write
  the answer. The worker then waits up to 5 ms for the connection's next request (never while
  requests queue, never more than half the pool at once) and answers it too if it came whole;
  otherwise the connection, with whatever part of a request was read, returns to the I/O
  thread and its deadlines (the request timeout counts from that request's first byte).
- At most `max_connections` are open. At the cap, a waiting client is admitted by closing
  the longest-idle keep-alive connection (as production servers do), so idle clients never
  lock a new one out; only when every connection is mid-request do new clients wait in the
  kernel's backlog until one is answered.
- Limits are answered before anything large is read: a body over `max_body` gets a JSON 413
  as soon as its Content-Length (or first chunk size) is known, an over-long request line a
  JSON 414, an oversized head a JSON 431, an unreadable one a JSON 400.
- Plain HTTP sent to the HTTPS port gets a 400 saying the port speaks HTTPS (its first
  bytes are peeked at before the handshake), then the connection closes.
- Status lines carry the standard reason phrases and there is no `Server` header of ours.

Where each part lives (`umapi_mock/serving/`): `http1.py` the protocol over bytes (heads,
bodies, limits, the server's own answers), `loop.py` the I/O loop, `workers.py` the pool,
`answer.py` one request's environ and answer. This module is the public façade.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from ssl import SSLContext
from typing import Any

from .serving.answer import ConnectionGone
from .serving.http1 import (
    ADMIN_PREFIX,
    HANDSHAKE_TIMEOUT,
    KEEP_ALIVE_TIMEOUT,
    MAX_ADMIN_BODY,
    MAX_BODY,
    MAX_CONNECTIONS,
    MAX_HEAD,
    MAX_REQUEST_LINE,
    REASON_PHRASES,
    REQUEST_TIMEOUT,
    WORKERS,
    WRITE_TIMEOUT,
    Limits,
    Request,
    reason_phrase,
    refusal_bytes,
)
from .serving.loop import SHUTDOWN_GRACE, Server


class ServedEmulator:
    """A WSGI app on host:port (HTTPS when given a context), in a background thread."""

    def __init__(
        self,
        app: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        ssl_context: SSLContext | None = None,
        limits: Limits | None = None,
    ):
        self.app = app
        self.scheme = "https" if ssl_context else "http"
        self.server = Server(host, port, app, ssl_context=ssl_context, limits=limits)
        self.host = host
        self.port = self.server.server_port
        self._thread: threading.Thread | None = None

    @property
    def netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.netloc}"

    def start(self) -> ServedEmulator:
        self._thread = threading.Thread(target=self.server.serve_forever, name=f"umapi-mock:{self.port}", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def stop(self, grace: float = 5.0) -> bool:
        finished = self.server.shutdown(grace)
        if self._thread is not None:
            self._thread.join(timeout=5)
        return finished

    def __enter__(self) -> ServedEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_until_signalled(
    server: Server, grace: float = SHUTDOWN_GRACE, ready: Callable[[], None] | None = None
) -> tuple[str, bool]:
    """Serve in this (the main) thread until SIGTERM or SIGINT, then stop gracefully: stop
    accepting, answer requests in flight for up to `grace` seconds. A second signal ends the
    process at once. Installs both handlers itself, so a server started in the background by
    a shell (which ignores SIGINT) stops on SIGINT too. `ready` (e.g. printing the banner)
    runs once the handlers are in place. Returns (signal name, all answered)."""
    import os
    import signal

    received: list[str] = []

    def on_signal(signum: int, frame: object) -> None:
        name = signal.Signals(signum).name
        if received:
            os.write(2, f"umapi-mock: {name} again, exiting now\n".encode())
            os._exit(1)
        received.append(name)
        server.request_stop(grace)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        if ready is not None:
            ready()
        finished = server.serve_forever()
    finally:
        server.server_close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return (received[0] if received else "stop"), finished


__all__ = [
    "ADMIN_PREFIX",
    "HANDSHAKE_TIMEOUT",
    "KEEP_ALIVE_TIMEOUT",
    "MAX_ADMIN_BODY",
    "MAX_BODY",
    "MAX_CONNECTIONS",
    "MAX_HEAD",
    "MAX_REQUEST_LINE",
    "REASON_PHRASES",
    "REQUEST_TIMEOUT",
    "SHUTDOWN_GRACE",
    "WORKERS",
    "WRITE_TIMEOUT",
    "ConnectionGone",
    "Limits",
    "Request",
    "Server",
    "ServedEmulator",
    "reason_phrase",
    "refusal_bytes",
    "serve_until_signalled",
]
