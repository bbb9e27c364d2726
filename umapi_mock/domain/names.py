"""Name rules shared by the action engine, the reads, the org model and the seed loader:
the admin-group name families and what makes a group name or an email acceptable.

One home, so a seed document and an action batch cannot disagree about a name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import limits

ADMIN_PREFIX = "_admin_"  # admins of a user group or product profile
PRODUCT_ADMIN_PREFIX = "_product_admin_"  # admins of a product
DEVELOPER_PREFIX = "_developer_"  # developers of a product profile
# Checked in this order; no prefix is a prefix of another, so the order is for reading only.
ADMIN_PREFIXES = (PRODUCT_ADMIN_PREFIX, DEVELOPER_PREFIX, ADMIN_PREFIX)

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
EMAIL_RE = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@" + _LABEL + r"(?:\." + _LABEL + r")+")


@dataclass(frozen=True)
class AdminName:
    """An admin-group name split into its family prefix and the name of what it administers."""

    prefix: str
    base: str  # a group name (`_admin_`, `_developer_`) or a product name (`_product_admin_`)


def admin_name(name: str) -> AdminName | None:
    """The admin family `name` belongs to (case-insensitive prefix), or None."""
    lower = name.lower()
    for prefix in ADMIN_PREFIXES:
        if lower.startswith(prefix):
            return AdminName(prefix, name[len(prefix) :])
    return None


def admin_group_name(base: str) -> str:
    """The `_admin_` group of a user group or profile."""
    return ADMIN_PREFIX + base


def group_name_problem(name: str) -> str | None:
    """Why `name` cannot name a new user group (blank, leading `_`, too long), or None."""
    if not name.strip() or name.startswith("_"):
        return "invalid"
    if len(name) > limits.GROUP_NAME_MAX:
        return "too_long"
    return None


def is_email(address: str) -> bool:
    """The engine's email rule (spec §3.3: valid, at most EMAIL_MAX characters)."""
    return len(address) <= limits.EMAIL_MAX and EMAIL_RE.fullmatch(address) is not None


def domain_of(address: str) -> str:
    """The part after the last `@`, or "" for a non-email string."""
    return address.rsplit("@", 1)[1] if "@" in address else ""
