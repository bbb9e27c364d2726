"""Reads for people looking at an org (the admin console): user search and sort, a user's
memberships and roles, groups with their use. UMAPI itself never answers these.

Everything works on id lists that the org memoises until its next write, so paging through
a million users costs one search per query, not one per page (when a memo may be reused:
the cache invariant in `views`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .models import (
    CONTRACT_ADMIN_GROUP,
    DEPLOYMENT_ADMIN_GROUP,
    DEVELOPER_GROUP,
    PRODUCT_ADMIN_GROUP,
    PRODUCT_PROFILE,
    PROFILE_ADMIN_GROUP,
    SUPPORT_ADMIN_GROUP,
    SYSADMIN_GROUP,
    USER_ADMIN_GROUP,
    USER_GROUP,
    Group,
    Org,
    User,
)
from .reads import Page, paginate

# What each sortable column sorts by: one lower-cased string (fast to compare); ties keep
# the org's order, since the sort is stable.
USER_SORT_KEYS: dict[str, Callable[[User], str]] = {
    "email": lambda u: u.email.lower(),
    "name": lambda u: f"{u.lastname or ''}\x00{u.firstname or ''}\x00{u.email}".lower(),
    "type": lambda u: u.type,
    "status": lambda u: u.status,
    "domain": lambda u: u.domain.lower(),
}

RECENT_QUERIES = 4  # user searches remembered per org version (each may hold a million ids)

# The role an admin group gives its members, by group type.
ADMIN_ROLES = {
    SYSADMIN_GROUP: "system administrator",
    DEPLOYMENT_ADMIN_GROUP: "deployment administrator",
    SUPPORT_ADMIN_GROUP: "support administrator",
    PRODUCT_ADMIN_GROUP: "product administrator",
    PROFILE_ADMIN_GROUP: "product profile administrator",
    USER_ADMIN_GROUP: "user group administrator",
    DEVELOPER_GROUP: "developer",
    CONTRACT_ADMIN_GROUP: "contract administrator",
}


@dataclass(frozen=True)
class UserQuery:
    """A search over an org's users: `text` matches email, user name, first and last name
    (case-insensitive substring); `sort` is a USER_SORT_KEYS name or "" for the org's order."""

    text: str = ""
    type: str | None = None
    status: str | None = None
    sort: str = ""
    descending: bool = False


def search_users(org: Org, query: UserQuery, page: int, size: int) -> Page[User]:
    ids = _matching_ids(org, query)
    ids_page = paginate(ids, page, size)
    users = org.users
    return Page([users[uid] for uid in ids_page.items], ids_page.index, ids_page.page_count, ids_page.total)


def _matching_ids(org: Org, query: UserQuery) -> Sequence[int]:
    if query.sort and query.sort not in USER_SORT_KEYS:
        raise ValueError(f"sort must be one of {', '.join(sorted(USER_SORT_KEYS))}")

    def build() -> Sequence[int]:
        needle = query.text.strip().lower()
        users = org.users
        # Filter first, so a search sorts only what it found, not the whole org.
        order: list[int] = _ordered_ids(org, "" if needle else query.sort)
        if needle:
            haystack = _haystack(org)
            order = [uid for uid in order if needle in haystack[uid][1]]
            if query.sort:
                key = USER_SORT_KEYS[query.sort]
                order.sort(key=lambda uid: key(users[uid]))
        if query.type or query.status:
            order = [
                uid
                for uid in order
                if (not query.type or users[uid].type == query.type)
                and (not query.status or users[uid].status == query.status)
            ]
        return order[::-1] if query.descending else order

    # The last few results are kept until the org's next write, so paging through one is O(page).
    recent: dict[UserQuery, Sequence[int]] = org.view("browse-recent", dict)  # type: ignore[assignment]
    ids = recent.get(query)
    if ids is None:
        ids = build()
        while len(recent) >= RECENT_QUERIES:
            recent.pop(next(iter(recent)), None)
        recent[query] = ids
    return ids


def _ordered_ids(org: Org, sort: str) -> list[int]:
    def build() -> list[int]:
        users = org.users
        if not sort:
            return list(users)  # the order UMAPI lists them in
        key = USER_SORT_KEYS[sort]
        return sorted(users, key=lambda uid: key(users[uid]))

    return org.view(("browse-order", sort), build)  # type: ignore[return-value]


def _haystack(org: Org) -> dict[int, tuple[User, str]]:
    """The searchable text of each user; after a write, only the users whose record changed
    are derived again (`views.OrgViews.per_user`)."""
    return org.derived.per_user(org, "search-text", _search_text)


def _search_text(u: User) -> str:
    return f"{u.email}\t{u.username}\t{u.firstname or ''} {u.lastname or ''}".lower()


def find_user_by_id(org: Org, user_id: str) -> User | None:
    """A user by the console's id: the numeric uid or the public `24HEX@...` id."""
    head = user_id.split("@", 1)[0]
    try:
        uid = int(head, 16) if "@" in user_id else int(head)
    except ValueError:
        return None
    user = org.users.get(uid)
    if user is None or ("@" in user_id and user.public_id != user_id):
        return None
    return user


@dataclass(frozen=True)
class Membership:
    group: Group
    via: Group | None = None  # the user group it comes through; None = direct


@dataclass(frozen=True)
class UserDetail:
    user: User
    direct: list[Membership]
    indirect: list[Membership]  # product profiles reached through a user group
    admin_roles: list[tuple[str, Group, Group | None]]  # (role, admin group, the group it administers)
    licensed: frozenset[int]  # the profiles (of direct and indirect) that hold a licence for the user


def user_detail(org: Org, user: User) -> UserDetail:
    groups = org.groups
    gids = sorted(org.memberships.get(user.uid, ()), key=lambda g: groups[g].name.lower())
    direct = [Membership(groups[g]) for g in gids if groups[g].type in (USER_GROUP, PRODUCT_PROFILE)]
    indirect = [
        Membership(groups[p], via=m.group)
        for m in direct
        if m.group.type == USER_GROUP
        for p in sorted(m.group.profiles, key=lambda p: groups[p].name.lower())
        if p in groups
    ]
    roles = []
    for g in gids:
        group = groups[g]
        role = ADMIN_ROLES.get(group.type)
        if role is not None:
            target = groups.get(group.target) if group.target is not None else None
            roles.append((role, group, target))
    profiles = {m.group.gid for m in direct + indirect if m.group.type == PRODUCT_PROFILE}
    licensed = frozenset(p for p in profiles if user.uid in org.licensed_ids(p))
    return UserDetail(user, direct, indirect, roles, licensed)


def group_members(org: Org, group: Group, page: int, size: int, *, direct_only: bool = True) -> Page[User]:
    ids = paginate(org.group_member_ids(group.gid, direct_only=direct_only), page, size)
    users = org.users
    return Page([users[uid] for uid in ids.items if uid in users], ids.index, ids.page_count, ids.total)


def licences_used(org: Org, group: Group) -> int | None:
    """Licences a product profile hands out (its members up to its quota); None for other groups."""
    if group.type != PRODUCT_PROFILE:
        return None
    return len(org.licensed_ids(group.gid))


def counts(org: Org) -> dict[str, dict[str, int]]:
    """Users by type and by status, groups by type."""

    def build() -> dict[str, dict[str, int]]:
        by_type: dict[str, int] = {}
        by_status: dict[str, int] = {}
        for u in org.users.values():
            by_type[u.type] = by_type.get(u.type, 0) + 1
            by_status[u.status] = by_status.get(u.status, 0) + 1
        groups: dict[str, int] = {}
        for g in org.groups.values():
            groups[g.type] = groups.get(g.type, 0) + 1
        return {"users_by_type": by_type, "users_by_status": by_status, "groups_by_type": groups}

    return org.view("browse-counts", build)  # type: ignore[return-value]
