"""One request answered: its connection, the WSGI environ built from it, the app run, and
the answer written on the (then blocking) socket, framed by Content-Length or chunks."""

from __future__ import annotations

import io
import socket
import ssl
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_to_bytes

from ..domain.errors import UmapiError
from ..logs import server_log
from ..redaction import redact_target
from .http1 import Request, dates, reason_phrase, refusal_bytes

# The status line and headers go out in the same write as a body up to this size.
COALESCE_MAX = 64 * 1024
# Bytes asked of the socket per read. Not more: `recv(n)` allocates n bytes and gives back
# the unused tail; in the main thread's heap (where `umapi-mock serve` runs its I/O loop)
# glibc then trims the heap, and a read of a 1 KB request cost ~8 us with n = 256 KiB
# against under 1 us with 64 KiB (other threads' arenas showed no difference).
READ_SIZE = 64 * 1024
_NO_BODY_STATUSES = frozenset({204, 304})
_DISCONNECTS = (ConnectionError, TimeoutError, ssl.SSLError, BrokenPipeError)


@dataclass(eq=False)
class Conn:
    """One client connection, owned by the I/O loop while it waits and by a worker while
    it is answered."""

    sock: socket.socket
    peer: tuple[str, int]
    tls: bool
    buf: bytearray = field(default_factory=bytearray)
    handshaken: bool = False
    sniffed: bool = False  # its first bytes were looked at: a TLS hello, not plain HTTP
    deadline: float = 0.0
    request_started: float | None = None
    expect_sent: bool = False
    lingering: bool = False  # answered with a refusal; what still arrives is discarded
    served: int = 0
    idle_since: float = 0.0  # when it last went idle between requests (for eviction at the cap)


def taken_off(conn: Conn, req: Request, end: int) -> Request:
    """`req`, parsed from the first `end` bytes of `conn.buf`, taken off the connection (the
    I/O loop's and a waiting worker's one way): the rest kept in a fresh buffer (`del
    buf[:end]` would keep the old allocation), the request's start time noted."""
    with memoryview(conn.buf) as view:
        conn.buf = bytearray(view[end:])
    req.started = conn.request_started or time.monotonic()
    conn.request_started = None
    conn.expect_sent = False
    return req


class ConnectionGone(Exception):
    """The client went away while it was being answered."""


def environ_for(conn: Conn, req: Request, server_name: str, server_port: int) -> dict[str, Any]:
    """The WSGI environ of a request read whole (its body de-chunked). What the head gives
    is worked out once per distinct head (heads are shared, see `http1.read_head`)."""
    head = req.head
    from_head = head.environ if head is not None else None
    if from_head is None:
        from_head = _head_environ(req)
        if head is not None:
            head.environ = from_head
    environ = from_head.copy()
    environ["SERVER_NAME"] = server_name
    environ["SERVER_PORT"] = str(server_port)
    environ["REMOTE_ADDR"] = conn.peer[0]
    environ["REMOTE_PORT"] = conn.peer[1]
    environ["wsgi.url_scheme"] = "https" if conn.tls else "http"
    environ["wsgi.input"] = io.BytesIO(req.body)
    environ["wsgi.errors"] = sys.stderr
    environ["werkzeug.socket"] = conn.sock  # a `drop` fault shuts it
    environ["CONTENT_LENGTH"] = str(len(req.body))
    return environ


def _head_environ(req: Request) -> dict[str, Any]:
    """The WSGI variables a request head gives (CGI names for its headers)."""
    path, _, query = req.target.partition("?")
    if path.startswith(("http://", "https://")):  # absolute-form target
        path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 else "/"
    environ: dict[str, Any] = {
        "REQUEST_METHOD": req.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path if path.isascii() and "%" not in path else unquote_to_bytes(path).decode("latin-1"),
        "QUERY_STRING": query,
        "RAW_URI": req.target,
        "REQUEST_URI": req.target,
        "SERVER_PROTOCOL": req.version,
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
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
    return environ


class Exchange:
    """Runs the app for one request and writes its answer on a blocking socket."""

    def __init__(self, conn: Conn, req: Request, environ: dict[str, Any], stopping: Callable[[], bool]):
        self.conn = conn
        self.req = req
        self.environ = environ
        self.stopping = stopping
        self.status = ""
        self.headers: list[tuple[str, str]] = []
        self.sent = False
        self.chunked = False
        self.code = 0
        self.bytes_out = 0
        self.keep_alive = req.keep_alive
        self.dropped = False
        self._pending = b""  # the CRLF that ends the last chunk sent

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
        lines = [f"HTTP/1.1 {code} {reason_phrase(code, given)}", f"Date: {dates.get()}"]
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
        if self.stopping():
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
        """Send one part of the body: the head and chunk framing travel with its first bytes,
        up to COALESCE_MAX in all (one copy of those; a multiple of the 16 KiB TLS record, so
        no short record follows the head), the rest is sent from the app's bytes uncopied
        (the TLS layer cuts it into records)."""
        if self.req.method == "HEAD":
            data = b""
        prefix = self._pending
        self._pending = b""
        if not self.sent:
            head = self._head()
            self.sent = True
            self.bytes_out -= len(head)
            prefix += head
        if self.chunked and data:
            prefix += b"%x\r\n" % len(data)
            self._pending = b"\r\n"  # goes out with the next part or the last chunk
        if len(data) <= COALESCE_MAX:
            if prefix or data:
                self._send(b"".join((prefix, data)) if prefix else data)
            return
        view = memoryview(data)
        cut = max(0, COALESCE_MAX - len(prefix))  # the first write fills whole TLS records
        self._send(b"".join((prefix, view[:cut])))
        self._send(view[cut:])

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
                    self._send(self._pending + b"0\r\n\r\n")
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
