"""How answers go on the wire (`umapi_mock/serving/answer.py`), with a plain WSGI app on the
real server: chunked framing when the app gives no length, large bodies whole, HEAD."""

from __future__ import annotations

import socket

import pytest

from umapi_mock.server import ServedEmulator

PARTS = [b"a" * 10, b"", b"b" * 200_000, b"c", b"d" * 70_000]
WHOLE = b"".join(PARTS)


def app(environ, start_response):
    if environ["PATH_INFO"] == "/sized":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(WHOLE)))])
        return [WHOLE]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return iter(PARTS)


@pytest.fixture(scope="module")
def served():
    with ServedEmulator(app) as served:
        yield served


def _all(served: ServedEmulator, request: bytes) -> tuple[bytes, bytes]:
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head, body


def _dechunk(body: bytes) -> bytes:
    out, pos = b"", 0
    while True:
        eol = body.index(b"\r\n", pos)
        size = int(body[pos:eol], 16)
        if size == 0:
            assert body[eol:] == b"\r\n\r\n"  # nothing after the last chunk
            return out
        out += body[eol + 2 : eol + 2 + size]
        assert body[eol + 2 + size : eol + 4 + size] == b"\r\n"
        pos = eol + 4 + size


def test_an_answer_without_a_length_is_chunked_and_framed_exactly(served) -> None:
    head, body = _all(served, b"GET /parts HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in head
    assert _dechunk(body) == WHOLE


def test_an_answer_without_a_length_to_http_1_0_is_whole_and_closes(served) -> None:
    head, body = _all(served, b"GET /parts HTTP/1.0\r\n\r\n")
    assert b"Transfer-Encoding" not in head and b"Connection: close" in head
    assert body == WHOLE


def test_a_large_sized_answer_arrives_whole(served) -> None:
    head, body = _all(served, b"GET /sized HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert f"Content-Length: {len(WHOLE)}".encode() in head and body == WHOLE


def test_head_sends_no_body(served) -> None:
    head, body = _all(served, b"HEAD /sized HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK") and body == b""
