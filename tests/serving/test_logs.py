"""`serve --log-format text|json --log-level ...`: one line per request with the fields a
developer needs, secrets redacted, colour codes only on a terminal."""

from __future__ import annotations

import json
import signal

from tests.processes import ServeProcess

from .conftest import CLIENT_ID, DEMO_ORG_ID, add_fault, session, umapi_headers

GROUPS = f"/v2/usermanagement/groups/{DEMO_ORG_ID}/0"


def _run(tmp_path, processes, *args: str) -> list[str]:
    server = ServeProcess(*args, cwd=tmp_path)
    processes.append(server)
    headers = umapi_headers(server.url)
    s = session()
    assert s.get(server.url + GROUPS, headers=headers, timeout=10).status_code == 200
    add_fault(server.url, {"match": {"path": "/status"}, "respond": {"status": 503}, "times": 1})
    assert s.get(server.url + "/status?client_secret=hunter2&page=1", timeout=10).status_code == 503
    server.signal(signal.SIGTERM)
    code, err = server.finish()
    assert code == 0, err
    return err.splitlines()


def test_json_lines(tmp_path, processes) -> None:
    lines = _run(tmp_path, processes, "--log-format", "json", "--log-level", "info")
    records = [json.loads(line) for line in lines if line.startswith("{")]
    requests_ = [r for r in records if r.get("event") == "request"]
    by_path = {r["path"]: r for r in requests_}
    page = by_path[GROUPS]
    assert page["method"] == "GET" and page["status"] == 200 and page["answered_by"] == "handler"
    assert page["client_id"] == CLIENT_ID and len(page["request_id"]) == 32
    assert page["bytes"] > 0 and page["latency_ms"] >= 0 and page["time"].endswith("Z")
    fault = by_path["/status?client_secret=<redacted>&page=1"]
    assert fault["status"] == 503 and fault["answered_by"] == "fault"
    assert not any("hunter2" in line or "test-secret" in line for line in lines)
    assert lines[-1] == "umapi-mock: stopped on SIGTERM"


def test_text_lines_without_colour_when_not_a_terminal(tmp_path, processes) -> None:
    lines = _run(tmp_path, processes, "--log-requests")
    request_lines = [line for line in lines if f" GET {GROUPS} 200 " in line]
    assert len(request_lines) == 1
    assert f"client={CLIENT_ID}" in request_lines[0] and "by=handler" in request_lines[0]
    assert any(" GET /status?client_secret=<redacted>&page=1 503 " in line and "by=fault" in line for line in lines)
    assert not any("\x1b[" in line for line in lines)
    assert not any("hunter2" in line for line in lines)


def test_no_request_lines_by_default(tmp_path, processes) -> None:
    lines = _run(tmp_path, processes)
    assert lines == ["umapi-mock: stopped on SIGTERM"]
