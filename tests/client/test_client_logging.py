"""Secrets (client secret, private key, signed JWT, access tokens) never reach logs or messages."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import umapi_client

from .helpers import (
    ACTION_URL,
    CLIENT_ID,
    CLIENT_SECRET,
    ENDPOINT,
    IMS_HOST,
    JWT_URL,
    ORG,
    S2S_URL,
    FakeClock,
    calls_to,
    form_of,
)

USER_URL = f"{ENDPOINT}/organizations/{ORG}/users/jdoe@example.com"
TOKENS = ["eyJ-first-ACCESS-token-value", "eyJ-second-ACCESS-token-value"]


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(record.getMessage() for record in caplog.records)


def assert_clean(text: str, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in text


def test_s2s_flow_logs_no_secret(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rsps.add(responses.POST, S2S_URL, json={"access_token": TOKENS[0], "expires_in": 86399})
    rsps.add(responses.POST, S2S_URL, json={"access_token": TOKENS[1], "expires_in": 86399})
    rsps.add(responses.GET, USER_URL, status=401)
    rsps.add(responses.GET, USER_URL, status=503)
    rsps.add(responses.GET, USER_URL, json={"result": "success", "user": {"email": "jdoe@example.com"}})
    rsps.add(
        responses.POST,
        ACTION_URL,
        json={
            "completed": 0,
            "notCompleted": 1,
            "result": "error",
            "errors": [{"index": 0, "step": 0, "errorCode": "error.group.not_found", "message": "Group A missing"}],
        },
    )
    conn = make_conn(refresh_token_on_401=True)
    umapi_client.UserQuery(conn, "jdoe@example.com").result()
    conn.execute_single(umapi_client.UserAction("u@example.com").add_to_groups(["A"]), immediate=True)
    text = everything_logged(caplog)
    assert any(r.name.startswith("umapi_client.") for r in caplog.records)
    assert "401" in text and "503" in text and "error.group.not_found" in text  # the log is useful...
    assert_clean(text, [CLIENT_SECRET, CLIENT_ID, *TOKENS])  # ...and holds no credential
    assert_clean(repr(conn) + repr(conn.auth), [CLIENT_SECRET, CLIENT_ID, *TOKENS])


def test_jwt_flow_and_failures_log_no_secret(
    rsps: responses.RequestsMock,
    make_conn: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
    clock: FakeClock,
) -> None:
    caplog.set_level(logging.DEBUG)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    rsps.add(
        responses.POST,
        JWT_URL,
        status=400,
        json={"error": "invalid_token", "error_description": "Could not match JWT signature to any of the bindings"},
    )
    auth = umapi_client.JWTAuth(
        ORG, CLIENT_ID, CLIENT_SECRET, "tech@techacct.adobe.com", pem, auth_host=IMS_HOST, now=clock
    )
    conn = make_conn(auth)
    with pytest.raises(umapi_client.AuthenticationError) as info:
        umapi_client.UserQuery(conn, "jdoe@example.com").result()
    signed = form_of(calls_to(rsps, JWT_URL)[0])["jwt_token"]
    key_body = pem.splitlines()[1]
    secrets = [CLIENT_SECRET, signed, key_body]
    assert_clean(everything_logged(caplog), secrets)
    assert_clean(str(info.value), secrets)
    assert "invalid_token" in str(info.value)
    assert_clean(repr(auth), secrets + [CLIENT_ID])
