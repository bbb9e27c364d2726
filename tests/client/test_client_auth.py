"""Token fetch, caching, expiry units and 401 handling for both authenticators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jwt
import pytest
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import umapi_client

from .helpers import (
    CLIENT_ID,
    CLIENT_SECRET,
    ENDPOINT,
    IMS_HOST,
    JWT_URL,
    ORG,
    S2S_URL,
    FakeClock,
    add_s2s_token,
    calls_to,
    form_of,
)

TECH_ACCT = "ABCDEF0123456789@techacct.adobe.com"
USER_URL = f"{ENDPOINT}/organizations/{ORG}/users/jdoe@example.com"
USER_BODY = {"result": "success", "user": {"email": "jdoe@example.com", "type": "adobeID", "status": "active"}}


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def pem(rsa_key: rsa.RSAPrivateKey) -> str:
    return rsa_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()


def lookup(conn: umapi_client.Connection) -> Any:
    return umapi_client.UserQuery(conn, "jdoe@example.com").result()


def test_s2s_token_request_form_and_url(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.GET, USER_URL, json=USER_BODY)
    conn = make_conn()
    assert lookup(conn)["email"] == "jdoe@example.com"
    (token_call,) = calls_to(rsps, f"https://{IMS_HOST}")
    assert token_call.request.url == S2S_URL
    assert form_of(token_call) == {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scope": "openid,AdobeID,user_management_sdk",
    }
    assert token_call.request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    (api_call,) = calls_to(rsps, ENDPOINT)
    assert api_call.request.headers["Authorization"] == "Bearer access-token-AAA"
    assert api_call.request.headers["X-Api-Key"] == CLIENT_ID
    assert api_call.request.headers["X-Request-Id"]


@pytest.mark.parametrize(
    "endpoint, expected",
    [
        ("/ims/token/v3", "/ims/token/v3/"),
        ("ims/token/v2/", "/ims/token/v2/"),
        ("/ims/exchange/jwt", "/ims/exchange/jwt/"),
    ],
)
def test_auth_url_always_https_with_trailing_slash(endpoint: str, expected: str) -> None:
    auth = umapi_client.OAuthS2S("id", "secret", auth_host="127.0.0.1:8443", auth_endpoint=endpoint)
    assert auth.endpoint == "https://127.0.0.1:8443" + expected


def test_s2s_expires_in_is_seconds(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any], clock: FakeClock
) -> None:
    rsps.add(responses.POST, S2S_URL, json={"access_token": "tok-1", "expires_in": 100})
    rsps.add(responses.POST, S2S_URL, json={"access_token": "tok-2", "expires_in": 100})
    rsps.add(responses.GET, USER_URL, json=USER_BODY)
    conn = make_conn()
    lookup(conn)
    clock.advance(50)  # would be long expired if 100 were read as milliseconds
    lookup(conn)
    assert len(calls_to(rsps, S2S_URL)) == 1
    clock.advance(150)  # now past 100 s
    lookup(conn)
    assert len(calls_to(rsps, S2S_URL)) == 2
    api_calls = calls_to(rsps, ENDPOINT)
    assert [c.request.headers["Authorization"] for c in api_calls] == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]


def test_s2s_token_cached_across_calls(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.GET, USER_URL, json=USER_BODY)
    conn = make_conn()
    for _ in range(5):
        lookup(conn)
    assert len(calls_to(rsps, S2S_URL)) == 1
    assert len(calls_to(rsps, ENDPOINT)) == 5


def test_jwt_exchange_claims_and_milliseconds(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any], clock: FakeClock, pem: str, rsa_key: rsa.RSAPrivateKey
) -> None:
    rsps.add(responses.POST, JWT_URL, json={"token_type": "bearer", "access_token": "jwt-tok-1", "expires_in": 100000})
    rsps.add(responses.POST, JWT_URL, json={"token_type": "bearer", "access_token": "jwt-tok-2", "expires_in": 100000})
    rsps.add(responses.GET, USER_URL, json=USER_BODY)
    auth = umapi_client.JWTAuth(ORG, CLIENT_ID, CLIENT_SECRET, TECH_ACCT, pem, auth_host=IMS_HOST, clock=clock)
    conn = make_conn(auth)
    lookup(conn)
    (first,) = calls_to(rsps, JWT_URL)
    form = form_of(first)
    assert form["client_id"] == CLIENT_ID and form["client_secret"] == CLIENT_SECRET
    claims = jwt.decode(
        form["jwt_token"],
        rsa_key.public_key(),
        algorithms=["RS256"],
        audience=f"https://{IMS_HOST}/c/{CLIENT_ID}",
    )
    assert claims["iss"] == ORG
    assert claims["sub"] == TECH_ACCT
    assert claims[f"https://{IMS_HOST}/s/ent_user_sdk"] is True
    assert isinstance(claims["exp"], int)
    clock.advance(60)  # 100000 ms = 100 s: still valid (would be 100000 s if misread)
    lookup(conn)
    assert len(calls_to(rsps, JWT_URL)) == 1
    clock.advance(60)  # 120 s in: expired
    lookup(conn)
    assert len(calls_to(rsps, JWT_URL)) == 2
    assert calls_to(rsps, ENDPOINT)[-1].request.headers["Authorization"] == "Bearer jwt-tok-2"


def test_jwt_auth_importable_from_auth_module_and_priv_key_data_alias(pem: str) -> None:
    from umapi_client.auth import JWTAuth

    auth = JWTAuth(
        org_id=ORG, client_id="c", client_secret="s", tech_acct_id=TECH_ACCT, priv_key_data=pem, auth_host=IMS_HOST
    )
    assert auth.endpoint == f"https://{IMS_HOST}/ims/exchange/jwt/"


def test_jwt_bad_key_is_argument_error() -> None:
    with pytest.raises(umapi_client.ArgumentError, match="PEM"):
        umapi_client.JWTAuth(ORG, "c", "s", TECH_ACCT, "/path/to/private.key")
    with pytest.raises(umapi_client.ArgumentError, match="private key"):
        umapi_client.JWTAuth(ORG, "c", "s", TECH_ACCT)


def test_unauthorized_refetches_token_once_then_succeeds(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any]
) -> None:
    rsps.add(responses.POST, S2S_URL, json={"access_token": "stale", "expires_in": 86399})
    rsps.add(responses.POST, S2S_URL, json={"access_token": "fresh", "expires_in": 86399})
    rsps.add(responses.GET, USER_URL, status=401, json={"result": "error.unauthorized"})
    rsps.add(responses.GET, USER_URL, json=USER_BODY)
    conn = make_conn()
    assert lookup(conn)["email"] == "jdoe@example.com"
    assert len(calls_to(rsps, S2S_URL)) == 2
    assert [c.request.headers["Authorization"] for c in calls_to(rsps, ENDPOINT)] == ["Bearer stale", "Bearer fresh"]


def test_second_unauthorized_is_request_error(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.GET, USER_URL, status=401, json={"result": "error.unauthorized"})
    conn = make_conn()
    with pytest.raises(umapi_client.RequestError) as info:
        lookup(conn)
    assert info.value.status_code == 401
    assert len(calls_to(rsps, S2S_URL)) == 2
    assert len(calls_to(rsps, ENDPOINT)) == 2


def test_ims_refusal_raises_authentication_error(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    rsps.add(
        responses.POST,
        S2S_URL,
        status=401,
        json={"error": "invalid_client", "error_description": "invalid client_secret parameter"},
    )
    conn = make_conn()
    with pytest.raises(umapi_client.AuthenticationError) as info:
        lookup(conn)
    assert isinstance(info.value, RuntimeError)  # what the official client raises
    assert "invalid_client" in str(info.value)
    assert CLIENT_SECRET not in str(info.value)
    assert len(calls_to(rsps, S2S_URL)) == 1  # a refusal is not retried
    assert calls_to(rsps, ENDPOINT) == []


def test_ims_answer_without_token_is_authentication_error(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any]
) -> None:
    rsps.add(responses.POST, S2S_URL, json={"token_type": "bearer"})
    with pytest.raises(umapi_client.AuthenticationError, match="access_token"):
        lookup(make_conn())


def test_ims_unavailable_is_retried(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    rsps.add(responses.POST, S2S_URL, status=503)
    add_s2s_token(rsps)
    rsps.add(responses.GET, USER_URL, json=USER_BODY)
    assert lookup(make_conn())["email"] == "jdoe@example.com"
    assert len(calls_to(rsps, S2S_URL)) == 2


def test_ssl_verify_path_is_passed_on_every_request(
    rsps: responses.RequestsMock, make_auth: Callable[..., Any], make_conn: Callable[..., Any], tmp_path: Any
) -> None:
    ims_ca = tmp_path / "ims-ca.pem"
    api_ca = tmp_path / "api-ca.pem"
    ims_ca.write_text("placeholder")
    api_ca.write_text("placeholder")
    add_s2s_token(rsps)
    rsps.add(responses.GET, USER_URL, json=USER_BODY)
    conn = make_conn(make_auth(ssl_verify=str(ims_ca)), ssl_verify=str(api_ca))
    lookup(conn)
    assert calls_to(rsps, S2S_URL)[0].request.req_kwargs["verify"] == str(ims_ca)
    assert calls_to(rsps, ENDPOINT)[0].request.req_kwargs["verify"] == str(api_ca)


def test_ssl_verify_false_and_missing_ca_file(make_auth: Callable[..., Any], tmp_path: Any) -> None:
    assert make_auth(ssl_verify=False).ssl_verify is False
    with pytest.raises(umapi_client.ArgumentError, match="does not exist"):
        make_auth(ssl_verify=str(tmp_path / "missing.pem"))


@pytest.mark.parametrize("host", ["https://ims.example.test", "ims.example.test/ims", ""])
def test_bad_auth_host_is_argument_error(host: str) -> None:
    with pytest.raises(umapi_client.ArgumentError):
        umapi_client.OAuthS2S("id", "secret", auth_host=host)


def test_empty_credentials_are_argument_errors() -> None:
    with pytest.raises(umapi_client.ArgumentError, match="client_id"):
        umapi_client.OAuthS2S("", "secret")
    with pytest.raises(umapi_client.ArgumentError, match="client_secret"):
        umapi_client.OAuthS2S("id", "")


def test_auth_usable_as_requests_auth(rsps: responses.RequestsMock, clock: FakeClock) -> None:
    import requests

    add_s2s_token(rsps, token="standalone-token")
    rsps.add(responses.GET, "https://other.example.test/x", json={})
    auth = umapi_client.OAuthS2S(CLIENT_ID, CLIENT_SECRET, auth_host=IMS_HOST, clock=clock)
    requests.get("https://other.example.test/x", auth=auth)
    sent: list[Any] = calls_to(rsps, "https://other.example.test")
    assert sent[0].request.headers["Authorization"] == "Bearer standalone-token"
    assert sent[0].request.headers["X-Api-Key"] == CLIENT_ID
