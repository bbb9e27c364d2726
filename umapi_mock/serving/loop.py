"""The listening socket and its I/O loop: one thread accepts, does TLS handshakes, reads
whole requests without blocking, answers refusals itself, enforces every deadline, and
hands complete requests to the worker pool (see `umapi_mock/server.py` for the design)."""

from __future__ import annotations

import errno
import queue
import select
import selectors
import socket
import ssl
import threading
import time
from typing import Any

from ..logs import access_log, server_log
from ..redaction import redact_target
from .answer import READ_SIZE, Conn, taken_off
from .http1 import (
    Incomplete,
    Limits,
    Refusal,
    looks_like_plain_http,
    plain_http_on_tls_bytes,
    refusal_bytes,
    take_request,
)
from .memory import release_large_blocks_promptly
from .workers import WorkerPool

SHUTDOWN_GRACE = 10.0  # how long a stop waits for requests in flight
_LINGER = 2.0  # after a refusal, how long what the client still sends is read and dropped
_SWEEP_EVERY = 0.25  # how often deadlines are checked


def admin_token_of(app: Any) -> str | None:
    """The admin token of an emulator app; None for another WSGI app or when none is set."""
    from ..http.context import emulator_of

    try:
        token = emulator_of(app).config.admin_token
    except (AttributeError, KeyError, TypeError, RuntimeError):
        return None
    return token or None


class Server:
    """The listening socket, its I/O thread loop and the worker pool (see the module doc)."""

    def __init__(
        self,
        host: str,
        port: int,
        app: Any,
        *,
        ssl_context: ssl.SSLContext | None = None,
        limits: Limits | None = None,
    ):
        self.app = app
        self.limits = limits or Limits()
        self.admin_token = admin_token_of(app)
        self.ssl_context = ssl_context
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind((host, port))
            self.socket.listen(min(1024, socket.SOMAXCONN))
        except OSError:
            self.socket.close()
            raise
        self.socket.setblocking(False)
        self.server_port: int = self.socket.getsockname()[1]
        self.server_name = host
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._returned: queue.SimpleQueue[tuple[Conn, bool]] = queue.SimpleQueue()
        self._pool = WorkerPool(
            app,
            self.limits,
            server_name=host,
            server_port=self.server_port,
            stopping=lambda: self.stopping,
            returned=self._give_back,
            admin_token=self.admin_token,
        )
        self._open: set[Conn] = set()  # every connection, owned by the I/O thread or a worker
        self._open_lock = threading.Lock()
        self._listening = False
        self.stopping = False
        self._stop_deadline = 0.0
        self._forced = threading.Event()
        self._loop_done = threading.Event()
        self._loop_done.set()

    # -- information

    @property
    def open_connections(self) -> int:
        return len(self._open)

    @property
    def in_flight(self) -> int:
        return self._pool.busy

    # -- the loop

    def serve_forever(self) -> bool:
        """Run the I/O loop in this thread until stopped; True when no request in flight
        was left unanswered by the stop."""
        self._loop_done.clear()
        release_large_blocks_promptly()
        try:
            self._pool.start()
            self._selector.register(self._wake_r, selectors.EVENT_READ, "wake")
            self._listen(True)
            return self._loop()
        finally:
            self._loop_done.set()

    def _listen(self, on: bool) -> None:
        if on and not self._listening and not self.stopping:
            self._selector.register(self.socket, selectors.EVENT_READ, "listen")
            self._listening = True
        elif not on and self._listening:
            self._selector.unregister(self.socket)
            self._listening = False

    def _loop(self) -> bool:
        next_sweep = time.monotonic() + _SWEEP_EVERY
        stop_applied = False
        while True:
            if self.stopping:
                if not stop_applied:
                    stop_applied = True
                    self._listen(False)
                    self.socket.close()  # new clients are refused rather than left waiting
                    for conn in [c for c in list(self._open) if self._owned_by_loop(c)]:
                        self._close(conn)
                if not self._pool.busy:
                    return True
                if self._forced.is_set() or time.monotonic() >= self._stop_deadline:
                    return False
            timeout = max(0.0, next_sweep - time.monotonic())
            events = self._selector.select(timeout)
            self._take_returned()  # connections answered meanwhile are idle before anyone is accepted
            for key, _mask in events:
                what = key.data
                if what == "listen":
                    self._accept()
                elif what == "wake":
                    try:
                        while self._wake_r.recv(4096):
                            pass
                    except OSError:
                        pass
                else:
                    try:
                        self._readable(what)
                    except Exception:  # one bad connection must not stop the server
                        server_log.exception("error reading from %s", what.peer[0])
                        self._close(what)
            self._take_returned()
            now = time.monotonic()
            if now >= next_sweep:
                self._sweep(now)
                next_sweep = now + _SWEEP_EVERY

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass

    def _accept(self) -> None:
        evictable: list[Conn] | None = None
        for _ in range(64):
            if len(self._open) >= self.limits.max_connections:
                if not self._client_waiting():
                    return
                if evictable is None:
                    evictable = self._idle_oldest_last()
                if not evictable:
                    self._listen(False)  # every connection is mid-request: new clients wait in the backlog
                    return
                conn = evictable.pop()
                server_log.debug("closing idle connection from %s to admit a new client", conn.peer[0])
                self._close(conn)
            try:
                sock, peer = self.socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as error:
                if error.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    server_log.warning("cannot accept a connection: %s", error.strerror)
                    self._listen(False)
                return
            sock.setblocking(False)
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                pass
            tls = self.ssl_context is not None
            if self.ssl_context is not None:
                sock = self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
            conn = Conn(sock, (peer[0], peer[1]), tls)
            conn.idle_since = time.monotonic()
            timeout = self.limits.handshake_timeout if tls else self.limits.keep_alive_timeout
            conn.deadline = conn.idle_since + timeout
            with self._open_lock:
                self._open.add(conn)
            self._selector.register(sock, selectors.EVENT_READ, conn)
            if tls:
                self._handshake(conn)

    def _handshake(self, conn: Conn) -> bool:
        if not conn.sniffed and self._plain_http_on_tls(conn):
            return False
        try:
            conn.sock.do_handshake()  # type: ignore[attr-defined]
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return False
        except (OSError, ValueError) as error:
            server_log.debug("TLS handshake with %s failed: %s", conn.peer[0], error)
            self._close(conn)
            return False
        conn.handshaken = True
        conn.idle_since = time.monotonic()
        conn.deadline = conn.idle_since + self.limits.keep_alive_timeout
        return True

    def _client_waiting(self) -> bool:
        """Whether a client waits to be accepted (an idle connection is closed only for one)."""
        try:
            if hasattr(select, "poll"):  # select.select cannot watch descriptors above 1023
                poller = select.poll()
                poller.register(self.socket, select.POLLIN)
                return bool(poller.poll(0))
            return bool(select.select([self.socket], [], [], 0)[0])
        except (OSError, ValueError):
            return False

    def _idle_oldest_last(self) -> list[Conn]:
        """The connections that may be closed to admit a new client, longest-idle last: those
        waiting between requests (or for a first one) with nothing of a request read, as
        production servers reuse idle keep-alive connections at their cap. Handshakes,
        half-read requests (bounded by the request timeout) and answers are never cut."""
        idle = [
            c
            for c in self._open
            if c.request_started is None
            and not c.buf
            and not c.lingering
            and (c.handshaken or not c.tls)
            and self._owned_by_loop(c)
        ]
        idle.sort(key=lambda c: c.idle_since, reverse=True)
        return idle

    def _readable(self, conn: Conn) -> None:
        if conn.lingering:
            self._discard(conn)
            return
        if conn.tls and not conn.handshaken and not self._handshake(conn):
            return
        if self._fill(conn):
            self._advance(conn)

    def _fill(self, conn: Conn) -> bool:
        """Read what has arrived; False when the connection was closed."""
        sock = conn.sock
        try:
            while True:
                data = sock.recv(READ_SIZE)
                if not data:
                    if conn.buf:
                        server_log.debug("client %s closed the connection mid-request", conn.peer[0])
                    self._close(conn)
                    return False
                if conn.request_started is None:
                    conn.request_started = time.monotonic()
                    conn.deadline = conn.request_started + self.limits.request_timeout
                conn.buf += data
                if len(data) < READ_SIZE and not (conn.tls and sock.pending()):  # type: ignore[attr-defined]
                    return True
                if len(conn.buf) > self.limits.max_head and conn.buf.find(b"\r\n\r\n") < 0:
                    return True  # _advance refuses it; reading on would only buffer more
                if len(conn.buf) > self.limits.max_head + max(self.limits.max_body, self.limits.max_admin_body):
                    return True  # at least one whole request is here (pipelined ones wait)
        except (BlockingIOError, InterruptedError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return True
        except (OSError, ValueError) as error:
            server_log.debug("connection from %s lost: %s", conn.peer[0], error)
            self._close(conn)
            return False

    def _advance(self, conn: Conn) -> None:
        """Hand a whole request to the workers, answer a refused one, or wait for more."""
        try:
            taken = take_request(conn.buf, self.limits, self.admin_token)
        except Refusal as refusal:
            self._refuse(conn, refusal)
            return
        if isinstance(taken, Incomplete):
            if taken.expects_continue:
                self._send_continue(conn)
            return
        req = taken_off(conn, *taken)
        self._selector.unregister(conn.sock)
        self._pool.submit(conn, req)

    def _send_continue(self, conn: Conn) -> None:
        if not conn.expect_sent:
            conn.expect_sent = True
            try:
                conn.sock.send(b"HTTP/1.1 100 Continue\r\n\r\n")
            except (BlockingIOError, ssl.SSLWantWriteError, ssl.SSLWantReadError):
                pass  # the client sends its body after a short wait anyway

    def _refuse(self, conn: Conn, refusal: Refusal) -> None:
        """Answer with a small JSON error, then discard whatever the client still sends for
        a moment (so it reads the answer rather than a reset) and close."""
        self._answer_and_close(
            conn, refusal_bytes(refusal.error), refusal.error.spec.status, refusal.method, refusal.target
        )

    def _answer_and_close(
        self, conn: Conn, data: bytes, status: int, method: str | None = None, target: str | None = None
    ) -> None:
        started = conn.request_started or time.monotonic()
        conn.buf = bytearray()  # nothing of a refused request is kept
        try:
            conn.sock.settimeout(1.0)
            conn.sock.sendall(data)
            conn.sock.setblocking(False)
        except (OSError, ValueError):
            self._close(conn)
            return
        finally:
            access_log.request(
                method=method,
                path=None if target is None else redact_target(target),
                status=status,
                latency_ms=(time.monotonic() - started) * 1000.0,
                bytes_out=len(data),
                answered_by="server",
                peer=conn.peer[0],
            )
        conn.lingering = True
        conn.deadline = time.monotonic() + _LINGER
        self._discard(conn)

    def _plain_http_on_tls(self, conn: Conn) -> bool:
        """Before the first handshake step: True when the client sent plain HTTP to this
        HTTPS port, which is then answered with a 400 saying so (as nginx does) and closed.
        The bytes are peeked at on the raw socket, so a TLS client's hello is left intact."""
        try:
            first = socket.socket.recv(conn.sock, 16, socket.MSG_PEEK)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            return False  # the handshake reports it
        if not looks_like_plain_http(first):
            conn.sniffed = True
            return False
        self._selector.unregister(conn.sock)
        plain = socket.socket(conn.sock.family, conn.sock.type, fileno=conn.sock.detach())
        plain.setblocking(False)
        conn.sock, conn.tls = plain, False
        self._selector.register(plain, selectors.EVENT_READ, conn)
        self._discard(conn)  # what was sent is read (and dropped), so closing sends no reset
        if conn.sock.fileno() >= 0:
            server_log.debug("plain HTTP from %s on the HTTPS port: answered 400", conn.peer[0])
            self._answer_and_close(conn, plain_http_on_tls_bytes(), 400)
        return True

    def _discard(self, conn: Conn) -> None:
        try:
            for _ in range(16):  # a bounded share of the loop per wake-up; the linger deadline ends it
                if not conn.sock.recv(READ_SIZE):
                    break
            else:
                return
        except (BlockingIOError, InterruptedError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return
        except (OSError, ValueError):
            pass
        self._close(conn)  # the client closed its side

    def _give_back(self, conn: Conn, keep: bool) -> None:
        """From a worker: an answered connection returns to the loop."""
        self._returned.put((conn, keep))
        self._wake()

    def _take_returned(self) -> None:
        while True:
            try:
                conn, keep = self._returned.get_nowait()
            except queue.Empty:
                break
            if not keep or self.stopping:
                self._close(conn)
                continue
            conn.sock.setblocking(False)
            now = time.monotonic()
            if conn.buf:  # a request is already under way (pipelined, or its start read by the worker)
                conn.request_started = conn.request_started or now
                conn.deadline = conn.request_started + self.limits.request_timeout
            else:
                conn.request_started = None
                conn.idle_since = now
                conn.deadline = now + self.limits.keep_alive_timeout
            self._selector.register(conn.sock, selectors.EVENT_READ, conn)
            # Bytes already read (or TLS data already decrypted) do not wake the selector.
            if conn.tls and conn.sock.pending() and not self._fill(conn):  # type: ignore[attr-defined]
                continue
            if conn.buf:
                self._advance(conn)
            self._listen(True)  # at the cap, this connection may now be closed for a waiting client
        if len(self._open) < self.limits.max_connections:
            self._listen(True)

    def _sweep(self, now: float) -> None:
        for conn in [c for c in list(self._open) if c.deadline <= now and self._owned_by_loop(c)]:
            if conn.buf:
                server_log.debug(
                    "closing %s: request not received within %gs", conn.peer[0], self.limits.request_timeout
                )
            self._close(conn)
        # below the cap, or with an idle connection that can make room (_accept stops again if not)
        self._listen(True)

    def _owned_by_loop(self, conn: Conn) -> bool:
        try:
            self._selector.get_key(conn.sock)
        except (KeyError, ValueError):
            return False
        return True

    def _close(self, conn: Conn) -> None:
        if self._owned_by_loop(conn):
            self._selector.unregister(conn.sock)
        try:
            conn.sock.close()
        except OSError:
            pass
        with self._open_lock:
            self._open.discard(conn)
        conn.buf = bytearray()

    # -- stopping

    def request_stop(self, grace: float = SHUTDOWN_GRACE) -> None:
        """Stop accepting and close idle connections; requests in flight are answered for
        up to `grace` seconds, then the loop ends. Safe from a signal handler."""
        if not self.stopping:
            self._stop_deadline = time.monotonic() + grace
            self.stopping = True
        self._wake()

    def force_stop(self) -> None:
        """End the loop now, whatever is in flight."""
        self._forced.set()
        self.stopping = True
        self._wake()

    def shutdown(self, grace: float = SHUTDOWN_GRACE) -> bool:
        """Graceful stop from another thread; True when every request in flight finished."""
        self.request_stop(grace)
        self._loop_done.wait(grace + 5)
        finished = self._pool.busy == 0
        self.server_close()
        return finished

    def server_close(self) -> None:
        self._pool.stop()
        with self._open_lock:
            conns = list(self._open)
            self._open.clear()
        for conn in conns:
            try:
                conn.sock.close()
            except OSError:
                pass
        for s in (self.socket, self._wake_r, self._wake_w):
            try:
                s.close()
            except OSError:
                pass
        try:
            self._selector.close()
        except (OSError, RuntimeError):
            pass
