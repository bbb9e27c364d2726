"""Serving an emulator app on a real socket: used by `umapi-mock serve`, the pytest plugin
and the benchmarks, so all three run the same server stack.

Why our own server rather than a maintained one: neither granian nor cheroot can close a
connection without answering (the WSGI app cannot reach their sockets), so a `drop` fault
(see `layers/faults.py`) comes back as a 500 from both; the emulator must support every
fault type, so it keeps this server (and adds no dependency). Speed, measured with wrk
(HTTPS, 2 threads, 4 keep-alive connections, 3-4 s per figure), servers taking turns in one
run on a loaded 2-core machine, medians of that run (only same-run ratios mean anything):
granian 2.8.9 (one worker, 8 blocking threads) answered `/status` 1.2-1.3x faster than this
server (959 vs 753 and 1,025 vs 829 req/s), while on a 2,000-user identity users page (510
KiB) this server was 1.5x faster (308 vs 195 and 418 vs 288). So there is no parity on small
answers: granian is ahead there. Serving a keep-alive connection's next request in the worker
that answered it (waiting up to 2 ms for it, instead of handing the connection back to the
I/O thread) was tried and measured slower: 0.68x on `/status`, 0.71x on the page (6
alternating runs), so hand-offs stay as they are.

Design, so that load and hostile clients cannot exhaust it:
- One I/O thread owns every connection that is not being answered: it accepts, does TLS
  handshakes, and reads whole requests (head and body) without blocking. Idle keep-alive
  connections and half-sent requests therefore hold no thread (slowloris-proof), and each
  phase has a deadline: handshake, request (from its first byte), idle keep-alive.
- A complete request goes to a bounded pool of worker threads, which run the app and write
  the answer; the connection then returns to the I/O thread.
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
