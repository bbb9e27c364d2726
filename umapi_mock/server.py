"""Serving an emulator app on a real socket: used by `umapi-mock serve`, the pytest plugin
and the benchmarks, so all three run the same server stack."""
from __future__ import annotations

import ssl
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if self.server.log_requests:  # type: ignore[attr-defined]
            super().log_request(code, size)


class ServedEmulator:
    """A WSGI app on host:port (HTTPS when given a context), in a background thread."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, *, ssl_context: ssl.SSLContext | None = None, log_requests: bool = False):
        self.app = app
        self.scheme = "https" if ssl_context else "http"
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, ssl_context=ssl_context, request_handler=_QuietHandler
        )
        self._server.log_requests = log_requests  # type: ignore[attr-defined]
        self._server.daemon_threads = True
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

    def start(self) -> "ServedEmulator":
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"umapi-mock:{self.port}", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "ServedEmulator":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
