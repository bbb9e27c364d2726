"""The deprecated pages (`getUsersREST.md`, `getUserGroups.md`, `getUserGroup.md`,
`QueryUserGroups.md`, `QueryProducts.md`, `getAllProfilesForOrg.md`, `getProductProfile.md`,
`getProductProfileUsers.md`, `updateProductProfile.md`): every response and request
example. Adobe still serves these "for the foreseeable future" (DeprecatedApis.md)."""

from __future__ import annotations

from typing import Any

from .conftest import check_json, check_keys, check_shape, org_doc

PRODUCT, PROFILE, OTHER = "Support", "Default Support profile", "Second Support profile"
OLD_USER_KEYS = {
    "id",
    "email",
    "status",
    "groups",
    "username",
    "domain",
    "firstName",
    "lastName",
    "countryCode",
    "userType",
    "adminRoles",
    "phoneNumber",
}
OLD_GROUP_KEYS = {"groupId", "name", "type", "adminGroupId", "adminGroupName", "userCount", "adminCount", "isReadOnly"}
PROFILE_KEYS = {"id", "adminCount", "userCount", "licenseQuota", "licenseGroupId", "adminGroupId", "orgId", "productId"}
PROFILE_SHAPE = {
    "id": str,
    "adminCount": int,
    "userCount": int,
    "licenseQuota": (int, type(None)),
    "licenseGroupId": int,
    "orgId": str,
    "productId": str,
}
PRODUCT_SHAPE = {"id": str, "code": str, "name": str, "userCount": int, "configurationCount": int, "licenseQuota": int}
PROFILE_USER_KEYS = {"id", "email", "username", "domain", "firstName", "lastName", "userType"}


def world(install: Any) -> Any:
    """One product with two profiles (one empty), three user groups (one with an admin, one
    shared read-only, one empty), users of the three identity types."""
    return install(
        org_doc(
            domains={"example.com": "federated", "example.net": "enterprise"},
            products={
                PRODUCT: [{"name": PROFILE, "quota": 10, "id": 42201538}, {"name": OTHER}],
                "Adobe Document Cloud for business": [{"name": "Document Cloud 1"}],
            },
            groups=[
                {"name": "TestUsergroup", "id": 39127441},
                {"name": "UserGroup12", "read_only": True},
                {"name": "UserGroup6"},
            ],
            users=[
                {
                    "email": "jane@example.net",
                    "type": "enterpriseID",
                    "firstname": "Jane",
                    "lastname": "Doe",
                    "country": "US",
                    "groups": [PROFILE, "TestUsergroup", "_admin_TestUsergroup"],
                },
                {
                    "email": "johndoe@example2.com",
                    "type": "adobeID",
                    "firstname": "John",
                    "lastname": "Doe",
                    "country": "US",
                    "groups": [PROFILE, "TestUsergroup"],
                },
                {
                    "email": "john@example.com",
                    "username": "john",
                    "country": "US",
                    "groups": [PROFILE, "UserGroup12", f"_admin_{PROFILE}"],
                },
            ],
        )
    )


def product_of(api: Any, name: str) -> dict[str, Any]:
    products = check_json(api.get(f"/{api.org_id}/products"))
    return next(p for p in products if p["name"] == name)


def profile_path(api: Any, name: str = PROFILE) -> str:
    product = product_of(api, PRODUCT)
    configs = check_json(api.get(f"/{api.org_id}/products/{product['id']}/configurations"))["licenseConfigurations"]
    by_group = {c["licenseGroupId"]: c["id"] for c in configs}
    gid = {PROFILE: 42201538}.get(name) or next(g for g in by_group if g != 42201538)
    return f"/{api.org_id}/products/{product['id']}/configurations/{by_group[gid]}"


# -------------------------------------------------------------------- getUsersREST.md


def test_users_rest_response_three_users(install: Any) -> None:
    """getUsersREST.md, getUsersRESTExample: a bare array of old-style users (camelCase names,
    `countryCode`, `userType`), `groups` left out when empty, paging headers."""
    api = world(install)
    r = api.get(f"/{api.org_id}/users")
    users = check_json(r)
    assert isinstance(users, list) and len(users) == 3
    for user in users:
        check_shape(user, {"id": str, "email": str, "status": str, "username": str, "domain": str, "userType": str})
        check_keys(user, OLD_USER_KEYS)
    assert users[0]["firstName"] == "Jane" and users[0]["countryCode"] == "US"
    assert r.headers["X-Total-Count"] == "4" and r.headers["X-Page-Count"] == "1"  # + the technical account


def test_users_rest_request_first_page(install: Any) -> None:
    """getUsersREST.md, example request `?page=0` (0-based, fidelity A8)."""
    api = world(install)
    r = api.get(f"/{api.org_id}/users", params={"page": "0"})
    assert len(check_json(r)) == 3 and r.headers["X-Current-Page"] == "0"


def test_users_rest_request_fourth_page_direct_only(install: Any) -> None:
    """getUsersREST.md, example request `?page=4&directOnly=true`: past the end, the last page."""
    api = world(install)
    r = api.get(f"/{api.org_id}/users", params={"page": "4", "directOnly": "true"})
    assert len(check_json(r)) == 3 and r.headers["X-Current-Page"] == "0"


# ---------------------------------------------------------- getUserGroups.md, getUserGroup.md


def test_user_groups_response_three_groups(install: Any) -> None:
    """getUserGroups.md, example: `groupId` an integer, `adminGroupId` and `adminCount`
    strings, `isReadOnly` a boolean; fields without a value left out (an empty group has no
    `userCount`, as the page's third group and getUserGroup.md's prose say)."""
    api = world(install)
    r = api.get(f"/{api.org_id}/user-groups")
    groups = {g["name"]: g for g in check_json(r)}
    for group in groups.values():
        check_shape(group, {"groupId": int, "name": str, "type": str})
        check_keys(group, OLD_GROUP_KEYS)
        assert group["type"] == "USER_GROUP"
    admin = groups["TestUsergroup"]
    check_shape(admin, {"adminGroupId": str, "adminGroupName": str, "userCount": int, "adminCount": str})
    assert (admin["groupId"], admin["userCount"], admin["adminCount"]) == (39127441, 2, "1")
    assert groups["UserGroup12"]["isReadOnly"] is True
    assert "userCount" not in groups["UserGroup6"]
    assert r.headers["X-Current-Page"] == "1"


def test_user_groups_request_first_page(install: Any) -> None:
    """getUserGroups.md, "Retrieve the first page" (no `page`; 1-based, fidelity A8)."""
    api = world(install)
    r = api.get(f"/{api.org_id}/user-groups", headers={"content-type": "application/json", "x-request-id": "r-1"})
    assert len(check_json(r)) == 3 and r.headers["X-Current-Page"] == "1" and r.headers["X-Request-Id"] == "r-1"


def test_user_groups_request_third_page(install: Any) -> None:
    """getUserGroups.md, "Retrieve the 3rd page" (`?page=3`): past the end, the last page."""
    api = world(install)
    r = api.get(f"/{api.org_id}/user-groups", params={"page": "3"})
    assert len(check_json(r)) == 3 and r.headers["X-Page-Count"] == "1"


def test_user_group_response(install: Any) -> None:
    """getUserGroup.md, example: one user group object with `isReadOnly: false`."""
    api = world(install)
    group = check_json(api.get(f"/{api.org_id}/user-groups/39127441"))
    check_shape(
        group,
        {
            "groupId": int,
            "name": str,
            "type": str,
            "adminGroupId": str,
            "adminGroupName": str,
            "userCount": int,
            "adminCount": str,
            "isReadOnly": bool,
        },
    )
    check_keys(group, OLD_GROUP_KEYS)
    assert (group["userCount"], group["adminCount"], group["isReadOnly"]) == (2, "1", False)


def test_user_group_not_found(install: Any) -> None:
    """getUserGroup.md, the 404 example: `{"errorMessage":"GROUP_NOT_FOUND","errorCode":"GROUP_NOT_FOUND"}`
    as JSON with the request id echoed."""
    api = world(install)
    r = api.get(f"/{api.org_id}/user-groups/1", headers={"x-request-id": "user-assigned-request-id"})
    assert check_json(r, 404) == {"errorMessage": "GROUP_NOT_FOUND", "errorCode": "GROUP_NOT_FOUND"}
    assert r.headers["X-Request-Id"] == "user-assigned-request-id"


def test_user_group_request(install: Any) -> None:
    """getUserGroup.md, example request `/user-groups/39127441` with content-type and request id."""
    api = world(install)
    r = api.get(f"/{api.org_id}/user-groups/39127441", headers={"content-type": "application/json"})
    assert check_json(r)["name"] == "TestUsergroup"


# --------------------------------------------------------------------- QueryUserGroups.md


def test_user_group_users_response(install: Any) -> None:
    """QueryUserGroups.md, "List Users in a User Group": a bare array of `email`,
    `firstName`, `lastName`, `countryCode`, `status`, `userType`."""
    api = world(install)
    users = check_json(api.get(f"/{api.org_id}/user-groups/39127441/users"))
    assert [u["email"] for u in users] == ["jane@example.net", "johndoe@example2.com"]
    for user in users:
        check_shape(
            user, {"email": str, "firstName": str, "lastName": str, "countryCode": str, "status": str, "userType": str}
        )
        check_keys(user, {"email", "firstName", "lastName", "countryCode", "status", "userType"})


# ------------------------------------------------------------------------ QueryProducts.md


def test_products_response(install: Any) -> None:
    """QueryProducts.md, "List Products": a bare array of `id`, `code`, `name`, `userCount`,
    `configurationCount`, `licenseQuota` (an integer), 0-based `?page=`."""
    api = world(install)
    r = api.get(f"/{api.org_id}/products", params={"page": "0"})
    products = check_json(r)
    for product in products:
        check_shape(product, PRODUCT_SHAPE)
        check_keys(product, set(PRODUCT_SHAPE))
    support = next(p for p in products if p["name"] == PRODUCT)
    assert (support["userCount"], support["configurationCount"], support["licenseQuota"]) == (3, 2, 10)
    assert r.headers["X-Current-Page"] == "0" and r.headers["X-Total-Count"] == "2"


# ---------------------------------------------------------------- getAllProfilesForOrg.md


def test_all_profiles_response(install: Any) -> None:
    """getAllProfilesForOrg.md, example: the product with its `licenseConfigurations`, each
    profile with integer counts and ids, `licenseQuota` null when unlimited."""
    api = world(install)
    product = product_of(api, PRODUCT)
    body = check_json(api.get(f"/{api.org_id}/products/{product['id']}/configurations"))
    check_shape(body, {**PRODUCT_SHAPE, "licenseConfigurations": [PROFILE_SHAPE]})
    assert {k: body[k] for k in PRODUCT_SHAPE} == product
    configs = {c["licenseGroupId"]: c for c in body["licenseConfigurations"]}
    for config in configs.values():
        check_keys(config, PROFILE_KEYS)
        assert (config["orgId"], config["productId"]) == (api.org_id, product["id"])
    first = configs[42201538]
    assert (first["userCount"], first["adminCount"], first["licenseQuota"]) == (3, 1, 10)
    assert [c["licenseQuota"] for g, c in configs.items() if g != 42201538] == [None]


def test_all_profiles_request(install: Any) -> None:
    """getAllProfilesForOrg.md, example request: its curl addresses one configuration
    (`.../configurations/{profileId}`; spec §6 A45), answered like getProductProfile.md."""
    api = world(install)
    check_shape(check_json(api.get(profile_path(api))), PROFILE_SHAPE)


# --------------------------------------------------------------------- getProductProfile.md


def test_product_profile_response(install: Any) -> None:
    """getProductProfile.md, example: `id` shaped `RGRP-<licenseGroupId>`, integer counts,
    `adminGroupId` the profile's admin group."""
    api = world(install)
    profile = check_json(api.get(profile_path(api)))
    check_shape(profile, {**PROFILE_SHAPE, "adminGroupId": int})
    check_keys(profile, PROFILE_KEYS)
    assert profile["id"] == "RGRP-42201538" and profile["licenseGroupId"] == 42201538
    groups = check_json(api.get(f"/groups/{api.org_id}/0"))["groups"]
    admin = next(g for g in groups if g["groupName"] == f"_admin_{PROFILE}")
    assert profile["adminGroupId"] == admin["groupId"]


def test_product_profile_request(install: Any) -> None:
    """getProductProfile.md, example request `/products/{productId}/configurations/{profileId}`."""
    api = world(install)
    r = api.get(profile_path(api, OTHER))
    assert check_json(r)["userCount"] == 0


def test_product_profile_not_found_partial(install: Any) -> None:
    """partials/notFound.md (object "plc"), on getAllProfilesForOrg.md, getProductProfile.md
    and getProductProfileUsers.md: 404 `{"errorMessage":"PLC_NOT_FOUND","errorCode":"PLC_NOT_FOUND"}`
    as JSON, with the route's Canonical-Resource."""
    api = world(install)
    product = product_of(api, PRODUCT)
    for path in (
        f"/{api.org_id}/products/{product['id']}/configurations/RGRP-1",
        f"/{api.org_id}/products/{product['id']}/configurations/RGRP-1/users",
        f"/{api.org_id}/products/RPC-NOPE/configurations",
    ):
        r = api.get(path)
        assert check_json(r, 404) == {"errorMessage": "PLC_NOT_FOUND", "errorCode": "PLC_NOT_FOUND"}, path
        assert r.headers["Canonical-Resource"].startswith(
            "/v2/usermanagement/{orgId}/products/{productId}/configurations"
        )


# -------------------------------------------------------------- getProductProfileUsers.md


def test_product_profile_users_response_three_types(install: Any) -> None:
    """getProductProfileUsers.md, example: users of the three identity types, as a bare array
    of `id`, `email`, `username`, `domain`, `firstName`, `lastName`, `userType`."""
    api = world(install)
    users = check_json(api.get(profile_path(api) + "/users"))
    assert sorted(u["userType"] for u in users) == ["adobeID", "enterpriseID", "federatedID"]
    for user in users:
        check_shape(user, {"id": str, "email": str, "username": str, "domain": str, "userType": str})
        check_keys(user, PROFILE_USER_KEYS)
    john = next(u for u in users if u["email"] == "john@example.com")
    assert john["username"] == "john" and "firstName" not in john and john["id"].endswith("@example.com")


def test_product_profile_users_response_empty(install: Any) -> None:
    """getProductProfileUsers.md, "Response returning no users": `[]`."""
    api = world(install)
    assert check_json(api.get(profile_path(api, OTHER) + "/users")) == []


def test_product_profile_users_request(install: Any) -> None:
    """getProductProfileUsers.md, example request `.../configurations/{profileId}/users`."""
    api = world(install)
    r = api.get(profile_path(api) + "/users")
    assert len(check_json(r)) == 3 and r.headers["X-Total-Count"] == "3"


# ------------------------------------------------------------------ updateProductProfile.md


def test_update_product_profile_request(install: Any) -> None:
    """updateProductProfile.md, "Request Body" example: every list at once; 200 with the
    updated profile, and the memberships changed as asked."""
    api = world(install)
    path = profile_path(api)
    body = {
        "addUsers": ["jane@example.net"],
        "removeUsers": ["johndoe@example2.com"],
        "addUserGroups": ["UserGroup6"],
        "removeUserGroups": ["TestUsergroup"],
        "addAdminUsers": ["jane@example.net"],
        "removeAdminUsers": ["john@example.com"],
    }
    updated = check_json(api.post(path.removeprefix("/v2/usermanagement"), body))
    check_shape(updated, PROFILE_SHAPE)
    assert (updated["userCount"], updated["adminCount"]) == (2, 1)
    users = {u["email"] for u in check_json(api.get(path + "/users"))}
    assert users == {"jane@example.net", "john@example.com"}
    admins = check_json(api.get(f"/users/{api.org_id}/0/_admin_{PROFILE}"))["users"]
    assert [u["email"] for u in admins] == ["jane@example.net"]
