"""Shared fixtures for the client tests: fake IMS and UMAPI hosts served by ``responses``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses

import umapi_client

from .helpers import CLIENT_ID, CLIENT_SECRET, ENDPOINT, IMS_HOST, ORG, FakeClock


@pytest.fixture(autouse=True)
def no_real_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """A real wait of the client in these tests is a bug: fail loudly instead of waiting.
    (The client waits through `umapi_client.connection.sleep`, the name 3.0.1's code calls.)"""

    def refuse(seconds: float) -> None:
        if seconds > 0:
            raise AssertionError(f"test tried to really sleep for {seconds}s")

    monkeypatch.setattr(umapi_client.connection, "sleep", refuse)


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_auth(clock: FakeClock) -> Callable[..., umapi_client.OAuthS2S]:
    def factory(**kwargs: Any) -> umapi_client.OAuthS2S:
        kwargs.setdefault("auth_host", IMS_HOST)
        kwargs.setdefault("now", clock)
        return umapi_client.OAuthS2S(CLIENT_ID, CLIENT_SECRET, **kwargs)

    return factory


@pytest.fixture
def make_conn(
    make_auth: Callable[..., umapi_client.OAuthS2S], sleeps: list[float]
) -> Callable[..., umapi_client.Connection]:
    """A connection with zero back-off and a recording sleep hook."""

    def factory(auth: Any = None, **kwargs: Any) -> umapi_client.Connection:
        kwargs.setdefault("endpoint", ENDPOINT)
        kwargs.setdefault("retry_first_delay", 0)
        kwargs.setdefault("retry_random_delay", 0)
        kwargs.setdefault("sleep", sleeps.append)
        return umapi_client.Connection(ORG, auth if auth is not None else make_auth(), **kwargs)

    return factory
