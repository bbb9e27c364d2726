"""The org state machine: random action batches (valid and invalid, real and test mode), and
after every one, reads must agree with the model.

Each example works under its own prefix (`contract-<run id>-<n>-`), so examples never see
each other's objects, on an emulator or on a live org. Emulators are reset after each
example; live objects are removed by the example (when writes are allowed) and by the
end-of-run sweep.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from .checks import (
    ACTION_REPLY_CONTRACTS,
    check_action_reply,
    check_get_user,
    check_group_members,
    check_groups_listing,
    check_paging,
    check_users_listing,
    group_key,
    read_group_users,
    read_groups,
    read_users,
    user_key,
)
from .conftest import needs_domain, stateful_steps
from .model import OrgModel, predicted_failure
from .registry import check
from .strategies import Pools, action_batches, invalid_entries
from .target import Target

_examples = itertools.count()
ADOBE_DOMAIN = "adobe-contract.example"


def discover_profiles(target: Target) -> dict[str, str]:
    """Product profiles of the org (read once per run)."""
    cached = getattr(target, "_contract_profiles", None)
    if cached is None:
        items = read_groups(target).items
        cached = {
            g["groupName"].lower(): g["groupName"]
            for g in items
            if g.get("type") == "PRODUCT_PROFILE" and isinstance(g.get("groupName"), str)
        }
        target._contract_profiles = cached  # type: ignore[attr-defined]
    return cached


class OrgMachine(RuleBasedStateMachine):
    target: Target

    def __init__(self) -> None:
        super().__init__()
        t = self.target
        self.prefix = f"{t.run_prefix}{next(_examples)}-"
        domain = t.settings.domain or "contract.example"
        self.domain = domain
        # Product profiles: on a live org with real writes, assigning them would use licences.
        profiles = discover_profiles(t) if (t.is_emulator or not t.writes_allowed) else {}
        self.model = OrgModel(self.prefix, dict(list(profiles.items())[:4]))
        self.users = tuple(f"{self.prefix}u{i}@{domain}" for i in range(4))
        self.adobe_users = (f"{self.prefix}a0@{ADOBE_DOMAIN}",) if t.is_emulator else ()
        self.groups = tuple(f"{self.prefix}g{i}" for i in range(3))
        self.ghost_groups = (f"{self.prefix}nosuchgroup",)
        self.ghost_user = f"{self.prefix}ghost@{domain}"
        self.created_any = False
        self.checked = False
        self.full = t.is_emulator  # full listings each step on emulators; targeted reads on URLs
        self.touched_users: set[str] = set()
        self.touched_groups: set[str] = set()

    def pools(self, test_mode: bool) -> Pools:
        return Pools(
            identity_type=self.target.settings.identity_type or "federatedID",
            users=self.users,
            adobe_users=self.adobe_users,
            groups=self.groups,
            profiles=tuple(self.model.profiles.values()),
            ghost_groups=self.ghost_groups,
            existing_users=frozenset(self.model.users),
            existing_groups=frozenset(self.model.groups),
            test_mode=test_mode,
            ghost_user=self.ghost_user,
        )

    # ------------------------------------------------------------ rules

    def _send(self, data: Any, test_mode: bool, with_valid: bool = True) -> None:
        pools = self.pools(test_mode)
        entries: list[Any] = data.draw(action_batches(pools, max_entries=4)) if with_valid else []
        invalid = data.draw(st.lists(invalid_entries(pools), min_size=0 if with_valid else 1, max_size=2))
        for inv in invalid:
            entries.insert(data.draw(st.integers(0, len(entries))), inv)
        expects: list[Any] = []
        scratch = self.model.copy() if test_mode else self.model
        for e in entries:
            if hasattr(e, "entry"):
                expects.append(list(e.expects))
            else:
                expects.append(scratch.apply(e, test_mode))
                self._touch(e)
        wire = [e.entry if hasattr(e, "entry") else e for e in entries]
        before = self.target.state_digest() if test_mode else None
        reply = self.target.action(wire, test_only=test_mode)
        check_action_reply(reply, wire, expects, test_mode)
        if test_mode:
            after = self.target.state_digest()
            check(
                "action.test_mode_changes_nothing",
                before == after,
                "the emulator's state changed during a testOnly request",
                exchange=reply.exchange,
            )
            self.check_reads("action.test_mode_changes_nothing")
        else:
            self.created_any = True
            self.checked = False

    def _touch(self, entry: dict[str, Any]) -> None:
        if "user" in entry:
            self.touched_users.add(entry["user"])
            for step in entry["do"]:
                args = next(iter(step.values()))
                if isinstance(args, dict) and isinstance(args.get("group"), list):
                    self.touched_groups.update(g for g in args["group"] if g.lower().startswith(self.prefix))
        else:
            self.touched_groups.add(entry["usergroup"])
            for step in entry["do"]:
                args = next(iter(step.values()))
                if isinstance(args, dict) and isinstance(args.get("user"), list):
                    self.touched_users.update(args["user"])

    @initialize()
    def start(self) -> None:
        self.checked = False

    @precondition(lambda self: self.target.writes_allowed)
    @rule(data=st.data())
    def act(self, data: Any) -> None:
        """A real batch: the model predicts the report and the new state."""
        self._send(data, test_mode=False)

    @rule(data=st.data())
    def act_in_test_mode(self, data: Any) -> None:
        """The same kind of batch with ?testOnly=true: same validation, nothing changes."""
        self._send(data, test_mode=True)

    @rule(data=st.data())
    def act_invalid(self, data: Any) -> None:
        """Only deliberately invalid entries: each must fail with its documented code."""
        self._send(data, test_mode=not self.target.writes_allowed, with_valid=False)

    # ------------------------------------------------------------ reads

    @invariant()
    def reads_agree_with_model(self) -> None:
        if not self.checked:
            self.check_reads(None)

    def check_reads(self, override: str | None) -> None:
        t, m = self.target, self.model

        def name(default: str) -> str:
            return override or default

        if self.full:
            users = read_users(t)
            check_paging(users, user_key, headers_documented=True, total_may_exceed=True)
            check_users_listing(m, users, name("reads.users_agree_with_model"))
            groups = read_groups(t)
            check_paging(groups, group_key, headers_documented=False, total_may_exceed=False)
            check_groups_listing(m, groups, name("reads.groups_agree_with_model"))
            group_names = set(self.groups)
            user_names = self.users + self.adobe_users
        else:
            group_names = set(self.touched_groups)
            user_names = tuple(sorted(self.touched_users))
        for g in sorted(group_names):
            listing = check_group_members(t, m, g, name("reads.group_members_agree_with_model"))
            grp = m.groups.get(g.lower())
            if listing is not None and grp is not None and grp.profiles and m.members(g):
                indirect = read_group_users(t, g, directOnly="false")
                wrong = {
                    u["email"]: sorted(u.get("groups", []))
                    for u in indirect.items
                    if not set(grp.profiles) <= {x.lower() for x in u.get("groups", [])}
                }
                check(
                    name("reads.direct_only_false"),
                    not wrong,
                    f"with directOnly=false members of {g} must list its profiles {sorted(grp.profiles)}",
                    actual=wrong,
                    exchange=indirect.pages[-1].exchange,
                )
        for u in user_names:
            check_get_user(t, m, u, name("reads.get_user_agrees_with_model"), adobe=u in self.adobe_users)
        self.checked = True

    def teardown(self) -> None:
        t = self.target
        if t.is_emulator:
            t.reset()
        elif t.writes_allowed and self.created_any:
            entries: list[dict[str, Any]] = [
                {"user": u, "do": [{"removeFromOrg": {"deleteAccount": True}}]} for u in self.model.users
            ]
            entries += [{"usergroup": g.name, "do": [{"deleteUserGroup": {}}]} for g in self.model.groups.values()]
            for i in range(0, len(entries), 10):
                t.action(entries[i : i + 10])


@pytest.mark.contract(
    "reads.users_agree_with_model",
    "reads.groups_agree_with_model",
    "reads.group_members_agree_with_model",
    "reads.get_user_agrees_with_model",
    "reads.direct_only_false",
    "action.test_mode_changes_nothing",
    "paging.last_page_flag",
    "paging.headers_match_body",
    "paging.union_no_duplicates",
    "paging.page_size_constant",
    *ACTION_REPLY_CONTRACTS,
)
def test_org_state_machine(contract_target: Target, pytestconfig: pytest.Config) -> None:
    needs_domain(contract_target)
    machine = type("BoundOrgMachine", (OrgMachine,), {"target": contract_target})
    run_state_machine_as_test(machine, settings=settings(stateful_step_count=stateful_steps(pytestconfig)))


def test_model_predicts_failures_only_from_required_errors() -> None:
    """Guard on the model helper the state machine relies on."""
    from .model import Expect

    assert predicted_failure([]) is False
    assert predicted_failure([Expect(0, frozenset({"x"}), required=False)]) is None
    assert predicted_failure([Expect(0, frozenset({"x"}))]) is True
