"""The admin API the console is built on, through the in-process app: search, sort and
paging of users, a user's memberships, groups, journal entries with redacted bodies, the
static assets and the admin-token rule, and the OpenAPI document describing all of it."""

from __future__ import annotations

import copy
import json
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import umapi_mock
from tests.keys import make_key_and_cert
from tests.layers.conftest import ORG, Emu, small_seed
from tests.layers.test_layers_openapi import _normalise, check
from umapi_mock.config import Config
from umapi_mock.http.openapi import openapi_document

ROOT = Path(__file__).resolve().parents[2]
USERS = f"/_mock/orgs/{ORG}/users"


@pytest.fixture
def make() -> Callable[..., Emu]:
    def factory(seed: dict[str, Any] | None = None, **config: Any) -> Emu:
        return Emu(Config(**config), seed)

    return factory


@pytest.fixture
def emu(make: Callable[..., Emu]) -> Emu:
    seed = small_seed()
    seed["orgs"][0]["generate"] = {"users": 300, "groups": 4, "seed": 3}
    return make(seed)


def get(emu: Emu, path: str, **params: Any) -> Any:
    r = emu.client.get(path, query_string=params)
    assert r.status_code == 200, r.data
    return r.json


def test_search_sort_and_page(emu: Emu) -> None:
    everyone = get(emu, USERS, size=500)
    assert everyone["total"] == 303 and len(everyone["users"]) == 303
    assert [u["uid"] for u in everyone["users"]] == sorted(u["uid"] for u in everyone["users"])
    # the same users, page by page
    pages = [get(emu, USERS, page=p, size=100) for p in range(4)]
    assert [p["page"] for p in pages] == [0, 1, 2, 3] and pages[0]["page_count"] == 4
    assert [u["uid"] for p in pages for u in p["users"]] == [u["uid"] for u in everyone["users"]]
    assert get(emu, USERS, page=99, size=100)["page"] == 3  # past the end: the last page

    found = get(emu, USERS, q="JANE@EXAMPLE")
    assert [u["email"] for u in found["users"]] == ["jane@example.com"]
    assert found["users"][0]["groups"] == ["_org_admin", "Employees"]
    by_name = get(emu, USERS, q="doe", size=500)["users"]
    assert "jane@example.com" in [u["email"] for u in by_name]
    assert all("doe" in f"{u['email']} {u['firstname']} {u['lastname']}".lower() for u in by_name)

    for key in ("email", "domain", "type", "status", "name"):
        asc = get(emu, USERS, sort=key, size=500)["users"]
        desc = get(emu, USERS, sort=key, order="desc", size=500)["users"]
        assert desc == asc[::-1]
    emails = [u["email"] for u in get(emu, USERS, sort="email", size=500)["users"]]
    assert emails == sorted(emails, key=str.lower)
    adobe = get(emu, USERS, type="adobeID", size=500)["users"]
    assert adobe and {u["type"] for u in adobe} == {"adobeID"}


def test_search_sees_writes_and_every_status(emu: Emu) -> None:
    assert get(emu, USERS, q="jane@")["total"] == 1
    emu.action(body=[{"user": "jane@example.com", "do": [{"update": {"lastname": "Roe"}}]}])
    assert get(emu, USERS, q="roe", sort="name")["users"][0]["lastname"] == "Roe"
    emu.action(body=[{"user": "john@example.net", "do": [{"removeFromOrg": {}}]}])
    # a directory account that left the org stays listed, with its status
    assert [(u["email"], u["status"], u["groups"]) for u in get(emu, USERS, q="john@example.net")["users"]] == [
        ("john@example.net", "removed", [])
    ]
    assert get(emu, USERS, status="removed")["total"] == 1


@pytest.mark.parametrize(
    "params, problem",
    [
        ({"page": "x"}, "page"),
        ({"page": "-1"}, "page"),
        ({"size": "0"}, "size"),
        ({"size": "501"}, "size"),
        ({"sort": "password"}, "sort"),
        ({"order": "sideways"}, "order"),
    ],
)
def test_search_bad_input(emu: Emu, params: dict[str, str], problem: str) -> None:
    r = emu.client.get(USERS, query_string=params)
    assert r.status_code == 400 and r.json["error"] == "bad_request" and problem in r.json["message"]


def test_not_found_is_json(emu: Emu) -> None:
    for path, code in (
        ("/_mock/orgs/NOPE@AdobeOrg/users", "org_not_found"),
        ("/_mock/orgs/NOPE@AdobeOrg/groups", "org_not_found"),
        (f"{USERS}/999999", "user_not_found"),
        (f"{USERS}/not-a-user", "user_not_found"),
        (f"/_mock/orgs/{ORG}/groups/1/members", "group_not_found"),
        ("/_mock/journal/12345", "entry_not_found"),
    ):
        r = emu.client.get(path)
        assert r.status_code == 404 and r.json["error"] == code, path


def test_user_detail(emu: Emu) -> None:
    jane = get(emu, USERS, q="jane@example.com")["users"][0]
    emu.action(body=[{"user": "jane@example.com", "do": [{"add": {"group": ["Contractors"]}}]}])
    emu.umapi("GET", f"/organizations/{ORG}/users/jane@example.com")
    emu.umapi("GET", f"/organizations/{ORG}/users/john@example.net")
    for user_id in (str(jane["uid"]), jane["id"]):
        d = get(emu, f"{USERS}/{user_id}")
        assert d["user"]["email"] == "jane@example.com"
        assert [(m["name"], m["type"]) for m in d["direct"]] == [
            ("Contractors", "USER_GROUP"),
            ("Employees", "USER_GROUP"),
        ]
        assert [(m["name"], m["via"], m["licensed"]) for m in d["indirect"]] == [
            ("Default Photoshop configuration", "Employees", True)
        ]
        assert d["admin_roles"] == [{"role": "system administrator", "group": "_org_admin", "of": None}]
        paths = [e["path"] for e in d["requests"]]
        assert paths == [
            f"/v2/usermanagement/action/{ORG}",
            f"/v2/usermanagement/organizations/{ORG}/users/jane@example.com",
        ]
    john = get(emu, USERS, q="john@example.net")["users"][0]
    d = get(emu, f"{USERS}/{john['uid']}")
    assert [(m["name"], m["licensed"]) for m in d["direct"]] == [
        ("Contractors", None),
        ("Default Acrobat Pro configuration", True),
    ]


def test_groups_and_members(emu: Emu) -> None:
    groups = get(emu, f"/_mock/orgs/{ORG}/groups")["groups"]
    by_name = {g["name"]: g for g in groups}
    photoshop = by_name["Default Photoshop configuration"]
    assert (
        photoshop["type"] == "PRODUCT_PROFILE"
        and photoshop["quota"] == 100
        and photoshop["product"] == "Adobe Photoshop"
    )
    assert by_name["Employees"]["profiles"] == ["Default Photoshop configuration"]
    assert by_name["_org_admin"]["members"] == 1  # the sysadmin group, listed by its membership name
    direct = get(emu, f"/_mock/orgs/{ORG}/groups/{photoshop['gid']}/members", size=500)
    both = get(emu, f"/_mock/orgs/{ORG}/groups/{photoshop['gid']}/members", size=500, direct="false")
    assert direct["total"] == photoshop["members"] and both["total"] >= direct["total"]
    assert "jane@example.com" in [u["email"] for u in both["users"]]  # through Employees
    assert photoshop["used"] == min(100, both["total"])
    profiles = get(emu, f"/_mock/orgs/{ORG}/groups", type="PRODUCT_PROFILE")["groups"]
    assert {g["type"] for g in profiles} == {"PRODUCT_PROFILE"} and len(profiles) == 4
    assert [g["name"] for g in get(emu, f"/_mock/orgs/{ORG}/groups", q="employ")["groups"]] == ["Employees"]


def test_journal_entry_redacts_secrets(make: Callable[..., Emu]) -> None:
    key, cert = make_key_and_cert()
    seed = small_seed()
    seed["orgs"][0]["credentials"][0]["certificates"] = [cert]
    emu = make(seed)
    token = emu.token()
    form = {
        "client_id": "test-client",
        "client_secret": "test-secret",
        "jwt_token": "eyJhbGciOi.eyJpc3MiOi.c2lnbmF0dXJl",
    }
    emu.client.post("/ims/exchange/jwt", data=form)  # urlencoded
    emu.client.post("/ims/exchange/jwt", data={**form, "x": (Path(__file__).open("rb"), "f.txt")})  # multipart
    emu.client.post(
        "/_mock/faults",
        json={"match": {"path": "/status"}, "respond": {"status": 500, "body": {"leak": "test-secret"}}},
    )
    emu.client.get("/status")
    entries = emu.journal()["entries"]
    assert len(entries) == 4
    shown = [get(emu, f"/_mock/journal/{e['seq']}") for e in entries]
    text = json.dumps(shown)
    for secret in ("test-secret", token, form["jwt_token"], "BEGIN"):
        assert secret not in text
    ims, jwt_form, multipart, fault = shown
    assert (
        "client_secret=%3Credacted%3E" in ims["request"]["text"] or "client_secret=<redacted>" in ims["request"]["text"]
    )
    assert json.loads(ims["response"]["text"])["access_token"] == "<redacted>"
    assert "jwt_token=<redacted>" in jwt_form["request"]["text"]
    assert multipart["request"]["text"].startswith("<multipart body")
    assert "multipart body is not shown" in multipart["curl"]
    assert fault["entry"]["answered_by"] == "fault" and json.loads(fault["response"]["text"]) == {"leak": "<redacted>"}
    words = shlex.split(ims["curl"])
    assert words[:5] == ["curl", "-sS", "-X", "POST", "http://localhost/ims/token/v2"]
    assert "Authorization" not in ims["curl"]


def test_journal_keeps_the_newest_bodies(make: Callable[..., Emu]) -> None:
    emu = make(small_seed(), journal_bodies=2)
    emu.token()
    for _ in range(3):
        emu.groups()
    last = emu.journal()["last_seq"]
    kept = [get(emu, f"/_mock/journal/{seq}")["bodies_kept"] for seq in range(1, last + 1)]
    assert kept == [False, False, True, True]
    old = get(emu, "/_mock/journal/2")
    assert old["request"] is None and old["response"] is None and "-H 'X-Api-Key: test-client'" in old["curl"]
    big = get(emu, f"/_mock/journal/{last}")
    assert big["response"]["bytes"] == emu.journal()["entries"][-1]["response_bytes"]


def test_throttled_entry_says_why(make: Callable[..., Emu]) -> None:
    emu = make(small_seed(), throttle="documented")
    for _ in range(6):
        r = emu.groups()
    assert r.status_code == 429
    d = get(emu, f"/_mock/journal/{emu.journal()['last_seq']}")
    assert d["entry"]["answered_by"] == "throttle"
    assert d["throttle"] == {"family": "groups", "limit": {"per_client": 5, "global": 100, "window": 60.0}}
    assert get(emu, "/_mock/journal", answered_by="throttle")["count"] == 1


def test_overview_never_shows_secrets(make: Callable[..., Emu]) -> None:
    _, cert = make_key_and_cert()
    seed = small_seed()
    seed["orgs"][0]["credentials"][0]["certificates"] = [cert]
    second = copy.deepcopy(seed["orgs"][0])
    second.update(
        id="ABCDEF0123456789ABCDEF01@AdobeOrg", credentials=[{"client_id": "two", "client_secret": "two-secret"}]
    )
    seed["orgs"].append(second)
    emu = make(seed, throttle="documented", users_page_size=7)
    ov = get(emu, "/_mock/overview")
    text = json.dumps(ov)
    assert "test-secret" not in text and "two-secret" not in text and "CERTIFICATE" not in text
    assert [o["id"] for o in ov["orgs"]] == [ORG, second["id"]]
    first = ov["orgs"][0]
    assert first["users"] == 3 and first["users_by_type"] == {"federatedID": 1, "enterpriseID": 1, "adobeID": 1}
    assert first["credentials"][0]["certificates"] == 1
    assert ov["settings"]["users_page_size"] == 7 and ov["settings"]["throttle"]["mode"] == "documented"
    assert ov["settings"]["admin_token_required"] is False and ov["uptime_seconds"] >= 0
    assert ov["version"] == umapi_mock.__version__


def test_assets_and_the_admin_token(make: Callable[..., Emu]) -> None:
    emu = make(small_seed(), admin_token="tok-123")
    r = emu.client.get("/_mock/ui")
    assert r.status_code == 308 and r.headers["Location"].endswith("/_mock/ui/")
    page = emu.client.get("/_mock/ui/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert b'<script src="console.js"' in page.data and b"<script>" not in page.data
    for name, mimetype in (("console.js", "text/javascript"), ("console.css", "text/css")):
        asset = emu.client.get(f"/_mock/ui/{name}")
        assert asset.status_code == 200 and asset.mimetype == mimetype
    for bad in ("/_mock/ui/nope.js", "/_mock/ui/..%2Fadmin.py", "/_mock/ui/console.py", "/_mock/ui/.hidden.js"):
        r = emu.client.get(bad)
        assert r.status_code == 404 and r.headers["Content-Type"] == "application/json", bad
    # the data needs the token
    for path in ("/_mock/overview", USERS, f"/_mock/orgs/{ORG}/groups", "/_mock/journal/1"):
        assert emu.client.get(path).status_code == 401
        assert emu.client.get(path, headers={"Authorization": "Bearer tok-123"}).status_code in (200, 404)
    same_site = {"Origin": "http://localhost"}  # what the console's own form POST carries
    r = emu.client.post("/_mock/ui/state-download", data={"token": "nope"}, headers=same_site)
    assert r.status_code == 401
    # no proof that the console sent it (a cross-site form, or a client with no Origin): refused
    for headers in ({}, {"Origin": "https://evil.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}):
        r = emu.client.post("/_mock/ui/state-download", data={"token": "tok-123"}, headers=headers)
        assert r.status_code == 403 and r.json["error"] == "cross_origin", headers
    r = emu.client.post(
        "/_mock/ui/state-download", data={"token": "tok-123"}, headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert r.status_code == 200
    dump = emu.client.post("/_mock/ui/state-download", data={"token": "tok-123"}, headers=same_site)
    assert dump.status_code == 200 and dump.headers["Content-Disposition"].startswith("attachment")
    assert json.loads(dump.data)["orgs"][0]["id"] == ORG


def test_assets_ship_in_the_wheel() -> None:
    tomllib = pytest.importorskip("tomllib", reason="tomllib is new in Python 3.11")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    globs = config["tool"]["setuptools"]["package-data"]["umapi_mock"]
    package = ROOT / "umapi_mock"
    shipped = {p for g in globs for p in package.glob(g)}
    assets = set((package / "http" / "static" / "console").iterdir())
    assert assets and assets <= shipped


def test_admin_api_is_documented(emu: Emu) -> None:
    doc = openapi_document()
    documented = {(_normalise(p), m.upper()) for p, ops in doc["paths"].items() for m in ops}
    for rule in emu.app.url_map.iter_rules():
        if not rule.rule.startswith("/_mock") or rule.rule.startswith("/_mock/ui"):
            continue
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            assert (_normalise(rule.rule), method) in documented, f"{method} {rule.rule} is not documented"
    emu.action()
    emu.client.post("/_mock/faults", json={"match": {"path": "/status"}, "respond": {"status": 503}, "times": 1})
    emu.client.get("/status")
    jane = get(emu, USERS, q="jane@")["users"][0]
    gid = get(emu, f"/_mock/orgs/{ORG}/groups", q="Employees")["groups"][0]["gid"]
    T = "/_mock/orgs/{org_id}"
    cases = [
        ("/_mock/overview", emu.client.get("/_mock/overview")),
        (f"{T}/users", emu.client.get(USERS, query_string={"q": "a", "sort": "name"})),
        (f"{T}/users", emu.client.get(USERS, query_string={"size": "0"})),
        (f"{T}/users/{{user_id}}", emu.client.get(f"{USERS}/{jane['uid']}")),
        (f"{T}/users/{{user_id}}", emu.client.get(f"{USERS}/0")),
        (f"{T}/groups", emu.client.get(f"/_mock/orgs/{ORG}/groups")),
        (f"{T}/groups/{{gid}}/members", emu.client.get(f"/_mock/orgs/{ORG}/groups/{gid}/members")),
        ("/_mock/journal", emu.client.get("/_mock/journal")),
        ("/_mock/journal/{seq}", emu.client.get("/_mock/journal/1")),
        ("/_mock/journal/{seq}", emu.client.get(f"/_mock/journal/{emu.journal()['last_seq']}")),
        ("/_mock/journal/{seq}", emu.client.get("/_mock/journal/999")),
        ("/_mock/clock", emu.client.get("/_mock/clock")),
        ("/_mock/throttle", emu.client.get("/_mock/throttle")),
    ]
    for template, r in cases:
        check(doc, template, "GET", r)
