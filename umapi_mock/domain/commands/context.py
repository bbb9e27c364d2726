"""What every step handler shares: the entry being run, the org and its transaction, the
report, and the lookups of accounts and admin groups (spec §3.2)."""

from __future__ import annotations

from dataclasses import dataclass

from .. import limits
from ..action_errors import action_message, warning_message
from ..models import USER_GROUP, AmbiguousUser, Group, Org, Transaction, User
from ..names import PRODUCT_ADMIN_PREFIX, admin_name
from .report import ActionError, ActionReport, ActionWarning, StepError

_NO_MEMBERS: dict[int, None] = {}  # (never written: a default that costs no dict per call)


@dataclass(slots=True)
class Entry:
    index: int
    request_id: str | None = None
    label: str | None = None  # the `user` field of this entry's errors
    kind: str = ""  # "user" or "usergroup"
    user: str = ""
    domain: str | None = None  # set for non-email users, or an email-shaped username in another domain
    adobe: bool = False  # address the Adobe ID account
    create: str | None = None  # name of the entry's create step, if any
    uid: int | None = None  # the account this entry has resolved or created
    group: str = ""  # the user group the entry addresses (follows create/rename)
    failed: bool = False


class EngineBase:
    def __init__(self, org: Org, txn: Transaction, report: ActionReport, test_mode: bool):
        self.org = org
        self.txn = txn
        self.report = report
        self.test_mode = test_mode
        self.step_at = 0  # the step being run: warnings point at it

    def error(self, entry: Entry, at: int, err: StepError) -> None:
        entry.failed = True
        message = action_message(err.code, **{"user": entry.label or "", **err.params})
        self.report.errors.append(ActionError(entry.index, at, err.code, message, entry.request_id, entry.label))

    def warn(self, entry: Entry, code: str) -> None:
        message = warning_message(code)
        self.report.warnings.append(
            ActionWarning(entry.index, self.step_at, code, message, entry.request_id, entry.label)
        )

    def find(self, e: Entry) -> User | None:
        """The account an entry addresses: the one it already touched, else by §3.2 rules
        (an org-owned account wins over an Adobe ID sharing its email)."""
        org = self.org
        if e.uid is not None:
            found = org.users.get(e.uid)
            if found is not None:
                return found
        if e.adobe:
            return org.find_user(e.user, adobe_id=True)
        if e.domain is not None:
            return org.user_by_login(e.user, e.domain)
        return self.by_email(e.user)

    def target(self, e: Entry) -> User:
        """The account an entry's step acts on, which must be in the org. (The hot steps,
        update and add/remove, inline its first lookup and call it when that fails.)"""
        if e.uid is not None:  # the one it already touched (most steps): one lookup
            user = self.org.users.get(e.uid)
            if user is not None and user.status != "removed":
                return user
        user = self.find(e)
        if user is None:
            raise StepError("error.user.nonexistent", user=e.user, missing_user=True)
        if user.status == "removed":
            raise StepError("error.user.not_in_org", user=e.user, missing_user=True)  # in the directory only
        e.uid = user.uid
        return user

    def listed_user(self, name: str) -> User:
        """A user named in a usergroup `user` list: by email, org-owned first (§3.2, A33)."""
        user = self.by_email(name)
        if user is None:
            raise StepError("error.user.not_found", user=name, missing_user=True)
        if user.status == "removed":
            raise StepError("error.user.not_in_org", user=name, missing_user=True)
        return user

    def by_email(self, address: str) -> User | None:
        """`Org.find_user` (spec §3.2) with its ambiguity as the action error."""
        try:
            return self.org.find_user(address)
        except AmbiguousUser:
            raise StepError("error.user.not_found_or_ambiguous", user=address) from None

    def admin_group(self, name: str, adding: bool, not_found: str) -> Group | None:
        """`_admin_<g>`, `_product_admin_<p>`, `_developer_<p>`: created by their first
        member; removing from one that does not exist yet changes nothing."""
        parsed = admin_name(name)
        if parsed is None:
            raise StepError(not_found, group=name)
        if parsed.prefix == PRODUCT_ADMIN_PREFIX and self.org.product_named(parsed.base) is None:
            raise StepError("error.user.productadmin.group.not_found", group=name)
        if adding:
            group = self.org.ensure_admin_group(name)
            if group is None:
                raise StepError(not_found, group=name)
            return group
        if self.org.admin_base(parsed) is None:
            raise StepError(not_found, group=name)
        return None  # nobody holds it yet: removing changes nothing

    def check_capacity(self, groups: list[Group], users: list[User]) -> None:
        """Spec §3.4: a user group may not grow past USERGROUP_MAX_MEMBERS through `add`."""
        for group in groups:
            if group.type != USER_GROUP:
                continue
            members = self.org.members.get(group.gid, _NO_MEMBERS)
            if len(members) + len(users) <= limits.USERGROUP_MAX_MEMBERS:
                continue  # room for all of them, whoever of them is new
            joining = 0
            for user in users:
                if user.uid not in members:
                    joining += 1
            if joining and len(members) + joining > limits.USERGROUP_MAX_MEMBERS:
                raise StepError(
                    "error.usergroup.exceeds_maximum_member_count", group=group.name, max=limits.USERGROUP_MAX_MEMBERS
                )
