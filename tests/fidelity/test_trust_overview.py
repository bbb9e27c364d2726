"""The admin overview shows trusted domains (issue 24): per org, the domains it owns with
their trustee org ids, and the domains it holds as a trustee with their owner; the answer
validates against the OpenAPI document's `Overview` schema."""

from __future__ import annotations

from typing import Any

from tests.fidelity.test_trust import OWNER, TRUSTEE, trust_seed
from tests.layers.test_layers_openapi import check
from umapi_mock.config import Config
from umapi_mock.http.app import create_app
from umapi_mock.http.openapi import openapi_document


def _overview(seed: dict[str, Any]) -> Any:
    client = create_app(Config(seed=seed)).test_client()
    r = client.get("/_mock/overview")
    check(openapi_document(), "/_mock/overview", "GET", r)
    return r


def test_overview_lists_owned_and_held_trust() -> None:
    r = _overview(trust_seed())
    orgs = {o["id"]: o for o in r.get_json()["orgs"]}
    assert orgs[OWNER]["domains"] == [{"name": "example.com", "type": "federated", "trustees": [TRUSTEE]}]
    assert orgs[OWNER]["trusted_domains"] == []
    assert orgs[TRUSTEE]["domains"] == [{"name": "branch.example", "type": "federated", "trustees": []}]
    assert orgs[TRUSTEE]["trusted_domains"] == [{"name": "example.com", "type": "federated", "owner": OWNER}]


def test_overview_without_trust_shows_none() -> None:
    seed = trust_seed()
    del seed["orgs"][0]["domains"][0]["trustees"]
    seed["orgs"][1]["users"] = [u for u in seed["orgs"][1]["users"] if not u["email"].endswith("@example.com")]
    orgs = {o["id"]: o for o in _overview(seed).get_json()["orgs"]}
    assert orgs[OWNER]["domains"][0]["trustees"] == []
    assert orgs[TRUSTEE]["trusted_domains"] == []
