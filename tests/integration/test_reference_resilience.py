"""Our reference client against the served emulator's throttle, fault rules and token expiry
(issue 6): it recovers where the retry contract says it should, and fails with the right
exception where it should not. Nothing here sleeps: the client's `sleep=` hook records each
wait (and, for the throttle, moves the emulator's clock by it instead)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

import umapi_client
from umapi_client import BatchError, ClientError, RequestError, ServerError, UnavailableError, UserAction
from umapi_mock.config import Config
from umapi_mock.http.app import create_app
from umapi_mock.http.context import emulator_of
from umapi_mock.server import ServedEmulator

from .conftest import ACTION_PATH, state_of

USERS_PATH = "/v2/usermanagement/users/*"
TOKEN_PATH = "/ims/token/*"


def add_to(group: str, user: str = "john@example.net") -> UserAction:
    return UserAction(user).add_to_groups([group])


def groups_of(served: Any, email: str) -> list[str]:
    org = served.backend.org()
    return org.group_names_of(org.find_user(email).uid)  # type: ignore[no-any-return]


def statuses(admin: Any, path: str) -> list[Any]:
    return [e["status"] for e in admin.journal(path=path)]


def test_documented_throttle_wait_is_honoured(ours, served, admin):
    admin.throttle("documented")
    ours.advance_emulator_clock = True  # the client's "sleep" moves the emulator's clock
    conn = ours.connect()
    for _ in range(10):
        assert conn.execute_single(add_to("Employees"), immediate=True) == (0, 1, 1)
    assert ours.sleeps == []
    assert conn.execute_single(add_to("Sales 01", "jane@example.com"), immediate=True) == (0, 1, 1)
    [wait] = ours.sleeps
    assert 59 <= wait <= 60  # the true rest of the minute, as Retry-After said
    journal = admin.journal(path=ACTION_PATH)
    assert [e["status"] for e in journal] == [200] * 10 + [429, 200]
    assert journal[-2]["request_sha256"] == journal[-1]["request_sha256"]
    assert "Sales 01" in groups_of(served, "jane@example.com")


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_error_twice_is_retried_after_retry_after(ours, served, admin, status):
    admin.fault({"match": {"path": ACTION_PATH}, "respond": {"status": status, "retry_after": 1}, "times": 2})
    conn = ours.connect()
    assert conn.execute_single(add_to("Design 01"), immediate=True) == (0, 1, 1)
    assert ours.sleeps == [1.0, 1.0]
    assert statuses(admin, ACTION_PATH) == [status, status, 200]
    assert "Design 01" in groups_of(served, "john@example.net")


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_error_forever_ends_unavailable(ours, served, admin, status):
    admin.fault(
        {
            "match": {"method": ["GET", "POST"], "path": "/v2/usermanagement/*"},
            "respond": {"status": status, "retry_after": 1},
        }
    )
    conn = ours.connect(retry_max_attempts=2)
    with pytest.raises(BatchError) as batch:
        conn.execute_single(add_to("Design 01"), immediate=True)
    [cause] = batch.value.causes
    assert isinstance(cause, UnavailableError) and cause.attempts == 2
    assert cause.result is not None and cause.result.status_code == status
    assert batch.value.statistics == (0, 1, 0)
    with pytest.raises(UnavailableError) as direct:
        umapi_client.UsersQuery(conn).all_results()
    assert direct.value.attempts == 2 and direct.value.result.status_code == status
    assert ours.sleeps == [1.0, 1.0]  # one wait per retry, none after the last attempt
    assert statuses(admin, "/v2/usermanagement/*") == [status] * 4
    assert "Design 01" not in groups_of(served, "john@example.net")


@pytest.mark.parametrize("fmt, low, high", [("seconds", 7, 7), ("http-date", 5, 8)])
def test_429_fault_with_retry_after_is_retried(ours, served, admin, fmt, low, high):
    admin.fault(
        {
            "match": {"path": ACTION_PATH},
            "respond": {"status": 429, "retry_after": 7, "retry_after_format": fmt},
            "times": 1,
        }
    )
    conn = ours.connect()
    assert conn.execute_single(add_to("Web 01"), immediate=True) == (0, 1, 1)
    [wait] = ours.sleeps
    assert low <= wait <= high
    assert statuses(admin, ACTION_PATH) == [429, 200]


def test_500_is_not_retried(ours, admin):
    admin.fault({"match": {"path": USERS_PATH}, "respond": {"status": 500}})
    with pytest.raises(ServerError) as info:
        umapi_client.UsersQuery(ours.connect()).all_results()
    assert info.value.status_code == 500
    assert statuses(admin, USERS_PATH) == [500] and ours.sleeps == []


def test_malformed_answer_is_a_client_error(ours, admin):
    admin.fault({"match": {"path": USERS_PATH}, "respond": {"malformed": True}, "times": 1})
    with pytest.raises(ClientError):
        umapi_client.UsersQuery(ours.connect()).all_results()


def test_connection_reset_on_a_read_is_retried(ours, served, admin):
    admin.fault({"match": {"path": USERS_PATH}, "respond": {"drop": True}, "times": 1})
    admin.fault({"match": {"path": TOKEN_PATH}, "respond": {"drop": True}, "times": 1})
    users = umapi_client.UsersQuery(ours.connect()).all_results()
    assert len(users) == len(served.backend.org().active_user_ids())
    assert statuses(admin, TOKEN_PATH) == [None, 200]  # token requests are safe to repeat
    assert statuses(admin, USERS_PATH)[:2] == [None, 200]


def test_connection_reset_on_an_action_is_resent_as_3_0_1_does(ours, served, admin):
    admin.fault({"match": {"path": ACTION_PATH}, "respond": {"drop": True}, "times": 1})
    conn = ours.connect()
    assert conn.execute_single(add_to("Finance 01"), immediate=True) == (0, 1, 1)
    assert statuses(admin, ACTION_PATH) == [None, 200]
    assert ours.sleeps == []  # both delays are 0 here: an immediate retry, as 3.0.1 makes


def test_connection_reset_on_an_action_is_not_resent_with_safe_retries(ours, served, admin):
    admin.fault({"match": {"path": ACTION_PATH}, "respond": {"drop": True}, "times": 1})
    before = state_of(served)
    conn = ours.connect(safe_retries=True)
    action = add_to("Finance 01")
    with pytest.raises(BatchError) as batch:
        conn.execute_single(action, immediate=True)
    [cause] = batch.value.causes
    assert isinstance(cause, UnavailableError) and cause.attempts == 1 and cause.result is None
    assert "not re-sent" in str(cause)
    assert action.execution_errors() == []  # the failure is the BatchError's, as in 3.0.1
    assert statuses(admin, ACTION_PATH) == [None]  # sent once, never repeated
    assert state_of(served) == before
    # the caller decides; sending again works
    assert conn.execute_single(add_to("Finance 01"), immediate=True) == (0, 1, 1)


def test_expired_token_mid_run_is_a_request_error_as_in_3_0_1(ours, served, admin):
    auth = ours.auth()
    conn = ours.connect(auth)
    assert umapi_client.UserQuery(conn, "jane@example.com").result() != {}
    served.backend.clock.advance(served.config.token_ttl + 1)  # the emulator's token has expired
    with pytest.raises(RequestError) as info:
        umapi_client.UserQuery(conn, "john@example.net").result()
    assert info.value.status_code == 401 and auth.token_fetch_count == 1


def test_expired_token_mid_run_is_fetched_again_once_on_request(ours, served, admin):
    auth = ours.auth()
    conn = ours.connect(auth, refresh_token_on_401=True)
    assert umapi_client.UserQuery(conn, "jane@example.com").result()
    served.backend.clock.advance(served.config.token_ttl + 1)  # the emulator's token has expired
    assert umapi_client.UserQuery(conn, "john@example.net").result()
    assert conn.execute_single(add_to("Studio 01"), immediate=True) == (0, 1, 1)
    assert auth.token_fetch_count == 2
    assert statuses(admin, "/v2/usermanagement/organizations/*") == [200, 401, 200]
    assert statuses(admin, TOKEN_PATH) == [200, 200]
    assert statuses(admin, ACTION_PATH) == [200]  # the new token served the rest of the run


def test_401_twice_is_a_request_error_after_one_refetch(ours, admin):
    admin.fault({"match": {"path": USERS_PATH}, "respond": {"status": 401}})
    auth = ours.auth()
    with pytest.raises(RequestError) as info:
        umapi_client.UsersQuery(ours.connect(auth, refresh_token_on_401=True)).all_results()
    assert info.value.status_code == 401
    assert auth.token_fetch_count == 2
    assert statuses(admin, USERS_PATH) == [401, 401]


def test_token_refreshed_before_it_expires(tls_files, ours):
    """A short-lived token (own emulator with `token_ttl=120`) is fetched again before the
    emulator would refuse it with the opt-in `refresh_margin`: no 401 ever reaches the client."""
    app = create_app(Config(token_ttl=120))
    with ServedEmulator(app, ssl_context=tls_files.server_context()) as emulator:
        backend = emulator_of(app).backend
        client_clock = [datetime(2026, 1, 1)]
        auth = umapi_client.OAuthS2S(
            ours.served.client_id,
            ours.served.client_secret,
            auth_host=emulator.netloc,
            ssl_verify=ours.served.ca_path,
            now=lambda: client_clock[0],
            refresh_margin=12,
        )
        conn = ours.connect(auth, endpoint=f"{emulator.url}/v2/usermanagement")
        assert umapi_client.UserQuery(conn, "jane@example.com").result()
        for _ in range(3):  # 110 s at a time: still valid at IMS, but inside the client's margin
            client_clock[0] += timedelta(seconds=110)
            backend.clock.advance(110)
            assert umapi_client.UserQuery(conn, "jane@example.com").result()
        assert auth.token_fetch_count == 4

        assert [e["status"] for e in emulator_of(app).layers.journal.query(path="/v2/*")] == [200] * 4


def test_test_mode_keeps_order(ours, served):
    """A test-mode removal is rolled back without moving the user to the end of the list
    (undoing a removal used to re-insert users, groups and memberships last)."""
    before = state_of(served)
    listing = [u["email"] for u in umapi_client.UsersQuery(ours.connect()).all_results()]
    conn = ours.connect(test_mode=True)
    action = UserAction("john@example.net")
    action.remove_from_organization()
    assert conn.execute_single(action, immediate=True) == (0, 1, 1)
    assert [u["email"] for u in umapi_client.UsersQuery(ours.connect()).all_results()] == listing
    assert state_of(served) == before
