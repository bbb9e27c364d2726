"""One example per action step (spec §3.3, §3.4), each checked through the read API."""

from __future__ import annotations

import json

import pytest

from tests.actions.conftest import Api, payload

FED = {"firstname": "Nia", "lastname": "New", "country": "US"}


def ok(report: dict) -> None:
    assert report.get("errors") is None, report
    assert report["result"] == "success", report


def codes(report: dict) -> list[tuple[int, int, str]]:
    return [(e["index"], e["step"], e["errorCode"]) for e in report.get("errors", [])]


# ------------------------------------------------------------------------ create steps


def test_create_federated_id_is_listed_and_readable(api: Api) -> None:
    before = {u["email"] for u in api.users()}  # warms the page cache: reads must see the write
    report = api.act([{"user": "nia@fed.example", "do": [{"createFederatedID": {"email": "nia@fed.example", **FED}}]}])
    assert report == {"completed": 1, "notCompleted": 0, "completedInTestMode": 0, "result": "success"}
    user = api.get_user("NIA@fed.example")
    assert user is not None
    assert {
        k: user[k] for k in ("email", "username", "domain", "type", "firstname", "lastname", "country", "status")
    } == {
        "email": "nia@fed.example",
        "username": "nia@fed.example",
        "domain": "fed.example",
        "type": "federatedID",
        "firstname": "Nia",
        "lastname": "New",
        "country": "US",
        "status": "active",
    }
    assert "groups" not in user
    assert {u["email"] for u in api.users()} == before | {"nia@fed.example"}


def test_create_enterprise_id(api: Api) -> None:
    ok(
        api.act(
            [
                {
                    "user": "ena@ent.example",
                    "do": [{"createEnterpriseID": {"email": "ena@ent.example", "firstname": "Ena", "lastname": "E"}}],
                }
            ]
        )
    )
    user = api.get_user("ena@ent.example")
    assert user is not None and user["type"] == "enterpriseID" and user["domain"] == "ent.example"
    assert "country" not in user


def test_add_adobe_id_any_domain_and_beside_an_org_account(api: Api) -> None:
    ok(
        api.act(
            [
                {
                    "user": "pat@elsewhere.example",
                    "useAdobeID": True,
                    "do": [{"addAdobeID": {"email": "pat@elsewhere.example"}}],
                },
                # fed1 has a Federated ID; a personal Adobe ID with the same email may join too
                {"user": "fed1@fed.example", "do": [{"addAdobeID": {"email": "fed1@fed.example", "country": "IE"}}]},
            ]
        )
    )
    assert api.get_user("pat@elsewhere.example")["type"] == "adobeID"  # type: ignore[index]
    assert api.get_user("fed1@fed.example")["type"] == "federatedID"  # type: ignore[index]
    accounts = [u for u in api.users() if u["email"] == "fed1@fed.example"]
    assert sorted(u["type"] for u in accounts) == ["adobeID", "federatedID"]


def test_create_federated_username_login_with_domain(api: Api) -> None:
    ok(
        api.act(
            [
                {
                    "user": "nnew",
                    "domain": "fed.example",
                    "do": [
                        {"createFederatedID": {"email": "nia.new@fed.example", **FED}},
                        {"add": {"group": ["Design"]}},
                    ],
                }
            ]
        )
    )
    user = api.get_user("nnew", "fed.example")
    assert user is not None and user["username"] == "nnew" and user["email"] == "nia.new@fed.example"
    assert "nnew" in api.members("Design")


def test_create_options(api: Api) -> None:
    base = {"email": "fed1@fed.example", "firstname": "Changed", "lastname": "Name", "country": "US"}
    report = api.act(
        [
            {"user": "fed1@fed.example", "do": [{"createFederatedID": dict(base)}]},
            {"user": "fed1@fed.example", "do": [{"createFederatedID": {**base, "option": "ignoreIfAlreadyExists"}}]},
        ]
    )
    assert codes(report) == [(0, 0, "error.user.already_in_org")]
    assert report["result"] == "partial" and report["completed"] == 1
    assert api.get_user("fed1@fed.example")["firstname"] == "Fay"  # type: ignore[index]
    ok(
        api.act(
            [
                {
                    "user": "fed1@fed.example",
                    "do": [{"createFederatedID": {**base, "country": "FR", "option": "updateIfAlreadyExists"}}],
                }
            ]
        )
    )
    user = api.get_user("fed1@fed.example")
    assert (user["firstname"], user["lastname"], user["country"]) == ("Changed", "Name", "US")  # type: ignore[index]


def test_ignore_option_runs_the_remaining_steps(api: Api) -> None:
    ok(
        api.act(
            [
                {
                    "user": "ent1@ent.example",
                    "do": [
                        {
                            "createEnterpriseID": {
                                "email": "ent1@ent.example",
                                "firstname": "E",
                                "lastname": "E",
                                "option": "ignoreIfAlreadyExists",
                            }
                        },
                        {"add": {"group": ["Staff"]}},
                    ],
                }
            ]
        )
    )
    assert "Staff" in api.groups_of("ent1@ent.example")


# ----------------------------------------------------------------------------- update


def test_update_names_and_email_moves_username(api: Api) -> None:
    ok(api.act([{"user": "fed1@fed.example", "do": [{"update": {"firstname": "Faye", "email": "faye@fed2.example"}}]}]))
    assert api.get_user("fed1@fed.example") is None
    user = api.get_user("faye@fed2.example")
    assert user is not None
    assert (user["firstname"], user["username"], user["domain"]) == ("Faye", "faye@fed2.example", "fed2.example")
    assert {"Staff", "_org_admin"} <= set(user["groups"])


def test_update_username_of_federated_id(api: Api) -> None:
    ok(api.act([{"user": "jdoe", "domain": "fed.example", "do": [{"update": {"username": "john.d"}}]}]))
    assert api.get_user("jdoe", "fed.example") is None
    user = api.get_user("john.d", "fed.example")
    assert user is not None and user["email"] == "john.doe@fed.example"


def test_empty_update_is_a_no_op_success(api: Api) -> None:
    ok(api.act([{"user": "ent1@ent.example", "do": [{"update": {}}]}]))


def test_later_steps_follow_the_account_after_an_email_change(api: Api) -> None:
    ok(
        api.act(
            [
                {
                    "user": "ent1@ent.example",
                    "do": [{"update": {"email": "eve@ent.example"}}, {"add": {"group": ["Staff"]}}],
                }
            ]
        )
    )
    assert "Staff" in api.groups_of("eve@ent.example")


def test_update_null_fields_count_as_absent(api: Api) -> None:
    ok(api.act([{"user": "fed1@fed.example", "do": [{"update": {"firstname": None, "lastname": "Lee"}}]}]))
    user = api.get_user("fed1@fed.example")
    assert user is not None and (user["firstname"], user["lastname"]) == ("Fay", "Lee")


def test_update_of_a_non_string_field_is_refused(api: Api) -> None:
    report = api.act([{"user": "fed1@fed.example", "do": [{"update": {"lastname": "Lee", "firstname": 5}}]}])
    assert codes(report) == [(0, 0, "error.command.create.string_expected")]
    user = api.get_user("fed1@fed.example")
    assert user is not None and user["lastname"] == "One"


def test_update_of_adobe_id_is_refused(api: Api) -> None:
    report = api.act([{"user": "adobe1@mail.example", "do": [{"update": {"firstname": "X"}}]}])
    assert codes(report) == [(0, 0, "error.update.adobeid.no")]


# ------------------------------------------------------------------------ memberships


def test_add_groups_profiles_and_admin_roles(api: Api) -> None:
    names = [
        "Design",
        "PS Team",
        "_admin_Staff",
        "_admin_PS Default",
        "_product_admin_Photoshop",
        "_developer_PS Default",
        "_support_admin",
        "_deployment_admin",
    ]
    ok(api.act([{"user": "fed2@fed.example", "do": [{"add": {"group": names}}]}]))
    assert set(names) <= api.groups_of("fed2@fed.example")
    groups = api.groups()
    assert groups["Staff"]["adminGroupName"] == "_admin_Staff"
    assert groups["_admin_Staff"]["type"] == "USER_ADMIN_GROUP" and groups["_admin_Staff"]["memberCount"] == 1
    assert groups["_product_admin_Photoshop"]["type"] == "PRODUCT_ADMIN_GROUP"
    assert groups["_developer_PS Default"]["type"] == "DEVELOPER_GROUP"
    assert groups["Design"]["memberCount"] == 3
    # adding again is idempotent
    ok(api.act([{"user": "fed2@fed.example", "do": [{"add": {"group": ["Design", "design"]}}]}]))
    assert api.groups()["Design"]["memberCount"] == 3


def test_add_is_atomic_per_step(api: Api) -> None:
    report = api.act([{"user": "fed2@fed.example", "do": [{"add": {"group": ["Design", "No Such Group"]}}]}])
    assert codes(report) == [(0, 0, "error.group.not_found")]
    assert report["errors"][0]["message"] == "Group No Such Group was not found"
    assert "Design" not in api.groups_of("fed2@fed.example")


def test_unassignable_roles_are_refused(api: Api) -> None:
    report = api.act(
        [
            {"user": "fed2@fed.example", "do": [{"add": {"group": ["_org_admin"]}}]},
            {"user": "fed1@fed.example", "do": [{"remove": {"group": ["_org_admin"]}}]},
            {"user": "fed1@fed.example", "do": [{"add": {"group": ["_compartment_admin"]}}]},
        ]
    )
    assert [c for _, _, c in codes(report)] == ["error.group.not_found"] * 3
    assert "_org_admin" in api.groups_of("fed1@fed.example")


def test_remove_groups_and_remove_all(api: Api) -> None:
    ok(api.act([{"user": "ent1@ent.example", "do": [{"remove": {"group": ["Design"]}}]}]))
    assert api.groups_of("ent1@ent.example") == {"PS Default"}
    ok(
        api.act(
            [
                {
                    "user": "fed1@fed.example",
                    "do": [{"add": {"group": ["Design", "_admin_Design"]}}, {"remove": "all"}],
                },
                {"user": "fed2@fed.example", "do": [{"remove": "all"}]},
            ]
        )
    )
    assert api.groups_of("fed1@fed.example") == {"_org_admin"}  # _org_admin stays
    assert api.groups_of("fed2@fed.example") == {"Shared RO"}  # a read-only group's membership is not ours


def test_remove_from_admin_group_nobody_holds_is_a_no_op(api: Api) -> None:
    ok(
        api.act(
            [{"user": "fed2@fed.example", "do": [{"remove": {"group": ["_admin_Design", "_product_admin_Acrobat"]}}]}]
        )
    )
    assert "_admin_Design" not in api.groups()


def test_legacy_product_key_warns_and_works(api: Api) -> None:
    report = api.act(
        [
            {
                "user": "fed2@fed.example",
                "requestID": "r1",
                "do": [{"update": {"lastname": "Deux"}}, {"add": {"product": ["Acrobat Default"]}}],
            }
        ]
    )
    ok(report)
    assert report["warnings"] == [
        {
            "warningCode": "warning.command.deprecated",
            "requestID": "r1",
            "index": 0,
            "step": 1,
            "message": "'product' command is deprecated. Please use productConfiguration.",
            "user": "fed2@fed.example",
        }
    ]
    assert "Acrobat Default" in api.groups_of("fed2@fed.example")


def test_use_adobe_id_selects_the_adobe_account(api: Api) -> None:
    ok(api.act([{"user": "ent1@ent.example", "useAdobeID": True, "do": [{"add": {"group": ["Staff"]}}]}]))
    accounts = {u["type"]: set(u.get("groups", [])) for u in api.users() if u["email"] == "ent1@ent.example"}
    assert "Staff" in accounts["adobeID"] and "Staff" not in accounts["enterpriseID"]


# ---------------------------------------------------------------------- removeFromOrg


@pytest.mark.parametrize("params", [{}, {"deleteAccount": False}, {"deleteAccount": True}])
def test_remove_from_org(api: Api, params: dict) -> None:
    before = api.groups()["Design"]["memberCount"]
    ok(api.act([{"user": "ent1@ent.example", "do": [{"removeFromOrg": params}]}]))
    assert api.get_user("ent1@ent.example")["type"] == "adobeID"  # type: ignore[index]  # the Adobe ID stays
    assert api.groups()["Design"]["memberCount"] == before - 1


def test_remove_from_org_of_unknown_user_succeeds(api: Api) -> None:
    ok(
        api.act(
            [
                {"user": "nobody@fed.example", "do": [{"removeFromOrg": {"deleteAccount": True}}]},
                {"user": "ghost", "domain": "fed.example", "do": [{"removeFromOrg": {}}]},
            ]
        )
    )


# ------------------------------------------------------------------------ user groups


def test_create_user_group_without_name(api: Api) -> None:
    ok(
        api.act(
            [
                {
                    "usergroup": "Marketing",
                    "do": [
                        {"createUserGroup": {"option": "ignoreIfAlreadyExists", "description": "mkt"}},
                        {
                            "add": {
                                "user": ["fed1@fed.example", "john.doe@fed.example", "ent1@ent.example"],
                                "productConfiguration": ["PS Team"],
                            }
                        },
                    ],
                }
            ]
        )
    )
    group = api.groups()["Marketing"]
    assert group["type"] == "USER_GROUP" and group["memberCount"] == 3
    assert api.org.group_named("Marketing").description == "mkt"  # type: ignore[union-attr]
    # the org-owned account wins over the Adobe ID sharing ent1's email
    assert api.members("Marketing") == {"fed1@fed.example", "jdoe", "ent1@ent.example"}
    r = api.client.get(f"/v2/usermanagement/users/{api.org_id}/0?directOnly=false", headers=api.headers)
    indirect = {u["username"]: set(u.get("groups", [])) for u in payload(r)["users"]}
    assert "PS Team" in indirect["jdoe"] and "PS Team" not in api.groups_of("jdoe", "fed.example")


def test_create_user_group_with_a_name_and_options(api: Api) -> None:
    ok(
        api.act(
            [
                {
                    "usergroup": "ignored-entry-name",
                    "do": [{"createUserGroup": {"name": "Named"}}, {"add": {"user": ["fed2@fed.example"]}}],
                }
            ]
        )
    )
    assert "Named" in api.groups() and "ignored-entry-name" not in api.groups()
    assert api.members("Named") == {"fed2@fed.example"}
    report = api.act(
        [
            {"usergroup": "Staff", "do": [{"createUserGroup": {}}]},
            {
                "usergroup": "Staff",
                "do": [{"createUserGroup": {"option": "updateIfAlreadyExists", "description": "new text"}}],
            },
        ]
    )
    assert codes(report) == [(0, 0, "error.usergroup.already_exists")]
    assert api.org.group_named("Staff").description == "new text"  # type: ignore[union-attr]


def test_update_user_group_renames_with_members_and_admins(api: Api) -> None:
    ok(api.act([{"user": "fed2@fed.example", "do": [{"add": {"group": ["_admin_Design"]}}]}]))
    ok(
        api.act(
            [
                {
                    "usergroup": "Design",
                    "do": [
                        {"updateUserGroup": {"name": "Creative", "description": "c"}},
                        {"add": {"user": ["fed1@fed.example"]}},
                    ],
                }
            ]
        )
    )
    groups = api.groups()
    assert "Design" not in groups and groups["Creative"]["adminGroupName"] == "_admin_Creative"
    assert api.members("Creative") == {"ent1@ent.example", "adobe1@mail.example", "fed1@fed.example"}
    assert "_admin_Creative" in api.groups_of("fed2@fed.example")


def test_delete_user_group_stops_the_entry(api: Api) -> None:
    ok(api.act([{"usergroup": "Design", "do": [{"deleteUserGroup": {}}, {"add": {"user": ["fed1@fed.example"]}}]}]))
    assert "Design" not in api.groups()
    assert api.groups_of("ent1@ent.example") == {"PS Default"}


def test_usergroup_remove_users_and_profiles(api: Api) -> None:
    ok(
        api.act(
            [
                {
                    "usergroup": "Staff",
                    "do": [{"remove": {"user": ["fed1@fed.example"], "productConfiguration": ["PS Default"]}}],
                }
            ]
        )
    )
    assert api.groups()["Staff"]["memberCount"] == 0
    assert api.org.group_named("Staff").profiles == frozenset()  # type: ignore[union-attr]


def test_usergroup_entry_may_manage_profile_and_admin_members(api: Api) -> None:
    ok(
        api.act(
            [
                {"usergroup": "PS Team", "do": [{"add": {"user": ["fed2@fed.example"]}}]},
                {"usergroup": "_admin_Staff", "do": [{"add": {"user": ["fed2@fed.example"]}}]},
            ]
        )
    )
    assert {"PS Team", "_admin_Staff"} <= api.groups_of("fed2@fed.example")


def test_read_only_group(api: Api) -> None:
    report = api.act(
        [
            {"usergroup": "Shared RO", "do": [{"add": {"user": ["fed1@fed.example"]}}]},
            {"usergroup": "Shared RO", "do": [{"add": {"productConfiguration": ["PS Team"]}}]},
            {"usergroup": "Shared RO", "do": [{"updateUserGroup": {"description": "x"}}]},
            {"usergroup": "Shared RO", "do": [{"deleteUserGroup": {}}]},
        ]
    )
    assert codes(report) == [
        (0, 0, "error.usergroup.readonly.add_user_not_allowed"),
        (2, 0, "error.usergroup.readonly.update_not_allowed"),
        (3, 0, "error.usergroup.readonly.remove_not_allowed"),
    ]
    assert (
        report["errors"][0]["message"]
        == "User cannot be added to group as owned by another org and readonly: Shared RO"
    )
    assert report["errors"][0]["user"] == "Shared RO"  # group entries report the group name as `user`
    assert api.org.group_named("Shared RO").profiles  # type: ignore[union-attr]


# ------------------------------------------------------------- processing and reporting


def test_failed_step_does_not_stop_later_steps(api: Api) -> None:
    report = api.act(
        [
            {
                "user": "fed2@fed.example",
                "requestID": "abc",
                "do": [{"add": {"group": ["Missing"]}}, {"add": {"group": ["Design"]}}, {"update": {"country": "FR"}}],
            }
        ]
    )
    assert codes(report) == [(0, 0, "error.group.not_found"), (0, 2, "error.update.country.no_update")]
    assert all(e["requestID"] == "abc" and e["user"] == "fed2@fed.example" for e in report["errors"])
    assert report == {**report, "completed": 0, "notCompleted": 1, "result": "error"}
    assert "Design" in api.groups_of("fed2@fed.example")


def test_nonexistent_user_message_and_partial_result(api: Api) -> None:
    report = api.act(
        [
            {"user": "fed1@fed.example", "do": [{"add": {"group": ["Design"]}}]},
            {"user": "test@test_fake.us", "requestID": "Two2_123456", "do": [{"add": {"group": ["Design"]}}]},
        ]
    )
    assert report["result"] == "partial"
    assert report["errors"] == [
        {
            "index": 1,
            "step": 0,
            "requestID": "Two2_123456",
            "message": "User Id does not exist: test@test_fake.us",
            "user": "test@test_fake.us",
            "errorCode": "error.user.nonexistent",
        }
    ]


def test_test_mode_changes_nothing_and_forgives_missing_users(api: Api) -> None:
    body = [
        {"user": "nia@fed.example", "do": [{"createFederatedID": {"email": "nia@fed.example", **FED}}]},
        {"user": "nia@fed.example", "do": [{"add": {"group": ["Design"]}}]},
        {"user": "never@fed.example", "do": [{"update": {"firstname": "N"}}, {"add": {"group": ["Staff"]}}]},
        {"usergroup": "Design", "do": [{"add": {"user": ["never@fed.example"]}}]},
        {"user": "fed1@fed.example", "do": [{"add": {"group": ["Missing"]}}]},
        {"usergroup": "Design", "do": [{"deleteUserGroup": {}}]},
    ]
    before = api.users(), api.groups()
    report = api.act(body, test=True)
    assert report["completed"] == 0 and report["completedInTestMode"] == 5 and report["notCompleted"] == 1
    assert codes(report) == [(4, 0, "error.group.not_found")] and report["result"] == "partial"
    assert (api.users(), api.groups()) == before
    real = api.act(body)
    assert codes(real) == [
        (2, 0, "error.user.nonexistent"),
        (2, 1, "error.user.nonexistent"),
        (3, 0, "error.user.not_found"),
        (4, 0, "error.group.not_found"),
    ]


def test_test_mode_undoes_every_write_and_restores_the_join_order(api: Api) -> None:
    """Test mode undoes a run's writes newest first: new users, renames, joins, and leaves
    (a member leaving from the middle of a group comes back in its place)."""

    def design() -> list[str]:
        r = api.client.get(f"/v2/usermanagement/users/{api.org_id}/0/Design", headers=api.headers)
        assert r.status_code == 200
        return [u["email"] for u in payload(r)["users"]]

    body = [
        {
            "user": "nia@fed.example",
            "do": [
                {"createFederatedID": {"email": "nia@fed.example", **FED}},
                {"update": {"firstname": "Nina"}},
                {"add": {"group": ["Design", "Staff"]}},
                {"remove": {"group": ["Staff"]}},
            ],
        },
        {
            "user": "ent1@ent.example",
            "do": [
                {"remove": {"group": ["Design"]}},
                {"update": {"lastname": "Moved"}},
                {"add": {"group": ["Design"]}},
            ],
        },
    ]
    before = api.users(), api.groups(), design()
    assert before[2][:2] == ["ent1@ent.example", "adobe1@mail.example"]
    report = api.act(body, test=True)
    assert report["completedInTestMode"] == 2 and report["result"] == "success", report
    assert (api.users(), api.groups(), design()) == before
    ok(api.act(body))
    assert design() == ["adobe1@mail.example", "nia@fed.example", "ent1@ent.example"]


def test_test_only_parameter_spellings(api: Api) -> None:
    body = json.dumps([{"user": "fed2@fed.example", "do": [{"add": {"group": ["Design"]}}]}])
    for value in ("True", "true", "TRUE"):
        r = api.client.post(f"/v2/usermanagement/action/{api.org_id}?testOnly={value}", data=body, headers=api.headers)
        assert payload(r)["completedInTestMode"] == 1
    assert "Design" not in api.groups_of("fed2@fed.example")
    r = api.client.post(f"/v2/usermanagement/action/{api.org_id}?testOnly=false", data=body, headers=api.headers)
    assert payload(r)["completed"] == 1


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"",
        b'{"user": "x"}',
        b"[]",
        b'"text"',
        b"\xff\xfe",
        json.dumps([{"user": "a@fed.example", "do": []}] * 11).encode(),
    ],
)
def test_malformed_bodies_are_400(api: Api, body: bytes) -> None:
    status, out = api.post(body, raw=True)
    assert status == 400
    assert out["result"] == "error.command.malformed" and out["message"]


def test_action_needs_auth(api: Api) -> None:
    r = api.client.post(f"/v2/usermanagement/action/{api.org_id}", data="[]")
    assert r.status_code == 403


def test_empty_do_list_completes(api: Api) -> None:
    ok(api.act([{"user": "fed1@fed.example", "do": []}]))


def test_ten_entries_and_ten_steps_are_accepted(api: Api) -> None:
    steps = [{"add": {"group": ["Design"]}}] * 10
    ok(api.act([{"user": "fed2@fed.example", "do": steps}] * 10))
