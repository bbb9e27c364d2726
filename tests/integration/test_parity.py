"""One scenario, two clients: the same steps run with our reference client (in this process)
and with the official umapi-client 3.0.1 (its own venv), each against a freshly reset
served emulator; results and raised exceptions must match (issue 6).

The scenario runner below is Python source executed by both clients unchanged, using only
the API the two share; results are compared as they are (a missing user is `{}` and an
execution error's `target` the entry frame in both). An exception matches when the official
client's class is the same class in ours or one of its bases (IMS refusals: 3.0.1 raises
`RuntimeError`, ours `AuthenticationError`, a `RuntimeError`).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import umapi_client

from .conftest import state_of, wire_of

RUNNER = """
def outcome(fn):
    try:
        return {"ok": fn()}
    except Exception as exc:
        return {"error": type(exc).__name__, "mro": [c.__name__ for c in type(exc).__mro__],
                "causes": [type(c).__name__ for c in getattr(exc, "causes", None) or []]}

def _execute(conn, actions):
    stats = conn.execute_multiple(actions, immediate=True)
    errors = [[{"errorCode": e.get("errorCode"), "user": e.get("user"), "requestID": e.get("requestID"),
                "command": e.get("command"), "target": e.get("target")} for e in a.execution_errors()]
              for a in actions]
    return {"stats": list(stats), "errors": errors}

def _user(step):
    kw = {}
    if "domain" in step:
        kw["domain"] = step["domain"]
    if "request" in step:
        kw["requestID"] = step["request"]
    if step.get("adobe"):
        kw["use_adobe_id"] = True
    return UserAction(step["user"], **kw)

def _step(conn, step):
    do = step["do"]
    if do == "create":
        a = _user(step).create(email=step["email"], firstname=step.get("first"), lastname=step.get("last"),
                               country=step.get("country"), id_type=IdentityType[step["type"]],
                               on_conflict=IfAlreadyExistsOption[step.get("option", "ignoreIfAlreadyExists")])
        if step.get("groups"):
            a.add_to_groups(groups=step["groups"])
        return _execute(conn, [a])
    if do == "add_groups":
        return _execute(conn, [_user(step).add_to_groups(groups=step["groups"])])
    if do == "add_each":
        return _execute(conn, [UserAction(u).add_to_groups(groups=step["groups"]) for u in step["users"]])
    if do == "add_and_update":
        return _execute(conn, [_user(step).add_to_groups(groups=step["groups"]).update(**step["fields"])])
    if do == "update":
        return _execute(conn, [_user(step).update(**step["fields"])])
    if do == "remove_groups":
        return _execute(conn, [_user(step).remove_from_groups(groups=step.get("groups"),
                                                              all_groups=step.get("all", False))])
    if do == "remove_from_org":
        a = _user(step)
        a.remove_from_organization(delete_account=step.get("delete", False))
        return _execute(conn, [a])
    if do == "group":
        g = GroupAction(step["group"])
        if "create" in step:
            g.create(description=step["create"])
        if "users" in step:
            g.add_users(users=step["users"])
        if "products" in step:
            g.add_to_products(products=step["products"])
        if "rename" in step:
            g.update(name=step["rename"])
        if step.get("delete"):
            g.delete()
        return _execute(conn, [g])
    if do == "get_user":
        kw = {"domain": step["domain"]} if "domain" in step else {}
        return UserQuery(conn, step["user"], **kw).result()
    if do == "users_in":
        kw = {"direct_only": step["direct"]} if "direct" in step else {}
        return sorted(u["email"] for u in UsersQuery(conn, in_group=step["group"], **kw).all_results())
    if do == "all_users":
        users = UsersQuery(conn).all_results()
        return {"count": len(users), "first": users[:3], "last": users[-1]["email"]}
    if do == "groups":
        return sorted((g["groupName"], g["type"], g["memberCount"]) for g in GroupsQuery(conn).all_results())
    if do == "test_mode":
        tm = connect(test_mode=True)
        return _execute(tm, [_user(step).create(email=step["user"], firstname="T", lastname="M", country="US",
                                                id_type=IdentityType.federatedID)])
    if do == "faulty":
        rule = {"match": {"path": "/v2/usermanagement/users/*"}, "respond": {"status": step["status"], "retry_after": 1}}
        if "times" in step:
            rule["times"] = step["times"]
        admin("POST", "/faults", rule)
        try:
            return len(UsersQuery(connect(max_retries=step["attempts"])).all_results())
        finally:
            admin("DELETE", "/faults")
    if do == "bad_credentials":
        return len(UsersQuery(connect_bad()).all_results())
    if do == "argument":
        if step["what"] == "no_domain":
            return UserAction("just-a-name").add_to_groups(groups=["Employees"]).wire_dict()
        if step["what"] == "reserved_group":
            return GroupAction("_reserved").create().wire_dict()
        if step["what"] == "remove_nothing":
            return UserAction("jane@example.com").remove_from_groups().wire_dict()
    raise AssertionError("unknown step " + do)

def run_scenario(steps):
    conn = connect()
    return [dict(name=step["name"], **outcome(lambda: _step(conn, step))) for step in steps]
"""

GHOSTS = [f"ghost{i}@example.com" for i in range(5)]
CREATED = ["pp.fed@example.com", "pp.ent@example.net", "pp.ada@gmail.example", "pp.login.mail@example.com"]

STEPS: list[dict[str, Any]] = [
    {
        "name": "create federated",
        "do": "create",
        "user": "pp.fed@example.com",
        "email": "pp.fed@example.com",
        "first": "Pia",
        "last": "Fed",
        "country": "US",
        "type": "federatedID",
        "groups": ["Employees", "Default Illustrator configuration"],
    },
    {
        "name": "create enterprise",
        "do": "create",
        "user": "pp.ent@example.net",
        "email": "pp.ent@example.net",
        "first": "Ed",
        "last": "Ent",
        "country": "GB",
        "type": "enterpriseID",
        "option": "errorIfAlreadyExists",
        "groups": ["Contractors"],
    },
    {
        "name": "create adobe id",
        "do": "create",
        "user": "pp.ada@gmail.example",
        "email": "pp.ada@gmail.example",
        "country": "DE",
        "type": "adobeID",
    },
    {
        "name": "create username login",
        "do": "create",
        "user": "pp.login",
        "domain": "example.com",
        "email": "pp.login.mail@example.com",
        "first": "Lo",
        "last": "Gin",
        "country": "CA",
        "type": "federatedID",
    },
    {
        "name": "create existing, no option",
        "do": "create",
        "user": "pp.fed@example.com",
        "request": "dup-1",
        "email": "pp.fed@example.com",
        "first": "Pia",
        "last": "Again",
        "country": "US",
        "type": "federatedID",
        "option": "errorIfAlreadyExists",
    },
    {
        "name": "update names",
        "do": "update",
        "user": "pp.ent@example.net",
        "fields": {"firstname": "Eddie", "lastname": "E"},
    },
    {
        "name": "batch of 12 with 5 unknown users",
        "do": "add_each",
        "groups": ["Design 01"],
        "users": CREATED + ["jane@example.com", "john@example.net", "pat@gmail.example"] + GHOSTS,
    },
    {
        "name": "failing step, later step runs",
        "do": "add_and_update",
        "user": "pp.fed@example.com",
        "request": "r-2",
        "groups": ["No Such Group"],
        "fields": {"firstname": "Pippa"},
    },
    {
        "name": "Adobe ID sharing an org account's email",
        "do": "create",
        "user": "jane@example.com",
        "email": "jane@example.com",
        "country": "FR",
        "type": "adobeID",
    },
    {
        "name": "use_adobe_id picks the Adobe ID",
        "do": "add_groups",
        "user": "jane@example.com",
        "adobe": True,
        "groups": ["Legal 01"],
    },
    {"name": "the Adobe ID got it", "do": "get_user", "user": "jane@example.com", "domain": "AdobeID"},
    {"name": "the org account did not", "do": "get_user", "user": "jane@example.com"},
    {"name": "get user", "do": "get_user", "user": "pp.fed@example.com"},
    {"name": "get username login", "do": "get_user", "user": "pp.login", "domain": "example.com"},
    {"name": "get missing user (404)", "do": "get_user", "user": "nobody@example.com"},
    {"name": "users in Employees", "do": "users_in", "group": "Employees"},
    {"name": "users in unknown group (404)", "do": "users_in", "group": "No Such Group"},
    {
        "name": "profile members incl. indirect",
        "do": "users_in",
        "group": "Default Photoshop configuration",
        "direct": False,
    },
    {
        "name": "user group with members and profile",
        "do": "group",
        "group": "PP Team",
        "create": "parity",
        "users": ["pp.fed@example.com", "pp.ent@example.net"],
        "products": ["Acrobat Pro - Legal"],
    },
    {"name": "users in PP Team", "do": "users_in", "group": "PP Team"},
    {"name": "groups", "do": "groups"},
    {"name": "rename group", "do": "group", "group": "PP Team", "rename": "PP Crew"},
    {"name": "delete group", "do": "group", "group": "PP Crew", "delete": True},
    {"name": "delete unknown group", "do": "group", "group": "PP Crew", "delete": True},
    {"name": "remove from all groups", "do": "remove_groups", "user": "pp.fed@example.com", "all": True},
    {"name": "remove adobe id from org", "do": "remove_from_org", "user": "pp.ada@gmail.example"},
    {"name": "delete enterprise account", "do": "remove_from_org", "user": "pp.ent@example.net", "delete": True},
    {"name": "test mode create", "do": "test_mode", "user": "pp.tm@example.com"},
    {"name": "test mode created nobody", "do": "get_user", "user": "pp.tm@example.com"},
    {"name": "after the run", "do": "get_user", "user": "pp.fed@example.com"},
    {"name": "no domain for a username", "do": "argument", "what": "no_domain"},
    {"name": "reserved group name", "do": "argument", "what": "reserved_group"},
    {"name": "remove from no groups", "do": "argument", "what": "remove_nothing"},
    {"name": "503 twice then success", "do": "faulty", "status": 503, "times": 2, "attempts": 4},
    {"name": "503 forever", "do": "faulty", "status": 503, "attempts": 2},
    {"name": "429 forever", "do": "faulty", "status": 429, "attempts": 2},
    {"name": "500", "do": "faulty", "status": 500, "attempts": 2},
    {"name": "bad credentials", "do": "bad_credentials"},
    {"name": "all users", "do": "all_users"},
]


def run_ours(ours: Any, admin: Any) -> list[dict[str, Any]]:
    namespace: dict[str, Any] = {}
    exec("from umapi_client import *", namespace)  # noqa: S102 - the shared scenario runner
    namespace.update(
        connect=lambda test_mode=False, **kw: ours.connect(test_mode=test_mode, **kw),
        connect_bad=lambda: ours.connect(ours.auth(client_secret="not-the-secret")),
        admin=lambda method, path, body=None: admin.call(method, path, body),
    )
    exec(RUNNER, namespace)  # noqa: S102
    return json.loads(json.dumps(namespace["run_scenario"](STEPS), default=str))  # type: ignore[no-any-return]


@pytest.mark.official_client
def test_same_scenario_same_results(run_official, ours, admin, served):
    official = run_official(
        RUNNER
        + """
def connect_bad():
    auth = OAuthS2S(client_id=CLIENT_ID, client_secret="not-the-secret", auth_host=NETLOC, ssl_verify=CA)
    return Connection(org_id=ORG, auth=auth, endpoint=URL + "/v2/usermanagement", ssl_verify=CA)
record_sleeps()
"""
        + f"emit(run_scenario({STEPS!r}))\n"
    )
    official_state = state_of(served)
    official_wire = wire_of(admin)
    served.backend.reset()
    admin.clear_journal()
    mine = run_ours(ours, admin)
    assert state_of(served) == official_state  # and both leave the org in the same state
    assert wire_of(admin) == official_wire  # after the same requests, byte for byte
    assert len(official_wire) > 50 and any(e[1].startswith("/ims/") for e in official_wire)

    assert [s["name"] for s in official] == [s["name"] for s in mine] == [s["name"] for s in STEPS]
    for theirs, ours_step in zip(official, mine):
        if "error" in theirs:
            assert "error" in ours_step, (theirs, ours_step)
            assert theirs["error"] in ours_step["mro"], (theirs, ours_step)
            if theirs["error"] != "RuntimeError":
                assert ours_step["error"] == theirs["error"], (theirs, ours_step)
            assert ours_step["causes"] == theirs["causes"], (theirs, ours_step)
        else:
            assert ours_step == theirs, (theirs["name"], theirs, ours_step)

    by_name = {s["name"]: s for s in mine}
    # spot checks that the scenario exercised what it claims
    assert by_name["create existing, no option"]["ok"]["errors"][0][0]["errorCode"] == "error.user.already_in_org"
    assert by_name["create existing, no option"]["ok"]["errors"][0][0]["requestID"] == "dup-1"
    batch = by_name["batch of 12 with 5 unknown users"]["ok"]
    assert batch["stats"] == [0, 12, 7]
    assert [bool(e) for e in batch["errors"]] == [False] * 7 + [True] * 5
    assert [e[0]["target"] for e in batch["errors"][7:]] == [{"user": ghost} for ghost in GHOSTS]
    failing = by_name["failing step, later step runs"]["ok"]
    assert failing["errors"][0][0]["command"] == {"add": {"group": ["No Such Group"]}}
    assert by_name["get user"]["ok"]["firstname"] == "Pippa"
    assert by_name["the Adobe ID got it"]["ok"]["type"] == "adobeID"
    assert by_name["the Adobe ID got it"]["ok"]["groups"] == ["Legal 01"]
    assert "Legal 01" not in by_name["the org account did not"]["ok"]["groups"]
    assert by_name["get missing user (404)"] == {"name": "get missing user (404)", "ok": {}}
    assert by_name["users in unknown group (404)"]["ok"] == []
    assert by_name["users in PP Team"]["ok"] == ["pp.ent@example.net", "pp.fed@example.com"]
    assert by_name["test mode create"]["ok"]["stats"] == [0, 1, 1]
    assert by_name["test mode created nobody"]["ok"] == {}
    assert "groups" not in by_name["after the run"]["ok"]  # omitted when in no group (spec §2.2)
    assert by_name["503 twice then success"]["ok"] == by_name["all users"]["ok"]["count"]
    assert by_name["503 forever"]["error"] == by_name["429 forever"]["error"] == "UnavailableError"
    assert by_name["500"]["error"] == "ServerError"
    assert by_name["bad credentials"]["error"] == "AuthenticationError"
    assert {
        s["error"]
        for s in mine
        if s["name"] in ("no domain for a username", "reserved group name", "remove from no groups")
    } == {"ArgumentError"}
    assert isinstance(umapi_client.AuthenticationError("x"), RuntimeError)
