"""A big org's clone writes over the user store it shares with its source (and over its
membership sets, lookup indexes and big groups' member lists: `indexes.Layered`) instead of
copying it on its first write. It must behave exactly as a copy would: the same users in the same order (listings
follow it), the same length, deletes and re-adds, undo, clones of clones, and neither the
clone nor its source seeing the other's writes.

Orgs from `LAYER_AT` entries on are layered; these tests set the threshold per org (0:
always layered, huge: always copied), so small orgs take both paths and are compared
write by write. The served pages and the derived views are checked over layered orgs by
running their property tests with the threshold at 0.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest.mock import patch

from hypothesis import example, given
from hypothesis import strategies as st

from umapi_mock.config import Config
from umapi_mock.domain import indexes
from umapi_mock.domain.models import FEDERATED_ID, USER_GROUP, Org, User, user_record
from umapi_mock.emulator import Emulator
from umapi_mock.seed import DEMO_SEED, dump_orgs
from umapi_mock.world import build_backend

ALWAYS, NEVER = 0, 10**12


@contextmanager
def layer_at(threshold: int) -> Iterator[None]:
    with patch.object(indexes, "LAYER_AT", threshold):
        yield


def seed(users: int = 12) -> dict[str, Any]:
    doc = copy.deepcopy(DEMO_SEED)
    doc["orgs"][0]["generate"] = {"users": users, "groups": 3, "seed": 11}
    return doc


PRISTINE = build_backend(seed()).pristine[0]


def state(org: Org) -> dict[str, Any]:
    """Everything the user store and the indexes over it answer, in the store's order."""
    users = org.users
    return {
        "items": list(users.items()),
        "len": len(users),
        "reversed": list(reversed(users)),
        "values": list(users.values()),
        "in_uid_order": org.users_in_uid_order,
        "active": list(org.active_user_ids()),
        "memberships": {uid: org.memberships.get(uid) for uid in users},
        "by_email": {u.uid: [x.uid for x in org.users_with_email(u.email)] for u in users.values()},
        "by_login": {u.uid: org.user_by_login(u.username, u.domain) for u in users.values()},
        "members": {gid: list(org.members.get(gid, {})) for gid in org.groups},  # in join order
        "member_counts": {gid: len(org.members.get(gid, {})) for gid in org.groups},
    }


def dump(org: Org) -> str:
    return json.dumps(dump_orgs([org]), sort_keys=True)


# ------------------------------------------------------- one write on both orgs

OPS = ("create", "rename", "deactivate", "rekey", "delete", "readd", "join", "leave", "rollback")


@dataclass
class Pair:
    """The same org twice: one whose containers are copied, one whose are written over."""

    copied: Org
    layered: Org
    deleted: list[User] = field(default_factory=list)  # records to re-add with their uids

    def apply(self, op: str, n: Any) -> None:
        deleted = self.deleted
        for org, threshold in ((self.copied, NEVER), (self.layered, ALWAYS)):
            self.deleted = list(deleted)
            with layer_at(threshold), org.transaction() as txn:
                for inner, k in n if op == "rollback" else [(op, n)]:
                    write(org, inner, k, self.deleted)
                if op == "rollback":
                    txn.rollback()
        if op == "rollback":
            self.deleted = deleted

    def clone(self) -> Pair:
        return Pair(self.copied.clone(), self.layered.clone(), list(self.deleted))

    def check(self) -> None:
        assert state(self.layered) == state(self.copied)
        assert dump(self.layered) == dump(self.copied)


def write(org: Org, op: str, n: int, deleted: list[User]) -> None:
    """One write of kind `op` on a target `n` picks (when even, among the newest users);
    `deleted` collects deleted records for "readd" to put back with their uids."""
    users = list(org.users.values())
    user = (users[n // 2 % len(users)] if n % 2 else users[-1 - n // 2 % 4]) if users else None
    groups = [g for g in org.groups.values() if g.type == USER_GROUP and not g.read_only]
    group = groups[n % len(groups)]
    if op == "create":
        uid = org.new_uid()
        email = f"new{uid}@example.com"
        org.put_user(user_record(uid, FEDERATED_ID, email, email, "example.com", "New", "User", "US", "active"))
    elif user is None:
        return
    elif op == "rename":
        org.update_user(user, firstname=f"Renamed{n}")
    elif op == "deactivate":
        org.update_user(user, status="disabled" if user.status == "active" else "active")
    elif op == "rekey":
        email = f"moved{user.uid}.{n}@example.com"
        org.update_user(user, email=email, username=email, domain="example.com")
    elif op == "delete":
        org.delete_user(user.uid)
        deleted.append(user)
    elif op == "readd" and deleted:
        org.put_user(deleted.pop(n % len(deleted)))  # the same uid again: last in the store, as in a dict
    elif op == "join":
        org.add_member(group.gid, user.uid)
    elif op == "leave":
        member = next(iter(org.members.get(group.gid, {})), None)
        if member is not None:
            org.remove_member(group.gid, member)


WRITE = st.tuples(st.sampled_from(OPS[:-1]), st.integers(0, 50))
UNDONE = st.lists(
    st.tuples(
        st.sampled_from(("create", "create", "delete", "delete", "readd", "rekey", "join", "leave")), st.integers(0, 50)
    ),
    min_size=1,
    max_size=4,
)


# undone deletes that put a user back among the newest: in uid order, and out of it
@example([("create", 0), ("create", 0), ("create", 0), ("rollback", [("delete", 2)])])
@example([("delete", 1), ("readd", 0), ("create", 0), ("create", 0), ("rollback", [("delete", 2)])])
@example([("delete", 1), ("readd", 0), ("rollback", [("delete", 3), ("delete", 2)])])
@example([("delete", 0), ("delete", 0), ("readd", 1), ("readd", 0), ("create", 0), ("rollback", [("delete", 2)])])
@given(
    st.lists(st.one_of(WRITE, st.tuples(st.just("rollback"), UNDONE), st.just(("clone", 0))), min_size=1, max_size=25)
)
def test_a_layered_user_store_behaves_as_a_copy_write_by_write(ops: list[tuple[str, Any]]) -> None:
    """Each op: (kind, n), n picking the target; for "rollback", the writes to undo."""
    pristine = dump(PRISTINE)
    pair = Pair(PRISTINE.clone(), PRISTINE.clone())
    earlier: list[tuple[Pair, str]] = []
    undone = False
    for op, n in ops:
        if op == "clone":
            earlier.append((pair, dump(pair.copied)))
            pair = pair.clone()
        else:
            pair.apply(op, n)
            if op in ("create", "rename", "deactivate", "rekey", "delete") and not undone:
                assert isinstance(pair.layered.users, indexes.Layered)  # the premise: written over
            undone = undone or op == "rollback"  # (an undone delete may leave a plain dict)
        pair.check()
    for older, seen in earlier:  # a clone's writes never show in the org it was cloned from
        older.check()
        assert dump(older.layered) == seen
    assert dump(PRISTINE) == pristine


def test_the_first_user_write_on_a_big_clone_writes_over_the_store_and_neither_side_sees_the_other() -> None:
    source = build_backend(seed()).pristine[0]
    clone = source.clone()
    first = next(iter(clone.users.values()))
    with layer_at(ALWAYS):
        clone.update_user(first, firstname="Clone")
        assert isinstance(clone.users, indexes.Layered)  # the premise: written over, not copied
        assert clone.users.base is source.users
        source.update_user(source.users[first.uid], firstname="Source")  # the source writes over it too
    assert clone.users[first.uid].firstname == "Clone"
    assert source.users[first.uid].firstname == "Source"
    assert [u.uid for u in clone.users.values()] == [u.uid for u in source.users.values()]
    with layer_at(ALWAYS), clone.transaction() as txn:
        clone.delete_user(first.uid)
        assert first.uid not in clone.users and len(clone.users) == len(source.users) - 1
        assert first.uid in source.users
        txn.rollback()
    assert list(clone.users) == list(source.users)  # back in its place
    assert clone.users[first.uid].firstname == "Clone"


def test_a_layered_store_keeps_a_dicts_order_length_and_errors() -> None:
    base = {1: "a", 2: "b", 3: "c"}
    layered: indexes.Layered[int, str] = indexes.Layered(base)
    mirror = dict(base)
    for action in (("set", 2, "B"), ("del", 1), ("set", 4, "d"), ("set", 1, "A"), ("del", 4), ("set", 5, "e")):
        if action[0] == "set":
            layered[action[1]] = action[2]  # type: ignore[index]
            mirror[action[1]] = action[2]  # type: ignore[index]
        else:
            del layered[action[1]]
            del mirror[action[1]]
        assert list(layered.items()) == list(mirror.items())
        assert list(reversed(layered)) == list(reversed(mirror))
        assert len(layered) == len(mirror)
        assert layered.flat() == mirror and list(layered.flat()) == list(mirror)
    assert base == {1: "a", 2: "b", 3: "c"}  # never written
    for missing in (4, 9):
        assert missing not in layered and layered.get(missing) is None
        try:
            del layered[missing]
        except KeyError:
            pass
        else:
            raise AssertionError("deleting a missing key must raise KeyError")
        assert layered.pop(missing, "x") == "x"
    assert len(layered) == len(mirror)
    twin = layered.copy()
    twin[6] = "f"
    assert 6 not in layered and len(twin) == len(layered) + 1


# ---------------------------------------------------------------- persistence


def test_a_layered_org_survives_a_restart_from_its_data_dir(tmp_path: Path) -> None:
    from umapi_mock.domain.commands import run_actions

    config = Config(seed=seed(30), data_dir=tmp_path / "data")
    with layer_at(ALWAYS):
        emulator = Emulator.open(config)
        try:
            org = emulator.org()
            emails = [u.email for u in list(org.users.values())[:6] if u.type == FEDERATED_ID]
            body = [
                {"user": emails[0], "do": [{"update": {"firstname": "Layered"}}]},
                {"user": emails[1], "do": [{"removeFromOrg": {"deleteAccount": True}}]},
                {
                    "user": "fresh@example.com",
                    "do": [
                        {
                            "createFederatedID": {
                                "email": "fresh@example.com",
                                "country": "US",
                                "firstname": "Fresh",
                                "lastname": "User",
                            }
                        }
                    ],
                },
                {"user": emails[2], "do": [{"update": {"email": "renamed@example.com"}}]},
            ]
            report = run_actions(org, body, test_mode=False)
            assert report.completed == len(body), report
            assert isinstance(emulator.org().users, indexes.Layered)
            saved = dump(emulator.org())
        finally:
            emulator.close()
    restored = Emulator.open(config)
    try:
        assert dump(restored.org()) == saved  # same users, same order
        assert restored.org().find_user("renamed@example.com") is not None
        assert restored.org().find_user(emails[1]) is None
    finally:
        restored.close()


# ------------------------------------------- the property tests, over layered orgs


def test_every_user_field_is_served_fresh_over_layered_stores() -> None:
    from tests.actions.test_served_users import test_every_user_field_is_served_fresh_after_any_write as served_fresh

    with layer_at(ALWAYS):
        served_fresh()


def test_views_equal_a_rebuild_over_layered_stores() -> None:
    from tests.domain.test_views import test_views_equal_a_rebuild_after_every_write as views_rebuilt

    with layer_at(ALWAYS):
        views_rebuilt()
