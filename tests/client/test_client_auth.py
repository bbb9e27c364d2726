"""Token fetch, caching, expiry units, refusals and the opt-in refreshes, for both
authenticators, on the wire (IMS and UMAPI served by `responses`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import jwt
import pytest
import requests
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
    assert token_call.request.headers["Cache-Control"] == "no-cache"
    (api_call,) = calls_to(rsps, ENDPOINT)
    headers = api_call.request.headers
    assert headers["Authorization"] == "Bearer access-token-AAA"
    assert headers["X-Api-Key"] == CLIENT_ID
    assert headers["Content-Type"] == headers["Accept"] == "application/json"  # 3.0.1 sends both on every call
    conn_uuid, millis = headers["X-Request-Id"].rsplit("_", 1)
    assert conn_uuid == conn.uuid and millis.isdigit()


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


def test_s2s_expires_in_is_seconds_and_expiry_is_public(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any], clock: FakeClock
) -> None:
    rsps.add(responses.POST, S2S_URL, json={"access_token": "tok-1", "expires_in": 100})
    rsps.add(responses.POST, S2S_URL, json={"access_token": "tok-2", "expires_in": 100})
    rsps.add(responses.GET, USER_URL, json=USER_BODY)
    conn = make_conn()
    lookup(conn)
    assert conn.auth.token == "tok-1" and conn.auth.expiry == clock.now + dt.timedelta(seconds=100)
    clock.advance(50)  # would be long expired if 100 were read as milliseconds
    lookup(conn)
    assert len(calls_to(rsps, S2S_URL)) == 1
    clock.advance(50)  # expiry reached: 3.0.1 refreshes when expiry <= now
    lookup(conn)
    assert len(calls_to(rsps, S2S_URL)) == 2
    api_calls = calls_to(rsps, ENDPOINT)
    assert [c.request.headers["Authorization"] for c in api_calls] == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]


def test_refresh_margin_fetches_before_expiry(
    rsps: responses.RequestsMock, make_auth: Callable[..., Any], make_conn: Callable[..., Any], clock: FakeClock
) -> None:
    rsps.add(responses.POST, S2S_URL, json={"access_token": "tok-1", "expires_in": 100})
    rsps.add(responses.POST, S2S_URL, json={"access_token": "tok-2", "expires_in": 100})
    rsps.add(responses.GET, USER_URL, json=USER_BODY)
    conn = make_conn(make_auth(refresh_margin=30))
    lookup(conn)
    clock.advance(69)
    lookup(conn)
    assert len(calls_to(rsps, S2S_URL)) == 1
    clock.advance(2)  # 29 s left: inside the margin
    lookup(conn)
    assert len(calls_to(rsps, S2S_URL)) == 2


def test_refresh_token_is_public_and_token_cached_across_calls(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any]
) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.GET, USER_URL, json=USER_BODY)
    conn = make_conn()
    conn.auth.refresh_token()
    assert conn.auth.token == "access-token-AAA"
    for _ in range(5):
        lookup(conn)
    assert len(calls_to(rsps, S2S_URL)) == 1 and conn.auth.token_fetch_count == 1
    assert len(calls_to(rsps, ENDPOINT)) == 5


def test_jwt_exchange_claims_and_milliseconds(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any], clock: FakeClock, pem: str, rsa_key: rsa.RSAPrivateKey
) -> None:
    rsps.add(responses.POST, JWT_URL, json={"token_type": "bearer", "access_token": "jwt-tok-1", "expires_in": 100000})
    rsps.add(responses.POST, JWT_URL, json={"token_type": "bearer", "access_token": "jwt-tok-2", "expires_in": 100000})
    rsps.add(responses.GET, USER_URL, json=USER_BODY)
    auth = umapi_client.JWTAuth(ORG, CLIENT_ID, CLIENT_SECRET, TECH_ACCT, pem, auth_host=IMS_HOST, now=clock)
    conn = make_conn(auth)
    lookup(conn)
    (first,) = calls_to(rsps, JWT_URL)
    form = form_of(first)
    assert form["client_id"] == CLIENT_ID and form["client_secret"] == CLIENT_SECRET
    claims = jwt.decode(
        form["jwt_token"], rsa_key.public_key(), algorithms=["RS256"], audience=f"https://{IMS_HOST}/c/{CLIENT_ID}"
    )
    assert claims["iss"] == ORG and claims["sub"] == TECH_ACCT
    assert claims[f"https://{IMS_HOST}/s/ent_user_sdk"] is True
    assert isinstance(claims["exp"], int)
    clock.advance(60)  # 100000 ms = 100 s: still valid (would be 100000 s if misread)
    lookup(conn)
    assert len(calls_to(rsps, JWT_URL)) == 1
    clock.advance(60)  # 120 s in: expired
    lookup(conn)
    assert len(calls_to(rsps, JWT_URL)) == 2
    assert calls_to(rsps, ENDPOINT)[-1].request.headers["Authorization"] == "Bearer jwt-tok-2"


def test_jwt_lifetime_is_24_hours_unless_configured(pem: str, rsa_key: rsa.RSAPrivateKey) -> None:
    def exp_minus_iat(auth: umapi_client.JWTAuth) -> int:
        claims = jwt.decode(auth.jwt_token(), rsa_key.public_key(), algorithms=["RS256"], options={"verify_aud": False})
        return int(claims["exp"]) - int(dt.datetime.now().timestamp())

    assert abs(exp_minus_iat(umapi_client.JWTAuth(ORG, "c", "s", TECH_ACCT, pem)) - 86400) <= 2
    assert abs(exp_minus_iat(umapi_client.JWTAuth(ORG, "c", "s", TECH_ACCT, pem, jwt_lifetime=300)) - 300) <= 2


def test_jwt_auth_positional_order_of_3_0_1(pem: str) -> None:
    from umapi_client.auth import JWTAuth

    auth = JWTAuth(ORG, "c", "s", TECH_ACCT, pem, False, IMS_HOST, "/ims/exchange/v9")
    assert (auth.ssl_verify, auth.auth_host, auth.endpoint) == (False, IMS_HOST, f"https://{IMS_HOST}/ims/exchange/v9/")
    assert auth.priv_key_data == pem and auth.org_id == ORG and auth.tech_acct_id == TECH_ACCT


def test_jwt_key_under_our_earlier_name(pem: str) -> None:
    assert umapi_client.JWTAuth(ORG, "c", "s", TECH_ACCT, private_key_data=pem).priv_key_data == pem
    with pytest.raises(umapi_client.ArgumentError, match="once"):
        umapi_client.JWTAuth(ORG, "c", "s", TECH_ACCT, pem, private_key_data=pem)
    with pytest.raises(TypeError, match="priv_key_data"):
        umapi_client.JWTAuth(ORG, "c", "s", TECH_ACCT)


def test_jwt_key_is_read_when_a_token_is_needed(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    """As in 3.0.1 (whose playback mode builds JWTAuth("mock", ...)), a bad key fails at use."""
    auth = umapi_client.JWTAuth(ORG, "c", "s", TECH_ACCT, "/path/to/private.key", auth_host=IMS_HOST)
    with pytest.raises((ValueError, jwt.exceptions.PyJWTError)):  # which one depends on the PyJWT version
        lookup(make_conn(auth))
    assert calls_to(rsps, JWT_URL) == []


def test_401_is_a_request_error_as_in_3_0_1(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.GET, USER_URL, status=401, json={"result": "error.unauthorized"})
    with pytest.raises(umapi_client.RequestError) as info:
        lookup(make_conn())
    assert info.value.status_code == 401 and str(info.value).startswith("Request Error (401): ")
    assert len(calls_to(rsps, S2S_URL)) == 1 and len(calls_to(rsps, ENDPOINT)) == 1


def test_refresh_token_on_401_fetches_once_then_succeeds(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any]
) -> None:
    rsps.add(responses.POST, S2S_URL, json={"access_token": "stale", "expires_in": 86399})
    rsps.add(responses.POST, S2S_URL, json={"access_token": "fresh", "expires_in": 86399})
    rsps.add(responses.GET, USER_URL, status=401, json={"result": "error.unauthorized"})
    rsps.add(responses.GET, USER_URL, json=USER_BODY)
    conn = make_conn(refresh_token_on_401=True)
    assert lookup(conn)["email"] == "jdoe@example.com"
    assert len(calls_to(rsps, S2S_URL)) == 2
    assert [c.request.headers["Authorization"] for c in calls_to(rsps, ENDPOINT)] == ["Bearer stale", "Bearer fresh"]


def test_refresh_token_on_401_gives_up_after_one_refetch(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any]
) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.GET, USER_URL, status=401, json={"result": "error.unauthorized"})
    with pytest.raises(umapi_client.RequestError) as info:
        lookup(make_conn(refresh_token_on_401=True))
    assert info.value.status_code == 401
    assert len(calls_to(rsps, S2S_URL)) == 2 and len(calls_to(rsps, ENDPOINT)) == 2


def test_ims_refusal_raises_authentication_error(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    rsps.add(
        responses.POST,
        S2S_URL,
        status=401,
        json={"error": "invalid_client", "error_description": "invalid client_secret parameter"},
    )
    with pytest.raises(umapi_client.AuthenticationError) as info:
        lookup(make_conn())
    assert isinstance(info.value, RuntimeError)  # what the official client raises
    assert str(info.value).startswith(f"Unable to authorize against {S2S_URL}:\nResponse Code: 401")
    assert "invalid_client" in str(info.value) and CLIENT_SECRET not in str(info.value)
    assert info.value.status_code == 401 and info.value.result.status_code == 401
    assert len(calls_to(rsps, S2S_URL)) == 1  # a refusal is not retried
    assert calls_to(rsps, ENDPOINT) == []


def test_ims_unavailable_is_not_retried_as_in_3_0_1(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any]
) -> None:
    rsps.add(responses.POST, S2S_URL, status=503)
    with pytest.raises(umapi_client.AuthenticationError):
        lookup(make_conn())
    assert len(calls_to(rsps, S2S_URL)) == 1


def test_ssl_verify_path_is_passed_on_every_request(
    rsps: responses.RequestsMock, make_auth: Callable[..., Any], make_conn: Callable[..., Any], tmp_path: Any
) -> None:
    ims_ca = tmp_path / "ims-ca.pem"
    api_ca = tmp_path / "api-ca.pem"
    add_s2s_token(rsps)
    rsps.add(responses.GET, USER_URL, json=USER_BODY)
    lookup(make_conn(make_auth(ssl_verify=str(ims_ca)), ssl_verify=str(api_ca)))
    assert calls_to(rsps, S2S_URL)[0].request.req_kwargs["verify"] == str(ims_ca)
    assert calls_to(rsps, ENDPOINT)[0].request.req_kwargs["verify"] == str(api_ca)


@pytest.mark.parametrize("host", ["https://ims.example.test", "ims.example.test/ims"])
def test_auth_host_with_scheme_or_path_draws_a_warning(host: str) -> None:
    with pytest.warns(umapi_client.UMAPIWarning, match="host name"):
        auth = umapi_client.OAuthS2S("id", "secret", auth_host=host)
    assert auth.auth_host == host  # 3.0.1 accepts it, so it is kept


def test_auth_usable_as_requests_auth(rsps: responses.RequestsMock, clock: FakeClock) -> None:
    add_s2s_token(rsps, token="standalone-token")
    rsps.add(responses.GET, "https://other.example.test/x", json={})
    auth = umapi_client.OAuthS2S(CLIENT_ID, CLIENT_SECRET, auth_host=IMS_HOST, now=clock)
    requests.get("https://other.example.test/x", auth=auth)
    sent: list[Any] = calls_to(rsps, "https://other.example.test")
    assert sent[0].request.headers["Authorization"] == "Bearer standalone-token"
    assert sent[0].request.headers["X-Api-Key"] == CLIENT_ID


def test_repr_shows_no_secret(pem: str) -> None:
    for auth in (
        umapi_client.OAuthS2S(CLIENT_ID, CLIENT_SECRET),
        umapi_client.JWTAuth(ORG, CLIENT_ID, CLIENT_SECRET, TECH_ACCT, pem),
    ):
        text = repr(auth)
        assert CLIENT_SECRET not in text and CLIENT_ID not in text and "BEGIN" not in text
