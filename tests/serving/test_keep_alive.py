"""The requests that follow an answer on a keep-alive connection, plain and HTTPS: whether the
next request comes at once (the worker that answered reads it), in pieces, late, refused or
not at all (the I/O thread takes the connection back), every one gets the answer it would get
on a fresh connection, and every deadline still holds."""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from umapi_mock.config import Config
from umapi_mock.http.app import create_app
from umapi_mock.server import Limits, ServedEmulator

from .conftest import closed_by_peer, read_response, serving

STATUS = b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n"
TOKEN_BODY = b"grant_type=client_credentials&client_id=test-client&client_secret=test-secret&scope=openid"
TOKEN_HEAD = (
    b"POST /ims/token/v2 HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    b"Content-Length: %d\r\n" % len(TOKEN_BODY)
)
LIMITS = Limits(max_body=1024, request_timeout=1.0)


def _until(condition: Any, what: str, bound: float = 60.0) -> None:
    """Poll `condition` (a hang guard, not a speed target)."""
    end = time.monotonic() + bound
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.05)


@pytest.fixture(params=["http", "https"])
def served(request: pytest.FixtureRequest, tls_files: Any) -> Iterator[tuple[ServedEmulator, Any]]:
    tls = request.param == "https"
    with serving(LIMITS, ssl_context=tls_files.server_context() if tls else None) as served:
        yield served, ssl.create_default_context(cafile=str(tls_files.ca_cert)) if tls else None


@contextmanager
def connection(served: tuple[ServedEmulator, Any]) -> Iterator[socket.socket]:
    server, context = served
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    if context is not None:
        sock = context.wrap_socket(sock, server_hostname="127.0.0.1")
    try:
        yield sock
    finally:
        sock.close()


def answered(sock: socket.socket, request: bytes = STATUS) -> int:
    sock.sendall(request)
    return read_response(sock).status


def test_requests_sent_as_soon_as_each_answer_arrives_are_all_answered_on_one_connection(served) -> None:
    with connection(served) as sock:
        ids = set()
        for _ in range(30):
            sock.sendall(STATUS)
            r = read_response(sock)
            assert r.status == 200 and r.headers["connection"] == "keep-alive"
            ids.add(r.headers["x-request-id"])
        assert len(ids) == 30
        assert answered(sock, TOKEN_HEAD + b"\r\n" + TOKEN_BODY) == 200  # a body right after, too
        for _ in range(10):  # a head, then its body in a write of its own (as most clients send a POST)
            sock.sendall(TOKEN_HEAD + b"\r\n")
            assert answered(sock, TOKEN_BODY) == 200
        assert served[0].server.open_connections == 1


def test_a_request_sent_in_pieces_after_an_answer_is_answered(served) -> None:
    with connection(served) as sock:
        assert answered(sock) == 200
        sock.sendall(b"GET /status HTTP/1.1\r\n")  # the head's start at once, its end later
        time.sleep(0.2)
        sock.sendall(b"Host: x\r\n\r\n")
        assert read_response(sock).status == 200
        sock.sendall(TOKEN_HEAD + b"\r\n")  # a head at once, its body later
        time.sleep(0.2)
        sock.sendall(TOKEN_BODY)
        assert read_response(sock).status == 200
        assert answered(sock) == 200


def test_expect_100_continue_right_after_an_answer(served) -> None:
    with connection(served) as sock:
        assert answered(sock) == 200
        sock.sendall(TOKEN_HEAD + b"Expect: 100-continue\r\n\r\n")
        assert sock.recv(64) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(TOKEN_BODY)
        assert read_response(sock).status == 200


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"POST /ims/token/v2 HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n", 413),
        (b"GET /status HTTP/1.1\r\nHost x\r\n\r\n", 400),
    ],
)
def test_a_request_refused_right_after_an_answer_gets_its_refusal_and_the_connection_closes(
    served, request_bytes: bytes, status: int
) -> None:
    with connection(served) as sock:
        assert answered(sock) == 200
        sock.sendall(request_bytes)
        r = read_response(sock)
        assert r.status == status and r.headers["connection"] == "close"
        assert closed_by_peer(sock)


def test_a_request_left_half_sent_after_an_answer_is_closed_at_the_request_timeout(served) -> None:
    with connection(served) as sock:
        assert answered(sock) == 200
        sock.sendall(b"GET /status HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # and never the rest
        assert closed_by_peer(sock)  # within the socket's 10 s, long before the idle timeout
    _until(lambda: served[0].server.open_connections == 0, "the half-sent request's connection closed")


def test_a_client_that_leaves_after_an_answer_leaves_no_connection_open(served) -> None:
    for leave in ("close", "shutdown"):
        with connection(served) as sock:
            assert answered(sock) == 200
            if leave == "shutdown":
                sock.shutdown(socket.SHUT_WR)
                assert closed_by_peer(sock)
        _until(lambda: served[0].server.open_connections == 0, f"the connection closed after {leave}")
        _until(lambda: served[0].server.in_flight == 0, "no worker holds a connection")


def test_a_late_next_request_is_answered(served) -> None:
    """Later than a worker waits: the I/O thread has the connection back and reads it."""
    with connection(served) as sock:
        assert answered(sock) == 200
        _until(lambda: served[0].server.in_flight == 0, "the connection back with the I/O loop")
        assert answered(sock) == 200


def test_the_same_head_again_carries_its_own_body_each_time(served) -> None:
    """A client repeats one head (heads are parsed once and shared): each request still gets
    its own body, and nothing the app added to one request's environ reaches the next."""
    wrong = TOKEN_BODY.replace(b"test-secret", b"test-secreX")
    with connection(served) as sock:
        for body, status in ((TOKEN_BODY, 200), (wrong, 401), (TOKEN_BODY, 200), (wrong, 401)):
            sock.sendall(TOKEN_HEAD + b"\r\n" + body)
            assert read_response(sock).status == status


@pytest.mark.parametrize("tls", [False, True])
def test_a_stop_right_after_an_answer_finishes_and_closes_the_connection(tls_files, tls: bool) -> None:
    """The worker that answered may be waiting for the connection's next request: a
    graceful stop still reports every request answered, and the client sees the close."""
    context = tls_files.server_context() if tls else None
    server = ServedEmulator(create_app(Config()), "127.0.0.1", 0, ssl_context=context).start()
    client = ssl.create_default_context(cafile=str(tls_files.ca_cert)) if tls else None
    with connection((server, client)) as sock:
        assert answered(sock) == 200
        assert server.stop() is True
        assert closed_by_peer(sock)
