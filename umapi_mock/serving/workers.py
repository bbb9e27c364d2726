"""The worker pool: a bounded set of threads that run the app for whole requests handed
over by the I/O loop, write the answers, and hand the connections back."""

from __future__ import annotations

import queue
import ssl
import threading
import time
from collections.abc import Callable
from typing import Any

from ..logs import access_log, server_log
from ..redaction import redact_target
from .answer import READ_SIZE, Conn, Exchange, environ_for, taken_off
from .http1 import Incomplete, Limits, Refusal, Request, take_request

# After an answer, how long a worker waits for the same connection's next request before it
# hands the connection back to the I/O thread (see `umapi_mock/server.py` for the figures).
NEXT_REQUEST_WAIT = 0.005


class WorkerPool:
    """`limits.workers` threads answering requests from a queue; each answered connection
    goes to `returned` with whether it may carry another request, then `wake` is called."""

    def __init__(
        self,
        app: Any,
        limits: Limits,
        *,
        server_name: str,
        server_port: int,
        stopping: Callable[[], bool],
        returned: Callable[[Conn, bool], None],
        admin_token: str | None = None,
    ):
        self.admin_token = admin_token
        self.app = app
        self.limits = limits
        self.server_name = server_name
        self.server_port = server_port
        self._stopping = stopping
        self._returned = returned
        self._work: queue.SimpleQueue[tuple[Conn, Request] | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._busy = 0
        self._waiting = 0  # workers waiting for a connection's next request
        self._busy_lock = threading.Lock()

    @property
    def busy(self) -> int:
        """Requests handed over and not yet answered."""
        return self._busy

    def start(self) -> None:
        for i in range(self.limits.workers):
            t = threading.Thread(target=self._run, name=f"umapi-mock-worker-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def submit(self, conn: Conn, req: Request) -> None:
        with self._busy_lock:
            self._busy += 1
        self._work.put((conn, req))

    def stop(self) -> None:
        for _ in self._threads:
            self._work.put(None)
        self._threads.clear()

    def _run(self) -> None:
        while True:
            item = self._work.get()
            if item is None:
                return
            conn, req = item
            del item  # this frame must not keep the request (and its body) alive while idle
            keep = self.answer(conn, req)
            del req
            while keep and self._may_wait():
                try:
                    following, keep = self._next_request(conn)
                finally:
                    with self._busy_lock:
                        self._waiting -= 1
                if following is None:
                    break
                keep = self.answer(conn, following)
                del following
            self._returned(conn, keep)  # before `busy` drops: once it is 0, every connection is back
            del conn
            with self._busy_lock:
                self._busy -= 1

    def _may_wait(self) -> bool:
        """Whether a worker that answered may wait for its connection's next request: never
        while requests queue or the server stops, and never more than half the pool at once,
        so waiting never holds back a request another connection sent."""
        if NEXT_REQUEST_WAIT <= 0 or not self._work.empty() or self._stopping():
            return False
        with self._busy_lock:
            if self._waiting >= max(1, self.limits.workers // 2):
                return False
            self._waiting += 1
        return True

    def _next_request(self, conn: Conn) -> tuple[Request | None, bool]:
        """(the connection's next request when it is here whole within NEXT_REQUEST_WAIT of
        the answer, whether the connection is still open). A request sent in parts (a head,
        then its body, as most clients send a POST) is read on while the time lasts. Short of
        a whole request, what was read stays in `conn.buf` for the I/O thread, which reads
        the rest (or refuses it, or sends `100 Continue`) under its deadlines, as it does for
        any connection."""
        deadline = time.monotonic() + NEXT_REQUEST_WAIT
        while True:
            if conn.buf:
                try:
                    taken = take_request(conn.buf, self.limits, self.admin_token)
                except Refusal:
                    return None, True  # the I/O thread answers it
                if not isinstance(taken, Incomplete):
                    break
                if taken.expects_continue:
                    return None, True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None, True
            try:
                conn.sock.settimeout(remaining)
                data = conn.sock.recv(READ_SIZE)
            except (TimeoutError, BlockingIOError, InterruptedError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                return None, True
            except (OSError, ValueError):
                return None, False
            if not data:
                return None, False  # the client closed the connection
            if conn.request_started is None:
                conn.request_started = time.monotonic()
            conn.buf += data
        return taken_off(conn, *taken), True

    def answer(self, conn: Conn, req: Request) -> bool:
        """Run the app for `req` and write its answer; True when the connection may carry
        another request."""
        try:
            conn.sock.settimeout(self.limits.write_timeout)
            environ = environ_for(conn, req, self.server_name, self.server_port)
            exchange = Exchange(conn, req, environ, self._stopping)
            keep = exchange.run(self.app)
            conn.served += 1
            self._log(conn, req, exchange)
            return keep
        except Exception:  # never lose a worker
            server_log.exception("worker error")
            return False

    def _log(self, conn: Conn, req: Request, exchange: Exchange) -> None:
        if not access_log.enabled():
            return
        facts = exchange.environ.get("umapi_mock.facts") or {}
        access_log.request(
            method=req.method,
            path=facts.get("path") or redact_target(req.target),
            status=exchange.code or None,
            latency_ms=(time.monotonic() - req.started) * 1000.0,
            bytes_out=exchange.bytes_out,
            answered_by=facts.get("answered_by", "handler"),
            request_id=facts.get("request_id"),
            client_id=facts.get("client_id"),
            peer=conn.peer[0],
        )
