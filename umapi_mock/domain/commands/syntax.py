"""Syntax validation of action entries (spec §3.1-§3.6): the tables of keys, steps and
codes, field checks, entry-level checks and the add/remove name lists. Nothing here
changes the org; `validate_addressing` only reads it."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from .. import limits
from ..models import ADOBE_ID, ENTERPRISE_ID, FEDERATED_ID
from ..names import domain_of, group_name_problem, is_email
from .body import JsonObject
from .context import EngineBase, Entry
from .report import StepError

CREATE_STEPS = {"addAdobeID": ADOBE_ID, "createEnterpriseID": ENTERPRISE_ID, "createFederatedID": FEDERATED_ID}
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

USERNAME_RE = re.compile(r"[^\s@<>()\[\]\\,;:\"/]+")
SPACE_RE = re.compile(r"\s")


CREATE_USER_FIELDS = frozenset({"email", "country", "firstname", "lastname", "option"})
UPDATE_USER_FIELDS = frozenset({"email", "firstname", "lastname", "username"})
UPDATE_USER_SPECIAL = {"country": "error.update.country.no_update", "option": "error.command.update.option.no"}
assert UPDATE_USER_FIELDS.isdisjoint(UPDATE_USER_SPECIAL)  # what `string_fields` relies on


def show_value(value: Any) -> str:
    """A short rendering of a bad JSON value for a message (never recursive)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return json.dumps(value)[:60]
    return f"<{type(value).__name__}>"


def string_fields(
    step: str, value: Any, allowed: set[str] | frozenset[str], *, special: dict[str, str] | None = None
) -> dict[str, str]:
    """An object of optional string fields; null counts as absent. `special` maps keys
    refused with their own code (none of them in `allowed`) to that code."""
    if not isinstance(value, dict):
        raise StepError("error.command.create.object_expected", step=step)
    if not allowed.issuperset(value):  # (`special` keys are never among `allowed`)
        for key in value:
            if special and key in special:
                raise StepError(special[key], step=step)
            if key not in allowed:
                raise StepError("error.command.create.key.unknown", step=step, key=key)
    for v in value.values():
        if type(v) is not str:
            break
    else:
        return value  # all strings (the common case): the object itself, which callers only read
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


_is_email = lru_cache(maxsize=4096)(is_email)  # a sync tool sends the same addresses again and again


def check_email(email: str) -> None:
    if not _is_email(email):
        raise StepError("error.user.email.invalid", email=email)


def check_names(firstname: str | None, lastname: str | None) -> None:
    if firstname is not None and len(firstname) > limits.NAME_MAX:
        raise StepError("error.command.string.too_long", field="firstname", max=limits.NAME_MAX)
    if lastname is not None and len(lastname) > limits.NAME_MAX:
        raise StepError("error.command.string.too_long", field="lastname", max=limits.NAME_MAX)


def check_country(country: str) -> None:
    if len(country) > limits.COUNTRY_LEN:
        raise StepError("error.command.string.too_long", field="country", max=limits.COUNTRY_LEN)
    if country not in ISO_COUNTRIES or country in EMBARGOED_COUNTRIES:
        raise StepError("error.country.invalid", country=country)


def check_group_name(name: str) -> None:
    problem = group_name_problem(name)
    if problem == "invalid":
        raise StepError("error.group.invalid_name", group=name)
    if problem == "too_long":
        raise StepError("error.command.string.too_long", field="name", max=limits.GROUP_NAME_MAX)


def check_description(description: str | None) -> None:
    if description is not None and len(description) > limits.STRING_MAX:
        raise StepError("error.command.string.too_long", field="description", max=limits.STRING_MAX)


def malformed_step(at: int) -> StepError:
    return StepError("error.command.steps.malformed", at=at, detail=f"step {at} must be an object with exactly one key")


class EntrySyntax(EngineBase):
    """Entry-level checks and the add/remove list syntax, shared by user and group steps."""

    def validate_entry(self, e: Entry, raw: Any) -> list[tuple[str, Any]]:
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
            # whatever else the entry holds (spec §3.1; docs/fidelity.md, "Documented surface")
            raise StepError("error.command.user_usergroup.missing")
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

    def validate_user_fields(self, e: Entry, raw: dict[str, Any]) -> None:
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

    def validate_steps(self, e: Entry, do: Any) -> list[tuple[str, Any]]:
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
        append = steps.append
        create_names = CREATE_STEPS if e.kind == "user" else GROUP_CREATE_STEPS
        creates: list[int] = []
        removal = -1  # the first removeFromOrg step
        for at, step in enumerate(do):
            # a plain dict has no `duplicates`; only a JsonObject (repeated keys) does
            if type(step) is not dict:
                repeated: tuple[str, ...] = getattr(step, "duplicates", ())
                if not isinstance(step, dict) or repeated:
                    raise malformed_step(at)
            try:
                (item,) = step.items()  # exactly one (name, value) pair
            except ValueError:  # none, or more than one
                raise malformed_step(at) from None
            append(item)
            name = item[0]
            if name in create_names:  # noted now, checked once every step is known to be well-formed
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

    def validate_addressing(self, e: Entry) -> None:
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
        if e.domain.lower() == domain_of(e.user).lower():
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

    def lists(self, e: Entry, step: str, value: dict[str, Any], allowed: frozenset[str]) -> list[tuple[str, list[str]]]:
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
    def plain_group_names(value: Any) -> list[str] | None:
        """The names when an add/remove value is `{"group": [names]}` with names `lists`
        takes as they are, none repeated in any case (the common shape, nothing to check
        further), else None."""
        if type(value) is not dict or len(value) != 1:
            return None
        names = value.get("group")
        if type(names) is not list:
            return None
        count = len(names)
        if count == 1:
            name = names[0]
            return names if type(name) is str and len(name) <= limits.GROUP_NAME_MAX and name.strip() else None
        if not 0 < count <= limits.NAMES_PER_LIST:
            return None
        for name in names:
            if type(name) is not str or len(name) > limits.GROUP_NAME_MAX or not name.strip():
                return None
        if count == 2:  # (the commonest list of several: two names, compared without a set)
            return names if names[0].lower() != names[1].lower() else None
        return names if len({name.lower() for name in names}) == count else None

    @staticmethod
    def group_list(step: str, key: str, names: list[Any]) -> list[str]:
        seen: set[str] = set()
        kept: list[str] = []
        for name in names:
            if type(name) is not str or not name.strip():
                raise StepError(INVALID_LIST_CODES[key], step=step, name=show_value(name))
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
                raise StepError("error.user.user_list.invalid", step=step, name=show_value(name))
            if len(name) > limits.STRING_MAX or SPACE_RE.search(name):
                raise StepError("error.user.user_list.invalid", name=name)
            lower = name.lower()
            if lower in seen:
                raise StepError("error.command.add_remove.duplicate.user_list", name=name)
            seen.add(lower)
        return names
