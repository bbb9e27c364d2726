"""Stopping `umapi-mock serve`: SIGTERM and SIGINT (also in a background job, where the
shell ignores SIGINT) answer the requests in flight, then exit 0 with one line; a second
signal ends the process at once."""

from __future__ import annotations

import signal
import socket
import threading
import time

import pytest

from tests.processes import ServeProcess

from .conftest import DEMO_ORG_ID, add_fault, session, umapi_headers

HELD = f"/v2/usermanagement/groups/{DEMO_ORG_ID}/0"


def _held_requests(server: ServeProcess, count: int, delay: float) -> tuple[list[threading.Thread], list[object]]:
    """`count` requests held by a latency fault, started in threads; returns them and their
    results (a status code or the exception)."""
    add_fault(server.url, {"match": {"path": HELD}, "respond": {"delay": delay}})
    headers = umapi_headers(server.url)
    results: list[object] = []
    lock = threading.Lock()

    def one() -> None:
        try:
            status: object = session().get(server.url + HELD, headers=headers, timeout=60).status_code
        except Exception as exc:  # recorded, asserted below
            status = exc
        with lock:
            results.append(status)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for t in threads:
        t.start()
    return threads, results


def _wait_in_flight(server: ServeProcess, count: int) -> None:
    """Until the journal-free way of knowing: the fault has fired `count` times."""
    for _ in range(600):
        rules = session().get(f"{server.url}/_mock/faults", timeout=10).json()
        rules = rules.get("faults", rules) if isinstance(rules, dict) else rules
        if sum(r["fired"] for r in rules) >= count:
            return
        threading.Event().wait(0.05)
    raise AssertionError("the held requests never arrived")


def _wait_until_not_listening(server: ServeProcess) -> None:
    """Until a new connection is refused: the listener closes as soon as a signal is handled.
    A reset counts as refused (a connection caught in the backlog as the listener closes);
    the bound is a hang guard for a loaded machine, not a speed target."""
    end = time.monotonic() + 60
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", server.port), timeout=5).close()
        except (ConnectionRefusedError, ConnectionResetError):
            return
        except TimeoutError:
            pass  # a loaded machine: try again
        threading.Event().wait(0.02)
    raise AssertionError("still accepting connections after the signal")


@pytest.mark.parametrize(
    ("sig", "ignore_sigint"),
    [(signal.SIGTERM, False), (signal.SIGINT, False), (signal.SIGINT, True)],
    ids=["SIGTERM", "SIGINT", "SIGINT-in-background-job"],
)
def test_signal_answers_requests_in_flight_then_exits_0(tmp_path, processes, sig, ignore_sigint) -> None:
    server = ServeProcess(cwd=tmp_path, ignore_sigint=ignore_sigint)
    processes.append(server)
    threads, results = _held_requests(server, 4, delay=1.5)
    _wait_in_flight(server, 4)
    server.signal(sig)
    code, err = server.finish()
    for t in threads:
        t.join(30)
    assert results == [200, 200, 200, 200]
    assert code == 0, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines == [f"umapi-mock: stopped on {signal.Signals(sig).name}"]


def test_no_new_connections_after_the_signal(tmp_path, processes) -> None:
    server = ServeProcess(cwd=tmp_path)
    processes.append(server)
    threads, results = _held_requests(server, 1, delay=1.5)
    _wait_in_flight(server, 1)
    server.signal(signal.SIGTERM)
    _wait_until_not_listening(server)
    code, _ = server.finish()
    threads[0].join(30)
    assert results == [200] and code == 0


def test_second_signal_exits_at_once(tmp_path, processes) -> None:
    server = ServeProcess("--shutdown-timeout", "600", cwd=tmp_path)
    processes.append(server)
    threads, results = _held_requests(server, 1, delay=600)
    _wait_in_flight(server, 1)
    server.signal(signal.SIGTERM)
    _wait_until_not_listening(server)  # the first signal was handled (two at once would merge)
    server.signal(signal.SIGTERM)
    code, err = server.finish(timeout=30)  # far below the 600 s the request is held
    for t in threads:
        t.join(30)
    assert code == 1
    assert "SIGTERM again, exiting now" in err and "Traceback" not in err
    assert len(results) == 1 and isinstance(results[0], Exception)
