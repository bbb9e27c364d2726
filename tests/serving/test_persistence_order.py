"""A restart restores the order one request left: the users it created list in creation
order, and the members it added, or moved (left, then joined again), follow the group's
other members in join order (licences go to the first to join)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from umapi_mock.config import Config
from umapi_mock.emulator import Emulator
from umapi_mock.http.app import create_app

ORG = "ABCDEF0123456789ABCDEF01@AdobeOrg"
SEED: dict[str, Any] = {
    "orgs": [
        {
            "id": ORG,
            "domains": [{"name": "x.example", "type": "federated"}],
            "credentials": [{"client_id": "c", "client_secret": "s"}],
            "groups": [{"name": "G1"}],
            "users": [
                {"email": f"seed{i}@x.example", "type": "federatedID", "firstname": "S", "groups": ["G1"]}
                for i in range(3)
            ],
        }
    ]
}
SCOPE = "openid,AdobeID,user_management_sdk"
NEW = [f"new{i}@x.example" for i in range(9)]


def _client(emulator: Emulator) -> tuple[Any, dict[str, str]]:
    client = create_app(emulator).test_client()
    token = client.post(
        "/ims/token/v2",
        data={"grant_type": "client_credentials", "client_id": "c", "client_secret": "s", "scope": SCOPE},
    ).json["access_token"]
    return client, {"X-Api-Key": "c", "Authorization": f"Bearer {token}"}


def _listings(emulator: Emulator) -> tuple[list[str], list[str]]:
    """The org's users and G1's members, in the order the API lists them."""
    client, auth = _client(emulator)
    users = client.get(f"/v2/usermanagement/users/{ORG}/0", headers=auth).json["users"]
    members = client.get(f"/v2/usermanagement/users/{ORG}/0/G1", headers=auth).json["users"]
    return [u["email"] for u in users], [u["email"] for u in members]


def test_a_restart_restores_the_order_of_what_one_request_created_and_moved(tmp_path: Path) -> None:
    data = tmp_path / "data"
    emulator = Emulator.open(Config(seed=copy.deepcopy(SEED), data_dir=data))
    try:
        client, auth = _client(emulator)
        create = {"country": "US", "firstname": "F", "lastname": "L"}
        body = [
            {"user": email, "do": [{"createFederatedID": {"email": email, **create}}, {"add": {"group": ["G1"]}}]}
            for email in NEW
        ]
        body.append({"user": "seed0@x.example", "do": [{"remove": {"group": ["G1"]}}, {"add": {"group": ["G1"]}}]})
        r = client.post(f"/v2/usermanagement/action/{ORG}", json=body, headers=auth)
        assert r.status_code == 200 and r.json["result"] == "success", r.json
        served = _listings(emulator)
    finally:
        emulator.close()
    seeds = [f"seed{i}@x.example" for i in range(3)]
    assert served == (seeds + NEW, seeds[1:] + NEW + seeds[:1])
    restarted = Emulator.open(Config(seed=copy.deepcopy(SEED), data_dir=data))
    try:
        assert restarted.restored is not None
        assert _listings(restarted) == served
    finally:
        restarted.close()
