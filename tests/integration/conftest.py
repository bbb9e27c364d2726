"""Helpers for the integration tests: clients of both kinds against the session's served
HTTPS emulator, and its admin API (faults, throttle, journal, clock).

Every test starts and ends with no fault rules, the throttle off and an empty journal, so
a failing test cannot leave a 503 rule behind for the next one. Our reference client never
sleeps for real here: its `sleep=` hook records the waits it asked for (and, where a test
needs the emulator to see time pass, moves the emulator's clock instead).
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

import umapi_client
from umapi_mock.http.context import emulator_of
from umapi_mock.layers.throttle import parse_policy
from umapi_mock.seed import dump_orgs

ACTION_PATH = "/v2/usermanagement/action/*"


def state_of(served: Any) -> dict[str, Any]:
    """The whole emulator state in the seed format (for before/after comparisons)."""
    return dump_orgs(list(served.backend.orgs.values()))  # type: ignore[no-any-return]


def wire_of(admin: Admin) -> list[tuple[Any, ...]]:
    """What each client sent, from the emulator's journal: method, path, query, body digest,
    sync pragma, and the status it got (request ids and token values differ by nature)."""
    return [
        (e["method"], e["path"], json.dumps(e["query"], sort_keys=True), e["request_sha256"], e["pragma"], e["status"])
        for e in admin.journal()
    ]


class Admin:
    """The emulator's `/_mock` admin API over HTTPS, as a test would script it."""

    def __init__(self, served: Any):
        self.served = served

    def call(self, method: str, route: str, body: Any = None, **params: Any) -> Any:
        r = requests.request(
            method,
            f"{self.served.url}/_mock{route}",
            json=body,
            params=params or None,
            verify=self.served.ca_path,
            timeout=10,
        )
        assert r.status_code < 300, (method, route, r.status_code, r.text)
        return r.json()

    def fault(self, rule: dict[str, Any]) -> str:
        return self.call("POST", "/faults", rule)["ids"][0]  # type: ignore[no-any-return]

    def faults(self) -> list[dict[str, Any]]:
        return self.call("GET", "/faults")["faults"]  # type: ignore[no-any-return]

    def clear_faults(self) -> None:
        self.call("DELETE", "/faults")

    def throttle(self, policy: Any) -> dict[str, Any]:
        return self.call("PUT", "/throttle", policy)  # type: ignore[no-any-return]

    def journal(self, **filters: Any) -> list[dict[str, Any]]:
        return self.call("GET", "/journal", **filters)["entries"]  # type: ignore[no-any-return]

    def clear_journal(self) -> None:
        self.call("DELETE", "/journal")

    def advance(self, seconds: float) -> None:
        self.call("POST", "/clock", {"advance": seconds})


def _quiet_layers(served_session: Any) -> None:
    layers = emulator_of(served_session.app).layers
    layers.faults.clear()
    layers.throttle.set_policy(parse_policy("off"))
    layers.journal.clear()


@pytest.fixture(autouse=True)
def clean_layers(served_session: Any) -> Iterator[None]:
    """No fault rule, no throttle and an empty journal before and after every test."""
    _quiet_layers(served_session)
    yield
    _quiet_layers(served_session)


@pytest.fixture
def admin(served: Any) -> Admin:
    return Admin(served)


@dataclass
class Ours:
    """Builds our reference client's connections to the served emulator, with zero-delay
    back-off; `sleeps` collects every wait any of them asked for."""

    served: Any
    sleeps: list[float] = field(default_factory=list)
    advance_emulator_clock: bool = False

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if self.advance_emulator_clock:
            self.served.backend.clock.advance(seconds)

    def auth(self, client_id: str | None = None, client_secret: str | None = None, **kw: Any) -> umapi_client.OAuthS2S:
        return umapi_client.OAuthS2S(
            client_id or self.served.client_id,
            client_secret or self.served.client_secret,
            auth_host=self.served.netloc,
            ssl_verify=self.served.ca_path,
            **kw,
        )

    def connect(self, auth: umapi_client.Auth | None = None, **kw: Any) -> umapi_client.Connection:
        kw.setdefault("endpoint", self.served.endpoint)
        kw.setdefault("ssl_verify", self.served.ca_path)
        kw.setdefault("retry_first_delay", 0)
        kw.setdefault("retry_random_delay", 0)
        kw.setdefault("sleep", self.sleep)
        return umapi_client.Connection(self.served.org_id, auth if auth is not None else self.auth(), **kw)


@pytest.fixture
def ours(served: Any) -> Ours:
    return Ours(served)


# Extra prelude for official-client scripts: the admin API, a recorder for the client's
# back-off sleeps, and a hook that keeps every HTTP answer the client saw.
OFFICIAL_HELPERS = textwrap.dedent(
    """
    import time as _time
    import requests as _requests
    import umapi_client.connection as _conn_mod

    def admin(method, path, body=None):
        r = _requests.request(method, URL + "/_mock" + path, json=body, verify=CA, timeout=10)
        assert r.status_code < 300, (method, path, r.status_code, r.text)
        return r.json()

    SLEEPS = []
    _real_sleep = _conn_mod.sleep
    def record_sleeps(really=False):
        '''Make the official client's back-off sleeps observable; without `really` they
        return at once (the emulator's fault rules do not depend on time).'''
        def fake(seconds):
            SLEEPS.append(seconds)
            if really:
                _real_sleep(seconds)
        _conn_mod.sleep = fake

    def watch(conn):
        '''Keep (status, Retry-After, body) of every UMAPI answer the connection receives.'''
        seen = []
        def hook(response, *args, **kwargs):
            seen.append({"status": response.status_code, "retry_after": response.headers.get("Retry-After"),
                         "server": response.headers.get("Server"), "body": response.text,
                         "method": response.request.method, "url": response.url})
        conn.session.hooks["response"].append(hook)
        return seen

    LOGS = []
    class _Keep(logging.Handler):
        def emit(self, record):
            LOGS.append(record.getMessage())
    logging.getLogger("umapi_client").addHandler(_Keep())
    logging.getLogger("umapi_client").setLevel(logging.DEBUG)

    def outcome(fn):
        '''Run fn(); give {"ok": value} or {"error": class name, "mro": [...], ...}.'''
        try:
            return {"ok": fn()}
        except Exception as exc:
            info = {"error": type(exc).__name__, "mro": [c.__name__ for c in type(exc).__mro__],
                    "message": str(exc)}
            result = getattr(exc, "result", None)
            info["status"] = getattr(result, "status_code", None)
            for name in ("attempts", "statistics"):
                if hasattr(exc, name):
                    info[name] = getattr(exc, name)
            causes = getattr(exc, "causes", None)
            if causes:
                info["causes"] = [type(c).__name__ for c in causes]
                info["cause_status"] = [getattr(getattr(c, "result", None), "status_code", None) for c in causes]
            return info
    """
)


@pytest.fixture
def run_official(official: Any) -> Callable[..., Any]:
    """`official.run` with OFFICIAL_HELPERS prepended to the script."""

    def run(script: str, **kw: Any) -> Any:
        return official.run(OFFICIAL_HELPERS + "\n" + textwrap.dedent(script), **kw)

    return run
