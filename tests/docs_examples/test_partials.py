"""The error partials every API page includes: `throttling.md` (429), `unauthorized.md` (401)
and `forbidden.md` (403), each tried on the endpoints whose pages include it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from umapi_mock.http.context import emulator_of
from umapi_mock.layers.throttle import parse_policy

from .conftest import BASE, check_json, org_doc

REQUEST_ID = "user-assigned-request-id"
# One route per page family that includes the partials (path after /v2/usermanagement).
ROUTES = {
    "getUser.md": "/organizations/{org}/users/jane@example.com",
    "getUsersWithPage.md": "/users/{org}/0",
    "getUsersByGroup.md": "/users/{org}/0/Team",
    "group.md": "/groups/{org}/0",
    "getUsersREST.md": "/{org}/users",
    "getUserGroups.md": "/{org}/user-groups",
}


@pytest.fixture
def api(install: Any) -> Any:
    return install(org_doc(groups=[{"name": "Team"}], users=[{"email": "jane@example.com", "country": "US"}]))


@pytest.fixture
def throttle(served: Any) -> Iterator[Any]:
    layer = emulator_of(served.app).layers.throttle
    yield layer
    layer.set_policy(parse_policy("off"))


@pytest.mark.parametrize("page", sorted(ROUTES))
def test_throttling_partial(api: Any, throttle: Any, page: str) -> None:
    """partials/throttling.md sample: 429, `Content-Type: application/json`, an integer
    `Retry-After`, `Server: APIP`, the request id, body `{"error_code": "429050", "message":
    "Too many requests"}`."""
    throttle.set_policy(parse_policy({"base": "none", "families": {"*": {"per_client": 1}}}))
    path = ROUTES[page].format(org=api.org_id)
    assert api.get(path).status_code in (200, 404)
    r = api.get(path, headers={"X-Request-Id": REQUEST_ID})
    assert check_json(r, 429) == {"error_code": "429050", "message": "Too many requests"}
    assert r.headers["Retry-After"].isdigit() and int(r.headers["Retry-After"]) > 0
    assert (r.headers["Server"], r.headers["X-Request-Id"]) == ("APIP", REQUEST_ID)


@pytest.mark.parametrize("page", sorted(ROUTES))
def test_unauthorized_partial(api: Any, served: Any, page: str) -> None:
    """partials/unauthorized.md: 401 for an invalid token with
    `WWW-Authenticate: Bearer realm="JIL", error="invalid_token", error_description="The access
    token is invalid"` and the request id. The sample's body is empty; production answers
    `error.unauthorized` JSON, which the emulator sends (fidelity A39)."""
    path = ROUTES[page].format(org=api.org_id)
    r = served.session.get(
        f"{served.url}{BASE}{path}",
        headers={"X-Api-Key": "test-client", "Authorization": "Bearer eyNotAToken", "X-Request-Id": REQUEST_ID},
        verify=served.ca_path,
        timeout=30,
    )
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == (
        'Bearer realm="JIL", error="invalid_token", error_description="The access token is invalid"'
    )
    assert r.headers["X-Request-Id"] == REQUEST_ID
    assert check_json(r, 401)["result"] == "error.unauthorized"


@pytest.mark.parametrize("page", sorted(ROUTES))
def test_forbidden_partial(api: Any, served: Any, page: str) -> None:
    """partials/forbidden.md: 403 for a missing API key, with the request id. The sample's
    body is empty; the gateway answers `{"error_code": "403000", ...}` (fidelity A40)."""
    path = ROUTES[page].format(org=api.org_id)
    r = served.session.get(
        f"{served.url}{BASE}{path}",
        headers={"Authorization": f"Bearer {api.token}", "X-Request-Id": REQUEST_ID},
        verify=served.ca_path,
        timeout=30,
    )
    assert check_json(r, 403)["error_code"] == "403000"
    assert r.headers["X-Request-Id"] == REQUEST_ID


def test_forbidden_partial_on_action(api: Any, served: Any) -> None:
    """partials/forbidden.md as ActionsRef.md includes it: a missing API key is refused before
    any command runs."""
    r = served.session.post(
        f"{served.url}{BASE}/action/{api.org_id}",
        json=[{"user": "jane@example.com", "do": [{"removeFromOrg": {}}]}],
        headers={"Authorization": f"Bearer {api.token}"},
        verify=served.ca_path,
        timeout=30,
    )
    assert r.status_code == 403
    assert check_json(api.get(f"/organizations/{api.org_id}/users/jane@example.com"))["result"] == "success"
