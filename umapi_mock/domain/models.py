"""Organization state: the plain-Python heart of the emulator, behind one façade (`Org`).

Everything the HTTP layer serves is read from or written to these objects, so a test can
seed and inspect an org without a server. The org is split by concern:

* `records`: the immutable records (updates replace them) and constants;
* this module: the entities (the stores) and the write primitives, the only code that
  writes to the stores; they keep the `indexes` consistent, record undo entries and
  touched keys for `transactions`, and tell the org's `listeners` (its `views.OrgViews`
  first) what they changed;
* `views`: derived views kept up to date from those write events, and the cache invariant;
* `transactions`: the undo log, savepoints and the change records a commit reports.

Scale: an org holds a million users in well under a gigabyte. A clone shares the
user-sized containers (`users`, `memberships`, `members` and the lookup indexes) with its
source until either of them writes, so a clone costs O(groups), not O(users). Each is
taken over on its own first write (`_own`; `members` per group): copied when small, written
over when big (`indexes.Layered`: a dict's order and length, a lookup one dict miss
dearer), so even the first write on a big served org (a clone of its reset template) costs
O(written). That is why every write must go through the primitives below, never into the
containers directly.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, MutableMapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from typing import Any

from . import indexes, transactions, views
from .changes import ChangeKey, ChangeObserver
from .indexes import ByEmail, ByLogin, index_user, moved_back, own_copy, plain, second_last, unindex_user, user_position
from .names import admin_group_name
from .records import *  # noqa: F403  (the façade: `from umapi_mock.domain.models import User, ...`)
from .records import (
    FIXED_ADMIN_GROUPS,
    ORG_ADMIN,
    PRODUCT_PROFILE,
    USER_GROUP,
    BulkWrite,
    Credential,
    Domain,
    Group,
    Product,
    User,
    renamed_user,
    replace_user,
)
from .registry import Registry
from .transactions import Transaction as Transaction
from .transactions import UndoEntry
from .views import PAGE_VIEWS as PAGE_VIEWS
from .views import OrgViews, WriteListener

SHARED = ("users", "members", "memberships", "index")  # what a clone shares until written (`Org._own`)
_NO_GROUPS: frozenset[int] = frozenset()


class Org:
    """One organization. All writes go through the primitives at the bottom, which keep the
    indexes consistent, record an undo entry while a transaction is open, and tell the
    listeners (the derived views) what changed."""

    def __init__(self, org_id: str, *, sysadmin_name: str = ORG_ADMIN, migrating: bool = False):
        self.id = org_id
        self.sysadmin_name = sysadmin_name
        self.migrating = migrating
        self.directory_sync: str | None = None  # "azure" or "google": see domain/directory_sync.py
        # trusted domains (domain/trust.py): owner: domain -> trustee ids; trustee: domain -> TrustedDomain
        self.trustees: dict[str, tuple[str, ...]] = {}
        self.trusted: dict[str, object] = {}
        self.lock = threading.RLock()
        self.domains: dict[str, Domain] = {}
        self.credentials: dict[str, Credential] = {}
        self.products: dict[str, Product] = {}  # lower name -> product
        self.groups: dict[int, Group] = {}
        self.users: indexes.UserStore = {}
        self.members: dict[int, indexes.Members] = {}  # gid -> direct member uids, in join order
        self.memberships: MutableMapping[int, frozenset[int]] = {}  # uid -> direct group ids
        self.version = 0
        self._group_ids: dict[str, int] = {}  # lower name -> gid
        self._by_email: ByEmail = {}  # lower email -> uid, or uids when shared
        self._by_login: ByLogin = {}  # (lower username, lower domain) -> uid
        self._next_uid = 1
        self._next_gid = 100000
        self._undo: list[UndoEntry] | None = None  # open transaction's undo log
        self.observer: ChangeObserver | None = None  # told about each commit (persistence)
        self._dirty: set[ChangeKey] | None = None  # keys touched by the open transaction
        self.derived = OrgViews()
        self._listeners: tuple[WriteListener, ...] = ()
        self.add_listener(self.derived)
        # containers still shared with a clone (`SHARED`): `_own` them before writing
        self._shared_users = self._shared_members = self._shared_memberships = self._shared_index = False
        self._borrowed: set[int] = set()  # gids whose member dicts are still shared with a clone
        self.users_in_uid_order = True  # `users` iterates in ascending uid order (see indexes.user_position)
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

    find_user = indexes.find_user  # the account a user string names (spec §3.2)

    def group_names_of(self, uid: int, *, direct_only: bool = True) -> list[str]:
        """A user's `groups` field (spec §2.5.4): indirect profiles only when not direct_only."""
        gids = set(self.memberships.get(uid, ()))
        if not direct_only:
            for gid in list(gids):
                group = self.groups[gid]
                if group.type == USER_GROUP:
                    gids.update(group.profiles)
        return sorted((self.groups[g].name for g in gids), key=str.lower)

    ensure_admin_group = indexes.ensure_admin_group  # created with its first admin
    admin_base = indexes.admin_base  # what an admin-group name administers

    def admin_group_of(self, group: Group) -> Group | None:
        return self.group_named(admin_group_name(group.name))

    def technical_accounts(self) -> set[str]:
        """The org's technical accounts: one per credential (spec §2.4: counted in users
        lists' X-Total-Count, never returned)."""
        return {c.tech_account for c in self.credentials.values()}

    def is_member(self, gid: int, uid: int) -> bool:
        return uid in self.members.get(gid, {})

    # ------------------------------------------------------------ derived views
    # Kept by `views.OrgViews` (the cache invariant is stated there, once).

    @property
    def groups_version(self) -> int:
        """Moves on with every change to a group record (group names show on users)."""
        return self.derived.groups_version

    def view(self, key: object, build: Callable[[], object]) -> object:
        """Memoise a derived read until the next write, whatever it changes (for reads no
        write event keeps track of, such as the console's search orders). Readers hold
        the org lock only while building."""
        return self.derived.view(self, key, build)

    def kept_view(self, key: object, build: Callable[[], object]) -> object:
        """Memoise a derived id list (the keys the views' events know: member lists,
        licences, a domain's active users, the groups listing) until a write changes it."""
        return self.derived.kept_view(self, key, build)

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
        """Memoise page `index` (of `size`) of the id list `source`, showing the users
        `uids(value)`: the same object until a write changes one of those users or that
        part of the list, so a cache of what is derived from it can tell by identity."""
        return self.derived.page_view(self, key, build, source, index, size, uids)

    def active_user_ids(self) -> list[int]:
        """Uids of the active users, in listing order. The list is kept up to date by the
        writes (O(log users) each while users are in uid order): copy it to keep a snapshot."""
        return self.derived.active_user_ids(self)

    group_member_ids = views.group_member_ids  # direct (or also indirect) members, in join order
    licensed_ids = views.licensed_ids  # members of a profile holding a licence: the first `quota` to join
    listed_groups = views.listed_groups  # the groups listing, by gid

    def forget_views(self) -> None:
        """Drop every derived view and page: for bulk writers that bypass the primitives."""
        with self.lock:
            for listener in self._listeners:
                listener.reset(self)

    @property
    def listeners(self) -> tuple[WriteListener, ...]:
        """Told about every write, in order (the org's `derived` views first)."""
        return self._listeners

    def add_listener(self, listener: WriteListener) -> None:
        """Tell `listener` about this org's writes from now on (a clone starts with its views only)."""
        with self.lock:
            self._listeners = (*self._listeners, listener)
            # the hot events' bound methods, prebuilt: one call per write and listener
            self._on_user = tuple(x.user_changed for x in self._listeners)
            self._on_members = tuple(x.members_changed for x in self._listeners)

    # ------------------------------------------------------------ transactions

    def transaction(self) -> AbstractContextManager[Transaction]:
        """Hold the org lock and record undo entries; roll back on error or on request."""
        return transactions.transaction(self)

    def _record(self, undo: Callable[[], object], key: ChangeKey) -> None:
        self.version += 1
        if self._undo is not None:
            self._undo.append((undo,))
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
            for gid, group in self.members.items():  # the generator writes plain member dicts directly
                if gid in self._borrowed or isinstance(group, indexes.Layered):
                    self.members[gid] = plain(group) if isinstance(group, indexes.Layered) else dict(group)
            self._borrowed = set()
            self.users, self.memberships, self._by_email, self._by_login = (
                plain(self.users),
                plain(self.memberships),
                plain(self._by_email),
                plain(self._by_login),
            )
            members: dict[int, dict[int, None]] = self.members  # type: ignore[assignment]  # all plain now
            bulk = BulkWrite(self.users, self.memberships, members, self._by_email, self._by_login, self._next_uid)
            try:
                yield bulk
            finally:
                self._next_uid = max(self._next_uid, bulk.next_uid)
                self.version += 1
                self.forget_views()

    def _own(self, *names: str) -> None:
        """Stop sharing the named containers (all: none named) with a clone, before this
        org's first write to them after `clone()`: "members" is copied without the member
        dicts (each is taken over on its group's first write, `_owned_members`); the others
        ("users", "memberships", "index": both lookup indexes), like each member dict, are
        copied when small and written over when big (`indexes.own_copy`)."""
        with self.lock:
            for name in names or SHARED:
                flag = "_shared_" + name
                if not getattr(self, flag):
                    continue
                setattr(self, flag, False)
                if name in ("users", "memberships"):
                    setattr(self, name, own_copy(getattr(self, name)))
                elif name == "members":
                    self.members = dict(self.members)
                    self._borrowed = set(self.members)
                else:
                    self._by_email, self._by_login = own_copy(self._by_email), own_copy(self._by_login)

    def put_user(self, user: User) -> User:
        uid = user.uid
        if self._shared_users:
            self._own("users")
        users = self.users
        old = users.get(uid)
        same_keys = (
            old is not None
            and old.email == user.email
            and old.username == user.username
            and old.domain == user.domain
            and old.type == user.type
        )
        if not same_keys:
            if self._shared_index:
                self._own("index")
            if old is not None:
                unindex_user(self._by_email, self._by_login, old)
        users[uid] = user
        if not same_keys:
            index_user(self._by_email, self._by_login, user)
        if old is None:
            if self._shared_memberships:
                self._own("memberships")
            if self.users_in_uid_order and len(users) > 1 and uid < second_last(users):
                self.users_in_uid_order = False
            self.memberships.setdefault(uid, frozenset())
            if uid >= self._next_uid:
                self._next_uid = uid + 1
            undo: UndoEntry = (Org._forget_user, self, uid)  # (plain functions: no bound method per write)
        else:
            undo = (Org.put_user, self, old)
        self.version += 1  # what `_record` does, inlined on this hot path
        if self._undo is not None:
            self._undo.append(undo)
        if self._dirty is not None:
            self._dirty.add(("u", uid))
        for on_user in self._on_user:
            on_user(self, old, user)
        return user

    def rename_user(self, uid: int, firstname: str | None, lastname: str | None) -> User:
        """`update_user` of the names given (None: kept), the engine's commonest write: no key moves, no index."""
        if self._shared_users:
            self._own("users")
        old = self.users[uid]
        user = self.users[uid] = renamed_user(old, firstname, lastname)
        self.version += 1  # what `_record` does, inlined on this hot path
        if self._undo is not None:
            self._undo.append((Org.put_user, self, old))
        if self._dirty is not None:
            self._dirty.add(("u", uid))
        for on_user in self._on_user:
            on_user(self, old, user)
        return user

    def update_user(self, user: User, **changes: object) -> User:
        return self.put_user(replace_user(user, changes))

    def delete_user(self, uid: int) -> None:
        """Remove a user and every membership it holds."""
        self._own()
        for gid in list(self.memberships.get(uid, ())):
            self.remove_member(gid, uid)
        user = self.users[uid]
        position = user_position(self.users, uid, self.users_in_uid_order)
        email_key = user.email.lower()
        email_entry = self._by_email.get(email_key)
        self._forget_user(uid)

        def undo() -> None:
            # Back where it was: in the users listing, and among the users sharing its email.
            in_order = self.users_in_uid_order
            self.put_user(user)
            if position is not None:
                self.users = moved_back(self.users, position)
                self.users_in_uid_order = in_order
                for listener in self._listeners:
                    listener.order_changed(self)
            if email_entry is not None:
                self._by_email[email_key] = email_entry

        self._record(undo, ("u", uid))

    def _forget_user(self, uid: int) -> None:
        self._own()
        user = self.users.pop(uid)
        unindex_user(self._by_email, self._by_login, user)
        for gid in self.memberships.pop(uid, ()):
            self._members_changed(gid)
        for on_user in self._on_user:
            on_user(self, user, None)
        self.version += 1

    def _members_changed(self, gid: int, uid: int | None = None) -> None:
        for on_members in self._on_members:
            on_members(self, gid, uid)

    def _groups_changed(self) -> None:
        for listener in self._listeners:
            listener.groups_changed(self)

    def add_group(self, name: str, gtype: str, *, gid: int | None = None, **attrs: object) -> Group:
        if self._shared_members:
            self._own("members")
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
            self.groups = moved_back(self.groups, group_at)
            self.members[gid] = members
            if members_at is not None:
                self.members = moved_back(self.members, members_at)
            if group.type == PRODUCT_PROFILE and group.product:
                profiles = self.add_product(group.product).profiles
                profiles.insert(len(profiles) if profile_at is None else profile_at, gid)
            self._groups_changed()

        self._record(undo, ("g", gid))

    def _drop_group(self, gid: int) -> None:
        if self._shared_members:
            self._own("members")
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

    def _owned_members(self, gid: int) -> indexes.Members:
        """Group `gid`'s member dict, this org's own to write."""
        members = self.members.get(gid)
        if members is None:
            members = self.members[gid] = {}
        elif gid in self._borrowed:
            self._borrowed.discard(gid)
            members = self.members[gid] = own_copy(members)
        return members

    def add_member(self, gid: int, uid: int) -> bool:
        if self._shared_members or self._shared_memberships:
            self._own("members", "memberships")
        members = self.members.get(gid)
        if members is not None and uid in members:
            return False
        if members is None or gid in self._borrowed:
            members = self._owned_members(gid)
        members[uid] = None
        memberships = self.memberships
        memberships[uid] = memberships.get(uid, _NO_GROUPS) | {gid}
        for on_members in self._on_members:
            on_members(self, gid, uid)
        self.version += 1  # what `_record` does, inlined on this hot path
        if self._undo is not None:
            self._undo.append((Org._unlink, self, gid, uid))
        if self._dirty is not None:
            self._dirty.add(("m", gid, uid))
        return True

    def remove_member(self, gid: int, uid: int) -> bool:
        members = self.members.get(gid)
        if members is None or uid not in members:
            return False
        if self._shared_members or self._shared_memberships:
            self._own("members", "memberships")
        # The undo must restore the join order (licences go to the first to join). The
        # newest member comes back by appending; any other needs the order kept: O(group).
        order = None if next(reversed(members)) == uid else members.copy()
        if gid in self._borrowed:  # what `_unlink` does, inlined on this hot path
            members = self._owned_members(gid)
        del members[uid]
        groups = self.memberships.get(uid)
        if groups is not None:
            self.memberships[uid] = groups - {gid}
        for on_members in self._on_members:
            on_members(self, gid, uid)
        if self._undo is not None:  # what `_record` does, inlined on this hot path
            self._undo.append((Org._relink, self, gid, uid, order))
        if self._dirty is not None:
            self._dirty.add(("m", gid, uid))
        self.version += 1
        return True

    def _relink(self, gid: int, uid: int, order: indexes.Members | None) -> None:
        """Undo `remove_member`: `uid` back in `gid`, where it was in the join order."""
        if self._shared_members or self._shared_memberships:
            self._own("members", "memberships")
        if order is None:
            self._owned_members(gid)[uid] = None
        else:
            self.members[gid] = order  # the snapshot: nothing else holds it
        self.memberships[uid] = self.memberships.get(uid, _NO_GROUPS) | {gid}
        self._members_changed(gid, uid)
        self.version += 1

    def _unlink(self, gid: int, uid: int) -> None:
        if self._shared_members or self._shared_memberships:
            self._own("members", "memberships")
        members = self.members.get(gid)
        if members is not None:
            if gid in self._borrowed:
                members = self._owned_members(gid)
            members.pop(uid, None)
        groups = self.memberships.get(uid)
        if groups is not None:
            self.memberships[uid] = groups - {gid}
        for on_members in self._on_members:
            on_members(self, gid, uid)
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
            twin.products = {k: p.copied() for k, p in self.products.items()}
            twin.groups = dict(self.groups)
            twin._group_ids = dict(self._group_ids)
            twin._undo, twin.observer, twin._dirty = None, None, None
            twin.trustees, twin.trusted = dict(self.trustees), dict(self.trusted)  # trust: domain/trust.py
            twin.derived = self.derived.twin()  # shares the active list until either side patches it
            views = twin.derived  # other listeners attach to each org themselves (`add_listener`)
            twin._listeners, twin._on_user, twin._on_members = (views,), (views.user_changed,), (views.members_changed,)
            for org in (self, twin):
                org._shared_users = org._shared_members = org._shared_memberships = org._shared_index = True
            return twin


OrgRegistry = Registry[Org]  # all orgs served by one emulator, and the credential index IMS and the gate use
