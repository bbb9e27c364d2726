"""Products and product profiles as the deprecated product APIs address them (spec §2.6).

Profiles are the org's PRODUCT_PROFILE groups; this module gives products and profiles the
string ids those APIs use and runs the profile POST (add/remove users, user groups and
profile admins). Ids are stable: a product's is seeded or derived from the org id and its
name, a profile's is `RGRP-<groupId>` (the form getProductProfile.md shows, where `id` and
`licenseGroupId` carry the same number), so seeding a profile's group id seeds both.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .errors import UmapiError
from .indexes import present
from .models import PRODUCT_PROFILE, USER_GROUP, AmbiguousUser, Group, Org, Product, User
from .names import admin_group_name

PROFILE_ID_PREFIX = "RGRP-"
PRODUCT_ID_PREFIX = "RPC-"
# The profile POST's body: list name -> (what it names, add or remove) (updateProductProfile.md).
PROFILE_UPDATE_LISTS: dict[str, tuple[str, bool]] = {
    "addUsers": ("user", True),
    "removeUsers": ("user", False),
    "addUserGroups": ("usergroup", True),
    "removeUserGroups": ("usergroup", False),
    "addAdminUsers": ("admin", True),
    "removeAdminUsers": ("admin", False),
}
_CODE_RE = re.compile(r"[A-Za-z0-9]+")


def product_id(org: Org, product: Product) -> str:
    """The product's id: seeded, or `RPC-` and 20 hex digits derived from org id and name."""
    if product.id:
        return product.id
    digest = hashlib.sha1(f"{org.id}\n{product.name}".encode()).hexdigest()[:20].upper()
    return PRODUCT_ID_PREFIX + digest


def product_code(product: Product) -> str:
    """The product's short code (`SUPPORT`, `APAP`, `CCSV` in QueryProducts.md): seeded, or
    the initials of its name's words."""
    if product.code:
        return product.code
    initials = "".join(word[0] for word in _CODE_RE.findall(product.name)).upper()
    return initials or "PRODUCT"


def profile_id(profile: Group) -> str:
    return f"{PROFILE_ID_PREFIX}{profile.gid}"


def profiles_of(org: Org, product: Product) -> list[Group]:
    return [org.groups[g] for g in product.profiles if g in org.groups]


def product_user_ids(org: Org, product: Product) -> set[int]:
    """Users directly in any profile of the product."""
    out: set[int] = set()
    for profile in profiles_of(org, product):
        out.update(org.members.get(profile.gid, ()))
    return out


def product_quota(org: Org, product: Product) -> int:
    """The product's licence count: seeded, or the sum of its profiles' quotas."""
    if product.quota is not None:
        return product.quota
    return sum(p.quota for p in profiles_of(org, product) if p.quota is not None)


def find_product(org: Org, pid: str) -> Product:
    for product in org.products.values():
        if product_id(org, product) == pid:
            return product
    raise UmapiError("deprecated.plc_not_found")


def find_profile(org: Org, product: Product, pid: str) -> Group:
    """A profile of `product` by its `RGRP-<n>` id (a bare `<n>` is accepted too)."""
    number = pid[len(PROFILE_ID_PREFIX) :] if pid.upper().startswith(PROFILE_ID_PREFIX) else pid
    if number.isascii() and number.isdigit():
        gid = int(number)
        if gid in product.profiles and gid in org.groups and org.groups[gid].type == PRODUCT_PROFILE:
            return org.groups[gid]
    raise UmapiError("deprecated.plc_not_found")


@dataclass(frozen=True)
class ProfileUpdate:
    """A validated profile POST: who joins and leaves what."""

    users: dict[bool, list[User]]
    user_groups: dict[bool, list[Group]]
    admins: dict[bool, list[User]]


def parse_profile_update(org: Org, body: Any) -> ProfileUpdate:
    """Check the whole body before anything changes: a JSON object of the six lists, each a
    list of strings naming existing users or user groups."""
    if not isinstance(body, dict) or not body:
        raise UmapiError("deprecated.bad_body", detail="the body must be a JSON object with at least one list")
    repeated = getattr(body, "duplicates", ())  # the request reader marks keys given twice
    if repeated:
        raise UmapiError("deprecated.bad_body", detail=f"key {repeated[0]!r} appears more than once")
    unknown = sorted(set(body) - set(PROFILE_UPDATE_LISTS))
    if unknown:
        allowed = ", ".join(PROFILE_UPDATE_LISTS)
        raise UmapiError("deprecated.bad_body", detail=f"unknown key {unknown[0]!r} (allowed: {allowed})")
    users: dict[bool, list[User]] = {True: [], False: []}
    groups: dict[bool, list[Group]] = {True: [], False: []}
    admins: dict[bool, list[User]] = {True: [], False: []}
    for key, names in body.items():
        kind, adding = PROFILE_UPDATE_LISTS[key]
        if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
            raise UmapiError("deprecated.bad_body", detail=f"{key} must be a list of non-empty strings")
        for name in names:
            if kind == "usergroup":
                group = org.group_named(name)
                if group is None or group.type != USER_GROUP:
                    raise UmapiError("deprecated.group_not_found")
                groups[adding].append(group)
            else:
                try:
                    user = org.find_user(name)
                except AmbiguousUser:  # no single account: as unknown (docs/fidelity.md)
                    user = None
                if user is None or user.status == "removed":
                    raise UmapiError("deprecated.user_not_found", user=name)
                (users if kind == "user" else admins)[adding].append(user)
    return ProfileUpdate(users, groups, admins)


def update_profile(org: Org, profile: Group, change: ProfileUpdate) -> None:
    """Apply a parsed profile POST in one transaction: removals first, then additions (the
    order ActionsCmds.md recommends)."""
    gid = profile.gid
    with org.transaction():
        for user in change.users[False]:
            org.remove_member(gid, user.uid)
        for group in change.user_groups[False]:
            current = org.groups[group.gid]
            if gid in current.profiles:
                org.update_group(current, profiles=current.profiles - {gid})
        admin = org.admin_group_of(profile)
        if admin is not None:
            for user in change.admins[False]:
                org.remove_member(admin.gid, user.uid)
        for user in change.users[True]:
            org.add_member(gid, user.uid)
        for group in change.user_groups[True]:
            current = org.groups[group.gid]
            if gid not in current.profiles:
                org.update_group(current, profiles=current.profiles | {gid})
        if change.admins[True]:
            admin = org.ensure_admin_group(admin_group_name(profile.name))
            assert admin is not None  # the profile exists, so its admin group can
            for user in change.admins[True]:
                org.add_member(admin.gid, user.uid)


def member_users(org: Org, gid: int) -> Sequence[User]:
    """Direct members of a group, in join order."""
    return present(org.users, org.members.get(gid, ()))
