"""Redaction by shape as well as by name (issue 23 item 8): a PEM key, an opaque token and
secret-named query parameters never appear verbatim in the journal, its detail and curl
rendering, or the access log, whatever the field is called. Through the real console script."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest
import requests

from tests.processes import ServeProcess
from tests.serving.conftest import session
from umapi_mock.redaction import redact, redact_shapes, redact_target
from umapi_mock.seed import DEMO_ORG_ID

PEM = (
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n"
    "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n"
    "-----END PRIVATE KEY-----\n"
)
PEM_MARK = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj"
OPAQUE = "Zk3qP9xL2mN8vR4tW7yB1cD6fG0hJ5kQ9sU3wE8rT2aYz"  # 46 mixed characters, no dots
SHORT_SECRET = "hunter2-pass"
QUERY_SECRET = "qs-Secret-Value-77"


def _send(url: str) -> None:
    s = session()
    headers = {
        "X-Api-Key": "test-client",
        "Authorization": "Bearer not-a-real-token",
        "Content-Type": "application/json",
    }
    body = [
        {"private_key": PEM, "token": OPAQUE, "password": SHORT_SECRET},
        {"material": PEM, "note": f"see {OPAQUE} and Bearer {OPAQUE}"},  # names that say nothing
    ]
    s.post(f"{url}/v2/usermanagement/action/{DEMO_ORG_ID}", data=json.dumps(body), headers=headers, timeout=10)
    s.get(
        f"{url}/v2/usermanagement/users/{DEMO_ORG_ID}/0",
        params={"private_key": PEM, "secret": QUERY_SECRET, "plain": OPAQUE},
        headers=headers,
        timeout=10,
    )


def _assert_clean(text: str) -> None:
    for secret in (PEM_MARK, OPAQUE, SHORT_SECRET, QUERY_SECRET, "BEGIN PRIVATE KEY"):
        assert secret not in text, secret


@pytest.mark.slow  # starts a `umapi-mock serve` process
def test_journal_detail_and_curl_redact_by_shape(tmp_path: Path) -> None:
    server = ServeProcess(cwd=tmp_path)
    try:
        _send(server.url)
        journal = requests.get(f"{server.url}/_mock/journal", timeout=10).json()
        _assert_clean(json.dumps(journal))
        seqs = [e["seq"] for e in journal["entries"] if e["path"] != "/_mock/journal"]
        assert len(seqs) == 2
        for seq in seqs:
            detail = requests.get(f"{server.url}/_mock/journal/{seq}", timeout=10)
            assert detail.status_code == 200
            _assert_clean(detail.text)
            assert "<redacted" in detail.json()["curl"]
        action = requests.get(f"{server.url}/_mock/journal/{seqs[0]}", timeout=10).json()
        shown = json.loads(action["request"]["text"])
        assert shown[0] == {"private_key": "<redacted>", "token": "<redacted>", "password": "<redacted>"}
        assert shown[1]["material"].strip() == "<redacted-pem>"
        query = requests.get(f"{server.url}/_mock/journal/{seqs[1]}", timeout=10).json()["entry"]["query"]
        assert query == {"private_key": "<redacted>", "secret": "<redacted>", "plain": "<redacted>"}
    finally:
        server.kill()


@pytest.mark.slow  # starts a `umapi-mock serve` process
def test_access_log_redacts_by_shape(tmp_path: Path) -> None:
    server = ServeProcess("--log-format", "json", "--log-level", "info", "--log-requests", cwd=tmp_path)
    try:
        _send(server.url)
        server.signal(signal.SIGTERM)
        code, err = server.finish()
    finally:
        server.kill()
    assert code == 0
    _assert_clean(err)
    paths = [json.loads(line).get("path", "") for line in err.splitlines() if line.startswith("{")]
    assert any("private_key=<redacted>&secret=<redacted>&plain=<redacted>" in p for p in paths), paths


def test_shapes_keep_what_is_not_a_secret() -> None:
    org_path = f"/v2/usermanagement/groups/{DEMO_ORG_ID}/0?page=2"
    assert redact_target(org_path) == org_path
    digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    text = f"jane.doe@example.com {digest} 0123456789abcdef0123456789abcdef umapi-mock-request-identifier-xyz"
    assert redact_shapes(text) == text
    assert redact({"token_type": "bearer", "expires_in": 86399}) == {"token_type": "bearer", "expires_in": 86399}
    assert redact({"api_key": "x", "ClientSecret": "y", "refreshToken": "z"}) == {
        "api_key": "<redacted>",
        "ClientSecret": "<redacted>",
        "refreshToken": "<redacted>",
    }
    cut = '{"note": "-----BEGIN RSA PRIVATE KEY-----\\nMIIEow'  # a body cut at the journal's cap
    assert "MIIEow" not in redact_shapes(cut)
