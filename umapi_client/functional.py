"""The user and group layer of umapi-client 3.0.1: enums, ``UserAction``, ``GroupAction`` and the
queries built on :mod:`umapi_client.api`, with 3.0.1's signatures, defaults and wire output.

Two additions, neither changing what 3.0.1 code gets:

* the v2 forms documented for the 2.x client (seed 001): ``UserAction(id_type=..., email=...,
  username=..., domain=...)`` without a ``user``, ``create(first_name=..., last_name=...)``
  without an email, ``update(country=...)``, ``add_to_groups(all_groups=True)``,
  ``add_to_products(all_products=True)``, the plural enum names and ``UserGroupAction``;
  3.0.1 raises ``TypeError`` on all of these, so giving them a meaning changes nothing for it;
* :class:`~umapi_client.error.UMAPIWarning` where our checks are stricter than 3.0.1's (3.0.1
  accepts the input, so it is sent as 3.0.1 would send it, with a warning).
"""

from __future__ import annotations

import re
import warnings
from enum import Enum
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Tuple, Type, TypeVar, Union

from .api import Action, QueryMultiple, QuerySingle
from .error import ArgumentError, UMAPIWarning, UnsupportedError  # noqa: F401 - 3.0.1's module has the name

if TYPE_CHECKING:
    from .connection import Connection


class IdentityType(Enum):
    """The kinds of Adobe account (3.0.1's members and values)."""

    adobeID = 1
    enterpriseID = 2
    federatedID = 3


class IfAlreadyExistsOption(Enum):
    """What a create does when the user or group exists (3.0.1's members and values)."""

    ignoreIfAlreadyExists = 1
    updateIfAlreadyExists = 2
    errorIfAlreadyExists = 3


class GroupType(Enum):
    """Ours (from the v2 docs): the key of a user's ``add``/``remove`` name list.

    ``group`` is current; ``product``, ``productConfiguration`` and ``usergroup`` are legacy keys
    UMAPI still accepts (``product`` draws a deprecation warning).
    """

    group = 1
    product = 2
    productConfiguration = 3
    usergroup = 4


# v2 names (seed 001 documents these spellings).
IdentityTypes = IdentityType
IfAlreadyExistsOptions = IfAlreadyExistsOption
GroupTypes = GroupType

_E = TypeVar("_E", IdentityType, IfAlreadyExistsOption, GroupType)
_CREATE_STEP = {
    IdentityType.adobeID: "addAdobeID",
    IdentityType.enterpriseID: "createEnterpriseID",
    IdentityType.federatedID: "createFederatedID",
}


def _member(enum_cls: Type[_E], value: Union[_E, str], argument: str) -> _E:
    """A member from itself or its name (any case); ArgumentError otherwise."""
    if isinstance(value, enum_cls):
        return value
    if isinstance(value, str):
        if value in enum_cls.__members__:
            return enum_cls[value]
        for member in enum_cls:
            if value.lower() == member.name.lower():
                return member
    allowed = [member.name for member in enum_cls]
    raise ArgumentError(f"{argument} ({value!r}) must be one of {allowed}")


def _warn(message: str) -> None:
    warnings.warn(message, UMAPIWarning, stacklevel=3)


def _names(argument: str, values: Optional[Iterable[str]]) -> List[str]:
    if values is None or isinstance(values, (str, bytes)):
        raise ArgumentError(f"{argument} must be a list of names (got {values!r})")
    return list(values)


def _either(name: str, value: Any, alias: str, alias_value: Any) -> Any:
    if value is not None and alias_value is not None and value != alias_value:
        raise ArgumentError(f"{name} and {alias} are the same argument; give only one")
    return value if value is not None else alias_value


class UserAction(Action):
    """Commands on one user, named by email, or by username plus ``domain`` (3.0.1's class).

    Ours also accepts the v2 form without ``user``: ``UserAction(id_type=..., email=...,
    username=..., domain=...)``; its ``id_type`` and ``email`` then serve ``create()``.
    """

    def __init__(
        self,
        user: Union[str, IdentityType, None] = None,
        domain: Optional[str] = None,
        use_adobe_id: bool = False,
        **kwargs: Any,
    ) -> None:
        self.id_type: Optional[IdentityType] = None
        self.email: Optional[str] = None
        if isinstance(user, str):
            if "@" not in user and domain is None:
                raise ArgumentError("Domain required for non-email username")
            if "@" in user and domain is not None:
                raise ArgumentError("Domain not allowed for email-type username")
            self.email = user if "@" in user else None
        else:
            user, domain = self._v2_identity(user, domain, kwargs)
        if domain is not None:
            kwargs["domain"] = domain
        if use_adobe_id:
            kwargs["useAdobeID"] = True
        super().__init__(user=user, **kwargs)

    def _v2_identity(self, user: Any, domain: Optional[str], kwargs: Dict[str, Any]) -> Tuple[str, Optional[str]]:
        """The frame's user and domain for the v2 form, remembering its identity type and email."""
        id_type = kwargs.pop("id_type", None)
        if isinstance(user, IdentityType):
            if id_type is not None:
                raise ArgumentError("the identity type was given twice (positionally and as id_type)")
            id_type = user
        elif user is not None:
            raise ArgumentError(f"user must be an email address or a username (got {user!r})")
        email = kwargs.pop("email", None)
        username = kwargs.pop("username", None)
        ident = username or email
        if not isinstance(ident, str) or not ident:
            raise TypeError("UserAction() needs the user: an email, or a username with its domain")
        explicit = _member(IdentityType, id_type, "id_type") if id_type is not None else None
        if "@" in ident:
            domain = None  # an email-type username names its domain
        elif domain is None:
            raise ArgumentError("Domain required for non-email username")
        self.id_type = explicit or (IdentityType.federatedID if domain is not None else IdentityType.adobeID)
        self.email = email if email is not None else (ident if "@" in ident else None)
        return ident, domain

    @property
    def target(self) -> Optional[str]:
        """Ours: the user string this action addresses."""
        user = self.frame.get("user")
        return user if isinstance(user, str) else None

    @property
    def domain(self) -> Optional[str]:
        """Ours: the user's domain (the frame's, or the email's)."""
        domain = self.frame.get("domain")
        if isinstance(domain, str):
            return domain
        user = self.target
        return user.rsplit("@", 1)[1] if user and "@" in user else None

    @property
    def username(self) -> Optional[str]:
        """Ours: the user string (an email, or a Federated ID's username)."""
        return self.target

    def __str__(self) -> str:
        return "UserAction " + str(self.__dict__)

    def __repr__(self) -> str:
        return "UserAction " + str(self.__dict__)

    def create(
        self,
        email: Optional[str] = None,
        firstname: Optional[str] = None,
        lastname: Optional[str] = None,
        country: Optional[str] = None,
        id_type: Union[IdentityType, str] = IdentityType.federatedID,
        on_conflict: Union[IfAlreadyExistsOption, str, None] = IfAlreadyExistsOption.ignoreIfAlreadyExists,
        *,
        first_name: Optional[str] = None,
        last_name: Optional[str] = None,
        option: Union[IfAlreadyExistsOption, str, None] = None,
    ) -> "UserAction":
        """Create the user (inserted first, whenever it is added).

        ``on_conflict=None`` (ours) sends no option, like ``errorIfAlreadyExists``.  A v2 action
        created without ``email`` or ``id_type`` uses its own.
        """
        resolved_type = _member(IdentityType, id_type, "Identity type")
        if self.id_type is not None and resolved_type is IdentityType.federatedID:
            resolved_type = self.id_type  # a v2 action's own type, unless another was asked for
        email = email if email is not None else self.email
        if email is None:
            raise ArgumentError(f"create() needs the email of {self.frame.get('user')!r}")
        if option is not None:
            on_conflict = option
        conflict = _member(IfAlreadyExistsOption, on_conflict, "on_conflict") if on_conflict is not None else None
        firstname = _either("firstname", firstname, "first_name", first_name)
        lastname = _either("lastname", lastname, "last_name", last_name)
        if any(next(iter(c)) in _CREATE_STEP.values() for c in self.commands):
            _warn(f"create() was already called for {self.frame.get('user')!r}; UMAPI will run both")
        if country and (not isinstance(country, str) or len(country) != 2 or not country.isalpha()):
            _warn(f"country should be a two-letter ISO 3166 code such as 'US' (got {country!r})")
        params: Dict[str, Any] = {"email": email}
        if conflict is not None and conflict is not IfAlreadyExistsOption.errorIfAlreadyExists:
            params["option"] = conflict.name
        if firstname:
            params["firstname"] = firstname
        if lastname:
            params["lastname"] = lastname
        if country:
            params["country"] = country
        if resolved_type is IdentityType.adobeID:
            self.frame["useAdobeID"] = True
        self.insert(**{_CREATE_STEP[resolved_type]: params})
        return self

    def update(
        self,
        email: Optional[str] = None,
        username: Optional[str] = None,
        firstname: Optional[str] = None,
        lastname: Optional[str] = None,
        *,
        first_name: Optional[str] = None,
        last_name: Optional[str] = None,
        country: Optional[str] = None,
    ) -> "UserAction":
        """Change email, username, first or last name (only the values given, and non-empty).

        ``country`` (v2) is passed through; UMAPI refuses it (``error.update.country.no_update``).
        """
        firstname = _either("firstname", firstname, "first_name", first_name)
        lastname = _either("lastname", lastname, "last_name", last_name)
        updates: Dict[str, Any] = {}
        for key, value in (
            ("email", email),
            ("username", username),
            ("firstname", firstname),
            ("lastname", lastname),
            ("country", country),
        ):
            if value:
                updates[key] = value
        if not updates:
            _warn(f"update() of {self.frame.get('user')!r} has nothing to change")
        self.append(update=updates)
        return self

    def add_to_groups(
        self,
        groups: Iterable[str] = [],  # noqa: B006 - 3.0.1's default, never mutated
        all_groups: bool = False,
        group_type: Union[GroupType, str, None] = None,
    ) -> "UserAction":
        """Add the user to groups (user groups, product profiles, admin groups).

        ``all_groups`` and ``group_type`` are v2 options (ours).
        """
        if all_groups:
            if groups:
                raise ArgumentError("When adding to all groups, do not specify specific groups")
            self.append(add="all")
            return self
        key = _member(GroupType, group_type, "group_type").name if group_type is not None else "group"
        self.append(add={key: list(groups)})
        return self

    def remove_from_groups(
        self,
        groups: Optional[Iterable[str]] = None,
        all_groups: bool = False,
        group_type: Union[GroupType, str, None] = None,
    ) -> "UserAction":
        """Remove the user from some groups, or from all with ``all_groups=True``."""
        if all_groups:
            if groups:
                raise ArgumentError("When removing from all groups, do not specify specific groups")
            self.append(remove="all")
            return self
        if not groups:
            raise ArgumentError("You must specify groups from which to remove the user")
        key = _member(GroupType, group_type, "group_type").name if group_type is not None else "group"
        self.append(remove={key: list(groups)})
        return self

    def remove_from_organization(self, delete_account: bool = False) -> None:
        """Remove the user from the org, optionally deleting the account; returns None (3.0.1)."""
        self.append(removeFromOrg={"deleteAccount": bool(delete_account)})


class UsersQuery(QueryMultiple):
    """All users, or those of a group (``in_group``) or domain (``in_domain``)."""

    def __init__(
        self, connection: "Connection", in_group: str = "", in_domain: str = "", direct_only: bool = True
    ) -> None:
        groups = [in_group] if in_group else []
        params: Dict[str, Any] = {}
        if in_domain:
            params["domain"] = in_domain
        params["directOnly"] = direct_only
        super().__init__(connection=connection, object_type="user", url_params=groups, query_params=params)


class UserQuery(QuerySingle):
    """One user by email or username (``domain`` for a non-email username); ``{}`` when absent."""

    def __init__(self, connection: "Connection", user_string: str, domain: Optional[str] = None) -> None:
        qparam: Dict[str, Any] = {}
        if domain is not None:
            qparam["domain"] = domain
        super().__init__(connection=connection, object_type="user", url_params=[user_string], query_params=qparam)


class GroupAction(Action):
    """Commands on one user group (3.0.1's class).

    As in 3.0.1 the name is checked only by ``create()`` and ``update()``, so that members and
    profiles of system groups (``_org_admin``...) can still be managed.
    """

    _group_name_regex = re.compile(r"^[^_]")
    _group_name_length = 255

    @classmethod
    def _validate(cls, group_name: Optional[str]) -> None:
        if group_name and not cls._group_name_regex.match(group_name):
            raise ArgumentError(f"'{group_name}': Illegal group name")
        if group_name and len(group_name) > cls._group_name_length:
            raise ArgumentError(f"'{group_name}': Group name is too long")

    def __init__(self, group_name: Optional[str] = None, **kwargs: Any) -> None:
        if not group_name:
            _warn("GroupAction needs the name of the group")
        super().__init__(usergroup=group_name, **kwargs)

    @property
    def target(self) -> Optional[str]:
        """Ours: the group name this action addresses."""
        name = self.frame.get("usergroup")
        return name if isinstance(name, str) else None

    group_name = target

    def _products(self, verb: str, products: Optional[Iterable[str]], all_products: bool) -> "GroupAction":
        if all_products:
            if products:
                raise ArgumentError("give either products or all_products=True, not both")
            self.append(**{verb: "all"})
            return self
        self.append(**{verb: {"productConfiguration": _names("products", products)}})
        return self

    def add_to_products(self, products: Optional[Iterable[str]] = None, all_products: bool = False) -> "GroupAction":
        """Attach product profiles to the group (``all_products`` is a v2 option, ours)."""
        return self._products("add", products, all_products)

    def remove_from_products(
        self, products: Optional[Iterable[str]] = None, all_products: bool = False
    ) -> "GroupAction":
        """Detach product profiles from the group."""
        return self._products("remove", products, all_products)

    def add_users(self, users: Optional[Iterable[str]] = None) -> "GroupAction":
        """Add users (emails or usernames) to the group."""
        self.append(add={"user": _names("users", users)})
        return self

    def remove_users(self, users: Optional[Iterable[str]] = None) -> "GroupAction":
        """Remove users from the group."""
        self.append(remove={"user": _names("users", users)})
        return self

    def create(
        self,
        option: Union[IfAlreadyExistsOption, str] = IfAlreadyExistsOption.ignoreIfAlreadyExists,
        description: Optional[str] = None,
        *,
        on_conflict: Union[IfAlreadyExistsOption, str, None] = None,
    ) -> "GroupAction":
        """Create the group (inserted first); the option is always sent, as 3.0.1 does."""
        self._validate(self.frame.get("usergroup"))
        if any(c.get("createUserGroup", None) is not None for c in self.commands):
            raise ArgumentError("Only one create() operation allowed per group command entry")
        chosen = _member(IfAlreadyExistsOption, on_conflict if on_conflict is not None else option, "option")
        params: Dict[str, Any] = {"option": chosen.name}
        if description:
            params["description"] = description
        self.insert(createUserGroup=params)
        return self

    def update(self, name: Optional[str] = None, description: Optional[str] = None) -> "GroupAction":
        """Rename the group and/or change its description."""
        self._validate(name)
        params: Dict[str, Any] = {}
        if name:
            params["name"] = name
        if description:
            params["description"] = description
        if not params:
            _warn(f"update() of group {self.frame.get('usergroup')!r} has nothing to change")
        self.append(updateUserGroup=params)
        return self

    def delete(self) -> "GroupAction":
        """Delete the group."""
        self.append(deleteUserGroup={})
        return self


class GroupsQuery(QueryMultiple):
    """All user groups, product profiles and admin groups of the org."""

    def __init__(self, connection: "Connection") -> None:
        super().__init__(connection=connection, object_type="group")


class UserGroupsQuery(QueryMultiple):
    """Ours: the deprecated user-group list (``GET /{orgId}/user-groups``), which Adobe's sync tool names."""

    def __init__(self, connection: "Connection") -> None:
        super().__init__(connection=connection, object_type="user-group")


# v2 name
UserGroupAction = GroupAction

__all__ = [
    "GroupAction",
    "GroupType",
    "GroupTypes",
    "GroupsQuery",
    "IdentityType",
    "IdentityTypes",
    "IfAlreadyExistsOption",
    "IfAlreadyExistsOptions",
    "UserAction",
    "UserGroupAction",
    "UserGroupsQuery",
    "UserQuery",
    "UsersQuery",
]
