"""pytest plugin (registered through the `pytest11` entry point): fixtures for a fake UMAPI.

Installing umapi-mock is enough; no conftest needed:

    def test_sync(umapi_org, umapi_connection):
        umapi_connection.execute_single(UserAction("new@example.com").create(...))
        assert umapi_org.find_user("new@example.com")

Fixtures (all names start with `umapi_`):

* `umapi_server` (session): one real HTTPS emulator on a free loopback port, with `url`,
  `netloc`, `endpoint`, `ca_path`, `org_id`, `client_id`, `client_secret`, `backend`,
  `app`, and helpers `token()`, `headers()`, `admin(method, path, ...)`.
* `umapi_org`: a fresh org for this test (the `Org` object), swapped into the server in
  O(users) by cloning a template built once per seed size; throttle, faults and journal
  are reset too.
* `umapi_connection`: a `umapi_client.Connection` for that org (Adobe's 3.0.1 or the
  reference client, whichever is installed; a clear failure if neither is), already holding
  a token, with zero retry back-off; its waits (e.g. a 429's `Retry-After`) advance the
  emulator's clock instead of sleeping.
* `umapi_faults`: add fault rules (`umapi_faults.add(match=..., respond=..., times=...)`).
* `umapi_journal`: the request journal (`umapi_journal.entries(path=...)`), cleared first.

Per test: `@pytest.mark.umapi(users=1000, groups=20, throttle="documented")`, or
`@pytest.mark.parametrize("umapi_org", [{"users": 10}], indirect=True)`. Options: `users`
and `groups` (generated on top of the demo org's named users and groups), `seed` (a seed
document or a path to a seed file, instead of the demo org), `throttle` ("off",
"documented" or a policy mapping), `faults` (a list of rules to install).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from .testing import UmapiFaults, UmapiJournal, UmapiServer, start_server

if TYPE_CHECKING:
    from .domain.models import Org

_OPTIONS = {"users", "groups", "seed", "throttle", "faults", "generate_seed"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "umapi(users=None, groups=None, seed=None, throttle='off', faults=None): "
        "shape the org that the umapi_org fixture builds for this test (umapi-mock plugin)",
    )


def _options(request: pytest.FixtureRequest) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for mark in reversed(list(request.node.iter_markers("umapi"))):  # closest marker wins
        options.update(mark.kwargs)
    param = getattr(request, "param", None)
    if isinstance(param, dict):
        options.update(param)
    elif isinstance(param, int):
        options["users"] = param
    unknown = set(options) - _OPTIONS
    if unknown:
        raise pytest.UsageError(
            f"unknown umapi option(s): {', '.join(sorted(unknown))} (known: {', '.join(sorted(_OPTIONS))})"
        )
    return options


@pytest.fixture(scope="session")
def umapi_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UmapiServer]:
    """One HTTPS emulator for the whole session (demo org until a test installs its own)."""
    server = start_server(tmp_path_factory.mktemp("umapi-tls"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def umapi_org(umapi_server: UmapiServer, request: pytest.FixtureRequest) -> Iterator[Org]:
    """A fresh org for this test, installed in the session's server."""
    options = _options(request)
    org = umapi_server.install_org(options)
    umapi_server.reset_layers(options)
    yield org
    umapi_server.reset_layers({})


@pytest.fixture
def umapi_connection(umapi_server: UmapiServer, umapi_org: Org, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A `umapi_client.Connection` (Adobe's 3.0.1 or the reference client, whichever is
    installed), authenticated against umapi_server, with zero back-off; waits move the
    emulator's clock instead of sleeping."""
    from .client_connection import NoClientError, client_connection

    cred = next(iter(umapi_org.credentials.values()))
    missing = None
    try:
        conn = client_connection(
            umapi_org.id,
            cred.client_id,
            cred.client_secret,
            ims_host=umapi_server.netloc,
            endpoint=umapi_server.endpoint,
            ssl_verify=umapi_server.ca_path,
        )
    except NoClientError as exc:
        missing = str(exc)
    if missing is not None:  # outside the except block, so the report is this one line
        pytest.fail(f"umapi_connection: {missing}", pytrace=False)
    monkeypatch.setattr(sys.modules[type(conn).__module__], "sleep", umapi_server.backend.clock.advance, raising=False)
    conn.auth.refresh_token()
    try:
        yield conn
    finally:
        conn.session.close()


@pytest.fixture
def umapi_faults(umapi_server: UmapiServer, umapi_org: Org) -> Iterator[UmapiFaults]:
    faults = UmapiFaults(umapi_server)
    yield faults
    faults.clear()


@pytest.fixture
def umapi_journal(umapi_server: UmapiServer, umapi_org: Org) -> UmapiJournal:
    journal = UmapiJournal(umapi_server)
    journal.clear()
    return journal


__all__ = ["UmapiServer", "UmapiFaults", "UmapiJournal"]  # re-exported: where they used to live
