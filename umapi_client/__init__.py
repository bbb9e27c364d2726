"""Reference Python client for Adobe's User Management API (UMAPI), umapi-mock edition.

A drop-in for the public API of the official ``umapi-client`` 3.x package, written
from the UMAPI documentation and the project's wire contract (``shared/umapi-spec.md``).
It exists so the emulator has a faithful, well-tested client to be checked against,
and so callers can point real code at the emulator or at Adobe without changes.
The v2 names documented for the 2.x client are kept as aliases.
"""

import logging

from ._version import __version__
from .actions import Action, GroupAction, UserAction, UserGroupAction
from .auth import Auth, JWTAuth, OAuthS2S
from .connection import DEFAULT_ENDPOINT, Connection, QueryPage
from .enums import (
    GroupType,
    GroupTypes,
    IdentityType,
    IdentityTypes,
    IfAlreadyExistsOption,
    IfAlreadyExistsOptions,
)
from .errors import (
    ArgumentError,
    AuthenticationError,
    BatchError,
    ClientError,
    RequestError,
    ServerError,
    UMAPIError,
    UnavailableError,
)
from .queries import GroupsQuery, QueryMultiple, UserQuery, UsersQuery

# A library must not print through logging's last-resort handler; applications decide.
logging.getLogger("umapi_client").addHandler(logging.NullHandler())

__all__ = [
    "__version__",
    "Action",
    "ArgumentError",
    "Auth",
    "AuthenticationError",
    "BatchError",
    "ClientError",
    "Connection",
    "DEFAULT_ENDPOINT",
    "GroupAction",
    "GroupType",
    "GroupTypes",
    "GroupsQuery",
    "IdentityType",
    "IdentityTypes",
    "IfAlreadyExistsOption",
    "IfAlreadyExistsOptions",
    "JWTAuth",
    "OAuthS2S",
    "QueryMultiple",
    "QueryPage",
    "RequestError",
    "ServerError",
    "UMAPIError",
    "UnavailableError",
    "UserAction",
    "UserGroupAction",
    "UserQuery",
    "UsersQuery",
]
