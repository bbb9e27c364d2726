"""Wire forms of user and group actions as umapi-client 3.0.1 builds them, the v2 forms
and names we add, and where we only warn (3.0.1 accepts the input) or refuse (3.0.1 also
fails on it).  No network."""

from __future__ import annotations

import json
from typing import Any

import pytest

import umapi_client
from umapi_client import (
    ArgumentError,
    GroupAction,
    IdentityType,
    IfAlreadyExistsOption,
    UMAPIWarning,
    UserAction,
)


def test_create_defaults_to_federated_id_with_ignore_option() -> None:
    action = UserAction("user@example.com").create("user@example.com", country="US")
    assert action.wire_dict() == {
        "user": "user@example.com",
        "do": [
            {"createFederatedID": {"email": "user@example.com", "option": "ignoreIfAlreadyExists", "country": "US"}}
        ],
    }


def test_create_key_order_is_3_0_1s_on_the_wire() -> None:
    action = UserAction("e@example.com").create(
        "e@example.com", "Ena", "Ent", "GB", IdentityType.enterpriseID, IfAlreadyExistsOption.updateIfAlreadyExists
    )
    assert json.dumps(action.wire_dict()) == (
        '{"user": "e@example.com", "do": [{"createEnterpriseID": {"email": "e@example.com", '
        '"option": "updateIfAlreadyExists", "firstname": "Ena", "lastname": "Ent", "country": "GB"}}]}'
    )


def test_adobe_id_create_marks_the_frame() -> None:
    action = UserAction("user@example.com").create("user@example.com", id_type="adobeID")
    assert action.frame == {"user": "user@example.com", "useAdobeID": True}
    assert next(iter(action.commands[0])) == "addAdobeID"


@pytest.mark.parametrize("option", [IfAlreadyExistsOption.errorIfAlreadyExists, "errorIfAlreadyExists", None])
def test_create_without_option(option: Any) -> None:
    action = UserAction("e@example.com").create("e@example.com", id_type=IdentityType.enterpriseID, on_conflict=option)
    assert action.commands == [{"createEnterpriseID": {"email": "e@example.com"}}]


def test_username_with_domain_and_create_inserted_first() -> None:
    action = UserAction("user347", "division.example.com", requestID="r-1")
    action.add_to_groups(["Photoshop"]).create("jr@example.com", firstname="John", lastname="User", country="US")
    action.remove_from_organization(delete_account=True)
    assert action.wire_dict() == {
        "user": "user347",
        "domain": "division.example.com",
        "requestID": "r-1",
        "do": [
            {
                "createFederatedID": {
                    "email": "jr@example.com",
                    "option": "ignoreIfAlreadyExists",
                    "firstname": "John",
                    "lastname": "User",
                    "country": "US",
                }
            },
            {"add": {"group": ["Photoshop"]}},
            {"removeFromOrg": {"deleteAccount": True}},
        ],
    }


def test_remove_from_organization_returns_none_as_in_3_0_1() -> None:
    action = UserAction("u@example.com")
    assert action.remove_from_organization() is None
    assert action.commands == [{"removeFromOrg": {"deleteAccount": False}}]


def test_update_sends_only_given_values() -> None:
    action = UserAction("f@example.com").update(email="new@example.com", username="newname", lastname="M")
    assert action.commands == [{"update": {"email": "new@example.com", "username": "newname", "lastname": "M"}}]


def test_use_adobe_id_and_extra_frame_keys() -> None:
    action = UserAction("jane@example.com", use_adobe_id=True, requestID="r-9")
    assert action.frame == {"user": "jane@example.com", "useAdobeID": True, "requestID": "r-9"}


def test_user_string_checks_are_3_0_1s() -> None:
    with pytest.raises(ArgumentError, match="Domain required"):
        UserAction("jdoe")
    with pytest.raises(ArgumentError, match="Domain not allowed"):
        UserAction("u@example.com", domain="example.com")
    with pytest.raises(TypeError):
        UserAction()


def test_group_type_legacy_keys_and_add_all() -> None:
    action = UserAction("u@example.com").add_to_groups(["P1"], group_type="product")
    action.remove_from_groups(["G1"], group_type=umapi_client.GroupTypes.usergroup)
    action.add_to_groups(all_groups=True)
    assert action.commands == [{"add": {"product": ["P1"]}}, {"remove": {"usergroup": ["G1"]}}, {"add": "all"}]


def test_long_group_lists_are_split_into_steps_of_ten() -> None:
    names = [f"Group {i}" for i in range(25)]
    action = UserAction("u@example.com").add_to_groups(groups=names)
    assert action.maybe_split_groups(10) is True
    assert action.commands == [
        {"add": {"group": names[0:10]}},
        {"add": {"group": names[10:20]}},
        {"add": {"group": names[20:25]}},
    ]
    assert action.maybe_split_groups(10) is False


def test_split_keeps_the_frame_on_every_part() -> None:
    action = UserAction("u@example.com", requestID="req-7").create("u@example.com", id_type=IdentityType.adobeID)
    for i in range(10):
        action.add_to_groups([f"G{i}"])
    parts = action.split(10)
    assert [len(p.commands) for p in parts] == [10, 1] and action.split_actions == parts
    assert all(p.frame == {"user": "u@example.com", "requestID": "req-7", "useAdobeID": True} for p in parts)
    assert parts[1].commands == [{"add": {"group": ["G9"]}}]


@pytest.mark.parametrize("limit", [0, -1])
def test_split_limits_below_one_are_refused(limit: int) -> None:
    """3.0.1 loops forever on these; ours refuses."""
    action = UserAction("u@example.com").add_to_groups(["a", "b"])
    with pytest.raises(ArgumentError):
        action.split(limit)
    with pytest.raises(ArgumentError):
        action.maybe_split_groups(limit)


def test_group_create_always_sends_the_option_as_3_0_1() -> None:
    assert GroupAction("Employees").create(description="All staff").wire_dict() == {
        "usergroup": "Employees",
        "do": [{"createUserGroup": {"option": "ignoreIfAlreadyExists", "description": "All staff"}}],
    }
    assert GroupAction("E").create(IfAlreadyExistsOption.errorIfAlreadyExists).commands == [
        {"createUserGroup": {"option": "errorIfAlreadyExists"}}
    ]
    with pytest.raises(ArgumentError, match="Only one create"):
        GroupAction("E").create().create()


def test_group_operations_wire_forms() -> None:
    action = GroupAction(group_name="Employees", requestID="g-1")
    action.update(name="Staff", description="Everyone").add_users(users=["a@example.com", "b@example.com"])
    action.remove_users(users=["c@example.com"]).add_to_products(products=["All Apps"])
    action.remove_from_products(all_products=True).delete()
    assert action.wire_dict() == {
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


def test_group_names_are_checked_by_create_and_update_only() -> None:
    system = GroupAction("_org_admin").add_users(["a@example.com"])  # 3.0.1 lets system groups be managed
    assert system.frame == {"usergroup": "_org_admin"}
    with pytest.raises(ArgumentError, match="Illegal group name"):
        GroupAction("_admin_Employees").create()
    with pytest.raises(ArgumentError, match="too long"):
        GroupAction("G").update(name="x" * 256)


def test_v2_forms() -> None:
    assert umapi_client.UserGroupAction is GroupAction
    assert umapi_client.IdentityTypes is IdentityType
    assert umapi_client.IfAlreadyExistsOptions is IfAlreadyExistsOption
    user = UserAction(id_type=umapi_client.IdentityTypes.enterpriseID, email="someone@example.com")
    user.create(first_name="John", last_name="User", country="US")
    assert user.commands == [
        {
            "createEnterpriseID": {
                "email": "someone@example.com",
                "option": "ignoreIfAlreadyExists",
                "firstname": "John",
                "lastname": "User",
                "country": "US",
            }
        }
    ]
    federated = UserAction(id_type="federatedID", username="user347", domain="example.com", email="jr@example.com")
    assert federated.frame == {"user": "user347", "domain": "example.com"} and federated.email == "jr@example.com"
    assert UserAction(IdentityType.adobeID, email="a@example.com").id_type is IdentityType.adobeID
    assert UserAction(email="a@example.com").update(first_name="A", country="AU").commands == [
        {"update": {"firstname": "A", "country": "AU"}}
    ]


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: UserAction("u@example.com").update(), "nothing to change"),
        (lambda: GroupAction("G").update(), "nothing to change"),
        (lambda: UserAction("u@example.com").create("u@example.com", country="USA"), "two-letter"),
        (lambda: UserAction("u@example.com").create("u@example.com").create("u@example.com"), "already called"),
        (lambda: GroupAction(""), "name of the group"),
        (lambda: umapi_client.OAuthS2S("id", "secret", auth_host="https://ims.example.com"), "host name"),
    ],
)
def test_stricter_checks_only_warn(build: Any, message: str) -> None:
    with pytest.warns(UMAPIWarning, match=message):
        build()


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: UserAction(id_type="martianID", email="u@example.com"), "must be one of"),
        (lambda: UserAction("u@example.com").create("u@example.com", id_type="martianID"), "must be one of"),
        (lambda: UserAction("u@example.com").create("u@example.com", on_conflict="replace"), "must be one of"),
        (lambda: UserAction("jdoe", domain="example.com").create(), "needs the email"),
        (lambda: UserAction("u@example.com").add_to_groups(["A"], all_groups=True), "do not specify"),
        (lambda: UserAction("u@example.com").remove_from_groups(), "must specify groups"),
        (lambda: UserAction("u@example.com").add_to_groups(["A"], group_type="team"), "group_type"),
        (lambda: GroupAction("G").add_to_products(products=["P"], all_products=True), "not both"),
        (lambda: GroupAction("G").add_to_products(), "list of names"),
        (lambda: GroupAction("G").add_users(users="a@example.com"), "list of names"),
        (lambda: GroupAction("G").create(option="replace"), "must be one of"),
    ],
)
def test_argument_errors_where_3_0_1_fails_too(build: Any, message: str) -> None:
    with pytest.raises(ArgumentError, match=message):
        build()


def test_argument_error_is_value_error() -> None:
    assert issubclass(ArgumentError, ValueError)
