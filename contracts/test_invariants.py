"""The invariants every client relies on, each checked by a fixed scenario in every target mode
(in process, served, URL with and without writes), so a run judges them whether or not the
state machine's random examples happen to reach them."""

from __future__ import annotations

from typing import Any

import pytest

from .checks import (
    ACTION_REPLY_CONTRACTS,
    check_action_reply,
    check_get_user,
    check_group_members,
    check_groups_listing,
    check_throttled,
    check_users_listing,
    org_groups,
    org_users,
    read_group_users,
    read_groups,
    read_users,
)
from .conftest import needs_domain
from .model import OrgModel
from .registry import check, not_applicable
from .strategies import CREATE_STEP_OF
from .target import Reply, Target
from .throttling import LIVE_BURST, SWITCHED_REQUESTS

READS = {
    "users": "reads.users_agree_with_model",
    "groups": "reads.groups_agree_with_model",
    "members": "reads.group_members_agree_with_model",
    "get_user": "reads.get_user_agrees_with_model",
}
TEST_MODE = "action.test_mode_changes_nothing"
MEMBER_COUNT_GROUPS_ON_URLS = 5  # groups whose members a URL run lists (each a paged read)


class Scenario:
    """Two users and a user group of this run, and the model of what they should be."""

    def __init__(self, target: Target):
        self.target = target
        domain = target.settings.domain or "contract.example"
        prefix = f"{target.run_prefix}inv-"
        self.model = OrgModel(prefix)
        self.users = (f"{prefix}u0@{domain}", f"{prefix}u1@{domain}")
        self.newcomer = f"{prefix}u2@{domain}"  # only ever created in test mode
        self.group = f"{prefix}g0"
        self.create = CREATE_STEP_OF[target.settings.identity_type or "federatedID"]

    def create_entry(self, email: str, n: int) -> dict[str, Any]:
        args = {"email": email, "firstname": f"Inv{n}", "lastname": "Scenario", "country": "US"}
        return {"user": email, "requestID": f"inv-create-{n}", "do": [{self.create: args}]}

    def send(self, entries: list[dict[str, Any]], test_mode: bool) -> Reply:
        model = self.model.copy() if test_mode else self.model
        expects = [model.apply(e, test_mode) for e in entries]
        reply = self.target.action(entries, test_only=test_mode)
        check_action_reply(reply, entries, expects, test_mode)
        return reply

    def check_reads(self, *namings: dict[str, str]) -> None:
        """Every read of the scenario's objects against the model, judged under each naming
        (contract per kind of read) in turn; the listings are read once."""
        t, m = self.target, self.model
        domain = t.settings.domain
        users = read_users(t, domain=domain) if domain else read_users(t)
        groups = read_groups(t)
        for names in namings:
            check_users_listing(m, users, names["users"])
            check_groups_listing(m, groups, names["groups"])
            check_group_members(t, m, self.group, names["members"])
            for email in (*self.users, self.newcomer):
                check_get_user(t, m, email, names["get_user"])

    def cleanup(self) -> None:
        entries: list[dict[str, Any]] = [
            {"user": u, "do": [{"removeFromOrg": {"deleteAccount": True}}]} for u in (*self.users, self.newcomer)
        ]
        entries.append({"usergroup": self.group, "do": [{"deleteUserGroup": {}}]})
        self.target.action(entries)


@pytest.mark.contract(TEST_MODE, *READS.values(), *ACTION_REPLY_CONTRACTS)
def test_test_mode_changes_nothing_and_reads_agree(target: Target) -> None:
    """With writes: create the scenario for real (reads must show it), then change all of it in
    test mode (reads must not move). In a dry run: the same batches in test mode only (reads
    must show none of it). Either way `completed` is 0 in test mode."""
    needs_domain(target)
    sc = Scenario(target)
    real = target.writes_allowed
    try:
        if real:
            sc.send([sc.create_entry(u, i) for i, u in enumerate(sc.users)] + [_create_group(sc.group)], False)
            sc.send([{"user": u, "do": [{"add": {"group": [sc.group]}}]} for u in sc.users], False)
            sc.check_reads(READS)
        before = target.state_digest()
        reply = sc.send(_test_mode_batch(sc, real), True)
        check(
            TEST_MODE,
            target.state_digest() == before,
            "the emulator's state changed during a testOnly request",
            exchange=reply.exchange,
        )
        # first as test mode's promise (a difference now is a test-mode write); in a dry run the
        # same reads then judge the read contracts, the model holding none of this run's objects
        sc.check_reads(dict.fromkeys(READS, TEST_MODE), *(() if real else (READS,)))
    finally:
        if real:
            sc.cleanup()


def _create_group(name: str) -> dict[str, Any]:
    return {"usergroup": name, "requestID": "inv-group", "do": [{"createUserGroup": {"description": "invariants"}}]}


def _test_mode_batch(sc: Scenario, real: bool) -> list[dict[str, Any]]:
    """Entries that would change every kind of thing, all on this run's own objects."""
    u0, u1 = sc.users
    newcomer = sc.create_entry(sc.newcomer, 2)
    if not real:  # nothing exists: creates, and updates of users test mode cannot know are missing
        return [sc.create_entry(u0, 0), sc.create_entry(u1, 1), _create_group(sc.group), newcomer]
    return [
        {"user": u0, "do": [{"update": {"firstname": "Changed"}}, {"remove": {"group": [sc.group]}}]},
        {"user": u1, "do": [{"removeFromOrg": {"deleteAccount": True}}]},
        {"usergroup": sc.group, "do": [{"updateUserGroup": {"description": "changed in test mode"}}]},
        newcomer,
    ]


@pytest.mark.contract("reads.member_count_matches_listing")
def test_member_count_matches_listing(target: Target) -> None:
    groups = [
        g
        for g in org_groups(target).items
        if g.get("type") in ("USER_GROUP", "PRODUCT_PROFILE") and isinstance(g.get("groupName"), str)
    ]
    if not groups:
        pytest.skip("the org has no user groups or product profiles")
    if not target.is_emulator:  # each is a paged read: the smallest non-empty ones, and one empty one
        by_size = sorted(groups, key=lambda g: (g.get("memberCount") or 0, g["groupName"]))
        groups = [g for g in by_size if g.get("memberCount")][:MEMBER_COUNT_GROUPS_ON_URLS]
        groups += [g for g in by_size if not g.get("memberCount")][:1]
    for group in groups:
        listing = read_group_users(target, group["groupName"])
        listed = len(listing.items)
        check(
            "reads.member_count_matches_listing",
            listing.pages[0].status == 200 and group.get("memberCount") == listed,
            f"{group['type']} {group['groupName']!r}: memberCount {group.get('memberCount')!r} but its "
            f"member listing holds {listed} user(s) over {len(listing.pages)} page(s)",
            expected=listed,
            actual=group.get("memberCount"),
            exchange=listing.pages[-1].exchange,
        )


THROTTLE_CONTRACTS = ("throttle.retry_after_integer", "throttle.answer_shape")


@pytest.mark.contract(*THROTTLE_CONTRACTS)
def test_throttled_answers_carry_retry_after(target: Target) -> None:
    """Make the target throttle on purpose where it may (`contracts.throttling`), then judge
    every 429 it answered."""
    switch = target.throttle_switch()
    if switch is not None:
        with switch.installed():
            replies = _burst(target, SWITCHED_REQUESTS)
        throttled = [r for r in replies if r.status == 429]
        check(
            "throttle.retry_after_integer",
            bool(throttled),
            f"set to allow one group read per client in 5 s, the target answered {len(replies)} reads "
            f"without a 429 ({sorted({r.status for r in replies})})",
            exchange=replies[-1].exchange,
        )
    elif target.writes_allowed:
        replies = _burst(target, LIVE_BURST)
        throttled = [r for r in replies if r.status == 429]
        if not throttled:
            pytest.skip(f"no 429 within {LIVE_BURST} unpaced group reads (documented limit: 5 a minute)")
    else:
        not_applicable(
            "a dry run never provokes throttling on a live org (429s it meets are still checked)", *THROTTLE_CONTRACTS
        )
    for reply in throttled:
        check_throttled(reply)


def _burst(target: Target, most: int) -> list[Reply]:
    """Unpaced reads of groups page 0, one at a time, until the first 429 (at most `most`)."""
    replies: list[Reply] = []
    for _ in range(most):
        reply = target.request("GET", _groups_path(target), retry=False, paced=False)
        replies.append(reply)
        if reply.status == 429:
            break
    return replies


def _groups_path(target: Target) -> str:
    from urllib.parse import quote

    return f"/groups/{quote(target.org_id, safe='@')}/0"


@pytest.mark.contract("gate.request_id_echo")
def test_request_id_echoed_on_every_kind_of_answer(target: Target) -> None:
    """A listing (200), an unknown user (404) and an action (test mode) echo X-Request-Id."""
    ghost = f"{target.run_prefix}rid@{target.settings.domain or 'example.com'}"
    probes = {
        "listing": lambda h: target.request("GET", f"/users/{_org(target)}/0", headers={**target.auth_headers(), **h}),
        "not found": lambda h: target.request(
            "GET", f"/organizations/{_org(target)}/users/{ghost}", headers={**target.auth_headers(), **h}
        ),
        "action": lambda h: target.request(
            "POST",
            f"/action/{_org(target)}",
            params={"testOnly": "true"},
            json_body=[{"user": ghost, "do": [{"update": {"firstname": "Rid"}}]}],
            headers={**target.auth_headers(), **h},
        ),
    }
    for kind, send in probes.items():
        rid = f"{target.run_prefix}rid-{kind.replace(' ', '-')}"
        reply = send({"X-Request-Id": rid})
        check(
            "gate.request_id_echo",
            reply.headers.get("X-Request-Id") == rid,
            f"X-Request-Id must be echoed on the {kind} answer (HTTP {reply.status})",
            expected=rid,
            actual=reply.headers.get("X-Request-Id"),
            exchange=reply.exchange,
        )


def _org(target: Target) -> str:
    from urllib.parse import quote

    return quote(target.org_id, safe="@")


DIRECT_ONLY_PROFILES_ON_URLS = 3  # profiles whose two member listings a URL run compares


@pytest.mark.contract("reads.direct_only_false")
def test_direct_only_false_agrees_across_reads(target: Target) -> None:
    """Read-only, so it runs everywhere: what directOnly=false adds to users' groups are product
    profiles, and those users are exactly who the profile's directOnly=false listing adds."""
    domain = target.settings.domain if target.kind == "remote" else None
    scope = {"domain": domain} if domain else {}
    direct = {_email(u): set(u.get("groups", [])) for u in org_users(target).items}
    indirect = {_email(u): set(u.get("groups", [])) for u in read_users(target, directOnly="false", **scope).items}
    profiles = {g["groupName"] for g in org_groups(target).items if g.get("type") == "PRODUCT_PROFILE"}
    added = {e: indirect.get(e, set()) - groups for e, groups in direct.items()}
    wrong = {
        e: sorted(groups - indirect.get(e, set())) or sorted(added[e] - profiles)
        for e, groups in direct.items()
        if not groups <= indirect.get(e, set()) or not added[e] <= profiles
    }
    check(
        "reads.direct_only_false",
        not wrong and set(indirect) == set(direct),
        "directOnly=false must list every user's direct groups plus only product profiles",
        actual=dict(list(wrong.items())[:5]),
    )
    reached = sorted({p for extra in added.values() for p in extra})
    if not reached:
        pytest.skip("no user reaches a product profile through a user group")
    for profile in reached if target.is_emulator else reached[:DIRECT_ONLY_PROFILES_ON_URLS]:
        only_direct = {_email(u) for u in read_group_users(target, profile).items}
        with_groups = read_group_users(target, profile, directOnly="false")
        want = only_direct | {e for e, extra in added.items() if profile in extra}
        got = {_email(u) for u in with_groups.items}
        check(
            "reads.direct_only_false",
            got == want if not domain else got >= want,  # --umapi-domain: the profile has other members
            f"members of {profile!r} with directOnly=false must add the users who reach it through a user group",
            expected=sorted(want - got)[:10],
            actual=sorted(got)[:10],
            exchange=with_groups.pages[-1].exchange,
        )


def _email(user: dict[str, Any]) -> str:
    return str(user.get("email", "")).lower()
