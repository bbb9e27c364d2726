"""The emulator's logs: one line per request on `umapi_mock.access`, server events on
`umapi_mock.server`, both formatted as text or JSON by `configure()`.

A request line carries time, request id, client id (the API key, never a secret), method,
path (secrets redacted by the caller: by name, by value, JWTs), status, latency, bytes sent and which layer answered
(handler, fault, throttle, or server for requests refused before the app). Colour codes
are written only to a terminal.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import IO, Any

ACCESS = "umapi_mock.access"
LEVELS = ("debug", "info", "warning", "error")
FORMATS = ("text", "json")

server_log = logging.getLogger("umapi_mock.server")
_access = logging.getLogger(ACCESS)

_COLOURS = {"DEBUG": "\x1b[2m", "INFO": "\x1b[32m", "WARNING": "\x1b[33m", "ERROR": "\x1b[31m", "CRITICAL": "\x1b[31m"}
_RESET = "\x1b[0m"


class AccessLog:
    """Writes request lines; `enabled()` lets the server skip building one nobody reads."""

    def enabled(self) -> bool:
        return _access.isEnabledFor(logging.INFO)

    def request(
        self,
        *,
        method: str | None,
        path: str | None,
        status: int | None,
        latency_ms: float,
        bytes_out: int,
        answered_by: str,
        request_id: str | None = None,
        client_id: str | None = None,
        peer: str | None = None,
    ) -> None:
        if not self.enabled():
            return
        fields = {
            "request_id": request_id,
            "client_id": client_id,
            "method": method,
            "path": path,  # redacted by the caller
            "status": status,
            "latency_ms": round(latency_ms, 3),
            "bytes": bytes_out,
            "answered_by": answered_by,
            "peer": peer,
        }
        _access.info("request", extra={"umapi_fields": fields})


access_log = AccessLog()


def _iso(created: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created)) + f".{int(created % 1 * 1000):03d}Z"


class TextFormatter(logging.Formatter):
    def __init__(self, colour: bool = False):
        super().__init__()
        self.colour = colour

    def format(self, record: logging.LogRecord) -> str:
        level = record.levelname
        if self.colour:
            level = f"{_COLOURS.get(level, '')}{level}{_RESET}"
        fields = getattr(record, "umapi_fields", None)
        if fields is not None:
            status = "dropped" if fields["status"] is None else fields["status"]
            text = (
                f"{fields['method'] or '-'} {fields['path'] or '-'} {status} {fields['latency_ms']:.1f}ms"
                f" {fields['bytes']}B by={fields['answered_by']} id={fields['request_id'] or '-'}"
                f" client={fields['client_id'] or '-'} peer={fields['peer'] or '-'}"
            )
        else:
            text = record.getMessage()
        line = f"{_iso(record.created)} {level} {text}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {"time": _iso(record.created), "level": record.levelname.lower(), "logger": record.name}
        fields = getattr(record, "umapi_fields", None)
        if fields is not None:
            out["event"] = "request"
            out.update(fields)
        else:
            out["message"] = record.getMessage()
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, separators=(",", ":"), ensure_ascii=False)


def configure(fmt: str = "text", level: str = "warning", stream: IO[str] | None = None) -> logging.Handler:
    """Send the emulator's logs to `stream` (stderr) in `fmt` at `level`; returns the handler."""
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}")
    if level not in LEVELS:
        raise ValueError(f"log level must be one of {', '.join(LEVELS)}")
    stream = stream or sys.stderr
    handler = logging.StreamHandler(stream)
    isatty = getattr(stream, "isatty", None)
    colour = bool(isatty and isatty())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter(colour))
    root = logging.getLogger("umapi_mock")
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    root.propagate = False
    return handler
