"""The read API (spec §2.2–2.6) over HTTPS against the core world, whose every user and
membership is known: exact bodies, paging headers, filters and error bodies."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from tests.world import ACTIVE_A, ORG_A, ORG_B

ID = re.compile(r"^[0-9A-F]{24}@(AdobeID|example\.com|example\.net)$")

# The core world's users as the API shows them with directOnly=true (ids checked separately).
JANE = {
    "email": "jane@example.com",
    "status": "active",
    "username": "jane@example.com",
    "domain": "example.com",
    "firstname": "Jane",
    "lastname": "Doe",
    "country": "US",
    "type": "federatedID",
    "groups": ["_org_admin", "Employees"],
}
JANE_ADOBE = {
    "email": "jane@example.com",
    "status": "active",
    "username": "jane@example.com",
    "domain": "example.com",
    "firstname": "Jane",
    "lastname": "Private",
    "country": "FR",
    "type": "adobeID",
}
BOB = {
    "email": "Bob@Example.com",
    "status": "active",
    "username": "Bob@Example.com",
    "domain": "example.com",
    "firstname": "Bob",
    "lastname": "Stone",
    "country": "DE",
    "type": "federatedID",
    "groups": ["_admin_Employees", "PS Default"],
}
CAROL = {
    "email": "carol@example.net",
    "status": "active",
    "username": "carol@example.net",
    "domain": "example.net",
    "country": "GB",
    "type": "enterpriseID",
    "groups": ["Employees", "PS Default"],
}
DAVE = {
    "email": "dave@example.com",
    "status": "disabled",
    "username": "dave@example.com",
    "domain": "example.com",
    "firstname": "Dave",
    "lastname": "Gone",
    "country": "US",
    "type": "federatedID",
    "groups": ["Employees"],
}
ERIN = {
    "email": "erin@example.com",
    "status": "active",
    "username": "ewilson",
    "domain": "example.com",
    "firstname": "Erin",
    "lastname": "Wilson",
    "country": "CA",
    "type": "federatedID",
    "groups": ["_admin_PS Default", "_product_admin_Adobe Photoshop"],
}
FRANK = {
    "email": "frank@gmail.example",
    "status": "active",
    "username": "frank@gmail.example",
    "domain": "gmail.example",
    "country": "JP",
    "type": "adobeID",
    "groups": ["AI Default", "Contractors"],
}
ALL_ACTIVE = [JANE, JANE_ADOBE, BOB, CAROL, ERIN, FRANK]


def indirect(user: dict[str, Any], *extra: str) -> dict[str, Any]:
    """The user as directOnly=false shows it: profiles reached through user groups added."""
    groups = sorted(set(user.get("groups", [])) | set(extra), key=str.lower)
    return {**user, "groups": groups}


def no_groups(user: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in user.items() if k != "groups"}


def without_ids(users: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for u in users:
        assert ID.match(u["id"]), u["id"]
        out.append({k: v for k, v in u.items() if k != "id"})
    return out


# ORG_A's users list: 6 active users, plus one technical account per credential (two) in
# X-Total-Count (docs/fidelity.md, "Documented surface").
USERS_TOTAL = "8"


def paging(r: Any) -> tuple[str, str, str, str]:
    h = r.headers
    return h["X-Total-Count"], h["X-Page-Count"], h["X-Current-Page"], h["X-Page-Size"]


def ok(r: Any) -> Any:
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/json"
    return r.json()


# ------------------------------------------------------------------ Get User


@pytest.mark.parametrize("user_string", ["jane@example.com", "JANE@EXAMPLE.COM", "Jane@Example.Com"])
def test_get_user_case_insensitive(core, user_string):
    body = ok(core.get(f"/organizations/{ORG_A}/users/{user_string}"))
    assert set(body) == {"result", "user"}
    assert body["result"] == "success"
    assert without_ids([body["user"]]) == [JANE]
    assert body["user"]["id"].endswith("@example.com")


def test_get_user_keeps_stored_case(core):
    body = ok(core.get(f"/organizations/{ORG_A}/users/bob@example.com"))
    assert without_ids([body["user"]]) == [BOB]


@pytest.mark.parametrize("domain", ["AdobeID", "adobeid", "ADOBEID"])
def test_get_user_adobe_id_by_domain(core, domain):
    body = ok(core.get(f"/organizations/{ORG_A}/users/jane@example.com", params={"domain": domain}))
    assert without_ids([body["user"]]) == [JANE_ADOBE]
    assert body["user"]["id"].endswith("@AdobeID")


@pytest.mark.parametrize("domain", ["example.com", "EXAMPLE.COM", ""])
def test_get_user_org_account_by_domain(core, domain):
    """Without `domain` (or with the directory's), the org-owned account wins over the Adobe ID."""
    body = ok(core.get(f"/organizations/{ORG_A}/users/jane@example.com", params={"domain": domain}))
    assert without_ids([body["user"]]) == [JANE]


def test_get_user_by_non_email_username(core):
    body = ok(core.get(f"/organizations/{ORG_A}/users/ewilson", params={"domain": "example.com"}))
    assert without_ids([body["user"]]) == [ERIN]
    body = ok(core.get(f"/organizations/{ORG_A}/users/erin@example.com"))
    assert without_ids([body["user"]]) == [ERIN]


@pytest.mark.parametrize(
    "user_string,params",
    [
        ("nobody@example.com", None),
        ("dave@example.com", None),  # disabled
        ("gina@example.net", None),  # removed
        ("frank@gmail.example", {"domain": "example.com"}),  # Adobe ID asked in the wrong domain
        ("carol@example.net", {"domain": "AdobeID"}),  # no Adobe ID with that email
        ("ewilson", None),  # a non-email username needs its domain
        ("ewilson", {"domain": "example.net"}),
    ],
)
def test_get_user_not_found(core, user_string, params):
    r = core.get(f"/organizations/{ORG_A}/users/{user_string}", params=params)
    assert r.status_code == 404
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == {"result": "error.user.not_found", "message": f"User not found {user_string}"}


def test_get_user_url_encoded(core):
    r = core.get(f"/organizations/{ORG_A}/users/jane%40example.com")
    assert without_ids([ok(r)["user"]]) == [JANE]


# ------------------------------------------------------------------ users in org


def test_users_page_exact(core):
    r = core.get(f"/users/{ORG_A}/0")
    body = ok(r)
    assert list(body) == ["lastPage", "result", "users"]
    assert body["lastPage"] is True and body["result"] == "success"
    assert without_ids(body["users"]) == ALL_ACTIVE
    assert paging(r) == (USERS_TOTAL, "1", "0", "6")


def test_users_paging_headers(core, page_sizes):
    page_sizes(users=4)
    first, second = core.get(f"/users/{ORG_A}/0"), core.get(f"/users/{ORG_A}/1")
    assert paging(first) == (USERS_TOTAL, "2", "0", "4")
    assert paging(second) == (USERS_TOTAL, "2", "1", "2")
    assert ok(first)["lastPage"] is False
    assert ok(second)["lastPage"] is True
    assert without_ids(ok(first)["users"] + ok(second)["users"]) == ALL_ACTIVE
    for header in ("X-Total-Count", "X-Page-Count", "X-Current-Page", "X-Page-Size"):
        assert isinstance(first.headers[header], str)


@pytest.mark.parametrize("page", ["2", "3", "99", "000099", "123456789012345678901234567890"])
def test_page_past_the_end_returns_the_last_page(core, page_sizes, page):
    page_sizes(users=4)
    r = core.get(f"/users/{ORG_A}/{page}")
    body = ok(r)
    assert body["lastPage"] is True
    assert without_ids(body["users"]) == ALL_ACTIVE[4:]
    assert paging(r) == (USERS_TOTAL, "2", "1", "2")


@pytest.mark.parametrize("size", [1, 2, 5, 6, 7, 2000])
def test_configurable_page_size_union(core, page_sizes, size):
    page_sizes(users=size)
    seen: list[dict[str, Any]] = []
    pages = 0
    while True:
        r = core.get(f"/users/{ORG_A}/{pages}")
        body = ok(r)
        assert r.headers["X-Current-Page"] == str(pages)
        assert r.headers["X-Page-Size"] == str(len(body["users"]))
        seen += body["users"]
        pages += 1
        if body["lastPage"]:
            break
    assert pages == -(-6 // size)
    assert r.headers["X-Page-Count"] == str(pages)
    assert without_ids(seen) == ALL_ACTIVE


def test_demo_org_union_of_pages(served):
    """The demo org, three pages of 1000: every active user exactly once."""
    headers = served.headers()
    seen: list[tuple[str, str]] = []
    page = 0
    while True:
        r = requests.get(
            f"{served.endpoint}/users/{served.org_id}/{page}", headers=headers, verify=served.ca_path, timeout=30
        )
        body = ok(r)
        assert r.headers["X-Page-Size"] == str(len(body["users"])) != "0"
        seen += [(u["email"].lower(), u["type"]) for u in body["users"]]
        page += 1
        if body["lastPage"]:
            break
    org = served.backend.org()
    active = {(u.email.lower(), u.type) for u in org.users.values() if u.status == "active"}
    assert page == 3
    assert len(seen) == len(set(seen)) == len(active)
    assert set(seen) == active
    assert r.headers["X-Total-Count"] == str(len(active) + len(org.technical_accounts()))


def test_empty_org(core):
    r = core.get(f"/users/{ORG_B}/0", client_id="client-b")
    assert ok(r) == {"lastPage": True, "result": "success", "users": []}
    assert paging(r) == ("1", "1", "0", "0")  # its one technical account is counted, never returned


@pytest.mark.parametrize("domain", ["example.net", "EXAMPLE.NET"])
def test_users_domain_filter(core, domain):
    r = core.get(f"/users/{ORG_A}/0", params={"domain": domain})
    assert without_ids(ok(r)["users"]) == [CAROL]
    assert paging(r) == ("1", "1", "0", "1")


def test_users_unknown_domain(core):
    r = core.get(f"/users/{ORG_A}/0", params={"domain": "nope.example"})
    assert r.status_code == 404
    assert r.json() == {
        "lastPage": False,
        "result": "error.domain.not_found",
        "message": "Not found: Domain nope.example",
    }


@pytest.mark.parametrize("value", ["False", "false", "FALSE", "0"])
def test_users_direct_only_false(core, value):
    body = ok(core.get(f"/users/{ORG_A}/0", params={"directOnly": value}))
    assert without_ids(body["users"]) == [indirect(JANE, "PS Default"), JANE_ADOBE, BOB, CAROL, ERIN, FRANK]


@pytest.mark.parametrize("value", ["True", "true", "TRUE", "1", ""])
def test_users_direct_only_true(core, value):
    assert without_ids(ok(core.get(f"/users/{ORG_A}/0", params={"directOnly": value}))["users"]) == ALL_ACTIVE


@pytest.mark.parametrize("page", ["x", "-1", "1.5", "0x1", "²", " 1", "1e3"])
def test_non_integer_page(core, page):
    for route in (f"/users/{ORG_A}/{page}", f"/users/{ORG_A}/{page}/Employees", f"/groups/{ORG_A}/{page}"):
        r = core.get(route)
        assert r.status_code == 400, (route, r.text)
        assert r.headers["Content-Type"] == "application/json"
        assert r.json() == {"errorMessage": f'For input string: "{page}"'}


@pytest.mark.parametrize("param", ["directOnly", "excludeGroups"])
def test_bad_boolean(core, param):
    r = core.get(f"/users/{ORG_A}/0/Employees", params={param: "maybe"})
    assert r.status_code == 400
    assert r.json() == {
        "result": "error.request.invalid",
        "message": f"Invalid value for query parameter {param}: maybe",
    }
    if param == "directOnly":
        r = core.get(f"/users/{ORG_A}/0", params={param: "maybe"})
        assert r.status_code == 400
        assert r.json()["result"] == "error.request.invalid"


def test_unknown_query_parameters_ignored(core):
    assert without_ids(ok(core.get(f"/users/{ORG_A}/0", params={"colour": "blue"}))["users"]) == ALL_ACTIVE


# ------------------------------------------------------------------ users in group


def in_group(core: Any, group: str, page: int = 0, **params: str) -> Any:
    return core.get(f"/users/{ORG_A}/{page}/{group}", params=params or None)


def test_group_members_include_inactive(core):
    r = in_group(core, "Employees")
    body = ok(r)
    assert list(body) == ["lastPage", "result", "groupName", "users"]
    assert body["lastPage"] is True and body["result"] == "success" and body["groupName"] == "Employees"
    assert without_ids(body["users"]) == [JANE, CAROL, DAVE]
    assert paging(r) == ("3", "1", "0", "3")


def test_group_name_case_insensitive_and_echoed(core):
    for name in ("employees", "EMPLOYEES", "Employees"):
        body = ok(in_group(core, name))
        assert body["groupName"] == name
        assert without_ids(body["users"]) == [JANE, CAROL, DAVE]


@pytest.mark.parametrize("value", ["True", "true", "TRUE"])
def test_profile_direct_only(core, value):
    body = ok(in_group(core, "PS Default", directOnly=value))
    assert without_ids(body["users"]) == [BOB, CAROL]


def test_profile_direct_only_is_the_default(core):
    assert without_ids(ok(in_group(core, "PS Default"))["users"]) == [BOB, CAROL]


@pytest.mark.parametrize("value", ["False", "false", "FALSE"])
def test_profile_indirect_members(core, value):
    r = in_group(core, "PS Default", directOnly=value)
    assert without_ids(ok(r)["users"]) == [BOB, CAROL, indirect(JANE, "PS Default"), indirect(DAVE, "PS Default")]
    assert paging(r) == ("4", "1", "0", "4")


def test_user_group_direct_only_false_shows_profiles_in_groups(core):
    body = ok(in_group(core, "Employees", directOnly="False"))
    assert without_ids(body["users"]) == [indirect(JANE, "PS Default"), CAROL, indirect(DAVE, "PS Default")]


@pytest.mark.parametrize(
    "direct,status,expected",
    [
        ("false", "active", [BOB, CAROL]),  # quota 2: the first two to join hold the licences
        ("false", "ACTIVE", [BOB, CAROL]),
        ("false", "inactive", [indirect(JANE, "PS Default"), indirect(DAVE, "PS Default")]),
        ("true", "active", [BOB, CAROL]),
        ("true", "inactive", []),
    ],
)
def test_profile_status_filter(core, direct, status, expected):
    r = in_group(core, "PS Default", directOnly=direct, status=status)
    assert without_ids(ok(r)["users"]) == expected
    assert r.headers["X-Total-Count"] == str(len(expected))


def test_status_on_unlimited_profile(core):
    assert without_ids(ok(in_group(core, "AI Default", status="active"))["users"]) == [FRANK]
    assert ok(in_group(core, "AI Default", status="inactive"))["users"] == []


def test_status_ignored_on_user_groups(core):
    assert without_ids(ok(in_group(core, "Employees", status="inactive"))["users"]) == [JANE, CAROL, DAVE]


def test_bad_status(core):
    r = in_group(core, "PS Default", status="sleeping")
    assert r.status_code == 400
    assert r.json() == {
        "result": "error.request.invalid",
        "message": "Invalid value for query parameter status: sleeping",
    }


@pytest.mark.parametrize("value", ["true", "True"])
def test_exclude_groups(core, value):
    body = ok(in_group(core, "Employees", excludeGroups=value))
    assert without_ids(body["users"]) == [no_groups(JANE), no_groups(CAROL), no_groups(DAVE)]
    body = ok(in_group(core, "Employees", excludeGroups="false"))
    assert without_ids(body["users"]) == [JANE, CAROL, DAVE]


@pytest.mark.parametrize(
    "group,expected",
    [
        ("_org_admin", [JANE]),
        ("_admin_Employees", [BOB]),
        ("_admin_PS Default", [ERIN]),
        ("_product_admin_Adobe Photoshop", [ERIN]),
        ("_admin_Contractors", []),  # the base group exists but has no admins: empty, not 404
        ("_admin_AI Default", []),
        ("_developer_PS Default", []),
        ("_product_admin_Adobe Illustrator", []),
        ("_deployment_admin", []),
        ("_support_admin", []),
    ],
)
def test_admin_groups(core, group, expected):
    r = in_group(core, group)
    body = ok(r)
    assert body["groupName"] == group
    assert body["lastPage"] is True
    assert without_ids(body["users"]) == expected
    assert paging(r) == (str(len(expected)), "1", "0", str(len(expected)))


@pytest.mark.parametrize(
    "group",
    [
        "No Such Group",
        "_admin_No Such Group",
        "_developer_Employees",
        "_product_admin_Adobe Nothing",
        "_admin__org_admin",
    ],
)
def test_unknown_group(core, group):
    r = in_group(core, group)
    assert r.status_code == 404
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == {"lastPage": False, "result": "error.group.not_found", "message": f"Not found: Group {group}"}


def test_group_members_paging(core, page_sizes):
    page_sizes(users=1)
    seen = []
    for page in range(4):
        r = in_group(core, "PS Default", page, directOnly="false")
        body = ok(r)
        assert paging(r) == ("4", "4", str(page), "1")
        assert body["lastPage"] is (page == 3)
        seen += body["users"]
    assert [u["email"] for u in seen] == [
        "Bob@Example.com",
        "carol@example.net",
        "jane@example.com",
        "dave@example.com",
    ]
    r = in_group(core, "PS Default", 10, directOnly="false")
    assert paging(r) == ("4", "4", "3", "1")
    assert [u["email"] for u in ok(r)["users"]] == ["dave@example.com"]


# ------------------------------------------------------------------ groups


def groups_without_ids(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = [g["groupId"] for g in groups]
    assert all(type(i) is int for i in ids)
    assert len(set(ids)) == len(ids)
    return [{k: v for k, v in g.items() if k != "groupId"} for g in groups]


GROUPS_A = [
    {"groupName": "_org_admin", "type": "SYSADMIN_GROUP", "memberCount": 1},
    {"groupName": "_deployment_admin", "type": "DEPLOYMENT_ADMIN_GROUP", "memberCount": 0},
    {"groupName": "_support_admin", "type": "SUPPORT_ADMIN_GROUP", "memberCount": 0},
    {
        "groupName": "PS Default",
        "type": "PRODUCT_PROFILE",
        "memberCount": 2,
        "adminGroupName": "_admin_PS Default",
        "productName": "Adobe Photoshop",
        "licenseQuota": "2",
    },
    {"groupName": "AI Default", "type": "PRODUCT_PROFILE", "memberCount": 1, "productName": "Adobe Illustrator"},
    {"groupName": "Employees", "type": "USER_GROUP", "memberCount": 3, "adminGroupName": "_admin_Employees"},
    {"groupName": "Contractors", "type": "USER_GROUP", "memberCount": 1},
    {"groupName": "_admin_Employees", "type": "USER_ADMIN_GROUP", "memberCount": 1, "userGroupName": "Employees"},
    {
        "groupName": "_admin_PS Default",
        "type": "PROFILE_ADMIN_GROUP",
        "memberCount": 1,
        "productProfileName": "PS Default",
    },
    {
        "groupName": "_product_admin_Adobe Photoshop",
        "type": "PRODUCT_ADMIN_GROUP",
        "memberCount": 1,
        "productProfileName": "Adobe Photoshop",
    },
]


def test_groups_page_exact(core):
    r = core.get(f"/groups/{ORG_A}/0")
    body = ok(r)
    assert list(body) == ["lastPage", "result", "groups"]
    assert body["lastPage"] is True and body["result"] == "success"
    assert groups_without_ids(body["groups"]) == GROUPS_A
    assert paging(r) == ("10", "1", "0", "10")


def test_groups_paging(core, page_sizes):
    page_sizes(groups=3)
    seen = []
    for page in range(4):
        r = core.get(f"/groups/{ORG_A}/{page}")
        body = ok(r)
        assert paging(r) == ("10", "4", str(page), "3" if page < 3 else "1")
        assert body["lastPage"] is (page == 3)
        seen += body["groups"]
    assert groups_without_ids(seen) == GROUPS_A
    r = core.get(f"/groups/{ORG_A}/7")
    assert ok(r)["lastPage"] is True
    assert groups_without_ids(ok(r)["groups"]) == GROUPS_A[9:]
    assert paging(r) == ("10", "4", "3", "1")


def test_group_ids_are_stable(core):
    first = ok(core.get(f"/groups/{ORG_A}/0"))["groups"]
    second = ok(core.get(f"/groups/{ORG_A}/0"))["groups"]
    assert first == second


# ------------------------------------------------------------------ deprecated user groups


def deprecated(core: Any, page: str | None = None) -> Any:
    return core.get(f"/{ORG_A}/user-groups", params=None if page is None else {"page": page})


def test_deprecated_user_groups(core):
    ids = {g["groupName"]: g["groupId"] for g in ok(core.get(f"/groups/{ORG_A}/0"))["groups"]}
    r = deprecated(core, "1")
    assert ok(r) == [
        {
            "groupId": ids["Employees"],
            "name": "Employees",
            "type": "USER_GROUP",
            "adminGroupId": str(ids["_admin_Employees"]),
            "adminGroupName": "_admin_Employees",
            "adminCount": "1",
            "userCount": 3,
            "isReadOnly": False,
        },
        {
            "groupId": ids["Contractors"],
            "name": "Contractors",
            "type": "USER_GROUP",
            "userCount": 1,
            "isReadOnly": False,
        },
    ]
    assert paging(r) == ("2", "1", "1", "2")


@pytest.mark.parametrize(
    "page,expected_name,current",
    [
        ("1", "Employees", "1"),
        ("0", "Employees", "1"),
        (None, "Employees", "1"),
        ("2", "Contractors", "2"),
        ("9", "Contractors", "2"),
    ],
)
def test_deprecated_user_groups_one_based(core, page_sizes, page, expected_name, current):
    page_sizes(groups=1)
    r = deprecated(core, page)
    assert [g["name"] for g in ok(r)] == [expected_name]
    assert paging(r) == ("2", "2", current, "1")


def test_deprecated_user_groups_bad_page(core):
    r = deprecated(core, "x")
    assert r.status_code == 400
    assert r.json() == {"errorMessage": 'For input string: "x"'}


def test_deprecated_user_group_by_id(core):
    ids = {g["groupName"]: g["groupId"] for g in ok(core.get(f"/groups/{ORG_A}/0"))["groups"]}
    body = ok(core.get(f"/{ORG_A}/user-groups/{ids['Contractors']}"))
    assert body == {
        "groupId": ids["Contractors"],
        "name": "Contractors",
        "type": "USER_GROUP",
        "userCount": 1,
        "isReadOnly": False,
    }
    for bad in (str(ids["PS Default"]), "999999", "abc", "²"):
        r = core.get(f"/{ORG_A}/user-groups/{bad}")
        assert r.status_code == 404
        assert r.json() == {"errorMessage": "GROUP_NOT_FOUND", "errorCode": "GROUP_NOT_FOUND"}


# ------------------------------------------------------------------ routing


@pytest.mark.parametrize(
    "target",
    [
        "/v2/usermanagement/nothing/here",
        f"/v2/usermanagement/users/{ORG_A}",
        "/v2/usermanagement",
        "/",
        "/status/extra",
        "/ims/token/v4",
    ],
)
def test_unknown_route(core, target):
    r = core.raw("GET", target, headers=core.auth())
    assert r.status_code == 404
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == {"result": "error.resource.not_found", "message": f"No resource at {target}"}


@pytest.mark.parametrize(
    "method,target",
    [
        ("DELETE", f"/v2/usermanagement/users/{ORG_A}/0"),
        ("PUT", f"/v2/usermanagement/groups/{ORG_A}/0"),
        ("POST", f"/v2/usermanagement/organizations/{ORG_A}/users/jane@example.com"),
        ("POST", "/status"),
        ("DELETE", "/ims/exchange/jwt"),
    ],
)
def test_wrong_method(core, method, target):
    r = core.raw(method, target, headers=core.auth())
    assert r.status_code == 405
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == {"result": "error.method.not_allowed", "message": f"Method {method} not allowed on {target}"}


def test_trailing_slashes(core):
    assert without_ids(ok(core.get(f"/users/{ORG_A}/0/"))["users"]) == ALL_ACTIVE
    assert groups_without_ids(ok(core.get(f"/groups/{ORG_A}/0/"))["groups"]) == GROUPS_A
    body = ok(core.get(f"/users/{ORG_A}/0/Employees/"))
    assert without_ids(body["users"]) == [JANE, CAROL, DAVE]


def test_listing_order_matches_seed(core):
    body = ok(core.get(f"/users/{ORG_A}/0"))
    assert [(u["email"], u["type"]) for u in body["users"]] == ACTIVE_A
