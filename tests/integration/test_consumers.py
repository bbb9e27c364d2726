"""Adobe's own programs on the official client, with ours swapped in (issue 12, item 5).

Adobe's sync tool (user-sync.py, `user_sync/connector/connector_umapi.py`) and its CLI
(umapi-cli, `umapi_cli/action_queue.py`, `cli.py`) cannot be installed here (their pinned
dependencies are not on this machine's index), so the runner below makes the calls they make,
in their order and with their argument forms, as read from their public source: the
Connection built from a config (`user_agent`, float `timeout`, `max_retries`), user listing
with `stats()` driving progress and `end_sync()`, actions built as `UserAction(user, domain,
requestID=...)` and filled through `getattr(action, name)(**params)` (with `set`s of groups
and `create(**attributes)` holding `id_type` and `on_conflict`), `execute_single` per action
then `execute_queued`, `BatchError.statistics[1]`, `execution_errors()` and `frame`, and the
CLI's positional `create(email, firstname, lastname, country, id_type)`.

The same source runs with the official 3.0.1 client and with ours against a freshly reset
served emulator; every result must be equal, and so must the org afterwards and the requests
each sent (the emulator's journal).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import state_of, wire_of

RUNNER = r'''
import json

def sync_tool_connection():
    """connector_umapi.py: Connection(...) from the tool's umapi config."""
    auth = OAuthS2S(client_id=CLIENT_ID, client_secret=SECRET, auth_host=NETLOC, auth_endpoint="/ims/token/v2",
                    ssl_verify=CA)
    return Connection(org_id=ORG, auth=auth, endpoint=URL + "/v2/usermanagement", test_mode=False,
                      user_agent="user-sync/2.9.0", timeout=float(120), max_retries=3, ssl_verify=CA)

def sync_iter_users(conn, in_group=None):
    """connector_umapi.iter_users: progress from stats(), end_sync near the last page."""
    users, progress, end_sync_at = {}, [], None
    conn.start_sync()
    u_query = UsersQuery(conn, in_group=in_group)
    for i, u in enumerate(u_query):
        total_count, page_count, page_size, page_number = u_query.stats()
        if u["email"] not in users:
            users[u["email"]] = u
        if (i + 1) % page_size == 0:
            progress.append([len(users), total_count])
        if page_number == page_count - 2 and end_sync_at is None:
            conn.end_sync()
            end_sync_at = i
    return {"emails": sorted(users), "progress": progress, "stats": list(u_query.stats())}

def sync_create_action(user, domain, request_id, do_list):
    """ActionManager.create_action: the email-type user drops its domain; commands by name."""
    if "@" in user:
        domain = None
    action = UserAction(user, domain, requestID=request_id)
    for name, params in do_list:
        getattr(action, name)(**params)
    return action

def describe(actions):
    out = []
    for action in actions:
        errors = [{"target": e.get("target", "<Unknown>"), "command": e.get("command", "<Unknown>"),
                   "errorCode": e.get("errorCode"), "requestID": action.frame.get("requestID")}
                  for e in action.execution_errors()]
        out.append({"wire": json.dumps(action.wire_dict()), "errors": errors})
    return out

def run_sync_tool():
    conn = sync_tool_connection()
    result = {"users": sync_iter_users(conn), "members": sync_iter_users(conn, "Employees")["emails"]}
    result["groups"] = sorted(g["groupName"] for g in GroupsQuery(conn))
    group = GroupAction(group_name="Sync Made")
    group.create(description="Automatically created by User Sync Tool")
    result["create_group"] = list(conn.execute_single(group))
    ignore = IfAlreadyExistsOption.ignoreIfAlreadyExists
    actions = [
        sync_create_action("sync.new@example.com", "example.com", "action_1", [
            ("create", {"email": "sync.new@example.com", "firstname": "Syn", "lastname": "New", "country": "US",
                        "on_conflict": ignore, "id_type": "federatedID"}),
            ("add_to_groups", {"groups": {"Employees"}}),
        ]),
        sync_create_action("john@example.net", "example.net", "action_2", [
            ("update", {"firstname": "Johnny"}),
            ("remove_from_groups", {"groups": {"Contractors"}}),
            ("add_to_groups", {"groups": {"Sync Made"}}),
        ]),
        sync_create_action("ghost@example.com", None, "action_3", [("add_to_groups", {"groups": {"Employees"}})]),
        sync_create_action("pat@gmail.example", None, "action_4", [("remove_from_groups", {"all_groups": True})]),
        sync_create_action("jane@example.com", None, "action_5", [
            ("remove_from_organization", {"delete_account": False})]),
    ]
    sent = [list(conn.execute_single(a)) for a in actions]
    sent.append(list(conn.execute_queued()))
    result["actions"] = {"sent": sent, "detail": describe(actions)}
    admin("POST", "/faults", {"match": {"path": "/v2/usermanagement/action/*"}, "respond": {"status": 500}})
    try:
        failing = sync_create_action("john@example.net", None, "action_6", [("update", {"lastname": "Doe"})])
        conn.execute_single(failing)
        try:
            conn.execute_queued()
            result["batch_error"] = None
        except BatchError as e:
            result["batch_error"] = {"sent": e.statistics[1], "causes": [type(c).__name__ for c in e.causes],
                                     "status": [c.result.status_code for c in e.causes]}
    finally:
        admin("DELETE", "/faults")
    return result

def run_cli():
    """umapi-cli: client.create_conn, ActionQueue and the read commands."""
    auth = OAuthS2S(client_id=CLIENT_ID, client_secret=SECRET, auth_host=NETLOC, ssl_verify=CA)
    conn = Connection(org_id=ORG, auth=auth, test_mode=False, user_agent="umapi-cli/1.0.0",
                      endpoint=URL + "/v2/usermanagement", ssl_verify=CA)
    queue = []
    user = UserAction("cli.user", "example.com")
    user.create("cli.user.mail@example.com", "Cli", "User", "DE", "federatedID")
    user.add_to_groups(["Employees"])
    queue.append(user)
    group = GroupAction("CLI Team")
    group.create(description="made by the CLI")
    queue.append(group)
    update = GroupAction("CLI Team")
    update.update(name=None, description="still the CLI")
    update.add_users(["cli.user"])
    update.add_to_products(["Acrobat Pro - Legal"])
    queue.append(update)
    gone = UserAction("pat@gmail.example")
    gone.remove_from_organization(False)
    queue.append(gone)
    executed = [list(conn.execute_single(a)) for a in queue]
    executed.append(list(conn.execute_queued()))
    doomed = GroupAction("CLI Team")
    doomed.delete()
    deleted = list(conn.execute_single(doomed, immediate=True))
    query = UsersQuery(conn, in_group=None)
    total = None
    for _ in query:
        total, *_ = query.stats()
    return {
        "executed": executed, "deleted": deleted, "errors": [a.execution_errors() for a in queue if a.execution_errors()],
        "read": UserQuery(conn, "cli.user", "example.com").result(), "missing": UserQuery(conn, "nobody@example.com").result(),
        "total": total, "groups": sorted(g["groupName"] for g in GroupsQuery(conn)),
    }

def run_consumers():
    return {"sync_tool": run_sync_tool(), "cli": run_cli()}
'''


def run_ours(ours: Any, admin: Any) -> dict[str, Any]:
    served = ours.served
    namespace: dict[str, Any] = {
        "URL": served.url,
        "NETLOC": served.netloc,
        "CA": served.ca_path,
        "ORG": served.org_id,
        "CLIENT_ID": served.client_id,
        "SECRET": served.client_secret,
        "admin": lambda method, path, body=None: admin.call(method, path, body),
    }
    exec("from umapi_client import *", namespace)  # noqa: S102 - the shared consumer runner
    exec(RUNNER, namespace)  # noqa: S102
    return json.loads(json.dumps(namespace["run_consumers"](), default=str))  # type: ignore[no-any-return]


@pytest.mark.official_client
def test_adobes_consumers_get_the_same_from_both_clients(run_official, ours, admin, served):
    official = run_official(RUNNER + "\nemit(run_consumers())\n")
    official_state = state_of(served)
    official_wire = wire_of(admin)
    served.backend.reset()
    admin.clear_journal()
    mine = run_ours(ours, admin)
    assert state_of(served) == official_state
    assert wire_of(admin) == official_wire and len(official_wire) > 10
    for program in ("sync_tool", "cli"):
        for key in official[program]:
            assert mine[program][key] == official[program][key], (program, key)
    assert mine == official

    # the scenario did what it claims
    sync = mine["sync_tool"]
    assert sync["users"]["progress"] and sync["users"]["stats"][0] >= len(sync["users"]["emails"])
    assert sync["create_group"] == [1, 0, 0]  # queued, and sent with the first batch of users
    assert sync["actions"]["sent"] == [[2, 0, 0], [3, 0, 0], [4, 0, 0], [5, 0, 0], [6, 0, 0], [0, 6, 5]]
    assert [e["errorCode"] for e in sync["actions"]["detail"][2]["errors"]] == ["error.user.nonexistent"]
    assert sync["actions"]["detail"][2]["errors"][0]["target"] == {"user": "ghost@example.com", "requestID": "action_3"}
    assert sync["batch_error"] == {"sent": 1, "causes": ["ServerError"], "status": [500]}
    cli = mine["cli"]
    assert cli["read"]["email"] == "cli.user.mail@example.com" and cli["missing"] == {}
    assert "CLI Team" not in cli["groups"] and cli["deleted"] == [0, 1, 1]
