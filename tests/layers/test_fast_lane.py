"""The fast lane (umapi_mock/http/fast_lane.py) answers the hot reads with the same bytes as
the Flask path: every request here is sent twice, once through the app as served (the lane
in front) and once through the Flask stack behind the lane, and the two answers (status,
every header in order, body) and the two journal entries must be the same. Which path
answered is counted, so a lane that never takes a request (or takes one it must not) fails."""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from werkzeug.test import Client

from .conftest import ORG, Emu, small_seed


def seeded(users: int = 60) -> dict[str, Any]:
    seed = small_seed()
    seed["orgs"][0]["generate"] = {"users": users, "groups": 3, "seed": 7}
    return seed


class Paths:
    """The app as served, and the Flask stack behind the lane, with a count of what reached it."""

    def __init__(self, emu: Emu):
        self.emu = emu
        lane = emu.app.wsgi_app
        self.behind = lane.app
        self.flask_calls = 0

        def counted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            self.flask_calls += 1
            return self.behind(environ, start_response)

        lane.app = counted
        self.served = emu.app.test_client()
        self.flask = Client(self.behind)

    def both(self, path: str, headers: dict[str, str]) -> tuple[Any, Any, bool]:
        """(served answer, Flask-path answer, whether the lane took the served one)."""
        before = self.flask_calls
        served = self.served.get(path, headers=headers)
        took = self.flask_calls == before
        served_entry = self.last_entry()
        flask = self.flask.get(path, headers=headers)
        flask_entry = self.last_entry()
        if "X-Request-Id" not in headers:  # fresh ids differ by path
            assert served_entry.pop("request_id") != flask_entry.pop("request_id")
        assert flask_entry == served_entry  # the journal saw the same exchange
        return served, flask, took

    def last_entry(self) -> dict[str, Any]:
        """The newest journal entry, and its detail (kept bodies, curl) as the console reads it."""
        entry = self.emu.journal("?limit=1")["entries"][-1]
        detail = self.emu.client.get(f"/_mock/journal/{entry['seq']}").json
        del detail["entry"]
        return {**{k: v for k, v in entry.items() if k not in ("seq", "latency_ms")}, "detail": detail}


def same(served: Any, flask: Any, *, ids_given: bool = True) -> None:
    assert served.status == flask.status
    served_headers, flask_headers = list(served.headers.items()), list(flask.headers.items())
    if not ids_given:  # fresh ids differ; both are 32 hex characters
        for hs in (served_headers, flask_headers):
            for i, (name, value) in enumerate(hs):
                if name == "X-Request-Id":
                    assert re.fullmatch(r"[0-9a-f]{32}", value)
                    hs[i] = (name, "<id>")
    assert served_headers == flask_headers
    assert served.data == flask.data


ENCODINGS = ["", "gzip", "gzip, deflate", "deflate", "gzip;q=0, deflate;q=0", "identity", "br"]


@pytest.fixture
def paths(make_emu: Callable[..., Emu]) -> Paths:
    return Paths(make_emu(seeded(), users_page_size=25))


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_users_pages_are_the_same_bytes_on_both_paths(paths: Paths, encoding: str) -> None:
    for page in (0, 1, 2, 3, 99):
        headers = paths.emu.headers(**{"X-Request-Id": f"req-{page}", "Accept-Encoding": encoding})
        served, flask, took = paths.both(f"/v2/usermanagement/users/{ORG}/{page}", headers)
        assert took and served.status_code == 200
        same(served, flask)
        assert "X-Page-Count" in served.headers and served.headers["Canonical-Resource"]
        if encoding.startswith("gzip") and served.headers.get("Content-Encoding") == "gzip":
            assert gzip.decompress(served.data).startswith(b'{"lastPage":')


def test_a_gzip_page_is_compressed_and_an_identity_page_is_not(paths: Paths) -> None:
    url = f"/v2/usermanagement/users/{ORG}/0"
    gz, _, took_gz = paths.both(url, paths.emu.headers(**{"Accept-Encoding": "gzip", "X-Request-Id": "a"}))
    plain, _, took_plain = paths.both(url, paths.emu.headers(**{"X-Request-Id": "a"}))
    assert took_gz and took_plain
    assert gz.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
    assert gzip.decompress(gz.data) == plain.data


@pytest.mark.parametrize("encoding", ["", "gzip"])
def test_get_user_is_the_same_on_both_paths(paths: Paths, encoding: str) -> None:
    org = paths.emu.backend.org()
    emails = [u.email for u in list(org.users.values())[:5]]
    for email in [*emails, emails[0].upper(), "nobody@example.com"]:
        headers = paths.emu.headers(**{"Accept-Encoding": encoding, "X-Request-Id": "u", "Pragma": "umapi-sync-start"})
        served, flask, took = paths.both(f"/v2/usermanagement/organizations/{ORG}/users/{email}", headers)
        same(served, flask)
        assert took == (served.status_code == 200)  # a 404 is Flask's to answer


def test_fresh_request_ids_are_unique_hex(paths: Paths) -> None:
    url = f"/v2/usermanagement/users/{ORG}/0"
    ids = set()
    for _ in range(20):
        served, flask, took = paths.both(url, paths.emu.headers())
        assert took
        same(served, flask, ids_given=False)
        ids.add(served.headers["X-Request-Id"])
    assert len(ids) == 20


def bad_credentials(emu: Emu) -> list[dict[str, str]]:
    good = emu.headers()
    return [
        {},
        {"X-Api-Key": "test-client"},
        {"X-Api-Key": "test-client", "Authorization": "Bearer not-a-token"},
        {"X-Api-Key": "test-client", "Authorization": good["Authorization"][7:]},
        {"X-Api-Key": "unknown-client", "Authorization": good["Authorization"]},
        {"X-Api-Key": "other-client", "Authorization": good["Authorization"]},
        {"Authorization": good["Authorization"]},
    ]


def test_bad_credentials_and_bad_paths_fall_through_with_the_same_answers(paths: Paths) -> None:
    emu = paths.emu
    for headers in bad_credentials(emu):
        for url in (f"/v2/usermanagement/users/{ORG}/0", f"/v2/usermanagement/organizations/{ORG}/users/x@y.com"):
            served, flask, took = paths.both(url, {**headers, "X-Request-Id": "bad"})
            assert not took and served.status_code in (401, 403)
            same(served, flask)
    for url in (
        "/v2/usermanagement/users/not-an-org/0",
        "/v2/usermanagement/users/0000000000000000FFFFFFFF@AdobeOrg/0",
        f"/v2/usermanagement/users/{ORG}/0?directOnly=false",
        f"/v2/usermanagement/users/{ORG}/0/",
        f"/v2/usermanagement/users/{ORG}/x",
    ):
        served, flask, took = paths.both(url, emu.headers(**{"X-Request-Id": "p"}))
        assert not took
        same(served, flask)


def test_an_expired_token_is_not_served_from_the_memo(paths: Paths) -> None:
    emu = paths.emu
    url = f"/v2/usermanagement/users/{ORG}/0"
    headers = emu.headers(**{"X-Request-Id": "t"})
    assert paths.both(url, headers)[2]
    emu.clock.advance(emu.backend.tokens.ttl + 1)
    served, flask, took = paths.both(url, headers)
    assert not took and served.status_code == 401
    same(served, flask)


def test_a_migrating_org_is_not_served_from_the_memo(paths: Paths) -> None:
    emu = paths.emu
    url = f"/v2/usermanagement/users/{ORG}/0"
    headers = emu.headers(**{"X-Request-Id": "m"})
    assert paths.both(url, headers)[2]
    emu.backend.org().migrating = True
    served, flask, took = paths.both(url, headers)
    assert not took and served.status_code != 200
    same(served, flask)


def test_with_fault_rules_flask_answers(paths: Paths) -> None:
    emu = paths.emu
    r = emu.client.post(
        "/_mock/faults", json={"match": {"path": "/v2/usermanagement/users/*"}, "respond": {"status": 503}}
    )
    assert r.status_code in (200, 201), r.data
    headers = emu.headers(**{"X-Request-Id": "f"})
    served, flask, took = paths.both(f"/v2/usermanagement/users/{ORG}/0", headers)
    assert not took and served.status_code == 503
    same(served, flask)
    # a rule for another path still sends the hot reads through Flask, with the same answer
    served, flask, took = paths.both(f"/v2/usermanagement/organizations/{ORG}/users/nobody@x.com", headers)
    assert not took
    same(served, flask)
    emu.client.delete("/_mock/faults")
    assert paths.both(f"/v2/usermanagement/users/{ORG}/0", headers)[2]


@pytest.mark.parametrize("throttle", ["documented", "field"])
def test_a_throttle_that_admits_lets_the_lane_answer(make_emu: Callable[..., Emu], throttle: str) -> None:
    paths = Paths(make_emu(seeded(), users_page_size=25, throttle=throttle))
    headers = paths.emu.headers(**{"X-Request-Id": "t", "Pragma": "umapi-sync-start"})
    for url in (f"/v2/usermanagement/users/{ORG}/0", f"/v2/usermanagement/organizations/{ORG}/users/nobody@x.com"):
        served, flask, took = paths.both(url, headers)
        assert took == (served.status_code == 200)
        same(served, flask)


def test_a_throttle_that_refuses_is_answered_by_flask_counting_once(make_emu: Callable[..., Emu]) -> None:
    policy = {"base": "none", "families": {"users": {"per_client": 4, "window": 60}}}
    paths = Paths(make_emu(seeded(), users_page_size=25, throttle=policy))
    emu = paths.emu
    url = f"/v2/usermanagement/users/{ORG}/0"
    headers = emu.headers(**{"X-Request-Id": "r"})
    served, flask, took = paths.both(url, headers)  # two counts, one per path
    assert took and served.status_code == flask.status_code == 200
    bad = paths.served.get(url, headers={**headers, "Authorization": "Bearer wrong"})
    assert bad.status_code == 401  # judged by the lane, answered by Flask: one count, not two
    fourth = paths.served.get(url, headers=headers)
    assert fourth.status_code == 200
    served, flask, took = paths.both(url, headers)
    assert not took and served.status_code == flask.status_code == 429
    same(served, flask)
    assert served.headers["Retry-After"]
    entries = emu.journal()["entries"]
    assert [(e["status"], e["answered_by"]) for e in entries[-5:]] == [
        (200, "handler"),
        (401, "handler"),
        (200, "handler"),
        (429, "throttle"),
        (429, "throttle"),
    ]


def test_the_page_follows_a_write(paths: Paths) -> None:
    emu = paths.emu
    url = f"/v2/usermanagement/users/{ORG}/0"
    headers = emu.headers(**{"X-Request-Id": "w"})
    before, _, _ = paths.both(url, headers)
    first = before.json["users"][0]
    body = [{"user": first["email"], "do": [{"update": {"firstname": "Renamed"}}]}]
    assert emu.action(body=body).json["result"] == "success"
    after, flask, took = paths.both(url, headers)
    assert took
    same(after, flask)
    assert after.json["users"][0]["firstname"] == "Renamed"


def test_the_access_log_facts_are_the_same_on_both_paths(paths: Paths) -> None:
    """What the server's request line reads from the environ (umapi_mock.facts)."""
    from werkzeug.test import EnvironBuilder

    emu = paths.emu
    email = next(iter(emu.backend.org().users.values())).email
    for url in (f"/v2/usermanagement/users/{ORG}/1", f"/v2/usermanagement/organizations/{ORG}/users/{email}"):
        facts = []
        for app in (emu.app.wsgi_app, paths.behind):
            environ = EnvironBuilder(path=url, headers=emu.headers(**{"X-Request-Id": "log-1"})).get_environ()
            before = paths.flask_calls
            b"".join(app(environ, lambda *a: None))
            assert paths.flask_calls == before  # the lane took its call (`behind` is not counted)
            shown = environ["umapi_mock.facts"]
            facts.append({k: shown.get(k) for k in ("path", "request_id", "client_id", "answered_by")})
        assert (
            facts[0]
            == facts[1]
            == {
                "path": url,
                "request_id": "log-1",
                "client_id": "test-client",
                "answered_by": "handler",
            }
        )


def test_a_page_over_the_journals_body_cap_is_kept_cut_the_same_way(make_emu: Callable[..., Emu]) -> None:
    paths = Paths(make_emu(seeded(500), users_page_size=500))
    headers = paths.emu.headers(**{"X-Request-Id": "big", "Accept-Encoding": "gzip"})
    for _ in range(2):  # built, then served from the page cache
        served, flask, took = paths.both(f"/v2/usermanagement/users/{ORG}/0", headers)
        assert took
        same(served, flask)
        detail = paths.last_entry()["detail"]["response"]
        assert detail["truncated"] and detail["bytes"] > 64 * 1024 and len(detail["text"]) <= 64 * 1024
