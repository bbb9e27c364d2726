"""Hypothesis strategies for every UMAPI request shape (spec §3): users, user groups, action
entries and steps, whole batches, and deliberately invalid entries and bodies.

Importable on their own (`from umapi_mock.contracts.strategies import user_entries, Pools`). Valid
strategies draw from `Pools`, the names an entry may address, so callers decide which
objects exist; invalid strategies return `Invalid(entry, expects, contract)`: the entry,
the errors a conforming server reports for it, and the contract that promises so. Every
invalid entry is built to change nothing, whatever a server does with it.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from .model import ADOBE_ID, CREATE_STEPS, FEDERATED_ID, IGNORE, UPDATE, USER_MISSING, Expect
from .registry import error_contract

COUNTRIES = ("US", "GB", "DE", "FR", "JP", "CA", "IN", "BR", "SE", "NL")
CREATE_STEP_OF = {utype: step for step, utype in CREATE_STEPS.items()}
OPTIONS = (None, IGNORE, UPDATE)

# Printable names with a little Unicode; never empty, never leading/trailing spaces.
_NAME_ALPHABET = string.ascii_letters + string.digits + "-' éøüÅßç"
person_names = st.text(_NAME_ALPHABET, min_size=1, max_size=24).map(str.strip).filter(bool)
descriptions = (
    st.text(string.ascii_letters + string.digits + " .,-", min_size=1, max_size=60).map(str.strip).filter(bool)
)
countries = st.sampled_from(COUNTRIES)
request_ids = st.text(string.ascii_letters + string.digits + "_-", min_size=1, max_size=20)


def emails(prefix: str, domain: str) -> st.SearchStrategy[str]:
    """Lower-case emails `<prefix><tag>@<domain>` (≤ 60 characters in total)."""
    room = max(1, 60 - len(prefix) - len(domain) - 1)
    tag = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=min(room, 8))
    return tag.map(lambda t: f"{prefix}{t}@{domain}")


def group_names(prefix: str) -> st.SearchStrategy[str]:
    return st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=8).map(lambda t: f"{prefix}g-{t}")


@dataclass(frozen=True)
class Pools:
    """What a generated entry may address. All names are the suite's own (prefixed) except
    `profiles`, which must exist in the org."""

    identity_type: str  # type of users created in the domain: federatedID or enterpriseID
    users: tuple[str, ...] = ()  # emails in the suite's domain
    adobe_users: tuple[str, ...] = ()  # Adobe ID emails (emulators only)
    groups: tuple[str, ...] = ()  # user group names
    profiles: tuple[str, ...] = ()  # existing product profiles
    ghost_groups: tuple[str, ...] = ()  # names that exist nowhere
    existing_users: frozenset[str] = frozenset()  # lower
    existing_groups: frozenset[str] = frozenset()  # lower
    test_mode: bool = False
    ghost_user: str = ""  # an email in the domain that is never created

    def type_of(self, email: str) -> str:
        return ADOBE_ID if email in self.adobe_users else self.identity_type


# ------------------------------------------------------------------ steps


@st.composite
def create_steps(draw: Callable[..., Any], identity_type: str, email: str, option: Any = None) -> dict[str, Any]:
    """addAdobeID / createEnterpriseID / createFederatedID with the fields its type needs."""
    args: dict[str, Any] = {"email": email}
    needs_names = identity_type != ADOBE_ID
    if needs_names or draw(st.booleans()):
        args["firstname"] = draw(person_names)
        args["lastname"] = draw(person_names)
    if identity_type == FEDERATED_ID or draw(st.booleans()):
        args["country"] = draw(countries)
    chosen = draw(st.sampled_from(OPTIONS)) if option is None else option
    if chosen is not None:
        args["option"] = chosen
    return {CREATE_STEP_OF[identity_type]: args}


@st.composite
def update_steps(draw: Callable[..., Any]) -> dict[str, Any]:
    fields = draw(st.sets(st.sampled_from(("firstname", "lastname")), min_size=1))
    return {"update": {f: draw(person_names) for f in sorted(fields)}}


def name_lists(names: st.SearchStrategy[str], most: int = 3) -> st.SearchStrategy[list[str]]:
    """1..most names, distinct ignoring case (a server counts a name given twice once)."""
    return st.lists(names, min_size=1, max_size=most, unique_by=str.lower)


def membership_steps(
    op: str, names: st.SearchStrategy[str], max_names: int = 3, key: str = "group"
) -> st.SearchStrategy[dict[str, Any]]:
    """`{"add"|"remove": {key: [...]}}` with 1..max_names distinct names (`key` is `group`, or a
    legacy `productConfiguration` / `product` / `usergroup` list)."""
    return name_lists(names, max_names).map(lambda ns: {op: {key: ns}})


def remove_from_org_steps() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.just({"removeFromOrg": {}}), st.booleans().map(lambda b: {"removeFromOrg": {"deleteAccount": b}})
    )


# ------------------------------------------------------------------ entries


@st.composite
def user_entries(
    draw: Callable[..., Any], pools: Pools, email: str, *, membership_names: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """A valid user entry for `email`: optional create first, 0-3 middle steps, optional
    removeFromOrg last."""
    kind = pools.type_of(email)
    names = membership_names if membership_names is not None else pools.groups + pools.profiles
    names = names + pools.ghost_groups
    steps: list[dict[str, Any]] = []
    if draw(st.integers(0, 9)) < 5:
        steps.append(draw(create_steps(kind, email)))
    middle: list[st.SearchStrategy[dict[str, Any]]] = [update_steps()]
    if names:
        middle.append(membership_steps("add", st.sampled_from(names)))
        middle.append(membership_steps("remove", st.sampled_from(names)))
    middle.append(st.just({"remove": "all"}))
    steps += draw(st.lists(st.one_of(middle), max_size=3))
    if draw(st.integers(0, 9)) == 0:
        steps.append(draw(remove_from_org_steps()))
    if not steps:
        steps.append(draw(update_steps()))
    entry: dict[str, Any] = {"user": email, "do": steps}
    if kind == ADOBE_ID:
        entry["useAdobeID"] = True
    if draw(st.integers(0, 3)) == 0:
        entry["requestID"] = draw(request_ids)
    return entry


@st.composite
def usergroup_entries(
    draw: Callable[..., Any], pools: Pools, group: str, *, member_pool: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """A valid user-group entry: create (client style, no `name`) first, updates, member and
    profile changes, optional delete last. In test mode a group that does not exist yet is
    only created (what test mode reports for later steps on it is not documented)."""
    exists = group.lower() in pools.existing_groups
    users = member_pool if member_pool is not None else pools.users
    if pools.test_mode:
        users = tuple(u for u in users if u.lower() in pools.existing_users)
    steps: list[dict[str, Any]] = []
    if not exists or draw(st.integers(0, 4)) == 0:
        create: dict[str, Any] = {}
        if draw(st.booleans()):
            create["description"] = draw(descriptions)
        option = draw(st.sampled_from(OPTIONS))
        if option is not None:
            create["option"] = option
        steps.append({"createUserGroup": create})
    if exists or not pools.test_mode:
        middle: list[st.SearchStrategy[dict[str, Any]]] = [
            descriptions.map(lambda d: {"updateUserGroup": {"description": d}})
        ]
        for op in ("add", "remove"):
            if users:
                middle.append(membership_steps(op, st.sampled_from(users), 3, key="user"))
            if pools.profiles:
                middle.append(membership_steps(op, st.sampled_from(pools.profiles), 2, key="productConfiguration"))
        steps += draw(st.lists(st.one_of(middle), max_size=3))
        if draw(st.integers(0, 7)) == 0:
            steps.append({"deleteUserGroup": {}})
    if not steps:
        steps.append({"updateUserGroup": {"description": draw(descriptions)}})
    entry: dict[str, Any] = {"usergroup": group, "do": steps}
    if draw(st.integers(0, 3)) == 0:
        entry["requestID"] = draw(request_ids)
    return entry


@st.composite
def action_batches(draw: Callable[..., Any], pools: Pools, max_entries: int = 4) -> list[dict[str, Any]]:
    """1..max_entries entries on distinct objects with no references between them, so the
    result does not depend on the order the server runs entries in (spec §3.5)."""
    user_pool = pools.users + pools.adobe_users
    n = draw(st.integers(1, max_entries))
    n_groups = draw(st.integers(0, min(n, len(pools.groups)))) if pools.groups else 0
    n_users = min(n - n_groups, len(user_pool))
    users = (
        draw(
            st.lists(
                st.sampled_from(user_pool), min_size=min(n_users, 1) if user_pool else 0, max_size=n_users, unique=True
            )
        )
        if user_pool
        else []
    )
    groups = (
        draw(st.lists(st.sampled_from(pools.groups), min_size=n_groups, max_size=n_groups, unique=True))
        if n_groups
        else []
    )
    free_groups = tuple(g for g in pools.groups if g not in groups)
    if pools.test_mode:
        free_groups = tuple(g for g in free_groups if g.lower() in pools.existing_groups)
    free_users = tuple(u for u in pools.users if u not in users)
    entries = [draw(user_entries(pools, u, membership_names=free_groups + pools.profiles)) for u in users]
    entries += [draw(usergroup_entries(pools, g, member_pool=free_users)) for g in groups]
    order = draw(st.permutations(range(len(entries)))) if len(entries) > 1 else list(range(len(entries)))
    return [entries[i] for i in order]


# ------------------------------------------------------------------ invalid entries


@dataclass(frozen=True)
class Invalid:
    kind: str
    entry: Any
    expects: tuple[Expect, ...]
    contract: str = field(default="")


@dataclass(frozen=True)
class InvalidKind:
    kind: str
    contract: str
    build: Callable[[Pools, Any], tuple[Any, list[Expect]]]  # (pools, draw) -> (entry, expects)
    needs: str = ""  # "existing_user" when it needs one


INVALID_KINDS: dict[str, InvalidKind] = {}


def _invalid(kind: str, promise: str, spec: str, needs: str = "", basis: str = "documented") -> Callable[..., Any]:
    contract = error_contract(kind, promise, spec, basis)

    def register(
        build: Callable[[Pools, Any], tuple[Any, list[Expect]]],
    ) -> Callable[[Pools, Any], tuple[Any, list[Expect]]]:
        INVALID_KINDS[kind] = InvalidKind(kind, contract, build, needs)
        return build

    return register


def _e(step: int | None, *codes: str, required: bool = True, contract: str = "") -> Expect:
    return Expect(step, frozenset(codes), required, contract or "action.errors_match_model")


def _ghost_create(pools: Pools, draw: Any, **extra: Any) -> dict[str, Any]:
    args: dict[str, Any] = {"email": pools.ghost_user, "firstname": "Ghost", "lastname": "User", "country": "US"}
    args.update(extra)
    return {CREATE_STEP_OF[pools.identity_type]: args}


def _maybe_missing(step: int | None) -> Expect:
    return _e(step, *USER_MISSING, required=False)


@_invalid("step_unknown", "an unknown step name fails with error.command.step.unknown", "§3.3, §3.8, §6 A38")
def _step_unknown(pools: Pools, draw: Any) -> tuple[Any, list[Expect]]:
    name = draw(st.sampled_from(("addEnterpriseID", "resetPassword2", "addRoles", "frobnicate")))
    return {"user": pools.ghost_user, "do": [{name: {"email": pools.ghost_user}}]}, [
        _e(0, "error.command.step.unknown"),
        _maybe_missing(None),
    ]


@_invalid("create_not_first", "a create step after another step fails with error.command.create.not_first", "§3.3")
def _create_not_first(pools: Pools, draw: Any) -> tuple[Any, list[Expect]]:
    return {"user": pools.ghost_user, "do": [{"update": {"firstname": "Ghost"}}, _ghost_create(pools, draw)]}, [
        _e(1, "error.command.create.not_first", "error.command.create.more_than_one"),
        _maybe_missing(0),
    ]


@_invalid(
    "create_more_than_one",
    "two create steps fail with error.command.create.more_than_one",
    "§3.3",
    needs="existing_user",
)
def _create_more_than_one(pools: Pools, draw: Any) -> tuple[Any, list[Expect]]:
    user = draw(st.sampled_from(sorted(u for u in pools.users if u.lower() in pools.existing_users)))
    step = {
        CREATE_STEP_OF[pools.identity_type]: {
            "email": user,
            "firstname": "X",
            "lastname": "Y",
            "country": "US",
            "option": IGNORE,
        }
    }
    return {"user": user, "do": [step, step]}, [
        _e(1, "error.command.create.more_than_one", "error.command.create.not_first")
    ]


@_invalid(
    "removefromorg_not_last",
    "removeFromOrg before another step fails with error.command.removefromorg.not_last",
    "§3.3, §6 A26",
    basis="recommended",
)
def _remove_not_last(pools: Pools, draw: Any) -> tuple[Any, list[Expect]]:
    return {"user": pools.ghost_user, "do": [{"removeFromOrg": {}}, {"update": {"firstname": "Ghost"}}]}, [
        _e(0, "error.command.removefromorg.not_last"),
        _maybe_missing(1),
    ]


@_invalid("option_illegal", "a create option other than the two documented fails with error.option.illegal", "§3.3")
def _option_illegal(pools: Pools, draw: Any) -> tuple[Any, list[Expect]]:
    option = draw(st.sampled_from(("sometimes", "ignoreifalreadyexists", "overwrite", "")))
    return {"user": pools.ghost_user, "do": [_ghost_create(pools, draw, option=option)]}, [
        _e(0, "error.option.illegal")
    ]


@_invalid(
    "country_too_long", "a country longer than 2 characters fails with error.command.string.too_long", "§3.3, §3.7"
)
def _country_too_long(pools: Pools, draw: Any) -> tuple[Any, list[Expect]]:
    country = draw(st.sampled_from(("USA", "GBR", "DEU", "United States")))
    return {"user": pools.ghost_user, "do": [_ghost_create(pools, draw, country=country)]}, [
        _e(0, "error.command.string.too_long")
    ]


@_invalid("email_too_long", "an email over 60 characters fails with error.user.email.invalid", "§3.3, §3.6")
def _email_too_long(pools: Pools, draw: Any) -> tuple[Any, list[Expect]]:
    local, domain = pools.ghost_user.split("@", 1)
    pad = 61 - len(pools.ghost_user) + draw(st.integers(0, 10))
    email = f"{local}{'x' * max(pad, 1)}@{domain}"
    step = {
        CREATE_STEP_OF[pools.identity_type]: {"email": email, "firstname": "Long", "lastname": "Email", "country": "US"}
    }
    return {"user": email, "do": [step]}, [_e(0, "error.user.email.invalid")]


@_invalid(
    "list_too_long",
    "more than 10 names in an add/remove list fail with error.command.add_remove.list_too_long",
    "§3.3, §3.6",
)
def _list_too_long(pools: Pools, draw: Any) -> tuple[Any, list[Expect]]:
    n = draw(st.integers(11, 14))
    op = draw(st.sampled_from(("add", "remove")))
    names = [f"{pools.ghost_user.split('@')[0]}-g{i}" for i in range(n)]
    return {"user": pools.ghost_user, "do": [{op: {"group": names}}]}, [
        _e(0, "error.command.add_remove.list_too_long"),
        _maybe_missing(0),
    ]


@_invalid(
    "too_many_steps",
    "more than 10 steps in an entry fail with error.command.add_remove.list_too_long",
    "§3.6, §6 A29",
    basis="recommended",
)
def _too_many_steps(pools: Pools, draw: Any) -> tuple[Any, list[Expect]]:
    n = draw(st.integers(11, 13))
    return {"user": pools.ghost_user, "do": [{"update": {"firstname": f"G{i}"}} for i in range(n)]}, [
        _e(None, "error.command.add_remove.list_too_long"),
        _maybe_missing(None),
    ]


@_invalid("group_invalid_list", "an empty group list fails with error.group.invalid_list", "§3.3")
def _empty_list(pools: Pools, draw: Any) -> tuple[Any, list[Expect]]:
    op = draw(st.sampled_from(("add", "remove")))
    return {"user": pools.ghost_user, "do": [{op: {"group": []}}]}, [
        _e(0, "error.group.invalid_list", "error.command.add_remove.missing_list"),
        _maybe_missing(0),
    ]


@_invalid(
    "add_remove_list",
    'an add/remove value that is neither an object nor "all" fails with error.command.add_remove.list',
    "§3.3",
)
def _add_not_object(pools: Pools, draw: Any) -> tuple[Any, list[Expect]]:
    value = draw(st.sampled_from((5, "everything", ["g"], True)))
    return {"user": pools.ghost_user, "do": [{"add": value}]}, [
        _e(0, "error.command.add_remove.list"),
        _maybe_missing(0),
    ]


@_invalid(
    "list_not_array", "a group list that is not an array fails with error.command.add_remove.list_not_array", "§3.3"
)
def _list_not_array(pools: Pools, draw: Any) -> tuple[Any, list[Expect]]:
    value = draw(st.sampled_from(("Team", 3, {"a": 1})))
    return {"user": pools.ghost_user, "do": [{"add": {"group": value}}]}, [
        _e(0, "error.command.add_remove.list_not_array"),
        _maybe_missing(0),
    ]


@_invalid(
    "add_remove_key_unknown", "an unknown key in add/remove fails with error.command.add_remove.key.unknown", "§3.3"
)
def _add_key_unknown(pools: Pools, draw: Any) -> tuple[Any, list[Expect]]:
    key = draw(st.sampled_from(("colour", "groups", "members")))
    return {"user": pools.ghost_user, "do": [{"add": {key: ["x"]}}]}, [
        _e(0, "error.command.add_remove.key.unknown"),
        _maybe_missing(0),
    ]


@_invalid("create_key_unknown", "an unknown key in a create step fails with error.command.create.key.unknown", "§3.3")
def _create_key_unknown(pools: Pools, draw: Any) -> tuple[Any, list[Expect]]:
    key = draw(st.sampled_from(("colour", "phone", "firstName")))
    return {"user": pools.ghost_user, "do": [_ghost_create(pools, draw, **{key: "x"})]}, [
        _e(0, "error.command.create.key.unknown")
    ]


@_invalid(
    "create_object_expected",
    "a create step whose value is not an object fails with error.command.create.object_expected",
    "§3.3",
)
def _create_not_object(pools: Pools, draw: Any) -> tuple[Any, list[Expect]]:
    value = draw(st.sampled_from((pools.ghost_user, 7, ["x"])))
    return {"user": pools.ghost_user, "do": [{CREATE_STEP_OF[pools.identity_type]: value}]}, [
        _e(0, "error.command.create.object_expected")
    ]


@_invalid("create_string_expected", "a non-string create field fails with error.command.create.string_expected", "§3.3")
def _create_not_string(pools: Pools, draw: Any) -> tuple[Any, list[Expect]]:
    field_ = draw(st.sampled_from(("firstname", "lastname", "country")))
    value = draw(st.sampled_from((42, True, ["x"])))
    return {"user": pools.ghost_user, "do": [_ghost_create(pools, draw, **{field_: value})]}, [
        _e(0, "error.command.create.string_expected")
    ]


@_invalid("update_option", "option inside update fails with error.command.update.option.no", "§3.3")
def _update_option(pools: Pools, draw: Any) -> tuple[Any, list[Expect]]:
    return {"user": pools.ghost_user, "do": [{"update": {"firstname": "Ghost", "option": IGNORE}}]}, [
        _e(0, "error.command.update.option.no"),
        _maybe_missing(0),
    ]


@_invalid("request_id_not_string", "a non-string requestID fails with error.command.string_expected", "§3.1, §3.8")
def _request_id(pools: Pools, draw: Any) -> tuple[Any, list[Expect]]:
    value = draw(st.sampled_from((7, ["r"], {"id": 1})))
    return {"user": pools.ghost_user, "requestID": value, "do": [{"update": {"firstname": "Ghost"}}]}, [
        _e(None, "error.command.string_expected"),
        _maybe_missing(None),
    ]


@_invalid(
    "use_adobe_id_not_boolean", "a non-boolean useAdobeID fails with error.command.boolean_expected", "§3.1, §3.8"
)
def _use_adobe_id(pools: Pools, draw: Any) -> tuple[Any, list[Expect]]:
    value = draw(st.sampled_from(("yes", 1, "true")))
    return {"user": pools.ghost_user, "useAdobeID": value, "do": [{"update": {"firstname": "Ghost"}}]}, [
        _e(None, "error.command.boolean_expected"),
        _maybe_missing(None),
    ]


@_invalid(
    "user_missing",
    "an entry with neither user nor usergroup fails with error.command.user_usergroup.missing",
    "§3.1, §3.8",
)
def _no_user(pools: Pools, draw: Any) -> tuple[Any, list[Expect]]:
    return {"do": [{"update": {"firstname": "Nobody"}}]}, [
        _e(None, "error.command.user_usergroup.missing", "error.command.user.missing")
    ]


@_invalid("steps_malformed", "a do value that is not an array fails with error.command.steps.malformed", "§3.1, §3.8")
def _do_not_array(pools: Pools, draw: Any) -> tuple[Any, list[Expect]]:
    value = draw(st.sampled_from(({"update": {"firstname": "X"}}, "update", 3)))
    return {"user": pools.ghost_user, "do": value}, [_e(None, "error.command.steps.malformed")]


@_invalid("domain_missing", "a non-email user without domain fails with error.command.domain.missing", "§3.1, §3.2")
def _domain_missing(pools: Pools, draw: Any) -> tuple[Any, list[Expect]]:
    name = pools.ghost_user.split("@", 1)[0] + "-nomail"
    return {"user": name, "do": [{"update": {"firstname": "Ghost"}}]}, [_e(None, "error.command.domain.missing")]


@st.composite
def invalid_entries(draw: Callable[..., Any], pools: Pools, kinds: tuple[str, ...] | None = None) -> Invalid:
    """One deliberately invalid entry, with the errors a conforming server reports."""
    has_existing = any(u.lower() in pools.existing_users for u in pools.users)
    names = [
        k
        for k, v in INVALID_KINDS.items()
        if (kinds is None or k in kinds) and (v.needs != "existing_user" or has_existing)
    ]
    kind = INVALID_KINDS[draw(st.sampled_from(sorted(names)))]
    entry, expects = kind.build(pools, draw)
    tagged = tuple(Expect(e.step, e.codes, e.required, kind.contract if e.required else e.contract) for e in expects)
    return Invalid(kind.kind, entry, tagged, kind.contract)


def build_invalid(kind: str, pools: Pools) -> Invalid:
    """A deterministic example of one invalid kind (the first choice of every draw)."""

    def first(strategy: st.SearchStrategy[Any]) -> Any:
        return _first_example(strategy)

    spec = INVALID_KINDS[kind]
    entry, expects = spec.build(pools, first)
    tagged = tuple(Expect(e.step, e.codes, e.required, spec.contract if e.required else e.contract) for e in expects)
    return Invalid(kind, entry, tagged, spec.contract)


_FIRST: dict[str, Any] = {}


def _first_example(strategy: st.SearchStrategy[Any]) -> Any:
    """Hypothesis's simplest example of a strategy, found once per process: the result depends
    only on the strategy, whose repr names it fully (sampled_from / integers of constants)."""
    import copy

    from hypothesis import find

    key = repr(strategy)
    if key not in _FIRST:
        _FIRST[key] = find(strategy, lambda _: True)
    return copy.deepcopy(_FIRST[key])


# ------------------------------------------------------------------ whole bodies

MALFORMED_BODIES: dict[str, str] = {
    "not_json": "this is not json",
    "truncated_json": '[{"user": "a@b.example", "do": [',
    "object_not_array": '{"user": "a@b.example", "do": []}',
    "empty_array": "[]",
    "string": '"hello"',
}


def malformed_bodies() -> st.SearchStrategy[tuple[str, str]]:
    """(name, body text) pairs that must be refused as a whole (error.command.malformed)."""
    return st.sampled_from(sorted(MALFORMED_BODIES.items()))


def oversized_batches(pools: Pools) -> st.SearchStrategy[list[dict[str, Any]]]:
    """11-15 harmless entries: above the 10-entry limit."""
    return st.integers(11, 15).map(
        lambda n: [{"user": pools.ghost_user, "do": [{"update": {"firstname": f"G{i}"}}]} for i in range(n)]
    )


__all__ = [
    "COUNTRIES",
    "Pools",
    "Invalid",
    "INVALID_KINDS",
    "MALFORMED_BODIES",
    "emails",
    "group_names",
    "person_names",
    "descriptions",
    "countries",
    "request_ids",
    "create_steps",
    "update_steps",
    "name_lists",
    "membership_steps",
    "remove_from_org_steps",
    "user_entries",
    "usergroup_entries",
    "action_batches",
    "invalid_entries",
    "build_invalid",
    "malformed_bodies",
    "oversized_batches",
]
