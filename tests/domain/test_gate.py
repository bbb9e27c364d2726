"""The auth gate in front of every UMAPI route, in the order of spec §4.1, over HTTPS."""

from __future__ import annotations

import base64
import json
import re

import jwt
import pytest
import requests

from tests.world import ORG_A, ORG_B, ORG_M, OTHER_KEY
from umapi_mock.domain.errors import WWW_AUTHENTICATE

API_KEY_MISSING = {"error_code": "403000", "message": "Api Key is required"}
API_KEY_INVALID = {"error_code": "403003", "message": "Api Key is invalid"}
TOKEN_MISSING = {"error_code": "403010", "message": "Oauth token is missing."}
SCOPE_MISMATCH = {"error_code": "403011", "message": "Scope mismatch"}
UNAUTHORIZED = {"lastPage": False, "result": "error.unauthorized", "message": "Failed to authenticate provided token"}
BAD_ORG = {"result": "error.organization.invalid_id", "message": "Bad organization Id"}
WRONG_ORG = {"result": "error.organization.invalid", "message": "Invalid Organization"}

# Every read route, with {org} standing for the org id in its path.
ROUTES = [
    "/organizations/{org}/users/jane@example.com",
    "/users/{org}/0",
    "/users/{org}/0/Employees",
    "/groups/{org}/0",
    "/{org}/user-groups?page=1",
]


def path(route: str, org: str = ORG_A) -> str:
    return route.replace("{org}", org)


def expect(r: requests.Response, status: int, body: dict, *, unauthorized: bool = False) -> None:
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == body
    if unauthorized:
        assert r.headers["WWW-Authenticate"] == WWW_AUTHENTICATE
    else:
        assert "WWW-Authenticate" not in r.headers


def b64(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})  # type: ignore[no-any-return]


@pytest.mark.parametrize("route", ROUTES)
def test_valid_request_passes(core, route):
    r = core.get(path(route))
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("route", ROUTES)
def test_missing_api_key(core, route):
    expect(core.get(path(route), headers={}), 403, API_KEY_MISSING)
    # the key is checked first: a valid token does not help, an empty key is no key
    expect(core.get(path(route), headers={"Authorization": f"Bearer {core.token()}"}), 403, API_KEY_MISSING)
    expect(
        core.get(path(route), headers={"X-Api-Key": "", "Authorization": f"Bearer {core.token()}"}),
        403,
        API_KEY_MISSING,
    )


@pytest.mark.parametrize("route", ROUTES)
def test_unknown_api_key(core, route):
    expect(
        core.get(path(route), headers={"X-Api-Key": "no-such-client", "Authorization": f"Bearer {core.token()}"}),
        403,
        API_KEY_INVALID,
    )
    # before the bearer token is looked at
    expect(core.get(path(route), headers={"X-Api-Key": "no-such-client"}), 403, API_KEY_INVALID)
    expect(
        core.get(path(route), headers={"X-Api-Key": "no-such-client", "Authorization": "Bearer junk"}),
        403,
        API_KEY_INVALID,
    )


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "authorization", [None, "", "Bearer", "Bearer   ", "Basic dXNlcjpwYXNz", "token-without-scheme"]
)
def test_missing_bearer(core, route, authorization):
    headers = {"X-Api-Key": "client-a"}
    if authorization is not None:
        headers["Authorization"] = authorization
    expect(core.get(path(route), headers=headers), 403, TOKEN_MISSING)


def test_header_names_are_case_insensitive(core):
    r = core.get(
        path(ROUTES[0]),
        headers={
            "x-api-key": "client-a",
            "authorization": f"bearer {core.token()}",
            "Content-type": "application/json",
            "Accept": "application/json",
        },
    )
    assert r.status_code == 200


def test_forged_token(core):
    """Same claims, signed by a key that is not the emulator's."""
    forged = jwt.encode(
        claims_of(core.token()), OTHER_KEY, algorithm="RS256", headers={"kid": "umapi-mock-at-1", "itt": "at"}
    )
    for route in ROUTES:
        expect(
            core.get(path(route), headers={"X-Api-Key": "client-a", "Authorization": f"Bearer {forged}"}),
            401,
            UNAUTHORIZED,
            unauthorized=True,
        )


def test_tampered_token(core):
    """A genuine token of client-b with its payload rewritten to claim org A as client-a."""
    header, payload, signature = core.token("client-b").split(".")
    claims = claims_of(core.token("client-b"))
    claims.update(client_id="client-a", org=ORG_A)
    tampered = f"{header}.{b64(claims)}.{signature}"
    expect(
        core.get(path(ROUTES[1]), headers={"X-Api-Key": "client-a", "Authorization": f"Bearer {tampered}"}),
        401,
        UNAUTHORIZED,
        unauthorized=True,
    )


def test_alg_none_token(core):
    claims = claims_of(core.token())
    for header in ({"alg": "none", "typ": "JWT"}, {"alg": "none"}, {"alg": "None"}):
        unsigned = f"{b64(header)}.{b64(claims)}."
        expect(
            core.get(path(ROUTES[1]), headers={"X-Api-Key": "client-a", "Authorization": f"Bearer {unsigned}"}),
            401,
            UNAUTHORIZED,
            unauthorized=True,
        )


def test_hs256_token_with_public_key_confusion(core):
    claims = claims_of(core.token())
    forged = jwt.encode(claims, "umapi-mock-at-1-but-a-shared-secret!!", algorithm="HS256")
    expect(
        core.get(path(ROUTES[1]), headers={"X-Api-Key": "client-a", "Authorization": f"Bearer {forged}"}),
        401,
        UNAUTHORIZED,
        unauthorized=True,
    )


@pytest.mark.parametrize("junk", ["junk", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.e30.", "ey" * 200])
def test_garbage_token(core, junk):
    expect(
        core.get(path(ROUTES[1]), headers={"X-Api-Key": "client-a", "Authorization": f"Bearer {junk}"}),
        401,
        UNAUTHORIZED,
        unauthorized=True,
    )


def test_expired_token(core):
    headers = core.auth()
    assert core.get(path(ROUTES[1]), headers=headers).status_code == 200
    core.backend.clock.advance(86_400 + 1)
    for route in ROUTES:
        expect(core.get(path(route), headers=headers), 401, UNAUTHORIZED, unauthorized=True)


def test_token_of_another_client(core):
    """A valid token of client-b presented with client-a's api key (and the reverse)."""
    token_b = core.token("client-b")
    expect(
        core.get(path(ROUTES[1]), headers={"X-Api-Key": "client-a", "Authorization": f"Bearer {token_b}"}),
        403,
        API_KEY_INVALID,
    )
    expect(
        core.get(path(ROUTES[1], ORG_B), headers={"X-Api-Key": "client-a", "Authorization": f"Bearer {token_b}"}),
        403,
        API_KEY_INVALID,
    )
    token_a = core.token("client-a")
    expect(
        core.get(path(ROUTES[1]), headers={"X-Api-Key": "client-b", "Authorization": f"Bearer {token_a}"}),
        403,
        API_KEY_INVALID,
    )


def test_scope_without_user_management_sdk(core):
    narrow = core.token("client-narrow", scope="openid,AdobeID")
    for route in ROUTES:
        expect(
            core.get(path(route), headers={"X-Api-Key": "client-narrow", "Authorization": f"Bearer {narrow}"}),
            403,
            SCOPE_MISMATCH,
        )
    # the scope is checked before the org id
    expect(
        core.get(
            path(ROUTES[1], "bad-org"), headers={"X-Api-Key": "client-narrow", "Authorization": f"Bearer {narrow}"}
        ),
        403,
        SCOPE_MISMATCH,
    )


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "org",
    ["not-an-org", "AAAA0000AAAA0000AAAA0000", "XYZ@AdobeOrg", "AAAA@adobeorg", "AAAA0000AAAA0000AAAA0000@AdobeOrg.x"],
)
def test_invalid_org_id(core, route, org):
    expect(core.get(path(route, org)), 400, BAD_ORG)


def test_invalid_org_id_checked_after_the_token(core):
    expect(
        core.get(path(ROUTES[1], "not-an-org"), headers={"X-Api-Key": "client-a", "Authorization": "Bearer x"}),
        401,
        UNAUTHORIZED,
        unauthorized=True,
    )


@pytest.mark.parametrize("route", ROUTES)
def test_token_org_differs_from_path_org(core, route):
    expect(core.get(path(route, ORG_B)), 401, WRONG_ORG, unauthorized=True)  # an org that exists
    expect(
        core.get(path(route, "0123456789ABCDEF@AdobeOrg")), 401, WRONG_ORG, unauthorized=True
    )  # and one that does not
    # client-b's token works for org B only
    assert core.get(path(route, ORG_B), client_id="client-b").status_code in (200, 404)
    expect(core.get(path(route), client_id="client-b"), 401, WRONG_ORG, unauthorized=True)


@pytest.mark.parametrize("route", ROUTES)
def test_migrating_org(core, route):
    expect(
        core.get(path(route, ORG_M), client_id="client-m"),
        403,
        {"result": "error.organization.migrating", "message": f"Organization {ORG_M} is migrating"},
    )


# ------------------------------------------------------------------ request ids

REQUEST_ID = re.compile(r"^[A-Za-z0-9]{32}$")


@pytest.mark.parametrize(
    "method,target,kwargs",
    [
        ("GET", "/v2/usermanagement/users/" + ORG_A + "/0", {"auth": True}),
        ("GET", "/v2/usermanagement/users/" + ORG_A + "/0", {}),  # 403000
        ("GET", "/v2/usermanagement/users/" + ORG_A + "/zero", {"auth": True}),  # 400
        ("GET", "/status", {}),
        ("GET", "/no/such/route", {}),
        ("POST", "/ims/token/v2", {"data": {"grant_type": "nope"}}),
    ],
)
def test_request_id_echoed_or_generated(core, method, target, kwargs):
    headers = core.auth() if kwargs.pop("auth", False) else {}
    sent = core.raw(method, target, headers={**headers, "X-Request-Id": "5a0c1e0e-8d1f-4f7e_1700000000000"}, **kwargs)
    assert sent.headers["X-Request-Id"] == "5a0c1e0e-8d1f-4f7e_1700000000000"
    first = core.raw(method, target, headers=headers, **kwargs)
    second = core.raw(method, target, headers=headers, **kwargs)
    assert REQUEST_ID.match(first.headers["X-Request-Id"])
    assert REQUEST_ID.match(second.headers["X-Request-Id"])
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]


def test_status_needs_no_auth(core):
    r = core.raw("GET", "/status")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    body = r.json()
    assert body["state"] == "LIVE"
    assert {"build", "version", "state"} <= set(body)
