"""The request journal: content, filters, bounds, thread safety, and no secrets ever."""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections.abc import Callable

import jwt

from umapi_mock.layers.journal import Journal

from .conftest import ORG, S2S_SCOPE, Emu, small_seed


def test_entry_content(emu: Emu) -> None:
    token = emu.token()
    r = emu.umapi(
        "GET",
        f"/organizations/{ORG}/users/jane@example.com?domain=example.com",
        headers={"X-Request-Id": "req-42", "Pragma": "umapi-sync-start"},
    )
    assert r.status_code == 200
    entries = emu.journal()["entries"]
    assert [e["seq"] for e in entries] == [1, 2]
    ims, get = entries
    assert ims["path"] == "/ims/token/v2" and ims["method"] == "POST" and ims["status"] == 200
    assert ims["client_id"] == "test-client" and ims["org_id"] == ORG and ims["ims"] is True
    assert ims["family"] is None
    assert len(ims["request_sha256"]) == 64 and len(ims["response_sha256"]) == 64
    assert get == {
        "seq": 2,
        "time": emu.clock.now(),
        "method": "GET",
        "path": f"/v2/usermanagement/organizations/{ORG}/users/jane@example.com",
        "query": {"domain": "example.com"},
        "status": 200,
        "latency_ms": get["latency_ms"],
        "client_id": "test-client",
        "org_id": ORG,
        "request_id": "req-42",
        "family": "user",
        "ims": False,
        "request_sha256": None,
        "request_bytes": 0,
        "response_sha256": hashlib.sha256(r.data).hexdigest(),
        "response_bytes": len(r.data),
        "answered_by": "handler",
        "fault": None,
        "pragma": "umapi-sync-start",
    }
    assert isinstance(get["latency_ms"], float) and get["latency_ms"] >= 0
    assert token not in str(entries)


def test_generated_request_id_is_journaled(emu: Emu) -> None:
    r = emu.client.get("/status")
    assert emu.journal()["entries"][0]["request_id"] == r.headers["X-Request-Id"]


def test_request_body_digest(emu: Emu) -> None:
    emu.token()
    body = b'[{"user":"jane@example.com","do":[]}]'
    emu.umapi("POST", f"/action/{ORG}", data=body, content_type="application/json")
    entry = emu.journal("?method=POST&path=/v2/")["entries"][0]
    assert entry["request_sha256"] == hashlib.sha256(body).hexdigest() and entry["request_bytes"] == len(body)


def test_fault_and_throttle_answers_are_marked(make_emu: Callable[..., Emu]) -> None:
    emu = make_emu(
        throttle="documented",
        faults=[{"id": "boom", "match": {"path": "/v2/*"}, "respond": {"status": 502}, "times": 1}],
    )
    codes = [emu.groups().status_code for _ in range(7)]
    assert codes == [502, 200, 200, 200, 200, 200, 429]
    entries = emu.journal("?path=/v2/")["entries"]
    assert [e["answered_by"] for e in entries] == ["fault"] + ["handler"] * 5 + ["throttle"]
    assert entries[0]["fault"] == {"id": "boom", "kind": "status"}
    assert entries[-1]["status"] == 429 and entries[-1]["family"] == "groups"


def test_no_secret_token_or_assertion_ever_reaches_the_journal(emu: Emu) -> None:
    token = emu.token()
    # client_credentials in the query string (the docs' curl), in the form, and in multipart
    emu.client.post(
        f"/ims/token/v2?grant_type=client_credentials&client_id=test-client&client_secret=test-secret&scope={S2S_SCOPE}"
    )
    emu.client.post(
        "/ims/token/v3/",
        data={
            "grant_type": "client_credentials",
            "client_id": "test-client",
            "client_secret": "test-secret",
            "scope": S2S_SCOPE,
        },
        content_type="multipart/form-data",
    )
    emu.client.post(
        "/ims/token/v2",
        data={
            "grant_type": "client_credentials",
            "client_id": "test-client",
            "client_secret": "wrong-secret-value",
            "scope": S2S_SCOPE,
        },
    )
    assertion = jwt.encode(
        {
            "iss": ORG,
            "sub": "x",
            "exp": 2_000_000_000,
            "aud": "https://ims/c/test-client",
            "https://ims/s/ent_user_sdk": True,
        },
        "not-a-real-key-but-long-enough-for-hs256",
        algorithm="HS256",
    )
    emu.client.post(f"/ims/exchange/jwt?client_id=test-client&client_secret=test-secret&jwt_token={assertion}")
    emu.client.post(
        "/ims/exchange/jwt/", data={"client_id": "test-client", "client_secret": "test-secret", "jwt_token": assertion}
    )
    emu.umapi("GET", f"/groups/{ORG}/0?access_token={token}")
    emu.client.get(f"/status?access_token={token}&refresh_token=rt-secret-1")
    raw = emu.client.get("/_mock/journal").get_data(as_text=True)
    assert len(emu.journal()["entries"]) == 8
    for secret in ("test-secret", "wrong-secret-value", assertion, token, "rt-secret-1"):
        assert secret not in raw
    query = emu.journal("?path=/ims/token/v2&limit=2")["entries"][0]["query"]
    assert query == {
        "grant_type": "client_credentials",
        "client_id": "test-client",
        "client_secret": "<redacted>",
        "scope": S2S_SCOPE,
    }


def test_filters(emu: Emu) -> None:
    emu.token()
    emu.groups()
    emu.umapi("GET", f"/users/{ORG}/0")
    emu.umapi("GET", f"/organizations/{ORG}/users/nobody@example.com")
    emu.client.get("/status")
    emu.umapi("GET", f"/groups/{ORG}/x")
    j = emu.journal
    assert len(j()["entries"]) == 6
    assert [e["seq"] for e in j("?path=/v2/usermanagement/groups/")["entries"]] == [2, 6]
    assert [e["seq"] for e in j("?path=/v2/*/users/*")["entries"]] == [3, 4]
    assert [e["path"] for e in j("?path=/st*")["entries"]] == ["/status"]
    assert [e["seq"] for e in j("?status=404")["entries"]] == [4]
    assert [e["seq"] for e in j("?status=4xx")["entries"]] == [4, 6]
    assert [e["seq"] for e in j("?status=200,400")["entries"]] == [1, 2, 3, 5, 6]
    assert [e["seq"] for e in j("?since=4")["entries"]] == [5, 6]
    assert [e["seq"] for e in j("?limit=2")["entries"]] == [5, 6]
    assert [e["seq"] for e in j("?status=2xx&limit=1")["entries"]] == [5]
    assert [e["seq"] for e in j("?method=POST")["entries"]] == [1]
    assert [e["seq"] for e in j("?client=test-client&since=5")["entries"]] == [6]
    emu.clock.advance(100)
    emu.client.get("/status")
    assert [e["seq"] for e in j(f"?since_time={emu.clock.now() - 1}")["entries"]] == [7]
    body = j("?limit=0")
    assert body["entries"] == [] and body["last_seq"] == 7 and body["count"] == 0
    for bad in ("?since=x", "?limit=-1", "?status=ok", "?since_time=yesterday"):
        r = emu.client.get(f"/_mock/journal{bad}")
        assert r.status_code == 400 and r.json["error"] == "bad_request", bad


def test_admin_requests_are_not_journaled_and_delete_clears(emu: Emu) -> None:
    emu.client.get("/status")
    for _ in range(3):
        emu.client.get("/_mock/state")
        emu.client.get("/_mock/journal")
    assert [e["path"] for e in emu.journal()["entries"]] == ["/status"]
    assert emu.client.delete("/_mock/journal").json == {"result": "ok"}
    body = emu.journal()
    assert body["entries"] == [] and body["last_seq"] == 1
    emu.client.get("/status")
    assert [e["seq"] for e in emu.journal()["entries"]] == [2]


def test_ring_buffer(make_emu: Callable[..., Emu]) -> None:
    emu = make_emu(journal_size=3)
    for _ in range(5):
        emu.client.get("/status")
    body = emu.journal()
    assert [e["seq"] for e in body["entries"]] == [3, 4, 5]
    assert body["size"] == 3 and body["evicted"] == 2 and body["last_seq"] == 5


def test_journal_is_thread_safe() -> None:
    journal = Journal(10_000)

    def work() -> None:
        for _ in range(500):
            journal.record({"time": 0.0, "method": "GET", "path": "/x", "status": 200})

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    entries = journal.query()
    assert len(entries) == 4000 and sorted(e["seq"] for e in entries) == list(range(1, 4001))
    assert journal.query(limit=3)[-1]["seq"] == 4000


def test_big_response_digests_are_the_sha256_of_each_body_however_soon_they_are_read(
    make_emu: Callable[..., Emu],
) -> None:
    """A big body's digest is taken off the request's path; the entry shows the same hex
    whether it is read at once or later, and for many new bodies in a row (more than the
    digester is let hold: the rest are digested at once), each its own body's."""
    seed = small_seed()
    seed["orgs"][0]["generate"] = {"users": 300, "groups": 2, "seed": 3}
    emu = make_emu(seed, users_page_size=300)
    page = f"/users/{ORG}/0"
    emails = [u["email"] for u in emu.umapi("GET", page).json["users"] if u["type"] != "adobeID"]
    bodies = []
    for n in range(40):
        update = {"update": {"firstname": f"Digest{n}"}}
        assert emu.action(body=[{"user": emails[n * 7 % len(emails)], "do": [update]}]).status_code == 200
        r = emu.umapi("GET", page, headers={"Accept-Encoding": "identity" if n % 2 else "gzip"})
        body = r.data if n % 2 else gzip.decompress(r.data)
        assert len(body) > 16 * 1024
        bodies.append(body)
        if n % 5 == 0:  # read while its digest may still be pending
            [shown] = emu.journal("?limit=1")["entries"]
            assert shown["response_sha256"] == hashlib.sha256(body).hexdigest()
    entries = emu.journal(f"?method=GET&path=/v2/usermanagement{page}")["entries"][1:]
    assert [e["response_sha256"] for e in entries] == [hashlib.sha256(b).hexdigest() for b in bodies]
    assert len(set(e["response_sha256"] for e in entries)) == len(bodies)
