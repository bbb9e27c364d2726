"""`--throttle field`: the documented per-minute limits plus the running-frequency control as
the field meets it (docs/fidelity.md, "Field-observed throttling").

Each program run below replays Adobe's sync tool (user-sync.py) in its call order: the groups
listing its `auto_create` / `additional_groups` set-up makes first (unmarked, user-sync #813),
`start_sync()` and the users listing (`connector_umapi.iter_users`), then `start_sync()` again
and its actions (`engine/umapi.py execute_commands`); the demo org's three users pages make
`iter_users` send `end_sync()` on the last page, and nothing ends the actions (ten or fewer). A run is one process, so one access token.
Back-off sleeps move the emulator's clock instead of waiting.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

import umapi_client
from umapi_mock.layers.throttle import PolicyError, parse_policy

SYNC_RUN_OFFICIAL = """
SLEEPS = []
def skip(seconds):
    SLEEPS.append(seconds)
    admin("POST", "/clock", {"advance": seconds})
_conn_mod.sleep = skip
conn = Connection(org_id=ORG, auth=OAuthS2S(client_id=CLIENT_ID, client_secret=SECRET, auth_host=NETLOC, ssl_verify=CA),
                  endpoint=URL + "/v2/usermanagement", user_agent="user-sync/2.11.0", timeout=120.0,
                  max_retries=3, ssl_verify=CA)
seen = watch(conn)
if FIRST == "groups":
    groups = [g["groupName"] for g in GroupsQuery(conn)]
conn.start_sync()
users, query = [], UsersQuery(conn)
for u in query:
    users.append(u["email"])
    if query.stats()[3] == query.stats()[1] - 2:
        conn.end_sync()  # connector_umapi.iter_users: the end marker rides on the last page
conn.start_sync()
for i, email in enumerate(users[:3]):
    conn.execute_single(UserAction(email, requestID="action_%d" % i).add_to_groups({"Contractors"}))
conn.execute_queued()
emit({"statuses": [s["status"] for s in seen], "retry_after": [s["retry_after"] for s in seen if s["status"] == 429],
      "sleeps": SLEEPS, "sent": conn.status()[0]["actions-sent"], "completed": conn.status()[0]["actions-completed"]})
"""


def official_run(run_official: Any, first: str = "groups") -> Any:
    return run_official(f"FIRST = {first!r}\n" + SYNC_RUN_OFFICIAL)


def ours_run(ours: Any, first: str = "groups") -> dict[str, Any]:
    ours.sleeps.clear()
    conn = ours.connect(user_agent="user-sync/2.11.0", timeout=120.0, max_retries=3)
    seen: list[requests.Response] = []
    conn.session.hooks["response"].append(lambda r, *a, **k: seen.append(r))
    if first == "groups":
        list(umapi_client.GroupsQuery(conn))
    conn.start_sync()
    users, query = [], umapi_client.UsersQuery(conn)
    for u in query:
        users.append(u["email"])
        if query.stats()[3] == query.stats()[1] - 2:
            conn.end_sync()
    conn.start_sync()
    for i, email in enumerate(users[:3]):
        conn.execute_single(umapi_client.UserAction(email, requestID=f"action_{i}").add_to_groups({"Contractors"}))
    conn.execute_queued()
    return {
        "statuses": [r.status_code for r in seen if "/ims/" not in r.url],
        "retry_after": [r.headers.get("Retry-After") for r in seen if r.status_code == 429],
        "sleeps": list(ours.sleeps),
        "sent": conn.status()[0]["actions-sent"],
        "completed": conn.status()[0]["actions-completed"],
    }


def _window(admin: Any, client_id: str) -> dict[str, Any]:
    return admin.call("GET", "/throttle")["syncs"]["clients"][client_id]  # type: ignore[no-any-return]


def _assert_passed_untouched(run: dict[str, Any], first: str) -> None:
    calls = (1 if first == "groups" else 0) + 3 + 1  # groups?, three users pages, one action batch
    assert run["statuses"] == [200] * calls
    assert run["sleeps"] == [] and run["retry_after"] == []
    assert (run["sent"], run["completed"]) == (3, 3)


def _assert_refused_then_waited(run: dict[str, Any], first: str) -> None:
    """Refused on its FIRST call with about the rest of the two hours; the client waits it
    out (on the emulator clock) and the run then goes on as the field reports (#813)."""
    assert run["statuses"][0] == 429 and run["statuses"][1:] == [200] * (len(run["statuses"]) - 1)
    (retry_after,) = run["retry_after"]
    assert retry_after.isdigit() and 7080 <= int(retry_after) <= 7140  # 7200 - 60 s - the first run's own time
    assert run["sleeps"] == [int(retry_after)]
    assert (run["sent"], run["completed"]) == (3, 3)


@pytest.mark.official_client
@pytest.mark.parametrize("first", ["groups", "users"], ids=["unmarked-first-call", "marked-first-call"])
def test_official_client_sync_tool_runs_under_field_throttle(
    run_official: Any, admin: Any, served: Any, first: str
) -> None:
    admin.throttle("field")
    _assert_passed_untouched(official_run(run_official, first), first)
    window = _window(admin, served.client_id)
    assert window["open"] and window["sync_starts"] == 2 and window["ended"] is not None
    assert window["reopens_at"] == window["opened"] + 7200

    admin.advance(60)  # the next run a minute later: refused at once, marked or not
    _assert_refused_then_waited(official_run(run_official, first), first)
    refused = [e for e in admin.journal() if e["answered_by"] == "throttle"]
    assert len(refused) == 1 and refused[0]["status"] == 429

    admin.advance(7200)  # two hours after the window the waiting run opened: a run passes untouched
    _assert_passed_untouched(official_run(run_official, first), first)


@pytest.mark.parametrize("first", ["groups", "users"], ids=["unmarked-first-call", "marked-first-call"])
def test_reference_client_sync_tool_runs_under_field_throttle(ours: Any, admin: Any, served: Any, first: str) -> None:
    ours.advance_emulator_clock = True
    admin.throttle("field")
    _assert_passed_untouched(ours_run(ours, first), first)
    admin.advance(60)
    _assert_refused_then_waited(ours_run(ours, first), first)
    admin.advance(7200)
    _assert_passed_untouched(ours_run(ours, first), first)


def _get(served: Any, token: str, pragma: str | None = None) -> requests.Response:
    headers = {"X-Api-Key": served.client_id, "Authorization": f"Bearer {token}"}
    if pragma:
        headers["Pragma"] = pragma
    return requests.get(
        f"{served.endpoint}/groups/{served.org_id}/0", headers=headers, verify=served.ca_path, timeout=10
    )


def _token(served: Any) -> str:
    r = requests.post(
        f"{served.url}/ims/token/v3",
        data={
            "grant_type": "client_credentials",
            "client_id": served.client_id,
            "client_secret": served.client_secret,
            "scope": "openid,AdobeID,user_management_sdk",
        },
        verify=served.ca_path,
        timeout=10,
    )
    assert r.status_code == 200, r.text
    return r.json()["access_token"]  # type: ignore[no-any-return]


def test_window_is_observable_and_the_end_marker_does_not_reopen_it(admin: Any, served: Any) -> None:
    """umapi-documentation #76's script (no Pragma at all): one call passes, the next program's
    call is refused for the rest of the window; `umapi-sync-end` closes nothing."""
    admin.throttle({"base": "field", "families": {"groups": "off"}})
    first, second = _token(served), _token(served)
    assert _get(served, first).status_code == 200
    assert _get(served, first, "umapi-sync-end").status_code == 200
    admin.advance(4800)  # ~80 minutes later
    refused = _get(served, second)
    assert refused.status_code == 429 and refused.json() == {"error_code": "429050", "message": "Too many requests"}
    assert 2390 <= int(refused.headers["Retry-After"]) <= 2400  # about 40 minutes
    assert _get(served, first, "umapi-sync-start").status_code == 200  # the first run goes on
    state = admin.call("GET", "/throttle")
    assert state["policy"]["mode"] == "custom" and state["policy"]["sync_interval"] == 7200
    window = state["syncs"]["clients"][served.client_id]
    assert (window["calls"], window["refused"], window["open"]) == (3, 1, True)
    assert window["ended"] is not None and window["retry_after"] == int(refused.headers["Retry-After"])
    assert first not in str(state) and second not in str(state)  # runs are digests, never tokens
    admin.advance(2400)
    assert _get(served, second).status_code == 200
    assert _window(admin, served.client_id)["calls"] == 1  # a new window, for the second run


def test_field_profile_and_policy_base() -> None:
    field = parse_policy("field")
    documented = parse_policy("documented")
    assert (field.name, field.sync_interval, field.limits) == ("field", 7200, documented.limits)
    based = parse_policy({"base": "field", "families": {"action": {"per_client": 2}}})
    assert based.sync_interval == 7200 and based.limits["action"].per_client == 2
    assert based.limits["groups"] == documented.limits["groups"]
    assert parse_policy({"base": "field", "sync_interval": 600}).sync_interval == 600
    assert parse_policy({"base": "field", "sync_interval": None}).sync_interval is None
    assert parse_policy("documented").sync_interval is None
    with pytest.raises(PolicyError, match="'documented', 'field' or 'none'"):
        parse_policy({"base": "fields"})
