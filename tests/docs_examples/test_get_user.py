"""`getUser.md`: Get User Information, its response and request examples."""

from __future__ import annotations

from typing import Any

from .conftest import check_json, check_shape, check_user, org_doc

DOMAIN = "my-domain.com"


def test_response_adobe_id_with_system_administrator_role(install: Any) -> None:
    """getUser.md, getUserAdminRolesExample: an Adobe ID whose `groups` holds `_org_admin`."""
    api = install(
        org_doc(
            users=[
                {
                    "email": f"jdoe@{DOMAIN}",
                    "type": "adobeID",
                    "firstname": "J",
                    "lastname": "D",
                    "country": "US",
                    "groups": ["_org_admin"],
                }
            ]
        )
    )
    body = check_json(api.get(f"/organizations/{api.org_id}/users/jdoe@{DOMAIN}"))
    assert set(body) == {"result", "user"} and body["result"] == "success"
    check_user(body["user"], "adobeID")
    check_shape(body["user"], {"firstname": str, "lastname": str, "country": str})
    assert body["user"]["groups"] == ["_org_admin"]
    assert body["user"]["domain"] == DOMAIN  # an Adobe ID's domain is its email's


def test_response_enterprise_user_in_two_user_groups_without_names(install: Any) -> None:
    """getUser.md, getUserGroupsExample: unset `firstname`/`lastname` are left out."""
    api = install(
        org_doc(
            domains={DOMAIN: "enterprise"},
            groups=[{"name": "UserGroup1"}, {"name": "UserGroup2"}],
            users=[
                {
                    "email": f"jdoe@{DOMAIN}",
                    "type": "enterpriseID",
                    "country": "JP",
                    "groups": ["UserGroup1", "UserGroup2"],
                }
            ],
        )
    )
    user = check_json(api.get(f"/organizations/{api.org_id}/users/jdoe@{DOMAIN}"))["user"]
    check_user(user, "enterpriseID")
    assert "firstname" not in user and "lastname" not in user
    assert user["groups"] == ["UserGroup1", "UserGroup2"]


def test_response_federated_user_with_username_and_no_memberships(install: Any) -> None:
    """getUser.md, third response example: a Federated ID whose username is not its email,
    no `groups` key at all."""
    api = install(
        org_doc(
            domains={DOMAIN: "federated"},
            users=[
                {
                    "email": f"jdoe@{DOMAIN}",
                    "username": "johndoe",
                    "type": "federatedID",
                    "firstname": "J",
                    "lastname": "D",
                    "country": "US",
                }
            ],
        )
    )
    user = check_json(api.get(f"/organizations/{api.org_id}/users/jdoe@{DOMAIN}"))["user"]
    check_user(user, "federatedID")
    assert user["username"] == "johndoe" and user["email"] == f"jdoe@{DOMAIN}"
    assert "groups" not in user


def test_response_bad_organization_id(install: Any) -> None:
    """getUser.md, response properties: early validation answers `result` plus `message`
    ("Bad organization Id"); the page gives no status, the emulator answers 400 (fidelity A32)."""
    api = install(org_doc())
    body = check_json(api.get("/organizations/not-an-org/users/x@example.com"), 400)
    assert body == {"result": "error.organization.invalid_id", "message": "Bad organization Id"}


def _three_accounts(install: Any) -> Any:
    """jdoe@example.com as an Adobe ID and as a Federated ID of example.com."""
    return install(
        org_doc(
            users=[
                {"email": "jdoe@example.com", "type": "adobeID", "country": "US"},
                {"email": "jdoe@example.com", "type": "federatedID", "country": "US", "firstname": "F"},
            ]
        )
    )


def test_request_by_email(install: Any) -> None:
    """getUser.md, example request "Searching by email": the org-owned account answers."""
    api = _three_accounts(install)
    user = check_json(api.get(f"/organizations/{api.org_id}/users/jdoe@example.com"))["user"]
    check_user(user, "federatedID")


def test_request_adobe_id_with_domain(install: Any) -> None:
    """getUser.md, example request `?domain=AdobeID`: the Adobe ID account answers."""
    api = _three_accounts(install)
    user = check_json(api.get(f"/organizations/{api.org_id}/users/jdoe@example.com", params={"domain": "AdobeID"}))
    check_user(user["user"], "adobeID")


def test_request_with_directory_domain(install: Any) -> None:
    """getUser.md, example request `?domain=example.com` (the user string is case-insensitive)."""
    api = _three_accounts(install)
    r = api.get(f"/organizations/{api.org_id}/users/JDoe@Example.com", params={"domain": "example.com"})
    check_user(check_json(r)["user"], "federatedID")


def test_not_found_partial_for_a_user(install: Any) -> None:
    """partials/notFound.md (object "user"): 404, JSON, the request id echoed,
    `{"result":"error.user.not_found","message":"User not found <user>"}` and the route's
    Canonical-Resource."""
    api = install(org_doc())
    r = api.get(
        f"/organizations/{api.org_id}/users/nobody@example.com", headers={"X-Request-Id": "user-assigned-request-id"}
    )
    body = check_json(r, 404)
    assert body == {"result": "error.user.not_found", "message": "User not found nobody@example.com"}
    assert r.headers["X-Request-Id"] == "user-assigned-request-id"
    assert r.headers["Canonical-Resource"] == "/v2/usermanagement/organizations/{orgId}/users/{userstring:.*}"
