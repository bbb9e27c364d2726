"""The OpenAPI document at /_mock/openapi.json is kept true: it is valid OpenAPI 3.1, it
covers every route the app serves, and real responses of every route validate against it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from tests.keys import make_key_and_cert
from umapi_mock.http.openapi import openapi_document

from .conftest import ACTION_BODY, ORG, S2S_SCOPE, Emu, small_seed

UM = "/v2/usermanagement"
T_GET_USER = f"{UM}/organizations/{{orgId}}/users/{{userString}}"
T_USERS = f"{UM}/users/{{orgId}}/{{page}}"
T_GROUP_USERS = f"{UM}/users/{{orgId}}/{{page}}/{{groupName}}"
T_GROUPS = f"{UM}/groups/{{orgId}}/{{page}}"
T_DEP_USERS = f"{UM}/{{orgId}}/users"
T_DEP_GROUPS = f"{UM}/{{orgId}}/user-groups"
T_DEP_GROUP = f"{UM}/{{orgId}}/user-groups/{{groupId}}"
T_ACTION = f"{UM}/action/{{orgId}}"


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return openapi_document()


def _resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = doc
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def check(doc: dict[str, Any], template: str, method: str, r: Any) -> None:
    """The response's status is documented for this operation and its body and required
    headers match the documented schemas."""
    op = doc["paths"][template][method.lower()]
    spec = op["responses"].get(str(r.status_code))
    assert spec is not None, f"{method} {template}: status {r.status_code} is not documented ({r.data[:200]!r})"
    spec = _resolve(doc, spec)
    assert r.headers["Content-Type"] == "application/json", (template, r.status_code)
    schema = spec["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**schema, "components": doc["components"]})
    errors = sorted(validator.iter_errors(json.loads(r.data)), key=lambda e: list(e.path))
    assert not errors, f"{method} {template} {r.status_code}: " + "; ".join(
        f"{list(e.path)}: {e.message}" for e in errors[:5]
    )
    for name, header in spec.get("headers", {}).items():
        header = _resolve(doc, header)
        if header.get("required"):
            assert name in r.headers, f"{template} {r.status_code}: header {name} missing"
        if name in r.headers:
            Draft202012Validator(header["schema"]).validate(r.headers[name])
    assert r.headers.get("X-Request-Id")


def test_document_is_valid_openapi_31(doc: dict[str, Any]) -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    assert doc["openapi"].startswith("3.1")
    validator.validate(doc)


def test_document_is_served(emu: Emu, doc: dict[str, Any]) -> None:
    r = emu.client.get("/_mock/openapi.json")
    assert r.status_code == 200 and r.json == doc


def _normalise(path: str) -> str:
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path).rstrip("/") or "/"


def test_every_served_route_is_documented(emu: Emu, doc: dict[str, Any]) -> None:
    documented = {(_normalise(p), m.upper()) for p, ops in doc["paths"].items() for m in ops}
    for rule in emu.app.url_map.iter_rules():
        if rule.rule.startswith(("/_mock", "/static")):
            continue
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            assert (_normalise(rule.rule), method) in documented, f"{method} {rule.rule} is not in the OpenAPI document"


def test_reads_validate(emu: Emu, doc: dict[str, Any]) -> None:
    g = lambda path, **kw: emu.umapi("GET", path, **kw)  # noqa: E731
    cases: list[tuple[str, Any]] = [
        (T_GET_USER, g(f"/organizations/{ORG}/users/jane@example.com")),
        (T_GET_USER, g(f"/organizations/{ORG}/users/pat@gmail.example?domain=AdobeID")),
        (T_GET_USER, g(f"/organizations/{ORG}/users/nobody@example.com")),
        (T_USERS, g(f"/users/{ORG}/0")),
        (T_USERS, g(f"/users/{ORG}/7?directOnly=False")),
        (T_USERS, g(f"/users/{ORG}/0?domain=example.net")),
        (T_USERS, g(f"/users/{ORG}/0?domain=nowhere.example")),
        (T_USERS, g(f"/users/{ORG}/zero")),
        (T_USERS, g(f"/users/{ORG}/0?directOnly=maybe")),
        (T_GROUP_USERS, g(f"/users/{ORG}/0/Employees")),
        (T_GROUP_USERS, g(f"/users/{ORG}/0/Default%20Photoshop%20configuration?directOnly=false&excludeGroups=true")),
        (T_GROUP_USERS, g(f"/users/{ORG}/0/_org_admin")),
        (T_GROUP_USERS, g(f"/users/{ORG}/0/No%20such%20group")),
        (T_GROUPS, g(f"/groups/{ORG}/0")),
        (T_GROUPS, g(f"/groups/{ORG}/99")),
        (T_DEP_USERS, g(f"/{ORG}/users")),
        (T_DEP_USERS, g(f"/{ORG}/users?page=6&directOnly=false")),
        (T_DEP_USERS, g(f"/{ORG}/users?page=x")),
        (T_DEP_GROUPS, g(f"/{ORG}/user-groups?page=1")),
        (T_DEP_GROUPS, g(f"/{ORG}/user-groups")),
        (T_DEP_GROUP, g(f"/{ORG}/user-groups/{_first_user_group_id(emu)}")),
        (T_DEP_GROUP, g(f"/{ORG}/user-groups/123456789")),
    ]
    for template, r in cases:
        check(doc, template, "GET", r)
    assert {r.status_code for _, r in cases} >= {200, 400, 404}


def _first_user_group_id(emu: Emu) -> int:
    groups = emu.umapi("GET", f"/groups/{ORG}/0").json["groups"]
    return next(gr["groupId"] for gr in groups if gr["type"] == "USER_GROUP")


def test_gate_failures_validate(emu: Emu, doc: dict[str, Any]) -> None:
    token = emu.token()
    path = f"{UM}/groups/{ORG}/0"
    cases = [
        emu.client.get(path),  # 403000
        emu.client.get(path, headers={"X-Api-Key": "nobody"}),  # 403003
        emu.client.get(path, headers={"X-Api-Key": "test-client"}),  # 403010
        emu.client.get(path, headers={"X-Api-Key": "test-client", "Authorization": "Bearer nope"}),  # 401
        emu.client.get(f"{UM}/groups/not-an-org/0", headers=emu.headers()),  # 400
        emu.client.get(f"{UM}/groups/ABC@AdobeOrg/0", headers=emu.headers()),  # 401 org mismatch
        emu.client.get(path, headers={"X-Api-Key": "other-client", "Authorization": f"Bearer {token}"}),  # 403003
    ]
    assert [r.status_code for r in cases] == [403, 403, 403, 401, 400, 401, 403]
    for r in cases:
        check(doc, T_GROUPS, "GET", r)


def test_throttle_and_fault_answers_validate(make_emu: Callable[..., Emu], doc: dict[str, Any]) -> None:
    emu = make_emu(throttle="documented")
    for _ in range(5):
        emu.groups()
    check(doc, T_GROUPS, "GET", emu.groups())
    emu.client.post(
        "/_mock/faults",
        json=[
            {"match": {"path": f"{UM}/users/*"}, "respond": {"status": status, "retry_after": 1}, "times": 1}
            for status in (429, 500, 502, 503, 504)
        ]
        + [
            {"match": {"path": "/ims/*"}, "respond": {"status": 503}, "times": 1},
            {"match": {"path": "/status"}, "respond": {"status": 502}, "times": 1},
        ],
    )
    for _ in range(5):
        check(doc, T_USERS, "GET", emu.umapi("GET", f"/users/{ORG}/0"))
    check(doc, "/ims/token/v2", "POST", emu.client.post("/ims/token/v2"))
    check(doc, "/status", "GET", emu.client.get("/status"))


def test_ims_and_status_validate(emu: Emu, doc: dict[str, Any]) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": "test-client",
        "client_secret": "test-secret",
        "scope": S2S_SCOPE,
    }
    check(doc, "/status", "GET", emu.client.get("/status"))
    for version in ("v2", "v3"):
        t = f"/ims/token/{version}"
        check(doc, t, "POST", emu.client.post(t, data=form))
        check(doc, t, "POST", emu.client.post(t + "/", data=form))
        check(doc, t, "POST", emu.client.post(t, data={**form, "client_secret": "wrong"}))
        check(doc, t, "POST", emu.client.post(t, data={**form, "grant_type": "password"}))
        check(doc, t, "POST", emu.client.post(t, data={**form, "scope": "openid,nonsense"}))
        check(doc, t, "POST", emu.client.post(t, data={}))
    jwt_form = {"client_id": "test-client", "client_secret": "test-secret", "jwt_token": "not.a.jwt"}
    check(doc, "/ims/exchange/jwt", "POST", emu.client.post("/ims/exchange/jwt", data=jwt_form))
    check(doc, "/ims/exchange/jwt", "POST", emu.client.post("/ims/exchange/jwt", data={"client_id": "x"}))


def test_jwt_exchange_success_validates(make_emu: Callable[..., Emu], doc: dict[str, Any]) -> None:
    key, cert = make_key_and_cert()
    seed = small_seed()
    cred = seed["orgs"][0]["credentials"][0]
    cred["certificates"] = [cert]
    emu = make_emu(seed=seed)
    claims = {
        "exp": int(emu.clock.now()) + 300,
        "iss": ORG,
        "sub": cred["tech_account"],
        "aud": "https://ims-na1.adobelogin.com/c/test-client",
        "https://ims-na1.adobelogin.com/s/ent_user_sdk": True,
    }
    assertion = jwt.encode(claims, key, algorithm="RS256")
    r = emu.client.post(
        "/ims/exchange/jwt", data={"client_id": "test-client", "client_secret": "test-secret", "jwt_token": assertion}
    )
    assert r.status_code == 200 and r.json["expires_in"] > 86_000_000
    check(doc, "/ims/exchange/jwt", "POST", r)


def test_action_responses_validate(emu: Emu, doc: dict[str, Any]) -> None:
    """The action route (spec §3.7): 200 for processed batches, 400 for malformed ones."""
    ok = emu.action(body=ACTION_BODY)
    assert ok.status_code == 200, ok.data
    check(doc, T_ACTION, "POST", ok)
    partial = emu.action(
        body=ACTION_BODY
        + [{"user": "nobody@example.com", "requestID": "r1", "do": [{"add": {"group": ["Contractors"]}}]}]
    )
    assert partial.status_code == 200 and "errors" in partial.json
    check(doc, T_ACTION, "POST", partial)
    test_mode = emu.action(body=ACTION_BODY, query="?testOnly=true")
    assert test_mode.status_code == 200
    check(doc, T_ACTION, "POST", test_mode)
    malformed = emu.umapi("POST", f"/action/{ORG}", data=b"{not json", content_type="application/json")
    assert malformed.status_code == 400
    check(doc, T_ACTION, "POST", malformed)
    check(doc, T_ACTION, "POST", emu.client.post(f"{UM}/action/{ORG}", json=ACTION_BODY))  # 403 gateway


T_DEP_GROUP_USERS = f"{UM}/{{orgId}}/user-groups/{{groupId}}/users"
T_PRODUCTS = f"{UM}/{{orgId}}/products"
T_CONFIGS = f"{UM}/{{orgId}}/products/{{productId}}/configurations"
T_CONFIG = f"{UM}/{{orgId}}/products/{{productId}}/configurations/{{profileId}}"
T_CONFIG_USERS = f"{UM}/{{orgId}}/products/{{productId}}/configurations/{{profileId}}/users"


def test_deprecated_product_endpoints_validate(emu: Emu, doc: dict[str, Any]) -> None:
    g = lambda path, **kw: emu.umapi("GET", path, **kw)  # noqa: E731
    products = g(f"/{ORG}/products").json
    product = next(p for p in products if p["configurationCount"])
    configs = g(f"/{ORG}/products/{product['id']}/configurations").json["licenseConfigurations"]
    profile = f"/{ORG}/products/{product['id']}/configurations/{configs[0]['id']}"
    cases: list[tuple[str, str, Any]] = [
        (T_PRODUCTS, "GET", g(f"/{ORG}/products?page=0")),
        (T_PRODUCTS, "GET", g(f"/{ORG}/products?page=x")),
        (T_CONFIGS, "GET", g(f"/{ORG}/products/{product['id']}/configurations")),
        (T_CONFIGS, "GET", g(f"/{ORG}/products/RPC-NONE/configurations")),
        (T_CONFIG, "GET", g(profile)),
        (T_CONFIG, "GET", g(f"/{ORG}/products/{product['id']}/configurations/RGRP-1")),
        (T_CONFIG_USERS, "GET", g(profile + "/users")),
        (T_CONFIG, "POST", emu.umapi("POST", profile, json={"addUsers": ["jane@example.com"]})),
        (T_CONFIG, "POST", emu.umapi("POST", profile, json={"addUsers": "jane@example.com"})),
        (T_CONFIG, "POST", emu.umapi("POST", profile, json={"addUsers": ["nobody@example.com"]})),
        (T_DEP_GROUP_USERS, "GET", g(f"/{ORG}/user-groups/{_first_user_group_id(emu)}/users")),
        (T_DEP_GROUP_USERS, "GET", g(f"/{ORG}/user-groups/1/users")),
    ]
    for template, method, r in cases:
        check(doc, template, method, r)
    assert {r.status_code for _, _, r in cases} >= {200, 400, 404}
