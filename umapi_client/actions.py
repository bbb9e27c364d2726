"""User and group actions: build the command entries that ``POST /action/{orgId}`` takes.

An action names one user (``UserAction``) or one user group (``GroupAction``) and
collects the operations to run on it.  Nothing is sent here: a ``Connection`` turns
each action into one or more wire entries (splitting long name lists and long step
lists to the UMAPI limits), sends them, and hands the per-step errors back so that
:meth:`Action.execution_errors` can say which command failed and why.

Input is validated when the operation is added, so mistakes surface as
``ArgumentError`` before any network call.  The v2 names (``UserGroupAction``,
``first_name``/``last_name``, ``option`` for ``on_conflict``...) are accepted too.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

from .enums import GroupType, IdentityType, IfAlreadyExistsOption, coerce_enum
from .errors import ArgumentError

Step = Dict[str, Any]
Entry = Dict[str, Any]

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_GROUP_NAME_LENGTH = 255
_CREATE_STEP = {
    IdentityType.adobeID: "addAdobeID",
    IdentityType.enterpriseID: "createEnterpriseID",
    IdentityType.federatedID: "createFederatedID",
}
_MISSING = object()


def _is_email(value: str) -> bool:
    return bool(_EMAIL_RE.match(value))


def _text(name: str, value: object) -> Optional[str]:
    """None stays None; anything else must be a non-blank string."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ArgumentError(f"{name} must be a non-empty string (got {value!r})")
    return value


def _email(name: str, value: object) -> Optional[str]:
    text = _text(name, value)
    if text is not None and not _is_email(text):
        raise ArgumentError(f"{name} is not a valid email address: {text!r}")
    return text


def _one_of(name_a: str, a: Any, name_b: str, b: Any) -> Any:
    """Merge a 3.x keyword with its v2 spelling; both given with different values is an error."""
    if a is not None and b is not None and a != b:
        raise ArgumentError(f"{name_a} and {name_b} are the same argument; give only one")
    return a if a is not None else b


def _name_list(name: str, values: object) -> List[str]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise ArgumentError(f"{name} must be a list of names (got {values!r})")
    result = list(values)
    if not result:
        raise ArgumentError(f"{name} must not be empty")
    for item in result:
        if not isinstance(item, str) or not item.strip():
            raise ArgumentError(f"every entry of {name} must be a non-empty string (got {item!r})")
    return result


def _split_step(step: Step, max_names: int) -> List[Step]:
    """Split a step whose parameters hold name lists longer than ``max_names``."""
    ((name, params),) = step.items()
    if not isinstance(params, dict):
        return [step]
    lists = {k: v for k, v in params.items() if isinstance(v, list)}
    longest = max((len(v) for v in lists.values()), default=0)
    if longest <= max_names:
        return [step]
    pieces: List[Step] = []
    for start in range(0, longest, max_names):
        part: Dict[str, Any] = {}
        for key, value in params.items():
            if key in lists:
                chunk = value[start : start + max_names]
                if chunk:
                    part[key] = chunk
            elif start == 0:
                part[key] = value
        pieces.append({name: part})
    return pieces


class Action:
    """Common machinery of user and group actions (steps, splitting, error bookkeeping)."""

    _target_key = ""

    def __init__(self, target: str, request_id: Optional[str]) -> None:
        self._target = target
        self.request_id = _text("requestID", request_id)
        self._create: Optional[Step] = None
        self._steps: List[Step] = []
        self._final: Optional[Step] = None
        self._errors: List[Dict[str, Any]] = []
        self._warnings: List[Dict[str, Any]] = []

    # -- building -----------------------------------------------------------------------

    def _append(self, step: Step) -> None:
        if self._final is not None:
            (final_name,) = self._final
            raise ArgumentError(f"no operation may follow {final_name} on {self._target!r}; it must be the last one")
        self._steps.append(step)

    def _set_final(self, step: Step) -> None:
        if self._final is not None:
            (final_name,) = self._final
            raise ArgumentError(f"{final_name} was already requested for {self._target!r}")
        self._final = step

    @property
    def target(self) -> str:
        """The user string or group name this action addresses."""
        return self._target

    @property
    def commands(self) -> List[Step]:
        """The operations in the order they will run (create first, removal last), unsplit."""
        ordered = ([self._create] if self._create else []) + self._steps + ([self._final] if self._final else [])
        return copy.deepcopy(ordered)

    def _entry_header(self) -> Entry:
        header: Entry = {self._target_key: self._target}
        if self.request_id is not None:
            header["requestID"] = self.request_id
        return header

    def wire_entries(self, max_steps: int = 10, max_names: int = 10) -> List[Entry]:
        """The command entries for this action, split to the given limits."""
        if max_steps < 1 or max_names < 1:
            raise ArgumentError("max_steps and max_names must be at least 1")
        steps: List[Step] = []
        for step in self.commands:
            steps.extend(_split_step(step, max_names))
        if not steps:
            raise ArgumentError(f"the action on {self._target!r} has no operations to perform")
        entries = []
        for start in range(0, len(steps), max_steps):
            entry = self._entry_header()
            entry["do"] = steps[start : start + max_steps]
            entries.append(entry)
        return entries

    def wire_dict(self) -> Entry:
        """The whole action as one entry, without splitting (for inspection and tests)."""
        entry = self._entry_header()
        entry["do"] = self.commands
        return entry

    # -- results ------------------------------------------------------------------------

    def execution_errors(self) -> List[Dict[str, Any]]:
        """Errors reported for this action's last execution.

        Each is the server's error object without ``index``/``step``, plus ``command``
        (the step that failed, as sent) and ``target`` (the user or group).  Failures of
        a whole request (e.g. UMAPI unavailable) appear with ``command`` None and
        ``errorCode`` ``"client.request_failed"``.
        """
        return copy.deepcopy(self._errors)

    def execution_warnings(self) -> List[Dict[str, Any]]:
        """Warnings (e.g. ``warning.command.deprecated``) reported for the last execution."""
        return copy.deepcopy(self._warnings)

    def _reset_results(self) -> None:
        self._errors = []
        self._warnings = []

    def _report(self, kind: str, step: Optional[Step], info: Dict[str, Any]) -> None:
        record = {k: v for k, v in info.items() if k not in ("index", "step")}
        record["command"] = copy.deepcopy(step)
        record["target"] = self._target
        (self._errors if kind == "error" else self._warnings).append(record)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._target!r}, commands={self.commands!r})"


class UserAction(Action):
    """Operations on one user, identified by email or (for Federated IDs) username + domain.

    ``UserAction("jdoe@example.com")`` (3.x style) and
    ``UserAction(id_type=IdentityType.federatedID, username="jdoe", domain="example.com",
    email="john.doe@example.com")`` (v2 style) are both accepted.  ``id_type`` defaults
    to Adobe ID, or to Federated ID when the username is not an email address.
    """

    _target_key = "user"

    def __init__(
        self,
        user: Union[str, IdentityType, None] = None,
        id_type: Union[IdentityType, str, None] = None,
        email: Optional[str] = None,
        username: Optional[str] = None,
        domain: Optional[str] = None,
        requestID: Optional[str] = None,
        *,
        request_id: Optional[str] = None,
        use_adobe_id: bool = False,
    ) -> None:
        if not isinstance(use_adobe_id, bool):
            raise ArgumentError(f"use_adobe_id must be True or False (got {use_adobe_id!r})")
        if isinstance(user, IdentityType) or (isinstance(user, str) and user in {t.value for t in IdentityType}):
            # v2 positional form: UserAction(IdentityTypes.federatedID, email=...)
            if id_type is not None:
                raise ArgumentError("the identity type was given twice (positionally and as id_type)")
            id_type, user = user, None
        explicit_type = coerce_enum(IdentityType, id_type, "id_type") if id_type is not None else None
        user = _text("user", user)
        email = _email("email", email)
        username = _text("username", username)
        domain = _text("domain", domain)
        if user is not None and username is not None and user != username:
            raise ArgumentError(f"user {user!r} and username {username!r} disagree; give one of them")
        ident = user or username or email
        if ident is None:
            raise ArgumentError("UserAction needs the user's email or username")
        wire_domain: Optional[str] = None
        if _is_email(ident):
            ident_domain = ident.rsplit("@", 1)[1]
            if domain is not None and domain.lower() != ident_domain.lower():
                raise ArgumentError(
                    f"domain {domain!r} may only be given for non-email usernames; {ident!r} already names its domain"
                )
            domain = ident_domain
        else:
            if "@" in ident:
                raise ArgumentError(f"{ident!r} is neither a valid email address nor a plain username")
            if domain is None:
                raise ArgumentError(f"the non-email username {ident!r} needs domain= (its directory's domain)")
            if explicit_type is not None and explicit_type is not IdentityType.federatedID:
                raise ArgumentError(f"only Federated IDs can have a non-email username like {ident!r}")
            wire_domain = domain
        if (
            explicit_type in (IdentityType.adobeID, IdentityType.enterpriseID)
            and email
            and email.lower() != ident.lower()
        ):
            raise ArgumentError(f"for {explicit_type.value} users the username is the email; {ident!r} != {email!r}")
        if explicit_type is None and wire_domain is not None:
            explicit_type = IdentityType.federatedID
        super().__init__(ident, _one_of("requestID", requestID, "request_id", request_id))
        self._explicit_type = id_type is not None
        self.id_type: IdentityType = explicit_type or IdentityType.adobeID
        self.email = email if email is not None else (ident if _is_email(ident) else None)
        self.username = ident
        self.domain = domain
        self._wire_domain = wire_domain
        self._use_adobe_id = use_adobe_id  # 3.x: address the Adobe ID sharing an org account's email

    def _entry_header(self) -> Entry:
        header: Entry = {"user": self._target}
        if self._wire_domain is not None:
            header["domain"] = self._wire_domain
        if self._use_adobe_id:
            header["useAdobeID"] = True
        if self.request_id is not None:
            header["requestID"] = self.request_id
        return header

    def create(
        self,
        firstname: Optional[str] = None,
        lastname: Optional[str] = None,
        country: Optional[str] = None,
        email: Optional[str] = None,
        on_conflict: Union[IfAlreadyExistsOption, str, None, object] = _MISSING,
        id_type: Union[IdentityType, str, None] = None,
        *,
        first_name: Optional[str] = None,
        last_name: Optional[str] = None,
        option: Union[IfAlreadyExistsOption, str, None] = None,
    ) -> "UserAction":
        """Create the user (always run first, whatever order operations were added in).

        ``on_conflict`` (v2/3.x; ``option`` also accepted) defaults to
        ``ignoreIfAlreadyExists`` like the official client; pass ``None`` to send no
        option, so that an existing user is reported as an error.
        """
        if self._create is not None:
            raise ArgumentError(f"create() was already called for {self._target!r}")
        firstname = _text("firstname", _one_of("firstname", firstname, "first_name", first_name))
        lastname = _text("lastname", _one_of("lastname", lastname, "last_name", last_name))
        email = _email("email", email)
        if country is not None:
            if not isinstance(country, str) or len(country) != 2 or not country.isalpha():
                raise ArgumentError(f"country must be a two-letter ISO 3166 code such as 'US' (got {country!r})")
        if on_conflict is _MISSING:
            conflict: Union[IfAlreadyExistsOption, str, None] = (
                option if option is not None else IfAlreadyExistsOption.ignoreIfAlreadyExists
            )
        else:
            if option is not None:
                raise ArgumentError("on_conflict and option are the same argument; give only one")
            if on_conflict is not None and not isinstance(on_conflict, (IfAlreadyExistsOption, str)):
                raise ArgumentError(f"on_conflict must be an IfAlreadyExistsOption (got {on_conflict!r})")
            conflict = on_conflict
        resolved_conflict = (
            coerce_enum(IfAlreadyExistsOption, conflict, "on_conflict") if conflict is not None else None
        )
        if resolved_conflict is IfAlreadyExistsOption.errorIfAlreadyExists:
            resolved_conflict = None  # no option: UMAPI answers error.user.already_in_org

        itype = self.id_type
        if id_type is not None:
            wanted = coerce_enum(IdentityType, id_type, "id_type")
            if self._explicit_type and wanted is not self.id_type:
                raise ArgumentError(f"id_type {wanted.value} contradicts the action's id_type {self.id_type.value}")
            if self._wire_domain is not None and wanted is not IdentityType.federatedID:
                raise ArgumentError("only Federated IDs can have a non-email username")
            itype = wanted
        if email is not None and self.email is not None and email.lower() != self.email.lower():
            raise ArgumentError(f"create(email={email!r}) contradicts the action's email {self.email!r}")
        create_email = email or self.email
        if create_email is None:
            raise ArgumentError(f"creating {self._target!r} requires an email address (create(email=...))")
        if itype is not IdentityType.federatedID and create_email.lower() != self._target.lower():
            raise ArgumentError(
                f"an {itype.value} user is addressed by its email; {self._target!r} != {create_email!r}"
            )

        params: Dict[str, Any] = {"email": create_email}
        if firstname is not None:
            params["firstname"] = firstname
        if lastname is not None:
            params["lastname"] = lastname
        if country is not None:
            params["country"] = country
        if resolved_conflict is not None:
            params["option"] = resolved_conflict.value
        self.id_type = itype
        self.email = create_email
        self._use_adobe_id = self._use_adobe_id or itype is IdentityType.adobeID
        self._create = {_CREATE_STEP[itype]: params}
        return self

    def update(
        self,
        email: Optional[str] = None,
        username: Optional[str] = None,
        firstname: Optional[str] = None,
        lastname: Optional[str] = None,
        country: Optional[str] = None,
        *,
        first_name: Optional[str] = None,
        last_name: Optional[str] = None,
    ) -> "UserAction":
        """Change email, username (Federated IDs only), first or last name.

        ``country`` is passed through for v2 callers, but UMAPI does not allow changing
        it and reports ``error.update.country.no_update``.
        """
        firstname = _text("firstname", _one_of("firstname", firstname, "first_name", first_name))
        lastname = _text("lastname", _one_of("lastname", lastname, "last_name", last_name))
        email = _email("email", email)
        username = _text("username", username)
        country = _text("country", country)
        if username is not None and self.id_type is not IdentityType.federatedID:
            raise ArgumentError("only Federated IDs have a username that can be changed separately from the email")
        params: Dict[str, Any] = {}
        for key, value in (
            ("email", email),
            ("username", username),
            ("firstname", firstname),
            ("lastname", lastname),
            ("country", country),
        ):
            if value is not None:
                params[key] = value
        if not params:
            raise ArgumentError("update() needs at least one of email, username, firstname, lastname")
        self._append({"update": params})
        return self

    def _membership(
        self, verb: str, groups: Optional[Sequence[str]], all_groups: bool, group_type: Union[GroupType, str, None]
    ) -> "UserAction":
        if not isinstance(all_groups, bool):
            raise ArgumentError(f"all_groups must be True or False (got {all_groups!r})")
        if all_groups:
            if groups or group_type is not None:
                raise ArgumentError("all_groups=True cannot be combined with groups or group_type")
            self._append({verb: "all"})
            return self
        if groups is None:
            raise ArgumentError("give a list of group names (groups=[...]) or all_groups=True")
        names = _name_list("groups", groups)
        key = coerce_enum(GroupType, group_type if group_type is not None else GroupType.group, "group_type")
        self._append({verb: {key.value: names}})
        return self

    def add_to_groups(
        self,
        groups: Optional[Sequence[str]] = None,
        all_groups: bool = False,
        group_type: Union[GroupType, str, None] = None,
    ) -> "UserAction":
        """Add the user to user groups, product profiles or admin groups (lists of any length)."""
        return self._membership("add", groups, all_groups, group_type)

    def remove_from_groups(
        self,
        groups: Optional[Sequence[str]] = None,
        all_groups: bool = False,
        group_type: Union[GroupType, str, None] = None,
    ) -> "UserAction":
        """Remove the user from the named groups, or from all of them with ``all_groups=True``."""
        return self._membership("remove", groups, all_groups, group_type)

    def remove_from_organization(self, delete_account: bool = False) -> "UserAction":
        """Remove the user from the org (always the last operation); optionally delete the account."""
        if not isinstance(delete_account, bool):
            raise ArgumentError(f"delete_account must be True or False (got {delete_account!r})")
        self._set_final({"removeFromOrg": {"deleteAccount": delete_account}})
        return self


class GroupAction(Action):
    """Operations on one user group (create, update, delete, members, product profiles)."""

    _target_key = "usergroup"

    def __init__(self, group_name: str, requestID: Optional[str] = None, *, request_id: Optional[str] = None) -> None:
        super().__init__(
            self._check_name("group_name", group_name), _one_of("requestID", requestID, "request_id", request_id)
        )
        self.group_name = self._target

    @staticmethod
    def _check_name(argument: str, name: object) -> str:
        text = _text(argument, name)
        if text is None:
            raise ArgumentError(f"{argument} is required")
        if text.startswith("_"):
            raise ArgumentError(f"user group names may not start with '_' (reserved by Adobe): {text!r}")
        if len(text) > MAX_GROUP_NAME_LENGTH:
            raise ArgumentError(f"user group names are limited to {MAX_GROUP_NAME_LENGTH} characters")
        return text

    def create(
        self,
        option: Union[IfAlreadyExistsOption, str] = IfAlreadyExistsOption.ignoreIfAlreadyExists,
        description: Optional[str] = None,
        *,
        on_conflict: Union[IfAlreadyExistsOption, str, None] = None,
    ) -> "GroupAction":
        """Create the group (run first); the group's name is the action's group name."""
        if self._create is not None:
            raise ArgumentError(f"create() was already called for group {self._target!r}")
        if on_conflict is not None:
            option = on_conflict
        params: Dict[str, Any] = {}
        resolved = coerce_enum(IfAlreadyExistsOption, option, "option")
        if resolved is not IfAlreadyExistsOption.errorIfAlreadyExists:  # that one sends no option
            params["option"] = resolved.value
        if description is not None:
            if not isinstance(description, str):
                raise ArgumentError(f"description must be a string (got {description!r})")
            params["description"] = description
        self._create = {"createUserGroup": params}
        return self

    def update(self, name: Optional[str] = None, description: Optional[str] = None) -> "GroupAction":
        """Rename the group and/or change its description."""
        if name is None and description is None:
            raise ArgumentError("update() needs a new name, a new description, or both")
        params: Dict[str, Any] = {}
        if name is not None:
            params["name"] = self._check_name("name", name)
        if description is not None:
            if not isinstance(description, str):
                raise ArgumentError(f"description must be a string (got {description!r})")
            params["description"] = description
        self._append({"updateUserGroup": params})
        return self

    def delete(self) -> "GroupAction":
        """Delete the group (always the last operation)."""
        self._set_final({"deleteUserGroup": {}})
        return self

    def add_users(self, users: Optional[Sequence[str]] = None) -> "GroupAction":
        """Add users (emails or usernames) to the group; any number, split into steps of 10."""
        if users is None:
            raise ArgumentError("add_users() needs a list of users")
        self._append({"add": {"user": _name_list("users", users)}})
        return self

    def remove_users(self, users: Optional[Sequence[str]] = None) -> "GroupAction":
        """Remove users from the group."""
        if users is None:
            raise ArgumentError("remove_users() needs a list of users")
        self._append({"remove": {"user": _name_list("users", users)}})
        return self

    def _products(self, verb: str, products: Optional[Sequence[str]], all_products: bool) -> "GroupAction":
        if not isinstance(all_products, bool):
            raise ArgumentError(f"all_products must be True or False (got {all_products!r})")
        if all_products and products:
            raise ArgumentError("give either products or all_products=True, not both")
        if all_products:
            self._append({verb: "all"})
        elif products is None:
            raise ArgumentError("give a list of product profiles (products=[...]) or all_products=True")
        else:
            self._append({verb: {"productConfiguration": _name_list("products", products)}})
        return self

    def add_to_products(self, products: Optional[Sequence[str]] = None, all_products: bool = False) -> "GroupAction":
        """Attach product profiles to the group."""
        return self._products("add", products, all_products)

    def remove_from_products(
        self, products: Optional[Sequence[str]] = None, all_products: bool = False
    ) -> "GroupAction":
        """Detach product profiles (or all of them) from the group."""
        return self._products("remove", products, all_products)


# v2 name
UserGroupAction = GroupAction

__all__ = ["Action", "UserAction", "GroupAction", "UserGroupAction"]
