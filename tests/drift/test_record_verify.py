"""`umapi-mock record` and `verify` with our reference client: a JWT session through the
proxy replays without drift; each kind of difference a recording can show is reported as one
drift naming exchange, field, recorded and emulated value; what legitimately differs is not;
secrets stay out; anonymised cassettes replay too; failures are one line."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import umapi_client
from tests.keys import make_key_and_cert
from umapi_mock.config import Config
from umapi_mock.http.app import create_app
from umapi_mock.http.context import emulator_of
from umapi_mock.server import ServedEmulator

from .conftest import (
    RecorderProcess,
    Upstream,
    assert_one_line_error,
    rich_seed,
    run_cli,
    serve_upstream,
    start_recorder,
)

TECH_ACCOUNT = "C0DE0000C0DE0000C0DE0000@techacct.adobe.com"


def jwt_seed() -> tuple[dict[str, Any], str]:
    key_pem, cert_pem = make_key_and_cert()
    seed = rich_seed()
    cred = seed["orgs"][0]["credentials"][0]
    cred["certificates"] = [cert_pem]
    cred["tech_account"] = TECH_ACCOUNT
    return seed, key_pem


@pytest.fixture
def jwt_upstream(make_upstream: Any) -> tuple[Upstream, str]:
    seed, key_pem = jwt_seed()
    return make_upstream(seed, users_page_size=4, groups_page_size=3), key_pem


def record(upstream: Upstream, tmp_path: Path, recorders: list[RecorderProcess], *extra: str) -> RecorderProcess:
    rec = start_recorder(
        [
            "--upstream",
            upstream.url,
            "--upstream-ca",
            upstream.ca_path,
            "--cassette",
            str(tmp_path / "s.cassette"),
            "--snapshot",
            "--credentials",
            str(upstream.credentials_file(tmp_path)),
            "--no-pace",
            *extra,
        ],
        tmp_path / "proxy-tls",
    )
    recorders.append(rec)
    return rec


def session(upstream: Upstream, rec: RecorderProcess, key_pem: str) -> dict[str, Any]:
    """A sync tool's day in small: JWT login, every page, a lookup, a few actions."""
    auth = umapi_client.JWTAuth(
        upstream.org_id,
        upstream.client_id,
        upstream.client_secret,
        TECH_ACCOUNT,
        private_key_data=key_pem,
        auth_host=rec.netloc,
        ssl_verify=rec.ca_path,
    )
    conn = umapi_client.Connection(
        upstream.org_id, auth, endpoint=rec.url + "/v2/usermanagement", ssl_verify=rec.ca_path, sleep=lambda s: None
    )
    out: dict[str, Any] = {}
    out["users"] = len(umapi_client.UsersQuery(conn).all_results())
    out["groups"] = len(umapi_client.GroupsQuery(conn).all_results())
    out["team a"] = len(umapi_client.UsersQuery(conn, in_group="Team A").all_results())
    out["maxlogin"] = umapi_client.UserQuery(conn, "maxlogin", domain="contract.example").result()
    out["nobody"] = umapi_client.UserQuery(conn, "nobody@contract.example").result()
    created = umapi_client.UserAction("rv.new@contract.example").create(
        email="rv.new@contract.example",
        firstname="Rowena",
        lastname="Vantablack",
        country="NL",
        id_type=umapi_client.IdentityType.federatedID,
    )
    created.add_to_groups(groups=["Team B", "No Such Group"])
    out["actions"] = conn.execute_multiple(
        [created, umapi_client.UserAction("ghost@contract.example").update(firstname="G")], immediate=True
    )
    out["team b"] = sorted(u["email"] for u in umapi_client.UsersQuery(conn, in_group="Team B").all_results())
    out["groups after"] = len(umapi_client.GroupsQuery(conn).all_results())
    return out


def stop(rec: RecorderProcess) -> None:
    code, err = rec.stop()
    assert code == 0, err


def lines_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def write_lines(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def verify(cassette: Path, tmp_path: Path, *extra: str) -> tuple[Any, dict[str, Any]]:
    report = tmp_path / f"{cassette.stem}-report.json"
    result = run_cli("verify", str(cassette), "--report", str(report), *extra)
    doc = json.loads(report.read_text()) if report.exists() else {}
    return result, doc


@pytest.fixture(scope="module")
def recorded(tls_files: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One recorded session, shared by the tests that read or change (a copy of) its cassette."""
    seed, key_pem = jwt_seed()
    upstream = serve_upstream(tls_files, seed, users_page_size=4, groups_page_size=3)
    workdir = tmp_path_factory.mktemp("recorded")
    recorders: list[RecorderProcess] = []
    try:
        rec = record(upstream, workdir, recorders)
        outcome = session(upstream, rec, key_pem)
        stop(rec)
        yield {"cassette": workdir / "s.cassette", "upstream": upstream, "key": key_pem, "session": outcome}
    finally:
        for r in recorders:
            r.stop()
        upstream.server.stop()


def test_a_jwt_session_replays_without_drift(recorded, tmp_path):
    assert recorded["session"]["users"] == 13 and recorded["session"]["maxlogin"]["username"] == "maxlogin"
    lines = lines_of(recorded["cassette"])
    ims = [e for e in lines[2:] if e["request"]["path"].startswith("/ims/exchange/jwt")]
    assert ims and ims[0]["response"]["status"] == 200
    assert ims[0]["request"]["body"]["jwt_claims"]["claims"]["sub"] == TECH_ACCOUNT
    result, doc = verify(recorded["cassette"], tmp_path)
    assert result.code == 0, result.out + result.err
    assert doc["drift"] == [] and doc["summary"]["pass"] == len(lines) - 2


def test_secrets_never_reach_the_cassette(recorded):
    upstream = recorded["upstream"]
    text = recorded["cassette"].read_text()
    secrets = {upstream.client_id, upstream.client_secret} | upstream.tap.tokens
    assert len(upstream.tap.tokens) == 2  # the snapshot's token and the session's
    for secret in secrets:
        assert secret not in text
    assert "BEGIN" not in text  # no key material
    for line in lines_of(recorded["cassette"])[2:]:
        form = dict((line["request"].get("body") or {}).get("form") or [])
        if "jwt_token" in form:
            assert form["jwt_token"].startswith("<jwt-")  # the assertion itself is gone, claims stay


def find(lines: list[dict[str, Any]], method: str, path_part: str, status: int = 200) -> dict[str, Any]:
    return next(
        e
        for e in lines[2:]
        if e["request"]["method"] == method and path_part in e["request"]["path"] and e["response"]["status"] == status
    )


def body(e: dict[str, Any]) -> Any:
    return e["response"]["body"]["json"]


def headers(e: dict[str, Any]) -> dict[str, str]:
    return e["response"]["headers"]


def user_named(e: dict[str, Any], email: str) -> dict[str, Any]:
    return next(u for u in body(e)["users"] if u["email"] == email)


def group_named(lines: list[dict[str, Any]], name: str) -> dict[str, Any]:
    pages = [e for e in lines[2:] if "/groups/" in e["request"]["path"]]
    return next(g for e in pages for g in body(e)["groups"] if g["groupName"] == name)


MUTATIONS: dict[str, tuple[Any, str, Any, Any]] = {
    # name: (change the recorded answer, drifting field, recorded value, emulated value)
    "paging header": (
        lambda ls: headers(find(ls, "GET", "/users/")).update({"X-Page-Size": "7"}),
        "header X-Page-Size",
        "7",
        "4",
    ),
    "member count": (
        lambda ls: group_named(ls, "Team A").update(memberCount=99),
        "body.groups[team a].memberCount",
        99,
        5,
    ),
    "user status": (
        lambda ls: user_named(find(ls, "GET", "/0/Team%20B"), "dora.disabled@contract.example").update(status="active"),
        "body.users[dora.disabled@contract.example in contract.example].status",
        "active",
        "disabled",
    ),
    "membership": (
        lambda ls: user_named(find(ls, "GET", "/users/"), "seed0@contract-ent.example").update(groups=["Team B"]),
        "body.users[seed0@contract-ent.example in contract-ent.example].groups",
        ["Team B"],
        ["Pro Default"],
    ),
    "missing key": (lambda ls: body(find(ls, "GET", "/groups/")).pop("lastPage"), "body.lastPage", "<absent>", False),
    "status code": (
        lambda ls: find(ls, "GET", "/organizations/", 404)["response"].update(status=400),
        "status",
        400,
        404,
    ),
    "error code": (
        lambda ls: body(find(ls, "POST", "/action/"))["errors"][0].update(errorCode="error.group.nonexistent"),
        "body.errors[0].errorCode",
        "error.group.nonexistent",
        "error.group.not_found",
    ),
    "retry-after form": (
        lambda ls: headers(find(ls, "GET", "/groups/")).update({"Retry-After": "1.5"}),
        "header Retry-After",
        "unusable ('1.5')",
        "<absent>",
    ),
    "content type": (
        lambda ls: headers(find(ls, "GET", "/groups/")).update({"Content-Type": "text/html"}),
        "header Content-Type",
        "text/html",
        "application/json",
    ),
    "inconsistent id": (
        lambda ls: (
            body(find(ls, "GET", "/organizations/"))
            .__getitem__("user")
            .update(id="FFFFFFFFFFFFFFFFFFFFFFFF@contract.example")
        ),
        "body.user.id",
        "FFFFFFFFFFFFFFFFFFFFFFFF@contract.example",
        None,  # the emulated id, whatever it is
    ),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_each_difference_is_one_named_drift(recorded, tmp_path, name):
    change, field, was, now = MUTATIONS[name]
    lines = lines_of(recorded["cassette"])
    change(lines)
    result, doc = verify(write_lines(tmp_path / "changed.cassette", lines), tmp_path)
    assert result.code == 1, result.out + result.err
    assert [d["field"] for d in doc["drift"]] == [field], doc["drift"]
    (drift,) = doc["drift"]
    assert drift["recorded"] == was
    if now is not None:
        assert drift["emulated"] == now
    assert isinstance(drift["exchange"], int) and drift["request"].split()[0] in ("GET", "POST")


def test_what_legitimately_differs_is_not_drift(recorded, tmp_path):
    lines = lines_of(recorded["cassette"])
    for e in lines[2:]:
        b = (e["response"].get("body") or {}).get("json")
        if isinstance(b, dict) and "message" in b:
            b["message"] = "worded differently upstream"
        if "X-Request-Id" in e["request"]["headers"]:  # another request id, echoed as before
            e["request"]["headers"]["X-Request-Id"] = e["response"]["headers"]["X-Request-Id"] = f"rid-{e['seq']}"
        e["response"]["headers"]["Date"] = "Mon, 01 Jan 2024 00:00:00 GMT"
    # a user id changed everywhere it appears: a generated id, mapped consistently
    first = find(lines, "GET", "/users/")
    old = body(first)["users"][0]["id"]
    text = json.dumps(lines).replace(old, "ABCDEFABCDEFABCDEFABCDEF@contract-ent.example")
    result, doc = verify(write_lines(tmp_path / "reworded.cassette", json.loads(text)), tmp_path)
    assert result.code == 0, result.out
    assert doc["drift"] == []


def test_an_anonymized_cassette_replays_and_names_nobody(jwt_upstream, tmp_path, recorders):
    upstream, key_pem = jwt_upstream
    rec = record(upstream, tmp_path, recorders, "--anonymize", "--salt", "pepper")
    session(upstream, rec, key_pem)
    stop(rec)
    cassette = tmp_path / "s.cassette"
    text = cassette.read_text()
    assert lines_of(cassette)[0]["anonymized"] is True
    for original in (
        "maximilian.mail@",
        "maxlogin",
        "Maximilian",
        "Brightwater",
        "Rowena",
        "Vantablack",
        "rv.new@",
        "dora.disabled",
        "Dorothea",
        "Quixwell",
        "gwendolyn.admin",
        "Harrowgate",
        "ghost@",
    ):
        assert original.lower() not in text.lower(), original
    assert "@contract.example" in text and "Team A" in text  # domains and structure stay
    result, doc = verify(cassette, tmp_path)
    assert result.code == 0, result.out + result.err
    assert doc["drift"] == []


def test_verify_report_names_a_run_id(recorded, tmp_path):
    result, doc = verify(recorded["cassette"], tmp_path)
    assert result.code == 0, result.out + result.err
    run_id = doc["target"]["run_id"]
    assert re.fullmatch(r"[0-9]{12}[0-9a-f]{4}", run_id), run_id  # as the contract kit's run ids
    markdown = (tmp_path / f"{recorded['cassette'].stem}-report.md").read_text()
    assert f"run id: `{run_id}`" in markdown


def test_verify_starts_from_a_given_seed(recorded, tmp_path):
    lines = lines_of(recorded["cassette"])
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(lines[1]["snapshot"]))
    without = write_lines(tmp_path / "bare.cassette", [lines[0]] + lines[2:])
    result, _doc = verify(without, tmp_path)
    assert_one_line_error(result, 2)
    assert "--seed" in result.err
    # the page sizes of the upstream are not in a plain seed: paging differs, and says so
    result, doc = verify(without, tmp_path, "--seed", str(seed))
    assert result.code == 1
    assert {d["field"] for d in doc["drift"]} >= {"header X-Page-Count", "body.lastPage"}


def test_verify_bad_input_is_one_line(tmp_path, recorded):
    cases = {
        "missing": tmp_path / "none.cassette",
        "not json": write_text(tmp_path / "garbage.cassette", "this is not\njson at all\n"),
        "other format": write_text(tmp_path / "other.cassette", json.dumps({"cassette": "something/9"}) + "\n"),
        "empty": write_text(tmp_path / "empty.cassette", ""),
    }
    for name, path in cases.items():
        result = run_cli("verify", str(path), "--report", str(tmp_path / "r.json"))
        assert_one_line_error(result, 2)
        assert str(path.name) in result.err, name
    result = run_cli("verify", str(recorded["cassette"]), "--seed", str(tmp_path / "none.yaml"))
    assert_one_line_error(result, 2)
    result = run_cli("verify", str(recorded["cassette"]), "--report", str(tmp_path / "no" / "dir" / "r.json"))
    assert_one_line_error(result, 2)


def write_text(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_record_bad_input_is_one_line(make_upstream, tmp_path):
    upstream = make_upstream()
    base = ["record", "--cassette", str(tmp_path / "c.cassette"), "--tls-dir", str(tmp_path / "tls")]
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    try:
        port = str(busy.getsockname()[1])
        cases = [
            (["--upstream", "nonsense"], 2),
            (["--upstream", upstream.url, "--upstream-ca", str(tmp_path / "none.pem")], 2),
            (["--upstream", upstream.url, "--credentials", "x.yaml"], 2),
            (["--upstream", upstream.url, "--upstream-ca", upstream.ca_path, "--port", port], 2),
            (["--upstream", upstream.url, "--salt", "s"], 2),
            (["--upstream", upstream.url, "--snapshot", "--credentials", str(tmp_path / "none.yaml")], 2),
        ]
        for argv, code in cases:
            result = run_cli(*base, *argv)
            assert_one_line_error(result, code)
        wrong = tmp_path / "wrong.yaml"
        wrong.write_text(upstream.credentials_file(tmp_path).read_text().replace(upstream.client_secret, "nope"))
        result = run_cli(
            *base,
            "--upstream",
            upstream.url,
            "--upstream-ca",
            upstream.ca_path,
            "--snapshot",
            "--credentials",
            str(wrong),
        )
        assert_one_line_error(result, 1)
    finally:
        busy.close()


def test_recorder_answers_502_when_the_upstream_is_gone(tmp_path, recorders):
    import requests

    rec = start_recorder(
        ["--upstream", "https://127.0.0.1:9", "--cassette", str(tmp_path / "c.cassette")], tmp_path / "tls"
    )
    recorders.append(rec)
    answer = requests.get(rec.url + "/status", verify=rec.ca_path, timeout=30)
    assert answer.status_code == 502 and answer.json()["error_code"] == "502000"
    code, err = rec.stop()
    assert code == 0 and "not recorded" in err
    assert len(lines_of(tmp_path / "c.cassette")) == 1  # the header only


def test_a_plain_http_upstream_serving_ims_itself(tmp_path, recorders):
    """`serve --no-tls` upstream: IMS is forwarded over HTTP too; verify from --seed, no drift."""
    from umapi_mock.seed import DEMO_SEED, dump_orgs

    app = create_app(Config(seed=DEMO_SEED))
    upstream = ServedEmulator(app, "127.0.0.1", 0).start()
    try:
        rec = start_recorder(["--upstream", upstream.url, "--cassette", str(tmp_path / "h.cassette")], tmp_path / "tls")
        recorders.append(rec)
        auth = umapi_client.OAuthS2S("test-client", "test-secret", auth_host=rec.netloc, ssl_verify=rec.ca_path)
        conn = umapi_client.Connection(
            DEMO_SEED["orgs"][0]["id"], auth, endpoint=rec.url + "/v2/usermanagement", ssl_verify=rec.ca_path
        )
        assert umapi_client.UserQuery(conn, "jane@example.com").result()["firstname"] == "Jane"
        assert len(umapi_client.GroupsQuery(conn).all_results()) > 10
        stop(rec)
        seed = tmp_path / "demo.json"
        seed.write_text(json.dumps(dump_orgs(list(emulator_of(app).backend.orgs.values()))))
    finally:
        upstream.stop()
    result, doc = verify(tmp_path / "h.cassette", tmp_path, "--seed", str(seed))
    assert result.code == 0, result.out + result.err
    assert doc["summary"]["pass"] == 3 and doc["drift"] == []
