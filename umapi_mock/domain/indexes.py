"""The org's lookup indexes over its user records (by lower-cased email and by login),
and the lookups that resolve names through them: the account a user string names, the
admin group an admin-group name denotes.

They are plain dicts kept on the org (`Org._by_email`, `Org._by_login`) so a clone shares
them copy-on-write with the user store and the generator can fill them in bulk
(`BulkWrite`); the write primitives keep them consistent through the two functions below.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any, Protocol

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

ByEmail = dict[str, int | tuple[int, ...]]  # lower email -> uid, or uids when shared
ByLogin = dict[tuple[str, str], int]  # (lower username, lower domain) -> uid


class Org(Protocol):
    """The lookups the resolvers below build on (`models.Org`, which imports this module)."""

    def users_with_email(self, email: str) -> list[User]: ...
    def user_by_login(self, username: str, domain: str) -> User | None: ...
    def group_named(self, name: str) -> Group | None: ...
    def product_named(self, name: str) -> Product | None: ...
    def admin_base(self, parsed: AdminName) -> Group | Product | None: ...
    def add_group(self, name: str, gtype: str, *, gid: int | None = None, **attrs: Any) -> Group: ...


# Order of the stores: an undo puts a record back where it was, so listings keep their order.


def second_last(d: dict[int, Any]) -> int:
    keys = reversed(d)
    next(keys)
    return int(next(keys))


def moved_back(d: dict[Any, Any], position: int) -> dict[Any, Any]:
    """`d` with its last entry moved to `position` (-1: to its place in ascending key
    order), as a new dict: readers holding the old one never see a half-built dict."""
    items = list(d.items())
    item = items.pop()
    if position < 0:
        position = bisect_left([k for k, _ in items], item[0])
    items.insert(position, item)
    return dict(items)


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
