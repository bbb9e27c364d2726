"""Wire forms of user and group actions, local validation and the v2 aliases (no network)."""

from __future__ import annotations

from typing import Any

import pytest

import umapi_client
from umapi_client import (
    ArgumentError,
    GroupAction,
    IdentityType,
    IfAlreadyExistsOption,
    UserAction,
)


def only_entry(action: umapi_client.Action) -> dict[str, Any]:
    (entry,) = action.wire_entries()
    return entry


def test_adobe_id_create_wire_form() -> None:
    action = UserAction("user@example.com").create(country="US")
    assert only_entry(action) == {
        "user": "user@example.com",
        "useAdobeID": True,
        "do": [{"addAdobeID": {"email": "user@example.com", "country": "US", "option": "ignoreIfAlreadyExists"}}],
    }


def test_enterprise_create_with_names_and_update_option() -> None:
    action = UserAction(id_type=IdentityType.enterpriseID, email="e@example.com").create(
        firstname="Ena", lastname="Ent", on_conflict=IfAlreadyExistsOption.updateIfAlreadyExists
    )
    assert only_entry(action) == {
        "user": "e@example.com",
        "do": [
            {
                "createEnterpriseID": {
                    "email": "e@example.com",
                    "firstname": "Ena",
                    "lastname": "Ent",
                    "option": "updateIfAlreadyExists",
                }
            }
        ],
    }


def test_create_without_option_sends_none() -> None:
    action = UserAction(id_type="enterpriseID", email="e@example.com").create(on_conflict=None)
    assert only_entry(action)["do"] == [{"createEnterpriseID": {"email": "e@example.com"}}]


def test_federated_non_email_username_has_domain_sibling() -> None:
    action = UserAction(
        id_type=IdentityType.federatedID, username="user347", domain="division.example.com", email="jr@example.com"
    ).create(first_name="John", last_name="User", country="US")
    action.add_to_groups(groups=["Photoshop"])
    assert only_entry(action) == {
        "user": "user347",
        "domain": "division.example.com",
        "do": [
            {
                "createFederatedID": {
                    "email": "jr@example.com",
                    "firstname": "John",
                    "lastname": "User",
                    "country": "US",
                    "option": "ignoreIfAlreadyExists",
                }
            },
            {"add": {"group": ["Photoshop"]}},
        ],
    }


def test_non_email_username_implies_federated() -> None:
    action = UserAction("jdoe", domain="example.com")
    assert action.id_type is IdentityType.federatedID
    assert only_entry(action.remove_from_organization())["domain"] == "example.com"


def test_create_is_first_and_remove_from_org_last_whatever_the_call_order() -> None:
    action = UserAction(id_type=IdentityType.federatedID, email="f@example.com")
    action.add_to_groups(["A"]).update(first_name="Fred").create(country="DE")
    action.remove_from_groups(all_groups=True).remove_from_organization(delete_account=True)
    steps = [next(iter(step)) for step in only_entry(action)["do"]]
    assert steps == ["createFederatedID", "add", "update", "remove", "removeFromOrg"]
    assert only_entry(action)["do"][3] == {"remove": "all"}
    assert only_entry(action)["do"][4] == {"removeFromOrg": {"deleteAccount": True}}


def test_remove_from_organization_default_keeps_account() -> None:
    entry = only_entry(UserAction("u@example.com").remove_from_organization())
    assert entry == {"user": "u@example.com", "do": [{"removeFromOrg": {"deleteAccount": False}}]}
    assert "useAdobeID" not in entry


def test_update_wire_form() -> None:
    action = UserAction(id_type="federatedID", email="f@example.com").update(
        email="new@example.com", username="newname", first_name="N", last_name="M"
    )
    assert only_entry(action)["do"] == [
        {"update": {"email": "new@example.com", "username": "newname", "firstname": "N", "lastname": "M"}}
    ]


def test_group_type_legacy_keys() -> None:
    action = UserAction("u@example.com").add_to_groups(["P1"], group_type="product")
    action.remove_from_groups(["G1"], group_type=umapi_client.GroupTypes.usergroup)
    assert only_entry(action)["do"] == [{"add": {"product": ["P1"]}}, {"remove": {"usergroup": ["G1"]}}]


def test_long_group_lists_are_split_into_steps_of_ten() -> None:
    names = [f"Group {i}" for i in range(25)]
    (entry,) = UserAction("u@example.com").add_to_groups(groups=names).wire_entries()
    assert entry["do"] == [
        {"add": {"group": names[0:10]}},
        {"add": {"group": names[10:20]}},
        {"add": {"group": names[20:25]}},
    ]


def test_more_than_ten_steps_become_several_entries_with_same_header() -> None:
    action = UserAction(id_type=IdentityType.adobeID, email="u@example.com", requestID="req-7").create()
    action.add_to_groups(groups=[f"G{i}" for i in range(95)])  # 10 steps of adds + 1 create = 11
    entries = action.wire_entries()
    assert [len(e["do"]) for e in entries] == [10, 1]
    for entry in entries:
        assert entry["user"] == "u@example.com"
        assert entry["requestID"] == "req-7"
        assert entry["useAdobeID"] is True
    assert "addAdobeID" in entries[0]["do"][0]
    assert entries[1]["do"] == [{"add": {"group": [f"G{i}" for i in range(90, 95)]}}]


def test_custom_limits_split_further() -> None:
    action = UserAction("u@example.com").add_to_groups(groups=["a", "b", "c"]).update(first_name="x")
    entries = action.wire_entries(max_steps=2, max_names=2)
    assert [e["do"] for e in entries] == [
        [{"add": {"group": ["a", "b"]}}, {"add": {"group": ["c"]}}],
        [{"update": {"firstname": "x"}}],
    ]


def test_group_create_has_no_name_field() -> None:
    action = GroupAction("Employees").create(description="All staff")
    assert only_entry(action) == {
        "usergroup": "Employees",
        "do": [{"createUserGroup": {"option": "ignoreIfAlreadyExists", "description": "All staff"}}],
    }


def test_group_operations_wire_forms() -> None:
    action = GroupAction(group_name="Employees", requestID="g-1")
    action.update(name="Staff", description="Everyone").add_users(users=["a@example.com", "b@example.com"])
    action.remove_users(users=["c@example.com"]).add_to_products(products=["All Apps"])
    action.remove_from_products(all_products=True).delete()
    assert only_entry(action) == {
        "usergroup": "Employees",
        "requestID": "g-1",
        "do": [
            {"updateUserGroup": {"name": "Staff", "description": "Everyone"}},
            {"add": {"user": ["a@example.com", "b@example.com"]}},
            {"remove": {"user": ["c@example.com"]}},
            {"add": {"productConfiguration": ["All Apps"]}},
            {"remove": "all"},
            {"deleteUserGroup": {}},
        ],
    }


def test_group_user_lists_split() -> None:
    users = [f"u{i}@example.com" for i in range(12)]
    (entry,) = GroupAction("G").add_users(users=users).wire_entries()
    assert entry["do"] == [{"add": {"user": users[:10]}}, {"add": {"user": users[10:]}}]


def test_v2_aliases() -> None:
    assert umapi_client.UserGroupAction is GroupAction
    assert umapi_client.IdentityTypes is IdentityType
    assert umapi_client.IfAlreadyExistsOptions is IfAlreadyExistsOption
    group = umapi_client.UserGroupAction(group_name="New Group")
    group.create(description="d", option=umapi_client.IfAlreadyExistsOptions.updateIfAlreadyExists)
    assert only_entry(group)["do"][0] == {"createUserGroup": {"option": "updateIfAlreadyExists", "description": "d"}}
    user = UserAction(id_type=umapi_client.IdentityTypes.federatedID, email="someone@example.com")
    user.create(
        first_name="John", last_name="User", country="US", on_conflict=IfAlreadyExistsOption.updateIfAlreadyExists
    )
    assert only_entry(user)["do"][0]["createFederatedID"]["firstname"] == "John"
    positional = UserAction(IdentityType.enterpriseID, email="e@example.com")
    assert positional.id_type is IdentityType.enterpriseID


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: UserAction(), "email or username"),
        (lambda: UserAction(email="not-an-email"), "not a valid email"),
        (lambda: UserAction("jdoe"), "needs domain"),
        (lambda: UserAction("u@example.com", domain="other.com"), "non-email usernames"),
        (lambda: UserAction("jdoe", id_type="enterpriseID", domain="example.com"), "Federated"),
        (lambda: UserAction(id_type="martianID", email="u@example.com"), "id_type must be one of"),
        (lambda: UserAction("u@example.com").create(country="USA"), "two-letter"),
        (lambda: UserAction("u@example.com").create(email="x@example.com"), "contradicts"),
        (lambda: UserAction("jdoe", domain="example.com").create(), "requires an email"),
        (lambda: UserAction("u@example.com").create().create(), "already called"),
        (lambda: UserAction("u@example.com").update(), "at least one"),
        (lambda: UserAction("u@example.com").update(username="x"), "Federated"),
        (lambda: UserAction("u@example.com").add_to_groups(groups="Photoshop"), "list of names"),
        (lambda: UserAction("u@example.com").add_to_groups(groups=[]), "must not be empty"),
        (lambda: UserAction("u@example.com").add_to_groups(), "groups="),
        (lambda: UserAction("u@example.com").add_to_groups(["A"], all_groups=True), "cannot be combined"),
        (lambda: UserAction("u@example.com").add_to_groups(["A"], group_type="team"), "group_type"),
        (lambda: UserAction("u@example.com").remove_from_organization().add_to_groups(["A"]), "last"),
        (lambda: UserAction("u@example.com").remove_from_organization(delete_account="yes"), "True or False"),
        (lambda: GroupAction("_admin_Employees"), "may not start with '_'"),
        (lambda: GroupAction("x" * 256), "255"),
        (lambda: GroupAction(""), "non-empty"),
        (lambda: GroupAction("G").update(), "new name"),
        (lambda: GroupAction("G").add_to_products(products=["P"], all_products=True), "not both"),
        (lambda: GroupAction("G").add_to_products(), "products="),
        (lambda: GroupAction("G").add_users(users=[""]), "non-empty string"),
        (lambda: GroupAction("G").delete().add_users(["u@example.com"]), "last"),
        (lambda: GroupAction("G").create(option="replace"), "option must be one of"),
        (lambda: UserAction("u@example.com").wire_entries(), "no operations"),
    ],
)
def test_argument_errors(build: Any, message: str) -> None:
    with pytest.raises(ArgumentError, match=message):
        build()


def test_argument_error_is_value_error() -> None:
    assert issubclass(ArgumentError, ValueError)


def test_commands_are_copies() -> None:
    action = UserAction("u@example.com").add_to_groups(["A"])
    commands: list[dict[str, Any]] = action.commands
    commands[0]["add"]["group"].append("B")
    assert action.commands == [{"add": {"group": ["A"]}}]
