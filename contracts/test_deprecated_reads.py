"""Read contracts of the deprecated product APIs (QueryProducts.md, getAllProfilesForOrg.md,
getProductProfile.md, getProductProfileUsers.md): shapes, agreement with `/groups`, and the
PLC_NOT_FOUND answer. Reads only, so they are safe against a live org."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from .checks import read_groups
from .registry import check
from .target import Reply, Target

PRODUCT_FIELDS = {"id": str, "code": str, "name": str, "userCount": int, "configurationCount": int, "licenseQuota": int}
PROFILE_FIELDS = {"id": str, "adminCount": int, "userCount": int, "licenseGroupId": int, "orgId": str, "productId": str}


def _typed(obj: Any, fields: dict[str, type]) -> bool:
    return isinstance(obj, dict) and all(
        isinstance(obj.get(k), t) and not isinstance(obj.get(k), bool) for k, t in fields.items()
    )


def _org(target: Target) -> str:
    return quote(target.org_id, safe="@")


def _products(target: Target) -> Reply:
    cached = getattr(target, "_contract_products", None)
    if cached is None:
        cached = target.get(f"/{_org(target)}/products")
        target._contract_products = cached  # type: ignore[attr-defined]
    return cached  # type: ignore[no-any-return]


def _first_product(target: Target) -> dict[str, Any]:
    body = _products(target).json_or_none()
    products = (
        [p for p in body if isinstance(p, dict) and p.get("configurationCount")] if isinstance(body, list) else []
    )
    if not products:
        pytest.skip("the org has no product with a profile")
    return products[0]


@pytest.mark.contract("deprecated.products_shape")
def test_products_shape(target: Target) -> None:
    reply = _products(target)
    body = reply.json_or_none()
    check(
        "deprecated.products_shape",
        reply.status == 200 and isinstance(body, list) and all(_typed(p, PRODUCT_FIELDS) for p in body),
        "GET /{orgId}/products must answer a JSON array of products with string ids and integer counts",
        expected={k: t.__name__ for k, t in PRODUCT_FIELDS.items()},
        actual={"status": reply.status, "body": body if not isinstance(body, list) else body[:3]},
        exchange=reply.exchange,
    )


@pytest.mark.contract("deprecated.profiles_shape", "deprecated.profiles_match_groups")
def test_profiles_of_a_product(target: Target) -> None:
    product = _first_product(target)
    reply = target.get(f"/{_org(target)}/products/{quote(product['id'], safe='')}/configurations")
    body = reply.json_or_none()
    configs = body.get("licenseConfigurations") if isinstance(body, dict) else None
    check(
        "deprecated.profiles_shape",
        reply.status == 200
        and isinstance(configs, list)
        and len(configs) == product["configurationCount"]
        and all(_typed(c, PROFILE_FIELDS) and c["productId"] == product["id"] for c in configs),
        "a product's configurations must list its profiles with integer counts and ids",
        actual={"status": reply.status, "body": body},
        exchange=reply.exchange,
    )
    assert isinstance(configs, list)
    profile_ids = {g.get("groupId") for g in read_groups(target).items if g.get("type") == "PRODUCT_PROFILE"}
    check(
        "deprecated.profiles_match_groups",
        all(c["licenseGroupId"] in profile_ids for c in configs),
        "every profile's licenseGroupId must be the groupId of a PRODUCT_PROFILE on /groups",
        expected=sorted(str(i) for i in profile_ids)[:20],
        actual=[c.get("licenseGroupId") for c in configs],
        exchange=reply.exchange,
    )
    one = target.get(
        f"/{_org(target)}/products/{quote(product['id'], safe='')}/configurations/{quote(configs[0]['id'], safe='')}"
    )
    users = target.get(
        f"/{_org(target)}/products/{quote(product['id'], safe='')}/configurations/{quote(configs[0]['id'], safe='')}/users"
    )
    check(
        "deprecated.profiles_shape",
        one.status == 200
        and one.json_or_none() == configs[0]
        and users.status == 200
        and isinstance(users.json_or_none(), list),
        "one configuration must answer as its product lists it, its users as a JSON array",
        actual={"profile": one.json_or_none(), "users_status": users.status},
        exchange=one.exchange,
    )


@pytest.mark.contract("deprecated.profile_not_found")
def test_profile_not_found(target: Target) -> None:
    product = _first_product(target)
    reply = target.get(f"/{_org(target)}/products/{quote(product['id'], safe='')}/configurations/RGRP-0")
    body = reply.json_or_none()
    check(
        "deprecated.profile_not_found",
        reply.status == 404 and isinstance(body, dict) and body.get("errorCode") == "PLC_NOT_FOUND",
        "an unknown profile must be a 404 PLC_NOT_FOUND",
        expected={"status": 404, "errorCode": "PLC_NOT_FOUND"},
        actual={"status": reply.status, "body": body},
        exchange=reply.exchange,
    )
