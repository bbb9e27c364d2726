"""Wire shapes of the deprecated product, profile and user-group-member APIs (spec §2.6):
camelCase names as the deprecated pages show them, unset values left out."""

from __future__ import annotations

from typing import Any

from ...domain import products as catalogue
from ...domain.models import Group, Org, Product, User
from .schemas import ref


def product_json(org: Org, product: Product) -> dict[str, Any]:
    """QueryProducts.md item: `licenseQuota` is an integer here (a string on /groups)."""
    return {
        "id": catalogue.product_id(org, product),
        "code": catalogue.product_code(product),
        "name": product.name,
        "userCount": len(catalogue.product_user_ids(org, product)),
        "configurationCount": len(catalogue.profiles_of(org, product)),
        "licenseQuota": catalogue.product_quota(org, product),
    }


def profile_json(org: Org, product: Product, profile: Group) -> dict[str, Any]:
    """getProductProfile.md: `licenseQuota` null when unlimited; `adminGroupId` only once
    the profile has an admin group (admin groups come with their first admin)."""
    admin = org.admin_group_of(profile)
    out: dict[str, Any] = {
        "id": catalogue.profile_id(profile),
        "adminCount": len(org.members.get(admin.gid, ())) if admin is not None else 0,
        "userCount": len(org.members.get(profile.gid, ())),
        "licenseQuota": profile.quota,
        "licenseGroupId": profile.gid,
    }
    if admin is not None:
        out["adminGroupId"] = admin.gid
    out["orgId"] = org.id
    out["productId"] = catalogue.product_id(org, product)
    return out


def product_profiles_json(org: Org, product: Product) -> dict[str, Any]:
    """getAllProfilesForOrg.md: the product with its `licenseConfigurations`."""
    profiles = [profile_json(org, product, p) for p in catalogue.profiles_of(org, product)]
    return {**product_json(org, product), "licenseConfigurations": profiles}


def _names(user: User) -> dict[str, str]:
    out = {}
    if user.firstname is not None:
        out["firstName"] = user.firstname
    if user.lastname is not None:
        out["lastName"] = user.lastname
    return out


def profile_user_json(user: User) -> dict[str, Any]:
    """getProductProfileUsers.md item."""
    return {
        "id": user.public_id,
        "email": user.email,
        "username": user.username,
        "domain": user.domain,
        **_names(user),
        "userType": user.type,
    }


def user_group_user_json(user: User) -> dict[str, Any]:
    """QueryUserGroups.md item: no id, username or domain."""
    out: dict[str, Any] = {"email": user.email, **_names(user)}
    if user.country is not None:
        out["countryCode"] = user.country
    out["status"] = user.status
    out["userType"] = user.type
    return out


# ------------------------------------------------- their JSON schemas (OpenAPI components)

PRODUCT_PROPERTIES: dict[str, Any] = {
    "id": {"type": "string"},
    "code": {"type": "string"},
    "name": {"type": "string"},
    "userCount": {"type": "integer", "minimum": 0},
    "configurationCount": {"type": "integer", "minimum": 0},
    "licenseQuota": {"type": "integer", "minimum": 0},
}

SCHEMAS: dict[str, Any] = {
    "DeprecatedProduct": {
        "type": "object",
        "description": "QueryProducts.md item",
        "properties": PRODUCT_PROPERTIES,
        "required": list(PRODUCT_PROPERTIES),
        "additionalProperties": False,
    },
    "DeprecatedProfile": {
        "type": "object",
        "description": "getProductProfile.md: `id` is `RGRP-<licenseGroupId>`; `licenseQuota` null when unlimited",
        "properties": {
            "id": {"type": "string", "pattern": "^RGRP-[0-9]+$"},
            "adminCount": {"type": "integer", "minimum": 0},
            "userCount": {"type": "integer", "minimum": 0},
            "licenseQuota": {"type": ["integer", "null"], "minimum": 0},
            "licenseGroupId": {"type": "integer"},
            "adminGroupId": {"type": "integer"},
            "orgId": {"type": "string"},
            "productId": {"type": "string"},
        },
        "required": ["id", "adminCount", "userCount", "licenseQuota", "licenseGroupId", "orgId", "productId"],
        "additionalProperties": False,
    },
    "DeprecatedProductProfiles": {
        "type": "object",
        "description": "getAllProfilesForOrg.md: the product with its profiles",
        "properties": {
            **PRODUCT_PROPERTIES,
            "licenseConfigurations": {"type": "array", "items": ref("DeprecatedProfile")},
        },
        "required": [*PRODUCT_PROPERTIES, "licenseConfigurations"],
        "additionalProperties": False,
    },
    "DeprecatedProfileUser": {
        "type": "object",
        "description": "getProductProfileUsers.md item",
        "properties": {
            "id": {"type": "string"},
            "email": {"type": "string"},
            "username": {"type": "string"},
            "domain": {"type": "string"},
            "firstName": {"type": "string"},
            "lastName": {"type": "string"},
            "userType": {"enum": ["adobeID", "enterpriseID", "federatedID", "unknown"]},
        },
        "required": ["id", "email", "username", "domain", "userType"],
        "additionalProperties": False,
    },
    "DeprecatedUserGroupUser": {
        "type": "object",
        "description": "QueryUserGroups.md item",
        "properties": {
            "email": {"type": "string"},
            "firstName": {"type": "string"},
            "lastName": {"type": "string"},
            "countryCode": {"type": "string"},
            "status": {"enum": ["active", "disabled", "locked", "removed"]},
            "userType": {"enum": ["adobeID", "enterpriseID", "federatedID", "unknown"]},
        },
        "required": ["email", "status", "userType"],
        "additionalProperties": False,
    },
    "ProfileUpdate": {
        "type": "object",
        "description": "updateProductProfile.md body: every list optional, at least one given",
        "properties": {
            k: {"type": "array", "items": {"type": "string", "minLength": 1}}
            for k in (
                "addUsers",
                "removeUsers",
                "addUserGroups",
                "removeUserGroups",
                "addAdminUsers",
                "removeAdminUsers",
            )
        },
        "minProperties": 1,
        "additionalProperties": False,
    },
}
