"""The emulator handle (`umapi_mock.emulator.Emulator`): one public `reset()` for org state,
clock and layers, and serialised pages that always show the org being served."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from umapi_mock.config import Config
from umapi_mock.emulator import Emulator
from umapi_mock.http.app import create_app
from umapi_mock.http.context import emulator_of

ORG = "ABCDEF0123456789ABCDEF01@AdobeOrg"
SCOPE = "openid,AdobeID,user_management_sdk"
RULE = {"id": "status-503", "match": {"path": "/status"}, "respond": {"status": 503}}


def seed(*emails: str) -> dict[str, Any]:
    return {
        "orgs": [
            {
                "id": ORG,
                "domains": [{"name": "tiny.example", "type": "enterprise"}],
                "credentials": [{"client_id": "tiny-client", "client_secret": "tiny-secret"}],
                "users": [{"email": e, "type": "enterpriseID", "firstname": "F", "lastname": "L"} for e in emails],
            }
        ]
    }


def headers(client: Any) -> dict[str, str]:
    r = client.post(
        "/ims/token/v2",
        data={
            "grant_type": "client_credentials",
            "client_id": "tiny-client",
            "client_secret": "tiny-secret",
            "scope": SCOPE,
        },
    )
    assert r.status_code == 200, r.data
    return {"X-Api-Key": "tiny-client", "Authorization": f"Bearer {r.json['access_token']}"}


def emails(client: Any, auth: dict[str, str]) -> list[str]:
    r = client.get(f"/v2/usermanagement/users/{ORG}/0", headers=auth)
    assert r.status_code == 200, r.data
    return sorted(u["email"] for u in r.json["users"])


def test_the_app_adapts_its_handle_and_the_handle_knows_no_app() -> None:
    emulator = Emulator.open(Config(seed=seed("one@tiny.example")))
    app = create_app(emulator)
    assert emulator_of(app) is emulator
    with app.test_request_context("/status"):
        assert emulator_of() is emulator
    assert not hasattr(emulator, "app") and not hasattr(emulator, "pages")
    other = create_app(emulator)  # a second adapter of the same handle serves the same state
    assert headers(other.test_client())


def test_reset_restores_orgs_clock_and_layers() -> None:
    emulator = Emulator.open(Config(seed=seed("one@tiny.example"), throttle="documented", faults=[RULE]))
    client = create_app(emulator).test_client()
    auth = headers(client)
    assert client.get("/status").status_code == 503
    assert client.delete("/_mock/faults").status_code == 200
    assert client.put("/_mock/throttle", json="off").status_code == 200
    action = [
        {
            "user": "two@tiny.example",
            "do": [
                {
                    "createEnterpriseID": {
                        "email": "two@tiny.example",
                        "firstname": "T",
                        "lastname": "W",
                        "country": "US",
                    }
                }
            ],
        }
    ]
    r = client.post(f"/v2/usermanagement/action/{ORG}", data=json.dumps(action), headers=auth)
    assert r.json["completed"] == 1, r.data
    assert client.post("/_mock/clock", json={"advance": 3600}).status_code == 200
    assert emulator.layers.journal.query()

    emulator.reset()

    assert client.get("/_mock/clock").json["offset"] < 60
    assert emulator.layers.journal.query() == []
    assert [r["id"] for r in client.get("/_mock/faults").json["faults"]] == ["status-503"]
    assert client.get("/_mock/throttle").json["policy"]["mode"] == "documented"
    assert client.get("/status").status_code == 503
    emulator.reset_layers(faults=[])
    assert emails(client, headers(client)) == ["one@tiny.example"]


def test_a_bad_layer_option_changes_nothing() -> None:
    emulator = Emulator.open(Config(seed=seed("one@tiny.example"), faults=[RULE]))
    with pytest.raises(ValueError):
        emulator.reset_layers(throttle={"base": "sometimes"})
    assert [r["id"] for r in emulator.layers.faults.list()] == ["status-503"]


def test_pages_follow_writes_and_swapped_orgs() -> None:
    emulator = Emulator.open(Config(seed=seed("one@tiny.example")))
    client = create_app(emulator).test_client()
    auth = headers(client)
    first = client.get(f"/v2/usermanagement/users/{ORG}/0", headers=auth)
    again = client.get(f"/v2/usermanagement/users/{ORG}/0", headers=auth)
    assert again.data == first.data
    # Another org with the same id (and a fresh version count) replaces the first one.
    state = client.get("/_mock/state").json
    other = copy.deepcopy(state)
    other["orgs"][0]["users"] = seed("three@tiny.example")["orgs"][0]["users"]
    assert client.put("/_mock/state", json=other).status_code == 200, client.get("/_mock/state").data
    assert emails(client, auth) == ["three@tiny.example"]
    emulator.reset()
    assert emails(client, auth) == ["one@tiny.example"]


def test_each_public_handle_names_its_emulator(umapi_server: Any) -> None:
    """Served (`UmapiServer`), in-process (`MockUMAPI`): `.emulator` is the Emulator in both."""
    from umapi_mock import mock_umapi

    assert umapi_server.emulator is emulator_of(umapi_server.app)
    assert umapi_server.handle is umapi_server.emulator  # the deprecated name still answers
    assert umapi_server.served.url == umapi_server.url
    assert umapi_server.backend is umapi_server.emulator.backend
    with mock_umapi() as umapi:
        assert isinstance(umapi.emulator, Emulator) and umapi.backend is umapi.emulator.backend


def test_the_emulator_module_knows_no_http() -> None:
    """The composition root builds the emulator; the HTTP layer only adapts it."""
    import ast
    from pathlib import Path

    import umapi_mock.emulator as module

    tree = ast.parse(Path(module.__file__).read_text())
    imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in imported if m.startswith(("http", ".http", "flask", "werkzeug")) or ".http" in m]
