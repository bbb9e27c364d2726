"""Organization state: the plain-Python heart of the emulator.

Everything the HTTP layer serves is read from or written to these objects, so a test can
seed and inspect an org without a server. Records are immutable (updates replace them),
which makes three things cheap: an undo log for atomic steps and test mode, a shallow
clone for a fresh org per test, and lock-free reads of a consistent record.

Scale: an org holds a million users in well under a gigabyte. A clone shares the
user-sized containers (`users`, `memberships`, `members` and the lookup indexes) with its
source until either of them writes, so a clone costs O(groups), not O(users). That is why
every write must go through the primitives below, never into the containers directly.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from operator import attrgetter
from typing import Any

from . import heap
from .changes import ChangeKey, ChangeObserver, OrgChanges
from .names import (
    DEVELOPER_PREFIX,
    PRODUCT_ADMIN_PREFIX,
    AdminName,
    admin_group_name,
    admin_name,
    domain_of,
)
from .scopes import S2S_SCOPES
from .views import PageCache

ADOBE_ID = "adobeID"
ENTERPRISE_ID = "enterpriseID"
FEDERATED_ID = "federatedID"
IDENTITY_TYPES = (ADOBE_ID, ENTERPRISE_ID, FEDERATED_ID)

USER_STATUSES = ("active", "disabled", "locked", "removed")

# Group types as the groups endpoint names them (spec §2.3).
USER_GROUP = "USER_GROUP"
PRODUCT_PROFILE = "PRODUCT_PROFILE"
SYSADMIN_GROUP = "SYSADMIN_GROUP"
DEPLOYMENT_ADMIN_GROUP = "DEPLOYMENT_ADMIN_GROUP"
SUPPORT_ADMIN_GROUP = "SUPPORT_ADMIN_GROUP"
PRODUCT_ADMIN_GROUP = "PRODUCT_ADMIN_GROUP"
PROFILE_ADMIN_GROUP = "PROFILE_ADMIN_GROUP"
USER_ADMIN_GROUP = "USER_ADMIN_GROUP"
DEVELOPER_GROUP = "DEVELOPER_GROUP"
CONTRACT_ADMIN_GROUP = "CONTRACT_ADMIN_GROUP"  # since 2025-06: see domain/contracts.py

ORG_ADMIN = "_org_admin"
DEPLOYMENT_ADMIN = "_deployment_admin"
SUPPORT_ADMIN = "_support_admin"
# Fixed admin groups every org has, with the type the groups listing reports.
FIXED_ADMIN_GROUPS = {
    ORG_ADMIN: SYSADMIN_GROUP,
    DEPLOYMENT_ADMIN: DEPLOYMENT_ADMIN_GROUP,
    SUPPORT_ADMIN: SUPPORT_ADMIN_GROUP,
}
# Role names UMAPI never lets a caller assign or remove (spec §3.3 `add`).
UNASSIGNABLE_GROUPS = frozenset({ORG_ADMIN, "_compartment_admin", "_compartment_viewer"})

DEFAULT_SCOPES = S2S_SCOPES
PAGE_VIEWS = 128  # pages of user records kept per org (a 2,000-user page holds 16 KB of references)
DEFAULT_METASCOPES = ("ent_user_sdk",)


@dataclass
class BulkWrite:
    """What `Org.bulk_write` hands out: the raw stores, and the next free uid to advance."""

    users: dict[int, User]
    memberships: dict[int, frozenset[int]]
    members: dict[int, dict[int, None]]
    by_email: dict[str, int | tuple[int, ...]]  # lower email -> uid, or uids when shared
    by_login: dict[tuple[str, str], int]  # (lower username, lower domain) -> uid
    next_uid: int


class AmbiguousUser(LookupError):
    """Two org-owned accounts share the email a user string names, and neither logs in with it."""


@dataclass(frozen=True, slots=True)
class Domain:
    name: str
    type: str  # "enterprise" or "federated"


@dataclass(frozen=True, slots=True)
class Credential:
    """An integration: what IMS knows about one client id."""

    client_id: str
    client_secret: str
    org_id: str
    tech_account: str
    certificates: tuple[str, ...] = ()  # PEM certificates bound for JWT exchange
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    metascopes: tuple[str, ...] = DEFAULT_METASCOPES


@dataclass(frozen=True, slots=True)
class User:
    uid: int
    type: str
    email: str
    username: str
    domain: str
    firstname: str | None = None
    lastname: str | None = None
    country: str | None = None
    status: str = "active"

    @property
    def org_owned(self) -> bool:
        return self.type != ADOBE_ID

    @property
    def public_id(self) -> str:
        """The `24HEX@domain|AdobeID` id form of the deprecated API (spec §6 A15)."""
        suffix = "AdobeID" if self.type == ADOBE_ID else self.domain
        return f"{self.uid:024X}@{suffix}"


_USER_FIELDS = ("uid", "type", "email", "username", "domain", "firstname", "lastname", "country", "status")
_USER_INDEX = {name: i for i, name in enumerate(_USER_FIELDS)}
_user_values = attrgetter(*_USER_FIELDS)


def _user_builder() -> Callable[..., User]:
    # Slot descriptors of the frozen dataclass, called directly: what its `__init__` does
    # through nine `object.__setattr__` calls, at a fraction of the cost.
    s0, s1, s2, s3, s4, s5, s6, s7, s8 = (User.__dict__[name].__set__ for name in _USER_FIELDS)
    new = object.__new__

    def user_record(
        uid: int,
        type: str,
        email: str,
        username: str,
        domain: str,
        firstname: str | None = None,
        lastname: str | None = None,
        country: str | None = None,
        status: str = "active",
    ) -> User:
        """`User(...)` for bulk and hot paths: the same record, built by writing its slots."""
        user = new(User)
        s0(user, uid)
        s1(user, type)
        s2(user, email)
        s3(user, username)
        s4(user, domain)
        s5(user, firstname)
        s6(user, lastname)
        s7(user, country)
        s8(user, status)
        return user

    return user_record


user_record = _user_builder()


def replace_user(user: User, changes: dict[str, object]) -> User:
    """`dataclasses.replace(user, **changes)` at a fraction of the cost (the action engine
    updates users at almost every step)."""
    values = list(_user_values(user))
    for name, value in changes.items():
        index = _USER_INDEX.get(name)
        if index is None:
            raise TypeError(f"User.__init__() got an unexpected keyword argument {name!r}")
        values[index] = value
    return user_record(*values)


@dataclass(frozen=True, slots=True)
class Group:
    gid: int
    name: str
    type: str
    description: str | None = None
    product: str | None = None  # product name: profiles and product admin groups
    quota: int | None = None  # licence quota of a profile (None = unlimited), or a user group's seeded one
    target: int | None = None  # base group id of an admin/developer group
    read_only: bool = False  # user group shared from another org
    profiles: frozenset[int] = frozenset()  # user groups: linked product profiles
    contract: str | None = None  # `contractName` of a CONTRACT_ADMIN_GROUP


@dataclass(slots=True)
class Product:
    name: str
    profiles: list[int] = field(default_factory=list)
    # The deprecated product APIs' fields, when seeded (domain/products.py derives them otherwise).
    id: str | None = None
    code: str | None = None
    quota: int | None = None


_GROUP_VIEWS = ("members", "status", "licensed")  # views derived from one group's members (see reads)


def _second_last(d: dict[int, Any]) -> int:
    keys = reversed(d)
    next(keys)
    return int(next(keys))


def _moved_back(d: dict[Any, Any], position: int) -> dict[Any, Any]:
    """`d` with its last entry moved to `position` (-1: to its place in ascending key
    order), as a new dict: readers holding the old one never see a half-built dict."""
    items = list(d.items())
    item = items.pop()
    if position < 0:
        position = bisect_left([k for k, _ in items], item[0])
    items.insert(position, item)
    return dict(items)


class Org:
    """One organization. All writes go through the primitives at the bottom, which keep the
    indexes consistent and record an undo entry while a transaction is open."""

    def __init__(self, org_id: str, *, sysadmin_name: str = ORG_ADMIN, migrating: bool = False):
        self.id = org_id
        self.sysadmin_name = sysadmin_name
        self.migrating = migrating
        self.directory_sync: str | None = None  # "azure" or "google": see domain/directory_sync.py
        # trusted domains (domain/trust.py): as owner, lower domain -> trustee org ids; as trustee,
        # lower domain -> trust.TrustedDomain
        self.trustees: dict[str, tuple[str, ...]] = {}
        self.trusted: dict[str, object] = {}
        self.lock = threading.RLock()
        self.domains: dict[str, Domain] = {}
        self.credentials: dict[str, Credential] = {}
        self.products: dict[str, Product] = {}  # lower name -> product
        self.groups: dict[int, Group] = {}
        self.users: dict[int, User] = {}
        self.members: dict[int, dict[int, None]] = {}  # gid -> direct member uids, in join order
        self.memberships: dict[int, frozenset[int]] = {}  # uid -> direct group ids
        self.version = 0
        self._group_ids: dict[str, int] = {}  # lower name -> gid
        self._by_email: dict[str, int | tuple[int, ...]] = {}  # lower email -> uid, or uids when shared
        self._by_login: dict[tuple[str, str], int] = {}  # (lower username, lower domain) -> uid
        self._next_uid = 1
        self._next_gid = 100000
        self._undo: list[Callable[[], object]] | None = None
        self.observer: ChangeObserver | None = None  # told about each commit (persistence)
        self._dirty: set[ChangeKey] | None = None  # keys touched by the open transaction
        self._views: dict[object, object] = {}  # derived reads, until the next write
        self._views_version = -1
        self._kept: dict[object, object] = {}  # derived id lists; writes drop the ones they change
        self.groups_version = 0  # moves on with every change to a group record (names show on users)
        self._group_views: dict[int, list[object]] = {}  # gid -> keys of the views derived from its members
        self._pages = PageCache(PAGE_VIEWS)
        self._active: list[int] | None = None  # active uids in `users` order, kept up to date; None: rebuild
        self._shared = False  # the user-sized containers are shared with a clone: copy before writing
        self._users_in_uid_order = True  # `users` iterates in ascending uid order (see _user_position)
        for name, gtype in FIXED_ADMIN_GROUPS.items():
            self.add_group(name, gtype)

    # ----------------------------------------------------------------- lookups

    def group_named(self, name: str) -> Group | None:
        gid = self._group_ids.get(name.lower())
        return None if gid is None else self.groups[gid]

    def product_named(self, name: str) -> Product | None:
        return self.products.get(name.lower())

    def domain_named(self, name: str) -> Domain | None:
        return self.domains.get(name.lower())

    def users_with_email(self, email: str) -> list[User]:
        found = self._by_email.get(email.lower())
        if found is None:
            return []
        if isinstance(found, int):
            return [self.users[found]]
        return [self.users[u] for u in found]

    def user_by_login(self, username: str, domain: str) -> User | None:
        uid = self._by_login.get((username.lower(), domain.lower()))
        return None if uid is None else self.users[uid]

    def find_user(self, user: str, domain: str | None = None, *, adobe_id: bool = False) -> User | None:
        """The account a user string names (spec §3.2), for actions, reads and the seed loader.

        With `domain`: the login (username, domain), else an org-owned account with that
        email in that domain. Without: the org-owned account with this email, else the one
        whose login it is, else the Adobe ID (an org-owned account wins unless the Adobe ID
        is asked for). Two org-owned accounts sharing the email are ambiguous unless one
        logs in with it: `AmbiguousUser` (docs/fidelity.md, "one account resolution")."""
        if adobe_id or (domain is not None and domain.lower() == "adobeid"):
            return next((u for u in self.users_with_email(user) if u.type == ADOBE_ID), None)
        if domain:
            found = self.user_by_login(user, domain)
            if found is not None:
                return found
            owned = [u for u in self.users_with_email(user) if u.org_owned and u.domain.lower() == domain.lower()]
            return owned[0] if owned else None
        candidates = self.users_with_email(user)
        owned = [u for u in candidates if u.org_owned]
        login = self.user_by_login(user, domain_of(user)) if "@" in user else None
        if len(owned) > 1:
            if login is not None and login in owned:
                return login
            raise AmbiguousUser(user)
        if owned:
            return owned[0]
        return login or next((u for u in candidates if u.type == ADOBE_ID), None)

    def group_names_of(self, uid: int, *, direct_only: bool = True) -> list[str]:
        """A user's `groups` field (spec §2.5.4): indirect profiles only when not direct_only."""
        gids = set(self.memberships.get(uid, ()))
        if not direct_only:
            for gid in list(gids):
                group = self.groups[gid]
                if group.type == USER_GROUP:
                    gids.update(group.profiles)
        return sorted((self.groups[g].name for g in gids), key=str.lower)

    def ensure_admin_group(self, name: str) -> Group | None:
        """Find or create the admin or developer group `name` denotes (admin groups come
        into being with their first admin), or None when its base group or product is unknown."""
        group = self.group_named(name)
        if group is not None:
            return group
        parsed = admin_name(name)
        base = None if parsed is None else self.admin_base(parsed)
        if parsed is None or base is None:
            return None
        if isinstance(base, Product):
            return self.add_group(PRODUCT_ADMIN_PREFIX + base.name, PRODUCT_ADMIN_GROUP, product=base.name)
        if parsed.prefix == DEVELOPER_PREFIX:
            return self.add_group(DEVELOPER_PREFIX + base.name, DEVELOPER_GROUP, target=base.gid, product=base.product)
        gtype = USER_ADMIN_GROUP if base.type == USER_GROUP else PROFILE_ADMIN_GROUP
        return self.add_group(admin_group_name(base.name), gtype, target=base.gid, product=base.product)

    def admin_base(self, parsed: AdminName) -> Group | Product | None:
        """What an admin-group name administers, if it exists: the product of a
        `_product_admin_`, the profile of a `_developer_`, the group or profile of an `_admin_`."""
        if parsed.prefix == PRODUCT_ADMIN_PREFIX:
            return self.product_named(parsed.base)
        base = self.group_named(parsed.base)
        allowed = (PRODUCT_PROFILE,) if parsed.prefix == DEVELOPER_PREFIX else (USER_GROUP, PRODUCT_PROFILE)
        return base if base is not None and base.type in allowed else None

    def admin_group_of(self, group: Group) -> Group | None:
        return self.group_named(admin_group_name(group.name))

    def technical_accounts(self) -> set[str]:
        """The org's technical accounts: one per credential (spec §2.4: counted in users
        lists' X-Total-Count, never returned)."""
        return {c.tech_account for c in self.credentials.values()}

    def is_member(self, gid: int, uid: int) -> bool:
        return uid in self.members.get(gid, {})

    # ------------------------------------------------------------ cached views

    def view(self, key: object, build: Callable[[], object]) -> object:
        """Memoise a derived read until the next write, whatever it changes (for reads no
        write primitive keeps track of, such as the console's search orders). Readers hold
        the org lock only while building."""
        if self._views_version != self.version:
            with self.lock:
                if self._views_version != self.version:
                    self._views = {}
                    self._views_version = self.version
        views = self._views
        try:
            return views[key]
        except KeyError:
            pass
        with self.lock:
            value = build()
            if self._views_version == self.version:
                self._views[key] = value
            return value

    def kept_view(self, key: object, build: Callable[[], object]) -> object:
        """Memoise a derived id list (the keys the view upkeep below knows: member lists,
        licences, a domain's active users, the groups listing) until a write changes it:
        each write drops only the kept views it affects. Readers hold the org lock only
        while building."""
        try:
            return self._kept[key]
        except KeyError:
            pass
        with self.lock:
            value = self._kept.get(key)
            if value is None:
                value = self._kept[key] = build()
                if isinstance(key, tuple) and key[0] in _GROUP_VIEWS:
                    self._group_views.setdefault(key[1], []).append(key)
            return value

    def page_view(
        self,
        key: Hashable,
        build: Callable[[], object],
        *,
        source: Hashable,
        index: int,
        size: int,
        uids: Callable[[Any], Iterable[int]],
    ) -> object:
        """Memoise page `index` (of `size`) of the id list `source` (e.g. its records),
        showing the users `uids(value)`. It stays cached, the same object, until a write
        changes one of those users or that part of the list (`views.PageCache`), so a
        cache of what is derived from it can tell by identity whether it is still valid."""
        value = self._pages.get(key)
        if value is not None:
            return value
        with self.lock:
            value = self._pages.get(key)
            if value is None:
                value = build()
                self._pages.put(key, value, source, index, size, uids(value))
            return value

    def active_user_ids(self) -> list[int]:
        """Uids of the active users, in listing order. The list is kept up to date by the
        writes (O(log users) each while users are in uid order): copy it to keep a snapshot."""
        active = self._active
        if active is None:
            with self.lock:
                active = self._active
                if active is None:
                    active = self._active = [uid for uid, u in self.users.items() if u.status == "active"]
        return active

    def group_member_ids(self, gid: int, *, direct_only: bool = True) -> list[int]:
        def build() -> list[int]:
            direct = list(self.members.get(gid, {}))
            group = self.groups[gid]
            if direct_only or group.type != PRODUCT_PROFILE:
                return direct
            seen = dict.fromkeys(direct)
            for ug in self.groups.values():
                if ug.type == USER_GROUP and gid in ug.profiles:
                    for uid in self.members.get(ug.gid, {}):
                        seen.setdefault(uid, None)
            return list(seen)

        return self.kept_view(("members", gid, direct_only), build)  # type: ignore[return-value]

    def licensed_ids(self, gid: int) -> frozenset[int]:
        """Members of a profile holding an active licence: the first `quota` to join."""

        def build() -> frozenset[int]:
            group = self.groups[gid]
            ids = self.group_member_ids(gid, direct_only=False)
            if group.quota is None:
                return frozenset(ids)
            return frozenset(ids[: group.quota])

        return self.kept_view(("licensed", gid), build)  # type: ignore[return-value]

    def listed_groups(self) -> list[Group]:
        def build() -> list[Group]:
            return sorted(self.groups.values(), key=lambda g: g.gid)

        return self.kept_view("groups", build)  # type: ignore[return-value]

    # ------------------------------------------------------------ view upkeep
    # Each write primitive tells the views what it changed, so a read after a write
    # rebuilds only what that write made stale.

    def _user_changed(self, old: User | None, new: User | None) -> None:
        """A user record was created (`old` None), replaced, or removed (`new` None)."""
        uid = old.uid if old is not None else new.uid  # type: ignore[union-attr]
        self._pages.drop_user(uid)
        was = old is not None and old.status == "active"
        now = new is not None and new.status == "active"
        if was == now and (old is None or new is None or old.domain == new.domain):
            return
        for user in (old, new):
            if user is not None:
                key = ("active-in-domain", user.domain.lower())
                self._kept.pop(key, None)
                self._pages.drop_source(key)
        if was != now:
            self._active_changed(uid, now)

    def _active_changed(self, uid: int, active_now: bool) -> None:
        active = self._active
        if active is None:
            return
        if not self._users_in_uid_order:  # positions unknown without a scan: rebuild on demand
            self._active = None
            self._pages.drop_source(("active",))
            return
        at = bisect_left(active, uid)
        present = at < len(active) and active[at] == uid
        if active_now and not present:
            active.insert(at, uid)
        elif present and not active_now:
            del active[at]
        else:
            return
        self._pages.drop_source(("active",), at)

    def _members_changed(self, gid: int, uid: int | None = None) -> None:
        """Members of `gid` changed (of `uid`, when given): its member lists, and those of
        the profiles it links (their indirect members), are rebuilt on their next read."""
        if uid is not None:
            self._pages.drop_user(uid)
        group_views = self._group_views
        if not group_views:
            return
        group = self.groups.get(gid)
        for g in (gid, *group.profiles) if group is not None else (gid,):
            keys = group_views.pop(g, None)
            if keys:
                for key in keys:
                    self._kept.pop(key, None)
                self._pages.drop_sources(lambda src, g=g: src[0] in _GROUP_VIEWS and src[1:2] == (g,))  # type: ignore[misc]

    def _groups_changed(self) -> None:
        """Groups were created, replaced or deleted: names and links show on every page."""
        self.groups_version += 1
        self._kept.clear()
        self._group_views.clear()
        self._pages.clear()

    def _order_changed(self) -> None:
        """`users` was reordered (an undo put a user back where it was)."""
        if not self._users_in_uid_order:
            self._active = None
            self._pages.drop_source(("active",))

    def forget_views(self) -> None:
        """Drop every derived view and page: for bulk writers that bypass the primitives."""
        with self.lock:
            self.groups_version += 1
            self._views = {}
            self._views_version = -1
            self._kept.clear()
            self._group_views.clear()
            self._pages.clear()
            self._active = None

    # ------------------------------------------------------------ transactions

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Hold the org lock and record undo entries; roll back on error or on request, or
        when the observer cannot keep the commit (a write that cannot be saved is not served)."""
        with self.lock:
            outer = self._undo
            self._undo = []
            if outer is None and self.observer is not None:
                self._dirty = set()
            txn = Transaction(self)
            try:
                yield txn
            except BaseException:
                txn.rollback_to(0)
                self._undo = outer
                self._dirty = None if outer is None else self._dirty
                raise
            if txn.rolled_back:
                txn.rollback_to(0)
            elif outer is None and self._dirty and self.observer is not None:
                try:  # kept only once the observer has it (durable); else undone here, in memory
                    wait = self.observer.committed(self._changes(self._dirty))
                    if wait is not None:
                        wait()
                except BaseException:
                    txn.rollback_to(0)
                    self._undo, self._dirty = outer, None
                    raise
            elif outer is not None:
                outer.extend(self._undo)
            self._undo = outer
            if outer is None:
                self._dirty = None

    def _changes(self, keys: set[ChangeKey]) -> OrgChanges:
        """Under the lock, at the commit point: the touched records as they are now."""
        users: dict[int, User | None] = {}
        groups: dict[int, Group | None] = {}
        members: list[tuple[int, int, bool]] = []
        for key in keys:
            if key[0] == "u":
                users[key[1]] = self.users.get(key[1])
            elif key[0] == "g":
                groups[key[1]] = self.groups.get(key[1])
            else:
                gid, uid = key[1], key[2]  # type: ignore[misc]
                members.append((gid, uid, uid in self.members.get(gid, {})))
        products = {p.name: list(p.profiles) for p in self.products.values()} if groups else None
        return OrgChanges(self.id, users, groups, members, self._next_uid, self._next_gid, products)

    def _record(self, undo: Callable[[], object], key: ChangeKey) -> None:
        self.version += 1
        if self._undo is not None:
            self._undo.append(undo)
        if self._dirty is not None:
            self._dirty.add(key)

    # -------------------------------------------------------------- primitives

    def add_domain(self, name: str, dtype: str) -> Domain:
        domain = Domain(name, dtype)
        self.domains[name.lower()] = domain
        self.version += 1
        return domain

    def add_credential(self, credential: Credential) -> None:
        self.credentials[credential.client_id] = credential

    def add_product(self, name: str) -> Product:
        product = self.products.get(name.lower())
        if product is None:
            product = self.products[name.lower()] = Product(name)
        return product

    def new_uid(self) -> int:
        uid = self._next_uid
        self._next_uid += 1
        return uid

    def reserve_ids(self, *, gids: Iterable[int] = (), uids: Iterable[int] = ()) -> None:
        """Number later groups and users after these ids (a seed states some ids, not all)."""
        self._next_gid = max([self._next_gid, *(g + 1 for g in gids)])
        self._next_uid = max([self._next_uid, *(u + 1 for u in uids)])

    @contextmanager
    def bulk_write(self) -> Iterator[BulkWrite]:
        """The generator's door for writing many users fast: the org's stores and indexes,
        written directly (no undo log, no per-user checks) under the org lock. On exit
        the uid counter moves past `BulkWrite.next_uid`, the version moves on, and every
        derived view and page is dropped, to be rebuilt on its next read."""
        with self.lock:
            self._own()
            bulk = BulkWrite(self.users, self.memberships, self.members, self._by_email, self._by_login, self._next_uid)
            try:
                yield bulk
            finally:
                self._next_uid = max(self._next_uid, bulk.next_uid)
                self.version += 1
                self.forget_views()

    def _own(self) -> None:
        """Stop sharing the user-sized containers with a clone: copy them once, before
        this org's first write after `clone()`."""
        if not self._shared:
            return
        with self.lock:
            if not self._shared:
                return
            self.users = dict(self.users)
            self.memberships = dict(self.memberships)
            self.members = {g: dict(m) for g, m in self.members.items()}
            self._by_email = dict(self._by_email)
            self._by_login = dict(self._by_login)
            if self._active is not None:
                self._active = list(self._active)
            self._shared = False
            heap.settle((self,))  # the copies are as long-lived as the records

    def put_user(self, user: User) -> User:
        self._own()
        old = self.users.get(user.uid)
        same_keys = (
            old is not None
            and old.email == user.email
            and old.username == user.username
            and old.domain == user.domain
            and old.type == user.type
        )
        if old is not None and not same_keys:
            self._unindex_user(old)
        self.users[user.uid] = user
        if not same_keys:
            self._index_user(user)
        if old is None:
            if self._users_in_uid_order and len(self.users) > 1 and user.uid < _second_last(self.users):
                self._users_in_uid_order = False
            self.memberships.setdefault(user.uid, frozenset())
            if user.uid >= self._next_uid:
                self._next_uid = user.uid + 1
            self._record(lambda: self._forget_user(user.uid), ("u", user.uid))
        else:
            self._record(lambda: self.put_user(old), ("u", user.uid))
        self._user_changed(old, user)
        return user

    def update_user(self, user: User, **changes: object) -> User:
        return self.put_user(replace_user(user, changes))

    def delete_user(self, uid: int) -> None:
        """Remove a user and every membership it holds."""
        self._own()
        for gid in list(self.memberships.get(uid, ())):
            self.remove_member(gid, uid)
        user = self.users[uid]
        position = self._user_position(uid)
        email_key = user.email.lower()
        email_entry = self._by_email.get(email_key)
        self._forget_user(uid)

        def undo() -> None:
            # Back where it was: in the users listing, and among the users sharing its email.
            in_order = self._users_in_uid_order
            self.put_user(user)
            if position is not None:
                self.users = _moved_back(self.users, position)
                self._users_in_uid_order = in_order
                self._order_changed()
            if email_entry is not None:
                self._by_email[email_key] = email_entry

        self._record(undo, ("u", uid))

    def _user_position(self, uid: int) -> int | None:
        """Where a user sits in `users`, for an undo to put it back there: None when it is
        the last one (appending restores it). While `users` is in uid order (every user
        created by the API or generated is), the position is found at undo time from the
        uid, so a delete stays O(1); otherwise it is looked up now, O(users)."""
        if next(reversed(self.users)) == uid:
            return None
        if self._users_in_uid_order:
            return -1  # "by uid", resolved by _moved_back
        return list(self.users).index(uid)

    def _forget_user(self, uid: int) -> None:
        self._own()
        user = self.users.pop(uid)
        self._unindex_user(user)
        for gid in self.memberships.pop(uid, ()):
            self._members_changed(gid)
        self._user_changed(user, None)
        self.version += 1

    def _index_user(self, user: User) -> None:
        # `_by_email` maps to a bare uid while an email has one user (nearly always), to a
        # tuple of uids otherwise: a one-uid tuple per user would cost 56 bytes a user.
        key = user.email.lower()
        found = self._by_email.get(key)
        if found is None:
            self._by_email[key] = user.uid
        elif isinstance(found, int):
            self._by_email[key] = (found, user.uid)
        else:
            self._by_email[key] = found + (user.uid,)
        if user.org_owned:
            self._by_login[(user.username.lower(), user.domain.lower())] = user.uid

    def _unindex_user(self, user: User) -> None:
        key = user.email.lower()
        found = self._by_email.get(key)
        if isinstance(found, int):
            if found == user.uid:
                del self._by_email[key]
        elif found is not None:
            rest = tuple(u for u in found if u != user.uid)
            if len(rest) > 1:
                self._by_email[key] = rest
            elif rest:
                self._by_email[key] = rest[0]
            else:
                del self._by_email[key]
        login = (user.username.lower(), user.domain.lower())
        if self._by_login.get(login) == user.uid:
            del self._by_login[login]

    def add_group(self, name: str, gtype: str, *, gid: int | None = None, **attrs: object) -> Group:
        self._own()
        if gid is None:
            gid = self._next_gid
        self._next_gid = max(self._next_gid, gid + 1)
        group = Group(gid, name, gtype, **attrs)  # type: ignore[arg-type]
        self._store_group(group)
        self.members.setdefault(gid, {})
        if gtype == PRODUCT_PROFILE and group.product:
            self.add_product(group.product).profiles.append(gid)
        self._groups_changed()
        self._record(lambda: self._drop_group(gid), ("g", gid))
        return group

    def put_group(self, group: Group) -> Group:
        old = self.groups[group.gid]
        self._swap_group(old, group)
        self._record(lambda: self._swap_group(group, old), ("g", group.gid))
        return group

    def _swap_group(self, old: Group, new: Group) -> None:
        """Replace a group record in place (same gid, same position in `groups`)."""
        if self._group_ids.get(old.name.lower()) == old.gid:
            del self._group_ids[old.name.lower()]
        self.groups[new.gid] = new
        self._group_ids[new.name.lower()] = new.gid
        self._groups_changed()

    def update_group(self, group: Group, **changes: object) -> Group:
        return self.put_group(replace(group, **changes))  # type: ignore[arg-type]

    def delete_group(self, gid: int) -> None:
        """Delete a group with its members, its admin group, and links to it."""
        self._own()
        group = self.groups[gid]
        for other in list(self.groups.values()):
            if other.target == gid:
                self.delete_group(other.gid)
            elif gid in other.profiles:
                self.put_group(replace(other, profiles=other.profiles - {gid}))
        for uid in reversed(list(self.members.get(gid, {}))):  # newest first: O(1) each
            self.remove_member(gid, uid)
        group_at = list(self.groups).index(gid)
        members_at = list(self.members).index(gid) if gid in self.members else None
        product = self.product_named(group.product) if group.type == PRODUCT_PROFILE and group.product else None
        profile_at = product.profiles.index(gid) if product is not None and gid in product.profiles else None
        self._drop_group(gid)
        members: dict[int, None] = {}

        def undo() -> None:
            # Back where it was in `groups`, `members` and its product's profile list.
            self._own()
            self._store_group(group)
            self.groups = _moved_back(self.groups, group_at)
            self.members[gid] = members
            if members_at is not None:
                self.members = _moved_back(self.members, members_at)
            if group.type == PRODUCT_PROFILE and group.product:
                profiles = self.add_product(group.product).profiles
                profiles.insert(len(profiles) if profile_at is None else profile_at, gid)
            self._groups_changed()

        self._record(undo, ("g", gid))

    def _drop_group(self, gid: int) -> None:
        self._own()
        group = self.groups[gid]
        self._unstore_group(group)
        self.members.pop(gid, None)
        if group.type == PRODUCT_PROFILE and group.product:
            product = self.product_named(group.product)
            if product is not None and gid in product.profiles:
                product.profiles.remove(gid)
        self._groups_changed()
        self.version += 1

    def _store_group(self, group: Group) -> None:
        self.groups[group.gid] = group
        self._group_ids[group.name.lower()] = group.gid

    def _unstore_group(self, group: Group) -> None:
        self.groups.pop(group.gid, None)
        if self._group_ids.get(group.name.lower()) == group.gid:
            del self._group_ids[group.name.lower()]

    def add_member(self, gid: int, uid: int) -> bool:
        self._own()
        members = self.members.setdefault(gid, {})
        if uid in members:
            return False
        members[uid] = None
        self.memberships[uid] = self.memberships.get(uid, frozenset()) | {gid}
        self._members_changed(gid, uid)
        self._record(lambda: self._unlink(gid, uid), ("m", gid, uid))
        return True

    def remove_member(self, gid: int, uid: int) -> bool:
        if uid not in self.members.get(gid, {}):
            return False
        self._own()
        members = self.members[gid]
        # The undo must restore the join order (licences go to the first to join). The
        # newest member comes back by appending; any other needs the order kept: O(group).
        order = None if next(reversed(members)) == uid else list(members)
        self._unlink(gid, uid)

        def undo() -> None:
            self._own()
            if order is None:
                self.members.setdefault(gid, {})[uid] = None
            else:
                self.members[gid] = dict.fromkeys(order)
            self.memberships[uid] = self.memberships.get(uid, frozenset()) | {gid}
            self._members_changed(gid, uid)
            self.version += 1

        self._record(undo, ("m", gid, uid))
        return True

    def _unlink(self, gid: int, uid: int) -> None:
        self._own()
        self.members.get(gid, {}).pop(uid, None)
        if uid in self.memberships:
            self.memberships[uid] = self.memberships[uid] - {gid}
        self._members_changed(gid, uid)
        self.version += 1

    # ------------------------------------------------------------------- clone

    def clone(self, org_id: str | None = None) -> Org:
        """A fresh, independent org with the same content (the fast path for a fresh org
        per test). The records are immutable and shared; the small containers are copied;
        the user-sized ones are shared until either org writes (copy-on-write, `_own`)."""
        with self.lock:
            twin = Org.__new__(Org)
            twin.__dict__.update(self.__dict__)
            twin.id = org_id or self.id
            twin.lock = threading.RLock()
            twin.domains = dict(self.domains)
            twin.credentials = (
                dict(self.credentials)
                if org_id is None
                else {k: replace(c, org_id=org_id) for k, c in self.credentials.items()}
            )
            twin.products = {k: replace(p, profiles=list(p.profiles)) for k, p in self.products.items()}
            twin.groups = dict(self.groups)
            twin._group_ids = dict(self._group_ids)
            twin._undo = None
            twin.observer = None
            twin._dirty = None
            twin._views = {}
            twin._views_version = -1
            twin._kept = {}
            twin._group_views = {}
            twin._pages = PageCache(PAGE_VIEWS)
            self._shared = twin._shared = True  # `_active` too is shared until either writes
            return twin


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
            entry = undo.pop()
            self.org._undo = None  # undo entries must not record themselves
            try:
                entry()
            finally:
                self.org._undo = undo
        self.org.version += 1

    def rollback(self) -> None:
        self.rolled_back = True


class OrgRegistry:
    """All orgs served by one emulator, and the credential index IMS and the gate use."""

    def __init__(self) -> None:
        self.orgs: dict[str, Org] = {}
        self.lock = threading.RLock()
        self.observer: ChangeObserver | None = None  # told about orgs added, replaced, removed

    def observe(self, observer: ChangeObserver | None) -> None:
        """Report commits of every org served from now on, and org replacements, to `observer`."""
        with self.lock:
            self.observer = observer
            for org in self.orgs.values():
                org.observer = observer

    def _replaced(self, orgs: list[Org], removed: list[str]) -> None:
        observer = self.observer
        for org in orgs:
            org.observer = observer
        if observer is not None:
            observer.orgs_replaced(orgs, removed)

    def add(self, org: Org) -> Org:
        with self.lock:
            self.orgs[org.id] = org
            self._replaced([org], [])
        return org

    def get(self, org_id: str) -> Org | None:
        return self.orgs.get(org_id)

    def remove(self, org_id: str) -> None:
        with self.lock:
            if self.orgs.pop(org_id, None) is not None:
                self._replaced([], [org_id])

    def credential(self, client_id: str) -> Credential | None:
        for org in list(self.orgs.values()):
            cred = org.credentials.get(client_id)
            if cred is not None:
                return cred
        return None

    def replace_all(self, orgs: list[Org]) -> None:
        with self.lock:
            removed = [org_id for org_id in self.orgs if org_id not in {o.id for o in orgs}]
            self.orgs = {o.id: o for o in orgs}
            self._replaced(list(orgs), removed)
