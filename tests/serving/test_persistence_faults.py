"""Memory and disk never disagree: after any sequence of writes, some of whose saves fail at
any statement (an injected `sqlite3` error, as a full disk or an I/O error gives), the state
served equals the state a restart would load, a failed write is answered 503 or 507 and
leaves no trace, and a save → restore round trip gives back the served state."""

from __future__ import annotations

import copy
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.store_faults import FlakyConnection
from umapi_mock.config import Config
from umapi_mock.emulator import Emulator
from umapi_mock.http.app import create_app
from umapi_mock.persistence.store import DB_NAME, Store
from umapi_mock.seed import dump_orgs

ORG = "ABCDEF0123456789ABCDEF01@AdobeOrg"
SEED: dict[str, Any] = {
    "orgs": [
        {
            "id": ORG,
            "domains": [{"name": "x.example", "type": "federated"}],
            "credentials": [{"client_id": "c", "client_secret": "s"}],
            "groups": [{"name": "G1"}, {"name": "G2"}],
            "users": [
                {"email": f"seed{i}@x.example", "type": "federatedID", "firstname": "S", "groups": ["G1"]}
                for i in range(3)
            ],
        }
    ]
}
SCOPE = "openid,AdobeID,user_management_sdk"


def on_disk(data: Path) -> tuple[dict[str, Any], Any, list[str]]:
    """What a restart would load (orgs, clock offset, fault rule ids), read through a second
    connection."""
    conn = sqlite3.connect(data / DB_NAME)
    try:
        store = Store(data, conn)
        settings = store.get("settings") or {}
        faults = [entry["rule"]["id"] for entry in settings.get("faults", [])]
        return dump_orgs(store.load_orgs()), round(settings.get("clock_offset", 0.0)), faults
    finally:
        conn.close()


def in_memory(emulator: Emulator) -> tuple[dict[str, Any], Any, list[str]]:
    faults = [rule["id"] for rule in emulator.layers.faults.list()]
    return dump_orgs(list(emulator.backend.orgs.values())), round(emulator.backend.clock.offset), faults


def action(op: str, n: int) -> list[dict[str, Any]]:
    email = f"u{n}@x.example"
    if op == "create":
        step = {"createFederatedID": {"email": email, "country": "US", "firstname": "F", "lastname": str(n)}}
        return [{"user": email, "do": [step, {"add": {"group": ["G1"]}}]}]
    if op == "update":
        return [{"user": f"seed{n % 3}@x.example", "do": [{"update": {"firstname": f"N{n}"}}]}]
    if op == "move":
        return [{"user": f"seed{n % 3}@x.example", "do": [{"remove": {"group": ["G1"]}}, {"add": {"group": ["G2"]}}]}]
    if op == "group":
        return [{"usergroup": f"New{n}", "do": [{"createUserGroup": {"description": "d"}}]}]
    return [{"user": f"u{n}@x.example", "do": [{"removeFromOrg": {}}]}]


OPS = st.lists(
    st.tuples(
        st.sampled_from(["create", "update", "move", "group", "remove", "reset", "load", "clock", "fault"]),
        st.integers(0, 5),
        st.none() | st.integers(0, 12),  # None: the save succeeds; k: its k-th statement fails
    ),
    min_size=1,
    max_size=8,
)


@given(OPS)
def test_memory_and_disk_never_disagree_after_failed_saves(ops: list[tuple[str, int, int | None]]) -> None:
    with tempfile.TemporaryDirectory(prefix="umapi-mock-faults-") as tmp:
        data = Path(tmp) / "data"
        emulator = Emulator.open(Config(seed=copy.deepcopy(SEED), data_dir=data))
        try:
            assert emulator.persistence is not None
            store = emulator.persistence.store
            flaky = FlakyConnection(store.conn)
            store.conn = flaky  # type: ignore[assignment]
            client = create_app(emulator).test_client()
            token = client.post(
                "/ims/token/v2",
                data={"grant_type": "client_credentials", "client_id": "c", "client_secret": "s", "scope": SCOPE},
            ).json["access_token"]
            auth = {"X-Api-Key": "c", "Authorization": f"Bearer {token}"}
            for step, (op, n, fail_at) in enumerate(ops):
                before = in_memory(emulator)
                flaky.fail_at = fail_at
                if op == "reset":
                    r = client.post("/_mock/reset")
                elif op == "load":  # the org replaced by its own state less its last user
                    state = client.get(f"/_mock/orgs/{ORG}/state").json
                    state["orgs"][0]["users"] = state["orgs"][0]["users"][:-1]
                    r = client.put(f"/_mock/orgs/{ORG}/state", json=state)
                elif op == "clock":
                    r = client.post("/_mock/clock", json={"advance": 3600 * (n + 1)})
                elif op == "fault":
                    rule = {"id": f"f{step}", "match": {"path": "/nowhere"}, "respond": {"status": 503}}
                    r = client.post("/_mock/faults", json=rule)
                else:
                    r = client.post(f"/v2/usermanagement/action/{ORG}", json=action(op, n), headers=auth)
                failed = flaky.fail_at is None and fail_at is not None
                flaky.fail_at = None
                served = in_memory(emulator)
                if failed:
                    assert r.status_code in (503, 507), (op, r.status_code, r.data)
                    assert served == before  # no trace in memory
                else:
                    assert r.status_code in (200, 201), (op, r.status_code, r.data)
                assert served == on_disk(data)  # and none on disk either way
                assert client.get(f"/v2/usermanagement/users/{ORG}/0", headers=auth).status_code == 200
        finally:
            emulator.close()
        restarted = Emulator.open(Config(seed=copy.deepcopy(SEED), data_dir=data))
        try:
            assert restarted.restored is not None
            assert in_memory(restarted) == served
        finally:
            restarted.close()


def test_a_big_database_is_checked_while_it_loads_and_refused_when_damaged(tmp_path, monkeypatch) -> None:
    """Above the full-check size the check runs beside the restore; damage still refuses it."""
    import pytest

    import umapi_mock.persistence.guards as guards
    from umapi_mock.persistence import PersistenceError

    data = tmp_path / "data"
    Emulator.open(Config(seed=copy.deepcopy(SEED), data_dir=data)).close()
    monkeypatch.setattr(guards, "FULL_CHECK_BYTES", 0)  # every file is "big"
    healthy = Emulator.open(Config(data_dir=data))
    assert healthy.restored is not None
    healthy.close()
    db = data / DB_NAME
    with db.open("r+b") as f:
        f.truncate(db.stat().st_size - 1000)
    with pytest.raises(PersistenceError, match="--reset-from-seed"):
        Emulator.open(Config(data_dir=data))
    reopened = Emulator.open(Config(seed=copy.deepcopy(SEED), data_dir=data, reset_from_seed=True))
    assert reopened.restored is None  # started again from the seed; the damaged file kept aside
    reopened.close()
    assert list(data.glob(f"{DB_NAME}.damaged-*"))
