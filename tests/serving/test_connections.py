"""Connections under load and abuse: the connection cap, idle connections that hold no
thread, slowloris (half-sent requests closed at the request timeout while others are
served), the idle timeout, and clients that go away (one debug line, no traceback)."""

from __future__ import annotations

import io
import logging
import resource
import socket
import ssl
import threading
import time

import pytest

from tests.processes import ServeProcess
from umapi_mock import logs
from umapi_mock.config import Config
from umapi_mock.server import Limits

from .conftest import DEMO_ORG_ID, closed_by_peer, connect, read_response, serving, session, umapi_headers

STATUS = b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n"


def _until(condition, what: str, bound: float = 60.0) -> None:
    """Poll `condition` (a hang guard, not a speed target)."""
    end = time.monotonic() + bound
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.05)


def test_at_the_cap_new_clients_wait_while_every_connection_is_mid_request() -> None:
    """Half-sent requests are not idle: they are never cut to make room (the request
    timeout bounds them), so a new client waits in the backlog until one is answered."""
    with serving(Limits(max_connections=2)) as served:
        busy = [connect(served) for _ in range(2)]
        for sock in busy:
            sock.sendall(b"GET /status HTTP/1.1\r\nHost: x\r\n")  # the empty line still to come
        _until(lambda: served.server.open_connections == 2, "both accepted")
        waiting = connect(served, timeout=0.5)  # the kernel completes the handshake; we do not accept
        waiting.sendall(STATUS)
        with pytest.raises(TimeoutError):
            waiting.recv(1)
        assert served.server.open_connections == 2
        busy[0].sendall(b"\r\n")
        assert read_response(busy[0]).status == 200  # answered, then idle: it makes room
        waiting.settimeout(10)
        assert read_response(waiting).status == 200
        assert closed_by_peer(busy[0])  # the idle one was closed for the waiting client
        busy[1].sendall(b"\r\n")
        assert read_response(busy[1]).status == 200  # the other half-sent request was kept
        for sock in (*busy, waiting):
            sock.close()


def test_at_the_cap_the_longest_idle_keep_alive_connections_make_room() -> None:
    with serving(Limits(max_connections=3)) as served:

        def served_one() -> socket.socket:
            sock = connect(served)
            sock.sendall(STATUS)
            assert read_response(sock).status == 200  # kept alive, then idle
            _until(lambda: served.server.in_flight == 0, "the connection back with the I/O loop")
            return sock

        idle = [served_one() for _ in range(3)]
        newcomers = [served_one() for _ in range(2)]
        for sock in idle[:2]:  # the two that were idle longest were closed
            sock.settimeout(10)
            assert closed_by_peer(sock)
        idle[2].sendall(STATUS)  # the most recent idle one still serves
        assert read_response(idle[2]).status == 200
        assert served.server.open_connections == 3
        for sock in (*idle, *newcomers):
            sock.close()


def test_idle_connections_hold_no_thread() -> None:
    with serving(Limits(workers=4)) as served:
        assert session().get(served.url + "/status", timeout=10).status_code == 200  # workers started
        before = threading.active_count()
        idle = [connect(served) for _ in range(200)]
        try:
            for sock in idle[:50]:
                sock.sendall(STATUS)
                assert read_response(sock).status == 200
            _until(lambda: served.server.open_connections == 200, "200 connections accepted")
            assert threading.active_count() <= before  # other tests' threads may end meanwhile; none is added
            assert session().get(served.url + "/status", timeout=10).status_code == 200
        finally:
            for sock in idle:
                sock.close()


def test_slowloris_half_sent_requests_are_closed_while_others_are_served() -> None:
    with serving(Limits(request_timeout=1.0, max_connections=2000)) as served:
        loris = []
        for _ in range(500):
            sock = connect(served)
            sock.sendall(b"GET /status HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # and never the rest
            loris.append(sock)
        try:
            headers = umapi_headers(served.url)
            s = session()
            for _ in range(20):
                assert s.get(served.url + f"/v2/usermanagement/groups/{DEMO_ORG_ID}/0", headers=headers, timeout=10).ok
            for sock in loris:
                sock.settimeout(0)
            _until(lambda: all(closed_by_peer(sock) for sock in loris), "every half-sent request closed")
            assert served.server.open_connections <= 1  # at most the session's keep-alive one
        finally:
            for sock in loris:
                sock.close()


def test_idle_keep_alive_connections_are_closed_at_the_idle_timeout() -> None:
    with serving(Limits(keep_alive_timeout=0.5)) as served:
        with connect(served) as sock:
            sock.sendall(STATUS)
            assert read_response(sock).status == 200
            sock.settimeout(30)
            assert sock.recv(1) == b""


@pytest.fixture
def debug_log():
    stream = io.StringIO()
    handler = logs.configure("text", "debug", stream)
    yield stream
    logging.getLogger("umapi_mock").removeHandler(handler)
    logging.getLogger("umapi_mock").setLevel(logging.NOTSET)


def _bigger_than_socket_buffers() -> int:
    """A user count whose users page outgrows what the kernel can buffer for one loopback
    connection (the largest send buffer plus a 4 KiB receive buffer), so the server is
    certainly still writing when the client goes (about 270 bytes a user)."""
    try:
        send_max = int(open("/proc/sys/net/ipv4/tcp_wmem").read().split()[2])
    except (OSError, IndexError, ValueError):
        send_max = 4 * 1024 * 1024
    return max(2500, send_max * 2 // 270)


def test_a_client_gone_mid_answer_is_one_debug_line(tls_files, debug_log) -> None:
    """HTTPS, a users page larger than every socket buffer on the way, and a client that
    resets the connection without reading: the server is mid-answer whatever the timing."""
    users = _bigger_than_socket_buffers()
    seed = {
        "orgs": [{"id": DEMO_ORG_ID, "credentials": [{"client_id": "test-client", "client_secret": "test-secret"}]}]
    }
    seed["orgs"][0]["generate"] = {"users": users, "groups": 1, "seed": 1}
    config = Config(seed=seed, users_page_size=users)
    with serving(config=config, ssl_context=tls_files.server_context(), limits=Limits(write_timeout=30)) as served:
        ca = str(tls_files.ca_cert)
        headers = umapi_headers(served.url, verify=ca)
        context = ssl.create_default_context(cafile=ca)
        raw = socket.socket()
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        raw.connect(("127.0.0.1", served.port))
        sock = context.wrap_socket(raw, server_hostname="127.0.0.1")
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        sock.sendall(f"GET /v2/usermanagement/users/{DEMO_ORG_ID}/0 HTTP/1.1\r\nHost: x\r\n{head}\r\n".encode())
        assert sock.recv(100).startswith(b"HTTP/1.1 200 ")  # the answer has begun
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # RST on close
        sock.close()
        _until(lambda: "disconnected" in debug_log.getvalue(), "the disconnect logged")
        assert session().get(served.url + "/status", verify=ca, timeout=10).status_code == 200
    text = debug_log.getvalue()
    lines = [line for line in text.splitlines() if "disconnected" in line]
    assert len(lines) == 1 and " DEBUG " in lines[0]
    assert "Traceback" not in text


def test_a_tls_client_gone_mid_request_is_not_a_traceback(tls_files, debug_log) -> None:
    with serving(ssl_context=tls_files.server_context()) as served:
        context = ssl.create_default_context(cafile=str(tls_files.ca_cert))
        for _ in range(3):
            raw = socket.create_connection(("127.0.0.1", served.port), timeout=10)
            sock = context.wrap_socket(raw, server_hostname="127.0.0.1")
            sock.sendall(b"GET /status HTTP/1.1\r\nHo")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            sock.close()  # no close_notify, half a request
        plain = socket.create_connection(("127.0.0.1", served.port), timeout=10)
        plain.sendall(STATUS)  # not TLS at all
        assert closed_by_peer(plain)
        plain.close()
        _until(lambda: served.server.open_connections == 0, "every connection closed")
        ca = str(tls_files.ca_cert)
        assert session().get(served.url + "/status", verify=ca, timeout=10).status_code == 200
    assert "Traceback" not in debug_log.getvalue()


def test_1100_idle_keep_alive_connections_never_lock_out_a_new_client(tmp_path, processes) -> None:
    """`umapi-mock serve` with its default cap (1,024): 1,100 clients each make a request and
    stay connected, idle; every one of them was served, and so is a new client."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1300:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    server = ServeProcess(cwd=tmp_path)
    processes.append(server)
    idle: list[socket.socket] = []
    try:
        for _ in range(1100):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
            idle.append(sock)
            sock.sendall(STATUS)
            assert read_response(sock).status == 200
        r = session().get(server.url + "/status", timeout=30)
        assert r.status_code == 200
        for sock in idle[:50]:  # the longest idle were the ones closed to make room
            assert closed_by_peer(sock)
        idle[-1].sendall(STATUS)  # the most recent idle ones are still open
        assert read_response(idle[-1]).status == 200
    finally:
        for sock in idle:
            sock.close()


def test_plain_http_on_the_https_port_is_told_so_with_a_400(tls_files) -> None:
    """As nginx does: a short answer naming the problem, then the connection closes."""
    with serving(ssl_context=tls_files.server_context()) as served:
        with connect(served) as plain:
            plain.sendall(STATUS)
            r = read_response(plain)
            assert r.status_line == "HTTP/1.1 400 Bad Request"
            assert r.headers["connection"] == "close" and r.headers["content-type"].startswith("text/plain")
            assert b"speaks HTTPS" in r.body
            assert closed_by_peer(plain)
        ca = str(tls_files.ca_cert)
        assert session().get(served.url + "/status", verify=ca, timeout=10).status_code == 200  # TLS unaffected
