"""One schema of an org for both serialisers: every field of every record is described once
(`umapi_mock/org_schema.py`), a seed dump loads back to the same dump, and a data dir's save
→ restore gives back the served state, field for field (products' id, code and quota too)."""

from __future__ import annotations

import copy
import json
import sqlite3
from typing import Any

from umapi_mock.config import Config
from umapi_mock.emulator import Emulator
from umapi_mock.org_schema import unknown_fields
from umapi_mock.persistence.store import DB_NAME
from umapi_mock.seed import DEMO_SEED, dump_orgs, load_seed

ORG = "ABCDEF0123456789ABCDEF01@AdobeOrg"
RICH_SEED: dict[str, Any] = {
    "orgs": [
        {
            "id": ORG,
            "sysadmin_name": "_custom_admin",
            "migrating": True,
            "domains": [{"name": "x.example", "type": "enterprise"}, {"name": "y.example", "type": "federated"}],
            "credentials": [
                {"client_id": "c1", "client_secret": "s1", "scopes": ["openid"], "metascopes": ["ent_user_sdk"]},
                {"client_id": "c2", "client_secret": "s2", "tech_account": "ABC@techacct.adobe.com"},
            ],
            "products": [
                {
                    "name": "Product A",
                    "id": "PA-1",
                    "code": "PA",
                    "quota": 7,
                    "profiles": [{"name": "Profile A", "quota": 3, "description": "first"}, {"name": "Profile B"}],
                },
                {"name": "Product B", "profiles": [{"name": "Profile C"}]},
            ],
            "groups": [
                {"name": "Shared", "read_only": True, "description": "from another org"},
                {"name": "Linked", "profiles": ["Profile A", "Profile C"], "quota": 5},
            ],
            "users": [
                {"email": "a@x.example", "type": "enterpriseID", "firstname": "A", "groups": ["Linked", "Profile B"]},
                {"email": "b@y.example", "username": "bee", "type": "federatedID", "status": "disabled"},
                {"email": "c@gmail.example", "type": "adobeID", "country": "DE", "groups": ["_org_admin"]},
                {"id": 900, "email": "d@x.example", "type": "enterpriseID", "domain": "x.example"},
            ],
            "generate": {"users": 20, "groups": 3, "seed": 7},
        }
    ]
}


def test_every_field_of_every_record_is_in_the_schema() -> None:
    assert unknown_fields() == {}


def round_trip(seed: dict[str, Any]) -> None:
    first = dump_orgs(load_seed(copy.deepcopy(seed), "<test>"))
    again = dump_orgs(load_seed(json.loads(json.dumps(first)), "<dump>"))
    assert again == first


def test_a_seed_dump_loads_back_to_the_same_dump() -> None:
    round_trip(RICH_SEED)
    round_trip(DEMO_SEED)


def test_a_data_dir_restores_the_served_state_field_for_field(tmp_path) -> None:
    data = tmp_path / "data"
    emulator = Emulator.open(Config(seed=copy.deepcopy(RICH_SEED), data_dir=data))
    served = dump_orgs(list(emulator.backend.orgs.values()))
    product = served["orgs"][0]["products"][0]
    assert (product["id"], product["code"], product["quota"]) == ("PA-1", "PA", 7)
    emulator.close()
    restored = Emulator.open(Config(seed=copy.deepcopy(RICH_SEED), data_dir=data))
    try:
        assert restored.restored is not None
        assert dump_orgs(list(restored.backend.orgs.values())) == served
    finally:
        restored.close()


def test_a_schema_1_data_dir_is_still_read(tmp_path) -> None:
    """Before products kept their id, code and quota, a product was saved as [name, gids]."""
    data = tmp_path / "data"
    Emulator.open(Config(seed=copy.deepcopy(DEMO_SEED), data_dir=data)).close()
    with sqlite3.connect(data / DB_NAME) as db:
        (doc,) = db.execute("SELECT doc FROM orgs").fetchone()
        org = json.loads(doc)
        org["products"] = [entry[:2] for entry in org["products"]]
        db.execute("UPDATE orgs SET doc = ?", (json.dumps(org),))
        db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    restored = Emulator.open(Config(data_dir=data))
    try:
        names = [p.name for p in restored.org().products.values()]
        assert names == [p["name"] for p in DEMO_SEED["orgs"][0]["products"]]
    finally:
        restored.close()
