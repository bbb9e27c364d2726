"""The read side of UMAPI (spec §2.4–2.5): lookups and paging over org state.

Paging slices an ordered id list that the org memoises until its next write, so any page
costs O(page size) however deep it is.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Sequence, TypeVar

from .errors import UmapiError
from .models import (
    ADMIN_PREFIX,
    DEVELOPER_PREFIX,
    PRODUCT_ADMIN_PREFIX,
    PRODUCT_PROFILE,
    USER_GROUP,
    Group,
    Org,
    User,
)

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    index: int  # the page actually returned (a page past the end returns the last page)
    page_count: int
    total: int

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
    user = org.find_user(user_string, domain or None)
    if user is None or user.status != "active":
        raise UmapiError("user.not_found", user=user_string)
    return user


def users_page(org: Org, page: int, size: int, domain: str | None = None) -> Page[User]:
    if domain:
        if org.domain_named(domain) is None:
            raise UmapiError("domain.not_found", domain=domain)
        key = domain.lower()

        def build() -> list[int]:
            return [uid for uid in org.active_user_ids() if org.users[uid].domain.lower() == key]

        ids: list[int] = org.view(("active-in-domain", key), build)  # type: ignore[assignment]
    else:
        ids = org.active_user_ids()
    return _users(org, paginate(ids, page, size))


def resolve_listing_group(org: Org, name: str) -> Group | None:
    """The group named in a users-by-group path, or None for an admin group whose base
    group exists but has no admins yet (an empty list, not a 404: spec §2.5.4)."""
    group = org.group_named(name)
    if group is not None:
        return group
    lower = name.lower()
    for prefix, ok in (
        (ADMIN_PREFIX, lambda g: g is not None and g.type in (USER_GROUP, PRODUCT_PROFILE)),
        (DEVELOPER_PREFIX, lambda g: g is not None and g.type == PRODUCT_PROFILE),
    ):
        if lower.startswith(prefix) and ok(org.group_named(name[len(prefix):])):
            return None
    if lower.startswith(PRODUCT_ADMIN_PREFIX) and org.product_named(name[len(PRODUCT_ADMIN_PREFIX):]):
        return None
    raise UmapiError("group.not_found", group=name)


def users_in_group_page(
    org: Org, group_name: str, page: int, size: int, *, direct_only: bool = True, status: str | None = None
) -> Page[User]:
    group = resolve_listing_group(org, group_name)
    if group is None:
        return paginate([], page, size)
    ids: Sequence[int] = org.group_member_ids(group.gid, direct_only=direct_only)
    if status and group.type == PRODUCT_PROFILE:
        licensed = org.licensed_ids(group.gid)
        want = status.lower() == "active"

        def build() -> list[int]:
            return [uid for uid in ids if (uid in licensed) == want]

        ids = org.view(("status", group.gid, direct_only, want), build)  # type: ignore[assignment]
    return _users(org, paginate(ids, page, size))


def groups_page(org: Org, page: int, size: int) -> Page[Group]:
    return paginate(org.listed_groups(), page, size)


def _users(org: Org, page: Page[int]) -> Page[User]:
    users = org.users
    return Page([users[uid] for uid in page.items if uid in users], page.index, page.page_count, page.total)
