"""A small, independent model of the part of an org the suite touches, and what it predicts
an action request does to it (spec §3.3-§3.5, §3.9).

The model holds only the suite's own users and user groups (named with the run prefix) plus
the product profiles it found, so it works against an org of any size. `apply()` interprets
one command entry of the suite's valid vocabulary, changes the model as the server should,
and returns the errors the server should report. Where the sources leave a choice open the
model takes the spec's §6 recommendation, and accepts every code the spec names for it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

ADOBE_ID, ENTERPRISE_ID, FEDERATED_ID = "adobeID", "enterpriseID", "federatedID"
CREATE_STEPS = {"addAdobeID": ADOBE_ID, "createEnterpriseID": ENTERPRISE_ID, "createFederatedID": FEDERATED_ID}
IGNORE, UPDATE = "ignoreIfAlreadyExists", "updateIfAlreadyExists"

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
ADOBE_ID_UPDATE = frozenset({"error.update.adobeid.no", "error.user.type_must_not_be_adobeid"})


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


@dataclass
class MUser:
    email: str
    type: str
    firstname: str | None = None
    lastname: str | None = None
    country: str | None = None
    groups: dict[str, str] = field(default_factory=dict)  # lower name -> name


@dataclass
class MGroup:
    name: str
    description: str | None = None
    profiles: dict[str, str] = field(default_factory=dict)


class OrgModel:
    def __init__(self, prefix: str, profiles: dict[str, str] | None = None):
        self.prefix = prefix.lower()
        self.users: dict[str, MUser] = {}
        # org-owned accounts removed from the org without deleteAccount: still in the directory,
        # so creating them again brings back the account (its country cannot change)
        self.directory: dict[str, MUser] = {}
        self.groups: dict[str, MGroup] = {}
        self.profiles: dict[str, str] = dict(profiles or {})  # lower -> name, product profiles of the org

    def copy(self) -> OrgModel:
        return copy.deepcopy(self)

    def owns(self, name: str) -> bool:
        return name.lower().startswith(self.prefix)

    def membership_target(self, name: str) -> str | None:
        """The canonical name of a group a user may be added to, or None if unknown."""
        low = name.lower()
        if low in self.groups:
            return self.groups[low].name
        return self.profiles.get(low)

    def members(self, group: str) -> set[str]:
        low = group.lower()
        return {k for k, u in self.users.items() if low in u.groups}

    def indirect_groups(self, user: MUser) -> set[str]:
        """directOnly=false: direct memberships plus profiles of the user's groups (lower)."""
        out = set(user.groups)
        for g in list(user.groups):
            grp = self.groups.get(g)
            if grp is not None:
                out.update(grp.profiles)
        return out

    # ------------------------------------------------------------------ apply

    def apply(self, entry: dict[str, Any], test_mode: bool) -> list[Expect]:
        """Apply one valid-vocabulary entry; the errors the server should report."""
        if "user" in entry:
            return self._apply_user(entry, test_mode)
        return self._apply_group(entry, test_mode)

    def _apply_user(self, entry: dict[str, Any], test_mode: bool) -> list[Expect]:
        key = entry["user"].lower()
        expects: list[Expect] = []
        for i, step in enumerate(entry["do"]):
            ((name, args),) = step.items()
            user = self.users.get(key)
            if name in CREATE_STEPS:
                kept = self.directory.get(key)
                if user is None and kept is not None and kept.type == CREATE_STEPS[name]:
                    del self.directory[key]
                    kept.firstname = args.get("firstname") or kept.firstname
                    kept.lastname = args.get("lastname") or kept.lastname
                    kept.country = kept.country or args.get("country")
                    self.users[key] = kept
                elif user is None:
                    self.users[key] = MUser(
                        args["email"],
                        CREATE_STEPS[name],
                        args.get("firstname"),
                        args.get("lastname"),
                        args.get("country"),
                    )
                elif args.get("option") is None:
                    expects.append(Expect(i, USER_EXISTS))
                elif args["option"] == UPDATE and user.type != ADOBE_ID:  # an org cannot edit an Adobe ID
                    for f in ("firstname", "lastname"):
                        if f in args:
                            setattr(user, f, args[f])
            elif name == "update":
                if user is None:
                    if not test_mode:
                        expects.append(Expect(i, USER_MISSING))
                elif user.type == ADOBE_ID:
                    expects.append(Expect(i, ADOBE_ID_UPDATE))
                else:
                    for f in ("firstname", "lastname"):
                        if f in args:
                            setattr(user, f, args[f])
            elif name in ("add", "remove"):
                if args == "all":
                    if user is not None:
                        user.groups = {k: v for k, v in user.groups.items() if k == "_org_admin"}
                    elif not test_mode:
                        expects.append(Expect(i, USER_MISSING))
                    continue
                names = args["group"]
                unknown = [n for n in names if self.membership_target(n) is None]
                if unknown:
                    codes = LISTED_GROUP_MISSING | PROFILE_MISSING
                    if user is None and not test_mode:
                        codes |= USER_MISSING
                    expects.append(Expect(i, codes))
                elif user is None:
                    if not test_mode:
                        expects.append(Expect(i, USER_MISSING))
                else:
                    for n in names:
                        canon = self.membership_target(n)
                        assert canon is not None
                        if name == "add":
                            user.groups[canon.lower()] = canon
                        else:
                            user.groups.pop(canon.lower(), None)
            elif name == "removeFromOrg":
                gone = self.users.pop(key, None)
                if gone is not None and gone.type != ADOBE_ID and not (args or {}).get("deleteAccount"):
                    gone.groups = {}
                    self.directory[key] = gone
            else:  # pragma: no cover - the generator never sends other steps here
                raise ValueError(f"step {name!r} is outside the model's vocabulary")
        return expects

    def _apply_group(self, entry: dict[str, Any], test_mode: bool) -> list[Expect]:
        gname = entry["usergroup"]
        key = gname.lower()
        expects: list[Expect] = []
        for i, step in enumerate(entry["do"]):
            ((name, args),) = step.items()
            group = self.groups.get(key)
            if name == "createUserGroup":
                if group is None:
                    self.groups[key] = MGroup(args.get("name") or gname, args.get("description"))
                elif args.get("option") is None:
                    expects.append(Expect(i, GROUP_EXISTS))
                elif args["option"] == UPDATE and "description" in args:
                    group.description = args["description"]
                continue
            if group is None:
                expects.append(Expect(i, GROUP_MISSING))
                if name == "deleteUserGroup":
                    break
                continue
            if name == "updateUserGroup":
                if "description" in args:
                    group.description = args["description"]
            elif name == "deleteUserGroup":
                del self.groups[key]
                for user in self.users.values():
                    user.groups.pop(key, None)
                break
            elif name in ("add", "remove"):
                users = args.get("user", [])
                profiles = args.get("productConfiguration", [])
                missing_users = [u for u in users if u.lower() not in self.users]
                missing_profiles = [p for p in profiles if p.lower() not in self.profiles]
                codes: frozenset[str] = frozenset()
                if missing_users:
                    codes |= LISTED_USER_MISSING
                if missing_profiles:
                    codes |= PROFILE_MISSING
                if codes:
                    expects.append(Expect(i, codes))
                    continue
                for u in users:
                    target = self.users[u.lower()]
                    if name == "add":
                        target.groups[key] = group.name
                    else:
                        target.groups.pop(key, None)
                for p in profiles:
                    canon = self.profiles[p.lower()]
                    if name == "add":
                        group.profiles[canon.lower()] = canon
                    else:
                        group.profiles.pop(canon.lower(), None)
            else:  # pragma: no cover
                raise ValueError(f"step {name!r} is outside the model's vocabulary")
        return expects


def predicted_failure(expects: list[Expect]) -> bool | None:
    """True if the entry must fail, False if it must succeed, None if either is allowed."""
    if any(e.required for e in expects):
        return True
    if expects:
        return None
    return False
