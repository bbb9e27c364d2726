"""The admin API: state GET/PUT round trip, per-org state, reset, clock, auth."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import yaml

from umapi_mock.http.admin import admin_token_required

from .conftest import ORG, Emu

OTHER_ORG = "ABCDEF@AdobeOrg"


def test_state_round_trips_byte_for_byte(emu: Emu) -> None:
    first = emu.client.get("/_mock/state")
    assert first.status_code == 200 and first.headers["Content-Type"] == "application/json"
    r = emu.client.put("/_mock/state", data=first.data, content_type="application/json")
    assert r.status_code == 200 and r.json == {"result": "ok", "orgs": [ORG]}
    assert emu.client.get("/_mock/state").data == first.data


def test_full_demo_state_round_trips(make_emu: Callable[..., Emu]) -> None:
    from umapi_mock.seed import DEMO_SEED

    emu = make_emu(seed=DEMO_SEED)
    first = emu.client.get("/_mock/state").data
    assert len(json.loads(first)["orgs"][0]["users"]) > 2500
    assert emu.client.put("/_mock/state", data=first).status_code == 200  # no content type: sniffed
    assert emu.client.get("/_mock/state").data == first


def test_put_yaml_state_replaces_everything(emu: Emu) -> None:
    emu.token()
    doc = {
        "orgs": [
            {
                "id": OTHER_ORG,
                "credentials": [{"client_id": "c2", "client_secret": "s2"}],
                "users": [{"email": "a@b.example", "type": "adobeID"}],
            }
        ]
    }
    r = emu.client.put("/_mock/state", data=yaml.safe_dump(doc), content_type="application/yaml")
    assert r.status_code == 200 and r.json["orgs"] == [OTHER_ORG]
    state = emu.client.get("/_mock/state").json
    assert [o["id"] for o in state["orgs"]] == [OTHER_ORG]
    assert state["orgs"][0]["users"][0]["email"] == "a@b.example"
    assert emu.groups().status_code == 403  # the old org and its client are gone


def test_bad_state_is_400_with_path_and_problem_and_changes_nothing(emu: Emu) -> None:
    before = emu.client.get("/_mock/state").data
    bad = json.loads(before)
    bad["orgs"][0]["users"][1]["type"] = "robot"
    r = emu.client.put("/_mock/state", json=bad)
    assert r.status_code == 400
    assert r.json["error"] == "invalid_state"
    assert r.json["path"] == "orgs[0].users[1].type"
    assert "must be one of" in r.json["problem"]
    for text, ctype in (
        ("{not json", "application/json"),
        ("orgs: [", "application/yaml"),
        ("[1, 2]", "application/json"),
        ("[" * 100_000, "application/json"),  # nested past the parser's recursion limit
        ("{" * 100_000, "application/yaml"),
    ):
        r = emu.client.put("/_mock/state", data=text, content_type=ctype)
        assert r.status_code == 400 and r.json["error"] == "invalid_state" and "problem" in r.json
    r = emu.client.put("/_mock/state", data=b"\xff\xfe", content_type="application/json")
    assert r.status_code == 400
    assert emu.client.get("/_mock/state").data == before


def test_per_org_state_and_reset(emu: Emu) -> None:
    path = f"/_mock/orgs/{ORG}/state"
    original = emu.client.get(path)
    assert original.status_code == 200
    doc = json.loads(original.data)
    assert [o["id"] for o in doc["orgs"]] == [ORG]
    doc["orgs"][0]["users"] = [u for u in doc["orgs"][0]["users"] if u["email"] != "jane@example.com"]
    assert emu.client.put(path, json=doc).status_code == 200
    assert emu.umapi("GET", f"/organizations/{ORG}/users/jane@example.com").status_code == 404
    assert emu.client.put(path, json=doc["orgs"][0]).status_code == 200  # the bare org mapping works too
    assert emu.client.get(path).data != original.data
    r = emu.client.post(f"/_mock/orgs/{ORG}/reset")
    assert r.status_code == 200 and r.json["orgs"] == [ORG]
    assert emu.client.get(path).data == original.data
    assert emu.umapi("GET", f"/organizations/{ORG}/users/jane@example.com").status_code == 200


def test_per_org_put_checks(emu: Emu) -> None:
    path = f"/_mock/orgs/{ORG}/state"
    doc = emu.client.get(path).json
    r = emu.client.put(f"/_mock/orgs/{OTHER_ORG}/state", json=doc)
    assert r.status_code == 400 and r.json["path"] == "orgs[0].id"
    stolen = {"orgs": [{"id": OTHER_ORG, "credentials": [{"client_id": "test-client", "client_secret": "x"}]}]}
    r = emu.client.put(f"/_mock/orgs/{OTHER_ORG}/state", json=stolen)
    assert r.status_code == 400 and r.json["path"] == "orgs[0].credentials"
    two = {"orgs": doc["orgs"] + [{"id": OTHER_ORG}]}
    r = emu.client.put(path, json=two)
    assert r.status_code == 400 and r.json["path"] == "orgs"
    assert emu.client.get(f"/_mock/orgs/{OTHER_ORG}/state").status_code == 404
    # a new org can be added, and resetting it removes it (it is not in the start-up seed)
    new = {"id": OTHER_ORG, "credentials": [{"client_id": "c2", "client_secret": "s2"}]}
    assert emu.client.put(f"/_mock/orgs/{OTHER_ORG}/state", json=new).status_code == 200
    assert [o["id"] for o in emu.client.get("/_mock/state").json["orgs"]] == [ORG, OTHER_ORG]
    r = emu.client.post(f"/_mock/orgs/{OTHER_ORG}/reset")
    assert r.status_code == 200 and r.json["removed"] is True
    assert emu.client.post(f"/_mock/orgs/{OTHER_ORG}/reset").status_code == 404


def test_reset_goes_back_to_the_start_up_seed(emu: Emu) -> None:
    original = emu.client.get("/_mock/state").data
    emu.client.put("/_mock/state", json={"orgs": [{"id": OTHER_ORG}]})
    assert emu.client.get("/_mock/state").data != original
    r = emu.client.post("/_mock/reset")
    assert r.status_code == 200 and r.json == {"result": "ok", "orgs": [ORG]}
    assert emu.client.get("/_mock/state").data == original
    assert emu.groups().status_code == 200


def test_clock(emu: Emu) -> None:
    start = emu.client.get("/_mock/clock").json["now"]
    assert start == emu.clock.now()
    assert emu.groups().status_code == 200
    r = emu.client.post("/_mock/clock", json={"advance": 86_400})
    assert r.status_code == 200 and r.json["now"] == start + 86_400
    assert emu.groups().status_code == 401  # the 24 h token has expired
    for bad in ({"advance": -1}, {"advance": "10"}, {"advance": True}, {"forward": 1}, [1]):
        r = emu.client.post("/_mock/clock", json=bad)
        assert r.status_code == 400 and r.json["error"] == "bad_request", bad


def test_clock_moves_throttle_windows(make_emu: Callable[..., Emu]) -> None:
    emu = make_emu(throttle="documented")
    for _ in range(5):
        emu.groups()
    assert emu.groups().headers["Retry-After"] == "60"
    emu.client.post("/_mock/clock", json={"advance": 60})
    assert emu.groups().status_code == 200


def test_admin_token(make_emu: Callable[..., Emu]) -> None:
    emu = make_emu(admin_token="s3cret-admin")
    for path in ("/_mock/state", "/_mock/journal", "/_mock/openapi.json", "/_mock/faults", "/_mock/clock"):
        r = emu.client.get(path)
        assert r.status_code == 401 and r.json["error"] == "unauthorized", path
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
        assert emu.client.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert emu.client.get(path, headers={"Authorization": "s3cret-admin"}).status_code == 401
        assert emu.client.get(path, headers={"Authorization": "Bearer s3cret-admin"}).status_code == 200
    assert emu.client.post("/_mock/reset").status_code == 401
    assert emu.client.post("/_mock/reset", headers={"Authorization": "bearer s3cret-admin"}).status_code == 200
    assert emu.groups().status_code == 200  # UMAPI itself does not need the admin token
    assert emu.client.get("/status").status_code == 200


def test_no_admin_token_means_open(emu: Emu) -> None:
    assert emu.client.get("/_mock/state").status_code == 200


def test_admin_errors_are_json(emu: Emu) -> None:
    for method, path in (
        ("GET", "/_mock/nothing"),
        ("DELETE", "/_mock/state"),
        ("GET", f"/_mock/orgs/{OTHER_ORG}/state"),
    ):
        r = emu.client.open(path, method=method)
        assert r.status_code in (404, 405) and r.headers["Content-Type"] == "application/json", path
        json.loads(r.data)
    assert "GET|PUT /_mock/state" in emu.client.get("/_mock/").json["endpoints"]


@pytest.mark.parametrize(
    "host, required",
    [
        ("127.0.0.1", False),
        ("127.0.0.2", False),
        ("localhost", False),
        ("LOCALHOST.", False),
        ("::1", False),
        ("[::1]", False),
        ("::ffff:127.0.0.1", False),
        ("0.0.0.0", True),
        ("::", True),
        ("", True),
        ("192.168.1.10", True),
        ("10.0.0.1", True),
        ("example.com", True),
        ("[2001:db8::1]", True),
    ],
)
def test_admin_token_required(host: str, required: bool) -> None:
    assert admin_token_required(host) is required


def test_a_page_of_another_site_cannot_change_state(emu: Emu) -> None:
    """Open on loopback means no token: a cross-origin form POST from any page in the
    developer's browser would otherwise reset the org. Non-browser clients send no Origin."""
    changed = json.loads(emu.client.get("/_mock/state").data)
    del changed["orgs"][0]["users"][0]
    assert emu.client.put("/_mock/state", json=changed).status_code == 200  # no Origin: allowed
    before = emu.client.get("/_mock/state").data
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
    ):
        r = emu.client.post("/_mock/reset", headers=headers)
        assert r.status_code == 403 and r.json["error"] == "cross_origin", headers
        r = emu.client.put("/_mock/state", data=b"orgs: []", content_type="text/plain", headers=headers)
        assert r.status_code == 403, headers
    assert emu.client.get("/_mock/state").data == before  # neither the reset nor the PUT happened
    assert emu.client.get("/_mock/state", headers={"Origin": "https://evil.example"}).status_code == 200  # reads
    same = emu.client.post("/_mock/reset", headers={"Origin": "http://localhost"})
    assert same.status_code == 200  # the console's own origin
    assert emu.client.get("/_mock/state").data != before
