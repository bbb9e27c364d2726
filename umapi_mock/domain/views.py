"""Derived views of an org, kept up to date by listening to its writes, and THE cache
invariant: the one rule for when a cached view, page or served body may be reused.

The cache invariant
-------------------
A served user (any wire or console rendering of one) is a function of exactly
`user_inputs(org, user)`: its record, its direct membership set, and the org's
`groups_version` (group names and links show on users). Records and membership sets are
immutable (a write replaces them), so comparing the inputs is O(1) for unchanged users.
While both `groups_version` and `members_version` (moved on by every membership event)
stand, a user's inputs change only with its record object, so a rebuilt page need compare
only the records (`input_stamp`).

* A page of user records (`Org.page_view`) is reused, the same list object, until an
  event below changes one of its users' inputs or that part of the id list it slices.
* A serialised page (`http.page_cache`) is reused while it was built from that same
  records object; a serialised user inside it is reused while its `user_inputs` are equal.
* A kept id list (`Org.kept_view`: member lists, licences, a domain's active users, the
  groups listing) and the active-user list are reused, patched or dropped by the events.
* A per-user derived value (`OrgViews.per_user`, e.g. the console's search text) is reused
  while the user's record is the same object.
* Anything else (`Org.view`) lives until the org's next write of any kind.

So a new user field is safe by construction when it lives on the `User` record. A served
field derived from anything else must be added to `user_inputs` AND announced by a write
event that drops the pages showing it (`groups_changed` drops them all); the test
`tests/actions/test_served_users.py` checks every field of every served user after every
kind of write.

Write events
------------
The org's write primitives tell each of its `listeners` (an `OrgViews` first) what they
changed: `user_changed(org, old, new)`, `members_changed(org, gid, uid)`,
`groups_changed(org)`, `order_changed(org)` and `reset(org)` (a bulk write bypassed the
primitives). A listener must not write to the org.

Pages
-----
A page (the records of one slice of an ordered id list) is stored with the list it slices
(`source`), its index and size, and the uids it shows. A write then drops only the pages
it can have changed:

* a user's record or memberships changed: the pages that show that user (`drop_user`);
  but a record replaced with the same activity and domain (so in the same id lists, at the
  same places) is put in its place in a copy of each such page (`replace_user`): a new
  object, as a rebuilt page would be, without reading the page's 2,000 records again;
* a list gained or lost an id at a position: that list's pages from the one before the
  position on, since later ids shift and the old last page's `lastPage` may flip
  (`drop_source`);
* anything wider (a group created, renamed or deleted): every page (`clear`).

Only the `capacity` most recently used pages are kept, so paging through a huge org
does not keep every page alive.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from itertools import repeat
from operator import itemgetter
from typing import Any, Protocol, TypeVar

from .records import PRODUCT_PROFILE, USER_GROUP, Group, User

T = TypeVar("T")


class Org(Protocol):
    """What the views read of an org (`models.Org`, which imports this module)."""

    @property
    def lock(self) -> AbstractContextManager[Any]: ...
    @property
    def version(self) -> int: ...
    @property
    def users(self) -> Mapping[int, User]: ...
    @property
    def memberships(self) -> Mapping[int, frozenset[int]]: ...
    @property
    def members(self) -> Mapping[int, Mapping[int, None]]: ...
    @property
    def groups(self) -> dict[int, Group]: ...
    @property
    def users_in_uid_order(self) -> bool: ...
    @property
    def derived(self) -> OrgViews: ...
    def kept_view(self, key: object, build: Callable[[], object]) -> object: ...


PAGE_VIEWS = 128  # pages of user records kept per org (a 2,000-user page holds 16 KB of references)
GROUP_VIEWS = ("members", "status", "licensed")  # kept views derived from one group's members (see reads)


def user_inputs(org: Org, users: Sequence[User]) -> list[tuple[object, ...]]:
    """Everything each served user is built from (see the invariant above): equal inputs,
    equal bytes. (Given a page of users at once: it runs over every user of a page.)"""
    memberships, groups_version = org.memberships, org.derived.groups_version
    return [(user, memberships.get(user.uid), groups_version) for user in users]


def input_stamp(org: Org) -> tuple[int, int]:
    """While this stays the same, every user's `user_inputs` but its record stay the same
    objects (see the invariant above)."""
    views = org.derived
    return views.groups_version, views.members_version


class WriteListener(Protocol):
    """Told by the org's write primitives what they changed, under the org lock."""

    def user_changed(self, org: Org, old: User | None, new: User | None) -> None: ...

    def members_changed(self, org: Org, gid: int, uid: int | None) -> None: ...

    def groups_changed(self, org: Org) -> None: ...

    def order_changed(self, org: Org) -> None: ...

    def reset(self, org: Org) -> None: ...


class OrgViews:
    """The derived views of one org: a `WriteListener` that drops or patches exactly what
    each write made stale. It holds no reference to its org (events carry it), so an org
    and its views form no reference cycle."""

    __slots__ = (
        "memo",
        "memo_version",
        "kept",
        "group_views",
        "pages",
        "active",
        "active_shared",
        "groups_version",
        "members_version",
        "carried",
    )

    def __init__(self, active: list[int] | None = None, shared: bool = False, groups_version: int = 0):
        self.memo: dict[object, object] = {}  # `view`: derived reads, until the next write
        self.memo_version = -1
        self.kept: dict[object, object] = {}  # `kept_view`: id lists; writes drop the ones they change
        self.group_views: dict[int, list[object]] = {}  # gid -> keys of kept views derived from its members
        self.pages = PageCache(PAGE_VIEWS)
        self.active = active  # active uids in `users` order, kept up to date; None: rebuild
        self.active_shared = shared  # `active` is shared with a clone's views: copy before patching
        self.groups_version = groups_version  # moves on with every change to a group record
        self.members_version = 0  # moves on with every membership event (and every reset)
        self.carried: dict[str, dict[int, tuple[User, Any]]] | None = None  # `per_user` values by name

    def twin(self) -> OrgViews:
        """Views for a clone: nothing cached but the active list, shared until either side
        patches it."""
        self.active_shared = self.active is not None
        return OrgViews(self.active, self.active_shared, self.groups_version)

    # ----------------------------------------------------------------- reads

    def view(self, org: Org, key: object, build: Callable[[], object]) -> object:
        if self.memo_version != org.version:
            with org.lock:
                if self.memo_version != org.version:
                    self.memo = {}
                    self.memo_version = org.version
        memo = self.memo
        try:
            return memo[key]
        except KeyError:
            pass
        with org.lock:
            value = build()
            if self.memo_version == org.version:
                self.memo[key] = value
            return value

    def kept_view(self, org: Org, key: object, build: Callable[[], object]) -> object:
        try:
            return self.kept[key]
        except KeyError:
            pass
        with org.lock:
            value = self.kept.get(key)
            if value is None:
                value = self.kept[key] = build()
                if isinstance(key, tuple) and key[0] in GROUP_VIEWS:
                    self.group_views.setdefault(key[1], []).append(key)
            return value

    def page_view(
        self,
        org: Org,
        key: Hashable,
        build: Callable[[], object],
        source: Hashable,
        index: int,
        size: int,
        uids: Callable[[Any], Iterable[int]],
    ) -> object:
        value = self.pages.get(key)
        if value is not None:
            return value
        with org.lock:
            value = self.pages.get(key)
            if value is None:
                value = build()
                self.pages.put(key, value, source, index, size, uids(value))
            return value

    def active_user_ids(self, org: Org) -> list[int]:
        active = self.active
        if active is None:
            with org.lock:
                active = self.active
                if active is None:
                    active = self.active = [uid for uid, u in org.users.items() if u.status == "active"]
                    self.active_shared = False
        return active

    def per_user(self, org: Org, name: str, derive: Callable[[User], T]) -> dict[int, tuple[User, T]]:
        """`derive(user)` for every user, memoised until the next write; after a write only
        the users whose record changed are derived again."""

        def build() -> dict[int, tuple[User, T]]:
            carried = self.carried
            if carried is None:
                carried = self.carried = {}
            old = carried.get(name, {})
            fresh: dict[int, tuple[User, T]] = {}
            for uid, u in org.users.items():
                hit = old.get(uid)
                if hit is None or hit[0] is not u:
                    hit = (u, derive(u))
                fresh[uid] = hit
            carried[name] = fresh
            return fresh

        return self.view(org, ("per-user", name), build)  # type: ignore[return-value]

    # --------------------------------------------------------------- events

    def user_changed(self, org: Org, old: User | None, new: User | None) -> None:
        if old is not None and new is not None and old.status == new.status and old.domain == new.domain:
            # the same lists show it (most updates): its pages are patched, if any shows it
            if new.uid in self.pages.by_user:
                self.pages.replace_user(old, new)
            return
        uid = old.uid if old is not None else new.uid  # type: ignore[union-attr]
        pages = self.pages
        was = old is not None and old.status == "active"
        now = new is not None and new.status == "active"
        same_lists = was == now and (old is None or new is None or old.domain == new.domain)
        if uid in pages.by_user:  # (checked here: this runs on every write)
            if same_lists and old is not None and new is not None:
                pages.replace_user(old, new)
            else:
                pages.drop_user(uid)
        if same_lists:
            return
        for user in (old, new):
            if user is not None:
                key = ("active-in-domain", user.domain.lower())
                self.kept.pop(key, None)
                self.pages.drop_source(key)
        if was != now:
            self._active_changed(org, uid, now)

    def _active_changed(self, org: Org, uid: int, active_now: bool) -> None:
        active = self.active
        if active is None:
            return
        if not org.users_in_uid_order:  # positions unknown without a scan: rebuild on demand
            self.active = None
            self.pages.drop_source(("active",))
            return
        at = bisect_left(active, uid)
        present = at < len(active) and active[at] == uid
        if active_now == present:
            return
        if self.active_shared:
            active = self.active = list(active)
            self.active_shared = False
        if active_now:
            active.insert(at, uid)
        else:
            del active[at]
        self.pages.drop_source(("active",), at)

    def members_changed(self, org: Org, gid: int, uid: int | None) -> None:
        """Members of `gid` changed (of `uid`, when given): its member lists, and those of
        the profiles it links (their indirect members), are rebuilt on their next read."""
        self.members_version += 1
        pages = self.pages
        if uid is not None and uid in pages.by_user:  # (checked here: this runs on every write)
            pages.drop_user(uid)
        group_views = self.group_views
        if not group_views:
            return
        group = org.groups.get(gid)
        for g in (gid, *group.profiles) if group is not None else (gid,):
            keys = group_views.pop(g, None)
            if keys:
                for key in keys:
                    self.kept.pop(key, None)
                self.pages.drop_sources(lambda src, g=g: src[0] in GROUP_VIEWS and src[1:2] == (g,))  # type: ignore[misc]

    def groups_changed(self, org: Org) -> None:
        """Groups were created, replaced or deleted: names and links show on every page."""
        self.groups_version += 1
        self.kept.clear()
        self.group_views.clear()
        self.pages.clear()

    def order_changed(self, org: Org) -> None:
        """`users` was reordered (an undo put a user back where it was)."""
        if not org.users_in_uid_order:
            self.active = None
            self.pages.drop_source(("active",))

    def reset(self, org: Org) -> None:
        """Drop everything: a bulk writer bypassed the primitives."""
        self.groups_changed(org)
        self.members_version += 1
        self.memo = {}
        self.memo_version = -1
        self.active = None
        self.active_shared = False


# ------------------------------------------------------------ views built on kept views


def group_member_ids(org: Org, gid: int, *, direct_only: bool = True) -> list[int]:
    def build() -> list[int]:
        direct = list(org.members.get(gid, {}))
        group = org.groups[gid]
        if direct_only or group.type != PRODUCT_PROFILE:
            return direct
        seen = dict.fromkeys(direct)
        for ug in org.groups.values():
            if ug.type == USER_GROUP and gid in ug.profiles:
                for uid in org.members.get(ug.gid, {}):
                    seen.setdefault(uid, None)
        return list(seen)

    return org.kept_view(("members", gid, direct_only), build)  # type: ignore[return-value]


def licensed_ids(org: Org, gid: int) -> frozenset[int]:
    def build() -> frozenset[int]:
        group = org.groups[gid]
        ids = group_member_ids(org, gid, direct_only=False)
        if group.quota is None:
            return frozenset(ids)
        return frozenset(ids[: group.quota])

    return org.kept_view(("licensed", gid), build)  # type: ignore[return-value]


def listed_groups(org: Org) -> list[Group]:
    def build() -> list[Group]:
        return sorted(org.groups.values(), key=lambda g: g.gid)

    return org.kept_view("groups", build)  # type: ignore[return-value]


# ------------------------------------------------------------------- page cache


@dataclass(frozen=True, slots=True)
class _Entry:
    value: object
    source: Hashable
    index: int
    size: int
    uids: tuple[int, ...]


def _shown_only_on(by_user: dict[int, tuple[Hashable, ...]], uids: tuple[int, ...], key: Hashable) -> bool:
    """Whether every one of `uids` is shown on page `key` alone: checked in C, as a page is
    dropped on the write after its read, and a loop over its 2,000 users took ~1 ms."""
    if len(uids) < 2:
        return False
    try:
        shown: tuple[tuple[Hashable, ...], ...] = itemgetter(*uids)(by_user)
    except KeyError:
        return False
    return shown.count((key,)) == len(shown)


class PageCache:
    """An LRU of pages, each indexed by the users it shows and the list it slices."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        # uid -> keys of the pages showing it: a tuple, as a set per user would cost
        # ~200 bytes, for up to `capacity` × page size users (read by the write events)
        self.by_user: dict[int, tuple[Hashable, ...]] = {}
        self._by_source: dict[Hashable, set[Hashable]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> object | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        try:
            self._entries.move_to_end(key)
        except KeyError:
            pass  # dropped by a writer meanwhile: this reader still gets the value it found
        return entry.value

    def put(self, key: Hashable, value: object, source: Hashable, index: int, size: int, uids: Iterable[int]) -> None:
        entry = _Entry(value, source, index, size, tuple(uids))
        with self._lock:
            self._discard(key)
            self._entries[key] = entry
            by_user = self.by_user
            if by_user.keys().isdisjoint(entry.uids):  # no user shown elsewhere (the common case): in C
                by_user.update(dict.fromkeys(entry.uids, (key,)))
            else:
                for uid in entry.uids:
                    found = by_user.get(uid)
                    if found is None:
                        by_user[uid] = (key,)
                    elif key not in found:
                        by_user[uid] = found + (key,)
            self._by_source.setdefault(source, set()).add(key)
            while len(self._entries) > self.capacity:
                self._discard(next(iter(self._entries)))

    def replace_user(self, old: User, new: User) -> None:
        """Each page showing `old` as a copy of itself with `new` in its place (a page the
        record is not found on as expected is dropped)."""
        uid = new.uid
        with self._lock:
            for key in self.by_user.get(uid, ()):
                entry = self._entries.get(key)
                if entry is None:
                    continue
                records = entry.value
                at = entry.uids.index(uid)
                if type(records) is not list or records[at] is not old:
                    self._discard(key)
                    continue
                patched = records.copy()
                patched[at] = new
                self._entries[key] = _Entry(patched, entry.source, entry.index, entry.size, entry.uids)

    def drop_user(self, uid: int) -> None:
        if uid in self.by_user:
            with self._lock:
                for key in self.by_user.get(uid, ()):
                    self._discard(key)

    def drop_source(self, source: Hashable, position: int | None = None) -> None:
        """Drop the pages of `source` that a change at `position` can alter (all: None)."""
        if source not in self._by_source:
            return
        with self._lock:
            for key in list(self._by_source.get(source, ())):
                entry = self._entries[key]
                if position is None or entry.index >= position // entry.size - 1:
                    self._discard(key)

    def drop_sources(self, matches: Callable[[Hashable], bool]) -> None:
        with self._lock:
            for source in [s for s in self._by_source if matches(s)]:
                for key in list(self._by_source.get(source, ())):
                    self._discard(key)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.by_user.clear()
            self._by_source.clear()

    def _discard(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        by_user = self.by_user
        uids = entry.uids
        if _shown_only_on(by_user, uids, key):  # (the common case: a page of 2,000 users)
            deque(map(by_user.pop, uids, repeat(None)), maxlen=0)
            uids = ()
        for uid in uids:
            found = by_user.get(uid)
            if found is None:
                continue
            rest = tuple(k for k in found if k != key)
            if rest:
                by_user[uid] = rest
            else:
                del by_user[uid]
        keys = self._by_source.get(entry.source)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self._by_source[entry.source]
