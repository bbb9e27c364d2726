"""Serving an emulator app on a real socket: used by `umapi-mock serve`, the pytest plugin
and the benchmarks, so all three run the same server stack.

The stack is werkzeug's threaded server (one thread per connection) with its own request
handler, which keeps HTTP/1.1 connections open between requests. Werkzeug's development
handler answers every request with `Connection: close`, so a client such as the official
`umapi-client` (a `requests.Session`) paid a TCP and TLS handshake per call. TLS handshakes
run in the connection's thread rather than in the accept loop, so one slow or non-TLS
client cannot stall the others.
"""

from __future__ import annotations

import io
import socket
import ssl
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

# Request bodies up to this size are read before the app runs, which leaves the
# connection positioned at the next request whatever the app consumed. Larger bodies are
# streamed to the app and the connection is closed after the response.
BUFFERED_BODY_MAX = 4 * 1024 * 1024
# An idle keep-alive connection is closed after this many seconds.
KEEP_ALIVE_TIMEOUT = 120.0
# The status line and headers go out in the same write as a body up to this size.
COALESCE_MAX = 64 * 1024
HANDSHAKE_TIMEOUT = 10.0

_NO_BODY_STATUSES = frozenset({204, 304})


class _DateCache:
    """The `Date` header, formatted once per second."""

    def __init__(self) -> None:
        self._second = -1
        self._value = ""

    def get(self, handler: WSGIRequestHandler) -> str:
        now = int(time.time())
        if now != self._second:
            self._value = handler.date_time_string(now)
            self._second = now
        return self._value


_dates = _DateCache()


class KeepAliveHandler(WSGIRequestHandler):
    """Runs the WSGI app for each request on a connection until the client closes it,
    asks to close it, or stays idle for KEEP_ALIVE_TIMEOUT seconds."""

    protocol_version = "HTTP/1.1"
    timeout = KEEP_ALIVE_TIMEOUT

    def handle(self) -> None:
        conn = self.connection
        try:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except (OSError, AttributeError):
            pass  # not a TCP socket
        if isinstance(conn, ssl.SSLSocket):
            try:
                conn.settimeout(HANDSHAKE_TIMEOUT)
                conn.do_handshake()
                conn.settimeout(self.timeout)
            except (OSError, ValueError):  # ssl.SSLError is an OSError
                self.close_connection = True
                return
        tracked = getattr(self.server, "track", None)
        if tracked is not None:
            tracked(conn, True)
        try:
            super().handle()
        finally:
            if tracked is not None:
                tracked(conn, False)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if getattr(self.server, "log_requests", False):
            super().log_request(code, size)

    def log_error(self, format: str, *args: Any) -> None:
        if format.startswith("Request timed out"):
            return  # an idle keep-alive connection reaching its timeout is not an error
        super().log_error(format, *args)

    def run_wsgi(self) -> None:
        headers = self.headers
        if headers.get("Expect", "").strip().lower() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        environ = self.environ = self.make_environ()
        if "wsgi.input_terminated" in environ:
            # A chunked request body is read by the app through werkzeug's dechunker;
            # what it leaves unread cannot be skipped safely, so the connection ends.
            self.close_connection = True
        else:
            raw_length = headers.get("Content-Length")
            length = _content_length(raw_length)
            if length is None:
                environ["wsgi.input"] = io.BytesIO()
                if raw_length is not None:
                    self.close_connection = True  # a body of unknown length may follow
            elif length <= BUFFERED_BODY_MAX:
                body = self.rfile.read(length) if length else b""
                if len(body) < length:
                    self.close_connection = True
                environ["wsgi.input"] = io.BytesIO(body)
            else:
                self.close_connection = True
        if self.request_version < "HTTP/1.1":
            self.close_connection = True
        _Exchange(self, environ).run()


class _Exchange:
    """One request/response on a connection: start_response, write and error handling."""

    __slots__ = ("handler", "environ", "status", "headers", "sent", "chunked", "code")

    def __init__(self, handler: KeepAliveHandler, environ: dict[str, Any]):
        self.handler = handler
        self.environ = environ
        self.status: str | None = None
        self.headers: list[tuple[str, str]] | None = None
        self.sent = False
        self.chunked = False
        self.code = 0

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        if exc_info:
            try:
                if self.sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.headers is not None:
            raise AssertionError("Headers already set")
        self.status = status
        self.headers = headers
        return self.write

    def _head(self) -> bytes:
        handler = self.handler
        assert self.status is not None and self.headers is not None, "write() before start_response"
        code_text, _, reason = self.status.partition(" ")
        self.code = code = int(code_text)
        lines = [f"{handler.protocol_version} {code} {reason}", f"Date: {_dates.get(handler)}"]
        has_length = has_server = False
        for key, value in self.headers:
            lines.append(f"{key}: {value}")
            lowered = key.lower()
            if lowered == "content-length":
                has_length = True
            elif lowered == "server":
                has_server = True  # e.g. the gateway's `Server: APIP` on a 429
        if not has_server:
            lines.insert(1, f"Server: {handler.version_string()}")
        if not has_length and not (
            self.environ["REQUEST_METHOD"] == "HEAD" or 100 <= code < 200 or code in _NO_BODY_STATUSES
        ):
            if handler.request_version >= "HTTP/1.1":
                self.chunked = True
                lines.append("Transfer-Encoding: chunked")
            else:
                handler.close_connection = True
        if handler.close_connection:
            lines.append("Connection: close")
        lines.append("\r\n")
        handler.log_request(code)
        return "\r\n".join(lines).encode("latin-1")

    def write(self, data: bytes) -> None:
        assert isinstance(data, bytes), "applications must write bytes"
        out = self.handler.wfile
        if not self.sent:
            head = self._head()
            self.sent = True
            if self.chunked and data:
                data = b"%x\r\n%s\r\n" % (len(data), data)
            if len(data) <= COALESCE_MAX:
                out.write(head + data)
                return
            # A large body: the head travels with its first part (no TLS record and
            # segment of its own), the rest is sent from the body itself, uncopied.
            out.write(head + data[:COALESCE_MAX])
            out.write(memoryview(data)[COALESCE_MAX:])
            return
        elif self.chunked and data:
            data = b"%x\r\n%s\r\n" % (len(data), data)
        if data:
            out.write(data)

    def run(self) -> None:
        handler = self.handler
        try:
            self._execute(handler.server.app)
        except (TimeoutError, ConnectionError) as error:
            handler.close_connection = True
            handler.connection_dropped(error, self.environ)
        except Exception as error:
            if getattr(handler.server, "passthrough_errors", False):
                raise
            handler.close_connection = True
            if not self.sent:
                from werkzeug.exceptions import InternalServerError

                self.status = self.headers = None
                try:
                    self._execute(InternalServerError())
                except Exception:
                    pass
            from werkzeug.debug.tbtools import DebugTraceback

            handler.server.log("error", f"Error on request:\n{DebugTraceback(error).render_traceback_text()}")

    def _execute(self, app: Callable[..., Iterable[bytes]]) -> None:
        result = app(self.environ, self.start_response)
        try:
            for data in result:
                self.write(data)
            if not self.sent:
                self.write(b"")
            if self.chunked:
                self.handler.wfile.write(b"0\r\n\r\n")
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()


def _content_length(value: str | None) -> int | None:
    if value is None:
        return None
    value = value.strip()
    if not value.isdigit():
        return None
    return int(value)


class KeepAliveServer(ThreadedWSGIServer):
    """Werkzeug's threaded WSGI server, with TLS handshakes moved out of the accept loop
    and a record of open connections so stopping the server also ends idle ones."""

    daemon_threads = True
    log_requests = False

    def __init__(self, host: str, port: int, app: Any, *, ssl_context: ssl.SSLContext | None = None):
        super().__init__(host, port, app, handler=KeepAliveHandler)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        if ssl_context is not None:
            self.socket = ssl_context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)
            self.ssl_context = ssl_context

    def track(self, conn: socket.socket, opened: bool) -> None:
        with self._connections_lock:
            if opened:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def close_connections(self) -> None:
        with self._connections_lock:
            conns = list(self._connections)
            self._connections.clear()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, socket.timeout, ssl.SSLError)):
            return
        super().handle_error(request, client_address)


class ServedEmulator:
    """A WSGI app on host:port (HTTPS when given a context), in a background thread."""

    def __init__(
        self,
        app: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        ssl_context: ssl.SSLContext | None = None,
        log_requests: bool = False,
    ):
        self.app = app
        self.scheme = "https" if ssl_context else "http"
        self._server = KeepAliveServer(host, port, app, ssl_context=ssl_context)
        self._server.log_requests = log_requests
        self.host = host
        self.port = self._server.server_port
        self._thread: threading.Thread | None = None

    @property
    def netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.netloc}"

    def start(self) -> ServedEmulator:
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"umapi-mock:{self.port}", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._server.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ServedEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
