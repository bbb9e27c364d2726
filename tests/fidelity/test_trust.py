"""Trusted domains between orgs (docs/fidelity.md, "Trusted domains"): an owning org and a
trustee org in one seed; reads, membership changes and the refusals; trust in state dumps,
`--data-dir` restarts, and Adobe's sync tool run against both orgs (primary and secondary
connector)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.actions.conftest import Api
from tests.processes import ServeProcess
from umapi_mock.config import Config
from umapi_mock.http.app import create_app
from umapi_mock.seed import SeedError, dump_orgs, load_seed

OWNER = "AAAA00000000000000000001@AdobeOrg"
TRUSTEE = "BBBB00000000000000000002@AdobeOrg"


def trust_seed() -> dict[str, Any]:
    return {
        "orgs": [
            {
                "id": OWNER,
                "domains": [{"name": "example.com", "type": "federated", "trustees": [TRUSTEE]}],
                "credentials": [{"client_id": "owner-client", "client_secret": "owner-secret"}],
                "groups": [{"name": "Staff"}],
                "users": [
                    {
                        "email": "ann@example.com",
                        "firstname": "Ann",
                        "lastname": "A",
                        "country": "US",
                        "groups": ["Staff"],
                    },
                    {"email": "bob@example.com", "firstname": "Bob", "lastname": "B", "country": "US"},
                ],
            },
            {
                "id": TRUSTEE,
                "domains": [{"name": "branch.example", "type": "federated"}],
                "credentials": [{"client_id": "trustee-client", "client_secret": "trustee-secret"}],
                "products": [{"name": "Photoshop", "profiles": [{"name": "PS Branch"}]}],
                "groups": [{"name": "Branch Staff"}],
                "users": [
                    {"email": "ann@example.com", "firstname": "Ann", "lastname": "A", "country": "US"},
                    {"email": "cy@branch.example", "firstname": "Cy", "lastname": "C", "country": "US"},
                ],
            },
        ]
    }


@pytest.fixture
def apis() -> tuple[Api, Api]:
    app = create_app(Config(seed=trust_seed()))
    return (
        Api(app, org_id=OWNER, client_id="owner-client", client_secret="owner-secret"),
        Api(app, org_id=TRUSTEE, client_id="trustee-client", client_secret="trustee-secret"),
    )


def _codes(report: dict[str, Any]) -> list[tuple[int, int, str]]:
    return [(e["index"], e["step"], e["errorCode"]) for e in report.get("errors", [])]


def _domain_users(api: Api, domain: str) -> Any:
    return api.client.get(f"/v2/usermanagement/users/{api.org_id}/0?domain={domain}", headers=api.headers)


def test_trustee_reads_users_of_the_trusted_domain(apis: tuple[Api, Api]) -> None:
    owner, trustee = apis
    r = _domain_users(trustee, "example.com")
    assert r.status_code == 200 and [u["email"] for u in r.get_json()["users"]] == ["ann@example.com"]
    assert trustee.get_user("ann@example.com")["domain"] == "example.com"  # type: ignore[index]
    assert _domain_users(trustee, "elsewhere.example").status_code == 404
    # the owning org sees its users as before
    assert sorted(u["email"] for u in _domain_users(owner, "example.com").get_json()["users"]) == [
        "ann@example.com",
        "bob@example.com",
    ]


def test_trustee_changes_memberships_and_removes_from_itself_only(apis: tuple[Api, Api]) -> None:
    owner, trustee = apis
    report = trustee.act(
        [
            {"user": "ann@example.com", "do": [{"add": {"group": ["Branch Staff", "PS Branch"]}}]},
            {"usergroup": "Branch Staff", "do": [{"remove": {"user": ["ann@example.com"]}}]},
        ]
    )
    assert _codes(report) == []
    assert trustee.groups_of("ann@example.com") == {"PS Branch"}
    assert _codes(trustee.act([{"user": "ann@example.com", "do": [{"removeFromOrg": {}}]}])) == []
    assert trustee.get_user("ann@example.com") is None
    assert owner.groups_of("ann@example.com") == {"Staff"}  # the account and its owner's groups stay


def test_trustee_may_not_update_or_delete_the_owners_accounts(apis: tuple[Api, Api]) -> None:
    owner, trustee = apis
    report = trustee.act(
        [
            {"user": "ann@example.com", "do": [{"update": {"firstname": "Anna"}}]},
            {"user": "ann@example.com", "do": [{"removeFromOrg": {"deleteAccount": True}}]},
            {
                "user": "dee@nowhere.example",
                "do": [
                    {
                        "createFederatedID": {
                            "email": "dee@nowhere.example",
                            "firstname": "D",
                            "lastname": "E",
                            "country": "US",
                        }
                    }
                ],
            },
        ]
    )
    assert _codes(report) == [
        (0, 0, "error.api.user.not.parent.org"),
        (1, 0, "error.api.user.not.parent.org"),
        (2, 0, "error.domain.trust.nonexistent"),
    ]
    assert trustee.get_user("ann@example.com")["firstname"] == "Ann"  # type: ignore[index]
    # the owner may do both
    assert _codes(owner.act([{"user": "ann@example.com", "do": [{"update": {"firstname": "Anna"}}]}])) == []


def test_trustee_links_a_trusted_user_as_the_sync_tool_does(apis: tuple[Api, Api]) -> None:
    """A secondary connector sends `createFederatedID` with `ignoreIfAlreadyExists` (or
    `updateIfAlreadyExists`) and its groups: the user joins the trustee, names untouched."""
    owner, trustee = apis
    create = {"email": "bob@example.com", "firstname": "Robert", "lastname": "B", "country": "US"}
    report = trustee.act(
        [
            {
                "user": "bob@example.com",
                "do": [
                    {"createFederatedID": {**create, "option": "ignoreIfAlreadyExists"}},
                    {"add": {"group": ["Branch Staff"]}},
                ],
            },
            {
                "user": "ann@example.com",
                "do": [
                    {"createFederatedID": {**create, "email": "ann@example.com", "option": "updateIfAlreadyExists"}}
                ],
            },
        ]
    )
    assert _codes(report) == []
    assert trustee.groups_of("bob@example.com") == {"Branch Staff"}
    assert trustee.get_user("ann@example.com")["firstname"] == "Ann"  # type: ignore[index]
    assert owner.get_user("bob@example.com")["firstname"] == "Bob"  # type: ignore[index]


def test_trust_survives_a_state_dump_and_load_whole_and_per_org() -> None:
    orgs = load_seed(trust_seed())
    dumped = dump_orgs(orgs)
    assert dumped["orgs"][0]["domains"] == [{"name": "example.com", "type": "federated", "trustees": [TRUSTEE]}]
    assert dumped["orgs"][1]["trusted_domains"] == [{"name": "example.com", "type": "federated", "owner": OWNER}]
    assert dump_orgs(load_seed(json.loads(json.dumps(dumped)))) == dumped
    alone = load_seed({"orgs": [dumped["orgs"][1]]})  # the trustee's own dump keeps its trust
    assert dump_orgs(alone) == {"orgs": [dumped["orgs"][1]]}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda s: s["orgs"][0]["domains"][0].update(trustees=["nope"]), r"domains\[0\]\.trustees\[0\]"),
        (lambda s: s["orgs"][0]["domains"][0].update(trustees=[OWNER]), "does not trust its own domain"),
        (lambda s: s["orgs"][1]["domains"].append({"name": "example.com"}), "both claimed and trusted"),
        (lambda s: s["orgs"][1]["users"].append({"email": "x@other.example"}), "not a claimed or trusted domain"),
    ],
)
def test_bad_trust_is_a_seed_error(change: Any, problem: str) -> None:
    seed = trust_seed()
    change(seed)
    with pytest.raises(SeedError, match=problem):
        load_seed(seed)


@pytest.mark.slow  # starts two `umapi-mock serve` processes
def test_trust_survives_a_restart_with_a_data_dir(tmp_path: Path) -> None:
    seed = trust_seed()  # with the other org-level keys of issue 24, which must survive too
    seed["orgs"][0].update(directory_sync="azure", contracts=[{"id": "C0FFEE", "name": "ETLA - C0FFEE"}])
    (tmp_path / "seed.json").write_text(json.dumps(seed))
    args = ("--seed", "seed.json", "--data-dir", "data")
    first = ServeProcess(*args, cwd=tmp_path)
    try:
        token = _token(first.url, "trustee-client", "trustee-secret")
        body = [
            {
                "user": "bob@example.com",
                "do": [
                    {
                        "createFederatedID": {
                            "email": "bob@example.com",
                            "firstname": "B",
                            "lastname": "B",
                            "country": "US",
                            "option": "ignoreIfAlreadyExists",
                        }
                    }
                ],
            }
        ]
        r = requests.post(
            f"{first.url}/v2/usermanagement/action/{TRUSTEE}", json=body, headers=_headers(token), timeout=10
        )
        assert r.status_code == 200 and r.json()["completed"] == 1, r.text
    finally:
        first.signal(15)
        first.finish()
    second = ServeProcess(*args, cwd=tmp_path)
    try:
        token = _token(second.url, "trustee-client", "trustee-secret")
        r = requests.get(
            f"{second.url}/v2/usermanagement/users/{TRUSTEE}/0?domain=example.com", headers=_headers(token), timeout=10
        )
        assert r.status_code == 200 and sorted(u["email"] for u in r.json()["users"]) == [
            "ann@example.com",
            "bob@example.com",
        ]
        r = requests.post(
            f"{second.url}/v2/usermanagement/action/{TRUSTEE}",
            json=[{"user": "bob@example.com", "do": [{"update": {"firstname": "X"}}]}],
            headers=_headers(token),
            timeout=10,
        )
        assert r.json()["errors"][0]["errorCode"] == "error.api.user.not.parent.org"
        owner = {
            "X-Api-Key": "owner-client",
            "Authorization": f"Bearer {_token(second.url, 'owner-client', 'owner-secret')}",
        }
        groups = requests.get(f"{second.url}/v2/usermanagement/groups/{OWNER}/0", headers=owner, timeout=10).json()[
            "groups"
        ]
        assert [g["contractName"] for g in groups if g["type"] == "CONTRACT_ADMIN_GROUP"] == ["ETLA - C0FFEE"]
        new = {"email": "new@example.com", "firstname": "N", "lastname": "W", "country": "US"}
        r = requests.post(
            f"{second.url}/v2/usermanagement/action/{OWNER}",
            json=[{"user": "new@example.com", "do": [{"createFederatedID": new}]}],
            headers=owner,
            timeout=10,
        )
        assert r.json()["errors"][0]["errorCode"] == "error.internal.create_failed"
    finally:
        second.kill()


def _token(url: str, client_id: str, secret: str) -> str:
    r = requests.post(
        f"{url}/ims/token/v3",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
            "scope": "openid,AdobeID,user_management_sdk",
        },
        timeout=10,
    )
    assert r.status_code == 200, r.text
    return r.json()["access_token"]  # type: ignore[no-any-return]


def _headers(token: str) -> dict[str, str]:
    return {"X-Api-Key": "trustee-client", "Authorization": f"Bearer {token}"}


SYNC_TOOL_TWO_ORGS = """
def connector(org, client_id, secret):
    auth = OAuthS2S(client_id=client_id, client_secret=secret, auth_host=NETLOC, ssl_verify=CA)
    return Connection(org_id=org, auth=auth, endpoint=URL + "/v2/usermanagement", user_agent="user-sync/2.11.0",
                      timeout=120.0, max_retries=3, ssl_verify=CA)

def iter_users(conn):
    conn.start_sync()
    return sorted(u["email"] for u in UsersQuery(conn))

def execute(conn, commands):
    conn.start_sync()
    for user, domain, do in commands:
        action = UserAction(user, None if "@" in user else domain, requestID="action_" + user)
        for name, params in do:
            getattr(action, name)(**params)
        conn.execute_single(action)
    conn.execute_queued()
    return conn.status()[0], []

primary = connector(OWNER, "owner-client", "owner-secret")
secondary = connector(TRUSTEE, "trustee-client", "trustee-secret")
before = {"primary": iter_users(primary), "secondary": iter_users(secondary)}
create = lambda email: ("create", {"email": email, "firstname": email[0].upper(), "lastname": "Sync", "country": "US",
                                   "id_type": "federatedID", "on_conflict": IfAlreadyExistsOption.ignoreIfAlreadyExists})
primary_status, _ = execute(primary, [
    (e, "example.com", [create(e), ("add_to_groups", {"groups": {"Staff"}})]) for e in ("ann@example.com", "bob@example.com")])
secondary_status, _ = execute(secondary, [
    (e, "example.com", [create(e), ("add_to_groups", {"groups": {"Branch Staff"}})]) for e in ("ann@example.com", "bob@example.com")])
emit({"before": before, "primary": primary_status, "secondary": secondary_status,
      "after": {"primary": iter_users(primary), "secondary": iter_users(secondary)}})
"""


@pytest.mark.official_client
def test_sync_tool_runs_a_primary_and_a_secondary_connector(run_official: Any, admin: Any, served: Any) -> None:
    """Adobe's sync tool with a secondary connector (its multi-org set-up) against two orgs of
    one emulator: each connector lists its org, then sends creates (ignoreIfAlreadyExists)
    with its groups; the trustee links the owner's users and groups them."""
    admin.call("PUT", "/state", trust_seed())
    result = run_official(f"OWNER = {OWNER!r}\nTRUSTEE = {TRUSTEE!r}\n" + SYNC_TOOL_TWO_ORGS)
    assert result["before"] == {
        "primary": ["ann@example.com", "bob@example.com"],
        "secondary": ["ann@example.com", "cy@branch.example"],
    }
    for status in (result["primary"], result["secondary"]):
        assert (status["actions-sent"], status["actions-completed"]) == (2, 2), status
    assert result["after"]["secondary"] == ["ann@example.com", "bob@example.com", "cy@branch.example"]
    trustee_org = served.backend.registry.get(TRUSTEE)
    bob = trustee_org.find_user("bob@example.com")
    assert trustee_org.group_names_of(bob.uid) == ["Branch Staff"]
    owner_org = served.backend.registry.get(OWNER)
    assert owner_org.group_names_of(owner_org.find_user("bob@example.com").uid) == ["Staff"]
