"""2025's changes (docs/fidelity.md, "2025's changes"): contract admin groups, directory-synced
orgs, and a demo org that shows every documented group type."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.actions.conftest import Api
from umapi_mock.config import Config
from umapi_mock.http.app import create_app
from umapi_mock.seed import DEMO_SEED, SeedError, load_seed

ORG = "ACC0000000000000000000A1@AdobeOrg"
CONTRACT = "BCDEFA3F5A9DB8F0345B"


def _seed(**org: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": ORG,
        "domains": [{"name": "example.com", "type": "federated"}],
        "credentials": [{"client_id": "c", "client_secret": "s"}],
        "products": [{"name": "Photoshop", "profiles": [{"name": "PS Default"}]}],
        "groups": [{"name": "Design"}],
        "users": [
            {"email": "a@example.com", "firstname": "A", "lastname": "Z", "country": "US", "groups": ["Design"]},
            {"email": "b@example.com", "firstname": "B", "lastname": "Y", "country": "US"},
        ],
    }
    base.update(org)
    return {"orgs": [base]}


def _api(seed: dict[str, Any]) -> Api:
    return Api(create_app(Config(seed=seed)), org_id=ORG, client_id="c", client_secret="s")


def _codes(report: dict[str, Any]) -> list[tuple[int, int, str]]:
    return [(e["index"], e["step"], e["errorCode"]) for e in report.get("errors", [])]


# ------------------------------------------------------------------ demo org


def test_demo_org_lists_every_documented_group_type() -> None:
    api = Api(
        create_app(Config()), org_id=DEMO_SEED["orgs"][0]["id"], client_id="test-client", client_secret="test-secret"
    )
    types = {g["type"] for g in api.groups().values()}
    assert types >= {
        "SYSADMIN_GROUP",
        "USER_GROUP",
        "PRODUCT_PROFILE",
        "PRODUCT_ADMIN_GROUP",
        "PROFILE_ADMIN_GROUP",
        "USER_ADMIN_GROUP",
        "DEVELOPER_GROUP",
        "CONTRACT_ADMIN_GROUP",
    }
    contract = api.groups()[f"{CONTRACT}_CONTRACT_GROUP"]
    # the fields of index.md's example (2025-05-22)
    assert set(contract) == {"groupId", "groupName", "adminGroupName", "type", "contractName", "memberCount"}
    assert contract["adminGroupName"] == f"_admin_{CONTRACT}_CONTRACT_GROUP"
    assert (contract["contractName"], contract["memberCount"]) == (f"ETLA - {CONTRACT}", 1)
    assert f"{CONTRACT}_CONTRACT_GROUP" in api.groups_of("pat@gmail.example")


# ------------------------------------------------------------------ contracts


def _contract_seed() -> dict[str, Any]:
    seed = _seed(contracts=[{"id": CONTRACT, "name": "ETLA - Acme", "group_id": 555555555}])
    seed["orgs"][0]["users"][0]["groups"].append(f"{CONTRACT}_CONTRACT_GROUP")
    return seed


def test_contract_admin_groups_are_listed_and_never_assigned_through_actions() -> None:
    api = _api(_contract_seed())
    name = f"{CONTRACT}_CONTRACT_GROUP"
    assert api.groups()[name]["groupId"] == 555555555 and api.groups()[name]["contractName"] == "ETLA - Acme"
    assert api.members(name) == {"a@example.com"}
    report = api.act(
        [
            {"user": "b@example.com", "do": [{"add": {"group": [name]}}]},
            {"user": "a@example.com", "do": [{"remove": {"group": [name]}}]},
            {"usergroup": name, "do": [{"add": {"user": ["b@example.com"]}}]},
            {"user": "a@example.com", "do": [{"remove": "all"}]},
        ]
    )
    assert _codes(report) == [
        (0, 0, "error.group.not_found"),
        (1, 0, "error.group.not_found"),
        (2, 0, "error.usergroup.not_found"),
    ]
    assert api.members(name) == {"a@example.com"}  # `remove: "all"` keeps it, as it keeps _org_admin
    assert api.groups_of("a@example.com") == {name}


def test_contracts_survive_a_state_dump_and_load() -> None:
    from umapi_mock.seed import dump_orgs

    orgs = load_seed(_contract_seed())
    again = load_seed(dump_orgs(orgs))
    assert dump_orgs(again) == dump_orgs(orgs)
    assert dump_orgs(orgs)["orgs"][0]["contracts"] == [{"id": CONTRACT, "name": "ETLA - Acme", "group_id": 555555555}]


@pytest.mark.parametrize(
    ("contracts", "problem"),
    [
        ([{"id": "not valid!", "name": "x"}], "contracts[0].id"),
        ([{"id": CONTRACT}], "contracts[0].name: is required"),
        ([{"id": CONTRACT, "name": "x"}, {"id": CONTRACT, "name": "y"}], "listed twice"),
        ([{"id": CONTRACT, "name": "x", "extra": 1}], "unknown key"),
    ],
)
def test_bad_contracts_are_seed_errors(contracts: list[Any], problem: str) -> None:
    with pytest.raises(SeedError, match=problem.replace("[", r"\[").replace("]", r"\]")):
        load_seed(_seed(contracts=contracts))


# ------------------------------------------------------------------ directory sync


@pytest.mark.parametrize("sync", ["azure", "google"])
def test_directory_synced_org_refuses_adding_and_removing_users(sync: str) -> None:
    api = _api(_seed(directory_sync=sync))
    new = {"email": "n@example.com", "firstname": "N", "lastname": "W", "country": "US"}
    report = api.act(
        [
            {"user": "n@example.com", "do": [{"createFederatedID": new}]},
            {"user": "b@example.com", "do": [{"removeFromOrg": {"deleteAccount": True}}]},
            # what the sync tool sends for a user who exists: no new account, so it passes
            {
                "user": "a@example.com",
                "do": [{"createFederatedID": {**new, "email": "a@example.com", "option": "ignoreIfAlreadyExists"}}],
            },
            # membership and attribute changes stay UMAPI's
            {"user": "b@example.com", "do": [{"add": {"group": ["Design", "PS Default"]}}]},
            {"usergroup": "Design", "do": [{"remove": {"user": ["a@example.com"]}}]},
            {"user": "b@example.com", "do": [{"update": {"firstname": "Bea"}}]},
        ]
    )
    assert _codes(report) == [(0, 0, "error.internal.create_failed"), (1, 0, "error.internal.removefromorg")]
    assert report["errors"][0]["message"] == "Could not create person of type createFederatedID"
    assert api.get_user("n@example.com") is None and api.get_user("b@example.com") is not None
    assert api.groups_of("b@example.com") == {"Design", "PS Default"}
    assert api.members("Design") == {"b@example.com"}
    assert api.get_user("b@example.com")["firstname"] == "Bea"  # type: ignore[index]


def test_directory_sync_seed_key() -> None:
    from umapi_mock.seed import dump_orgs

    orgs = load_seed(_seed(directory_sync="google"))
    assert dump_orgs(orgs)["orgs"][0]["directory_sync"] == "google"
    assert "directory_sync" not in dump_orgs(load_seed(_seed()))["orgs"][0]
    with pytest.raises(SeedError, match=r"directory_sync: must be one of azure, google, not 'okta'"):
        load_seed(_seed(directory_sync="okta"))


def test_demo_seed_is_not_mutated() -> None:
    before = copy.deepcopy(DEMO_SEED)
    create_app(Config())
    assert DEMO_SEED == before


def test_state_round_trip_keeps_admin_groups_that_lost_their_last_member() -> None:
    """A `_developer_<profile>` role added then removed stays listed; GET then PUT of the
    org's state serves the same groups (it used to lose the memberless admin group)."""
    api = _api(_seed())
    role = "_developer_PS Default"
    assert api.act([{"user": "a@example.com", "do": [{"add": {"group": [role]}}]}])["completed"] == 1
    assert api.act([{"user": "a@example.com", "do": [{"remove": {"group": [role]}}]}])["completed"] == 1
    before = {name: (g["type"], g["memberCount"]) for name, g in api.groups().items()}
    assert before[role] == ("DEVELOPER_GROUP", 0)
    state = api.client.get(f"/_mock/orgs/{ORG}/state")
    assert state.status_code == 200
    put = api.client.put(f"/_mock/orgs/{ORG}/state", data=state.get_data(), content_type="application/json")
    assert put.status_code == 200, put.get_data(as_text=True)
    after = {name: (g["type"], g["memberCount"]) for name, g in api.groups().items()}
    assert after == before
    assert api.client.get(f"/_mock/orgs/{ORG}/state").get_data() == state.get_data()
