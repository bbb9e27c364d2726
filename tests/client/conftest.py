"""Shared fixtures for the client tests: fake IMS and UMAPI hosts served by ``responses``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses

import umapi_client

from .helpers import CLIENT_ID, CLIENT_SECRET, ENDPOINT, IMS_HOST, ORG, FakeClock


@pytest.fixture(autouse=True)
def no_real_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any real sleep in these tests is a bug: fail loudly instead of waiting."""

    def refuse(seconds: float) -> None:
        if seconds > 0:
            raise AssertionError(f"test tried to really sleep for {seconds}s")

    monkeypatch.setattr(time, "sleep", refuse)


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
        kwargs.setdefault("clock", clock)
        return umapi_client.OAuthS2S(CLIENT_ID, CLIENT_SECRET, **kwargs)

    return factory


@pytest.fixture
def make_conn(
    make_auth: Callable[..., umapi_client.OAuthS2S], sleeps: list[float]
) -> Callable[..., umapi_client.Connection]:
    """A connection with zero back-off and a recording sleep hook."""

    def factory(auth: umapi_client.Auth | None = None, **kwargs: Any) -> umapi_client.Connection:
        kwargs.setdefault("endpoint", ENDPOINT)
        kwargs.setdefault("retry_first_delay", 0)
        kwargs.setdefault("retry_random_delay", 0)
        kwargs.setdefault("sleep", sleeps.append)
        return umapi_client.Connection(ORG, auth if auth is not None else make_auth(), **kwargs)

    return factory
