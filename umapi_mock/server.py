"""Serving an emulator app on a real socket: used by `umapi-mock serve`, the pytest plugin
and the benchmarks, so all three run the same server stack.

Why our own server rather than a maintained one: `python -m benchmarks.servers` served the
same app over HTTPS from this server, granian 2.8 (one worker, 8 threads) and cheroot 11.1
(8 threads), taking turns, 4 keep-alive clients, on a shared 2-core machine. Small JSON
answers: granian 955 req/s, this server 577, cheroot 368; 510 KiB users pages: 436, 420,
351. granian is faster for small answers, but neither it nor cheroot can close a
connection without answering: the WSGI app cannot reach their sockets, so a `drop` fault
(see `layers/faults.py`) came back as a 500 from both. The emulator must support every
fault type, so it keeps this server (and adds no dependency). Against the werkzeug-based
server it replaces, it was on a par or faster in side-by-side runs.

Design, so that load and hostile clients cannot exhaust it:
- One I/O thread owns every connection that is not being answered: it accepts, does TLS
  handshakes, and reads whole requests (head and body) without blocking. Idle keep-alive
  connections and half-sent requests therefore hold no thread (slowloris-proof), and each
  phase has a deadline: handshake, request (from its first byte), idle keep-alive.
- A complete request goes to a bounded pool of worker threads, which run the app and write
  the answer; the connection then returns to the I/O thread.
- At most `max_connections` are open; beyond that the listener is not watched, so new
  clients wait in the kernel's backlog until a slot frees.
- Limits are answered before anything large is read: a body over `max_body` gets a JSON 413
  as soon as its Content-Length (or first chunk size) is known, an over-long request line a
  JSON 414, an oversized head a JSON 431, an unreadable one a JSON 400.
- Status lines carry the standard reason phrases and there is no `Server` header of ours.
"""

from __future__ import annotations

import errno
import hmac
import io
import json
import queue
import selectors
import socket
import ssl
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote_to_bytes

from .domain.errors import UmapiError
from .http.wire.errors import error_body
from .logs import access_log, server_log
from .redaction import redact_target

# Request bodies larger than this are refused with a 413 (the largest valid action body,
# 10 entries x 10 steps x 10 long names, is well under 1 MiB).
MAX_BODY = 4 * 1024 * 1024
# The admin API takes whole state documents (`PUT /_mock/state`): a big org's is large.
MAX_ADMIN_BODY = 512 * 1024 * 1024
ADMIN_PREFIX = "/_mock/"
MAX_REQUEST_LINE = 8 * 1024
MAX_HEAD = 32 * 1024
MAX_CONNECTIONS = 1024
WORKERS = 16
KEEP_ALIVE_TIMEOUT = 120.0  # an idle keep-alive connection is closed after this
REQUEST_TIMEOUT = 10.0  # a request must arrive whole (head and body) within this from its first byte
HANDSHAKE_TIMEOUT = 10.0
WRITE_TIMEOUT = 30.0  # a client that reads an answer slower than this is cut off
SHUTDOWN_GRACE = 10.0  # how long a stop waits for requests in flight
# The status line and headers go out in the same write as a body up to this size.
COALESCE_MAX = 64 * 1024

_NO_BODY_STATUSES = frozenset({204, 304})
_READ_SIZE = 256 * 1024
_LINGER = 2.0  # after a refusal, how long what the client still sends is read and dropped
_SWEEP_EVERY = 0.25  # how often deadlines are checked
_DISCONNECTS = (ConnectionError, TimeoutError, ssl.SSLError, BrokenPipeError)


@dataclass(frozen=True)
class Limits:
    """The server's resource bounds; every field is a CLI option of `serve`."""

    max_body: int = MAX_BODY
    max_admin_body: int = MAX_ADMIN_BODY  # for /_mock/ (state documents)
    max_request_line: int = MAX_REQUEST_LINE
    max_head: int = MAX_HEAD
    max_connections: int = MAX_CONNECTIONS
    workers: int = WORKERS
    keep_alive_timeout: float = KEEP_ALIVE_TIMEOUT
    request_timeout: float = REQUEST_TIMEOUT
    handshake_timeout: float = HANDSHAKE_TIMEOUT
    write_timeout: float = WRITE_TIMEOUT


class _Refusal(Exception):
    """A request the server answers itself, before the app: a catalogue error key, and the
    request line when it could be read (for the log line)."""

    def __init__(self, key: str, *, method: str | None = None, target: str | None = None, **params: Any):
        super().__init__(key)
        self.error = UmapiError(key, **params)
        self.method, self.target = method, target


class _DateCache:
    """The `Date` header, formatted once per second."""

    def __init__(self) -> None:
        self._second = -1
        self._value = ""

    def get(self) -> str:
        now = int(time.time())
        if now != self._second:
            self._value = formatdate(now, usegmt=True)
            self._second = now
        return self._value


_dates = _DateCache()


# The RFC 7231 phrases (`Service Unavailable`, not werkzeug's `SERVICE UNAVAILABLE`), frozen:
# Python 3.13 renamed some (413 `Content Too Large`) and the answers must not depend on it.
REASON_PHRASES: dict[int, str] = {
    **{status.value: status.phrase for status in HTTPStatus},
    413: "Request Entity Too Large",
    414: "Request-URI Too Long",
    416: "Requested Range Not Satisfiable",
    422: "Unprocessable Entity",
}


def reason_phrase(code: int, given: str = "") -> str:
    return REASON_PHRASES.get(code) or given or "Unknown"


# ------------------------------------------------------------------ requests


@dataclass
class Request:
    """One parsed request, read whole by the I/O thread."""

    method: str
    target: str
    version: str
    headers: list[tuple[str, str]]
    body: bytes
    keep_alive: bool
    started: float


@dataclass(eq=False)
class _Conn:
    sock: socket.socket
    peer: tuple[str, int]
    tls: bool
    buf: bytearray = field(default_factory=bytearray)
    handshaken: bool = False
    deadline: float = 0.0
    request_started: float | None = None
    expect_sent: bool = False
    lingering: bool = False  # answered with a refusal; what still arrives is discarded
    served: int = 0


def _parse_head(head: bytes, limits: Limits) -> tuple[str, str, str, list[tuple[str, str]]]:
    line_end = head.find(b"\r\n")
    line = head[:line_end] if line_end >= 0 else head
    if len(line) > limits.max_request_line:
        raise _Refusal("request.uri_too_long", limit=limits.max_request_line)
    parts = line.split(b" ")
    if len(parts) != 3 or not parts[0].isalpha() or not parts[2].startswith(b"HTTP/1."):
        raise _Refusal("request.malformed", detail="unreadable request line")
    try:
        method, target, version = (p.decode("latin-1") for p in parts)
    except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes every byte
        raise _Refusal("request.malformed", detail="unreadable request line") from None
    if version not in ("HTTP/1.0", "HTTP/1.1"):
        raise _Refusal("request.malformed", detail=f"unsupported protocol {version}")
    headers: list[tuple[str, str]] = []
    for raw in head[line_end + 2 :].split(b"\r\n") if line_end >= 0 else []:
        if not raw:
            continue
        name, colon, value = raw.partition(b":")
        if not colon or not name or name != name.strip() or raw[:1] in (b" ", b"\t"):
            raise _Refusal("request.malformed", detail="unreadable header line")
        headers.append((name.decode("latin-1"), value.strip().decode("latin-1")))
    return method.upper(), target, version, headers


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    values = [v for k, v in headers if k.lower() == name]
    return ", ".join(values) if values else None


def _dechunk(buf: bytearray, start: int, limit: int, method: str, target: str) -> tuple[bytes, int] | None:
    """A chunked body that starts at `start` of `buf`: (body, end offset) once it is all
    there, None while more is to come; refuses a body over `limit` from the chunk sizes."""
    pos = start
    parts: list[bytes] = []
    total = 0
    while True:
        eol = buf.find(b"\r\n", pos)
        if eol < 0:
            if len(buf) - pos > 1024:
                raise _Refusal("request.malformed", detail="unreadable chunk size")
            return None
        size_text = bytes(buf[pos:eol]).split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise _Refusal("request.malformed", detail="unreadable chunk size") from None
        total += size
        if total > limit:
            raise _Refusal("request.too_large", method=method, target=target, limit=limit)
        if size == 0:
            trailer_end = buf.find(b"\r\n\r\n", eol)
            return None if trailer_end < 0 else (b"".join(parts), trailer_end + 4)
        data_start = eol + 2
        data_end = data_start + size
        if len(buf) < data_end + 2:
            return None
        if buf[data_end : data_end + 2] != b"\r\n":
            raise _Refusal("request.malformed", detail="bad chunk framing")
        parts.append(bytes(buf[data_start:data_end]))
        pos = data_end + 2


def _admin_token_of(app: Any) -> str | None:
    """The admin token of an emulator app; None for another WSGI app or when none is set."""
    from .http.context import emulator_of

    try:
        token = emulator_of(app).config.admin_token
    except (AttributeError, KeyError, TypeError, RuntimeError):
        return None
    return token or None


def _body_limit(target: str, headers: list[tuple[str, str]], limits: Limits, admin_token: str | None) -> int:
    """The admin API takes state documents far larger than any UMAPI body, but only from a
    caller it would serve: with an admin token set, a request without it keeps the UMAPI limit,
    so nobody unauthenticated can make the server hold a huge body."""
    if not target.startswith(ADMIN_PREFIX):
        return limits.max_body
    if admin_token is not None:
        given = (_header(headers, "authorization") or "").encode("latin-1", "replace")
        if not hmac.compare_digest(given, f"Bearer {admin_token}".encode("latin-1", "replace")):
            return limits.max_body
    return limits.max_admin_body


def _take_request(conn: _Conn, limits: Limits, admin_token: str | None = None) -> Request | None:
    """A whole request from the front of `conn.buf` (removed from it), or None while it is
    incomplete. Raises _Refusal for a request the server must answer itself."""
    buf = conn.buf
    head_end = buf.find(b"\r\n\r\n")
    if head_end < 0:
        first_line_end = buf.find(b"\r\n")
        if (first_line_end < 0 and len(buf) > limits.max_request_line) or first_line_end > limits.max_request_line:
            raise _Refusal("request.uri_too_long", limit=limits.max_request_line)
        if len(buf) > limits.max_head:
            raise _Refusal("request.headers_too_large", limit=limits.max_head)
        return None
    if head_end > limits.max_head:
        raise _Refusal("request.headers_too_large", limit=limits.max_head)
    method, target, version, headers = _parse_head(bytes(buf[:head_end]), limits)
    max_body = _body_limit(target, headers, limits, admin_token)
    body_start = head_end + 4
    length_text = _header(headers, "content-length")
    chunked = "chunked" in (_header(headers, "transfer-encoding") or "").lower()
    if chunked and length_text is not None:
        raise _Refusal("request.malformed", detail="both Content-Length and Transfer-Encoding")
    if chunked:
        done = _dechunk(buf, body_start, max_body, method, target)
        if done is None:
            _maybe_continue(conn, headers)
            return None
        body, end = done
    else:
        length = 0
        if length_text is not None:
            if not length_text.strip().isdigit():
                raise _Refusal("request.malformed", detail=f"bad Content-Length {length_text!r}")
            length = int(length_text)
        if length > max_body:
            raise _Refusal("request.too_large", method=method, target=target, limit=max_body)
        end = body_start + length
        if len(buf) < end:
            _maybe_continue(conn, headers)
            return None
        body = bytes(buf[body_start:end])
    conn.buf = bytearray(buf[end:])  # a fresh buffer: `del buf[:end]` would keep the old allocation
    connection = (_header(headers, "connection") or "").lower()
    keep_alive = "close" not in connection if version == "HTTP/1.1" else "keep-alive" in connection
    started = conn.request_started or time.monotonic()
    conn.request_started = None
    conn.expect_sent = False
    return Request(method, target, version, headers, body, keep_alive, started)


def _maybe_continue(conn: _Conn, headers: list[tuple[str, str]]) -> None:
    if not conn.expect_sent and (_header(headers, "expect") or "").lower() == "100-continue":
        conn.expect_sent = True
        try:
            conn.sock.send(b"HTTP/1.1 100 Continue\r\n\r\n")
        except (BlockingIOError, ssl.SSLWantWriteError, ssl.SSLWantReadError):
            pass  # the client sends its body after a short wait anyway


def refusal_bytes(error: UmapiError, *, request_id: str = "") -> bytes:
    """A whole HTTP answer (closing the connection) for an error the server gives itself."""
    body = json.dumps(error_body(error) or {}, separators=(",", ":")).encode()
    code = error.spec.status
    lines = [
        f"HTTP/1.1 {code} {reason_phrase(code)}",
        f"Date: {_dates.get()}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
    ]
    lines += [f"{k}: {v}" for k, v in error.spec.headers.items()]
    if request_id:
        lines.append(f"X-Request-Id: {request_id}")
    lines += ["Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1") + body


# ------------------------------------------------------------------ answering


class ConnectionGone(Exception):
    """The client went away while it was being answered."""


class _Exchange:
    """Runs the app for one request and writes its answer on a blocking socket."""

    def __init__(self, server: Server, conn: _Conn, req: Request):
        self.server = server
        self.conn = conn
        self.req = req
        self.status = ""
        self.headers: list[tuple[str, str]] = []
        self.sent = False
        self.chunked = False
        self.code = 0
        self.bytes_out = 0
        self.keep_alive = req.keep_alive
        self.dropped = False
        self.environ = server.environ_for(conn, req)

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        if exc_info:
            try:
                if self.sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        self.status = status
        self.headers = headers
        return self.write

    def _head(self) -> bytes:
        code_text, _, given = self.status.partition(" ")
        self.code = code = int(code_text)
        lines = [f"HTTP/1.1 {code} {reason_phrase(code, given)}", f"Date: {_dates.get()}"]
        has_length = False
        for key, value in self.headers:
            lowered = key.lower()
            if lowered == "content-length":
                has_length = True
            elif lowered == "connection":
                if "close" in value.lower():
                    self.keep_alive = False
                continue
            lines.append(f"{key}: {value}")
        if not has_length and not (self.req.method == "HEAD" or 100 <= code < 200 or code in _NO_BODY_STATUSES):
            if self.req.version == "HTTP/1.1":
                self.chunked = True
                lines.append("Transfer-Encoding: chunked")
            else:
                self.keep_alive = False
        if self.server.stopping:
            self.keep_alive = False
        lines.append("Connection: keep-alive" if self.keep_alive else "Connection: close")
        lines.append("\r\n")
        return "\r\n".join(lines).encode("latin-1")

    def _send(self, data: bytes | memoryview) -> None:
        try:
            self.conn.sock.sendall(data)
        except _DISCONNECTS as error:
            raise ConnectionGone(str(error)) from None
        self.bytes_out += len(data)

    def write(self, data: bytes) -> None:
        if self.req.method == "HEAD":
            data = b""
        if not self.sent:
            head = self._head()
            self.sent = True
            if self.chunked and data:
                data = b"%x\r\n%s\r\n" % (len(data), data)
            if len(data) <= COALESCE_MAX:
                self._send(head + data)
            else:
                # The head travels with the body's first part; the rest is sent uncopied.
                self._send(head + data[:COALESCE_MAX])
                self._send(memoryview(data)[COALESCE_MAX:])
            self.bytes_out -= len(head)
            return
        if self.chunked and data:
            data = b"%x\r\n%s\r\n" % (len(data), data)
        if data:
            self._send(data)

    def run(self, app: Callable[..., Iterable[bytes]]) -> bool:
        """Answer; True when the connection can carry another request."""
        try:
            result = app(self.environ, self.start_response)
            try:
                for data in result:
                    self.write(data)
                if not self.sent:
                    self.write(b"")
                if self.chunked and self.req.method != "HEAD":
                    self._send(b"0\r\n\r\n")
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        except ConnectionAbortedError:  # a `drop` fault: the app already shut the socket
            self.code = 0
            self.dropped = True
            return False
        except ConnectionGone as error:
            server_log.debug("client %s disconnected before its answer was sent: %s", self.conn.peer[0], error)
            return False
        except Exception:
            server_log.exception("unexpected error answering %s %s", self.req.method, redact_target(self.req.target))
            if not self.sent:
                try:
                    self._send(refusal_bytes(UmapiError("server.internal")))
                    self.code = 500
                except ConnectionGone:
                    pass
            return False
        return self.keep_alive


# ------------------------------------------------------------------ the server


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
        self.admin_token = _admin_token_of(app)
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
        self._returned: queue.SimpleQueue[tuple[_Conn, bool]] = queue.SimpleQueue()
        self._work: queue.SimpleQueue[tuple[_Conn, Request] | None] = queue.SimpleQueue()
        self._open: set[_Conn] = set()  # every connection, owned by the I/O thread or a worker
        self._open_lock = threading.Lock()
        self._busy = 0
        self._busy_lock = threading.Lock()
        self._workers: list[threading.Thread] = []
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
        return self._busy

    # -- the loop

    def serve_forever(self) -> bool:
        """Run the I/O loop in this thread until stopped; True when no request in flight
        was left unanswered by the stop."""
        self._loop_done.clear()
        try:
            self._start_workers()
            self._selector.register(self._wake_r, selectors.EVENT_READ, "wake")
            self._listen(True)
            return self._loop()
        finally:
            self._loop_done.set()

    def _start_workers(self) -> None:
        for i in range(self.limits.workers):
            t = threading.Thread(target=self._worker, name=f"umapi-mock-worker-{i}", daemon=True)
            t.start()
            self._workers.append(t)

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
                if not self._busy:
                    return True
                if self._forced.is_set() or time.monotonic() >= self._stop_deadline:
                    return False
            timeout = max(0.0, next_sweep - time.monotonic())
            for key, _mask in self._selector.select(timeout):
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
        for _ in range(64):
            if len(self._open) >= self.limits.max_connections:
                self._listen(False)  # new clients wait in the backlog until a slot frees
                return
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
            conn = _Conn(sock, (peer[0], peer[1]), tls)
            timeout = self.limits.handshake_timeout if tls else self.limits.keep_alive_timeout
            conn.deadline = time.monotonic() + timeout
            with self._open_lock:
                self._open.add(conn)
            self._selector.register(sock, selectors.EVENT_READ, conn)
            if tls:
                self._handshake(conn)

    def _handshake(self, conn: _Conn) -> bool:
        try:
            conn.sock.do_handshake()  # type: ignore[attr-defined]
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return False
        except (OSError, ValueError) as error:
            server_log.debug("TLS handshake with %s failed: %s", conn.peer[0], error)
            self._close(conn)
            return False
        conn.handshaken = True
        conn.deadline = time.monotonic() + self.limits.keep_alive_timeout
        return True

    def _readable(self, conn: _Conn) -> None:
        if conn.lingering:
            self._discard(conn)
            return
        if conn.tls and not conn.handshaken and not self._handshake(conn):
            return
        if self._fill(conn):
            self._advance(conn)

    def _fill(self, conn: _Conn) -> bool:
        """Read what has arrived; False when the connection was closed."""
        sock = conn.sock
        try:
            while True:
                data = sock.recv(_READ_SIZE)
                if not data:
                    if conn.buf:
                        server_log.debug("client %s closed the connection mid-request", conn.peer[0])
                    self._close(conn)
                    return False
                if conn.request_started is None:
                    conn.request_started = time.monotonic()
                    conn.deadline = conn.request_started + self.limits.request_timeout
                conn.buf += data
                if len(data) < _READ_SIZE and not (conn.tls and sock.pending()):  # type: ignore[attr-defined]
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

    def _advance(self, conn: _Conn) -> None:
        """Hand a whole request to the workers, answer a refused one, or wait for more."""
        try:
            req = _take_request(conn, self.limits, self.admin_token)
        except _Refusal as refusal:
            self._refuse(conn, refusal)
            return
        if req is None:
            return
        self._selector.unregister(conn.sock)
        with self._busy_lock:
            self._busy += 1
        self._work.put((conn, req))

    def _refuse(self, conn: _Conn, refusal: _Refusal) -> None:
        """Answer with a small JSON error, then discard whatever the client still sends for
        a moment (so it reads the answer rather than a reset) and close."""
        error = refusal.error
        data = refusal_bytes(error)
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
                method=refusal.method,
                path=None if refusal.target is None else redact_target(refusal.target),
                status=error.spec.status,
                latency_ms=(time.monotonic() - started) * 1000.0,
                bytes_out=len(data),
                answered_by="server",
                peer=conn.peer[0],
            )
        conn.lingering = True
        conn.deadline = time.monotonic() + _LINGER
        self._discard(conn)

    def _discard(self, conn: _Conn) -> None:
        try:
            for _ in range(16):  # a bounded share of the loop per wake-up; the linger deadline ends it
                if not conn.sock.recv(_READ_SIZE):
                    break
            else:
                return
        except (BlockingIOError, InterruptedError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return
        except (OSError, ValueError):
            pass
        self._close(conn)  # the client closed its side

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
            if conn.buf:  # a pipelined request is already under way
                conn.request_started = now
                conn.deadline = now + self.limits.request_timeout
            else:
                conn.request_started = None
                conn.deadline = now + self.limits.keep_alive_timeout
            self._selector.register(conn.sock, selectors.EVENT_READ, conn)
            # Bytes already read (or TLS data already decrypted) do not wake the selector.
            if conn.tls and conn.sock.pending() and not self._fill(conn):  # type: ignore[attr-defined]
                continue
            if conn.buf:
                self._advance(conn)
        if len(self._open) < self.limits.max_connections:
            self._listen(True)

    def _sweep(self, now: float) -> None:
        for conn in [c for c in list(self._open) if c.deadline <= now and self._owned_by_loop(c)]:
            if conn.buf:
                server_log.debug(
                    "closing %s: request not received within %gs", conn.peer[0], self.limits.request_timeout
                )
            self._close(conn)
        if len(self._open) < self.limits.max_connections:
            self._listen(True)

    def _owned_by_loop(self, conn: _Conn) -> bool:
        try:
            self._selector.get_key(conn.sock)
        except (KeyError, ValueError):
            return False
        return True

    def _close(self, conn: _Conn) -> None:
        if self._owned_by_loop(conn):
            self._selector.unregister(conn.sock)
        try:
            conn.sock.close()
        except OSError:
            pass
        with self._open_lock:
            self._open.discard(conn)
        conn.buf = bytearray()

    # -- workers

    def _worker(self) -> None:
        while True:
            item = self._work.get()
            if item is None:
                return
            conn, req = item
            del item  # this frame must not keep the request (and its body) alive while idle
            keep = self._answer(conn, req)
            del req
            with self._busy_lock:
                self._busy -= 1
            self._returned.put((conn, keep))
            del conn
            self._wake()

    def _answer(self, conn: _Conn, req: Request) -> bool:
        try:
            conn.sock.settimeout(self.limits.write_timeout)
            exchange = _Exchange(self, conn, req)
            keep = exchange.run(self.app)
            conn.served += 1
            self._log(conn, req, exchange)
            return keep
        except Exception:  # never lose a worker
            server_log.exception("worker error")
            return False

    def _log(self, conn: _Conn, req: Request, exchange: _Exchange) -> None:
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

    def environ_for(self, conn: _Conn, req: Request) -> dict[str, Any]:
        path, _, query = req.target.partition("?")
        if path.startswith(("http://", "https://")):  # absolute-form target
            path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 else "/"
        environ: dict[str, Any] = {
            "REQUEST_METHOD": req.method,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
            "QUERY_STRING": query,
            "RAW_URI": req.target,
            "REQUEST_URI": req.target,
            "SERVER_NAME": self.server_name,
            "SERVER_PORT": str(self.server_port),
            "SERVER_PROTOCOL": req.version,
            "REMOTE_ADDR": conn.peer[0],
            "REMOTE_PORT": conn.peer[1],
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "https" if conn.tls else "http",
            "wsgi.input": io.BytesIO(req.body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "werkzeug.socket": conn.sock,  # a `drop` fault shuts it
        }
        for name, value in req.headers:
            key = name.upper().replace("-", "_")
            if "_" in name:
                continue  # `X_Api_Key` must not pass for `X-Api-Key` (header smuggling)
            if key == "CONTENT_TYPE":
                environ["CONTENT_TYPE"] = value
                continue
            if key in ("CONTENT_LENGTH", "TRANSFER_ENCODING"):
                continue  # the body is already read whole (and de-chunked)
            key = "HTTP_" + key
            environ[key] = f"{environ[key]},{value}" if key in environ else value
        environ["CONTENT_LENGTH"] = str(len(req.body))
        return environ

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
        finished = self._busy == 0
        self.server_close()
        return finished

    def server_close(self) -> None:
        for _ in self._workers:
            self._work.put(None)
        self._workers.clear()
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


class ServedEmulator:
    """A WSGI app on host:port (HTTPS when given a context), in a background thread."""

    def __init__(
        self,
        app: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        ssl_context: ssl.SSLContext | None = None,
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


__all__ = ["Limits", "Server", "ServedEmulator", "reason_phrase", "refusal_bytes", "serve_until_signalled"]
