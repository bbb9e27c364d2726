"""`ActionsRef.md`, `ActionsCmds.md`, `usergroupActionCommands.md` and the action examples of
`partials/badRequest.md`: every documented request body, sent to an org that has the users,
domains and groups the example names, and every documented response compared by its
`result`, counts, codes and types."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import check_action, check_json, errors_of, org_doc

JDOE = "jdoe@claimed-domain1.com"


def world(install: Any, *, jdoe: bool = True, domain1: str = "federated") -> Any:
    """The org the action pages talk about: claimed domains 1-3 of one directory, the
    profiles and user groups the examples name, and (unless `jdoe=False`) jdoe himself."""
    users = [
        {"email": "user1@myCompany.com", "country": "US", "firstname": "U", "lastname": "One"},
        {"email": "user2@myCompany.com", "country": "US", "firstname": "U", "lastname": "Two", "groups": ["DevOps"]},
        {"email": "test@user.com", "country": "US", "groups": ["UMAPI Test"]},
        {"email": "user4@example.com", "country": "US"},
        {"email": "user10@example.com", "country": "US"},
    ]
    if jdoe:
        users.append(
            {
                "email": JDOE,
                "type": "federatedID" if domain1 == "federated" else "enterpriseID",
                "country": "US",
                "firstname": "John",
                "lastname": "Doe",
                "groups": ["group_name1", "group_name2", "Photoshop - 2Gb"],
            }
        )
    return install(
        org_doc(
            domains={
                "claimed-domain1.com": domain1,
                "claimed-domain2.com": domain1,
                "claimed-domain3.com": domain1,
                "myCompany.com": "federated",
                "user.com": "federated",
                "example.com": "federated",
            },
            products={
                "Photoshop": [{"name": "Photoshop - 2Gb"}, {"name": "Profile1_Name"}, {"name": "Profile2_Name"}],
                "Illustrator": [{"name": "Illustrator - 20Gb"}],
                "myProduct1Name": [{"name": "myProductProfile1Name"}],
            },
            groups=[
                {"name": "group_name1"},
                {"name": "group_name2"},
                {"name": "DevOps", "profiles": ["Profile2_Name"]},
                {"name": "UMAPI Test", "read_only": True},
            ],
            users=users,
        )
    )


def user_of(api: Any, email: str) -> dict[str, Any] | None:
    r = api.get(f"/organizations/{api.org_id}/users/{email}")
    return r.json()["user"] if r.status_code == 200 else None


def members(api: Any, group: str) -> list[str]:
    return [u["email"] for u in check_json(api.get(f"/users/{api.org_id}/0/{group}"))["users"]]


def ok(api: Any, body: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    """Send a documented body; it must fully succeed (`result: success`, one per entry)."""
    answer = check_json(api.action(body, **kw))
    check_action(answer, result="success", completed=len(body), not_completed=0)
    return answer


CREATE = {"email": JDOE, "country": "US", "firstname": "John", "lastname": "Doe"}

# ----------------------------------------------------------------------- ActionsRef.md


def test_actionsref_test_mode_request_and_partial_response(install: Any) -> None:
    """ActionsRef.md, "Using Test Mode": `POST ...?testOnly=true` with the documented headers
    answers `{"result": "partial", "completed": 0, "completedInTestMode": 3, "notCompleted": 1,
    "errors": [...]}` for three good entries and a bad one, and changes nothing."""
    api = world(install, jdoe=False)
    body = [
        {
            "user": f"new{i}@claimed-domain1.com",
            "do": [{"createFederatedID": {**CREATE, "email": f"new{i}@claimed-domain1.com"}}],
        }
        for i in range(3)
    ] + [{"user": "x@faketest.com", "do": [{"createFederatedID": {**CREATE, "email": "x@faketest.com"}}]}]
    answer = check_json(
        api.action(
            body, params={"testOnly": "true"}, headers={"Accept": "application/json", "x-api-key": "test-client"}
        )
    )
    check_action(answer, result="partial", completed=0, not_completed=1, in_test=3)
    assert errors_of(answer) == [(3, 0, "error.domain.trust.nonexistent")]
    assert user_of(api, "new0@claimed-domain1.com") is None


def test_actionsref_error_status_country_too_long(install: Any) -> None:
    """ActionsRef.md, "Error status": one entry, `result: error`, the error
    `error.command.string.too_long` "String too long in command for field: country, max length 2"
    at index 0, step 0."""
    api = world(install, jdoe=False)
    answer = check_json(api.action([{"user": JDOE, "do": [{"createFederatedID": {**CREATE, "country": "USA"}}]}]))
    check_action(answer, result="error", completed=0, not_completed=1)
    assert errors_of(answer) == [(0, 0, "error.command.string.too_long")]
    assert answer["errors"][0]["message"] == "String too long in command for field: country, max length 2"


def test_actionsref_partial_status(install: Any) -> None:
    """ActionsRef.md, "Partial status": ten entries, the odd ones failing (a missing user
    twice, an unknown group under the deprecated `product` key twice with its warning, an
    unclaimed domain), `completed: 5`, `notCompleted: 5`, `result: partial`."""
    api = world(install)
    fine = {"user": JDOE, "do": [{"add": {"group": ["group_name1"]}}]}
    legacy = {"do": [{"add": {"product": ["NON_EXISTING_GROUP"]}}]}
    body = [
        {**fine, "requestID": "One1"},
        {"user": "test@test_fake.us", "requestID": "Two2", "do": [{"add": {"group": ["group_name1"]}}]},
        {**fine, "requestID": "Three3"},
        {"user": "user4@example.com", "requestID": "Four4", **legacy},
        {**fine, "requestID": "Five5"},
        {"user": "test6@test_fake.fake", "requestID": "Six6", "do": [{"add": {"group": ["group_name1"]}}]},
        {**fine, "requestID": "Seven7"},
        {
            "user": "fake8@faketest.com",
            "requestID": "Eight8",
            "do": [{"createFederatedID": {**CREATE, "email": "fake8@faketest.com"}}],
        },
        {**fine, "requestID": "Nine9"},
        {"user": "user10@example.com", "requestID": "Ten10", **legacy},
    ]
    answer = check_json(api.action(body))
    check_action(answer, result="partial", completed=5, not_completed=5)
    assert errors_of(answer) == [
        (1, 0, "error.user.nonexistent"),
        (3, 0, "error.group.not_found"),
        (5, 0, "error.user.nonexistent"),
        (7, 0, "error.domain.trust.nonexistent"),
        (9, 0, "error.group.not_found"),
    ]
    by_index = {e["index"]: e for e in answer["errors"]}
    assert by_index[1]["message"] == "User Id does not exist: test@test_fake.us"
    assert by_index[3]["message"] == "Group NON_EXISTING_GROUP was not found"
    assert by_index[7]["message"] == "Changes to users are only allowed in claimed domains."
    assert [(e["index"], e["requestID"], e["user"]) for e in answer["errors"]][1] == (3, "Four4", "user4@example.com")
    assert [(w["index"], w["step"], w["warningCode"], w["requestID"]) for w in answer["warnings"]] == [
        (3, 0, "warning.command.deprecated", "Four4"),
        (9, 0, "warning.command.deprecated", "Ten10"),
    ]
    assert answer["warnings"][0]["message"] == "'product' command is deprecated. Please use productConfiguration."


def test_actionsref_success_status(install: Any) -> None:
    """ActionsRef.md, "Success status": `{"completed": 1, "notCompleted": 0,
    "completedInTestMode": 0, "result": "success"}` and no `errors` key."""
    api = world(install)
    answer = ok(api, [{"user": JDOE, "do": [{"add": {"group": ["group_name1"]}}]}])
    assert set(answer) == {"completed", "notCompleted", "completedInTestMode", "result"}


def test_actionsref_bad_organization_id(install: Any) -> None:
    """ActionsRef.md, response properties: `{"result": "error.organization.invalid_id",
    "message": "Bad organization Id"}` (400, fidelity A32)."""
    api = world(install)
    r = api.post("/action/not-an-org", [{"user": JDOE, "do": [{"add": {"group": ["group_name1"]}}]}])
    assert check_json(r, 400) == {"result": "error.organization.invalid_id", "message": "Bad organization Id"}


# ------------------------------------------------------------------ ActionsCmds.md


def test_cmds_add_adobe_id_usage(install: Any) -> None:
    """ActionsCmds.md, addAdobeID "Usage": an Adobe ID joins the org at once."""
    api = world(install, jdoe=False)
    answer = ok(
        api,
        [
            {
                "user": "jdoe@domain1.com",
                "requestID": "action_1",
                "do": [{"addAdobeID": {**CREATE, "email": "jdoe@domain1.com", "option": "ignoreIfAlreadyExists"}}],
            }
        ],
    )
    assert answer["completed"] == 1
    assert user_of(api, "jdoe@domain1.com")["type"] == "adobeID"  # type: ignore[index]


def test_cmds_create_enterprise_id_usage(install: Any) -> None:
    """ActionsCmds.md, createEnterpriseID "Usage": as printed, `email` (jdoe@dclaimed-domain1.com)
    differs from `user` (a typo in the page), so the create fails with
    `error.user.must_match_email`; with the email the example means, it succeeds."""
    api = world(install, jdoe=False, domain1="enterprise")
    step = {**CREATE, "option": "ignoreIfAlreadyExists"}
    printed = [
        {
            "user": JDOE,
            "requestID": "action_1",
            "do": [{"createEnterpriseID": {**step, "email": "jdoe@dclaimed-domain1.com"}}],
        }
    ]
    answer = check_json(api.action(printed))
    check_action(answer, result="error", completed=0, not_completed=1)
    assert errors_of(answer) == [(0, 0, "error.user.must_match_email")]
    ok(api, [{"user": JDOE, "requestID": "action_1", "do": [{"createEnterpriseID": step}]}])
    assert user_of(api, JDOE)["type"] == "enterpriseID"  # type: ignore[index]


def test_cmds_create_federated_id_email_login(install: Any) -> None:
    """ActionsCmds.md, createFederatedID "Sample POST body for email based login"."""
    api = world(install, jdoe=False)
    ok(
        api,
        [
            {
                "user": JDOE,
                "requestID": "action_1",
                "do": [{"createFederatedID": {**CREATE, "option": "ignoreIfAlreadyExists"}}],
            }
        ],
    )
    user = user_of(api, JDOE)
    assert user is not None and (user["type"], user["username"]) == ("federatedID", JDOE)


def test_cmds_create_federated_id_with_domain(install: Any) -> None:
    """ActionsCmds.md, createFederatedID "Sample POST body defining the domain": `user` is the
    username, `domain` beside it."""
    api = world(install, jdoe=False)
    ok(
        api,
        [
            {
                "user": "jdoe",
                "domain": "claimed-domain1.com",
                "requestID": "action_1",
                "do": [{"createFederatedID": {**CREATE, "option": "ignoreIfAlreadyExists"}}],
            }
        ],
    )
    user = user_of(api, JDOE)
    assert user is not None and (user["username"], user["domain"]) == ("jdoe", "claimed-domain1.com")


def test_cmds_update_email_and_last_name_same_domain(install: Any) -> None:
    """ActionsCmds.md, update: "Updating user's Email and Last Name ... keeping the domain part"."""
    api = world(install)
    ok(
        api,
        [
            {
                "user": JDOE,
                "requestID": "action_1",
                "do": [{"update": {"email": "jnew@claimed-domain1.com", "lastname": "new"}}],
            }
        ],
    )
    user = user_of(api, "jnew@claimed-domain1.com")
    assert user is not None and (user["lastname"], user["username"]) == ("new", "jnew@claimed-domain1.com")


def test_cmds_update_email_to_another_domain(install: Any) -> None:
    """ActionsCmds.md, update: "Updating user's Email ... but also change the domain part"
    (both domains claimed, same directory): the username follows the email."""
    api = world(install)
    ok(api, [{"user": JDOE, "requestID": "action_1", "do": [{"update": {"email": "jdoe@claimed-domain2.com"}}]}])
    user = user_of(api, "jdoe@claimed-domain2.com")
    assert user is not None and user["username"] == "jdoe@claimed-domain2.com"


def test_cmds_update_username_in_another_domain(install: Any) -> None:
    """ActionsCmds.md, update: "Updating user's Username ... a different domain than the Email"."""
    api = world(install)
    ok(api, [{"user": JDOE, "requestID": "action_1", "do": [{"update": {"username": "jdoe@claimed-domain2.com"}}]}])
    user = user_of(api, JDOE)
    assert user is not None and user["username"] == "jdoe@claimed-domain2.com"


def test_cmds_update_username_and_email_in_two_new_domains(install: Any) -> None:
    """ActionsCmds.md, update: "Updating user's Username and Email ... new different domains for
    each". The page's JSON has a trailing comma (not JSON); sent as the JSON it means."""
    api = world(install)
    step = {"email": "canBeNew@claimed-domain2.com", "username": "canBeOther@claimed-domain3.com"}
    ok(api, [{"user": JDOE, "requestID": "action_1", "do": [{"update": step}]}])
    user = user_of(api, "canBeNew@claimed-domain2.com")
    assert user is not None and user["username"] == "canBeOther@claimed-domain3.com"


def test_cmds_update_email_policy_username_follows(install: Any) -> None:
    """ActionsCmds.md, "Updating Email Policy": after an email change, username == email."""
    api = world(install)
    ok(api, [{"user": JDOE, "do": [{"update": {"email": "jdoe@claimed-domain2.com"}}]}])
    user = user_of(api, "jdoe@claimed-domain2.com")
    assert user is not None and user["username"] == user["email"] == "jdoe@claimed-domain2.com"


def test_cmds_add_two_groups(install: Any) -> None:
    """ActionsCmds.md, add: "Sample JSON body for email based login" with two groups."""
    api = world(install)
    ok(
        api,
        [
            {
                "user": "user1@myCompany.com",
                "requestID": "action_1",
                "do": [{"add": {"group": ["group_name1", "group_name2"]}}],
            }
        ],
    )
    assert user_of(api, "user1@myCompany.com")["groups"] == ["group_name1", "group_name2"]  # type: ignore[index]


def test_cmds_remove_two_groups(install: Any) -> None:
    """ActionsCmds.md, remove: "removing a user's membership from 2 groups"."""
    api = world(install)
    ok(api, [{"user": JDOE, "requestID": "action_1", "do": [{"remove": {"group": ["group_name1", "group_name2"]}}]}])
    assert user_of(api, JDOE)["groups"] == ["Photoshop - 2Gb"]  # type: ignore[index]


def test_cmds_remove_all(install: Any) -> None:
    """ActionsCmds.md, remove: `"remove": "all"` leaves no group (and could not take `_org_admin`)."""
    api = world(install)
    ok(api, [{"user": JDOE, "requestID": "action_1", "do": [{"remove": "all"}]}])
    assert "groups" not in user_of(api, JDOE)  # type: ignore[operator]


def test_cmds_remove_from_org(install: Any) -> None:
    """ActionsCmds.md, removeFromOrg: `{"deleteAccount": false}` removes the user from the org."""
    api = world(install)
    ok(api, [{"user": JDOE, "requestID": "action_1", "do": [{"removeFromOrg": {"deleteAccount": False}}]}])
    assert user_of(api, JDOE) is None


def test_cmds_remove_from_org_reports_success_for_unknown_user(install: Any) -> None:
    """ActionsCmds.md, removeFromOrg: "the response always reports a successful result for this
    action, even if the user did not exist"."""
    api = world(install)
    ok(api, [{"user": "nobody@claimed-domain1.com", "do": [{"removeFromOrg": {"deleteAccount": False}}]}])


def test_cmds_create_federated_and_add_two_profiles(install: Any) -> None:
    """ActionsCmds.md, other examples: create a Federated ID and add it to
    "Photoshop - 2Gb" and "Illustrator - 20Gb"."""
    api = world(install, jdoe=False)
    ok(
        api,
        [
            {
                "user": JDOE,
                "requestID": "ed2148",
                "do": [{"createFederatedID": CREATE}, {"add": {"group": ["Photoshop - 2Gb", "Illustrator - 20Gb"]}}],
            }
        ],
    )
    assert user_of(api, JDOE)["groups"] == ["Illustrator - 20Gb", "Photoshop - 2Gb"]  # type: ignore[index]


def test_cmds_create_federated_and_update_username(install: Any) -> None:
    """ActionsCmds.md, other examples: create a Federated ID, then change its username."""
    api = world(install, jdoe=False)
    ok(
        api,
        [
            {
                "user": JDOE,
                "requestID": "ed2149",
                "do": [{"createFederatedID": CREATE}, {"update": {"username": "jdoe@claimed-domain2.com"}}],
            }
        ],
    )
    assert user_of(api, JDOE)["username"] == "jdoe@claimed-domain2.com"  # type: ignore[index]


def test_cmds_add_product_admin_role(install: Any) -> None:
    """ActionsCmds.md, other examples: add `_product_admin_<product>`."""
    api = world(install)
    ok(api, [{"user": JDOE, "do": [{"add": {"group": ["_product_admin_myProduct1Name"]}}]}])
    assert "_product_admin_myProduct1Name" in user_of(api, JDOE)["groups"]  # type: ignore[index]


def test_cmds_remove_profile_admin_role(install: Any) -> None:
    """ActionsCmds.md, other examples: remove `_admin_<profile>` (here held, then gone)."""
    api = world(install)
    ok(api, [{"user": JDOE, "do": [{"add": {"group": ["_admin_myProductProfile1Name"]}}]}])
    ok(api, [{"user": JDOE, "do": [{"remove": {"group": ["_admin_myProductProfile1Name"]}}]}])
    assert "_admin_myProductProfile1Name" not in user_of(api, JDOE)["groups"]  # type: ignore[index]


def test_cmds_add_developer_role(install: Any) -> None:
    """ActionsCmds.md, other examples: add `_developer_<profile>`."""
    api = world(install)
    ok(api, [{"user": JDOE, "do": [{"add": {"group": ["_developer_myProductProfile1Name"]}}]}])
    assert "_developer_myProductProfile1Name" in user_of(api, JDOE)["groups"]  # type: ignore[index]


# -------------------------------------------------------- usergroupActionCommands.md


def test_usergroup_add_and_remove_users_and_profiles(install: Any) -> None:
    """usergroupActionCommands.md, "Adding and removing memberships" and the first "User-group
    action example" (the same body). The page shows a bare entry with trailing commas; sent as
    the one-entry JSON array the API takes."""
    api = world(install)
    entry = {
        "usergroup": "DevOps",
        "do": [
            {"add": {"user": ["user1@myCompany.com"], "productConfiguration": ["Profile1_Name"]}},
            {"remove": {"user": ["user2@myCompany.com"], "productConfiguration": ["Profile2_Name"]}},
        ],
    }
    ok(api, [entry])
    assert members(api, "DevOps") == ["user1@myCompany.com"]
    groups = check_json(api.get(f"/users/{api.org_id}/0/DevOps", params={"directOnly": "false"}))["users"][0]["groups"]
    assert "Profile1_Name" in groups and "Profile2_Name" not in groups


def test_usergroup_update_name_and_description(install: Any) -> None:
    """usergroupActionCommands.md, "Update a usergroup's name and description"."""
    api = world(install)
    ok(
        api,
        [
            {
                "usergroup": "DevOps",
                "do": [{"updateUserGroup": {"description": "Devops group description", "name": "DevOps Team"}}],
            }
        ],
    )
    assert members(api, "DevOps Team") == ["user2@myCompany.com"]
    assert api.get(f"/users/{api.org_id}/0/DevOps").status_code == 404


def test_usergroup_update_and_add_user(install: Any) -> None:
    """usergroupActionCommands.md, "Update a usergroup and add production profile" (its body
    adds a user): the add runs against the renamed group."""
    api = world(install)
    ok(
        api,
        [
            {
                "usergroup": "DevOps",
                "do": [
                    {"updateUserGroup": {"description": "Devops group description", "name": "DevOps Team"}},
                    {"add": {"user": ["user1@myCompany.com"]}},
                ],
            }
        ],
    )
    assert members(api, "DevOps Team") == ["user2@myCompany.com", "user1@myCompany.com"]


def test_usergroup_delete(install: Any) -> None:
    """usergroupActionCommands.md, "Delete a usergroup" (with a `requestID`)."""
    api = world(install)
    ok(api, [{"usergroup": "DevOps", "do": [{"updateUserGroup": {"name": "DevOps Team"}}]}])
    ok(api, [{"requestID": "dsctesting", "usergroup": "DevOps Team", "do": [{"deleteUserGroup": {}}]}])
    assert api.get(f"/users/{api.org_id}/0/DevOps Team").status_code == 404


def test_usergroup_create_without_name(install: Any) -> None:
    """usergroupActionCommands.md, "Usergroup command request body schema": `createUserGroup`
    with `option` and `description` only, the name being the entry's `usergroup`."""
    api = world(install)
    ok(
        api,
        [
            {
                "usergroup": "Brand New",
                "do": [{"createUserGroup": {"option": "ignoreIfAlreadyExists", "description": "d"}}],
            }
        ],
    )
    assert members(api, "Brand New") == []


# --------------------------------------------------------------- partials/badRequest.md

READ_ONLY = "UMAPI Test"


@pytest.mark.parametrize(
    ("step", "code", "message"),
    [
        (
            {"updateUserGroup": {"name": "UMAPI Test Updated"}},
            "error.usergroup.readonly.update_not_allowed",
            "Usergroup is owned by another org and readonly: UMAPI Test",
        ),
        (
            {"add": {"user": ["test@user.com"]}},
            "error.usergroup.readonly.add_user_not_allowed",
            "User cannot be added to group as owned by another org and readonly: UMAPI Test",
        ),
        (
            {"remove": {"user": ["test@user.com"]}},
            "error.usergroup.readonly.remove_user_not_allowed",
            "User cannot be removed from group as owned by another org and readonly: UMAPI Test",
        ),
        (
            {"deleteUserGroup": {}},
            "error.usergroup.readonly.remove_not_allowed",
            "User group owned by another organization. Remove not allowed: UMAPI Test",
        ),
    ],
    ids=["update", "add-user", "remove-user", "delete"],
)
def test_bad_request_partial_read_only_group(install: Any, step: dict[str, Any], code: str, message: str) -> None:
    """partials/badRequest.md (object "user-group"): the four read-only group examples, each
    `result: error` with the group's name in `user` and the route's Canonical-Resource, and
    the group unchanged."""
    api = world(install)
    r = api.action([{"usergroup": READ_ONLY, "do": [step]}])
    answer = check_json(r)
    assert r.headers["Canonical-Resource"] == "/v2/usermanagement/action/{orgId}"
    check_action(answer, result="error", completed=0, not_completed=1)
    assert answer["errors"] == [{"index": 0, "step": 0, "message": message, "errorCode": code, "user": READ_ONLY}]
    assert members(api, READ_ONLY) == ["test@user.com"]


def test_bad_request_partial_duplicate_group_name(install: Any) -> None:
    """partials/badRequest.md (object "user-group"), "Group name already exists": the example
    is a POST to the REST user-group API Adobe removed in 2017 (spec §6 A35); the emulator
    answers it with a UMAPI-shaped error and creates nothing."""
    api = world(install)
    r = api.post(f"/users/{api.org_id}/user-groups", {"name": "DevOps"})
    assert check_json(r, 405)["result"] == "error.method.not_allowed"
    assert members(api, "DevOps") == ["user2@myCompany.com"]
