"""Enumerations used on the wire, plus the v2 names that older callers still import.

Each member's value is the exact string UMAPI expects, so callers may pass either a
member or its name as a plain string.
"""

from __future__ import annotations

from enum import Enum
from typing import TypeVar, Union

from .errors import ArgumentError


class IdentityType(Enum):
    """The three kinds of Adobe account a user action can address or create."""

    adobeID = "adobeID"
    enterpriseID = "enterpriseID"
    federatedID = "federatedID"


class IfAlreadyExistsOption(Enum):
    """What a create step should do when the user or group already exists.

    ``errorIfAlreadyExists`` (a name the official 3.x client has) sends no ``option``, so
    UMAPI reports an existing user or group as an error.
    """

    ignoreIfAlreadyExists = "ignoreIfAlreadyExists"
    updateIfAlreadyExists = "updateIfAlreadyExists"
    errorIfAlreadyExists = "errorIfAlreadyExists"


class GroupType(Enum):
    """Key used for the name list of a user's ``add``/``remove`` step.

    ``group`` is the current key. ``product``, ``productConfiguration`` and ``usergroup``
    are legacy keys that UMAPI still accepts (``product`` draws a deprecation warning).
    """

    group = "group"
    product = "product"
    productConfiguration = "productConfiguration"
    usergroup = "usergroup"


# v2 names (seed 001 documents these plural spellings).
IdentityTypes = IdentityType
IfAlreadyExistsOptions = IfAlreadyExistsOption
GroupTypes = GroupType

_E = TypeVar("_E", IdentityType, IfAlreadyExistsOption, GroupType)


def coerce_enum(enum_cls: type[_E], value: Union[_E, str], argument: str) -> _E:
    """Turn a member or its name into a member, or raise a readable ArgumentError."""
    if isinstance(value, enum_cls):
        return value
    if isinstance(value, str):
        for member in enum_cls:
            if value == member.value or value.lower() == member.name.lower():
                return member
    allowed = ", ".join(member.value for member in enum_cls)
    raise ArgumentError(f"{argument} must be one of {allowed} (got {value!r})")
