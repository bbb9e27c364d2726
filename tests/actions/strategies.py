"""Hypothesis strategies for action batches over the names of `conftest.ACTIONS_SEED`.

`batches()` gives structurally valid batches (every problem is step-level, so the model
can replay them); `any_bodies()` adds malformed entries, wrong JSON types and junk. The
steps both suites generate alike (membership lists, removeFromOrg, profile lists) come from
the contract kit's strategies, step names and options from its model; the rest deliberately
reaches what the kit may not send to a live org: other people's accounts, admin groups,
logins, renames and bad values.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from umapi_mock.contracts.model import CREATE_STEPS, IGNORE, UPDATE
from umapi_mock.contracts.strategies import membership_steps, name_lists, remove_from_org_steps

EMAILS = [
    "fed1@fed.example",
    "FED1@fed.example",
    "fed2@fed.example",
    "ent1@ent.example",
    "adobe1@mail.example",
    "john.doe@fed.example",
    "gone@fed.example",
    "twin@fed.example",
    "new1@fed.example",
    "new2@fed2.example",
    "new3@ent.example",
    "pat@mail.example",
    "x@unclaimed.example",
]
LOGINS = [("jdoe", "fed.example"), ("nn1", "fed.example"), ("twin.a", "fed.example"), ("nn2", "fed2.example")]
GROUPS = [
    "Staff",
    "Design",
    "design",
    "Shared RO",
    "PS Default",
    "PS Team",
    "Acrobat Default",
    "NewG",
    "Other",
    "_admin_Staff",
    "_admin_PS Team",
    "_admin_NewG",
    "_product_admin_Photoshop",
    "_developer_PS Team",
    "_support_admin",
    "_deployment_admin",
    "_org_admin",
    "Missing",
]
PROFILES = ["PS Default", "PS Team", "Acrobat Default", "ps team", "Nope"]
USER_GROUPS = ["Staff", "Design", "Other", "NewG"]
ENTRY_GROUPS = ["Staff", "Design", "Shared RO", "NewG", "Other", "PS Team", "_admin_Design", "Missing"]
NEW_EMAILS = [
    "renamed@fed.example",
    "renamed@fed2.example",
    "fed2@fed.example",
    "r@ent.example",
    "x@unclaimed.example",
    "FED1@fed.example",
    "bad@@x",
]
USERNAMES = ["jd2", "twin.b", "alias@fed2.example", "r@ent.example", "has space"]
NEW_GROUP_NAMES = ["NewG", "Other", "Renamed", "Design", "_bad"]

names = st.sampled_from
request_ids = st.none() | st.text(alphabet="abc123_", max_size=6)


def subset(values: list[str], lo: int = 1, hi: int = 3) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(values), min_size=lo, max_size=hi)


CREATE_USERS = {
    "addAdobeID": ["pat@mail.example", "adobe1@mail.example", "new1@fed.example", "ent1@ent.example"],
    "createEnterpriseID": ["new3@ent.example", "ent1@ent.example", "r@ent.example"],
    "createFederatedID": ["new1@fed.example", "new2@fed2.example", "fed1@fed.example", "alias@fed2.example"],
}


@st.composite
def create_params(draw: st.DrawFn, user: str) -> dict[str, Any]:
    """Mostly valid create parameters (so creates succeed often), sometimes anything."""
    good = draw(st.integers(0, 3)) > 0
    p: dict[str, Any] = {"email": user if "@" in user and draw(st.integers(0, 5)) else draw(names(EMAILS))}
    fields = (
        ("firstname", ["Ann", "Bo"] if good else [None, "Ann", ""]),
        ("lastname", ["Lee", "Ng"] if good else [None, "Lee"]),
        ("country", [None, "US", "DE"] if good else [None, "US", "XX", "us", "USA"]),
        ("option", [None, IGNORE, UPDATE] + ([] if good else ["bogus"])),
    )
    for key, values in fields:
        value = draw(names(values))
        if value is not None:
            p[key] = value
    if good and "country" not in p and draw(st.booleans()):
        p["country"] = "CA"
    return p


@st.composite
def user_middle_step(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(names(["update", "add", "remove", "remove_all"]))
    if kind == "update":
        fields = {
            "firstname": ["Bo", ""],
            "lastname": ["Lu"],
            "email": NEW_EMAILS,
            "username": USERNAMES,
            "country": ["FR"],
        }
        keys = draw(st.lists(names(sorted(fields)), max_size=3, unique=True))
        return {"update": {k: draw(names(fields[k])) for k in keys}}
    if kind == "remove_all":
        return {"remove": "all"}
    key = draw(names(["group", "group", "group", "productConfiguration", "product", "usergroup"]))
    pool = {"group": GROUPS, "productConfiguration": PROFILES, "product": PROFILES, "usergroup": USER_GROUPS}[key]
    return draw(membership_steps(kind, names(pool), 3, key=key))


@st.composite
def user_entry(draw: st.DrawFn) -> dict[str, Any]:
    create = draw(names([None, None, *CREATE_STEPS]))
    if create and draw(st.integers(0, 3)):
        user, domain = draw(names(CREATE_USERS[create])), None
        if create == "createFederatedID" and draw(st.integers(0, 3)) == 0:
            user, domain = draw(names(LOGINS))
    elif draw(st.integers(0, 3)):
        user, domain = draw(names(EMAILS)), None
    else:
        user, domain = draw(names(LOGINS))
    if domain is not None and create not in (None, "createFederatedID"):
        create = None
    steps: list[dict[str, Any]] = []
    if create:
        steps.append({create: draw(create_params(user))})
    steps += draw(st.lists(user_middle_step(), max_size=4))
    if draw(st.integers(0, 4)) == 0:
        steps.append(draw(remove_from_org_steps()))
    entry: dict[str, Any] = {"user": user}
    if domain is not None:
        entry["domain"] = domain
    elif create in (None, "addAdobeID") and draw(st.integers(0, 4)) == 0:
        entry["useAdobeID"] = True
    rid = draw(request_ids)
    if rid is not None:
        entry["requestID"] = rid
    entry["do"] = steps
    return entry


@st.composite
def group_step(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(names(["updateUserGroup", "add", "add", "remove", "deleteUserGroup"]))
    if kind == "updateUserGroup":
        p: dict[str, Any] = {}
        if draw(st.booleans()):
            p["name"] = draw(names(NEW_GROUP_NAMES))
        if draw(st.booleans()):
            p["description"] = draw(names(["d1", "d2"]))
        return {kind: p}
    if kind == "deleteUserGroup":
        return {kind: {}}
    p = {}
    if draw(st.booleans()):
        p["user"] = draw(st.lists(names(EMAILS), min_size=1, max_size=3))
    if draw(st.booleans()) or not p:
        p["productConfiguration"] = draw(name_lists(names(PROFILES), 2))
    return {kind: p}


@st.composite
def group_entry(draw: st.DrawFn) -> dict[str, Any]:
    steps: list[dict[str, Any]] = []
    if draw(st.booleans()):
        p: dict[str, Any] = {}
        for key, values in (
            ("option", [IGNORE, UPDATE]),
            ("description", ["made", "remade"]),
            ("name", ["NewG", "Other"]),
        ):
            if draw(st.booleans()):
                p[key] = draw(names(values))
        steps.append({"createUserGroup": p})
    steps += draw(st.lists(group_step(), max_size=3))
    entry: dict[str, Any] = {"usergroup": draw(names(ENTRY_GROUPS))}
    rid = draw(request_ids)
    if rid is not None:
        entry["requestID"] = rid
    entry["do"] = steps
    return entry


def batches() -> st.SearchStrategy[list[dict[str, Any]]]:
    return st.lists(user_entry() | group_entry(), min_size=1, max_size=10)


# ------------------------------------------------------------------ malformed input

ENTRY_KEYS = ["user", "usergroup", "do", "requestID", "domain", "useAdobeID", "extra"]
STEP_KEYS = [
    *CREATE_STEPS,
    "update",
    "add",
    "remove",
    "removeFromOrg",
    "createUserGroup",
    "updateUserGroup",
    "deleteUserGroup",
    "addRoles",
]
PARAM_KEYS = [
    "email",
    "country",
    "firstname",
    "lastname",
    "option",
    "group",
    "user",
    "productConfiguration",
    "product",
    "usergroup",
    "name",
    "description",
    "deleteAccount",
    "username",
]

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=4)
    | names(EMAILS + GROUPS + ["all", ""])
)
junk = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(names(ENTRY_KEYS + STEP_KEYS + PARAM_KEYS), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def mutated(draw: st.DrawFn, entry: dict[str, Any]) -> Any:
    """An entry with one part replaced by junk: an entry field, a step, or a step's value."""
    entry = dict(entry)
    where = draw(st.integers(0, 4))
    if where == 0:
        entry[draw(names(ENTRY_KEYS))] = draw(junk)
    elif where == 1 and entry["do"]:
        do = list(entry["do"])
        do[draw(st.integers(0, len(do) - 1))] = draw(junk)
        entry["do"] = do
    elif where == 2 and entry["do"]:
        do = list(entry["do"])
        i = draw(st.integers(0, len(do) - 1))
        (name,) = do[i]
        do[i] = {name: draw(junk)}
        entry["do"] = do
    elif where == 3:
        entry["do"] = draw(st.lists(st.dictionaries(names(STEP_KEYS), junk, min_size=1, max_size=2), max_size=12))
    else:
        return draw(junk)
    return entry


def any_entry() -> st.SearchStrategy[Any]:
    valid = user_entry() | group_entry()
    return valid | valid.flatmap(mutated)


def any_bodies() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(any_entry(), min_size=1, max_size=10),
        st.lists(any_entry(), min_size=0, max_size=12),
        junk,
    )


def dumps_with_repeats(value: Any, rng: Any) -> str:
    """JSON text for `value` in which some objects repeat a key (json keeps the last value;
    the engine must notice the repeat). `rng` is a `random.Random`."""
    import json

    if isinstance(value, dict):
        pairs = [(k, dumps_with_repeats(v, rng)) for k, v in value.items()]
        if pairs and rng.random() < 0.3:
            key, text = rng.choice(pairs)
            pairs.insert(rng.randrange(len(pairs) + 1), (key, text if rng.random() < 0.5 else "[]"))
        return "{" + ",".join(f"{json.dumps(k)}:{t}" for k, t in pairs) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dumps_with_repeats(v, rng) for v in value) + "]"
    return json.dumps(value)
