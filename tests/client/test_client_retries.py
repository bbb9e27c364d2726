"""Retry contract: 3.0.1's schedule by default (retryable statuses, Retry-After forms,
back-off, network errors re-sent), and our opt-ins (budget, cap, safe retries)."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

import umapi_client
from umapi_client import (
    BatchError,
    RequestError,
    ServerError,
    UnavailableError,
    UserAction,
    UserQuery,
)

from .helpers import ACTION_URL, ENDPOINT, ORG, action_ok, add_s2s_token, calls_to

USER_URL = f"{ENDPOINT}/organizations/{ORG}/users/jdoe@example.com"
USER_BODY = {"result": "success", "user": {"email": "jdoe@example.com"}}


def lookup(conn: Any) -> Any:
    return UserQuery(conn, "jdoe@example.com").result()


def reset_error() -> requests.ConnectionError:
    return requests.ConnectionError(
        ProtocolError("Connection aborted.", ConnectionResetError(104, "Connection reset by peer"))
    )


def refused_error() -> requests.ConnectionError:
    reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")  # type: ignore[arg-type]
    return requests.ConnectionError(MaxRetryError(None, ACTION_URL, reason))  # type: ignore[arg-type]


def test_503_twice_then_ok(rsps: responses.RequestsMock, make_conn: Callable[..., Any], sleeps: list[float]) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.GET, USER_URL, status=503)
    rsps.add(responses.GET, USER_URL, status=503)
    rsps.add(responses.GET, USER_URL, json=USER_BODY)
    assert lookup(make_conn())["email"] == "jdoe@example.com"
    assert len(calls_to(rsps, USER_URL)) == 3
    assert sleeps == []  # zero delays configured: nothing to wait for


def test_exponential_backoff_values(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any], sleeps: list[float]
) -> None:
    add_s2s_token(rsps)
    for status in (502, 504, 503):
        rsps.add(responses.GET, USER_URL, status=status)
    rsps.add(responses.GET, USER_URL, json=USER_BODY)
    conn = make_conn(retry_first_delay=15, retry_random_delay=0)
    lookup(conn)
    assert sleeps == [15, 30, 60]


def test_default_schedule_is_3_0_1s(
    rsps: responses.RequestsMock, make_auth: Callable[..., Any], sleeps: list[float]
) -> None:
    """Connection() as 3.0.1 builds it: 4 attempts, waits 15 * 2**(n-1) + randint(0, 5)."""
    add_s2s_token(rsps)
    rsps.add(responses.GET, USER_URL, status=503)
    conn = umapi_client.Connection(ORG, make_auth(), endpoint=ENDPOINT, sleep=sleeps.append)
    with pytest.raises(UnavailableError) as info:
        lookup(conn)
    assert len(sleeps) == 3 and all(isinstance(s, int) for s in sleeps)
    assert all(0 <= s - base <= 5 for s, base in zip(sleeps, (15, 30, 60)))
    assert info.value.attempts == 4 and isinstance(info.value.seconds, int)
    assert str(info.value) == f"Server unavailable: Made 4 attempts over {info.value.seconds} seconds"
    assert len(calls_to(rsps, USER_URL)) == 4


def test_module_sleep_is_what_3_0_1_code_patches(
    rsps: responses.RequestsMock, make_auth: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    monkeypatch.setattr(umapi_client.connection, "sleep", waits.append)
    add_s2s_token(rsps)
    rsps.add(responses.GET, USER_URL, status=429, headers={"Retry-After": "3"})
    rsps.add(responses.GET, USER_URL, json=USER_BODY)
    assert lookup(umapi_client.Connection(ORG, make_auth(), endpoint=ENDPOINT))["email"] == "jdoe@example.com"
    assert waits == [3]


def test_backoff_jitter_is_bounded(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any], sleeps: list[float]
) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.GET, USER_URL, status=503)
    rsps.add(responses.GET, USER_URL, status=503)
    rsps.add(responses.GET, USER_URL, json=USER_BODY)
    lookup(make_conn(retry_first_delay=2, retry_random_delay=1))
    assert 2 <= sleeps[0] <= 3 and 4 <= sleeps[1] <= 5


def test_backoff_capped_by_max_delay(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any], sleeps: list[float]
) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.GET, USER_URL, status=503)
    rsps.add(responses.GET, USER_URL, status=503)
    rsps.add(responses.GET, USER_URL, json=USER_BODY)
    lookup(make_conn(retry_first_delay=50, retry_random_delay=0, retry_max_delay=60))
    assert sleeps == [50, 60]


def test_429_retry_after_seconds(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any], sleeps: list[float]
) -> None:
    add_s2s_token(rsps)
    rsps.add(
        responses.GET,
        USER_URL,
        status=429,
        headers={"Retry-After": "7"},
        json={"error_code": "429050", "message": "Too many requests"},
    )
    rsps.add(responses.GET, USER_URL, json=USER_BODY)
    assert lookup(make_conn())["email"] == "jdoe@example.com"
    assert sleeps == [7]


def test_429_retry_after_http_date(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any], sleeps: list[float]
) -> None:
    add_s2s_token(rsps)
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    rsps.add(responses.GET, USER_URL, status=429, headers={"Retry-After": when})
    rsps.add(responses.GET, USER_URL, json=USER_BODY)
    lookup(make_conn())
    (waited,) = sleeps
    assert 27 <= waited <= 31


def test_retry_after_in_past_falls_back_to_backoff(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any], sleeps: list[float]
) -> None:
    add_s2s_token(rsps)
    when = email.utils.formatdate(time.time() - 600, usegmt=True)
    rsps.add(responses.GET, USER_URL, status=429, headers={"Retry-After": when})
    rsps.add(responses.GET, USER_URL, status=429, headers={"Retry-After": "2.5"})
    rsps.add(responses.GET, USER_URL, json=USER_BODY)
    lookup(make_conn(retry_first_delay=4, retry_random_delay=0))
    assert sleeps == [4, 2.5]


def test_exhaustion_raises_unavailable(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any], sleeps: list[float]
) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.GET, USER_URL, status=503)
    with pytest.raises(UnavailableError) as info:
        lookup(make_conn(retry_max_attempts=3))
    assert info.value.attempts == 3
    assert info.value.result is not None and info.value.result.status_code == 503
    assert len(calls_to(rsps, USER_URL)) == 3


@pytest.mark.parametrize("value", ["soon", "", "nan"])
def test_unreadable_retry_after_falls_back_to_backoff(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any], sleeps: list[float], value: str
) -> None:
    """3.0.1 fails with a ValueError here; ours waits the back-off instead."""
    add_s2s_token(rsps)
    rsps.add(responses.GET, USER_URL, status=429, headers={"Retry-After": value})
    rsps.add(responses.GET, USER_URL, json=USER_BODY)
    lookup(make_conn(retry_first_delay=4, retry_random_delay=0))
    assert sleeps == [4]


def test_retry_budget_stops_before_sleeping_too_long(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any], sleeps: list[float]
) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.GET, USER_URL, status=429, headers={"Retry-After": "3600"})
    with pytest.raises(UnavailableError, match="budget"):
        lookup(make_conn(retry_max_time=600))
    assert sleeps == []
    assert len(calls_to(rsps, USER_URL)) == 1


def test_500_is_server_error_without_retry(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.GET, USER_URL, status=500, json={"error_code": "500000", "message": "boom"})
    with pytest.raises(ServerError) as info:
        lookup(make_conn())
    assert info.value.status_code == 500
    assert len(calls_to(rsps, USER_URL)) == 1


def test_400_is_request_error_without_retry(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    rsps.add(
        responses.GET,
        USER_URL,
        status=400,
        json={"result": "error.organization.invalid_id"},
        headers={"X-Request-Id": "req-42"},
    )
    with pytest.raises(RequestError) as info:
        lookup(make_conn())
    assert str(info.value) == 'Request Error (400): {"result": "error.organization.invalid_id"}'
    assert info.value.status_code == 400 and info.value.request_id == "req-42"
    assert len(calls_to(rsps, USER_URL)) == 1


def test_403_is_request_error(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.GET, USER_URL, status=403, json={"error_code": "403003", "message": "Api Key is invalid"})
    with pytest.raises(RequestError):
        lookup(make_conn())


def test_connection_reset_on_get_is_retried(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.GET, USER_URL, body=reset_error())
    rsps.add(responses.GET, USER_URL, body=requests.ReadTimeout("read timed out"))
    rsps.add(responses.GET, USER_URL, json=USER_BODY)
    assert lookup(make_conn())["email"] == "jdoe@example.com"
    assert len(calls_to(rsps, USER_URL)) == 3


def test_connection_errors_exhaust_to_unavailable(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.GET, USER_URL, body=reset_error())
    with pytest.raises(UnavailableError) as info:
        lookup(make_conn(retry_max_attempts=2))
    assert info.value.result is None
    assert isinstance(info.value.cause, requests.ConnectionError)
    assert len(calls_to(rsps, USER_URL)) == 2


@pytest.mark.parametrize("failure", [reset_error, lambda: requests.ReadTimeout("read timed out")])
def test_possibly_delivered_action_post_is_resent_as_in_3_0_1(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any], failure: Callable[[], Exception]
) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.POST, ACTION_URL, body=failure())
    rsps.add(responses.POST, ACTION_URL, json=action_ok())
    assert make_conn().execute_single(UserAction("u@example.com").add_to_groups(["A"]), immediate=True) == (0, 1, 1)
    assert len(calls_to(rsps, ACTION_URL)) == 2


@pytest.mark.parametrize("failure", [reset_error, lambda: requests.ReadTimeout("read timed out")])
def test_possibly_delivered_action_post_is_not_resent_with_safe_retries(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any], failure: Callable[[], Exception]
) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.POST, ACTION_URL, body=failure())
    rsps.add(responses.POST, ACTION_URL, json=action_ok())
    action = UserAction("u@example.com").add_to_groups(["A"])
    with pytest.raises(BatchError) as info:
        make_conn(safe_retries=True).execute_single(action, immediate=True)
    (cause,) = info.value.causes
    assert isinstance(cause, UnavailableError) and cause.attempts == 1 and cause.result is None
    assert "not re-sent" in str(cause) and isinstance(cause.cause, requests.RequestException)
    assert len(calls_to(rsps, ACTION_URL)) == 1
    assert action.execution_errors() == [] and info.value.statistics == (0, 1, 0)


def test_safe_retries_still_retry_reads(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.GET, USER_URL, body=reset_error())
    rsps.add(responses.GET, USER_URL, json=USER_BODY)
    assert lookup(make_conn(safe_retries=True))["email"] == "jdoe@example.com"


def test_refused_connection_on_action_post_is_retried(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any]
) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.POST, ACTION_URL, body=refused_error())
    rsps.add(responses.POST, ACTION_URL, json=action_ok())
    conn = make_conn(safe_retries=True)
    assert conn.execute_single(UserAction("u@example.com").add_to_groups(["A"]), immediate=True) == (0, 1, 1)
    assert len(calls_to(rsps, ACTION_URL)) == 2


def test_503_on_action_post_is_retried(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.POST, ACTION_URL, status=503)
    rsps.add(responses.POST, ACTION_URL, json=action_ok())
    assert make_conn().execute_single(UserAction("u@example.com").add_to_groups(["A"]), immediate=True) == (0, 1, 1)
    assert len(calls_to(rsps, ACTION_URL)) == 2


def test_action_exhaustion_reports_batch_error_with_unavailable(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any]
) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.POST, ACTION_URL, status=429)
    with pytest.raises(BatchError) as info:
        make_conn().execute_single(UserAction("u@example.com").add_to_groups(["A"]), immediate=True)
    (cause,) = info.value.causes
    assert isinstance(cause, UnavailableError) and cause.attempts == 4
    assert info.value.statistics == (0, 1, 0)


def test_tls_error_is_retried_as_in_3_0_1(rsps: responses.RequestsMock, make_conn: Callable[..., Any]) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.GET, USER_URL, body=requests.exceptions.SSLError("certificate verify failed"))
    with pytest.raises(UnavailableError):
        lookup(make_conn())
    assert len(calls_to(rsps, USER_URL)) == 4


def test_tls_error_is_not_retried_with_safe_retries(
    rsps: responses.RequestsMock, make_conn: Callable[..., Any]
) -> None:
    add_s2s_token(rsps)
    rsps.add(responses.GET, USER_URL, body=requests.exceptions.SSLError("certificate verify failed"))
    with pytest.raises(UnavailableError, match="TLS"):
        lookup(make_conn(safe_retries=True))
    assert len(calls_to(rsps, USER_URL)) == 1
