"""The org's lookup indexes over its user records (by lower-cased email and by login),
and the lookups that resolve names through them: the account a user string names, the
admin group an admin-group name denotes.

They are plain dicts kept on the org (`Org._by_email`, `Org._by_login`) so a clone shares
them copy-on-write with the user store and the generator can fill them in bulk
(`BulkWrite`); the write primitives keep them consistent through the two functions below.
A big clone does not copy them (nor its user store and membership sets) on its first
write: it writes over them (`Layered`), so that write costs O(written), not O(users).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import ItemsView, Iterable, Iterator, Mapping, MutableMapping, Reversible, ValuesView
from itertools import chain, compress, filterfalse
from operator import not_
from typing import Any, Protocol, TypeVar

from .names import DEVELOPER_PREFIX, PRODUCT_ADMIN_PREFIX, AdminName, admin_group_name, admin_name, domain_of
from .records import (
    ADOBE_ID,
    DEVELOPER_GROUP,
    PRODUCT_ADMIN_GROUP,
    PRODUCT_PROFILE,
    PROFILE_ADMIN_GROUP,
    USER_ADMIN_GROUP,
    USER_GROUP,
    AmbiguousUser,
    Group,
    Product,
    User,
)

K = TypeVar("K")
V = TypeVar("V")
M = TypeVar("M", bound=Mapping[Any, Any])
ByEmail = MutableMapping[str, int | tuple[int, ...]]  # lower email -> uid, or uids when shared
ByLogin = MutableMapping[tuple[str, str], int]  # (lower username, lower domain) -> uid
LAYER_AT = 20_000  # from this many entries a clone writes over a shared container instead of copying it


class _Gone:
    """What `Layered` stores for a key deleted over its base."""


GONE: Any = _Gone()
_ABSENT: Any = object()


class Layered(MutableMapping[K, V]):
    """A mapping written over a shared, never-written base dict, with a dict's behaviour:
    its length, and its order (a key keeps its place when overwritten; a new key, or one
    deleted and set again, goes last). A clone's first write to a big container costs O(1)
    instead of a copy of it; a lookup of an unwritten key costs one dict miss more.

    Writes (and deletions, as `GONE`) go to `top`; reads look in `top`, then in `base`.
    `tail` lists, in order, the keys iterated after the base's: keys not in the base, and
    base keys deleted and set again. `holes` counts the base keys out of their base place
    (deleted, or moved to the tail): while there are none, iterating chains the base and
    the tail at C speed; otherwise each base key is checked. O(len) either way, as for a dict."""

    __slots__ = ("base", "top", "tail", "size", "holes")

    def __init__(
        self,
        base: Mapping[K, V],
        top: dict[K, Any] | None = None,
        tail: dict[K, None] | None = None,
        size: int | None = None,
        holes: int = 0,
    ):
        self.base = base
        self.top: dict[K, Any] = {} if top is None else top
        self.tail: dict[K, None] = {} if tail is None else tail
        self.size = len(base) if size is None else size
        self.holes = holes

    def get(self, key: K, default: Any = None) -> Any:
        value = self.top.get(key, _ABSENT)  # one lookup: a writer in another thread cannot split it
        if value is _ABSENT:
            return self.base.get(key, default)
        return default if value is GONE else value

    def __getitem__(self, key: K) -> V:
        value = self.get(key, GONE)
        if value is GONE:
            raise KeyError(key)
        return value  # type: ignore[no-any-return]

    def __contains__(self, key: object) -> bool:
        return self.get(key, GONE) is not GONE  # type: ignore[arg-type]

    def __setitem__(self, key: K, value: V) -> None:
        top = self.top
        old = top.get(key, _ABSENT)
        if old is _ABSENT:
            if key not in self.base:
                self.tail[key] = None
                self.size += 1
        elif old is GONE:  # a base key set again after its deletion: last, as in a dict
            self.tail[key] = None
            self.size += 1
        top[key] = value

    def __delitem__(self, key: K) -> None:
        self.pop(key)

    def pop(self, key: K, default: Any = GONE) -> Any:
        top = self.top
        value = top.get(key, _ABSENT)
        if value is _ABSENT:
            value = self.base.get(key, GONE)
            if value is not GONE:
                top[key] = GONE
                self.holes += 1
        elif value is not GONE:
            moved = self.tail.pop(key, GONE) is not GONE
            if key in self.base:
                top[key] = GONE
                self.holes += not moved
            else:
                del top[key]
        if value is GONE:
            if default is GONE:
                raise KeyError(key)
            return default
        self.size -= 1
        return value

    def setdefault(self, key: K, default: Any = None) -> Any:
        value = self.get(key, GONE)
        if value is GONE:
            self[key] = value = default
        return value

    def _holes(self) -> set[K]:
        """The base keys out of their base place: deleted, or moved to the tail (O(written))."""
        base = self.base
        return {key for key, value in self.top.items() if value is GONE} | {key for key in self.tail if key in base}

    def __iter__(self) -> Iterator[K]:
        if not self.holes:
            return chain(self.base, self.tail)
        return chain(filterfalse(self._holes().__contains__, self.base), self.tail)

    def __reversed__(self) -> Iterator[K]:
        base: Reversible[K] = self.base  # type: ignore[assignment]  # a dict
        if not self.holes:
            return chain(reversed(self.tail), reversed(base))
        return chain(reversed(self.tail), filterfalse(self._holes().__contains__, reversed(base)))

    def __len__(self) -> int:
        return self.size

    def items(self) -> ItemsView[K, V]:
        return _LayeredItems(self)

    def values(self) -> ValuesView[V]:
        return _LayeredValues(self)

    def _values(self) -> Iterator[V]:
        top, base = self.top, self.base
        tail = map(top.__getitem__, self.tail)
        if not self.holes:  # each base key's value: written over (top) or not (base)
            return chain(map(top.get, base, base.values()), tail)
        hole = self._holes().__contains__
        kept = compress(base.values(), map(not_, map(hole, base)))
        return chain(map(top.get, filterfalse(hole, base), kept), tail)

    def copy(self) -> Layered[K, V]:
        """Another container of the same content over the same base: O(written)."""
        return Layered(self.base, dict(self.top), dict(self.tail), self.size, self.holes)

    def flat(self) -> dict[K, V]:
        """A plain dict of the same content, in the same order."""
        out = dict(self.base)
        tail = self.tail
        for key, value in self.top.items():
            if value is GONE or key in tail:
                out.pop(key, None)
            else:
                out[key] = value
        for key in tail:
            out[key] = self.top[key]
        return out

    def moved_back(self, position: int) -> Layered[K, V] | dict[K, V]:
        """What `moved_back` does to a dict, as a new container over the same base: O(written)
        while `position` is -1 or falls among the keys after the base's; a plain dict
        otherwise. Position -1 (ascending key order) assumes the base ascends too, as it does
        under an org whose users are in uid order: that order is kept by every write, and a
        clone starts with its source's."""
        if not self.tail:  # (the undo that calls this has just set its key again: it is last)
            return moved_back(self.flat(), position)
        tail: list[Any] = list(self.tail)
        key = tail.pop()
        if position < 0:
            if key in self.base and (not tail or key < tail[0]):
                # its base place is its place: the base's keys ascend as the container does
                return Layered(self.base, dict(self.top), dict.fromkeys(tail), self.size, self.holes - 1)
            tail.insert(bisect_left(tail, key), key)
            return Layered(self.base, dict(self.top), dict.fromkeys(tail), self.size, self.holes)
        at_base = self.size - len(self.tail)  # keys iterated from the base
        if position >= at_base:
            tail.insert(position - at_base, key)
            return Layered(self.base, dict(self.top), dict.fromkeys(tail), self.size, self.holes)
        return moved_back(self.flat(), position)


class _LayeredItems(ItemsView[K, V]):
    _mapping: Layered[K, V]

    def __iter__(self) -> Iterator[tuple[K, V]]:
        return zip(self._mapping, self._mapping._values())


class _LayeredValues(ValuesView[V]):
    _mapping: Layered[Any, V]

    def __iter__(self) -> Iterator[V]:
        return self._mapping._values()


UserStore = dict[int, User] | Layered[int, User]  # `Org.users`: a dict, or written over a clone's shared one
Members = dict[int, None] | Layered[int, None]  # one group's member uids in join order (`Org.members`), likewise


def present(store: Mapping[K, V], keys: Iterable[K]) -> list[V]:
    """The values of those of `keys` that `store` holds, in the order of `keys` (a page of
    records from an id list): one dict lookup each, two for what a layered store has not
    written, without a method call per key."""
    if not isinstance(store, Layered):
        return [store[key] for key in keys if key in store]
    top, base = store.top.get, store.base.get
    out = []
    for key in keys:
        value = top(key, _ABSENT)
        if value is _ABSENT:
            value = base(key, GONE)
        if value is not GONE:
            out.append(value)
    return out


def own_copy(container: Mapping[K, V]) -> dict[K, V] | Layered[K, V]:
    """A container of the same content, in the same order, that one org may write while
    another keeps reading `container`: a copy when small, a `Layered` over it when big
    (sharing its base and copying only what was written over it when it is layered already)."""
    if isinstance(container, Layered):
        return container.copy()
    if len(container) >= LAYER_AT:
        return Layered(container)
    return dict(container)


def plain(container: MutableMapping[K, V]) -> dict[K, V]:
    """`container` as a plain dict (for writers that need one: the bulk door)."""
    return container.flat() if isinstance(container, Layered) else container  # type: ignore[return-value]


class Org(Protocol):
    """The lookups the resolvers below build on (`models.Org`, which imports this module)."""

    def users_with_email(self, email: str) -> list[User]: ...
    def user_by_login(self, username: str, domain: str) -> User | None: ...
    def group_named(self, name: str) -> Group | None: ...
    def product_named(self, name: str) -> Product | None: ...
    def admin_base(self, parsed: AdminName) -> Group | Product | None: ...
    def add_group(self, name: str, gtype: str, *, gid: int | None = None, **attrs: Any) -> Group: ...


# Order of the stores: an undo puts a record back where it was, so listings keep their order.


def second_last(d: UserStore) -> int:
    keys = reversed(d)
    next(keys)
    return int(next(keys))


def user_position(users: UserStore, uid: int, in_uid_order: bool) -> int | None:
    """Where a user sits in `users`, for an undo to put it back there (`moved_back`): None
    when it is the last one (appending restores it). While `users` is in uid order (every
    user created by the API or generated is), the position is found at undo time from the
    uid, so a delete stays O(1); otherwise it is looked up now, O(users)."""
    if next(reversed(users)) == uid:
        return None
    if in_uid_order:
        return -1  # "by uid", resolved by moved_back
    return list(users).index(uid)


def moved_back(d: M, position: int) -> M:
    """`d` with its last entry moved to `position` (-1: to its place in ascending key
    order), as a new container: readers holding the old one never see a half-built one."""
    if isinstance(d, Layered):
        return d.moved_back(position)  # type: ignore[return-value]
    items = list(d.items())
    item = items.pop()
    if position < 0:
        position = bisect_left([k for k, _ in items], item[0])
    items.insert(position, item)
    return dict(items)  # type: ignore[return-value]


def index_user(by_email: ByEmail, by_login: ByLogin, user: User) -> None:
    # `by_email` maps to a bare uid while an email has one user (nearly always), to a
    # tuple of uids otherwise: a one-uid tuple per user would cost 56 bytes a user.
    key = user.email.lower()
    found = by_email.get(key)
    if found is None:
        by_email[key] = user.uid
    elif isinstance(found, int):
        by_email[key] = (found, user.uid)
    else:
        by_email[key] = found + (user.uid,)
    if user.org_owned:
        by_login[(user.username.lower(), user.domain.lower())] = user.uid


def unindex_user(by_email: ByEmail, by_login: ByLogin, user: User) -> None:
    key = user.email.lower()
    found = by_email.get(key)
    if isinstance(found, int):
        if found == user.uid:
            del by_email[key]
    elif found is not None:
        rest = tuple(u for u in found if u != user.uid)
        if len(rest) > 1:
            by_email[key] = rest
        elif rest:
            by_email[key] = rest[0]
        else:
            del by_email[key]
    login = (user.username.lower(), user.domain.lower())
    if by_login.get(login) == user.uid:
        del by_login[login]


def find_user(org: Org, user: str, domain: str | None = None, *, adobe_id: bool = False) -> User | None:
    """The account a user string names (spec §3.2), for actions, reads and the seed loader.

    With `domain`: the login (username, domain), else an org-owned account with that
    email in that domain. Without: the org-owned account with this email, else the one
    whose login it is, else the Adobe ID (an org-owned account wins unless the Adobe ID
    is asked for). Two org-owned accounts sharing the email are ambiguous unless one
    logs in with it: `AmbiguousUser` (docs/fidelity.md, "one account resolution")."""
    if adobe_id or (domain is not None and domain.lower() == "adobeid"):
        return next((u for u in org.users_with_email(user) if u.type == ADOBE_ID), None)
    if domain:
        found = org.user_by_login(user, domain)
        if found is not None:
            return found
        owned = [u for u in org.users_with_email(user) if u.org_owned and u.domain.lower() == domain.lower()]
        return owned[0] if owned else None
    candidates = org.users_with_email(user)
    owned = [u for u in candidates if u.org_owned]
    login = org.user_by_login(user, domain_of(user)) if "@" in user else None
    if len(owned) > 1:
        if login is not None and login in owned:
            return login
        raise AmbiguousUser(user)
    if owned:
        return owned[0]
    return login or next((u for u in candidates if u.type == ADOBE_ID), None)


def ensure_admin_group(org: Org, name: str) -> Group | None:
    """Find or create the admin or developer group `name` denotes (admin groups come
    into being with their first admin), or None when its base group or product is unknown."""
    group = org.group_named(name)
    if group is not None:
        return group
    parsed = admin_name(name)
    base = None if parsed is None else org.admin_base(parsed)
    if parsed is None or base is None:
        return None
    if isinstance(base, Product):
        return org.add_group(PRODUCT_ADMIN_PREFIX + base.name, PRODUCT_ADMIN_GROUP, product=base.name)
    if parsed.prefix == DEVELOPER_PREFIX:
        return org.add_group(DEVELOPER_PREFIX + base.name, DEVELOPER_GROUP, target=base.gid, product=base.product)
    gtype = USER_ADMIN_GROUP if base.type == USER_GROUP else PROFILE_ADMIN_GROUP
    return org.add_group(admin_group_name(base.name), gtype, target=base.gid, product=base.product)


def admin_base(org: Org, parsed: AdminName) -> Group | Product | None:
    """What an admin-group name administers, if it exists: the product of a
    `_product_admin_`, the profile of a `_developer_`, the group or profile of an `_admin_`."""
    if parsed.prefix == PRODUCT_ADMIN_PREFIX:
        return org.product_named(parsed.base)
    base = org.group_named(parsed.base)
    allowed = (PRODUCT_PROFILE,) if parsed.prefix == DEVELOPER_PREFIX else (USER_GROUP, PRODUCT_PROFILE)
    return base if base is not None and base.type in allowed else None
