"""The endpoint table (`umapi_mock/http/routes.py`) is what the app serves, what the throttle
limits by, what `Canonical-Resource` names, what the contract kit paces by, what the OpenAPI
document describes and what README's "What is served" lists."""

from __future__ import annotations

import re
from pathlib import Path

from umapi_mock.config import Config
from umapi_mock.contracts.pacing import PACE_PER_MINUTE
from umapi_mock.domain.limits import DOCUMENTED_RATES, FAMILIES
from umapi_mock.http.app import create_app
from umapi_mock.http.openapi import openapi_document, openapi_path
from umapi_mock.http.routes import ENDPOINTS, endpoint_at, family_of

README = Path(__file__).resolve().parents[2] / "README.md"


def served_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## What is served\n")
    return text[start : text.index("\n## ", start + 1)]


def test_the_app_serves_exactly_the_rules_of_the_table() -> None:
    app = create_app(Config())
    served = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    table = {(rule, method) for e in ENDPOINTS for rule in e.rules for method in e.methods}
    assert served == table


def test_every_family_is_named_by_an_endpoint_and_paced_by_the_kit() -> None:
    named = {e.family for e in ENDPOINTS if e.family is not None}
    assert named == set(FAMILIES)
    assert set(DOCUMENTED_RATES) <= named
    assert named <= set(PACE_PER_MINUTE)
    for e in ENDPOINTS:
        assert (e.family is not None) == (e.surface == "umapi"), e.rule  # every UMAPI route, nothing else
        if e.rate is not None:  # the kit stays under the documented per-client limit
            assert PACE_PER_MINUTE[e.family] < e.rate.per_client  # type: ignore[index]


def test_a_real_path_finds_its_endpoint() -> None:
    org = "0123ABC@AdobeOrg"
    assert family_of(f"/v2/usermanagement/users/{org}/0/Team/With%20Slash", "GET") == "users_in_group"
    assert family_of(f"/v2/usermanagement/users/{org}/0/", "GET") == "users"
    assert family_of(f"/v2/usermanagement/{org}/products/RPC-1/configurations/RGRP-2", "POST") == (
        "deprecated_profile_update"
    )
    assert family_of(f"/v2/usermanagement/{org}/products/RPC-1/configurations/RGRP-2", "GET") == "deprecated_profiles"
    assert family_of(f"/v2/usermanagement/action/{org}", "OPTIONS") is None
    assert family_of(f"/v2/usermanagement/action/{org}", "DELETE") is None  # no such route: 405
    assert family_of("/nowhere", "GET") is None and family_of("/status", "GET") is None
    found = endpoint_at(f"/v2/usermanagement/users/{org}/3/Team", "GET")
    assert found is not None and found.canonical == "/v2/usermanagement/users/{orgId}/{page}/{groupName}"


def test_operations_come_from_the_table() -> None:
    doc = openapi_document()
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    table = {(openapi_path(e), m.lower()) for e in ENDPOINTS if e.op is not None for m in e.methods}
    assert documented == table
    ids = [e.op.id for e in ENDPOINTS if e.op is not None]
    assert len(ids) == len(set(ids))
    for e in ENDPOINTS:
        if e.op is not None:
            op = doc["paths"][openapi_path(e)][e.methods[0].lower()]
            assert op["operationId"] == e.op.id and op.get("deprecated", False) == e.deprecated


def test_readme_lists_every_ims_and_umapi_endpoint() -> None:
    section = served_section()
    missing = [
        f"{method} {openapi_path(e)}"
        for e in ENDPOINTS
        if e.surface in ("ims", "status", "umapi")
        for method in e.methods
        if not re.search(rf"{method} {re.escape(openapi_path(e))}(?![\w/{{-])", section)
    ]
    assert missing == [], "add these to README's 'What is served' table"
