"""HTTP/1.1 as bytes: request heads, bodies (length-framed or chunked), the limits the
server enforces before the app, and the answers it gives itself. Pure functions over a
buffer, no sockets, so every protocol edge case can be tested on its own
(`tests/serving/test_http1.py`)."""

from __future__ import annotations

import hmac
import json
import time
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from typing import Any

from ..domain.errors import UmapiError
from ..http.routes import ADMIN_PREFIX as _ADMIN_ROOT
from ..http.wire.errors import error_body

# Request bodies larger than this are refused with a 413 (the largest valid action body,
# 10 entries x 10 steps x 10 long names, is well under 1 MiB).
MAX_BODY = 4 * 1024 * 1024
# The admin API takes whole state documents (`PUT /_mock/state`): a big org's is large.
MAX_ADMIN_BODY = 512 * 1024 * 1024
ADMIN_PREFIX = _ADMIN_ROOT + "/"  # the endpoint table defines the prefix once
MAX_REQUEST_LINE = 8 * 1024
MAX_HEAD = 32 * 1024
MAX_CONNECTIONS = 1024
WORKERS = 16
KEEP_ALIVE_TIMEOUT = 120.0  # an idle keep-alive connection is closed after this
REQUEST_TIMEOUT = 10.0  # a request must arrive whole (head and body) within this from its first byte
HANDSHAKE_TIMEOUT = 10.0
WRITE_TIMEOUT = 30.0  # a client that reads an answer slower than this is cut off
MAX_CHUNK_LINE = 1024  # a chunk-size line (with extensions) longer than this is refused


@dataclass(frozen=True)
class Limits:
    """The server's resource bounds; every field is a CLI option of `serve`."""

    max_body: int = MAX_BODY
    max_admin_body: int = MAX_ADMIN_BODY  # for /_mock/ (state documents), with the admin token
    max_request_line: int = MAX_REQUEST_LINE
    max_head: int = MAX_HEAD
    max_connections: int = MAX_CONNECTIONS
    workers: int = WORKERS
    keep_alive_timeout: float = KEEP_ALIVE_TIMEOUT
    request_timeout: float = REQUEST_TIMEOUT
    handshake_timeout: float = HANDSHAKE_TIMEOUT
    write_timeout: float = WRITE_TIMEOUT


class Refusal(Exception):
    """A request the server answers itself, before the app: a catalogue error key, and the
    request line when it could be read (for the log line)."""

    def __init__(self, key: str, *, method: str | None = None, target: str | None = None, **params: Any):
        super().__init__(key)
        self.error = UmapiError(key, **params)
        self.method, self.target = method, target


class DateCache:
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


dates = DateCache()


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


@dataclass(eq=False)
class Head:
    """A parsed request head. Heads are shared: a keep-alive client sends the same head
    again and again (the same URL, token and headers), so it is parsed once (`read_head`)."""

    method: str
    target: str
    version: str
    headers: tuple[tuple[str, str], ...]
    known: dict[str, str]  # the values of `_SERVER_HEADERS`, by lower-case name
    environ: dict[str, Any] | None = None  # the WSGI variables it gives (`answer.environ_for` fills it)


@dataclass
class Request:
    """One parsed request, read whole before the app sees it."""

    method: str
    target: str
    version: str
    headers: list[tuple[str, str]]
    body: bytes
    keep_alive: bool
    started: float = 0.0
    head: Head | None = None


@dataclass(frozen=True)
class Incomplete:
    """More bytes are needed; `expects_continue` when the client waits for `100 Continue`
    before sending its body."""

    expects_continue: bool = False


# What `bytes.strip()` strips: header names and values keep the byte-level rules once decoded.
_WHITESPACE = " \t\r\n\x0b\x0c"
# The headers the server itself reads (framing, limits, keep-alive), found in one pass.
_SERVER_HEADERS = frozenset({"content-length", "transfer-encoding", "expect", "connection", "authorization"})


_HEADS: dict[tuple[int, bytes], Head] = {}  # by (request line limit, head bytes)
_HEADS_KEPT = 256  # distinct heads remembered (then forgotten all at once)
_HEAD_KEPT_MAX = 4096  # longer heads are parsed every time


def read_head(head: bytes, limits: Limits) -> Head:
    """`parse_head`, remembered for heads seen before (a refused head is never remembered)."""
    key = (limits.max_request_line, head)
    found = _HEADS.get(key)
    if found is None:
        found = parse_head(head, limits)
        if len(head) <= _HEAD_KEPT_MAX:
            if len(_HEADS) >= _HEADS_KEPT:
                _HEADS.clear()
            _HEADS[key] = found
    return found


def parse_head(head: bytes, limits: Limits) -> Head:
    """A request head without its final CRLFCRLF, decoded once (latin-1, byte for byte);
    repeated headers the server reads are joined with ", "."""
    line, crlf, rest = head.decode("latin-1").partition("\r\n")
    if len(line) > limits.max_request_line:
        raise Refusal("request.uri_too_long", limit=limits.max_request_line)
    parts = line.split(" ")
    if len(parts) != 3 or not (parts[0].isascii() and parts[0].isalpha()) or not parts[2].startswith("HTTP/1."):
        raise Refusal("request.malformed", detail="unreadable request line")
    method, target, version = parts
    if version not in ("HTTP/1.0", "HTTP/1.1"):
        raise Refusal("request.malformed", detail=f"unsupported protocol {version}")
    headers: list[tuple[str, str]] = []
    known: dict[str, str] = {}
    for raw in rest.split("\r\n") if crlf else ():
        if not raw:
            continue
        name, colon, value = raw.partition(":")
        # obsolete line folding (a line starting with a space) is refused, as RFC 7230 3.2.4 allows
        if not colon or not name or raw[0] in " \t" or name != name.strip(_WHITESPACE):
            raise Refusal("request.malformed", detail="unreadable header line")
        value = value.strip(_WHITESPACE)
        headers.append((name, value))
        lowered = name.lower()
        if lowered in _SERVER_HEADERS:
            known[lowered] = f"{known[lowered]}, {value}" if lowered in known else value
    return Head(method.upper(), target, version, tuple(headers), known)


def dechunk(buf: bytes | bytearray, start: int, limit: int, method: str, target: str) -> tuple[bytes, int] | None:
    """A chunked body that starts at `start` of `buf`: (body, end offset) once it is all
    there (trailers read and dropped), None while more is to come; refuses a body over
    `limit` from the chunk sizes, before their data arrives."""
    pos = start
    parts: list[bytes] = []
    total = 0
    view = memoryview(buf)
    try:
        while True:
            eol = buf.find(b"\r\n", pos)
            if eol < 0:
                if len(buf) - pos > MAX_CHUNK_LINE:
                    raise Refusal("request.malformed", detail="unreadable chunk size")
                return None
            size_text = bytes(view[pos:eol]).split(b";", 1)[0].strip()
            if not size_text or any(c not in b"0123456789abcdefABCDEF" for c in size_text):
                raise Refusal("request.malformed", detail="unreadable chunk size")
            size = int(size_text, 16)
            total += size
            if total > limit:
                raise Refusal("request.too_large", method=method, target=target, limit=limit)
            if size == 0:  # the last chunk; trailers (header lines, dropped) end with an empty line
                trailer_end = buf.find(b"\r\n\r\n", eol)
                if trailer_end < 0:
                    if len(buf) - eol > MAX_HEAD:
                        raise Refusal("request.headers_too_large", limit=MAX_HEAD)
                    return None
                return b"".join(parts), trailer_end + 4
            data_start = eol + 2
            data_end = data_start + size
            if len(buf) < data_end + 2:
                return None
            if buf[data_end : data_end + 2] != b"\r\n":
                raise Refusal("request.malformed", detail="bad chunk framing")
            parts.append(bytes(view[data_start:data_end]))
            pos = data_end + 2
    finally:
        view.release()


def body_limit(target: str, authorization: str | None, limits: Limits, admin_token: str | None) -> int:
    """The admin API takes state documents far larger than any UMAPI body, but only from a
    caller proven by the admin token: on a server without one, and for a request without
    it, /_mock/ keeps the UMAPI limit, so nobody unauthenticated can make the server hold a
    huge body (a big state load goes by the admin token or a file path)."""
    if admin_token is None or not target.startswith(ADMIN_PREFIX):
        return limits.max_body
    given = (authorization or "").encode("latin-1", "replace")
    if not hmac.compare_digest(given, f"Bearer {admin_token}".encode("latin-1", "replace")):
        return limits.max_body
    return limits.max_admin_body


def take_request(buf: bytearray, limits: Limits, admin_token: str | None = None) -> tuple[Request, int] | Incomplete:
    """The request at the front of `buf` and the offset where it ends (a pipelined one may
    follow), or Incomplete while bytes are missing. Raises Refusal for a request the
    server must answer itself: limits are checked as soon as what they bound is known."""
    head_end = buf.find(b"\r\n\r\n")
    if head_end < 0:
        first_line_end = buf.find(b"\r\n")
        if (first_line_end < 0 and len(buf) > limits.max_request_line) or first_line_end > limits.max_request_line:
            raise Refusal("request.uri_too_long", limit=limits.max_request_line)
        if len(buf) > limits.max_head:
            raise Refusal("request.headers_too_large", limit=limits.max_head)
        return Incomplete()
    if head_end > limits.max_head:
        raise Refusal("request.headers_too_large", limit=limits.max_head)
    with memoryview(buf) as view:
        parsed = read_head(bytes(view[:head_end]), limits)
    method, target, version, known = parsed.method, parsed.target, parsed.version, parsed.known
    max_body = body_limit(target, known.get("authorization"), limits, admin_token)
    body_start = head_end + 4
    length_text = known.get("content-length")
    chunked = "chunked" in known.get("transfer-encoding", "").lower()
    if chunked and length_text is not None:
        raise Refusal("request.malformed", detail="both Content-Length and Transfer-Encoding")
    expects_continue = known.get("expect", "").lower() == "100-continue"
    if chunked:
        done = dechunk(buf, body_start, max_body, method, target)
        if done is None:
            return Incomplete(expects_continue)
        body, end = done
    else:
        length = 0
        if length_text is not None:
            if not length_text.strip().isdigit():
                raise Refusal("request.malformed", detail=f"bad Content-Length {length_text!r}")
            length = int(length_text)
        if length > max_body:
            raise Refusal("request.too_large", method=method, target=target, limit=max_body)
        end = body_start + length
        if len(buf) < end:
            return Incomplete(expects_continue)
        with memoryview(buf) as view:  # one copy of the body, not a slice and then a copy
            body = bytes(view[body_start:end])
    connection = known.get("connection", "").lower()
    keep_alive = "close" not in connection if version == "HTTP/1.1" else "keep-alive" in connection
    return Request(method, target, version, list(parsed.headers), body, keep_alive, head=parsed), end


def looks_like_plain_http(first: bytes) -> bool:
    """True when the first bytes on a TLS port are an HTTP request line, not a ClientHello
    (whose first byte is 0x16, a TLS handshake record)."""
    word = first.split(b" ", 1)[0]
    return bool(first) and first[:1] != b"\x16" and word.isalpha() and word.isupper() and len(word) <= 10


PLAIN_HTTP_ON_TLS_BODY = b"This port speaks HTTPS: use https:// in the URL.\n"


def plain_http_on_tls_bytes() -> bytes:
    """The whole answer to plain HTTP sent to the HTTPS port (a 400 with a short text, as
    nginx answers it), then the connection closes."""
    body = PLAIN_HTTP_ON_TLS_BODY
    return (
        f"HTTP/1.1 400 Bad Request\r\nDate: {dates.get()}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode("latin-1") + body


def refusal_bytes(error: UmapiError, *, request_id: str = "") -> bytes:
    """A whole HTTP answer (closing the connection) for an error the server gives itself."""
    body = json.dumps(error_body(error) or {}, separators=(",", ":")).encode()
    code = error.spec.status
    lines = [
        f"HTTP/1.1 {code} {reason_phrase(code)}",
        f"Date: {dates.get()}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
    ]
    lines += [f"{k}: {v}" for k, v in error.spec.headers.items()]
    if request_id:
        lines.append(f"X-Request-Id: {request_id}")
    lines += ["Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1") + body
