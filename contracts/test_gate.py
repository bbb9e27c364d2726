"""The auth gate and transport contracts (spec §2.1, §4.1)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from .registry import check
from .target import Target


def _users_path(org_id: str) -> str:
    return f"/users/{quote(org_id, safe='@')}/0"


@pytest.mark.contract("status.live")
def test_status(target: Target) -> None:
    reply = target.request("GET", "/status", base="root", auth=False)
    body = reply.json_or_none()
    state = body.get("state") if isinstance(body, dict) else None
    if isinstance(body, dict) and isinstance(body.get("status"), dict):
        state = body["status"].get("state")
    check(
        "status.live",
        reply.status == 200 and state == "LIVE",
        "GET /status must answer 200 with state LIVE",
        actual={"status": reply.status, "body": body},
        exchange=reply.exchange,
    )


def _gateway(target: Target, contract: str, headers: dict[str, str], status: int, code: str) -> None:
    reply = target.request("GET", _users_path(target.org_id), auth=False, headers=headers)
    body = reply.json_or_none()
    check(
        contract,
        reply.status == status and isinstance(body, dict) and body.get("error_code") == code,
        f"expected HTTP {status} with error_code {code}",
        expected={"status": status, "error_code": code},
        actual={"status": reply.status, "body": body},
        exchange=reply.exchange,
    )


@pytest.mark.contract("gate.api_key_missing")
def test_api_key_missing(target: Target) -> None:
    _gateway(target, "gate.api_key_missing", {"Authorization": f"Bearer {target.token()}"}, 403, "403000")


@pytest.mark.contract("gate.token_missing")
def test_token_missing(target: Target) -> None:
    _gateway(target, "gate.token_missing", {"X-Api-Key": target.creds.client_id}, 403, "403010")


@pytest.mark.contract("gate.bad_token")
def test_bad_token(target: Target) -> None:
    reply = target.request(
        "GET",
        _users_path(target.org_id),
        auth=False,
        headers={"X-Api-Key": target.creds.client_id, "Authorization": "Bearer not-a-token"},
    )
    check(
        "gate.bad_token",
        reply.status == 401,
        "an invalid bearer token must be refused with 401",
        actual={"status": reply.status, "body": reply.json_or_none()},
        exchange=reply.exchange,
    )


@pytest.mark.contract("gate.bad_org_id")
def test_bad_org_id(target: Target) -> None:
    reply = target.request("GET", _users_path("not-an-org-id"), headers=target.auth_headers())
    body = reply.json_or_none()
    check(
        "gate.bad_org_id",
        reply.status == 400 and isinstance(body, dict) and body.get("result") == "error.organization.invalid_id",
        "a malformed org id must be a 400 error.organization.invalid_id",
        actual={"status": reply.status, "body": body},
        exchange=reply.exchange,
    )


@pytest.mark.contract("gate.other_org")
def test_other_org(target: Target) -> None:
    other = (
        "0000000000000000DEADBEEF@AdobeOrg" if target.org_id != "0000000000000000DEADBEEF@AdobeOrg" else "1@AdobeOrg"
    )
    reply = target.request("GET", _users_path(other), headers=target.auth_headers())
    check(
        "gate.other_org",
        reply.status == 401,
        "a token used on another org's path must be refused with 401",
        actual={"status": reply.status, "body": reply.json_or_none()},
        exchange=reply.exchange,
    )


@pytest.mark.contract("gate.content_type_on_get", "gate.request_id_echo")
def test_headers_clients_send(target: Target) -> None:
    rid = f"{target.run_prefix}request-id"
    reply = target.request(
        "GET",
        _users_path(target.org_id),
        headers={**target.auth_headers(), "Content-Type": "application/json", "X-Request-Id": rid},
    )
    check(
        "gate.content_type_on_get",
        reply.status == 200,
        "Content-Type on a GET must not be refused",
        actual={"status": reply.status},
        exchange=reply.exchange,
    )
    check(
        "gate.request_id_echo",
        reply.headers.get("X-Request-Id") == rid,
        "X-Request-Id must be echoed",
        expected=rid,
        actual=reply.headers.get("X-Request-Id"),
        exchange=reply.exchange,
    )
