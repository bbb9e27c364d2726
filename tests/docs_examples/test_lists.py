"""`getUsersWithPage.md`, `getUsersByGroup.md`, `group.md`: the paged v2 lists, their
response and request examples (two objects a page, so a few users span pages)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import GROUP_KEYS, check_json, check_keys, check_paging, check_shape, check_user, org_doc

pytestmark = pytest.mark.usefixtures("small_pages")

PROFILE, OTHER_PROFILE, TEAM = "Document Cloud 1", "Creative Cloud 1", "DevOps"


def world(install: Any) -> Any:
    """Four active Federated users of example.com (one with a non-email username and no
    groups, two with user-group, profile and admin memberships) plus a disabled one."""
    return install(
        org_doc(
            domains={"example.com": "federated", "my-domain.com": "federated"},
            products={
                "Adobe Document Cloud for business": [{"name": PROFILE, "quota": 1}],
                "All Apps plan": [{"name": OTHER_PROFILE, "quota": 8}, {"name": "Photoshop"}],
            },
            groups=[{"name": TEAM, "profiles": [OTHER_PROFILE]}],
            users=[
                {"email": "psmith@example.com", "username": "psmith", "country": "US"},
                {
                    "email": "jane@example.com",
                    "username": "jane",
                    "firstname": "Jane",
                    "lastname": "Doe",
                    "country": "US",
                    "groups": [PROFILE, TEAM, f"_admin_{PROFILE}", f"_admin_{OTHER_PROFILE}"],
                },
                {
                    "email": "joe@example.com",
                    "username": "joe",
                    "country": "US",
                    "groups": [PROFILE, "_deployment_admin", f"_developer_{PROFILE}", "Photoshop"],
                },
                {"email": "last@my-domain.com", "country": "US", "groups": [TEAM]},
                {"email": "gone@example.com", "country": "US", "status": "disabled", "groups": [PROFILE]},
            ],
        )
    )


# ------------------------------------------------------------------ getUsersWithPage.md


def test_users_response_three_users_not_last_page(install: Any) -> None:
    """getUsersWithPage.md, getUsersExample: `lastPage: false`, `result: success`, users with
    and without `groups`, paging headers as strings (partials/pagedResponseHeaders.md)."""
    api = world(install)
    r = api.get(f"/users/{api.org_id}/0")
    body = check_json(r)
    assert list(body) == ["lastPage", "result", "users"]
    assert body["lastPage"] is False and body["result"] == "success"
    for user in body["users"]:
        check_user(user, "federatedID")
    assert "groups" not in body["users"][0] and body["users"][0]["username"] == "psmith"
    assert "_admin_Document Cloud 1" in body["users"][1]["groups"]
    # X-Total-Count also counts the org's technical account, which no page returns
    check_paging(r, total=5, page=0, size=2, pages=2)


def test_users_response_last_page(install: Any) -> None:
    """getUsersWithPage.md, getUsersExampleLastPage: the final page says `lastPage: true`."""
    api = world(install)
    r = api.get(f"/users/{api.org_id}/1")
    body = check_json(r)
    assert body["lastPage"] is True and body["result"] == "success"
    check_paging(r, total=5, page=1, size=2, pages=2)


@pytest.mark.parametrize("page", ["getUsersWithPage.md", "getUsersByGroup.md"])
def test_users_response_bad_organization_id(install: Any, page: str) -> None:
    """getUsersWithPage.md and getUsersByGroup.md, response properties: the early-validation
    body `{"result": "error.organization.invalid_id", "message": "Bad organization Id"}`."""
    api = world(install)
    path = "/users/12345/0" if page == "getUsersWithPage.md" else f"/users/12345/0/{TEAM}"
    assert check_json(api.get(path), 400) == {
        "result": "error.organization.invalid_id",
        "message": "Bad organization Id",
    }


def test_users_request_first_page(install: Any) -> None:
    """getUsersWithPage.md, example request "Retrieve the first page of users"."""
    api = world(install)
    r = api.get(f"/users/{api.org_id}/0")
    assert check_json(r)["result"] == "success"
    assert r.headers["X-Current-Page"] == "0"


def test_users_request_fifth_page_past_the_end(install: Any) -> None:
    """getUsersWithPage.md, example request `/4` ("fifth page"; the page parameter is
    0-based): a page past the end returns the last page."""
    api = world(install)
    r = api.get(f"/users/{api.org_id}/4")
    body = check_json(r)
    assert body["lastPage"] is True and [u["email"] for u in body["users"]] == ["joe@example.com", "last@my-domain.com"]
    check_paging(r, total=5, page=1, size=2, pages=2)


def test_users_request_with_domain(install: Any) -> None:
    """getUsersWithPage.md, example request `?domain=my-domain.com`: that domain's users only."""
    api = world(install)
    r = api.get(f"/users/{api.org_id}/0", params={"domain": "my-domain.com"})
    body = check_json(r)
    assert [u["domain"] for u in body["users"]] == ["my-domain.com"] and body["lastPage"] is True
    check_paging(r, total=1, page=0, size=1, pages=1)


def test_users_request_direct_only_false(install: Any) -> None:
    """getUsersWithPage.md, example request `?directOnly=false`: `groups` also lists the
    profiles a user reaches through a user group (partials/directOnlyDescription.md)."""
    api = world(install)
    direct = check_json(api.get(f"/users/{api.org_id}/1"))["users"][1]
    every = check_json(api.get(f"/users/{api.org_id}/1", params={"directOnly": "false"}))["users"][1]
    assert direct["groups"] == [TEAM]
    assert every["groups"] == [OTHER_PROFILE, TEAM]


# ------------------------------------------------------------------- getUsersByGroup.md


def test_group_users_response_members_with_their_groups(install: Any) -> None:
    """getUsersByGroup.md, getUsersExample: `groupName` beside `lastPage`, `result`, users
    carrying their other memberships."""
    api = world(install)
    r = api.get(f"/users/{api.org_id}/0/{PROFILE}")
    body = check_json(r)
    assert list(body) == ["lastPage", "result", "groupName", "users"]
    assert (body["lastPage"], body["result"], body["groupName"]) == (False, "success", PROFILE)
    for user in body["users"]:
        check_user(user, "federatedID")
        assert PROFILE in user["groups"]
    check_paging(r, total=3, page=0, size=2, pages=2)


def test_group_users_response_exclude_groups(install: Any) -> None:
    """getUsersByGroup.md, getUsersWithNoGroupsExample: `excludeGroups=true` drops `groups`."""
    api = world(install)
    body = check_json(api.get(f"/users/{api.org_id}/0/{PROFILE}", params={"excludeGroups": "true"}))
    assert body["users"] and all("groups" not in u for u in body["users"])
    for user in body["users"]:
        check_user(user, "federatedID")


def test_group_users_response_last_page(install: Any) -> None:
    """getUsersByGroup.md, getUsersExampleLastPage: `lastPage: true` on the final page; the
    list holds members of every status (fidelity A21)."""
    api = world(install)
    body = check_json(api.get(f"/users/{api.org_id}/1/{PROFILE}"))
    assert body["lastPage"] is True and body["groupName"] == PROFILE
    assert [u["email"] for u in body["users"]] == ["gone@example.com"]


def test_group_users_not_found_partial(install: Any) -> None:
    """partials/notFound.md (object "group"): 404 with
    `{"lastPage":false,"result":"error.group.not_found","message":"Not found: Group <name>"}`."""
    api = world(install)
    r = api.get(f"/users/{api.org_id}/0/1234")
    assert check_json(r, 404) == {
        "lastPage": False,
        "result": "error.group.not_found",
        "message": "Not found: Group 1234",
    }


def test_group_users_not_found_partial_canonical_resource(install: Any) -> None:
    """partials/notFound.md (object "group"): the 404 names its route template."""
    api = world(install)
    r = api.get(f"/users/{api.org_id}/0/1234")
    assert r.headers["Canonical-Resource"] == "/v2/usermanagement/users/{orgId}/{page}/{groupName}"


def test_group_users_request_first_page_of_photoshop(install: Any) -> None:
    """getUsersByGroup.md, example request `/0/photoshop`: group names match regardless of case."""
    api = world(install)
    body = check_json(api.get(f"/users/{api.org_id}/0/photoshop"))
    assert [u["email"] for u in body["users"]] == ["joe@example.com"] and body["lastPage"] is True


def test_group_users_request_fifth_page_of_user_group(install: Any) -> None:
    """getUsersByGroup.md, example request `/4/DevOps`: past the end, the last page."""
    api = world(install)
    r = api.get(f"/users/{api.org_id}/4/{TEAM}")
    body = check_json(r)
    assert body["lastPage"] is True and body["groupName"] == TEAM
    check_paging(r, total=2, page=0, size=2, pages=1)


def test_group_users_request_active_status(install: Any) -> None:
    """getUsersByGroup.md, example request `?status=active`: only members holding one of the
    profile's licences (quota 1 here: the first to join)."""
    api = world(install)
    active = check_json(api.get(f"/users/{api.org_id}/0/{PROFILE}", params={"status": "active"}))
    inactive = check_json(api.get(f"/users/{api.org_id}/0/{PROFILE}", params={"status": "inactive"}))
    assert [u["email"] for u in active["users"]] == ["jane@example.com"]
    assert [u["email"] for u in inactive["users"]] == ["joe@example.com", "gone@example.com"]


# ----------------------------------------------------------------------------- group.md


def _groups(api: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for page in range(50):
        body = check_json(api.get(f"/groups/{api.org_id}/{page}"))
        out += body["groups"]
        if body["lastPage"]:
            return out
    raise AssertionError("no last page in 50 pages")


def test_groups_response_fields_per_type(install: Any) -> None:
    """group.md, getGroupsExample: the fields each group type carries (decision and evidence
    in docs/fidelity.md, "Documented surface")."""
    doc = org_doc(
        products={"Adobe Document Cloud for business": [{"name": PROFILE, "quota": 8}]},
        groups=[{"name": TEAM, "quota": 2}],
        users=[
            {
                "email": "a@example.com",
                "country": "US",
                "groups": [
                    "_org_admin",
                    TEAM,
                    f"_admin_{TEAM}",
                    "_product_admin_Adobe Document Cloud for business",
                    f"_developer_{PROFILE}",
                ],
            }
        ],
    )
    api = install(doc)
    by_type = {g["type"]: g for g in _groups(api)}
    for group in by_type.values():
        check_shape(group, {"groupId": int, "groupName": str, "type": str, "memberCount": int})
        check_keys(group, GROUP_KEYS)
    assert by_type["SYSADMIN_GROUP"]["groupName"] == "_org_admin"
    team = by_type["USER_GROUP"]
    assert (team["adminGroupName"], team["licenseQuota"]) == (f"_admin_{TEAM}", "2")
    profile = by_type["PRODUCT_PROFILE"]
    assert (profile["productName"], profile["licenseQuota"]) == ("Adobe Document Cloud for business", "8")
    assert by_type["PRODUCT_ADMIN_GROUP"]["productProfileName"] == "Adobe Document Cloud for business"
    assert "productName" not in by_type["PRODUCT_ADMIN_GROUP"]
    assert by_type["DEVELOPER_GROUP"]["productProfileName"] == PROFILE
    assert by_type["USER_ADMIN_GROUP"]["userGroupName"] == TEAM


def test_groups_response_page_past_the_end(install: Any) -> None:
    """group.md, getGroupsBeyondPageBoundaryExample shows `{"lastPage": true, "result": "Not
    found"}`, while the same page's `page` parameter says a page past the end "returns the last
    page of groups" (as getUsersWithPage.md does for users). The emulator returns the last page
    with `result: success` (fidelity A12): the official client raises on any other result."""
    api = world(install)
    last = check_json(api.get(f"/groups/{api.org_id}/999"))
    assert last["lastPage"] is True and last["result"] == "success" and last["groups"]


def test_groups_request_first_page(install: Any) -> None:
    """group.md, example request "Retrieve the first page of groups": the paging headers are
    sent on /groups too (fidelity A11)."""
    api = world(install)
    r = api.get(f"/groups/{api.org_id}/0")
    body = check_json(r)
    assert body["result"] == "success" and body["lastPage"] is False and len(body["groups"]) == 2
    assert r.headers["X-Current-Page"] == "0" and r.headers["X-Page-Size"] == "2"


def test_groups_request_fourth_page(install: Any) -> None:
    """group.md, example request `/4`: index 4 of a 0-based page parameter."""
    api = world(install)
    total = int(api.get(f"/groups/{api.org_id}/0").headers["X-Total-Count"])
    r = api.get(f"/groups/{api.org_id}/4")
    body = check_json(r)
    assert r.headers["X-Current-Page"] == "4" and body["lastPage"] is (total <= 10)
