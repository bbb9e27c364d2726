"""The read side of UMAPI (spec §2.4–2.5): lookups and paging over org state.

Paging slices an ordered id list that the org keeps up to date (or memoises until a write
changes it), so any page costs O(page size) however deep it is, and the records of a page
are cached until a write changes them: a repeated read of a page does no per-user work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from .errors import UmapiError
from .indexes import present
from .models import PRODUCT_PROFILE, USER_GROUP, AmbiguousUser, Group, Org, User
from .names import admin_name
from .trust import known_domain

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    index: int  # the page actually returned (a page past the end returns the last page)
    page_count: int
    total: int
    source: tuple[object, ...] = ()  # the id list the page slices (its key in the org's views)

    @property
    def last(self) -> bool:
        return self.index >= self.page_count - 1


def paginate(ids: Sequence[T], page: int, size: int) -> Page[T]:
    total = len(ids)
    page_count = max(1, -(-total // size))
    index = min(max(page, 0), page_count - 1)
    start = index * size
    return Page(ids[start : start + size], index, page_count, total)


def get_user(org: Org, user_string: str, domain: str | None = None) -> User:
    try:
        user = org.find_user(user_string, domain or None)
    except AmbiguousUser:  # no single answer: "no such user" (docs/fidelity.md)
        raise UmapiError("user.not_found", user=user_string) from None
    if user is not None and user.status != "active" and not domain:
        # an org account that left the org no longer hides an Adobe ID with the same email
        user = org.find_user(user_string, adobe_id=True)
    if user is None or user.status != "active":
        raise UmapiError("user.not_found", user=user_string)
    return user


def users_page(org: Org, page: int, size: int, domain: str | None = None) -> Page[User]:
    if domain:
        if not known_domain(org, domain):  # claimed, or linked by trust (getUsersWithPage.md)
            raise UmapiError("domain.not_found", domain=domain)
        key = domain.lower()

        def build() -> list[int]:
            return [uid for uid in org.active_user_ids() if org.users[uid].domain.lower() == key]

        def fetch() -> Sequence[int]:
            return org.kept_view(("active-in-domain", key), build)  # type: ignore[return-value]

        return _users(org, fetch, page, size, ("active-in-domain", key))
    listed = _users(org, org.active_user_ids, page, size, ("active",))
    return with_technical_accounts(org, listed)


def with_technical_accounts(org: Org, page: Page[User]) -> Page[User]:
    """The org's users list counts its technical accounts in the total but never returns
    them (spec §2.4); page count and `lastPage` follow the users returned."""
    extra = len(org.technical_accounts())
    return replace(page, total=page.total + extra) if extra else page


def resolve_listing_group(org: Org, name: str) -> Group | None:
    """The group named in a users-by-group path, or None for an admin group whose base
    group exists but has no admins yet (an empty list, not a 404: spec §2.5.4)."""
    group = org.group_named(name)
    if group is not None:
        return group
    parsed = admin_name(name)
    if parsed is not None and org.admin_base(parsed) is not None:
        return None
    raise UmapiError("group.not_found", group=name)


def users_in_group_page(
    org: Org, group_name: str, page: int, size: int, *, direct_only: bool = True, status: str | None = None
) -> Page[User]:
    group = resolve_listing_group(org, group_name)
    if group is None:
        return paginate([], page, size)
    gid = group.gid
    if status and group.type == PRODUCT_PROFILE:
        want = status.lower() == "active"

        def build() -> list[int]:
            licensed = org.licensed_ids(gid)
            return [uid for uid in org.group_member_ids(gid, direct_only=direct_only) if (uid in licensed) == want]

        def fetch() -> Sequence[int]:
            return org.kept_view(("status", gid, direct_only, want), build)  # type: ignore[return-value]

        return _users(org, fetch, page, size, ("status", gid, direct_only, want))

    def members() -> Sequence[int]:
        return org.group_member_ids(gid, direct_only=direct_only)

    return _users(org, members, page, size, ("members", gid, direct_only))


def user_group_by_id(org: Org, group_id: str) -> Group:
    """A user group named by its numeric id in a deprecated path (spec §2.6)."""
    group = org.groups.get(int(group_id)) if group_id.isascii() and group_id.isdigit() else None
    if group is None or group.type != USER_GROUP:
        raise UmapiError("deprecated.group_not_found")
    return group


def groups_page(org: Org, page: int, size: int) -> Page[Group]:
    return paginate(org.listed_groups(), page, size)


def _users(
    org: Org, fetch: Callable[[], Sequence[int]], page: int, size: int, list_key: tuple[object, ...]
) -> Page[User]:
    """A page of users from the id list `fetch` returns (`list_key` names it); its records
    are cached until a write changes one of them or that part of the list. The build
    fetches the list again, under the org lock, so a page is never built from the list of
    an older version."""
    total = len(fetch())
    page_count = max(1, -(-total // size))
    index = min(max(page, 0), page_count - 1)

    def build() -> list[User]:
        start = index * size
        return present(org.users, fetch()[start : start + size])

    items = org.page_view(
        ("page", list_key, index, size), build, source=list_key, index=index, size=size, uids=_uids_of
    )
    return Page(items, index, page_count, total, list_key)  # type: ignore[arg-type]


def _uids_of(records: Any) -> list[int]:
    return [u.uid for u in records]
