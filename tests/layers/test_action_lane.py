"""The action lane (umapi_mock/http/action_lane.py) answers an action POST with the same
bytes as the Flask path. An action changes state, so each request goes to two emulators
built alike: once through the app as served (the lane in front) and once through the
Flask stack behind the lane of the twin. The two answers (status, every header in order,
body), the two journal entries and the two orgs afterwards must be the same. Which path
answered is counted, so a lane that never takes a request (or takes one it must not) fails."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client

from tests.store_faults import FlakyConnection
from umapi_mock.config import Config
from umapi_mock.emulator import Emulator
from umapi_mock.http.app import create_app
from umapi_mock.seed import dump_orgs

from .conftest import ORG, Emu, small_seed
from .test_fast_lane import same

URL = f"/v2/usermanagement/action/{ORG}"


def seeded() -> dict[str, Any]:
    seed = small_seed()
    seed["orgs"][0]["generate"] = {"users": 40, "groups": 3, "seed": 11}
    return seed


class Twins:
    """Emulator `lane` as served (calls reaching its Flask stack counted), and its twin's
    Flask stack, behind its lane."""

    def __init__(self, make_emu: Callable[..., Emu], **config: Any):
        self.lane, self.twin = make_emu(seeded(), **config), make_emu(seeded(), **config)
        wrapper = self.lane.app.wsgi_app
        behind = wrapper.app
        self.flask_calls = 0

        def counted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            self.flask_calls += 1
            return behind(environ, start_response)

        wrapper.app = counted
        self.served = self.lane.app.test_client()
        self.flask = Client(self.twin.app.wsgi_app.app)

    def both(self, data: bytes | str, query: str = "", **headers: str) -> tuple[Any, Any, bool]:
        """(served answer, Flask-path answer, whether the lane took the served one)."""
        sent = {"Content-Type": "application/json", **headers}
        lane_headers = {**self.lane.headers(), **sent}  # (a token, fetched first, is a Flask call)
        before = self.flask_calls
        served = self.served.post(URL + query, data=data, headers=lane_headers)
        took = self.flask_calls == before
        flask = self.flask.post(URL + query, data=data, headers={**self.twin.headers(), **sent})
        assert last_entry(self.lane) == last_entry(self.twin)  # the journal saw the same exchange
        return served, flask, took

    def same_state(self) -> None:
        emus = (self.lane, self.twin)
        pages = [emu.client.get(f"/v2/usermanagement/users/{ORG}/0", headers=emu.headers()).data for emu in emus]
        groups = [emu.groups().data for emu in emus]
        assert pages[0] == pages[1] and groups[0] == groups[1]


def last_entry(emu: Emu) -> dict[str, Any]:
    entry = emu.journal("?limit=1")["entries"][-1]
    detail = emu.client.get(f"/_mock/journal/{entry['seq']}").json
    del detail["entry"]
    return {**{k: v for k, v in entry.items() if k not in ("seq", "latency_ms")}, "detail": detail}


def batch(emu: Emu, n: int = 10) -> list[dict[str, Any]]:
    """n user entries of ten steps over the seeded users (the benchmark's shape)."""
    org = emu.backend.org()
    creates = {"enterpriseID": "createEnterpriseID", "federatedID": "createFederatedID"}
    users = [u for u in org.users.values() if u.status == "active" and u.type in creates and "@" in u.email][:n]
    entries = []
    for i, u in enumerate(users):
        entries.append(
            {
                "user": u.email,
                "requestID": f"r-{i}",
                "do": [
                    {
                        creates[u.type]: {
                            "email": u.email,
                            "firstname": "F",
                            "lastname": "L",
                            "country": "US",
                            "option": "ignoreIfAlreadyExists",
                        }
                    },
                    {"update": {"firstname": f"First{i}"}},
                    {"add": {"group": ["Contractors", "Employees"]}},
                    {"remove": {"group": ["Contractors"]}},
                    {"add": {"product": ["Default Photoshop configuration"]}},
                    {"update": {"lastname": f"Last{i}"}},
                    {"remove": {"group": ["Employees"]}},
                    {"add": {"group": ["nonexistent group" if i % 2 else "Employees"]}},
                    {"add": {"usergroup": ["Contractors"]}},
                    {"update": {"firstname": "x" * (300 if i % 2 else 3)}},
                ],
            }
        )
    return entries


@pytest.fixture
def twins(make_emu: Callable[..., Emu]) -> Twins:
    return Twins(make_emu)


@pytest.mark.parametrize("encoding", ["", "gzip", "deflate", "identity"])
def test_a_batch_is_answered_by_the_lane_with_flasks_bytes(twins: Twins, encoding: str) -> None:
    body = json.dumps(batch(twins.lane))
    assert body == json.dumps(batch(twins.twin))
    for round_ in range(2):  # the second run meets what the first changed
        served, flask, took = twins.both(body, **{"Accept-Encoding": encoding, "X-Request-Id": f"b{round_}"})
        assert took and served.status_code == 200
        same(served, flask)
        data = gzip.decompress(served.data) if served.headers.get("Content-Encoding") == "gzip" else served.data
        if encoding != "deflate":
            report = json.loads(data)
            assert report["result"] in ("success", "partial") and report["errors"] and report["warnings"]
        assert (served.headers.get("Content-Encoding") is not None) == (encoding in ("gzip", "deflate"))
    twins.same_state()


@pytest.mark.parametrize("query", ["", "?testOnly=true", "?testOnly=false", "?testOnly=1", "?testOnly="])
def test_test_mode_and_plain_runs_take_the_lane(twins: Twins, query: str) -> None:
    body = json.dumps(batch(twins.lane, 3))
    served, flask, took = twins.both(body, query, **{"X-Request-Id": "q"})
    assert took
    same(served, flask)
    twins.same_state()


@pytest.mark.parametrize(
    "body",
    [
        "",
        "not json",
        "{}",
        "[]",
        json.dumps([{"user": "a@b.c", "do": []}] * 11),
        '[{"user": "a@b.c", "do": [{"update": {"firstname": "x"}}]}, NaN]',
        b"\xff\xfe",
    ],
)
def test_malformed_bodies_fall_through_with_flasks_answer(twins: Twins, body: Any) -> None:
    served, flask, took = twins.both(body, **{"X-Request-Id": "m"})
    assert not took and served.status_code == 400
    same(served, flask)


def test_repeated_keys_are_reported_the_same_on_both_paths(twins: Twins) -> None:
    email = batch(twins.lane, 1)[0]["user"]
    body = (
        f'[{{"user": "{email}", "user": "{email}", "do": [{{"update": {{"firstname": "a"}}}}]}},'
        f' {{"user": "{email}", "do": [{{"add": {{"group": ["Contractors"], "group": ["Engineering"]}}}}]}},'
        f' {{"user": "{email}", "do": [{{"update": {{"firstname": "b"}}, "remove": {{"group": ["x"]}}}}]}}]'
    )
    served, flask, took = twins.both(body, **{"X-Request-Id": "d"})
    assert took and served.status_code == 200 and served.json["notCompleted"] == 3
    same(served, flask)


@pytest.mark.parametrize("query", ["?testOnly=maybe", "?testOnly=true&x=1", "?other=1", "?testOnly=%74rue"])
def test_other_queries_fall_through(twins: Twins, query: str) -> None:
    served, flask, took = twins.both(json.dumps(batch(twins.lane, 2)), query, **{"X-Request-Id": "o"})
    assert not took
    same(served, flask)
    twins.same_state()


def test_fresh_request_ids(twins: Twins) -> None:
    headers = twins.lane.headers()
    served = twins.served.post(URL, data=json.dumps(batch(twins.lane, 1)), headers=headers)
    assert (
        twins.flask_calls == 1 and served.status_code == 200
    )  # (one: the token) and len(served.headers["X-Request-Id"]) == 32
    assert twins.lane.journal("?limit=1")["entries"][-1]["request_id"] == served.headers["X-Request-Id"]


def test_bad_credentials_fall_through(twins: Twins) -> None:
    body = json.dumps(batch(twins.lane, 1))
    twins.lane.headers()  # the token, fetched (a Flask call) before counting
    for headers in ({}, {"X-Api-Key": "test-client", "Authorization": "Bearer nope"}):
        before = twins.flask_calls
        answers = [
            c.post(URL, data=body, headers={**headers, "X-Request-Id": "c"}) for c in (twins.served, twins.flask)
        ]
        assert answers[0].status_code in (401, 403) and twins.flask_calls == before + 1
        same(*answers)


def test_a_gzipped_request_body_falls_through(twins: Twins) -> None:
    body = gzip.compress(json.dumps(batch(twins.lane, 2)).encode())
    served, flask, took = twins.both(body, **{"Content-Encoding": "gzip", "X-Request-Id": "z"})
    assert not took and served.status_code == 200
    same(served, flask)


def test_with_fault_rules_flask_answers(twins: Twins) -> None:
    for emu in (twins.lane, twins.twin):
        rule = {"match": {"path": "/v2/usermanagement/groups/*"}, "respond": {"status": 503}}
        assert emu.client.post("/_mock/faults", json=rule).status_code in (200, 201)
    served, flask, took = twins.both(json.dumps(batch(twins.lane, 2)), **{"X-Request-Id": "f"})
    assert not took and served.status_code == 200
    same(served, flask)


def test_a_throttle_that_refuses_is_answered_by_flask(make_emu: Callable[..., Emu]) -> None:
    policy = {"base": "none", "families": {"action": {"per_client": 2, "window": 60}}}
    twins = Twins(make_emu, throttle=policy)
    body = json.dumps(batch(twins.lane, 1))
    took = [twins.both(body, **{"X-Request-Id": f"t{i}"}) for i in range(3)]
    assert [t[2] for t in took] == [True, True, False]
    assert [t[0].status_code for t in took] == [200, 200, 429]
    for served, flask, _ in took:
        same(served, flask)


def test_the_access_log_facts_are_the_same_on_both_paths(twins: Twins) -> None:
    """What the server's request line reads from the environ (umapi_mock.facts), with and
    without the request target as sent (`RAW_URI`)."""
    from werkzeug.test import EnvironBuilder

    body = json.dumps(batch(twins.lane, 1))
    for raw_uri in (True, False):
        facts = []
        for emu, app in ((twins.lane, twins.lane.app.wsgi_app), (twins.twin, twins.twin.app.wsgi_app.app)):
            environ = EnvironBuilder(
                path=URL,
                query_string="testOnly=true",
                method="POST",
                data=body,
                headers=emu.headers(**{"X-Request-Id": "log-2"}),
            ).get_environ()
            if not raw_uri:
                del environ["RAW_URI"], environ["REQUEST_URI"]
            before = twins.flask_calls
            b"".join(app(environ, lambda *a: None))
            assert twins.flask_calls == before
            shown = environ["umapi_mock.facts"]
            facts.append({k: shown.get(k) for k in ("path", "request_id", "client_id", "answered_by")})
        assert facts[0] == facts[1]
        assert facts[0]["path"].startswith(URL) and facts[0]["request_id"] == "log-2"


def test_a_durable_org_takes_the_lane_and_a_failed_save_gets_flasks_answer(tmp_path: Path) -> None:
    """With a data dir the lane runs the action too; when its save fails (undone in memory)
    the view answers the failure, so both paths give the same 503 and neither keeps a trace."""
    emulators, saves, flask_calls = [], [], [0]
    for name in ("lane", "twin"):
        emulator = Emulator.open(Config(seed=seeded(), data_dir=tmp_path / name))
        assert emulator.persistence is not None
        store = emulator.persistence.store
        flaky = FlakyConnection(store.conn)
        store.conn = flaky  # type: ignore[assignment]
        emulators.append(emulator)
        saves.append(flaky)
    try:
        apps = [create_app(e) for e in emulators]
        behind = apps[0].wsgi_app.app  # type: ignore[attr-defined]

        def counted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            flask_calls[0] += 1
            return behind(environ, start_response)

        apps[0].wsgi_app.app = counted  # type: ignore[attr-defined]
        clients = [apps[0].test_client(), Client(apps[1].wsgi_app.app)]  # type: ignore[attr-defined]
        org = emulators[0].backend.org()
        cred = next(iter(org.credentials.values()))
        form = {
            "grant_type": "client_credentials",
            "client_id": cred.client_id,
            "client_secret": cred.client_secret,
            "scope": "openid,AdobeID,user_management_sdk",
        }
        auth = []
        for app in apps:
            token = app.test_client().post("/ims/token/v2", data=form).json["access_token"]
            auth.append({"X-Api-Key": cred.client_id, "Authorization": f"Bearer {token}"})
        user = next(u for u in org.users.values() if u.status == "active" and "@" in u.email)
        url = f"/v2/usermanagement/action/{org.id}"
        for attempt, failing in enumerate((True, False, True)):
            body = json.dumps([{"user": user.email, "do": [{"update": {"firstname": f"Saved{attempt}"}}]}])
            before = [dump_orgs(list(e.backend.orgs.values())) for e in emulators]
            for flaky in saves:
                flaky.failing = failing
            calls = flask_calls[0]
            headers = {"Content-Type": "application/json", "X-Request-Id": f"d{attempt}"}
            answers = [c.post(url, data=body, headers={**a, **headers}) for c, a in zip(clients, auth, strict=True)]
            for flaky in saves:
                flaky.failing = False
            same(*answers)
            after = [dump_orgs(list(e.backend.orgs.values())) for e in emulators]
            assert after[0] == after[1]
            if failing:
                assert answers[0].status_code == 503 and flask_calls[0] == calls + 1  # the view answered
                assert after == before  # no trace in memory
            else:
                assert answers[0].status_code == 200 and flask_calls[0] == calls  # the lane answered
                assert after != before
            entries = []
            for e in emulators:
                entry = dict(e.layers.journal.query(limit=1)[-1])
                for key in ("seq", "latency_ms", "time"):  # (a real clock here)
                    entry.pop(key)
                entries.append(entry)
            assert entries[0] == entries[1]
    finally:
        for e in emulators:
            e.close()
