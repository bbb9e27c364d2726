"""Queueing, batching, splitting, test mode and the mapping of action errors back to
actions and steps, as umapi-client 3.0.1 does them (counts are of split actions)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import responses

import umapi_client
from umapi_client import BatchError, ClientError, GroupAction, RequestError, UserAction

from .helpers import ACTION_URL, ENDPOINT, UMAPI_ROOT, action_ok, add_s2s_token, calls_to, json_of


def users(n: int) -> list[UserAction]:
    return [UserAction(f"user{i}@example.com").add_to_groups(["Photoshop"]) for i in range(n)]


def posted(rsps: responses.RequestsMock) -> list[list[dict[str, Any]]]:
    return [json_of(c) for c in calls_to(rsps, ACTION_URL, "POST")]


def test_immediate_batches_of_ten(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.POST, ACTION_URL, json=action_ok(10))
    conn = make_conn()
    assert conn.execute_multiple(users(25), immediate=True) == (0, 25, 25)
    bodies = posted(rsps)
    assert [len(b) for b in bodies] == [10, 10, 5]
    assert bodies[2][4] == {"user": "user24@example.com", "do": [{"add": {"group": ["Photoshop"]}}]}
    call = calls_to(rsps, ACTION_URL)[0]
    assert call.request.url == ACTION_URL  # no testOnly outside test mode
    assert call.request.headers["Content-Type"] == "application/json"


def test_queue_waits_for_full_batch(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.POST, ACTION_URL, json=action_ok(10))
    conn = make_conn()
    first, second = users(5), users(10)
    assert conn.execute_multiple(first, immediate=False) == (5, 0, 0)
    assert posted(rsps) == []
    assert conn.execute_multiple(second, immediate=False) == (5, 10, 10)
    (body,) = posted(rsps)
    assert [e["user"] for e in body] == [f"user{i}@example.com" for i in range(5)] * 2
    assert conn.status()[0]["actions-queued"] == 5
    assert conn.execute_queued() == (0, 5, 5)
    assert len(posted(rsps)) == 2


def test_execute_multiple_sends_at_once_by_default(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.POST, ACTION_URL, json=action_ok(3))
    assert make_conn().execute_multiple(users(3)) == (0, 3, 3)
    assert len(posted(rsps)) == 1


def test_execute_single_queues_until_immediate(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.POST, ACTION_URL, json=action_ok(2))
    conn = make_conn()
    a, b = users(2)
    assert conn.execute_single(a) == (1, 0, 0)
    assert conn.execute_single(b, immediate=True) == (0, 2, 2)
    (body,) = posted(rsps)
    assert len(body) == 2


def test_test_mode_sends_test_only_and_counts_completed(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any]
) -> None:
    add_s2s_token(rsps)
    rsps.add(
        responses.POST,
        ACTION_URL + "?testOnly=true",
        json={"completed": 0, "notCompleted": 0, "completedInTestMode": 2, "result": "success"},
    )
    conn = make_conn(test_mode=True)
    assert conn.execute_multiple(users(2), immediate=True) == (0, 2, 2)
    (call,) = calls_to(rsps, ACTION_URL)
    assert call.request.url == ACTION_URL + "?testOnly=true"


def test_split_action_entries_span_requests(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.POST, ACTION_URL, json=action_ok(10))
    conn = make_conn()
    big = UserAction("big@example.com").add_to_groups([f"G{i}" for i in range(150)])  # 15 steps -> 2 entries
    actions = [big] + users(9)
    assert conn.execute_multiple(actions, immediate=True) == (0, 11, 11)  # 3.0.1 counts the split parts
    bodies = posted(rsps)
    assert [len(b) for b in bodies] == [10, 1]
    assert [len(part.commands) for part in big.split_actions or []] == [10, 5]
    assert bodies[0][0]["user"] == bodies[0][1]["user"] == "big@example.com"
    assert len(bodies[0][0]["do"]) == 10 and len(bodies[0][1]["do"]) == 5
    assert all(len(step["add"]["group"]) <= 10 for entry in bodies[0] for step in entry["do"])


def test_errors_are_mapped_to_action_and_step(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    ok = UserAction("ok@example.com").add_to_groups(["A"])
    bad = UserAction("bad@example.com", requestID="r-2").update(firstname="B").add_to_groups(["Nope"])
    group = GroupAction("Team").add_users(["x@example.com"])
    rsps.add(
        responses.POST,
        ACTION_URL,
        json={
            "completed": 1,
            "notCompleted": 2,
            "completedInTestMode": 0,
            "result": "partial",
            "errors": [
                {
                    "index": 1,
                    "step": 1,
                    "requestID": "r-2",
                    "message": "Group Nope was not found",
                    "user": "bad@example.com",
                    "errorCode": "error.group.not_found",
                },
                {
                    "index": 2,
                    "step": 0,
                    "message": "User not found",
                    "user": "Team",
                    "errorCode": "error.user.not_found",
                },
            ],
            "warnings": [
                {
                    "index": 0,
                    "step": 0,
                    "warningCode": "warning.command.deprecated",
                    "message": "'product' command is deprecated.",
                }
            ],
        },
    )
    conn = make_conn()
    assert conn.execute_multiple([ok, bad, group], immediate=True) == (0, 3, 1)
    assert ok.execution_errors() == []
    assert ok.execution_warnings()[0]["warningCode"] == "warning.command.deprecated"
    (error,) = bad.execution_errors()
    assert error["command"] == {"add": {"group": ["Nope"]}}
    assert error["target"] == {"user": "bad@example.com", "requestID": "r-2"}  # the frame, as in 3.0.1
    assert error["errorCode"] == "error.group.not_found"
    assert error["requestID"] == "r-2"
    assert "index" not in error and "step" not in error
    (group_error,) = group.execution_errors()
    assert group_error["command"] == {"add": {"user": ["x@example.com"]}}
    assert group_error["target"] == {"usergroup": "Team"}
    local, _ = conn.status()
    assert local["actions-sent"] == 3 and local["actions-completed"] == 1


def test_error_in_second_entry_of_split_action_names_the_right_step(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any]
) -> None:
    add_s2s_token(rsps)
    names = [f"G{i:03d}" for i in range(120)]  # 12 add steps -> entries of 10 and 2
    action = UserAction("u@example.com").add_to_groups(names)
    rsps.add(
        responses.POST,
        ACTION_URL,
        json={
            "completed": 1,
            "notCompleted": 1,
            "result": "partial",
            "errors": [{"index": 1, "step": 1, "errorCode": "error.group.not_found", "message": "G119 missing"}],
        },
    )
    conn = make_conn()
    assert conn.execute_single(action, immediate=True) == (0, 2, 1)
    (error,) = action.execution_errors()
    assert error["command"] == {"add": {"group": names[110:120]}}


def test_errors_accumulate_when_an_action_is_executed_again_as_in_3_0_1(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any]
) -> None:
    add_s2s_token(rsps)
    rsps.add(
        responses.POST,
        ACTION_URL,
        json={
            "completed": 0,
            "notCompleted": 1,
            "result": "error",
            "errors": [{"index": 0, "step": 0, "errorCode": "e"}],
        },
    )
    rsps.add(responses.POST, ACTION_URL, json=action_ok())
    conn = make_conn()
    (action,) = users(1)
    assert conn.execute_single(action, immediate=True) == (0, 1, 0)
    assert len(action.execution_errors()) == 1
    assert conn.execute_single(action, immediate=True) == (0, 1, 1)
    assert len(action.execution_errors()) == 1  # 3.0.1 never clears an action's errors


def test_unattributable_error_fails_the_request(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    rsps.add(
        responses.POST,
        ACTION_URL,
        json={"completed": 0, "notCompleted": 1, "result": "error", "errors": [{"index": 7, "step": 0}]},
    )
    conn = make_conn()
    (action,) = users(1)
    with pytest.raises(BatchError) as info:
        conn.execute_single(action, immediate=True)
    assert isinstance(info.value.causes[0], ClientError)
    assert str(info.value.causes[0]).startswith("Server response not understood: {")
    assert action.execution_errors() == []


def test_malformed_action_answer_is_a_batch_error_with_a_value_error(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any]
) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.POST, ACTION_URL, body="<html>gateway</html>")
    with pytest.raises(BatchError) as info:
        make_conn().execute_multiple(users(1))
    (cause,) = info.value.causes
    assert isinstance(cause, umapi_client.MalformedResponseError)
    assert isinstance(cause, ValueError)  # what 3.0.1's JSON decoding raises
    assert isinstance(cause, ClientError) and "gateway" in str(cause)


def test_bad_request_becomes_batch_error_and_other_batches_still_run(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any]
) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.POST, ACTION_URL, status=400, json={"result": "error.command.malformed", "message": "bad"})
    rsps.add(responses.POST, ACTION_URL, json=action_ok(2))
    conn = make_conn()
    actions = users(12)
    with pytest.raises(BatchError) as info:
        conn.execute_multiple(actions, immediate=True)
    (cause,) = info.value.causes
    assert isinstance(cause, RequestError) and cause.status_code == 400
    assert info.value.statistics == (0, 12, 2)
    assert len(posted(rsps)) == 2
    assert [a.execution_errors() for a in actions] == [[]] * 12


def test_an_action_without_commands_is_sent_as_in_3_0_1(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.POST, ACTION_URL, json=action_ok())
    assert make_conn().execute_single(UserAction("empty@example.com"), immediate=True) == (0, 1, 1)
    assert posted(rsps) == [[{"user": "empty@example.com", "do": []}]]
    assert "Sending action with no commands" in caplog.text


def test_status_local_and_remote(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    conn = make_conn()
    local, remote = conn.status()
    assert local == {
        "multiple-query-count": 0,
        "single-query-count": 0,
        "actions-sent": 0,
        "actions-completed": 0,
        "actions-queued": 0,
    }
    assert remote == {"status": "Never contacted", "endpoint": ENDPOINT}
    rsps.add(responses.GET, UMAPI_ROOT + "/status", json={"build": "1", "version": "2.1", "state": "LIVE"})
    _, remote = conn.status(remote=True)
    assert remote == {"build": "1", "version": "2.1", "state": "LIVE", "endpoint": ENDPOINT}
    (call,) = calls_to(rsps, UMAPI_ROOT + "/status")
    assert "Authorization" not in call.request.headers
    rsps.replace(responses.GET, UMAPI_ROOT + "/status", status=500)
    # 3.0.1 tests the response's truth, which is False for a 5xx: "Unreachable", as for no answer
    assert conn.status(remote=True)[1]["status"].startswith("Unreachable at: ")
    rsps.replace(responses.GET, UMAPI_ROOT + "/status", status=204)
    assert conn.status(remote=True)[1]["status"].startswith("Unexpected HTTP status 204 at: ")


def test_sync_pragma_sent_once(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.POST, ACTION_URL, json=action_ok())
    conn = make_conn()
    conn.start_sync()
    conn.execute_multiple(users(1), immediate=True)
    conn.execute_multiple(users(1), immediate=True)
    conn.end_sync()
    conn.execute_multiple(users(1), immediate=True)
    pragmas = [c.request.headers.get("Pragma") for c in calls_to(rsps, ACTION_URL)]
    assert pragmas == ["umapi-sync-start", None, "umapi-sync-end"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"throttle_actions": 0}, "throttle_actions"),
        ({"throttle_groups": "10"}, "throttle_groups"),
        ({"retry_max_delay": -1}, "retry_max_delay"),
        ({"retry_max_time": "soon"}, "retry_max_time"),
        ({"auth_dict": {}}, "auth_dict"),
    ],
)
def test_our_connection_options_are_checked(
    make_conn: Callable[..., Any], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(umapi_client.ArgumentError, match=message):
        make_conn(**kwargs)


def test_an_unknown_keyword_is_a_type_error(make_conn: Callable[..., Any]) -> None:
    with pytest.raises(TypeError, match="colour"):
        make_conn(colour="blue")


def test_any_auth_object_and_org_id_are_accepted_as_in_3_0_1() -> None:
    conn = umapi_client.Connection(org_id="N/A", auth="N/A", endpoint="https://test/")
    assert (conn.org_id, conn.auth, conn.endpoint) == ("N/A", "N/A", "https://test/")
    assert conn.session.headers["User-Agent"].startswith(f"umapi-client/{umapi_client.__version__} Python/")
    with pytest.raises(TypeError, match="auth"):
        umapi_client.Connection("1@AdobeOrg")


def test_execute_multiple_accepts_any_iterable(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.POST, ACTION_URL, json=action_ok(3))
    conn = make_conn()
    assert conn.execute_multiple((a for a in users(3)), immediate=True) == (0, 3, 3)
    (body,) = posted(rsps)
    assert len(body) == 3
