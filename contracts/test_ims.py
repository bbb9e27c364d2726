"""IMS token contracts (spec §1): shapes, units, paths, errors."""

from __future__ import annotations

from typing import Any

import pytest

from .registry import check
from .target import S2S_SCOPE, Reply, Target


def _form(target: Target, **changes: Any) -> dict[str, str]:
    form = {
        "grant_type": "client_credentials",
        "client_id": target.creds.client_id,
        "client_secret": target.creds.client_secret,
        "scope": S2S_SCOPE,
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def _token(target: Target, path: str = "/ims/token/v2", **changes: Any) -> Reply:
    return target.request("POST", path, base="ims", auth=False, data=_form(target, **changes))


def _check_error(target: Target, reply: Reply, contract: str, status: int, error: str) -> None:
    body = reply.json_or_none()
    check(
        "ims.error_shape",
        isinstance(body, dict)
        and isinstance(body.get("error"), str)
        and isinstance(body.get("error_description"), str),
        "IMS error bodies are {error, error_description}",
        actual=body,
        exchange=reply.exchange,
    )
    check(
        contract,
        reply.status == status and body.get("error") == error,
        f"expected HTTP {status} error {error}",
        expected={"status": status, "error": error},
        actual={"status": reply.status, "body": body},
        exchange=reply.exchange,
    )


@pytest.mark.contract("ims.s2s.token_shape", "ims.s2s.expires_in_seconds")
def test_s2s_token(target: Target) -> None:
    reply = _token(target)
    body = reply.json_or_none()
    ok = (
        reply.status == 200
        and isinstance(body, dict)
        and isinstance(body.get("access_token"), str)
        and str(body.get("token_type", "")).lower() == "bearer"
        and isinstance(body.get("expires_in"), int)
        and not isinstance(body.get("expires_in"), bool)
    )
    check(
        "ims.s2s.token_shape",
        ok,
        "token answer must hold access_token, token_type bearer, integer expires_in",
        actual=body,
        exchange=reply.exchange,
    )
    target.secrets.add(body["access_token"])
    expires = body["expires_in"]
    check(
        "ims.s2s.expires_in_seconds",
        3600 <= expires <= 86400,
        f"expires_in {expires} is not a number of seconds up to one day (24 h = 86400 s; "
        "86399999 would be milliseconds, the JWT exchange's unit)",
        expected="3600..86400 (about 86399)",
        actual=expires,
        exchange=reply.exchange,
    )


@pytest.mark.contract("ims.s2s.trailing_slash")
@pytest.mark.parametrize("path", ["/ims/token/v2/", "/ims/token/v3", "/ims/token/v3/"])
def test_token_paths(target: Target, path: str) -> None:
    reply = _token(target, path)
    body = reply.json_or_none()
    check(
        "ims.s2s.trailing_slash",
        reply.status == 200 and isinstance(body, dict) and "access_token" in body,
        f"POST {path} must issue a token",
        actual={"status": reply.status},
        exchange=reply.exchange,
    )
    target.secrets.add(str(body.get("access_token")))


@pytest.mark.contract("ims.s2s.query_parameters")
def test_parameters_in_query(target: Target) -> None:
    reply = target.request("POST", "/ims/token/v2", base="ims", auth=False, params=_form(target))
    body = reply.json_or_none()
    ok = reply.status == 200 and isinstance(body, dict) and "access_token" in body
    if isinstance(body, dict) and body.get("access_token"):
        target.secrets.add(body["access_token"])
    check(
        "ims.s2s.query_parameters",
        ok,
        "parameters in the query string of a POST must be accepted",
        actual={"status": reply.status},
        exchange=reply.exchange,
    )


@pytest.mark.contract("ims.s2s.bad_secret", "ims.error_shape")
def test_bad_secret(target: Target) -> None:
    _check_error(target, _token(target, client_secret="not-the-secret"), "ims.s2s.bad_secret", 401, "invalid_client")


@pytest.mark.contract("ims.s2s.unsupported_grant_type", "ims.error_shape")
def test_unsupported_grant(target: Target) -> None:
    _check_error(
        target, _token(target, grant_type="password"), "ims.s2s.unsupported_grant_type", 400, "unsupported_grant_type"
    )


@pytest.mark.contract("ims.s2s.missing_parameter", "ims.error_shape")
def test_missing_parameter(target: Target) -> None:
    _check_error(target, _token(target, scope=None), "ims.s2s.missing_parameter", 400, "invalid_request")
