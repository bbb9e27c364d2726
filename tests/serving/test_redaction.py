"""The journal and the logs never show an issued token or a seeded secret, wherever a
client puts it: a query parameter of any name, a path segment, a header."""

from __future__ import annotations

import json
import signal

from tests.processes import ServeProcess

from .conftest import CLIENT_SECRET, DEMO_ORG_ID, session, token


def _leaky_requests(url: str) -> str:
    """Requests carrying a fresh token and the client secret in odd places; returns the token."""
    tok = token(url)
    s = session()
    headers = {"X-Api-Key": "test-client", "Authorization": f"Bearer {tok}"}
    s.get(f"{url}/v2/usermanagement/groups/{DEMO_ORG_ID}/0?token={tok}&api_key={CLIENT_SECRET}", timeout=10)
    s.get(f"{url}/v2/usermanagement/organizations/{DEMO_ORG_ID}/users/{tok}", headers=headers, timeout=10)
    s.get(f"{url}/v2/usermanagement/organizations/{DEMO_ORG_ID}/users/{CLIENT_SECRET}", headers=headers, timeout=10)
    s.get(f"{url}/status", headers={"X-Request-Id": tok, "Pragma": CLIENT_SECRET, "X-Api-Key": tok}, timeout=10)
    return tok


def test_the_journal_redacts_by_value(tmp_path, processes) -> None:
    server = ServeProcess(cwd=tmp_path)
    processes.append(server)
    tok = _leaky_requests(server.url)
    journal = session().get(f"{server.url}/_mock/journal", timeout=10).json()
    text = json.dumps(journal)
    assert tok not in text and CLIENT_SECRET not in text
    entries = journal["entries"]
    by_path = {e["path"]: e for e in entries}
    groups = by_path[f"/v2/usermanagement/groups/{DEMO_ORG_ID}/0"]
    assert groups["query"] == {"token": "<redacted>", "api_key": "<redacted>"}
    assert f"/v2/usermanagement/organizations/{DEMO_ORG_ID}/users/<redacted>" in by_path
    status = by_path["/status"]
    assert status["request_id"] == status["client_id"] == status["pragma"] == "<redacted>"


def test_the_logs_redact_by_value(tmp_path, processes) -> None:
    server = ServeProcess("--log-format", "json", "--log-level", "debug", cwd=tmp_path)
    processes.append(server)
    tok = _leaky_requests(server.url)
    server.signal(signal.SIGTERM)
    code, err = server.finish()
    assert code == 0
    assert tok not in err and CLIENT_SECRET not in err
    records = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    paths = [r["path"] for r in records if r.get("event") == "request"]
    assert f"/v2/usermanagement/groups/{DEMO_ORG_ID}/0?token=<redacted>&api_key=<redacted>" in paths
    assert paths.count(f"/v2/usermanagement/organizations/{DEMO_ORG_ID}/users/<redacted>") == 2
    status = next(r for r in records if r.get("path") == "/status")
    assert status["request_id"] == status["client_id"] == "<redacted>"
