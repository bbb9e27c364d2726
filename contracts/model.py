"""The action-semantics oracle: a small model of an org and of what an action entry does to it
(spec §3.2-§3.5, §3.9), written apart from any server. The contract kit and the emulator's own
action tests both judge the engine with it.

One set of step rules, driven two ways:
- `apply(entry, test_mode)` predicts (the kit): it interprets one entry of the kit's valid
  vocabulary, changes the model as a conforming server should, and returns the errors the
  server should report. Where the sources leave a choice open it takes the spec's §6
  recommendation and accepts every code the spec names for it.
- `replay(body, report)` follows (the emulator's tests): it replays the steps the server's
  report says succeeded and raises `ModelMismatch` when the model says one of them must fail.
  Then `state()` is the content the org must hold.

A model starts empty under a name prefix (the kit: it holds only the objects it created, plus
the org's product profiles it found, so it works against an org of any size) or from a whole
org in seed format (`from_org`). Every step leaves the model unchanged when it fails.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ADOBE_ID, ENTERPRISE_ID, FEDERATED_ID = "adobeID", "enterpriseID", "federatedID"
CREATE_STEPS = {"addAdobeID": ADOBE_ID, "createEnterpriseID": ENTERPRISE_ID, "createFederatedID": FEDERATED_ID}
IGNORE, UPDATE = "ignoreIfAlreadyExists", "updateIfAlreadyExists"
ORG_ADMIN = "_org_admin"
ROLE_GROUPS = ("_support_admin", "_deployment_admin")  # every org has them; assignable by `add`
UNASSIGNABLE = frozenset({ORG_ADMIN, "_compartment_admin", "_compartment_viewer"})
ADMIN, PRODUCT_ADMIN, DEVELOPER = "_admin_", "_product_admin_", "_developer_"
PROFILE_KEYS = ("productConfiguration", "product")

USER_MISSING = frozenset({"error.user.nonexistent", "error.user.not_found", "error.user.not_in_org"})
LISTED_USER_MISSING = frozenset(
    {"error.user.not_found", "error.user.nonexistent", "error.user.not_in_org", "error.user.user_list.invalid"}
)
USER_EXISTS = frozenset({"error.user.already_in_org", "error.user.already_exists"})
GROUP_MISSING = frozenset(
    {"error.group.not_found", "error.usergroup.not_found", "error.user.nonexistent_or_has_conflicting_parameters"}
)
LISTED_GROUP_MISSING = frozenset({"error.group.not_found", "error.usergroup.not_found"})
PROFILE_MISSING = frozenset({"error.group.not_found", "error.command.product.not_found", "plc.not_found"})
GROUP_EXISTS = frozenset({"error.usergroup.already_exists"})
ALREADY_MEMBER = frozenset({"error.user.already_exists"})
ADOBE_ID_UPDATE = frozenset({"error.update.adobeid.no", "error.user.type_must_not_be_adobeid"})
TYPE_MISMATCH = frozenset({"error.user.type_mismatch"})
NAME_MISSING = frozenset({"error.user.firstname_missing", "error.user.lastname_missing"})
READ_ONLY = frozenset(
    {
        "error.usergroup.readonly.add_user_not_allowed",
        "error.usergroup.readonly.remove_user_not_allowed",
        "error.usergroup.readonly.update_not_allowed",
        "error.usergroup.readonly.remove_not_allowed",
    }
)


def domain_of(address: str) -> str:
    """The part after the last `@` ("" for a non-email); the model's own, not the engine's."""
    return address.rsplit("@", 1)[1] if "@" in address else ""


@dataclass(frozen=True)
class Expect:
    """An error the server should (required) or may report for one entry."""

    step: int | None  # None: any in-range step (entry-level problems)
    codes: frozenset[str]
    required: bool = True
    contract: str = "action.errors_match_model"

    def matches(self, error: dict[str, Any]) -> bool:
        if self.step is not None and error.get("step") != self.step:
            return False
        return error.get("errorCode") in self.codes


@dataclass(frozen=True)
class Problem:
    """Why the model says a step fails: the codes a server may report, and whether it is a
    missing user (which test mode does not report, spec §3.9)."""

    codes: frozenset[str]
    missing_user: bool = False


class ModelMismatch(AssertionError):
    """A step the server reports as done is one the model says must fail."""


@dataclass(eq=False)
class MUser:
    type: str
    email: str
    username: str = ""  # "" = the email (an email login)
    domain: str = ""  # "" = the email's domain
    firstname: str | None = None
    lastname: str | None = None
    country: str | None = None
    status: str = "active"  # or "removed": out of the org, still in its directory
    groups: dict[str, str] = field(default_factory=dict)  # lower name -> stored name

    def __post_init__(self) -> None:
        self.username = self.username or self.email
        self.domain = self.domain or domain_of(self.email)

    @property
    def org_owned(self) -> bool:
        return self.type != ADOBE_ID

    def row(self) -> tuple[Any, ...]:
        fields = (self.type, self.email, self.username, self.domain, self.firstname, self.lastname, self.country)
        return (*fields, self.status, tuple(sorted(self.groups.values())))


@dataclass(eq=False)
class MGroup:
    """A user group."""

    name: str
    description: str | None = None
    profiles: dict[str, str] = field(default_factory=dict)  # lower name -> stored name
    read_only: bool = False

    def row(self) -> tuple[Any, ...]:
        return (self.name, self.description, tuple(sorted(self.profiles.values())), self.read_only)


@dataclass
class _Addressed:
    """What a user entry addresses (spec §3.2), and the account it has reached so far."""

    user: str
    domain: str | None
    adobe: bool
    account: MUser | None = None


class OrgModel:
    def __init__(
        self,
        prefix: str = "",
        profiles: dict[str, str] | None = None,
        *,
        domains: dict[str, str] | None = None,
        products: dict[str, str] | None = None,
    ):
        self.prefix = prefix.lower()
        self.accounts: list[MUser] = []  # every account, removed ones included
        self.groups: dict[str, MGroup] = {}  # lower name -> user group
        self.profiles: dict[str, str] = dict(profiles or {})  # lower -> name, product profiles of the org
        self.products: dict[str, str] = dict(products or {})  # lower -> name
        self.domains: dict[str, str] = dict(domains or {})  # lower -> name; empty: names kept as written

    @classmethod
    def from_org(cls, doc: dict[str, Any]) -> OrgModel:
        """A whole org in seed format (`umapi_mock.seed.dump_org`)."""
        model = cls(
            profiles={pr["name"].lower(): pr["name"] for p in doc.get("products", []) for pr in p.get("profiles", [])},
            domains={d["name"].lower(): d["name"] for d in doc.get("domains", [])},
            products={p["name"].lower(): p["name"] for p in doc.get("products", [])},
        )
        for g in doc.get("groups", []):
            links = {n.lower(): n for n in g.get("profiles", [])}
            model.groups[g["name"].lower()] = MGroup(g["name"], g.get("description"), links, g.get("read_only", False))
        for u in doc.get("users", []):
            names = {n.lower(): n for n in u.get("groups", [])}
            model.accounts.append(
                MUser(
                    u["type"],
                    u["email"],
                    u.get("username", ""),
                    u.get("domain", ""),
                    u.get("firstname"),
                    u.get("lastname"),
                    u.get("country"),
                    u.get("status", "active"),
                    names,
                )
            )
        return model

    def copy(self) -> OrgModel:
        return copy.deepcopy(self)

    # ---------------------------------------------------------------- reads

    @property
    def users(self) -> dict[str, MUser]:
        """The accounts in the org by lower-case email (the kit's own users have distinct emails;
        in a whole org, use `accounts`)."""
        return {u.email.lower(): u for u in self.accounts if u.status == "active"}

    def members(self, group: str) -> set[str]:
        """Lower-case emails of the users in the org holding `group` directly."""
        low = group.lower()
        return {k for k, u in self.users.items() if low in u.groups}

    def state(self) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """Id-free content: every account with its memberships, every user group with its profiles."""
        users = sorted((u.row() for u in self.accounts), key=repr)
        return users, sorted((g.row() for g in self.groups.values()), key=repr)

    # ---------------------------------------------------------------- lookups (spec §3.2)

    def login(self, username: str, domain: str) -> MUser | None:
        low = (username.lower(), domain.lower())
        return next((u for u in self.accounts if u.org_owned and (u.username.lower(), u.domain.lower()) == low), None)

    def adobe(self, email: str) -> MUser | None:
        return next((u for u in self.accounts if not u.org_owned and u.email.lower() == email.lower()), None)

    def by_email(self, address: str) -> MUser | None:
        """The org-owned account with this email, else the one logging in with it, else the
        Adobe ID; None when two org-owned accounts share it and neither logs in with it."""
        owned = [u for u in self.accounts if u.org_owned and u.email.lower() == address.lower()]
        login = self.login(address, domain_of(address)) if "@" in address else None
        if len(owned) > 1:
            return login if login in owned else None
        if owned:
            return owned[0]
        return login or self.adobe(address)

    def _domain(self, name: str) -> str | None:
        """The org's spelling of a claimed domain (None if unclaimed); any name when the model
        does not know the org's domains (the kit)."""
        if not self.domains:
            return name
        return self.domains.get(name.lower())

    def assignable(self, key: str, name: str) -> str | None:
        """The stored name of the group a user `add`/`remove` list names under `key`, or None
        if it cannot be assigned. Admin groups are named after their base group, profile or
        product and come into being with their first member."""
        low = name.lower()
        if key == "usergroup":
            return self.groups[low].name if low in self.groups else None
        if key in PROFILE_KEYS:
            return self.profiles.get(low)
        if low in self.groups:
            return self.groups[low].name
        if low in self.profiles:
            return self.profiles[low]
        if low in ROLE_GROUPS:
            return low
        if low in UNASSIGNABLE:
            return None
        return self._admin_group(low)

    def _admin_group(self, low: str) -> str | None:
        if low.startswith(PRODUCT_ADMIN):
            product = self.products.get(low[len(PRODUCT_ADMIN) :])
            return None if product is None else PRODUCT_ADMIN + product
        if low.startswith(DEVELOPER):
            profile = self.profiles.get(low[len(DEVELOPER) :])
            return None if profile is None else DEVELOPER + profile
        if low.startswith(ADMIN):
            base = low[len(ADMIN) :]
            named = self.groups[base].name if base in self.groups else self.profiles.get(base)
            return None if named is None else ADMIN + named
        return None

    # ---------------------------------------------------------------- drivers

    def apply(self, entry: dict[str, Any], test_mode: bool) -> list[Expect]:
        """Apply one valid-vocabulary entry; the errors the server should report."""
        return self._entry(entry, test_mode, None)

    def replay(self, body: list[dict[str, Any]], report: dict[str, Any]) -> None:
        """Replay the steps `report` says succeeded (a batch without entry-level errors)."""
        failed: dict[int, set[int]] = {}
        for e in report.get("errors", []):
            failed.setdefault(e["index"], set()).add(e["step"])
        for index, entry in enumerate(body):
            self._entry(entry, False, failed.get(index, set()))

    def _entry(self, entry: dict[str, Any], test_mode: bool, failed: set[int] | None) -> list[Expect]:
        """Run an entry's steps: predicting (`failed` None) or replaying (skip `failed`)."""
        steps = [next(iter(s.items())) for s in entry["do"]]
        expects: list[Expect] = []
        run: Callable[[str, Any], Problem | None]
        if "user" in entry:
            run = functools.partial(self._user_step, self._addressed(entry, steps))
        else:
            run = functools.partial(self._group_step, [entry["usergroup"]])  # the group's name as it goes
        for at, (name, value) in enumerate(steps):
            if failed is None or at not in failed:
                problem = run(name, value)
                if problem is not None and failed is not None:
                    raise ModelMismatch(f"step {at} succeeded, the model says {sorted(problem.codes)}: {entry}")
                if problem is not None and not (test_mode and problem.missing_user):
                    expects.append(Expect(at, problem.codes))
            if name == "deleteUserGroup":
                break  # no further steps run after it (spec §3.4)
        return expects

    # ---------------------------------------------------------------- user steps (spec §3.3)

    def _addressed(self, entry: dict[str, Any], steps: list[tuple[str, Any]]) -> _Addressed:
        user, domain = entry["user"], entry.get("domain") or None
        adobe = bool(entry.get("useAdobeID")) or (bool(steps) and steps[0][0] == "addAdobeID")
        if domain is not None and "@" in user:
            # an email's own domain adds nothing; another one counts only for an email-shaped login
            if domain.lower() == domain_of(user).lower() or self.login(user, domain) is None:
                domain = None
        return _Addressed(user, domain, adobe)

    def _find(self, a: _Addressed) -> MUser | None:
        if a.account is not None and a.account in self.accounts:
            return a.account
        if a.adobe:
            return self.adobe(a.user)
        if a.domain is not None:
            return self.login(a.user, a.domain)
        return self.by_email(a.user)

    def _target(self, a: _Addressed) -> MUser | Problem:
        found = self._find(a)
        if found is None or found.status == "removed":
            return Problem(USER_MISSING, missing_user=True)
        a.account = found
        return found

    def _user_step(self, a: _Addressed, name: str, value: Any) -> Problem | None:
        if name in CREATE_STEPS:
            return self._create(a, CREATE_STEPS[name], value)
        if name == "update":
            return self._update(a, value)
        if name in ("add", "remove"):
            return self._membership(a, name == "add", value)
        if name == "removeFromOrg":
            gone = self._find(a)
            if gone is not None:
                if (value or {}).get("deleteAccount") or not gone.org_owned:
                    self.accounts.remove(gone)  # the account is gone (an Adobe ID only leaves the org)
                else:
                    gone.status, gone.groups = "removed", {}
            return None
        raise ValueError(f"step {name!r} is outside the model's vocabulary")

    def _create(self, a: _Addressed, utype: str, p: dict[str, Any]) -> Problem | None:
        email = p["email"]
        if utype == FEDERATED_ID and (a.domain is not None or a.user.lower() != email.lower()):
            username, claimed = a.user, self._domain(a.domain or domain_of(a.user))
        else:
            username, claimed = email, domain_of(email) if utype == ADOBE_ID else self._domain(domain_of(email))
        if claimed is None:
            return Problem(frozenset({"error.domain.trust.nonexistent"}))
        existing = self.adobe(email) if utype == ADOBE_ID else self.login(username, claimed)
        firstname, lastname = p.get("firstname"), p.get("lastname")
        if existing is not None and existing.status == "removed":
            # back from the directory: empty names keep the account's, its country cannot change
            existing.status = "active"
            existing.firstname = firstname or existing.firstname
            existing.lastname = lastname or existing.lastname
            existing.country = existing.country or p.get("country")
        elif existing is not None:
            if existing.type != utype:
                return Problem(TYPE_MISMATCH)
            if p.get("option") is None:
                return Problem(USER_EXISTS)
            if p["option"] == UPDATE and existing.org_owned:  # an org cannot edit an Adobe ID
                existing.firstname = firstname or existing.firstname  # empty names do not overwrite
                existing.lastname = lastname or existing.lastname
        else:
            existing = MUser(
                utype, email, username, claimed, firstname or None, lastname or None, p.get("country") or None
            )
            self.accounts.append(existing)
        a.account = existing
        return None

    def _update(self, a: _Addressed, p: dict[str, Any]) -> Problem | None:
        user = self._target(a)
        if isinstance(user, Problem):
            return user
        if not user.org_owned:
            return Problem(ADOBE_ID_UPDATE)
        if any(p.get(k) is not None and not p[k].strip() for k in ("firstname", "lastname")):
            return Problem(NAME_MISSING)  # an empty name is refused, never stored
        for key in ("firstname", "lastname"):
            if p.get(key) is not None:
                setattr(user, key, p[key])
        new_email, new_username = p.get("email"), p.get("username")
        if new_email is not None and new_email != user.email:
            email_login = user.username.lower() == user.email.lower()
            user.email = new_email
            if email_login and (new_username is None or new_username.lower() == new_email.lower()):
                user.username, user.domain = new_email, self._domain(domain_of(new_email)) or domain_of(new_email)
                new_username = None
        if new_username is not None and new_username != user.username and user.type == FEDERATED_ID:
            if "@" in new_username:
                user.domain = self._domain(domain_of(new_username)) or domain_of(new_username)
            user.username = new_username
        return None

    def _membership(self, a: _Addressed, adding: bool, value: Any) -> Problem | None:
        if value == "all":
            if adding:
                return Problem(frozenset({"error.command.add_remove.list"}))  # only `remove` takes "all"
            user = self._target(a)
            if isinstance(user, Problem):
                return user
            kept = {ORG_ADMIN} | {k for k, g in self.groups.items() if g.read_only}
            user.groups = {k: v for k, v in user.groups.items() if k in kept}
            return None
        chosen = [(key, n, self.assignable(key, n)) for key, names in value.items() for n in names]
        if any(canon is None for _, _, canon in chosen):
            found = self._find(a)
            missing = found is None or found.status == "removed"
            profiles = any(key in PROFILE_KEYS for key, _, canon in chosen if canon is None)
            codes = LISTED_GROUP_MISSING | (PROFILE_MISSING if profiles else frozenset())
            return Problem(codes | (USER_MISSING if missing else frozenset()))
        user = self._target(a)
        if isinstance(user, Problem):
            return user
        names = {c.lower(): c for _, _, c in chosen if c is not None}
        if any(low in self.groups and self.groups[low].read_only for low in names):
            return Problem(READ_ONLY)
        for low, canon in names.items():
            if adding:
                user.groups[low] = canon
            else:
                user.groups.pop(low, None)
        return None

    # ---------------------------------------------------------------- group steps (spec §3.4)

    def _group_step(self, current: list[str], name: str, value: Any) -> Problem | None:
        key = current[0].lower()
        group = self.groups.get(key)
        if name == "createUserGroup":
            wanted = value.get("name") or current[0]
            existing = self.groups.get(wanted.lower())
            if existing is None:
                if wanted.lower() in self.profiles or wanted.lower() in ROLE_GROUPS + (ORG_ADMIN,):
                    return Problem(GROUP_EXISTS)
                self.groups[wanted.lower()] = MGroup(wanted, value.get("description"))
                current[0] = wanted
                return None
            if value.get("option") is None:
                return Problem(GROUP_EXISTS)
            description = value.get("description")
            if value["option"] == UPDATE and description is not None and description != existing.description:
                if existing.read_only:
                    return Problem(READ_ONLY)
                existing.description = description
            current[0] = existing.name
            return None
        if name in ("add", "remove"):
            return self._group_membership(current[0], name == "add", value)
        if group is None:
            return Problem(GROUP_MISSING)
        if group.read_only:
            return Problem(READ_ONLY)
        if name == "updateUserGroup":
            if value.get("description") is not None:
                group.description = value["description"]
            new = value.get("name")
            if new is not None and new != group.name:
                self._rename(group, new)
            current[0] = group.name
        elif name == "deleteUserGroup":
            del self.groups[key]
            for u in self.accounts:  # its members, and the members of its admin group
                u.groups.pop(key, None)
                u.groups.pop(ADMIN + key, None)
        else:
            raise ValueError(f"step {name!r} is outside the model's vocabulary")
        return None

    def _group_membership(self, gname: str, adding: bool, value: dict[str, Any]) -> Problem | None:
        """Users in and out of a user group (or of a profile or admin group named as the
        entry's `usergroup`), and profiles linked to a user group."""
        users = value.get("user", [])
        profiles = [n for k, names in value.items() if k in PROFILE_KEYS for n in names]
        low = gname.lower()
        group = self.groups.get(low)
        if profiles and group is None:
            return Problem(GROUP_MISSING)
        holder = group.name if group is not None else self.assignable("group", gname)
        if holder is None:
            return Problem(GROUP_MISSING)
        if users and group is not None and group.read_only:
            return Problem(READ_ONLY)
        if any(p.lower() not in self.profiles for p in profiles):
            return Problem(PROFILE_MISSING)
        members: list[MUser] = []
        for u in users:  # in the listed order, as the engine checks them
            m = self.by_email(u)
            if m is None or m.status == "removed":
                return Problem(LISTED_USER_MISSING, missing_user=True)
            if adding and group is not None and holder.lower() in m.groups:
                return Problem(ALREADY_MEMBER)  # a user group's add of a member (docs/fidelity.md, issue 24)
            members.append(m)
        if group is not None:
            for p in profiles:
                canon = self.profiles[p.lower()]
                if adding:
                    group.profiles[canon.lower()] = canon
                else:
                    group.profiles.pop(canon.lower(), None)
        for m in members:
            assert m is not None
            if adding:
                m.groups[holder.lower()] = holder
            else:
                m.groups.pop(holder.lower(), None)
        return None

    def _rename(self, group: MGroup, new: str) -> None:
        old = group.name
        del self.groups[old.lower()]
        group.name = new
        self.groups[new.lower()] = group
        for u in self.accounts:  # memberships follow, and so does the admin group's name
            for before, after in ((old, new), (ADMIN + old, ADMIN + new)):
                if before.lower() in u.groups:
                    del u.groups[before.lower()]
                    u.groups[after.lower()] = after


def predicted_failure(expects: list[Expect]) -> bool | None:
    """True if the entry must fail, False if it must succeed, None if either is allowed."""
    if any(e.required for e in expects):
        return True
    if expects:
        return None
    return False
