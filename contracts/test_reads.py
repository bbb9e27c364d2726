"""Read contracts: shapes, not-found answers, and the paging invariants over whole lists."""

from __future__ import annotations

import pytest

from .checks import (
    check_group_shape,
    check_paging,
    check_user_shape,
    group_key,
    org_groups,
    org_users,
    read_group_users,
    user_key,
)
from .registry import check
from .target import Listing, Target


def _past_end(target: Target, listing: Listing, fetch, items_key: str) -> None:  # type: ignore[no-untyped-def]
    last = listing.pages[-1]
    beyond = len(listing.pages) + 2
    reply = fetch(beyond)
    body, last_body = reply.json_or_none(), last.json_or_none()
    ok = (
        reply.status == 200
        and isinstance(body, dict)
        and body.get("lastPage") is True
        and isinstance(last_body, dict)
        and body.get(items_key) == last_body.get(items_key)
    )
    check(
        "paging.past_end_returns_last",
        ok,
        f"page {beyond} (past the end) must answer the last page with lastPage true",
        expected={
            "lastPage": True,
            "items": len(last_body.get(items_key, [])) if isinstance(last_body, dict) else None,
        },
        actual={"status": reply.status, "lastPage": body.get("lastPage") if isinstance(body, dict) else None},
        exchange=reply.exchange,
    )


@pytest.mark.contract(
    "paging.last_page_flag",
    "paging.headers_match_body",
    "paging.union_no_duplicates",
    "paging.page_size_constant",
    "paging.past_end_returns_last",
)
def test_users_paging(target: Target) -> None:
    listing = org_users(target)
    check_paging(listing, user_key, headers_documented=True, total_may_exceed=True)
    domain = target.settings.domain if target.kind == "remote" else None
    _past_end(target, listing, lambda p: target.users_page(p, **({"domain": domain} if domain else {})), "users")


@pytest.mark.contract("paging.last_page_flag", "paging.union_no_duplicates", "paging.past_end_returns_last")
def test_groups_paging(target: Target) -> None:
    listing = org_groups(target)
    check_paging(listing, group_key, headers_documented=False, total_may_exceed=False)
    _past_end(target, listing, target.groups_page, "groups")


@pytest.mark.contract("paging.last_page_flag", "paging.union_no_duplicates")
def test_group_members_paging(target: Target) -> None:
    groups = [g for g in org_groups(target).items if g.get("type") in ("USER_GROUP", "PRODUCT_PROFILE")]
    if not groups:
        pytest.skip("the org has no user groups or profiles")
    biggest = max(groups, key=lambda g: g.get("memberCount", 0))
    listing = read_group_users(target, biggest["groupName"])
    check_paging(listing, user_key, headers_documented=True, total_may_exceed=True)


@pytest.mark.contract("reads.user_shape", "reads.group_shape")
def test_shapes(target: Target) -> None:
    users = org_users(target)
    for page in users.pages:
        for user in (page.json_or_none() or {}).get("users", []):
            check_user_shape(user, page.exchange)
    groups = org_groups(target)
    for page in groups.pages:
        for group in (page.json_or_none() or {}).get("groups", []):
            check_group_shape(group, page.exchange)


@pytest.mark.contract("reads.get_user_not_found")
def test_get_user_not_found(target: Target) -> None:
    ghost = f"{target.run_prefix}nobody@{target.settings.domain or 'example.com'}"
    reply = target.get_user(ghost)
    body = reply.json_or_none()
    check(
        "reads.get_user_not_found",
        reply.status == 404 and isinstance(body, dict) and body.get("result") == "error.user.not_found",
        "an unknown user must be a 404 error.user.not_found",
        expected={"status": 404, "result": "error.user.not_found"},
        actual={"status": reply.status, "body": body},
        exchange=reply.exchange,
    )


@pytest.mark.contract("reads.get_user_case_insensitive")
def test_get_user_case_insensitive(target: Target) -> None:
    candidates = [
        u
        for u in org_users(target).items
        if u.get("type") in ("enterpriseID", "federatedID")
        and isinstance(u.get("email"), str)
        and u.get("email") == u.get("username")
    ]
    if not candidates:
        pytest.skip("no org-owned email-login user to look up")
    user = candidates[0]
    reply = target.get_user(user["email"].upper())
    body = reply.json_or_none()
    found = body.get("user", {}) if isinstance(body, dict) else {}
    check(
        "reads.get_user_case_insensitive",
        reply.status == 200 and str(found.get("email", "")).lower() == user["email"].lower(),
        f"Get User {user['email'].upper()} must find {user['email']}",
        actual={"status": reply.status, "body": body},
        exchange=reply.exchange,
    )


@pytest.mark.contract("reads.group_not_found")
def test_group_not_found(target: Target) -> None:
    reply = target.users_page(0, group=f"{target.run_prefix}no-such-group")
    body = reply.json_or_none()
    check(
        "reads.group_not_found",
        reply.status == 404 and isinstance(body, dict) and body.get("result") == "error.group.not_found",
        "an unknown group must be a 404 error.group.not_found",
        expected={"status": 404, "result": "error.group.not_found"},
        actual={"status": reply.status, "body": body},
        exchange=reply.exchange,
    )


@pytest.mark.contract("reads.bad_page")
def test_bad_page(target: Target) -> None:
    from urllib.parse import quote

    reply = target.get(f"/users/{quote(target.org_id, safe='@')}/first")
    check(
        "reads.bad_page",
        400 <= reply.status < 500,
        "a non-integer page must be a 4xx (400), not a 5xx",
        expected=400,
        actual=reply.status,
        exchange=reply.exchange,
    )
