"""Reference Python client for Adobe's User Management API (UMAPI), umapi-mock edition.

A drop-in for ``umapi-client`` 3.0.1: the same modules (``api``, ``auth``, ``connection``,
``error``, ``functional``, ``version``), names, signatures and default behaviour, written from
the UMAPI documentation, the project's wire contract (``shared/umapi-spec.md``) and 3.0.1's
observable behaviour.  It is its own distribution (``pip install ./umapi_client``), installed
in place of the official one by choice; the emulator does not need it.

What it adds is typed (``mypy --strict``), documented in docs/fidelity.md and, where it
changes behaviour, opt-in: a retry time budget, no re-send of a possibly delivered POST,
a token refresh on 401 (``Connection`` options), warnings where our checks are stricter, the
v2 names and forms of the 2.x docs, and errors with ``status_code``/``request_id``/``cause``.
"""

import logging
from logging import NullHandler

from . import api, auth, connection, error, functional, version  # noqa: F401 - the 3.0.1 module layout
from .api import Action, QueryMultiple, QuerySingle
from .auth import AdobeAuthBase, Auth, JWTAuth, OAuthS2S
from .connection import DEFAULT_ENDPOINT, APIResult, Connection, QueryPage
from .error import (
    ArgumentError,
    AuthenticationError,
    BatchError,
    ClientError,
    MalformedResponseError,
    RequestError,
    ServerError,
    UMAPIError,
    UMAPIWarning,
    UnavailableError,
    UnsupportedError,
)
from .functional import (
    GroupAction,
    GroupsQuery,
    GroupType,
    GroupTypes,
    IdentityType,
    IdentityTypes,
    IfAlreadyExistsOption,
    IfAlreadyExistsOptions,
    UserAction,
    UserGroupAction,
    UserGroupsQuery,
    UserQuery,
    UsersQuery,
)
from .version import __version__

# A library must not print through logging's last-resort handler; applications decide.
logging.getLogger(__name__).addHandler(NullHandler())

__all__ = [
    "__version__",
    "APIResult",
    "Action",
    "AdobeAuthBase",
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
    "MalformedResponseError",
    "OAuthS2S",
    "QueryMultiple",
    "QueryPage",
    "QuerySingle",
    "RequestError",
    "ServerError",
    "UMAPIError",
    "UMAPIWarning",
    "UnavailableError",
    "UnsupportedError",
    "UserAction",
    "UserGroupAction",
    "UserGroupsQuery",
    "UserQuery",
    "UsersQuery",
]
