"""Requests the server answers itself, before the app: a body over the limit (413), an
over-long request line (414), oversized headers (431), unreadable requests (400), all as
JSON; and what every answer looks like on the wire (reason phrases, no Server header)."""

from __future__ import annotations

import socket

import pytest
import requests

from umapi_mock.config import Config
from umapi_mock.server import Limits

from .conftest import (
    DEMO_ORG_ID,
    ServeProcess,
    add_fault,
    closed_by_peer,
    connect,
    exchange,
    read_response,
    serving,
    session,
    umapi_headers,
)

ACTION = f"/v2/usermanagement/action/{DEMO_ORG_ID}"
LIMIT = 64 * 1024


@pytest.fixture(scope="module")
def served():
    with serving(Limits(max_body=LIMIT, max_request_line=2048, max_head=8192)) as served:
        yield served


def test_413_as_soon_as_the_announced_length_is_over_the_limit(served) -> None:
    """Only the head is sent: the answer comes without the body ever being read."""
    with connect(served) as sock:
        sock.sendall(
            f"POST {ACTION} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {LIMIT + 1}\r\n\r\n".encode()
        )
        r = read_response(sock)
        assert closed_by_peer(sock)
    assert r.status_line == "HTTP/1.1 413 Request Entity Too Large"
    assert r.headers["content-type"] == "application/json" and r.headers["connection"] == "close"
    assert r.json() == {"error_code": "413000", "message": f"Request body larger than {LIMIT} bytes"}


@pytest.mark.parametrize("authenticated", [False, True])
def test_413_for_a_whole_body_sent_by_a_client(served, authenticated) -> None:
    headers = umapi_headers(served.url) if authenticated else {}
    r = session().post(served.url + ACTION, data=b"[" + b" " * (LIMIT * 4) + b"]", headers=headers, timeout=30)
    assert r.status_code == 413 and r.json()["error_code"] == "413000"
    # the server still answers normally afterwards
    assert session().get(served.url + "/status", timeout=10).status_code == 200


def test_without_an_admin_token_admin_bodies_over_the_limit_are_refused_unread(served) -> None:
    """No admin token: nobody is proven to be the operator, so /_mock/ keeps the UMAPI limit
    and a big state document is refused from its Content-Length, before a byte is read."""
    state = session().get(served.url + "/_mock/state", timeout=30)
    assert len(state.content) > LIMIT
    with connect(served) as sock:
        sock.sendall(
            f"PUT /_mock/state HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(state.content)}\r\n\r\n".encode()
        )
        r = read_response(sock)
        assert closed_by_peer(sock)
    assert r.status == 413 and r.headers["content-type"] == "application/json"
    assert r.json() == {"error_code": "413000", "message": f"Request body larger than {LIMIT} bytes"}
    small = {"orgs": [{"id": DEMO_ORG_ID}]}
    assert session().put(served.url + "/_mock/state", json=small, timeout=30).status_code == 200  # small ones pass
    assert session().post(served.url + "/_mock/reset", timeout=30).status_code == 200  # the seed again


def test_with_an_admin_token_only_its_holder_may_send_a_large_admin_body() -> None:
    """With an admin token set, a request carrying it may send up to --max-admin-body;
    without it (or with a wrong one), /_mock/ keeps the UMAPI limit."""
    config = Config(admin_token="let-me-in")
    with serving(Limits(max_body=LIMIT), config=config) as served:
        auth = {"Authorization": "Bearer let-me-in"}
        state = session().get(served.url + "/_mock/state", headers=auth, timeout=30)
        assert state.status_code == 200 and len(state.content) > LIMIT
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            r = session().put(served.url + "/_mock/state", data=state.content, headers=headers, timeout=60)
            assert r.status_code == 413 and r.json()["error_code"] == "413000"
        r = session().put(served.url + "/_mock/state", data=state.content, headers=auth, timeout=60)
        assert r.status_code == 200, r.text


def test_413_for_a_chunked_body_over_the_limit(served) -> None:
    def chunks():
        for _ in range(8):
            yield b"x" * (LIMIT // 4)

    r = session().post(served.url + ACTION, data=chunks(), timeout=30)
    assert r.status_code == 413


def test_a_chunked_body_within_the_limit_reaches_the_app(served) -> None:
    def chunks():
        yield b"grant_type=client_credentials&client_id=test-client"
        yield b"&client_secret=test-secret&scope=openid,AdobeID,user_management_sdk"

    r = session().post(
        served.url + "/ims/token/v2",
        data=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert r.status_code == 200 and r.json()["token_type"] == "bearer"


def test_414_for_an_over_long_request_line(served) -> None:
    r = exchange(served, f"GET /status?x={'a' * 4096} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert r.status_line == "HTTP/1.1 414 Request-URI Too Long"
    assert r.json() == {"error_code": "414000", "message": "Request line longer than 2048 bytes"}


def test_414_before_the_request_line_ends(served) -> None:
    with connect(served) as sock:
        sock.sendall(b"GET /" + b"a" * 4096)  # no end of line yet
        r = read_response(sock)
    assert r.status == 414


def test_431_for_oversized_headers(served) -> None:
    headers = "".join(f"X-Filler-{i}: {'b' * 100}\r\n" for i in range(100))
    r = exchange(served, f"GET /status HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode())
    assert r.status_line == "HTTP/1.1 431 Request Header Fields Too Large"
    assert r.json()["error_code"] == "431000"


@pytest.mark.parametrize(
    "raw",
    [
        b"NONSENSE\r\n\r\n",
        b"GET /status HTTP/2.0\r\nHost: x\r\n\r\n",
        b"GET /status HTTP/1.1\r\nno colon here\r\n\r\n",
        b"POST /status HTTP/1.1\r\nContent-Length: ten\r\n\r\n",
        b"POST /status HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"POST /status HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ],
    ids=["request-line", "protocol", "header-line", "content-length", "length-and-chunked", "chunk-size"],
)
def test_400_json_for_unreadable_requests(served, raw) -> None:
    r = exchange(served, raw)
    assert r.status_line == "HTTP/1.1 400 Bad Request"
    body = r.json()
    assert body["error_code"] == "400000" and body["message"].startswith("Bad request: ")


def test_standard_reason_phrases_and_no_server_header(served) -> None:
    add_fault(served.url, {"id": "svc", "match": {"path": "/status"}, "respond": {"status": 503}, "times": 1})
    r = exchange(served, b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n")
    assert r.status_line == "HTTP/1.1 503 Service Unavailable"
    assert "server" not in r.headers
    r = exchange(served, b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n")
    assert r.status_line == "HTTP/1.1 200 OK" and "server" not in r.headers
    assert r.headers["connection"] == "keep-alive"  # as the documented answers show
    r = exchange(served, b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n")
    assert r.status_line == "HTTP/1.1 404 Not Found"


def test_the_gateway_server_header_of_a_429_is_kept(served) -> None:
    add_fault(served.url, {"match": {"path": "/status"}, "respond": {"status": 429}, "times": 1})
    r = exchange(served, b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n")
    assert r.status_line == "HTTP/1.1 429 Too Many Requests" and r.headers["server"] == "APIP"


def test_pipelined_requests_are_answered_in_order(served) -> None:
    with connect(served) as sock:
        sock.sendall(b"GET /status HTTP/1.1\r\nHost: x\r\n\r\nGET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n")
        first, second = read_response(sock), read_response(sock)
    assert (first.status, second.status) == (200, 404)


def test_expect_100_continue(served) -> None:
    body = b"grant_type=client_credentials&client_id=test-client&client_secret=test-secret&scope=openid"
    with connect(served) as sock:
        sock.sendall(
            b"POST /ims/token/v2 HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n" % len(body)
        )
        assert sock.recv(64) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(body)
        assert read_response(sock).status == 200


def test_a_drop_fault_closes_the_connection_without_an_answer(served) -> None:
    add_fault(served.url, {"match": {"path": "/status"}, "respond": {"drop": True}, "times": 1})
    with pytest.raises(requests.ConnectionError):
        session().get(served.url + "/status", timeout=10)
    assert session().get(served.url + "/status", timeout=10).status_code == 200


def test_header_names_with_underscores_are_not_taken_for_dashes(served) -> None:
    """`X_Api_Key` must not pass for `X-Api-Key` (the same WSGI variable)."""
    with connect(served) as sock:
        sock.sendall(
            f"GET /v2/usermanagement/groups/{DEMO_ORG_ID}/0 HTTP/1.1\r\nX_Api_Key: test-client\r\n\r\n".encode()
        )
        r = read_response(sock)
    assert r.json()["error_code"] == "403000"  # the API key is missing


def test_rss_does_not_grow_across_refused_bodies(tmp_path, processes) -> None:
    """Ten 20 MB bodies, unauthenticated and authenticated, against the default limit."""
    server = ServeProcess("--max-body", "1M", cwd=tmp_path)
    processes.append(server)
    headers = umapi_headers(server.url)
    body = b"[" + b" " * (20 * 1024 * 1024) + b"]"
    r = session().post(server.url + ACTION, data=body, timeout=60)  # warm up
    assert r.status_code == 413
    before = server.rss_kib()
    for i in range(10):
        r = session().post(server.url + ACTION, data=body, headers=headers if i % 2 else {}, timeout=60)
        assert r.status_code == 413
    grown = server.rss_kib() - before
    assert grown < 8 * 1024, f"RSS grew by {grown} KiB across 10 refused 20 MB bodies"


def test_unauthenticated_bodies_within_the_limit_are_not_kept(tmp_path, processes) -> None:
    """403s for large (allowed) bodies: nothing of them stays in memory (the journal's digest
    memo used to keep them)."""
    server = ServeProcess(cwd=tmp_path)
    processes.append(server)
    body = b"[" + b" " * (3 * 1024 * 1024) + b"]"
    for _ in range(10):  # warm every worker's buffers first: growth after that is retention
        assert session().post(server.url + ACTION, data=body, timeout=60).status_code == 403
    before = server.rss_kib()
    for _ in range(10):
        assert session().post(server.url + ACTION, data=body, timeout=60).status_code == 403
    grown = server.rss_kib() - before
    assert grown < 12 * 1024, f"RSS grew by {grown} KiB across 10 refused 3 MB bodies"


def test_socket_helpers_see_a_close(served) -> None:
    """The tests' own helper: a connection the server closed reads as closed."""
    with connect(served, timeout=2) as sock:
        sock.sendall(b"GET /status HTTP/1.1\r\nConnection: close\r\n\r\n")
        read_response(sock)
        assert closed_by_peer(sock)
    with connect(served, timeout=0.2) as sock:
        assert not closed_by_peer(sock)
        sock.shutdown(socket.SHUT_WR)
