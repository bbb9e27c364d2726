"""Fixtures for the layer tests: in-process apps on a frozen clock, so throttle windows and
token expiry move only when a test says so."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from umapi_mock.config import Config
from umapi_mock.domain.clock import FrozenClock
from umapi_mock.domain.scopes import S2S_SCOPE
from umapi_mock.http.app import create_app
from umapi_mock.http.context import emulator_of
from umapi_mock.layers import Layers
from umapi_mock.seed import DEMO_ORG_ID, DEMO_SEED
from umapi_mock.world import build_backend

ORG = DEMO_ORG_ID

SECRETS = {"test-client": "test-secret", "other-client": "other-secret"}
ACTION_BODY = [{"user": "jane@example.com", "do": [{"add": {"group": ["Contractors"]}}]}]


def small_seed() -> dict[str, Any]:
    """The demo org without its 2,500 generated users, plus a second client."""
    seed = copy.deepcopy(DEMO_SEED)
    org = seed["orgs"][0]
    org.pop("generate", None)
    org["credentials"].append({"client_id": "other-client", "client_secret": "other-secret"})
    return seed


class Emu:
    """One in-process emulator and helpers to call it."""

    def __init__(self, config: Config, seed: dict[str, Any] | None = None):
        self.clock = FrozenClock()
        self.backend = build_backend(seed if seed is not None else small_seed(), clock=self.clock)
        self.app = create_app(config, backend=self.backend)
        self.client: Any = self.app.test_client()  # responses typed Any: tests index .json freely
        self._tokens: dict[str, str] = {}

    @property
    def layers(self) -> Layers:
        return emulator_of(self.app).layers

    def token(self, client_id: str = "test-client") -> str:
        if client_id not in self._tokens:
            r = self.client.post(
                "/ims/token/v2",
                data={
                    "grant_type": "client_credentials",
                    "client_id": client_id,
                    "client_secret": SECRETS[client_id],
                    "scope": S2S_SCOPE,
                },
            )
            assert r.status_code == 200, r.data
            self._tokens[client_id] = r.json["access_token"]  # type: ignore[index]
        return self._tokens[client_id]

    def headers(self, client_id: str = "test-client", **extra: str) -> dict[str, str]:
        return {"X-Api-Key": client_id, "Authorization": f"Bearer {self.token(client_id)}", **extra}

    def umapi(self, method: str, path: str, client_id: str = "test-client", **kwargs: Any) -> Any:
        headers = {**self.headers(client_id), **kwargs.pop("headers", {})}
        return self.client.open(f"/v2/usermanagement{path}", method=method, headers=headers, **kwargs)

    def groups(self, client_id: str = "test-client") -> Any:
        return self.umapi("GET", f"/groups/{ORG}/0", client_id)

    def action(self, client_id: str = "test-client", body: Any = None, query: str = "") -> Any:
        return self.umapi("POST", f"/action/{ORG}{query}", client_id, json=ACTION_BODY if body is None else body)

    def journal(self, query: str = "") -> dict[str, Any]:
        r = self.client.get(f"/_mock/journal{query}")
        assert r.status_code == 200, r.data
        return r.json  # type: ignore[return-value]


@pytest.fixture
def make_emu() -> Callable[..., Emu]:
    def factory(seed: dict[str, Any] | None = None, **config: Any) -> Emu:
        return Emu(Config(**config), seed)

    return factory


@pytest.fixture
def emu(make_emu: Callable[..., Emu]) -> Emu:
    return make_emu()
