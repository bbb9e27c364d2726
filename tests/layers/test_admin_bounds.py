"""Admin input bounded, admin output JSON, admin errors in the documented shape, and only a
Host that names the server answered (issue 23 items 4 and 5), through the real console script."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests

from tests.processes import ServeProcess
from umapi_mock.domain.scopes import S2S_SCOPE
from umapi_mock.http.openapi import openapi_document
from umapi_mock.seed import DEMO_ORG_ID

from .conftest import Emu

YEAR = 366 * 86400


def strict_json(text: str) -> Any:
    """JSON as RFC 8259 has it: NaN and Infinity are not JSON."""

    def refuse(name: str) -> None:
        raise AssertionError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def admin_error(r: requests.Response) -> dict[str, Any]:
    """The body, checked against the OpenAPI document's AdminError."""
    doc = openapi_document()
    schema = {**doc["components"]["schemas"]["AdminError"], "components": doc["components"]}
    body = strict_json(r.text)
    jsonschema.validate(body, schema)
    return body  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    seed = tmp_path_factory.mktemp("seed") / "seed.yaml"
    seed.write_text(
        f"orgs:\n  - id: {DEMO_ORG_ID}\n    credentials:\n      - {{client_id: c1, client_secret: s3cret-value}}\n"
    )
    proc = ServeProcess("--seed", str(seed), "--allowed-host", "proxy.example", cwd=Path(seed.parent))
    yield proc
    proc.kill()


def call(server: ServeProcess, method: str, path: str, **kwargs: Any) -> requests.Response:
    return requests.request(method, server.url + path, timeout=30, **kwargs)


def token(server: ServeProcess) -> requests.Response:
    form = {"grant_type": "client_credentials", "client_id": "c1", "client_secret": "s3cret-value", "scope": S2S_SCOPE}
    return call(server, "POST", "/ims/token/v2", data=form)


@pytest.mark.parametrize(
    "body",
    [
        '{"advance": 1e309}',
        '{"advance": NaN}',
        '{"advance": Infinity}',
        '{"advance": -Infinity}',
        '{"advance": 1e308}',
        '{"advance": ' + "9" * 400 + "}",
        '{"advance": -1}',
        '{"advance": "60"}',
        '{"advance": true}',
        '{"advance": 60, "more": 1}',
    ],
)
@pytest.mark.slow  # starts a `umapi-mock serve` process (the `server` fixture)
def test_clock_refuses_what_is_not_a_bounded_number(server: ServeProcess, body: str) -> None:
    for _ in range(2):  # twice: a refused advance leaves nothing behind to add to
        r = call(server, "POST", "/_mock/clock", data=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 400, r.text
        assert admin_error(r)["error"] == "bad_request"
    assert token(server).status_code == 200
    for path in ("/_mock/clock", "/_mock/overview", "/_mock/journal"):
        r = call(server, "GET", path)
        assert r.status_code == 200 and strict_json(r.text), path
    assert abs(strict_json(call(server, "GET", "/_mock/clock").text)["offset"]) < 3600


@pytest.mark.slow  # starts a `umapi-mock serve` process (the `server` fixture)
def test_clock_stays_within_years_and_reset_brings_it_back(server: ServeProcess) -> None:
    r = call(server, "POST", "/_mock/clock", json={"advance": 9 * YEAR})
    assert r.status_code == 200 and r.json()["offset"] > 8 * YEAR
    assert token(server).status_code == 200  # a token from nine years ahead
    r = call(server, "POST", "/_mock/clock", json={"advance": 2 * YEAR})  # past ten years ahead
    assert r.status_code == 400 and "ten years" in admin_error(r)["message"]
    assert call(server, "POST", "/_mock/reset").status_code == 200
    assert abs(call(server, "GET", "/_mock/clock").json()["offset"]) < 60  # the README: back to the start
    assert token(server).status_code == 200


def test_emulator_reset_restores_the_clock() -> None:
    from umapi_mock.config import Config
    from umapi_mock.emulator import Emulator
    from umapi_mock.http.app import create_app

    emulator = Emulator.open(Config())
    client = create_app(emulator).test_client()
    assert client.post("/_mock/clock", json={"advance": 86400}).status_code == 200
    assert emulator.backend.clock.offset >= 86400
    emulator.reset()
    assert abs(emulator.backend.clock.offset) < 1


def test_non_finite_numbers_in_other_admin_bodies(emu: Emu) -> None:
    for path, method, body in (
        ("/_mock/throttle", "PUT", '{"window": NaN}'),
        ("/_mock/throttle", "PUT", "window: .inf\n"),
        ("/_mock/faults", "POST", '{"respond": {"status": 503, "delay": Infinity}}'),
        ("/_mock/faults", "POST", '{"respond": {"status": 503}, "probability": NaN}'),
        ("/_mock/faults", "POST", '{"respond": {"status": 503, "retry_after": 1e30}}'),
    ):
        r = emu.client.open(path, method=method, data=body, content_type="application/yaml")
        assert r.status_code == 400, (path, body, r.data)
        assert set(r.json) >= {"error", "message"}
    r = emu.client.get("/_mock/journal?since_time=nan")
    assert r.status_code == 400 and r.json["error"] == "bad_request"


@pytest.mark.slow  # starts a `umapi-mock serve` process (the `server` fixture)
def test_admin_errors_follow_the_document(server: ServeProcess) -> None:
    for path in (
        "/_mock/journal/-1",
        "/_mock/journal/99999999999999999999999",
        f"/_mock/orgs/{DEMO_ORG_ID}/groups/abc/members",
        f"/_mock/orgs/{DEMO_ORG_ID}/groups/-5/members",
        "/_mock/no-such-thing",
    ):
        r = call(server, "GET", path)
        assert r.status_code == 404, path
        admin_error(r)
    r = call(server, "DELETE", "/_mock/clock")
    assert r.status_code == 405 and admin_error(r)["error"] == "method_not_allowed"
    assert {m.strip() for m in r.headers["Allow"].split(",")} >= {"GET", "POST"}
    r = call(server, "PUT", "/status")  # UMAPI's 405 keeps its shape and gains Allow
    assert r.status_code == 405 and "GET" in r.headers["Allow"]


# -------------------------------------------------------------------- Host


@pytest.mark.parametrize("path", ["/_mock/state", "/_mock/clock", "/_mock/ui/", "/_mock/overview"])
@pytest.mark.slow  # starts a `umapi-mock serve` process (the `server` fixture)
def test_a_foreign_host_is_refused(server: ServeProcess, path: str) -> None:
    """DNS rebinding: evil.example now resolves to 127.0.0.1; the page's Host and Origin agree."""
    evil = f"evil.example:{server.port}"
    headers = {"Host": evil, "Origin": f"http://{evil}"}
    r = call(server, "GET", path, headers=headers)
    assert r.status_code == 421 and admin_error(r)["error"] == "misdirected_request"
    assert "s3cret-value" not in r.text


@pytest.mark.slow  # starts a `umapi-mock serve` process (the `server` fixture)
def test_a_rebound_page_cannot_change_or_download_anything(server: ServeProcess) -> None:
    evil = f"evil.example:{server.port}"
    headers = {"Host": evil, "Origin": f"http://{evil}"}
    before = call(server, "GET", "/_mock/clock").json()["offset"]
    assert call(server, "POST", "/_mock/clock", json={"advance": 3600}, headers=headers).status_code == 421
    assert call(server, "GET", "/_mock/clock").json()["offset"] < before + 60
    r = call(server, "POST", "/_mock/ui/state-download", data={"token": ""}, headers=headers)
    assert r.status_code == 421 and "s3cret-value" not in r.text
    # a cross-site form POST to the real host: no same-origin proof, no download
    r = call(server, "POST", "/_mock/ui/state-download", headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and "s3cret-value" not in r.text
    r = call(server, "POST", "/_mock/ui/state-download")
    assert r.status_code == 403 and "s3cret-value" not in r.text
    r = call(server, "POST", "/_mock/ui/state-download", headers={"Origin": server.url})
    assert r.status_code == 200 and "s3cret-value" in r.text


@pytest.mark.slow  # starts a `umapi-mock serve` process (the `server` fixture)
def test_the_server_own_names_are_answered(server: ServeProcess) -> None:
    for host in ("127.0.0.1", "localhost", "LOCALHOST.", "[::1]", "127.0.0.2", "proxy.example"):
        r = call(server, "GET", "/_mock/clock", headers={"Host": f"{host}:{server.port}"})
        assert r.status_code == 200, host
    assert call(server, "GET", "/_mock/clock", headers={"Host": "proxy.example"}).status_code == 200
    # UMAPI and IMS are not the admin API: a client may reach them by any name
    assert call(server, "GET", "/status", headers={"Host": "usermanagement.adobe.io"}).status_code == 200


# -------------------------------------------------------------- fault kinds


def test_fault_kinds_are_served_and_documented(emu: Emu) -> None:
    r = emu.client.get("/_mock/faults/kinds")
    assert r.status_code == 200
    kinds = {k["name"]: k for k in r.json["kinds"]}
    assert set(kinds) >= {"status", "delay", "drop", "malformed"}
    for kind in kinds.values():
        assert kind["summary"] and kind["schema"]["type"] == "object"
    doc = openapi_document()
    post = doc["paths"]["/_mock/faults"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    rule = post["anyOf"][0]
    assert [k["schema"] for k in kinds.values()] == rule["properties"]["respond"]["oneOf"]
    # every kind's form, filled in as the console fills it, is a rule the parser takes
    for kind in kinds.values():
        respond = {f["key"]: f["value"] for f in kind["form"] if "value" in f}
        r = emu.client.post("/_mock/faults", json={"match": {"path": "/nowhere"}, "respond": respond})
        assert r.status_code == 201, (kind["name"], r.json)
        jsonschema.validate(respond, kind["schema"])
    assert emu.client.post("/_mock/faults", json={"id": "kinds", "respond": {"status": 503}}).status_code == 400


def test_a_saved_offset_out_of_bounds_is_read_as_zero() -> None:
    """A data dir written before the bound existed must not bring an overflowing clock back."""
    from umapi_mock.domain.clock import MAX_OFFSET, Clock

    for saved in (1e308, float("inf"), float("nan"), -1e300, MAX_OFFSET * 2):
        clock = Clock()
        clock.set_offset(saved)
        assert clock.offset == 0.0, saved
    clock = Clock()
    clock.set_offset(3600.0)
    assert clock.offset == 3600.0
