"""Wire shapes of users and groups (spec §2.2, §2.3): unset fields are omitted."""

from __future__ import annotations

from typing import Any

from ...domain.models import (
    CONTRACT_ADMIN_GROUP,
    DEVELOPER_GROUP,
    PRODUCT_ADMIN_GROUP,
    PRODUCT_PROFILE,
    PROFILE_ADMIN_GROUP,
    SYSADMIN_GROUP,
    USER_ADMIN_GROUP,
    USER_GROUP,
    Group,
    Org,
    User,
)
from ...domain.names import admin_group_name


def user_json(org: Org, user: User, *, direct_only: bool = True, exclude_groups: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": user.public_id,
        "email": user.email,
        "status": user.status,
        "username": user.username,
        "domain": user.domain,
    }
    if user.firstname is not None:
        out["firstname"] = user.firstname
    if user.lastname is not None:
        out["lastname"] = user.lastname
    if user.country is not None:
        out["country"] = user.country
    out["type"] = user.type
    if not exclude_groups:
        groups = org.group_names_of(user.uid, direct_only=direct_only)
        if groups:
            out["groups"] = groups
    return out


def group_json(org: Org, group: Group) -> dict[str, Any]:
    out: dict[str, Any] = {
        "groupId": group.gid,
        "groupName": org.sysadmin_name if group.type == SYSADMIN_GROUP else group.name,
        "type": group.type,
        "memberCount": len(org.members.get(group.gid, ())),
    }
    if group.type in (USER_GROUP, PRODUCT_PROFILE):
        admin = org.admin_group_of(group)
        if admin is not None:
            out["adminGroupName"] = admin.name
    target = org.groups.get(group.target) if group.target is not None else None
    if group.type == USER_ADMIN_GROUP and target is not None:
        out["userGroupName"] = target.name
    if group.type in (PROFILE_ADMIN_GROUP, DEVELOPER_GROUP) and target is not None:
        out["productProfileName"] = target.name
    if group.type == PRODUCT_ADMIN_GROUP and group.product:
        out["productProfileName"] = group.product  # group.md's example: the product's name, under this key
    if group.type == PRODUCT_PROFILE and group.product:
        out["productName"] = group.product
    if group.type in (PRODUCT_PROFILE, USER_GROUP) and group.quota is not None:
        out["licenseQuota"] = str(group.quota)
    if group.type == CONTRACT_ADMIN_GROUP:  # index.md, news of 2025-05-22
        out["adminGroupName"] = admin_group_name(group.name)
        out["contractName"] = group.contract or ""
    return out


def deprecated_user_group_json(org: Org, group: Group) -> dict[str, Any]:
    """`/{orgId}/user-groups` item shape (spec §2.6): empty values omitted."""
    out: dict[str, Any] = {"groupId": group.gid, "name": group.name, "type": "USER_GROUP"}
    admin = org.admin_group_of(group)
    if admin is not None:
        out["adminGroupId"] = str(admin.gid)
        out["adminGroupName"] = admin.name
        out["adminCount"] = str(len(org.members.get(admin.gid, ())))
    members = len(org.members.get(group.gid, ()))
    if members:  # "there are no users so userCount will not be returned" (getUserGroup.md)
        out["userCount"] = members
    out["isReadOnly"] = group.read_only
    return out


# Admin memberships as the deprecated list's `adminRoles` names them (spec §2.6).
_FIXED_ROLES = {"_org_admin": "org", "_deployment_admin": "deployment", "_support_admin": "support"}


def deprecated_user_json(org: Org, user: User, *, direct_only: bool = True) -> dict[str, Any]:
    """`/{orgId}/users` item (spec §2.6): camelCase names, `adminRoles` beside `groups`,
    empty values omitted."""
    groups: list[str] = []
    roles: list[str] = []
    for name in org.group_names_of(user.uid, direct_only=direct_only):
        group = org.group_named(name)
        if name in _FIXED_ROLES:
            roles.append(_FIXED_ROLES[name])
        elif group is not None and group.type in (USER_ADMIN_GROUP, PROFILE_ADMIN_GROUP) and group.target in org.groups:
            roles.append(org.groups[group.target].name)
        elif group is not None and group.type in (USER_GROUP, PRODUCT_PROFILE):
            groups.append(name)
    out: dict[str, Any] = {"id": user.public_id, "email": user.email, "status": user.status}
    if groups:
        out["groups"] = groups
    out["username"] = user.username
    out["domain"] = user.domain
    for key, value in (("firstName", user.firstname), ("lastName", user.lastname), ("countryCode", user.country)):
        if value is not None:
            out[key] = value
    out["userType"] = user.type
    if roles:
        out["adminRoles"] = roles
    return out
