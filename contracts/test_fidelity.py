"""Issue 24's contracts: a listed user agrees with every other read of it (live-safe: reads
only), and 2025's contract admin groups (shape, and a test-mode add that must be refused)."""

from __future__ import annotations

from typing import Any

import pytest

from . import fidelity_contracts  # noqa: F401  (registers the names used below)
from .checks import org_groups, org_users, read_group_users, user_key
from .registry import check, not_applicable
from .target import Target

USERS_COMPARED = 10  # listed users compared per run (each costs a Get User and member reads)
MEMBER_GROUPS = ("USER_GROUP", "PRODUCT_PROFILE")


def _same(listed: dict[str, Any], other: dict[str, Any]) -> tuple[bool, dict[str, Any]]:
    """Every field of the listed user, with `groups` compared as a set (order is not documented)."""
    diff = {}
    for key in set(listed) | set(other):
        a, b = listed.get(key), other.get(key)
        if key == "groups":
            a, b = sorted(a or []), sorted(b or [])
        if a != b:
            diff[key] = {"listed": a, "other": b}
    return not diff, diff


@pytest.mark.contract("reads.listed_user_agrees")
def test_listed_user_agrees_with_get_user_and_member_listings(target: Target) -> None:
    users = [u for u in org_users(target).items if u.get("status", "active") == "active"][:USERS_COMPARED]
    if not users:
        not_applicable("the org lists no active user", "reads.listed_user_agrees")
    kinds = {g.get("groupName"): g.get("type") for g in org_groups(target).items}
    members: dict[str, dict[Any, dict[str, Any]]] = {}
    for listed in users:
        domain = listed.get("domain") if listed.get("type") != "adobeID" else None
        reply = target.get_user(listed.get("username") or listed["email"], domain)
        body = reply.json_or_none()
        got = body.get("user") if isinstance(body, dict) else None
        ok, diff = _same(listed, got) if isinstance(got, dict) else (False, {"status": reply.status})
        check(
            "reads.listed_user_agrees",
            reply.status == 200 and ok,
            f"Get User of {listed['email']} must answer the listed user's fields",
            expected=listed,
            actual=diff,
            exchange=reply.exchange,
        )
        for group in listed.get("groups") or []:
            if kinds.get(group) not in MEMBER_GROUPS:
                continue
            if group not in members:
                members[group] = {user_key(u): u for u in read_group_users(target, group).items}
            entry = members[group].get(user_key(listed))
            ok, diff = _same(listed, entry) if entry is not None else (False, {"missing": group})
            check(
                "reads.listed_user_agrees",
                ok,
                f"{listed['email']} in the member listing of {group!r} must carry the listed fields",
                expected=listed,
                actual=diff,
            )


def _contract_groups(target: Target) -> list[dict[str, Any]]:
    return [g for g in org_groups(target).items if g.get("type") == "CONTRACT_ADMIN_GROUP"]


@pytest.mark.contract("groups.contract_admin_group_shape")
def test_contract_admin_group_shape(target: Target) -> None:
    groups = _contract_groups(target)
    if not groups:
        not_applicable("the org lists no contract admin group", "groups.contract_admin_group_shape")
    for g in groups:
        check(
            "groups.contract_admin_group_shape",
            isinstance(g.get("contractName"), str) and g.get("adminGroupName") == f"_admin_{g.get('groupName')}",
            f"contract admin group {g.get('groupName')!r} must carry contractName and its adminGroupName",
            expected={"contractName": "<string>", "adminGroupName": f"_admin_{g.get('groupName')}"},
            actual={k: g.get(k) for k in ("contractName", "adminGroupName")},
        )


@pytest.mark.contract("action.contract_admin_group_not_assignable")
def test_contract_admin_group_is_not_assignable(target: Target) -> None:
    groups = _contract_groups(target)
    users = [u for u in org_users(target).items if u.get("status", "active") == "active"]
    if not groups or not users:
        not_applicable("no contract admin group or no user to try", "action.contract_admin_group_not_assignable")
    name, user = groups[0]["groupName"], users[0]
    reply = target.action([{"user": user["email"], "do": [{"add": {"group": [name]}}]}], test_only=True)
    body = reply.json_or_none()
    codes = [e.get("errorCode") for e in body.get("errors", [])] if isinstance(body, dict) else []
    check(
        "action.contract_admin_group_not_assignable",
        reply.status == 200 and codes == ["error.group.not_found"],
        f"adding {user['email']} to {name!r} (test mode) must answer error.group.not_found",
        expected=["error.group.not_found"],
        actual={"status": reply.status, "codes": codes},
        exchange=reply.exchange,
    )
