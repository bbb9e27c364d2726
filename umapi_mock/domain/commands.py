"""The action engine (spec §3): one JSON batch of command entries in, one report out.

Plain Python, no Flask. `run_actions` validates the whole body, then runs every entry
inside one org transaction (the org lock serialises concurrent requests). Each step runs
against a savepoint: a failing step is undone on its own and reported, and the entry's
later steps still run (spec §6 A28). Test mode (§3.9) is the very same run followed by a
rollback of the whole transaction, so test and real runs cannot drift apart.

Decisions on points the spec leaves open are marked with their §6 item; the full list is
in docs/fidelity.md.

Error `step` rule (§3.7, A19): always an int. A step's own failure reports that step's
index. Entry-level problems report the index of the offending step where there is one
(create not first, second create, removeFromOrg not last, the 11th step, a malformed
step) and 0 otherwise (missing or bad user/usergroup/domain/requestID, `do` not an
array); the official client indexes `do` with it, which is safe whenever `do` is non-empty.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import limits
from .action_errors import action_message, warning_message
from .errors import UmapiError
from .models import (
    ADMIN_PREFIX,
    ADOBE_ID,
    DEVELOPER_PREFIX,
    ENTERPRISE_ID,
    FEDERATED_ID,
    PRODUCT_ADMIN_PREFIX,
    PRODUCT_PROFILE,
    SYSADMIN_GROUP,
    UNASSIGNABLE_GROUPS,
    USER_GROUP,
    Group,
    Org,
    Transaction,
    User,
    replace_user,
)

log = logging.getLogger("umapi_mock.actions")

CREATE_STEPS = {"addAdobeID": ADOBE_ID, "createEnterpriseID": ENTERPRISE_ID, "createFederatedID": FEDERATED_ID}
USER_ONLY_STEPS = frozenset(CREATE_STEPS) | {"update", "removeFromOrg"}
GROUP_CREATE_STEPS = frozenset({"createUserGroup"})
OPTIONS = ("ignoreIfAlreadyExists", "updateIfAlreadyExists")
ENTRY_KEYS = frozenset({"user", "usergroup", "do", "requestID", "domain", "useAdobeID"})
DOMAIN_TYPE = {ENTERPRISE_ID: "enterprise", FEDERATED_ID: "federated"}
DEPRECATED_KEY = "product"
# add/remove list keys: user entries name groups; usergroup entries name users and profiles.
USER_LIST_KEYS = frozenset({"group", "product", "productConfiguration", "usergroup"})
GROUP_LIST_KEYS = frozenset({"user", "product", "productConfiguration"})
PROFILE_KEYS = frozenset({"product", "productConfiguration"})
DUPLICATE_KEY_CODES = {
    "group": "error.command.add_remove.duplicate.group_list",
    "product": "error.command.add_remove.duplicate.product_list",
    "productConfiguration": "error.command.add_remove.duplicate.product_list",
    "user": "error.command.add_remove.duplicate.user_list",
    "usergroup": "error.command.add_remove.duplicate.usergroup_list",
}
INVALID_LIST_CODES = {
    "group": "error.group.invalid_list",
    "product": "error.group.invalid_list",
    "productConfiguration": "error.group.invalid_list",
    "usergroup": "error.command.add_remove.invalid.usergroup_list",
    "user": "error.user.user_list.invalid",
}

# ISO 3166-1 alpha-2 codes; the embargoed ones are "not served" (error.country.invalid).
ISO_COUNTRIES = frozenset(
    """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
    BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG
    EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR
    HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR
    LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG
    NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE
    SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA
    UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW""".split()
)
EMBARGOED_COUNTRIES = frozenset({"CU", "IR", "KP", "SY"})

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
EMAIL_RE = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@" + _LABEL + r"(?:\." + _LABEL + r")+")
USERNAME_RE = re.compile(r"[^\s@<>()\[\]\\,;:\"/]+")
SPACE_RE = re.compile(r"\s")


# --------------------------------------------------------------------- body parsing


class JsonObject(dict):  # type: ignore[type-arg]
    """A parsed JSON object that remembers keys the text repeated (`duplicates`), so the
    engine can answer the duplicate-list error codes; json keeps only the last value."""

    duplicates: tuple[str, ...] = ()


def _object_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj  # the common case stays a plain dict
    repeated = JsonObject(obj)
    seen: set[str] = set()
    dups: list[str] = []
    for key, _ in pairs:
        if key in seen:
            dups.append(key)
        seen.add(key)
    repeated.duplicates = tuple(dups)
    return repeated


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_body(raw: bytes | str) -> Any:
    """The request body as JSON, or `action.malformed` (spec §3.1)."""
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
        return json.loads(text, object_pairs_hook=_object_pairs, parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise UmapiError("action.malformed", detail="The request body is not valid JSON") from None


def check_body(body: Any) -> list[Any]:
    """Whole-request validation (spec §3.1, §6 A29): nothing runs when this fails."""
    if not isinstance(body, list):
        raise UmapiError("action.malformed", detail="The request body must be a JSON array of commands")
    if not body:
        raise UmapiError("action.malformed", detail="The request body must contain at least one command")
    if len(body) > limits.ENTRIES_PER_REQUEST:
        raise UmapiError(
            "action.malformed",
            detail=f"Too many commands in one request: {len(body)}, max {limits.ENTRIES_PER_REQUEST}",
        )
    return body


# --------------------------------------------------------------------------- report


@dataclass
class ActionReport:
    test_mode: bool = False
    completed: int = 0
    not_completed: int = 0
    completed_in_test_mode: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def result(self) -> str:
        if self.not_completed == 0:
            return "success"
        if self.completed + self.completed_in_test_mode == 0:
            return "error"
        return "partial"

    def to_json(self) -> dict[str, Any]:
        """Spec §3.7: `errors`/`warnings` are omitted when empty (the official client reads
        the presence of `errors` as "something failed")."""
        out: dict[str, Any] = {
            "completed": self.completed,
            "notCompleted": self.not_completed,
            "completedInTestMode": self.completed_in_test_mode,
            "result": self.result,
        }
        if self.errors:
            out["errors"] = [dict(e) for e in self.errors]
        if self.warnings:
            out["warnings"] = [dict(w) for w in self.warnings]
        return out


class StepError(Exception):
    """One reported error. `at` overrides the step index (entry-level errors);
    `missing_user` marks "the user does not exist", which test mode forgives (§3.9, A27)."""

    def __init__(self, code: str, *, at: int | None = None, missing_user: bool = False, **params: Any):
        super().__init__(code)
        self.code = code
        self.at = at
        self.missing_user = missing_user
        self.params = params


@dataclass
class _Entry:
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


def run_actions(org: Org, body: Any, *, test_mode: bool) -> ActionReport:
    entries = check_body(body)
    report = ActionReport(test_mode=test_mode)
    with org.transaction() as txn:
        engine = _Engine(org, txn, report, test_mode)
        for index, raw in enumerate(entries):
            engine.run_entry(index, raw)
        if test_mode:
            txn.rollback()
    return report


# --------------------------------------------------------------------------- engine

Handler = Callable[[_Entry, str, Any], None]


class _Engine:
    def __init__(self, org: Org, txn: Transaction, report: ActionReport, test_mode: bool):
        self.org = org
        self.txn = txn
        self.report = report
        self.test_mode = test_mode
        self.step_at = 0  # the step being run: warnings point at it
        self.user_steps: dict[str, Handler] = {
            "addAdobeID": self.create_user,
            "createEnterpriseID": self.create_user,
            "createFederatedID": self.create_user,
            "update": self.update_user,
            "add": self.user_membership,
            "remove": self.user_membership,
            "removeFromOrg": self.remove_from_org,
        }
        self.group_steps: dict[str, Handler] = {
            "createUserGroup": self.create_group,
            "updateUserGroup": self.update_group,
            "deleteUserGroup": self.delete_group,
            "add": self.group_membership,
            "remove": self.group_membership,
        }

    # ------------------------------------------------------------------ entries

    def run_entry(self, index: int, raw: Any) -> None:
        entry = _Entry(index)
        try:
            steps = self.validate_entry(entry, raw)
        except StepError as err:
            self.error(entry, err.at or 0, err)
            self.finish(entry)
            return
        handlers = self.user_steps if entry.kind == "user" else self.group_steps
        for at, (name, value) in enumerate(steps):
            savepoint = self.txn.savepoint()
            self.step_at = at
            try:
                handler = handlers.get(name)
                if handler is None:
                    raise StepError("error.command.step.unknown", step=name)
                handler(entry, name, value)
            except StepError as err:
                self.undo(savepoint)
                if not (self.test_mode and err.missing_user):
                    self.error(entry, at, err)
            except Exception:  # an emulator bug: fail the step, not the whole request
                log.exception("action step %s of entry %d failed unexpectedly", name, index)
                self.undo(savepoint)
                self.error(entry, at, StepError("error.internal.exceptionflys", step=name))
            if entry.kind == "usergroup" and name == "deleteUserGroup":
                break  # "no further steps run after it" (spec §3.4)
        self.finish(entry)

    def undo(self, savepoint: int) -> None:
        if self.txn.savepoint() > savepoint:
            self.txn.rollback_to(savepoint)

    def finish(self, entry: _Entry) -> None:
        if entry.failed:
            self.report.not_completed += 1
        elif self.test_mode:
            self.report.completed_in_test_mode += 1
        else:
            self.report.completed += 1

    def error(self, entry: _Entry, at: int, err: StepError) -> None:
        entry.failed = True
        params = {"user": entry.label or "", **err.params}
        item: dict[str, Any] = {"index": entry.index, "step": at}
        if entry.request_id is not None:
            item["requestID"] = entry.request_id
        item["message"] = action_message(err.code, **params)
        if entry.label is not None:
            item["user"] = entry.label
        item["errorCode"] = err.code
        self.report.errors.append(item)

    def warn(self, entry: _Entry, code: str) -> None:
        item: dict[str, Any] = {"warningCode": code}
        if entry.request_id is not None:
            item["requestID"] = entry.request_id
        item.update(index=entry.index, step=self.step_at, message=warning_message(code))
        if entry.label is not None:
            item["user"] = entry.label
        self.report.warnings.append(item)

    def validate_entry(self, e: _Entry, raw: Any) -> list[tuple[str, Any]]:
        """Entry-level checks (spec §3.1, §3.3 ordering, §3.2 addressing): any failure
        rejects the whole entry before a step runs."""
        if not isinstance(raw, dict):
            raise StepError("error.command.illegal_entry", detail="a command entry must be a JSON object")
        user, group = raw.get("user"), raw.get("usergroup")
        if isinstance(user, str):
            e.label = user
        elif isinstance(group, str):
            e.label = group
        request_id = raw.get("requestID")
        if request_id is not None and not isinstance(request_id, str):
            raise StepError("error.command.string_expected", field="requestID")
        e.request_id = request_id
        duplicates = () if type(raw) is dict else getattr(raw, "duplicates", ())
        if duplicates:
            raise StepError("error.command.illegal_entry", detail=f"key {duplicates[0]!r} appears more than once")
        if not ENTRY_KEYS.issuperset(raw):
            unknown = [k for k in raw if k not in ENTRY_KEYS]
            raise StepError("error.command.illegal_entry", detail=f"unknown key {unknown[0]!r}")
        if user is not None and group is not None:
            raise StepError("error.command.illegal_entry", detail="an entry names either a user or a usergroup")
        do = raw.get("do")
        if user is None and group is None:
            user_only = raw.get("domain") is not None or raw.get("useAdobeID") is not None
            user_only = user_only or any(n in USER_ONLY_STEPS for n in _step_names(do))
            raise StepError("error.command.user.missing" if user_only else "error.command.user_usergroup.missing")
        if user is not None:
            e.kind = "user"
            self.validate_user_fields(e, raw)
        else:
            e.kind = "usergroup"
            if not isinstance(group, str):
                raise StepError("error.command.string_expected", field="usergroup")
            if not group.strip():
                raise StepError("error.command.user_usergroup.missing")
            if len(group) > limits.GROUP_NAME_MAX:
                raise StepError("error.command.string.too_long", field="usergroup", max=limits.GROUP_NAME_MAX)
            for key in ("domain", "useAdobeID"):
                if raw.get(key) is not None:
                    raise StepError("error.command.illegal_entry", detail=f"{key} applies to user entries only")
            e.group = group
        steps = self.validate_steps(e, do)
        if e.kind == "user":
            self.validate_addressing(e)
        return steps

    def validate_user_fields(self, e: _Entry, raw: dict[str, Any]) -> None:
        user = raw["user"]
        if not isinstance(user, str):
            raise StepError("error.command.string_expected", field="user")
        if not user.strip():
            raise StepError("error.user.id_missing")
        if len(user) > limits.STRING_MAX:
            raise StepError("error.command.string.too_long", field="user", max=limits.STRING_MAX)
        adobe = raw.get("useAdobeID")
        if adobe is not None and not isinstance(adobe, bool):
            raise StepError("error.command.boolean_expected", field="useAdobeID")
        domain = raw.get("domain")
        if domain is not None:
            if not isinstance(domain, str):
                raise StepError("error.command.domain.string_expected")
            if len(domain) > limits.STRING_MAX:
                raise StepError("error.command.string.too_long", field="domain", max=limits.STRING_MAX)
        e.user = user
        e.adobe = bool(adobe)
        e.domain = domain or None

    def validate_steps(self, e: _Entry, do: Any) -> list[tuple[str, Any]]:
        if not isinstance(do, list):
            raise StepError("error.command.steps.malformed", detail="'do' must be an array of steps")
        if len(do) > limits.STEPS_PER_ENTRY:
            raise StepError(
                "error.command.add_remove.list_too_long",
                at=limits.STEPS_PER_ENTRY,
                what="steps",
                count=len(do),
                max=limits.STEPS_PER_ENTRY,
            )
        steps: list[tuple[str, Any]] = []
        extend = steps.extend
        for at, step in enumerate(do):
            # a plain dict has no `duplicates`; only a JsonObject (repeated keys) does
            if type(step) is not dict or len(step) != 1:
                repeated: tuple[str, ...] = getattr(step, "duplicates", ())
                if not isinstance(step, dict) or len(step) != 1 or repeated:
                    raise StepError(
                        "error.command.steps.malformed",
                        at=at,
                        detail=f"step {at} must be an object with exactly one key",
                    )
            extend(step.items())  # exactly one (name, value) pair
        create_names = CREATE_STEPS if e.kind == "user" else GROUP_CREATE_STEPS
        creates: list[int] = []
        removal = -1  # the first removeFromOrg step
        for at, (name, _) in enumerate(steps):
            if name in create_names:
                creates.append(at)
            elif name == "removeFromOrg" and removal < 0:
                removal = at
        if creates:
            if len(creates) > 1:
                raise StepError("error.command.create.more_than_one", at=creates[1])
            if creates[0] != 0:
                raise StepError("error.command.create.not_first", at=creates[0], step=steps[creates[0]][0])
            e.create = steps[0][0]
        if e.kind == "user" and removal >= 0 and removal != len(steps) - 1:
            raise StepError("error.command.removefromorg.not_last", at=removal)
        return steps

    def validate_addressing(self, e: _Entry) -> None:
        """Spec §3.2 and §6 A23: how `user`, `domain` and `useAdobeID` select an account."""
        email_shaped = "@" in e.user
        if not email_shaped:
            if e.domain is None:
                raise StepError("error.command.domain.missing", user=e.user)
            if not USERNAME_RE.fullmatch(e.user):
                raise StepError("error.user.name.invalid", name=e.user)
        if e.adobe and (not email_shaped or e.create in ("createEnterpriseID", "createFederatedID")):
            raise StepError(
                "error.user.nonexistent_or_has_conflicting_parameters",
                detail="useAdobeID conflicts with the entry's identity type",
            )
        if e.create == "addAdobeID":
            e.adobe = True  # later steps of this entry address the Adobe ID it creates
        if not email_shaped or e.domain is None:
            return
        if e.domain.lower() == _domain_of(e.user).lower():
            e.domain = None  # harmless: the email already names this domain
            return
        if self.org.user_by_login(e.user, e.domain) is not None:
            return  # an email-shaped Federated username that lives in that domain
        given, e.domain = e.domain, None
        if e.adobe or e.create == "createEnterpriseID":
            return  # ignored for Adobe and Enterprise IDs (A23)
        if e.create == "createFederatedID":
            raise StepError("error.command.domain.must_be_used_with_nonemail_username", user=e.user)
        found = self.find(e)
        if found is not None and found.type == FEDERATED_ID:
            raise StepError("error.update.domain.mismatch", domain=given, user=e.user)

    # ---------------------------------------------------------------- addressing

    def find(self, e: _Entry) -> User | None:
        """The account an entry addresses: the one it already touched, else by §3.2 rules
        (an org-owned account wins over an Adobe ID sharing its email)."""
        org = self.org
        if e.uid is not None and e.uid in org.users:
            return org.users[e.uid]
        if e.adobe:
            return _adobe_id(org, e.user)
        if e.domain is not None:
            return org.user_by_login(e.user, e.domain)
        return _by_email(org, e.user)

    def target(self, e: _Entry) -> User:
        user = self.find(e)
        if user is None:
            raise StepError("error.user.nonexistent", user=e.user, missing_user=True)
        if user.status == "removed":
            raise StepError("error.user.not_in_org", user=e.user, missing_user=True)  # in the directory only
        e.uid = user.uid
        return user

    def listed_user(self, name: str) -> User:
        """A user named in a usergroup `user` list: by email, org-owned first (§3.2, A33)."""
        user = _by_email(self.org, name)
        if user is None:
            raise StepError("error.user.not_found", user=name, missing_user=True)
        if user.status == "removed":
            raise StepError("error.user.not_in_org", user=name, missing_user=True)
        return user

    # ---------------------------------------------------------------- user steps

    def create_user(self, e: _Entry, step: str, value: Any) -> None:
        """addAdobeID / createEnterpriseID / createFederatedID (spec §3.3)."""
        org = self.org
        utype = CREATE_STEPS[step]
        p = _params(step, value, _CREATE_USER_FIELDS)
        option = p.get("option")
        if option is not None and option not in OPTIONS:
            raise StepError("error.option.illegal", option=option)
        email = p.get("email")
        if email is None or not email.strip():
            raise StepError("error.user.email.invalid", email="")
        _check_email(email)
        firstname, lastname = p.get("firstname"), p.get("lastname")
        _check_names(firstname, lastname)
        country = p.get("country")
        if country is not None:
            _check_country(country)
        if utype != ADOBE_ID:
            if firstname is None or not firstname.strip():
                raise StepError("error.user.firstname_missing", type=utype)
            if lastname is None or not lastname.strip():
                raise StepError("error.user.lastname_missing", type=utype)
        if utype == FEDERATED_ID and country is None:
            raise StepError("error.country.invalid", country="(missing: required for Federated IDs)")
        # identity: username and the account's domain
        if utype == FEDERATED_ID and (e.domain is not None or e.user.lower() != email.lower()):
            username = e.user  # username-login, or an email-shaped SSO username (PM:11)
            domain = e.domain if e.domain is not None else _domain_of(e.user)
        else:
            if e.user.lower() != email.lower():
                raise StepError("error.user.must_match_email", user=e.user, email=email)
            username, domain = email, _domain_of(email)
        if utype != ADOBE_ID:
            wanted = DOMAIN_TYPE[utype]
            if not any(d.type == wanted for d in org.domains.values()):
                raise StepError("error.user.type_not_available", type=utype)
            claimed = org.domain_named(domain)
            if claimed is None:
                raise StepError("error.domain.trust.nonexistent")
            if claimed.type != wanted:
                raise StepError("error.user.type_mismatch", type=utype, domain=claimed.name)
            domain = claimed.name
        existing = _adobe_id(org, email) if utype == ADOBE_ID else org.user_by_login(username, domain)
        if existing is not None and existing.status == "removed":
            # A directory account removed from the org: creating it again re-adds it.
            changes = {
                "status": "active",
                "firstname": firstname or existing.firstname,
                "lastname": lastname or existing.lastname,
                "country": existing.country or country,
            }
            org.update_user(existing, **changes)
            e.uid = existing.uid
            return
        if existing is not None:
            if existing.type != utype:
                raise StepError("error.user.type_mismatch", type=utype, domain=domain)
            if option is None:
                raise StepError("error.user.already_in_org", user=e.user)  # §6 A22b
            if option == "updateIfAlreadyExists" and existing.org_owned:
                changes = {k: v for k, v in (("firstname", firstname), ("lastname", lastname)) if v}
                if changes:
                    org.update_user(existing, **changes)
            e.uid = existing.uid
            return
        if utype != ADOBE_ID and any(u.org_owned for u in org.users_with_email(email)):
            raise StepError("error.user.email.name_in_use", email=email)
        user = User(org.new_uid(), utype, email, username, domain, firstname or None, lastname or None, country)
        org.put_user(user)
        e.uid = user.uid

    def update_user(self, e: _Entry, step: str, value: Any) -> None:
        """`update` (spec §3.3): org-owned accounts only; email, username and names."""
        org = self.org
        p = _params(step, value, _UPDATE_USER_FIELDS, special=_UPDATE_USER_SPECIAL)
        firstname, lastname = p.get("firstname"), p.get("lastname")
        _check_names(firstname, lastname)
        new_email, new_username = p.get("email"), p.get("username")
        if new_email is not None:
            _check_email(new_email)
        if new_username is not None:
            if len(new_username) > limits.STRING_MAX:
                raise StepError("error.command.string.too_long", field="username", max=limits.STRING_MAX)
            if not new_username.strip() or SPACE_RE.search(new_username):
                raise StepError("error.user.name.invalid", name=new_username)
        user = self.target(e)
        if user.type == ADOBE_ID:
            raise StepError("error.update.adobeid.no", user=e.user)  # §6 A24
        if firstname is not None and not firstname.strip():
            raise StepError("error.user.firstname_missing", type=user.type)
        if lastname is not None and not lastname.strip():
            raise StepError("error.user.lastname_missing", type=user.type)
        changes: dict[str, Any] = {}
        if firstname is not None:
            changes["firstname"] = firstname
        if lastname is not None:
            changes["lastname"] = lastname
        if new_email is not None and new_email != user.email:
            if new_email.lower() == user.email.lower():
                raise StepError("error.update.no", email=new_email)  # case-only change (§6 A30)
            claimed = self.claimed_for(user, _domain_of(new_email))
            if any(u.org_owned and u.uid != user.uid for u in org.users_with_email(new_email)):
                raise StepError("error.user.email.name_in_use", email=new_email)
            changes["email"] = new_email
            if user.username.lower() == user.email.lower():  # an email-login account
                if new_username is not None and new_username.lower() != new_email.lower():
                    raise StepError("error.update.username.no", user=e.user)
                holder = org.user_by_login(new_email, claimed)
                if holder is not None and holder.uid != user.uid:
                    raise StepError("error.user.name_in_use", name=new_email)
                changes["username"], changes["domain"] = new_email, claimed
                new_username = None
        if new_username is not None and new_username != user.username:
            if user.type == ENTERPRISE_ID:
                if new_username.lower() != changes.get("email", user.email).lower():
                    raise StepError("error.update.username.no", user=e.user)
            else:
                domain = changes.get("domain", user.domain)
                if "@" in new_username:
                    domain = self.claimed_for(user, _domain_of(new_username))
                holder = org.user_by_login(new_username, domain)
                if holder is not None and holder.uid != user.uid:
                    raise StepError("error.user.name_in_use", name=new_username)
                changes["username"], changes["domain"] = new_username, domain
        if changes:
            org.put_user(replace_user(user, changes))  # what org.update_user(user, **changes) does

    def claimed_for(self, user: User, domain: str) -> str:
        """A domain an org-owned account may move into: claimed, same directory type."""
        claimed = self.org.domain_named(domain)
        if claimed is None:
            raise StepError("error.domain.trust.nonexistent")
        if claimed.type != DOMAIN_TYPE.get(user.type):
            raise StepError("error.user.change_domain_update.no", domain=claimed.name)
        return claimed.name

    def user_membership(self, e: _Entry, step: str, value: Any) -> None:
        """User `add` / `remove` (spec §3.3): group lists, legacy keys, or remove "all"."""
        org = self.org
        adding = step == "add"
        if value == "all" and not adding:
            user = self.target(e)
            for gid in sorted(org.memberships.get(user.uid, ())):
                group = org.groups[gid]
                if group.type != SYSADMIN_GROUP and not group.read_only:
                    org.remove_member(gid, user.uid)
            return
        if not isinstance(value, dict):
            raise StepError("error.command.add_remove.list", step=step)
        lists = self.lists(e, step, value, USER_LIST_KEYS)
        if not lists:
            raise StepError("error.command.add_remove.missing_list", step=step)
        assignable = self.assignable
        groups: list[Group]
        if len(lists) == 1 and len(lists[0][1]) == 1:  # one name: nothing to merge
            key, (name,) = lists[0]
            found = assignable(key, name, adding)
            groups = [] if found is None else [found]
        else:
            chosen: dict[int, Group] = {}
            for key, names in lists:
                for name in names:
                    found = assignable(key, name, adding)
                    if found is not None:
                        chosen[found.gid] = found
            groups = list(chosen.values())
        user = self.target(e)
        for group in groups:
            if group.read_only:
                code = "add_user_not_allowed" if adding else "remove_user_not_allowed"
                raise StepError(f"error.usergroup.readonly.{code}", group=group.name)
        uid = user.uid
        if adding:
            self.check_capacity(groups, [user])
            add_member = org.add_member
            for group in groups:
                add_member(group.gid, uid)
        else:
            remove_member = org.remove_member
            for group in groups:
                remove_member(group.gid, uid)

    def assignable(self, key: str, name: str, adding: bool) -> Group | None:
        """A group a user entry may join or leave; None = an admin group that does not
        exist yet, which a remove leaves alone."""
        group = self.org.group_named(name)
        if key == "group":
            if group is not None and group.type != SYSADMIN_GROUP:
                return group
            if group is not None or name.lower() in UNASSIGNABLE_GROUPS:
                raise StepError("error.group.not_found", group=name)  # not assignable through UMAPI
            return self.admin_group(name, adding, "error.group.not_found")
        if key == "usergroup":
            if group is None or group.type != USER_GROUP:
                raise StepError("error.usergroup.not_found", group=name)
            return group
        if group is None or group.type != PRODUCT_PROFILE:
            raise StepError("error.command.product.not_found", name=name)
        return group

    def admin_group(self, name: str, adding: bool, not_found: str) -> Group | None:
        """`_admin_<g>`, `_product_admin_<p>`, `_developer_<p>`: created by their first
        member; removing from one that does not exist yet changes nothing."""
        lower = name.lower()
        if lower.startswith(PRODUCT_ADMIN_PREFIX):
            if self.org.product_named(name[len(PRODUCT_ADMIN_PREFIX) :]) is None:
                raise StepError("error.user.productadmin.group.not_found", group=name)
        elif not (lower.startswith(ADMIN_PREFIX) or lower.startswith(DEVELOPER_PREFIX)):
            raise StepError(not_found, group=name)
        if adding:
            group = self.org.ensure_admin_group(name)
            if group is None:
                raise StepError(not_found, group=name)
            return group
        base_name = name[len(DEVELOPER_PREFIX) :] if lower.startswith(DEVELOPER_PREFIX) else name[len(ADMIN_PREFIX) :]
        if lower.startswith(PRODUCT_ADMIN_PREFIX):
            return None
        base = self.org.group_named(base_name)
        allowed = (PRODUCT_PROFILE,) if lower.startswith(DEVELOPER_PREFIX) else (USER_GROUP, PRODUCT_PROFILE)
        if base is None or base.type not in allowed:
            raise StepError(not_found, group=name)
        return None

    def check_capacity(self, groups: list[Group], users: list[User]) -> None:
        """Spec §3.4: a user group may not grow past USERGROUP_MAX_MEMBERS through `add`."""
        for group in groups:
            if group.type != USER_GROUP:
                continue
            members = self.org.members.get(group.gid, {})
            joining = 0
            for user in users:
                if user.uid not in members:
                    joining += 1
            if joining and len(members) + joining > limits.USERGROUP_MAX_MEMBERS:
                raise StepError(
                    "error.usergroup.exceeds_maximum_member_count", group=group.name, max=limits.USERGROUP_MAX_MEMBERS
                )

    def remove_from_org(self, e: _Entry, step: str, value: Any) -> None:
        """Spec §3.3: always a success, even for a user that does not exist (§6 A25)."""
        if not isinstance(value, dict):
            raise StepError("error.command.create.object_expected", step=step)
        for key in value:
            if key == "option":
                raise StepError("error.command.update.option.no", step=step)
            if key != "deleteAccount":
                raise StepError("error.command.object_not_empty", step=step, key=key)
        delete = value.get("deleteAccount")
        if delete is not None and not isinstance(delete, bool):
            raise StepError("error.command.boolean_expected", field="deleteAccount")
        try:
            user = self.find(e)
        except StepError:
            return
        if user is None:
            return
        if delete or not user.org_owned:
            self.org.delete_user(user.uid)  # the account is gone (an Adobe ID only leaves the org)
            return
        # Without deleteAccount an org-owned account leaves the org's user list but stays in
        # its directory (status `removed`), so a later create brings it back.
        for gid in list(self.org.memberships.get(user.uid, ())):
            self.org.remove_member(gid, user.uid)
        if user.status != "removed":
            self.org.update_user(user, status="removed")

    # --------------------------------------------------------------- group steps

    def create_group(self, e: _Entry, step: str, value: Any) -> None:
        """createUserGroup (spec §3.4, §6 A22): `name` optional, defaults to `usergroup`."""
        org = self.org
        p = _params(step, value, {"name", "description", "option"})
        option = p.get("option")
        if option is not None and option not in OPTIONS:
            raise StepError("error.option.illegal", option=option)
        name = p.get("name") or e.group
        _check_group_name(name)
        description = p.get("description")
        _check_description(description)
        group = org.group_named(name)
        if group is not None:
            if group.type != USER_GROUP or option is None:
                raise StepError("error.usergroup.already_exists", group=name)
            if option == "updateIfAlreadyExists" and description is not None and description != group.description:
                if group.read_only:
                    raise StepError("error.usergroup.readonly.update_not_allowed", group=group.name)
                org.update_group(group, description=description)
            e.group = group.name
            return
        e.group = org.add_group(name, USER_GROUP, description=description).name

    def user_group(self, e: _Entry) -> Group:
        group = self.org.group_named(e.group)
        if group is None or group.type != USER_GROUP:
            raise StepError("error.usergroup.not_found", group=e.group)
        return group

    def update_group(self, e: _Entry, step: str, value: Any) -> None:
        org = self.org
        p = _params(step, value, {"name", "description"}, special={"option": "error.command.update.option.no"})
        if not p:
            raise StepError("error.user.command.missing.arguments", step=step)
        name, description = p.get("name"), p.get("description")
        if name is not None:
            _check_group_name(name)
        _check_description(description)
        group = self.user_group(e)
        if group.read_only:
            raise StepError("error.usergroup.readonly.update_not_allowed", group=group.name)
        changes: dict[str, Any] = {}
        if description is not None:
            changes["description"] = description
        admin = None
        if name is not None and name != group.name:
            other = org.group_named(name)
            if other is not None and other.gid != group.gid:
                raise StepError("error.usergroup.update.failed", group=group.name, detail=f"{name} already exists")
            admin = org.admin_group_of(group)
            if admin is not None and name.lower() != group.name.lower():
                clash = org.group_named(ADMIN_PREFIX + name)
                if clash is not None and clash.gid != admin.gid:
                    raise StepError(
                        "error.usergroup.update.failed", group=group.name, detail=f"{ADMIN_PREFIX}{name} already exists"
                    )
            changes["name"] = name
        if changes:
            group = org.update_group(group, **changes)
        if admin is not None:
            org.update_group(admin, name=ADMIN_PREFIX + group.name)
        e.group = group.name

    def delete_group(self, e: _Entry, step: str, value: Any) -> None:
        if not isinstance(value, dict):
            raise StepError("error.command.create.object_expected", step=step)
        for key in value:
            if key == "option":
                raise StepError("error.command.update.option.no", step=step)
            raise StepError("error.command.object_not_empty", step=step, key=key)
        group = self.user_group(e)
        if group.read_only:
            raise StepError("error.usergroup.readonly.remove_not_allowed", group=group.name)
        self.org.delete_group(group.gid)

    def group_membership(self, e: _Entry, step: str, value: Any) -> None:
        """Usergroup `add` / `remove` (spec §3.4): `user` and `productConfiguration` lists.
        Users may also be managed on profiles and admin groups named as `usergroup`."""
        org = self.org
        adding = step == "add"
        if not isinstance(value, dict):
            raise StepError("error.command.add_remove.list", step=step)
        lists = self.lists(e, step, value, GROUP_LIST_KEYS)
        if not lists:
            raise StepError("error.usergroup.command.missing.arguments", group=e.group)
        user_names = [n for key, names in lists if key == "user" for n in names]
        profile_names = [n for key, names in lists if key in PROFILE_KEYS for n in names]
        group = org.group_named(e.group)
        if profile_names:
            group = self.user_group(e)
        elif group is None:
            if e.group.lower() in UNASSIGNABLE_GROUPS:
                raise StepError("error.usergroup.not_found", group=e.group)
            group = self.admin_group(e.group, adding, "error.usergroup.not_found")
            if group is None:  # removing users from an admin group nobody holds yet
                for name in user_names:
                    self.listed_user(name)
                return
        if group.type == SYSADMIN_GROUP:
            raise StepError("error.usergroup.not_found", group=e.group)
        if user_names and group.read_only:
            code = "add_user_not_allowed" if adding else "remove_user_not_allowed"
            raise StepError(f"error.usergroup.readonly.{code}", group=group.name)
        profiles: list[int] = []
        for name in profile_names:
            profile = org.group_named(name)
            if profile is None or profile.type != PRODUCT_PROFILE:
                raise StepError("error.command.product.not_found", name=name)
            profiles.append(profile.gid)
        listed: dict[int, User] = {}
        for name in user_names:
            user = self.listed_user(name)
            listed[user.uid] = user
        users = list(listed.values())
        if adding:
            self.check_capacity([group], users)
        if profiles:
            linked = group.profiles | set(profiles) if adding else group.profiles - set(profiles)
            if linked != group.profiles:
                group = org.update_group(group, profiles=frozenset(linked))
        for user in users:
            if adding:
                org.add_member(group.gid, user.uid)
            else:
                org.remove_member(group.gid, user.uid)

    # ---------------------------------------------------------------- list syntax

    def lists(
        self, e: _Entry, step: str, value: dict[str, Any], allowed: frozenset[str]
    ) -> list[tuple[str, list[str]]]:
        """The name lists of an add/remove object, checked (spec §3.3, §3.6). Names are
        kept in order; a group or profile named twice counts once."""
        if type(value) is JsonObject:
            for key in value.duplicates:
                if key in DUPLICATE_KEY_CODES and key in allowed:
                    raise StepError(DUPLICATE_KEY_CODES[key], step=step, key=key, name=f"the {key} list")
        if not allowed.issuperset(value):
            for key in value:
                if key not in allowed:
                    if key == "option":
                        raise StepError("error.command.update.option.no", step=step)
                    raise StepError("error.command.add_remove.key.unknown", step=step, key=key)
        out: list[tuple[str, list[str]]] = []
        for key, names in value.items():
            if key == DEPRECATED_KEY:
                self.warn(e, "warning.command.deprecated")
            if type(names) is not list:
                raise StepError("error.command.add_remove.list_not_array", step=step, key=key)
            count = len(names)
            if count == 1 and key != "user":
                # one group or profile name: nothing can repeat (the common case)
                name = names[0]
                if type(name) is str and len(name) <= limits.GROUP_NAME_MAX and name.strip():
                    out.append((key, names))
                    continue
            if count > limits.NAMES_PER_LIST:
                raise StepError(
                    "error.command.add_remove.list_too_long",
                    what=f"names in {key}",
                    count=len(names),
                    max=limits.NAMES_PER_LIST,
                )
            if not names:
                if key == "user" and e.kind == "usergroup":
                    raise StepError("error.usergroup.user_list.invalid", group=e.group)
                raise StepError(INVALID_LIST_CODES[key], step=step, name="(empty list)")
            out.append((key, self.user_list(step, names) if key == "user" else self.group_list(step, key, names)))
        return out

    @staticmethod
    def group_list(step: str, key: str, names: list[Any]) -> list[str]:
        seen: set[str] = set()
        kept: list[str] = []
        for name in names:
            if type(name) is not str or not name.strip():
                raise StepError(INVALID_LIST_CODES[key], step=step, name=_show(name))
            if len(name) > limits.GROUP_NAME_MAX:
                raise StepError(
                    "error.command.add_remove.group_or_product_name_too_long", name=name, max=limits.GROUP_NAME_MAX
                )
            lower = name.lower()
            if lower in seen:
                if key == "usergroup":
                    raise StepError("error.command.add_remove.duplicate.usergroup_list", name=name)
                continue
            seen.add(lower)
            kept.append(name)
        return kept

    @staticmethod
    def user_list(step: str, names: list[Any]) -> list[str]:
        seen: set[str] = set()
        for name in names:
            if type(name) is not str or not name.strip():
                raise StepError("error.user.user_list.invalid", step=step, name=_show(name))
            if len(name) > limits.STRING_MAX or SPACE_RE.search(name):
                raise StepError("error.user.user_list.invalid", name=name)
            lower = name.lower()
            if lower in seen:
                raise StepError("error.command.add_remove.duplicate.user_list", name=name)
            seen.add(lower)
        return names


# ------------------------------------------------------------------------- helpers


def _show(value: Any) -> str:
    """A short rendering of a bad JSON value for a message (never recursive)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return json.dumps(value)[:60]
    return f"<{type(value).__name__}>"


def _step_names(do: Any) -> list[str]:
    if not isinstance(do, list):
        return []
    return [next(iter(s)) for s in do if isinstance(s, dict) and len(s) == 1]


def _domain_of(address: str) -> str:
    return address.rsplit("@", 1)[1] if "@" in address else ""


def _by_email(org: Org, address: str) -> User | None:
    """Spec §3.2: the org-owned account with this email, else the org-owned account whose
    login it is, else the Adobe ID; two org-owned accounts sharing the email are ambiguous
    unless one of them logs in with it."""
    owned = [u for u in org.users_with_email(address) if u.org_owned]
    login = org.user_by_login(address, _domain_of(address)) if "@" in address else None
    if len(owned) > 1:
        if login is not None and login in owned:
            return login
        raise StepError("error.user.not_found_or_ambiguous", user=address)
    if owned:
        return owned[0]
    return login or _adobe_id(org, address)


def _adobe_id(org: Org, email: str) -> User | None:
    return next((u for u in org.users_with_email(email) if u.type == ADOBE_ID), None)


_CREATE_USER_FIELDS = frozenset({"email", "country", "firstname", "lastname", "option"})
_UPDATE_USER_FIELDS = frozenset({"email", "firstname", "lastname", "username"})
_UPDATE_USER_SPECIAL = {"country": "error.update.country.no_update", "option": "error.command.update.option.no"}


def _params(
    step: str, value: Any, allowed: set[str] | frozenset[str], *, special: dict[str, str] | None = None
) -> dict[str, str]:
    """An object of optional string fields; null counts as absent."""
    if not isinstance(value, dict):
        raise StepError("error.command.create.object_expected", step=step)
    if not allowed.issuperset(value) or (special and not special.keys().isdisjoint(value)):
        for key in value:
            if special and key in special:
                raise StepError(special[key], step=step)
            if key not in allowed:
                raise StepError("error.command.create.key.unknown", step=step, key=key)
    out: dict[str, str] = {}
    for key, v in value.items():
        if type(v) is str:
            out[key] = v
        elif v is None:
            continue
        elif not isinstance(v, str):
            raise StepError("error.command.create.string_expected", step=step, field=key)
        else:
            out[key] = v
    return out


def _check_email(email: str) -> None:
    if len(email) > limits.EMAIL_MAX or not EMAIL_RE.fullmatch(email):
        raise StepError("error.user.email.invalid", email=email)


def _check_names(firstname: str | None, lastname: str | None) -> None:
    if firstname is not None and len(firstname) > limits.NAME_MAX:
        raise StepError("error.command.string.too_long", field="firstname", max=limits.NAME_MAX)
    if lastname is not None and len(lastname) > limits.NAME_MAX:
        raise StepError("error.command.string.too_long", field="lastname", max=limits.NAME_MAX)


def _check_country(country: str) -> None:
    if len(country) > limits.COUNTRY_LEN:
        raise StepError("error.command.string.too_long", field="country", max=limits.COUNTRY_LEN)
    if country not in ISO_COUNTRIES or country in EMBARGOED_COUNTRIES:
        raise StepError("error.country.invalid", country=country)


def _check_group_name(name: str) -> None:
    if not name.strip() or name.startswith("_"):
        raise StepError("error.group.invalid_name", group=name)
    if len(name) > limits.GROUP_NAME_MAX:
        raise StepError("error.command.string.too_long", field="name", max=limits.GROUP_NAME_MAX)


def _check_description(description: str | None) -> None:
    if description is not None and len(description) > limits.STRING_MAX:
        raise StepError("error.command.string.too_long", field="description", max=limits.STRING_MAX)
