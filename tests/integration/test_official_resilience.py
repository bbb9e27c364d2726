"""The official umapi-client 3.0.1 against the emulator's throttle and fault rules (issue 5).

The client's back-off sleeps are recorded (and skipped) through its module's `sleep`, except
in the throttle test, where the emulator's window must really move on: there the client
waits the advertised second for real, after the test moved the emulator's clock so that
only one second of the minute is left.
"""

from __future__ import annotations

import json

import pytest
import requests

from .conftest import ACTION_PATH

pytestmark = pytest.mark.official_client

THROTTLED_BODY = {"error_code": "429050", "message": "Too many requests"}


def test_documented_throttle_429_is_retried_after_the_advertised_wait(run_official, served, admin):
    admin.throttle("documented")
    result = run_official(
        """
        record_sleeps(really=True)
        conn = connect(max_retries=3)
        seen = watch(conn)
        stats = [conn.execute_single(UserAction("john@example.net").add_to_groups(["Employees"]), immediate=True)
                 for _ in range(10)]
        # Move the emulator's clock so that the oldest of the ten leaves the window within 1 s.
        first = admin("GET", "/journal?path=/v2/usermanagement/action/*")["entries"][0]["time"]
        admin("POST", "/clock", {"advance": first + 59.0 - admin("GET", "/clock")["now"]})
        started = _time.monotonic()
        stats.append(conn.execute_single(UserAction("jane@example.com").add_to_groups(["Contractors"]), immediate=True))
        emit({"stats": stats, "seen": seen, "sleeps": SLEEPS, "elapsed": _time.monotonic() - started,
              "local": conn.status()[0], "logs": LOGS})
        """
    )
    assert result["stats"] == [[0, 1, 1]] * 11
    actions = [s for s in result["seen"] if "/action/" in s["url"]]
    assert [s["status"] for s in actions] == [200] * 10 + [429, 200]
    refused = actions[10]
    assert json.loads(refused["body"]) == THROTTLED_BODY
    assert refused["retry_after"] == "1"
    # `Server: APIP` as documented; the served stack also sends its own Server header (reported)
    assert "APIP" in [part.strip() for part in refused["server"].split(",")]
    assert result["sleeps"] == [1]  # the client waited what the server advertised...
    assert result["elapsed"] >= 1.0  # ...for real, and then succeeded
    assert result["local"]["actions-sent"] == 11 and result["local"]["actions-completed"] == 11

    journal = admin.journal(path=ACTION_PATH)
    assert [e["status"] for e in journal] == [200] * 10 + [429, 200]
    refused_entry, retried_entry = journal[-2:]
    assert refused_entry["answered_by"] == "throttle" and retried_entry["answered_by"] == "handler"
    assert refused_entry["request_sha256"] == retried_entry["request_sha256"]  # the same request, twice
    assert refused_entry["client_id"] == retried_entry["client_id"] == served.client_id
    jane = served.backend.org().find_user("jane@example.com")
    assert "Contractors" in served.backend.org().group_names_of(jane.uid)


def test_gateway_errors_twice_are_survived_and_forever_end_unavailable(run_official, served, admin):
    result = run_official(
        """
        record_sleeps()
        def rule(status, times=None, retry_after=1, path="/v2/usermanagement/action/*"):
            admin("DELETE", "/faults")
            doc = {"match": {"path": path}, "respond": {"status": status}}
            if retry_after is not None:
                doc["respond"]["retry_after"] = retry_after
            if times is not None:
                doc["times"] = times
            admin("POST", "/faults", doc)
        out = {}
        for status in (502, 503, 504):
            group = {502: "Design 01", 503: "Sales 01", 504: "Web 01"}[status]
            rule(status, times=2)
            conn = connect()                                  # default: 4 attempts
            del SLEEPS[:]
            twice = outcome(lambda: conn.execute_single(
                UserAction("john@example.net").add_to_groups([group]), immediate=True))
            twice_sleeps = list(SLEEPS)
            rule(status)                                      # forever
            conn = connect(max_retries=2)
            del SLEEPS[:]
            forever = outcome(lambda: conn.execute_single(
                UserAction("jane@example.com").add_to_groups([group]), immediate=True))
            forever_sleeps = list(SLEEPS)
            rule(status, path="/v2/usermanagement/organizations/*")
            query = outcome(lambda: UserQuery(conn, "jane@example.com").result())
            out[status] = {"twice": twice, "twice_sleeps": twice_sleeps, "forever": forever,
                           "forever_sleeps": forever_sleeps, "query": query}
        # without Retry-After the client falls back to its 15 s (+ up to 5 s) back-off
        rule(503, times=1, retry_after=None)
        del SLEEPS[:]
        conn = connect()
        out["no_retry_after"] = {"result": outcome(lambda: conn.execute_single(
            UserAction("john@example.net").add_to_groups(["Legal 01"]), immediate=True)), "sleeps": list(SLEEPS)}
        admin("DELETE", "/faults")
        emit(out)
        """
    )
    org = served.backend.org()
    john, jane = org.find_user("john@example.net"), org.find_user("jane@example.com")
    for status, group in ((502, "Design 01"), (503, "Sales 01"), (504, "Web 01")):
        got = result[str(status)]
        assert got["twice"] == {"ok": [0, 1, 1]}, got
        assert got["twice_sleeps"] == [1, 1]
        assert group in org.group_names_of(john.uid)
        forever = got["forever"]
        assert forever["error"] == "BatchError" and forever["causes"] == ["UnavailableError"], forever
        assert forever["cause_status"] == [status] and forever["statistics"] == [0, 1, 0]
        assert "Made 2 attempts" in forever["message"]
        assert got["forever_sleeps"] == [1]  # between attempt 1 and 2, none after the last
        assert group not in org.group_names_of(jane.uid)
        query = got["query"]
        assert query["error"] == "UnavailableError" and query["attempts"] == 2 and query["status"] == status
    assert result["no_retry_after"]["result"] == {"ok": [0, 1, 1]}
    [wait] = result["no_retry_after"]["sleeps"]
    assert 15 <= wait <= 20

    statuses = [e["status"] for e in admin.journal(path=ACTION_PATH)]
    assert statuses == [502, 502, 200, 502, 502, 503, 503, 200, 503, 503, 504, 504, 200, 504, 504, 503, 200]
    reads = admin.journal(path="/v2/usermanagement/organizations/*")
    assert [e["status"] for e in reads] == [502, 502, 503, 503, 504, 504]
    assert all(e["answered_by"] == "fault" for e in reads)


def test_dropped_connection_is_a_connection_error_not_a_hang(run_official, served, admin):
    admin.fault({"match": {"path": ACTION_PATH}, "respond": {"drop": True}})
    admin.fault({"match": {"path": "/v2/usermanagement/users/*"}, "respond": {"drop": True}})
    # The HTTP stack the official client is built on sees a connection error...
    with pytest.raises(requests.ConnectionError):
        requests.post(
            f"{served.endpoint}/action/{served.org_id}",
            json=[],
            headers=served.headers(),
            verify=served.ca_path,
            timeout=10,
        )
    admin.clear_journal()
    result = run_official(
        """
        record_sleeps()
        out = {}
        for attempts in (1, 2):
            conn = connect(max_retries=attempts, timeout=10)
            del SLEEPS[:]; del LOGS[:]
            started = _time.monotonic()
            action = outcome(lambda: conn.execute_single(
                UserAction("john@example.net").add_to_groups(["Employees"]), immediate=True))
            query = outcome(lambda: UsersQuery(conn).all_results())
            out[attempts] = {"action": action, "query": query, "sleeps": list(SLEEPS),
                             "elapsed": _time.monotonic() - started,
                             "logs": [m for m in LOGS if "connection" in m.lower()]}
        emit(out)
        """,
        timeout=60,
    )
    for attempts in ("1", "2"):
        got = result[attempts]
        # ...which 3.0.1 retries like a 503 and then reports as unavailable, without a response
        action = got["action"]
        assert action["error"] == "BatchError" and action["causes"] == ["UnavailableError"]
        assert action["cause_status"] == [None]
        query = got["query"]
        assert query["error"] == "UnavailableError" and query["status"] is None
        assert query["attempts"] == int(attempts)
        assert any("UMAPI connection error" in m for m in got["logs"])
        # no hang: a hung connection would have ended in the client's read timeout, not this error
        # between attempts it backs off 15-20 s (recorded here, not slept)
        assert len(got["sleeps"]) == 2 * (int(attempts) - 1) and all(15 <= s <= 20 for s in got["sleeps"])
    journal = admin.journal()
    dropped = [e for e in journal if e["fault"] and e["fault"]["kind"] == "drop"]
    assert len(dropped) == 2 * (1 + 2) and all(e["status"] is None for e in dropped)
    assert "Employees" not in served.backend.org().group_names_of(
        served.backend.org().find_user("john@example.net").uid
    )
