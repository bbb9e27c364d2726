"""The org's records and constants: immutable users and groups (updates replace them), the
domains, credentials and products an org holds, and fast builders for the hot paths.

Immutability is what the rest of the org leans on: an undo entry keeps the old record, a
clone shares every record, and a cached view or page is still valid while the records it
shows are the same objects (`views`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from .scopes import S2S_SCOPES

# fmt: off
__all__ = [  # what `models` re-exports
    "ADOBE_ID", "AmbiguousUser", "BulkWrite", "CONTRACT_ADMIN_GROUP", "Credential", "DEFAULT_METASCOPES", "DEFAULT_SCOPES",
    "DEPLOYMENT_ADMIN", "DEPLOYMENT_ADMIN_GROUP", "DEVELOPER_GROUP", "Domain", "ENTERPRISE_ID",
    "FEDERATED_ID", "FIXED_ADMIN_GROUPS", "Group", "IDENTITY_TYPES", "ORG_ADMIN", "PRODUCT_ADMIN_GROUP",
    "PRODUCT_PROFILE", "PROFILE_ADMIN_GROUP", "Product", "SUPPORT_ADMIN", "SUPPORT_ADMIN_GROUP",
    "SYSADMIN_GROUP", "UNASSIGNABLE_GROUPS", "USER_ADMIN_GROUP", "USER_GROUP", "USER_STATUSES", "User",
    "renamed_user", "replace_user", "user_record",
]
# fmt: on

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
_USER_FIELD_SET = frozenset(_USER_FIELDS)
assert [f.name for f in fields(User)] == list(_USER_FIELDS)  # what `user_record` and `replace_user` name


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


def replace_user(user: User, changes: dict[str, Any]) -> User:
    """`dataclasses.replace(user, **changes)` at a fraction of the cost (the action engine
    updates users at almost every step): each field read from `changes` or the record."""
    if not _USER_FIELD_SET.issuperset(changes):
        unknown = next(name for name in changes if name not in _USER_FIELD_SET)
        raise TypeError(f"User.__init__() got an unexpected keyword argument {unknown!r}")
    get = changes.get
    return user_record(
        get("uid", user.uid),
        get("type", user.type),
        get("email", user.email),
        get("username", user.username),
        get("domain", user.domain),
        get("firstname", user.firstname),
        get("lastname", user.lastname),
        get("country", user.country),
        get("status", user.status),
    )


def renamed_user(user: User, firstname: str | None, lastname: str | None) -> User:
    """`replace_user(user, ...)` of the names given (None keeps a name): the commonest update."""
    return user_record(
        user.uid,
        user.type,
        user.email,
        user.username,
        user.domain,
        user.firstname if firstname is None else firstname,
        user.lastname if lastname is None else lastname,
        user.country,
        user.status,
    )


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

    def copied(self) -> Product:
        """A copy with a profile list of its own (what a clone takes; `dataclasses.replace`
        costs ~1 us a product, a third of a small org's clone)."""
        return Product(self.name, list(self.profiles), self.id, self.code, self.quota)


assert [f.name for f in fields(Product)] == ["name", "profiles", "id", "code", "quota"]  # what `copied` names
