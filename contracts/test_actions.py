"""Action contracts by example: whole-body validation, the error table, the limits."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from .checks import ACTION_REPLY_CONTRACTS, check_action_reply, read_users
from .conftest import needs_domain
from .registry import RECORDER, ContractViolation, check, passed
from .strategies import INVALID_KINDS, MALFORMED_BODIES, Invalid, Pools, build_invalid
from .target import Reply, Target
from .transport import is_own, subject_of

MAX_ENTRIES = 10  # entries per action request (spec §3.6)
# Limits contracts that rest on one invalid kind each.
LIMITS = {
    "list_too_long": "limits.names_per_list",
    "too_many_steps": "limits.steps_per_entry",
    "email_too_long": "limits.email_length",
    "country_too_long": "limits.country_length",
}


def _pools(target: Target) -> Pools:
    cached = getattr(target, "_contract_pools", None)
    if cached is None:
        domain = target.settings.domain or "contract.example"
        itype = target.settings.identity_type or "federatedID"
        existing: list[str] = []
        if target.kind != "remote" or target.settings.domain:
            items = read_users(target, domain=domain).pages[0].json_or_none() or {}
            existing = [
                u["email"]
                for u in items.get("users", [])
                if u.get("type") == itype and u.get("email") == u.get("username")
            ][:3]
        cached = Pools(
            identity_type=itype,
            users=tuple(existing),
            existing_users=frozenset(e.lower() for e in existing),
            ghost_user=f"{target.run_prefix}ghost@{domain}",
            test_mode=not target.writes_allowed,
        )
        target._contract_pools = cached  # type: ignore[attr-defined]
    return cached


@pytest.mark.contract("action.malformed_body")
@pytest.mark.parametrize("kind", sorted(MALFORMED_BODIES))
def test_malformed_body(target: Target, kind: str) -> None:
    reply = target.action(MALFORMED_BODIES[kind], raw=True)
    body = reply.json_or_none()
    check(
        "action.malformed_body",
        reply.status == 400
        and isinstance(body, dict)
        and body.get("result") == "error.command.malformed"
        and isinstance(body.get("message"), str),
        f"body {kind!r} must be refused with 400 result error.command.malformed and a message",
        expected={"status": 400, "result": "error.command.malformed"},
        actual={"status": reply.status, "body": body},
        exchange=reply.exchange,
    )


@pytest.mark.contract("action.too_many_entries")
def test_too_many_entries(target: Target) -> None:
    pools = _pools(target)
    entries = [{"user": pools.ghost_user, "do": [{"update": {"firstname": f"G{i}"}}]} for i in range(11)]
    before = target.state_digest()
    reply = target.action(entries)
    body = reply.json_or_none()
    check(
        "action.too_many_entries",
        reply.status == 400
        and isinstance(body, dict)
        and body.get("result") == "error.command.malformed"
        and target.state_digest() == before,
        "11 entries must be refused as a whole with 400 error.command.malformed",
        expected={"status": 400, "result": "error.command.malformed"},
        actual={"status": reply.status, "body": body},
        exchange=reply.exchange,
    )


@pytest.mark.contract(*ACTION_REPLY_CONTRACTS)
@pytest.mark.parametrize(
    "kind",
    [
        pytest.param(k, marks=pytest.mark.contract(*filter(None, (INVALID_KINDS[k].contract, LIMITS.get(k)))))
        for k in sorted(INVALID_KINDS)
    ],
)
def test_error_table(target: Target, kind: str) -> None:
    """Each invalid kind's entry, judged in the batch it was sent in (`_error_table`)."""
    needs_domain(target)
    table = _error_table(target)
    if kind not in table:
        pytest.skip(f"{kind} needs an existing user in the domain")
    sent = table[kind]
    invalid = sent.invalids[sent.index]
    limit = LIMITS.get(kind)
    try:
        check_action_reply(
            sent.reply,
            [i.entry for i in sent.invalids],
            [list(i.expects) for i in sent.invalids],
            sent.test_mode,
            sent.index,
        )
        check(
            invalid.contract,
            sent.unchanged,
            "invalid entries must change nothing",
            exchange=sent.reply.exchange,
        )
    except ContractViolation as exc:
        if limit:
            RECORDER.record(limit, False, str(exc), exc.expected, exc.actual, sent.reply.exchange)
        raise
    if limit:
        passed(limit, sent.reply.exchange)


@dataclass
class Sent:
    """One batch of invalid entries as sent, and which of them one kind's entry is."""

    reply: Reply
    invalids: list[Invalid]
    index: int
    test_mode: bool
    unchanged: bool  # the emulator's state digest did not move (always True on a URL)


def _error_table(target: Target) -> dict[str, Sent]:
    """Every invalid kind's entry, sent once per run in batches of up to 10 (a live org allows 10
    actions a minute): in test mode when writes are not allowed, and for any entry on an object
    the suite did not create."""
    cached: dict[str, Sent] | None = getattr(target, "_contract_error_table", None)
    if cached is not None:
        return cached
    pools = _pools(target)
    by_mode: dict[bool, list[tuple[str, Invalid]]] = {}
    for kind in sorted(INVALID_KINDS):
        if INVALID_KINDS[kind].needs == "existing_user" and not pools.existing_users:
            continue
        invalid = build_invalid(kind, pools)
        subject = subject_of(invalid.entry)
        test_mode = not target.writes_allowed or (subject is not None and not is_own(subject))
        by_mode.setdefault(test_mode, []).append((kind, invalid))
    cached = {}
    for test_mode, items in sorted(by_mode.items()):
        for start in range(0, len(items), MAX_ENTRIES):
            chunk = items[start : start + MAX_ENTRIES]
            invalids = [inv for _, inv in chunk]
            before = target.state_digest()
            reply = target.action([inv.entry for inv in invalids], test_only=test_mode)
            unchanged = target.state_digest() == before
            for index, (kind, _) in enumerate(chunk):
                cached[kind] = Sent(reply, invalids, index, test_mode, unchanged)
    target._contract_error_table = cached  # type: ignore[attr-defined]
    return cached


@pytest.mark.contract("reads.direct_only_false", "action.counts_match_model")
def test_direct_only_false(target: Target) -> None:
    """A user in a group linked to a profile: directOnly=false lists the profile, true does not."""
    if not target.is_emulator:
        pytest.skip("assigns a product profile (a licence): emulator targets only")
    from .checks import read_group_users, read_groups

    profiles = [g["groupName"] for g in read_groups(target).items if g.get("type") == "PRODUCT_PROFILE"]
    if not profiles:
        pytest.skip("the org has no product profile")
    domain = target.settings.domain or "contract.example"
    group, user = f"{target.run_prefix}dof-g", f"{target.run_prefix}dof-u@{domain}"
    create = {
        "createFederatedID" if target.settings.identity_type != "enterpriseID" else "createEnterpriseID": {
            "email": user,
            "firstname": "Direct",
            "lastname": "Only",
            "country": "US",
        }
    }
    try:
        reply = target.action(
            [
                {"usergroup": group, "do": [{"createUserGroup": {}}, {"add": {"productConfiguration": [profiles[0]]}}]},
                {"user": user, "do": [create]},
            ]
        )
        check(
            "action.counts_match_model",
            reply.status == 200 and (reply.json_or_none() or {}).get("completed") == 2,
            "setting up a group with a profile and a user must succeed",
            actual=reply.json_or_none(),
            exchange=reply.exchange,
        )
        target.action([{"user": user, "do": [{"add": {"group": [group]}}]}])
        direct = read_group_users(target, group).items
        indirect = read_group_users(target, group, directOnly="false").items
        low = profiles[0].lower()
        ok = [u["email"] for u in direct] == [user] and low not in {g.lower() for g in direct[0].get("groups", [])}
        ok = ok and len(indirect) == 1 and low in {g.lower() for g in indirect[0].get("groups", [])}
        check(
            "reads.direct_only_false",
            ok,
            f"{user} is in {group}, which carries {profiles[0]}",
            expected={"directOnly=true": [group], "directOnly=false": [group, profiles[0]]},
            actual={"true": direct, "false": indirect},
        )
    finally:
        target.action(
            [
                {"user": user, "do": [{"removeFromOrg": {"deleteAccount": True}}]},
                {"usergroup": group, "do": [{"deleteUserGroup": {}}]},
            ]
        )
