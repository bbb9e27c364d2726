"""The fidelity findings of issue 13 (docs/fidelity.md, "Documented surface"): each decision
shown through the public interfaces."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.docs_examples.conftest import check_action, check_json, errors_of, org_doc
from tests.world import JWT_CERT, ORG_A, assertion, core_seed
from umapi_mock.config import Config
from umapi_mock.http.app import create_app
from umapi_mock.http.context import emulator_of
from umapi_mock.layers.throttle import PolicyError, parse_policy

NARROW_TECH = "EEEE1111EEEE1111EEEE1111@techacct.adobe.com"


# ------------------------------------------------------------- the sysadmin group


def test_groups_list_the_sysadmin_group_by_its_membership_name(install: Any) -> None:
    """The sync tool (`exclude_adobe_groups: [_org_admin]` with `auto_create: True`) creates
    every configured group that `GET /groups` does not list by `groupName`; the console
    connector matches `groupName` against users' `groups`. So the sysadmin group is listed
    as `_org_admin`, the name memberships use."""
    api = install(org_doc(users=[{"email": "a@example.com", "country": "US", "groups": ["_org_admin"]}]))
    groups = check_json(api.get(f"/groups/{api.org_id}/0"))["groups"]
    sysadmin = [g for g in groups if g["type"] == "SYSADMIN_GROUP"]
    assert [(g["groupName"], g["memberCount"]) for g in sysadmin] == [("_org_admin", 1)]
    user = check_json(api.get(f"/organizations/{api.org_id}/users/a@example.com"))["user"]
    assert set(user["groups"]) <= {g["groupName"] for g in groups}


def test_sysadmin_listing_name_stays_seedable(install: Any) -> None:
    """`sysadmin_name` in a seed reproduces group.md's example listing ("Administrators")."""
    api = install(org_doc(sysadmin_name="Administrators"))
    names = [g["groupName"] for g in check_json(api.get(f"/groups/{api.org_id}/0"))["groups"]]
    assert "Administrators" in names and "_org_admin" not in names


def test_sync_tool_common_config_creates_no_adobe_group(official: Any) -> None:
    """What the sync tool does with `exclude_adobe_groups: [_org_admin]` and `auto_create`,
    with the official client: every excluded name is found among the listed groups, so no
    create is attempted (it used to log CRITICAL on every run)."""
    result = official.run(
        """
        conn = connect()
        listed = [g["groupName"].lower() for g in GroupsQuery(conn)]
        emit([name for name in ["_org_admin"] if name.lower() not in listed])
        """
    )
    assert result == []


# ------------------------------------------------------------ group fields per type


def test_user_group_quota_is_seedable_listed_and_dumped(install: Any, served: Any) -> None:
    """group.md's example shows `licenseQuota` (a string) on a USER_GROUP: a user group seeded
    with `quota` lists it; without one it has none; the state dump keeps it."""
    api = install(org_doc(groups=[{"name": "Quota", "quota": 2}, {"name": "Plain"}]))
    groups = {g["groupName"]: g for g in check_json(api.get(f"/groups/{api.org_id}/0"))["groups"]}
    assert groups["Quota"]["licenseQuota"] == "2" and "licenseQuota" not in groups["Plain"]
    state = served.admin("GET", f"/orgs/{api.org_id}/state").json()
    dumped = {g["name"]: g for g in state["orgs"][0]["groups"]}
    assert dumped["Quota"]["quota"] == 2 and "quota" not in dumped["Plain"]


def test_product_admin_group_carries_product_profile_name(install: Any) -> None:
    """group.md's example: `productProfileName` (holding the product's name) on a
    PRODUCT_ADMIN_GROUP, no `productName`."""
    api = install(
        org_doc(
            products={"Acrobat": [{"name": "Acrobat Default"}]},
            users=[{"email": "a@example.com", "country": "US", "groups": ["_product_admin_Acrobat"]}],
        )
    )
    groups = check_json(api.get(f"/groups/{api.org_id}/0"))["groups"]
    admin = next(g for g in groups if g["type"] == "PRODUCT_ADMIN_GROUP")
    assert admin["productProfileName"] == "Acrobat" and "productName" not in admin


# ---------------------------------------------------- the legacy `product` key


@pytest.mark.parametrize("step", ["add", "remove"])
@pytest.mark.parametrize("key", ["product", "productConfiguration"])
def test_unknown_group_under_legacy_profile_keys_is_group_not_found(install: Any, step: str, key: str) -> None:
    """ActionsRef.md's "Partial status" example: an unknown name under the deprecated
    `product` key of a user entry fails with `error.group.not_found` (beside the deprecation
    warning); the other legacy profile key answers the same."""
    api = install(org_doc(users=[{"email": "a@example.com", "country": "US"}]))
    answer = check_json(api.action([{"user": "a@example.com", "do": [{step: {key: ["NON_EXISTING_GROUP"]}}]}]))
    check_action(answer, result="error", completed=0, not_completed=1)
    assert errors_of(answer) == [(0, 0, "error.group.not_found")]
    assert answer["errors"][0]["message"] == "Group NON_EXISTING_GROUP was not found"
    warnings = [w["warningCode"] for w in answer.get("warnings", [])]
    assert warnings == (["warning.command.deprecated"] if key == "product" else [])


def test_unknown_profile_of_a_user_group_stays_product_not_found(install: Any) -> None:
    """A user-group entry's `productConfiguration` (its current key, no example) keeps
    `error.command.product.not_found`."""
    api = install(org_doc(groups=[{"name": "Team"}]))
    answer = check_json(api.action([{"usergroup": "Team", "do": [{"add": {"productConfiguration": ["Nope"]}}]}]))
    assert errors_of(answer) == [(0, 0, "error.command.product.not_found")]


# ------------------------------------------------- entries without a root command

ADD = [{"add": {"group": ["Team"]}}]


@pytest.mark.parametrize(
    ("entry", "code"),
    [
        ({"do": ADD}, "error.command.user_usergroup.missing"),
        ({"do": [{"addAdobeID": {"email": "x@example.com"}}]}, "error.command.user_usergroup.missing"),
        ({"domain": "example.com", "do": ADD}, "error.command.user_usergroup.missing"),
        ({"useAdobeID": True, "do": ADD}, "error.command.user_usergroup.missing"),
        ({"requestID": "r1", "do": []}, "error.command.user_usergroup.missing"),
        ({"user": None, "usergroup": None, "do": ADD}, "error.command.user_usergroup.missing"),
        ({"usergroup": "", "do": ADD}, "error.command.user_usergroup.missing"),
        ({"user": "", "do": ADD}, "error.user.id_missing"),
        ({"user": "   ", "do": ADD}, "error.user.id_missing"),
    ],
    ids=[
        "do-only",
        "user-step-only",
        "domain",
        "useAdobeID",
        "requestID",
        "both-null",
        "blank-usergroup",
        "blank-user",
        "space-user",
    ],
)
def test_entry_without_user_or_usergroup(install: Any, entry: dict[str, Any], code: str) -> None:
    """The rule: an entry with neither `user` nor `usergroup` (absent or null) gets
    `error.command.user_usergroup.missing` whatever else it holds (spec §3.1); a `user`
    entry whose user string is blank gets `error.user.id_missing`; `error.command.user.missing`
    is never produced."""
    api = install(org_doc(groups=[{"name": "Team"}]))
    answer = check_json(api.action([entry]))
    check_action(answer, result="error", completed=0, not_completed=1)
    assert errors_of(answer) == [(0, 0, code)]


# ---------------------------------------------------------------------- IMS JWT


def _jwt_app(**credential: Any) -> Any:
    """An in-process emulator of the core world whose client-narrow can exchange JWTs."""
    seed = core_seed()
    narrow = next(c for c in seed["orgs"][0]["credentials"] if c["client_id"] == "client-narrow")
    narrow.update({"certificates": [JWT_CERT], "tech_account": NARROW_TECH, **credential})
    return create_app(Config(seed=copy.deepcopy(seed))).test_client()


def _narrow_assertion() -> str:
    return assertion({"sub": NARROW_TECH, "aud": "https://ims-na1.adobelogin.com/c/client-narrow"})


def test_jwt_exchange_without_jwt_token_is_invalid_token() -> None:
    """Spec §1.6 (Adobe's JWT error table): JWT missing -> 400 `invalid_token`."""
    client = _jwt_app()
    r = client.post("/ims/exchange/jwt", data={"client_id": "client-a", "client_secret": "secret-a"})
    assert r.status_code == 400 and r.get_json()["error"] == "invalid_token"


def _gate(client: Any, token: str, api_key: str) -> Any:
    return client.get(
        f"/v2/usermanagement/organizations/{ORG_A}/users/jane@example.com",
        headers={"X-Api-Key": api_key, "Authorization": f"Bearer {token}"},
    )


def test_jwt_exchange_grants_only_the_credentials_scopes() -> None:
    """A credential without `user_management_sdk` is refused UMAPI (403 `403011`) with a JWT
    token exactly as with an S2S token."""
    client = _jwt_app()
    r = client.post(
        "/ims/exchange/jwt",
        data={"client_id": "client-narrow", "client_secret": "secret-narrow", "jwt_token": _narrow_assertion()},
    )
    assert r.status_code == 200, r.get_data(as_text=True)
    jwt_token = r.get_json()["access_token"]
    s2s = client.post(
        "/ims/token/v2",
        data={
            "grant_type": "client_credentials",
            "client_id": "client-narrow",
            "client_secret": "secret-narrow",
            "scope": "openid,AdobeID",
        },
    ).get_json()["access_token"]
    for token in (jwt_token, s2s):
        refused = _gate(client, token, "client-narrow")
        assert refused.status_code == 403 and refused.get_json()["error_code"] == "403011"


def test_jwt_exchange_with_the_umapi_scope_passes_the_gate() -> None:
    client = _jwt_app(scopes=["openid", "AdobeID", "user_management_sdk"])
    r = client.post(
        "/ims/exchange/jwt",
        data={"client_id": "client-narrow", "client_secret": "secret-narrow", "jwt_token": _narrow_assertion()},
    )
    assert _gate(client, r.get_json()["access_token"], "client-narrow").status_code == 200


# ----------------------------------------------------------- technical accounts


def _with_credentials(n: int, **org: Any) -> dict[str, Any]:
    doc = org_doc(users=[{"email": f"u{i}@example.com", "country": "US"} for i in range(3)], **org)
    creds = doc["orgs"][0]["credentials"]
    for i in range(1, n):
        creds.append({"client_id": f"extra-{i}", "client_secret": "s", "tech_account": f"{i:024X}@techacct.adobe.com"})
    return doc


@pytest.mark.parametrize("credentials", [1, 3])
def test_technical_accounts_are_counted_but_never_returned(install: Any, credentials: int) -> None:
    """partials/pagedResponseHeaders.md: X-Total-Count of users lists counts the org's
    technical accounts (one per credential), the bodies never hold them."""
    api = install(_with_credentials(credentials))
    for path in (f"/users/{api.org_id}/0", f"/{api.org_id}/users"):
        r = api.get(path)
        body = check_json(r)
        users = body if isinstance(body, list) else body["users"]
        assert len(users) == 3 and not any("techacct" in u["email"] for u in users)
        assert r.headers["X-Total-Count"] == str(3 + credentials), path
        assert r.headers["X-Page-Size"] == "3"


def test_technical_accounts_are_not_counted_in_other_lists(install: Any) -> None:
    """A domain filter or a group names real users only."""
    api = install(_with_credentials(2, groups=[{"name": "Team"}]))
    assert api.get(f"/users/{api.org_id}/0", params={"domain": "example.com"}).headers["X-Total-Count"] == "3"
    assert api.get(f"/users/{api.org_id}/0/Team").headers["X-Total-Count"] == "0"


# ------------------------------------------------------- sync-frequency control


@pytest.fixture
def throttle(served: Any) -> Any:
    layer = emulator_of(served.app).layers.throttle
    yield layer
    layer.set_policy(parse_policy("off"))


def _listing(api: Any, pragma: str | None = None) -> Any:
    return api.get(f"/users/{api.org_id}/0", headers={"Pragma": pragma} if pragma else None)


# The running-frequency control's runs and windows are tested in tests/fidelity/test_field_throttle.py
# (the field model replaced the marker-driven one: docs/fidelity.md, "Field-observed throttling").


@pytest.mark.parametrize("policy", ["off", "documented", {"base": "documented"}])
def test_sync_frequency_control_is_off_unless_asked_for(install: Any, throttle: Any, policy: Any) -> None:
    throttle.set_policy(parse_policy(policy))
    api = install(org_doc())
    assert [_listing(api, "umapi-sync-start").status_code for _ in range(3)] == [200, 200, 200]


@pytest.mark.parametrize("value", [0, -5, "2h", True])
def test_sync_interval_must_be_a_positive_number(value: Any) -> None:
    with pytest.raises(PolicyError, match="sync_interval"):
        parse_policy({"sync_interval": value})
