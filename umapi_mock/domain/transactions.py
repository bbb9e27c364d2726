"""Org transactions: the undo log behind atomic steps and test mode, and the change
record a commit hands to the org's observer (persistence).

While a transaction is open, every write primitive appends an undo entry to `Org._undo`
and, when the org has an observer, the key of the record it touched to `Org._dirty`
(`Org._record`). An undo entry is a tuple `(function, *arguments)`, undone by calling
`function(*arguments)`: the hot writes (memberships, user records) record one each, and a
tuple costs a fraction of a `functools.partial` to make and to free. Rolling back replays
the undo entries newest first; committing turns the touched keys into one `OrgChanges`
holding the records as they stand then.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

from .changes import ChangeKey, ChangeObserver, OrgChanges
from .records import Group, Product, User

UndoEntry = tuple[Any, ...]  # (function, *arguments): undone by function(*arguments)


class _Members(Protocol):
    """One group's member uids in join order (`indexes.Members`)."""

    def __contains__(self, uid: object, /) -> bool: ...
    def __reversed__(self) -> Iterator[int]: ...


class Org(Protocol):
    """What a transaction reads and writes of an org (`models.Org`, which imports this module)."""

    version: int
    _undo: list[UndoEntry] | None
    _dirty: set[ChangeKey] | None

    @property
    def id(self) -> str: ...
    @property
    def lock(self) -> AbstractContextManager[Any]: ...
    @property
    def observer(self) -> ChangeObserver | None: ...
    @property
    def users(self) -> Mapping[int, User]: ...
    @property
    def groups(self) -> dict[int, Group]: ...
    @property
    def members(self) -> Mapping[int, _Members]: ...
    @property
    def products(self) -> dict[str, Product]: ...
    @property
    def _next_uid(self) -> int: ...
    @property
    def _next_gid(self) -> int: ...


class Transaction:
    """A handle on an open org transaction: savepoints let one failed step be undone
    without touching the steps before it; `rollback()` discards everything (test mode)."""

    def __init__(self, org: Org):
        self.org = org
        self.rolled_back = False

    def savepoint(self) -> int:
        assert self.org._undo is not None
        return len(self.org._undo)

    def rollback_to(self, savepoint: int) -> None:
        undo = self.org._undo
        assert undo is not None
        while len(undo) > savepoint:
            function, *arguments = undo.pop()
            self.org._undo = None  # undo entries must not record themselves
            try:
                function(*arguments)
            finally:
                self.org._undo = undo
        self.org.version += 1

    def rollback(self) -> None:
        self.rolled_back = True


@contextmanager
def transaction(org: Org) -> Iterator[Transaction]:
    """Hold the org lock and record undo entries; roll back on error or on request, or when
    the observer cannot keep the commit (a write that cannot be saved is never served). A
    nested transaction hands its entries to the outer one; only the outermost commits."""
    with org.lock:
        outer = org._undo
        org._undo = []
        if outer is None and org.observer is not None:
            org._dirty = set()
        txn = Transaction(org)
        try:
            yield txn
        except BaseException:
            txn.rollback_to(0)
            org._undo = outer
            org._dirty = None if outer is None else org._dirty
            raise
        if txn.rolled_back:
            txn.rollback_to(0)
        elif outer is None and org._dirty and org.observer is not None:
            try:  # kept only once the observer has it (durable); else undone here, in memory
                wait = org.observer.committed(changes_of(org, org._dirty))
                if wait is not None:
                    wait()
            except BaseException:
                txn.rollback_to(0)
                org._undo, org._dirty = outer, None
                raise
        elif outer is not None:
            outer.extend(org._undo)
        org._undo = outer
        if outer is None:
            org._dirty = None


def changes_of(org: Org, keys: set[ChangeKey]) -> OrgChanges:
    """Under the lock, at the commit point: the touched records as they are now, in the order
    they take in the org (the keys are a set): users by uid, new ones last in creation
    order; each group's touched members that stand after all its untouched ones, in join
    order (the others are where they were: put back by an undo)."""
    uids: list[int] = []
    groups: dict[int, Group | None] = {}
    members: list[tuple[int, int, bool]] = []
    joined: dict[int, list[int]] | None = None  # gid -> touched uids that are members now
    org_members = org.members
    for key in keys:
        kind = key[0]
        if kind == "m":  # the commonest
            _, gid, uid = key  # type: ignore[misc]
            if uid in org_members.get(gid, _NO_MEMBERS):
                if joined is None:
                    joined = {}
                joined.setdefault(gid, []).append(uid)
            else:
                members.append((gid, uid, False))
        elif kind == "u":
            uids.append(key[1])
        else:
            groups[key[1]] = org.groups.get(key[1])
    if joined is not None:
        for gid, touched in joined.items():
            members += [(gid, uid, True) for uid in _last_joined(org_members[gid], touched)]
    uids.sort()  # new users' uids rise in creation order
    get_user = org.users.get
    users: dict[int, User | None] = {uid: get_user(uid) for uid in uids}
    products = {p.name: list(p.profiles) for p in org.products.values()} if groups else None
    return OrgChanges(org.id, users, groups, members, org._next_uid, org._next_gid, products)


_NO_MEMBERS: dict[int, None] = {}


def _last_joined(group: _Members, touched: list[int]) -> list[int]:
    """Those of `touched` (members of `group`) that follow the group's last untouched member,
    in join order: a commit's joins (and moves to the end: a leave, then a join) are the
    group's tail; a touched member before an untouched one was put back where it was."""
    wanted = set(touched)
    tail = []
    for uid in reversed(group):
        if uid not in wanted:
            break
        tail.append(uid)
        if len(tail) == len(wanted):
            break
    tail.reverse()
    return tail
