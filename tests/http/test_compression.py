"""Content negotiation over HTTPS: gzip/deflate answers when accepted (and only then),
`Vary`, `Content-Length` of the bytes sent, pages that decompress to the identity bytes,
compressed request bodies, and clients that never asked for compression."""

from __future__ import annotations

import copy
import gzip
import hashlib
import http.client
import json
import ssl
import zlib
from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from umapi_mock.seed import DEMO_ORG_ID

PAGE = f"/v2/usermanagement/users/{DEMO_ORG_ID}/0"
ACTION = f"/v2/usermanagement/action/{DEMO_ORG_ID}"


def raw_get(served: Any, path: str, accept_encoding: str | None, headers: dict[str, str]) -> requests.Response:
    """A GET whose body is kept exactly as sent (`r.raw_bytes`), not decoded by urllib3."""
    sent = dict(headers)
    sent["Accept-Encoding"] = accept_encoding if accept_encoding is not None else "identity"
    r = requests.get(served.url + path, headers=sent, verify=served.ca_path, stream=True, timeout=60)
    r.raw_bytes = r.raw.read(decode_content=False)  # type: ignore[attr-defined]
    return r


def vary(r: Any) -> set[str]:
    return {v.strip().lower() for v in r.headers.get("Vary", "").split(",") if v.strip()}


@pytest.fixture
def auth(served: Any) -> dict[str, str]:
    return served.headers()  # type: ignore[no-any-return]


def test_gzip_page_decompresses_to_the_identity_bytes(served: Any, auth: dict[str, str]) -> None:
    plain = raw_get(served, PAGE, None, auth)
    packed = raw_get(served, PAGE, "gzip, deflate", auth)
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert int(plain.headers["Content-Length"]) == len(plain.raw_bytes)  # type: ignore[attr-defined]
    assert packed.headers["Content-Encoding"] == "gzip"
    assert int(packed.headers["Content-Length"]) == len(packed.raw_bytes)  # type: ignore[attr-defined]
    assert len(packed.raw_bytes) * 4 < len(plain.raw_bytes)  # type: ignore[attr-defined]
    assert gzip.decompress(packed.raw_bytes) == plain.raw_bytes  # type: ignore[attr-defined]
    assert "accept-encoding" in vary(plain) and "accept-encoding" in vary(packed)
    for name in ("X-Total-Count", "X-Page-Count", "X-Current-Page", "X-Page-Size"):
        assert plain.headers[name] == packed.headers[name]
    # a repeated page is the same compressed bytes (the cached copy)
    again = raw_get(served, PAGE, "gzip, deflate", auth)
    assert again.raw_bytes == packed.raw_bytes  # type: ignore[attr-defined]


def test_deflate_is_the_zlib_format(served: Any, auth: dict[str, str]) -> None:
    plain = raw_get(served, PAGE, None, auth)
    packed = raw_get(served, PAGE, "deflate", auth)
    assert packed.headers["Content-Encoding"] == "deflate"
    assert zlib.decompress(packed.raw_bytes) == plain.raw_bytes  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("gzip", "gzip"),
        ("deflate, gzip", "gzip"),  # equal q: gzip preferred
        ("gzip;q=0.5, deflate", "deflate"),
        ("GZIP;Q=0.9", "gzip"),
        ("*", "gzip"),
        ("*;q=0.1, gzip;q=0", "deflate"),
        ("gzip;q=0, deflate;q=0", None),
        ("br", None),
        ("identity", None),
        ("", None),
        ("gzip;q=oops", None),
    ],
)
def test_accept_encoding_is_negotiated(served: Any, auth: dict[str, str], accept: str, expected: str | None) -> None:
    r = raw_get(served, PAGE, accept, auth)
    assert r.status_code == 200
    assert r.headers.get("Content-Encoding") == expected
    assert int(r.headers["Content-Length"]) == len(r.raw_bytes)  # type: ignore[attr-defined]
    assert "accept-encoding" in vary(r)


def test_small_and_non_json_answers_stay_identity(served: Any, auth: dict[str, str]) -> None:
    status = raw_get(served, "/status", "gzip", {})
    assert status.status_code == 200 and "Content-Encoding" not in status.headers
    assert "accept-encoding" in vary(status)  # a JSON answer: its encoding depends on the request
    json.loads(status.raw_bytes)  # type: ignore[attr-defined]
    missing = raw_get(served, f"/v2/usermanagement/organizations/{DEMO_ORG_ID}/users/nobody@example.com", "gzip", auth)
    assert missing.status_code == 404 and "Content-Encoding" not in missing.headers
    assert json.loads(missing.raw_bytes)["result"] == "error.user.not_found"  # type: ignore[attr-defined]


def test_curl_like_client_without_accept_encoding_gets_identity(served: Any, auth: dict[str, str]) -> None:
    """http.client sends no Accept-Encoding at all (as curl without --compressed)."""
    context = ssl.create_default_context(cafile=served.ca_path)
    conn = http.client.HTTPSConnection(served.served.host, served.served.port, context=context, timeout=60)
    try:
        conn.request("GET", PAGE, headers=auth)
        r = conn.getresponse()
        body = r.read()
    finally:
        conn.close()
    assert r.status == 200
    assert r.getheader("Content-Encoding") is None
    assert int(r.getheader("Content-Length") or -1) == len(body)
    assert len(json.loads(body)["users"]) == int(r.getheader("X-Page-Size") or -1)


def test_journal_records_the_identity_body(served: Any, auth: dict[str, str]) -> None:
    served.admin("DELETE", "/journal")
    plain = raw_get(served, PAGE, None, auth)
    raw_get(served, PAGE, "gzip", auth)
    entries = served.admin("GET", "/journal", params={"path": PAGE}).json()["entries"]
    want = hashlib.sha256(plain.raw_bytes).hexdigest()  # type: ignore[attr-defined]
    assert [e["response_sha256"] for e in entries] == [want, want]


def action_body(email: str) -> bytes:
    return json.dumps(
        [
            {
                "user": email,
                "do": [
                    {"createFederatedID": {"email": email, "country": "US", "firstname": "Zip", "lastname": "Packed"}}
                ],
            }
        ]
    ).encode()


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
def test_compressed_action_body_is_accepted(served: Any, auth: dict[str, str], coding: str) -> None:
    email = f"zipped-{coding}@example.com"
    raw = action_body(email)
    body = gzip.compress(raw) if coding == "gzip" else zlib.compress(raw)
    headers = {**auth, "Content-Type": "application/json", "Content-Encoding": coding}
    r = requests.post(served.url + ACTION, data=body, headers=headers, verify=served.ca_path, timeout=60)
    assert r.status_code == 200, r.text
    assert r.json()["result"] == "success"
    user = served.backend.org().find_user(email)
    assert user is not None and user.firstname == "Zip"


def test_compressed_token_form_is_accepted(served: Any) -> None:
    form = (
        f"grant_type=client_credentials&client_id={served.client_id}&client_secret={served.client_secret}"
        "&scope=openid,AdobeID,user_management_sdk"
    ).encode()
    r = requests.post(
        served.url + "/ims/token/v2",
        data=gzip.compress(form),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Content-Encoding": "gzip"},
        verify=served.ca_path,
        timeout=60,
    )
    assert r.status_code == 200, r.text
    assert r.json()["token_type"] == "bearer"


@pytest.mark.parametrize(
    ("coding", "body", "status", "result"),
    [
        ("gzip", b"this is not gzip", 400, "error.request.invalid"),
        ("gzip", gzip.compress(b"[]", mtime=0)[:-6], 400, "error.request.invalid"),  # truncated
        ("deflate", b"\x00\x01\x02garbage", 400, "error.request.invalid"),
        ("br", b"whatever", 415, "error.request.invalid"),
    ],
)
def test_undecodable_body_is_refused_and_changes_nothing(
    served: Any, auth: dict[str, str], coding: str, body: bytes, status: int, result: str
) -> None:
    before = len(served.backend.org().users)
    headers = {**auth, "Content-Type": "application/json", "Content-Encoding": coding}
    r = requests.post(served.url + ACTION, data=body, headers=headers, verify=served.ca_path, timeout=60)
    assert r.status_code == status
    assert r.json()["result"] == result
    assert coding in r.json()["message"]
    assert len(served.backend.org().users) == before


def test_decompression_bomb_is_refused(served: Any, auth: dict[str, str]) -> None:
    bomb = gzip.compress(b"[" + b" " * (17 * 1024 * 1024) + b"]")
    headers = {**auth, "Content-Type": "application/json", "Content-Encoding": "gzip"}
    r = requests.post(served.url + ACTION, data=bomb, headers=headers, verify=served.ca_path, timeout=60)
    assert r.status_code == 413
    assert r.json()["result"] == "error.request.too_large"


@pytest.mark.official_client
def test_official_client_reads_compressed_pages(official: Any, served: Any) -> None:
    """The official client's `requests` asks for gzip; it gets it and reads every page."""
    result = official.run(
        """
        import requests
        encodings = []
        send = requests.Session.send
        def recording_send(self, prepared, **kwargs):
            r = send(self, prepared, **kwargs)
            if "/users/" in prepared.url:
                encodings.append(r.headers.get("Content-Encoding"))
            return r
        requests.Session.send = recording_send
        users = UsersQuery(connect()).all_results()
        emit({"count": len(users), "encodings": encodings})
        """
    )
    active = [u for u in served.backend.org().users.values() if u.status == "active"]
    assert result["count"] == len(active)
    assert result["encodings"] and set(result["encodings"]) == {"gzip"}


READS = ("", "identity", "gzip", "deflate", "gzip,identity", "deflate,gzip")  # the codings page reads ask for


def _org_app(users: int) -> tuple[Any, dict[str, str]]:
    """An in-process emulator of the demo org with `users` generated users, and its auth."""
    from umapi_mock.config import Config
    from umapi_mock.http.app import create_app
    from umapi_mock.seed import DEMO_SEED

    seed = copy.deepcopy(DEMO_SEED)
    seed["orgs"][0]["generate"] = {"users": users, "groups": 4, "seed": 7}
    app = create_app(Config(seed=seed))
    client = app.test_client()
    cred = seed["orgs"][0]["credentials"][0]
    form = {"grant_type": "client_credentials", "client_id": cred["client_id"], "client_secret": cred["client_secret"]}
    form["scope"] = "openid,AdobeID,user_management_sdk"
    token = client.post("/ims/token/v2", data=form).json["access_token"]
    return client, {"X-Api-Key": cred["client_id"], "Authorization": f"Bearer {token}"}


@settings(max_examples=8, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["rename", "create", "remove"]), st.integers(0, 449), st.sampled_from(READS)),
        min_size=1,
        max_size=6,
    )
)
def test_a_rebuilt_page_compresses_to_the_bytes_of_a_fresh_build(writes: list[tuple[str, int, str]]) -> None:
    """A page rebuilt after writes reuses the compressed blocks (and the gzip CRC) of users it
    did not change; its gzip and deflate bytes decompress to its identity bytes and are the
    very bytes a page built afresh from the same state gives (an emulator that never read the
    page before), whichever codings the reads between the writes asked for (none: the next
    rebuild has no compressed page to take from); the journal shows each body's sha256."""
    (read, auth_read), (fresh, auth_fresh) = _org_app(450), _org_app(450)
    page = f"/v2/usermanagement/users/{DEMO_ORG_ID}/0"
    emails = [u["email"] for u in read.get(page, headers=auth_read).json["users"]]
    sent: list[bytes] = []  # each page read's identity bytes, in order
    for n, (kind, at, reads) in enumerate(writes):
        email = emails[at % len(emails)]
        if kind == "rename":  # names of several lengths: the blocks after it move
            entry = {"user": email, "do": [{"update": {"firstname": "R" * (1 + at % 40) + str(n)}}]}
        elif kind == "create":
            new = f"new{n}.{at}@{email.split('@')[1]}"
            step = {"firstname": "N", "lastname": "U", "country": "US", "email": new, "option": "ignoreIfAlreadyExists"}
            entry = {"user": new, "do": [{"createFederatedID" if at % 2 else "createEnterpriseID": step}]}
        else:
            entry = {"user": email, "do": [{"removeFromOrg": {}}]}
        for client, auth in ((read, auth_read), (fresh, auth_fresh)):
            r = client.post(ACTION, json=[entry], headers=auth)
            assert r.status_code == 200, r.data
        identity = None
        for coding in reads.split(","):
            if not coding:
                continue
            got = read.get(page, headers={**auth_read, "Accept-Encoding": coding})
            assert got.headers.get("Content-Encoding") == (None if coding == "identity" else coding)
            data = {"gzip": gzip.decompress, "deflate": zlib.decompress, "identity": bytes}[coding](got.data)
            assert identity is None or data == identity
            identity = data
            sent.append(data)
    for coding in ("gzip", "deflate"):
        ours = read.get(page, headers={**auth_read, "Accept-Encoding": coding}).data
        theirs = fresh.get(page, headers={**auth_fresh, "Accept-Encoding": coding}).data
        assert ours == theirs
        sent.append(gzip.decompress(ours) if coding == "gzip" else zlib.decompress(ours))
    entries = read.get("/_mock/journal", query_string={"path": page}).json["entries"][1:]  # (the first read)
    assert [e["response_sha256"] for e in entries] == [hashlib.sha256(data).hexdigest() for data in sent]
    assert [e["response_bytes"] for e in entries] == [len(data) for data in sent]
