"""Fault injection: matching, ordering, limits, every kind of answer, and real dropped
connections."""

from __future__ import annotations

import email.utils
import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from werkzeug.serving import make_server

from umapi_mock.http.middleware import ConnectionDropped
from umapi_mock.layers.faults import FaultRule, FaultRuleError, load_faults_file, parse_fault_rule, parse_fault_rules

from .conftest import ORG, S2S_SCOPE, Emu

ACTION_RULE = {
    "match": {"path": "/v2/usermanagement/action/*"},
    "respond": {"status": 503, "retry_after": 2},
    "times": 2,
}


def add(emu: Emu, rules: Any) -> list[str]:
    r = emu.client.post("/_mock/faults", json=rules)
    assert r.status_code == 201, r.data
    return r.json["ids"]  # type: ignore[no-any-return]


def ims_token(emu: Emu, client_id: str = "test-client", secret: str = "test-secret") -> Any:
    return emu.client.post(
        "/ims/token/v2",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, "scope": S2S_SCOPE},
    )


def test_minimal_rule_fires_twice_then_lets_requests_through(emu: Emu) -> None:
    emu.token()
    assert add(emu, ACTION_RULE) == ["f1"]
    for _ in range(2):
        r = emu.action()
        assert r.status_code == 503
        assert r.json == {"error_code": "503000", "message": "Service unavailable"}
        assert r.headers["Retry-After"] == "2"
        assert r.headers["Content-Type"] == "application/json"
        assert r.headers["X-Request-Id"]
    assert emu.action().status_code != 503
    assert emu.groups().status_code == 200
    rule = emu.client.get("/_mock/faults/f1").json
    assert rule["fired"] == 2 and rule["remaining"] == 0 and rule["times"] == 2


def test_rules_from_config_apply_from_start(make_emu: Callable[..., Emu]) -> None:
    emu = make_emu(faults=[{"match": {"path": "/status"}, "respond": {"status": 502}, "times": 1}])
    r = emu.client.get("/status")
    assert r.status_code == 502 and r.json == {"error_code": "502000", "message": "Bad gateway"}
    assert emu.client.get("/status").status_code == 200


def test_first_matching_rule_wins_in_order(emu: Emu) -> None:
    add(
        emu,
        [
            {"id": "narrow", "match": {"path": "/v2/usermanagement/groups/*"}, "respond": {"status": 500}, "times": 1},
            {"id": "broad", "match": {"path": "/v2/usermanagement/*"}, "respond": {"status": 504}},
            {"id": "never", "match": {"path": "/v2/usermanagement/groups/*"}, "respond": {"status": 502}},
        ],
    )
    first, second = emu.groups(), emu.groups()
    assert first.status_code == 500 and first.json == {"error_code": "500000", "message": "Internal server error"}
    assert second.status_code == 504 and second.json == {"error_code": "504000", "message": "Gateway timeout"}
    faults = {f["id"]: f["fired"] for f in emu.client.get("/_mock/faults").json["faults"]}
    assert faults == {"narrow": 1, "broad": 1, "never": 0}


def _outcomes(emu: Emu, n: int) -> list[int]:
    return [emu.client.get("/status").status_code for _ in range(n)]


def test_probability_is_reproducible_with_a_seed(make_emu: Callable[..., Emu]) -> None:
    rule = {"match": {"path": "/status"}, "respond": {"status": 503}, "probability": 0.5, "seed": 7}
    first = _outcomes(make_emu(faults=[rule]), 40)
    again = _outcomes(make_emu(faults=[rule]), 40)
    assert first == again
    rng = random.Random(7)
    assert first == [503 if rng.random() < 0.5 else 200 for _ in range(40)]
    assert 5 < first.count(503) < 35
    other = _outcomes(make_emu(faults=[{**rule, "seed": 8}]), 40)
    assert other != first


def test_probability_without_seed_is_still_deterministic(make_emu: Callable[..., Emu]) -> None:
    rule = {"match": {"path": "/status"}, "respond": {"status": 503}, "probability": 0.3}
    assert _outcomes(make_emu(faults=[rule]), 30) == _outcomes(make_emu(faults=[rule]), 30)


def test_a_rule_that_does_not_fire_lets_later_rules_try(emu: Emu) -> None:
    add(
        emu,
        [
            {"match": {"path": "/status"}, "respond": {"status": 500}, "probability": 0.5, "seed": 1},
            {"match": {"path": "/status"}, "respond": {"status": 502}},
        ],
    )
    assert set(_outcomes(emu, 30)) == {500, 502}


def test_times_and_probability_together(emu: Emu) -> None:
    add(emu, {"match": {"path": "/status"}, "respond": {"status": 500}, "probability": 0.5, "times": 3, "seed": 3})
    assert _outcomes(emu, 60).count(500) == 3


def test_429_fault_is_gateway_shaped(emu: Emu) -> None:
    add(emu, {"match": {"path": "/v2/*"}, "respond": {"status": 429, "retry_after": 38}})
    r = emu.groups()
    assert r.status_code == 429
    assert r.data == b'{"error_code":"429050","message":"Too many requests"}'
    assert r.headers["Server"] == "APIP" and r.headers["Retry-After"] == "38"


def test_retry_after_as_http_date(emu: Emu) -> None:
    add(
        emu,
        [
            {
                "match": {"method": "GET"},
                "respond": {"status": 503, "retry_after": 30, "retry_after_format": "http-date"},
                "times": 1,
            },
            {
                "match": {"method": "GET"},
                "respond": {"status": 503, "retry_after": "Wed, 21 Oct 2015 07:28:00 GMT"},
                "times": 1,
            },
        ],
    )
    before = time.time()
    value = emu.client.get("/status").headers["Retry-After"]
    after = time.time()
    when = email.utils.parsedate_to_datetime(value).timestamp()  # whole seconds
    assert value.endswith(" GMT") and before + 29 <= when <= after + 30
    assert emu.client.get("/status").headers["Retry-After"] == "Wed, 21 Oct 2015 07:28:00 GMT"


def test_malformed_body(emu: Emu) -> None:
    add(
        emu,
        [
            {"match": {"path": "/v2/usermanagement/groups/*"}, "respond": {"malformed": True}, "times": 1},
            {"match": {"path": "/v2/usermanagement/groups/*"}, "respond": {"malformed": "<html>oops"}, "times": 1},
        ],
    )
    for _ in range(2):
        r = emu.groups()
        assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
        with pytest.raises(ValueError):
            json.loads(r.data)
    assert emu.groups().json["result"] == "success"


def test_custom_body_and_headers(emu: Emu) -> None:
    add(
        emu,
        {
            "match": {"path": "/status"},
            "respond": {
                "status": 503,
                "body": {"error_code": "503010", "message": "Could not validate the oauth token"},
                "headers": {"X-Extra": "1"},
            },
            "times": 1,
        },
    )
    add(
        emu,
        {
            "match": {"path": "/status"},
            "respond": {"status": 502, "body": "<html>Bad gateway</html>", "headers": {"Content-Type": "text/html"}},
            "times": 1,
        },
    )
    r = emu.client.get("/status")
    assert r.json == {"error_code": "503010", "message": "Could not validate the oauth token"}
    assert r.headers["X-Extra"] == "1"
    r = emu.client.get("/status")
    assert r.status_code == 502 and r.data == b"<html>Bad gateway</html>" and r.headers["Content-Type"] == "text/html"


def test_delay_alone_answers_normally_after_sleeping(emu: Emu) -> None:
    add(emu, {"match": {"path": "/status"}, "respond": {"delay": 0.15}, "times": 1})
    start = time.perf_counter()
    r = emu.client.get("/status")
    assert time.perf_counter() - start >= 0.15
    assert r.status_code == 200 and r.json["state"] == "LIVE"
    entry = emu.journal("?path=/status")["entries"][-1]
    assert (
        entry["latency_ms"] >= 150
        and entry["answered_by"] == "handler"
        and entry["fault"] == {"id": "f1", "kind": "delay"}
    )


def test_delay_then_status(emu: Emu) -> None:
    add(emu, {"match": {"path": "/status"}, "respond": {"delay": 0.05, "status": 504}, "times": 1})
    start = time.perf_counter()
    assert emu.client.get("/status").status_code == 504
    assert time.perf_counter() - start >= 0.05


def test_match_predicates(emu: Emu) -> None:
    emu.token("test-client")
    emu.token("other-client")
    add(
        emu,
        [
            {"id": "by-client", "match": {"client": "other-client", "method": ["GET"]}, "respond": {"status": 500}},
            {"id": "by-query", "match": {"query": {"directOnly": "false"}}, "respond": {"status": 502}},
            {
                "id": "by-absent",
                "match": {"path": "/v2/usermanagement/users/*", "query": {"directOnly": None}},
                "respond": {"status": 503},
            },
            {"id": "by-org", "match": {"org": "FFFF@AdobeOrg"}, "respond": {"status": 504}},
            {"id": "by-json", "match": {"body": {"json": {"/0/user": "john@example.net"}}}, "respond": {"status": 429}},
            {
                "id": "by-contains",
                "match": {"method": "POST", "body": {"contains": "pat@gmail"}},
                "respond": {"status": 500},
            },
            {
                "id": "ims",
                "match": {"path": "/ims/*", "org": ORG, "body": {"form": {"client_id": "other-*"}}},
                "respond": {"status": 503},
            },
        ],
    )
    assert emu.groups("other-client").status_code == 500
    assert emu.groups("test-client").status_code == 200
    assert emu.umapi("GET", f"/users/{ORG}/0?directOnly=False").status_code == 502  # case-insensitive
    assert emu.umapi("GET", f"/users/{ORG}/0").status_code == 503
    assert emu.umapi("GET", f"/users/{ORG}/0?directOnly=true").status_code == 200
    assert emu.umapi("GET", "/groups/FFFF@AdobeOrg/0").status_code == 504
    assert emu.action(body=[{"user": "john@example.net", "do": []}]).status_code == 429
    assert emu.action(body=[{"user": "pat@gmail.example", "do": []}]).status_code == 500
    assert emu.action(
        body=[{"user": "jane@example.com", "do": [{"add": {"group": ["Contractors"]}}]}]
    ).status_code not in (429, 500)
    assert ims_token(emu, "other-client", "other-secret").status_code == 503
    assert ims_token(emu).status_code == 200


def test_faults_never_touch_the_admin_api(emu: Emu) -> None:
    add(emu, {"match": {"path": "*"}, "respond": {"status": 500}})
    assert emu.client.get("/status").status_code == 500
    assert emu.client.get("/_mock/state").status_code == 200
    assert emu.client.get("/_mock/faults").status_code == 200


def test_faulted_requests_do_not_use_up_the_throttle(make_emu: Callable[..., Emu]) -> None:
    emu = make_emu(
        throttle="documented", faults=[{"match": {"path": "/v2/*"}, "respond": {"status": 503}, "times": 10}]
    )
    assert [emu.groups().status_code for _ in range(16)] == [503] * 10 + [200] * 5 + [429]


def test_admin_faults_crud(emu: Emu) -> None:
    ids = add(
        emu,
        [
            {"respond": {"status": 500}, "match": {"path": "/nothing"}},
            {"id": "mine", "respond": {"status": 502}, "match": {"path": "/nothing"}},
        ],
    )
    assert ids == ["f1", "mine"]
    assert add(emu, {"respond": {"status": 500}, "match": {"path": "/nothing"}}) == ["f2"]
    listed = emu.client.get("/_mock/faults").json["faults"]
    assert [f["id"] for f in listed] == ["f1", "mine", "f2"]
    assert listed[0] == {
        "respond": {"status": 500},
        "match": {"path": "/nothing"},
        "id": "f1",
        "fired": 0,
        "remaining": None,
    }
    r = emu.client.post("/_mock/faults", json={"id": "mine", "respond": {"status": 500}})
    assert r.status_code == 400 and r.json["path"] == "id"
    assert emu.client.delete("/_mock/faults/mine").json == {"result": "ok", "deleted": "mine"}
    r = emu.client.delete("/_mock/faults/mine")
    assert r.status_code == 404 and r.json["error"] == "fault_not_found"
    assert emu.client.get("/_mock/faults/nope").status_code == 404
    assert emu.client.delete("/_mock/faults").json == {"result": "ok", "deleted": 2}
    assert emu.client.get("/_mock/faults").json == {"faults": []}
    r = emu.client.post("/_mock/faults", data="- respond: {status: 503}\n  times: 1\n", content_type="application/yaml")
    assert r.status_code == 201 and r.json == {"ids": ["f3"]}


def test_bad_rule_in_a_list_adds_nothing(emu: Emu) -> None:
    r = emu.client.post("/_mock/faults", json=[{"respond": {"status": 500}}, {"respond": {"status": 200}}])
    assert r.status_code == 400
    assert r.json["error"] == "invalid_fault" and r.json["path"] == "[1].respond.status"
    assert "400-599" in r.json["problem"]
    assert emu.client.get("/_mock/faults").json == {"faults": []}
    r = emu.client.post("/_mock/faults", data="{not json", content_type="application/json")
    assert r.status_code == 400 and r.json["error"] == "invalid_fault"


@pytest.mark.parametrize(
    "doc, path",
    [
        ([], "(rule)"),
        ({"match": {}}, "respond"),
        ({"respond": {}}, "respond"),
        ({"respond": {"status": 503}, "times": 0}, "times"),
        ({"respond": {"status": 503}, "probability": 1.5}, "probability"),
        ({"respond": {"status": 503}, "probability": 0}, "probability"),
        ({"respond": {"status": 503, "retry_after": 1.5}}, "respond.retry_after"),
        ({"respond": {"status": 503, "retry_after": "soon"}}, "respond.retry_after"),
        (
            {
                "respond": {
                    "status": 503,
                    "retry_after": "Wed, 21 Oct 2015 07:28:00 GMT",
                    "retry_after_format": "http-date",
                }
            },
            "respond.retry_after_format",
        ),
        ({"respond": {"status": 503, "drop": True}}, "respond"),
        ({"respond": {"drop": True, "retry_after": 3}}, "respond"),
        ({"respond": {"malformed": '{"ok": true}'}}, "respond.malformed"),
        ({"respond": {"delay": -1}}, "respond.delay"),
        ({"respond": {"delay": 0.1, "retry_after": 3}}, "respond.retry_after"),
        ({"respond": {"status": "503"}}, "respond.status"),
        ({"respond": {"status": 503, "colour": "red"}}, "respond.colour"),
        ({"match": {"path": "v2/*"}, "respond": {"status": 503}}, "match.path"),
        ({"match": {"verb": "GET"}, "respond": {"status": 503}}, "match.verb"),
        ({"match": {"body": {"json": {"0/user": "x"}}}, "respond": {"status": 503}}, "match.body.json.0/user"),
        ({"match": {"query": ["x"]}, "respond": {"status": 503}}, "match.query"),
        ({"respond": {"status": 503}, "seed": "x"}, "seed"),
        ({"id": "", "respond": {"status": 503}}, "id"),
    ],
)
def test_rule_validation_says_where(doc: Any, path: str) -> None:
    with pytest.raises(FaultRuleError) as info:
        parse_fault_rule(doc)
    assert (info.value.path or "(rule)") == path
    assert info.value.problem


def test_fault_rule_parse_helpers(tmp_path: Path) -> None:
    rule = FaultRule.parse(ACTION_RULE)
    assert rule.respond.status == 503 and rule.times == 2 and rule.respond.kind == "status"
    assert [
        r.respond.kind
        for r in parse_fault_rules(
            [{"respond": {"drop": True}}, {"respond": {"malformed": True}}, {"respond": {"delay": 1}}]
        )
    ] == ["drop", "malformed", "delay"]
    path = tmp_path / "faults.yaml"
    path.write_text("faults:\n  - match: {path: /status}\n    respond: {status: 503}\n")
    assert load_faults_file(str(path)) == [{"match": {"path": "/status"}, "respond": {"status": 503}}]
    path.write_text("- respond: {status: 99}\n")
    with pytest.raises(FaultRuleError) as info:
        load_faults_file(str(path))
    assert info.value.path == "[0].respond.status"


def test_dropped_connection_in_the_test_client(emu: Emu) -> None:
    add(emu, {"match": {"path": "/status"}, "respond": {"drop": True}, "times": 1})
    with pytest.raises(ConnectionError):
        emu.client.get("/status")
    assert emu.client.get("/status").status_code == 200
    entry = emu.journal("?path=/status")["entries"][0]
    assert entry["status"] is None and entry["answered_by"] == "fault" and entry["fault"]["kind"] == "drop"


@pytest.fixture
def served_plain(emu: Emu) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, emu.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


def test_dropped_connection_on_a_real_socket(emu: Emu, served_plain: str) -> None:
    headers = emu.headers()
    add(
        emu,
        [
            {"match": {"path": "/v2/usermanagement/groups/*"}, "respond": {"drop": True}, "times": 1},
            {"match": {"path": "/ims/*"}, "respond": {"drop": True, "delay": 0.05}, "times": 1},
        ],
    )
    with requests.Session() as session:
        # a hang would end in ReadTimeout, which is not a ConnectionError
        with pytest.raises(requests.ConnectionError):
            session.get(f"{served_plain}/v2/usermanagement/groups/{ORG}/0", headers=headers, timeout=2, verify=False)
        r = session.get(f"{served_plain}/v2/usermanagement/groups/{ORG}/0", headers=headers, timeout=5, verify=False)
        assert r.status_code == 200 and r.json()["result"] == "success"
        with pytest.raises(requests.ConnectionError):
            session.post(
                f"{served_plain}/ims/token/v2",
                data={
                    "grant_type": "client_credentials",
                    "client_id": "test-client",
                    "client_secret": "test-secret",
                    "scope": S2S_SCOPE,
                },
                timeout=5,
            )
        assert session.get(f"{served_plain}/status", timeout=5).status_code == 200


def test_connection_dropped_is_a_connection_error() -> None:
    assert issubclass(ConnectionDropped, ConnectionError)
