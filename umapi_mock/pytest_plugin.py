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
* `umapi_connection`: the reference `umapi_client.Connection` for that org, already holding
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

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .domain.scopes import S2S_SCOPE

if TYPE_CHECKING:
    import requests

    from .domain.backend import Backend
    from .domain.models import Org
    from .server import ServedEmulator

_OPTIONS = {"users", "groups", "seed", "throttle", "faults", "generate_seed"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "umapi(users=None, groups=None, seed=None, throttle='off', faults=None): "
        "shape the org that the umapi_org fixture builds for this test (umapi-mock plugin)",
    )


# ------------------------------------------------------------------ server


@dataclass
class UmapiServer:
    """The session's HTTPS emulator and what a client needs to reach it."""

    emulator: ServedEmulator
    ca_path: str
    _templates: dict[Any, list[Org]] = field(default_factory=dict)
    _session: requests.Session | None = None

    @property
    def app(self) -> Any:
        return self.emulator.app

    @property
    def backend(self) -> Backend:
        return self.emulator.app.extensions["umapi_mock"]  # type: ignore[no-any-return]

    @property
    def url(self) -> str:
        return self.emulator.url

    @property
    def netloc(self) -> str:
        return self.emulator.netloc

    @property
    def ims_host(self) -> str:
        return self.emulator.netloc

    @property
    def endpoint(self) -> str:
        return f"{self.url}/v2/usermanagement"

    @property
    def org(self) -> Org:
        return self.backend.org()

    @property
    def org_id(self) -> str:
        return self.org.id

    @property
    def client_id(self) -> str:
        return next(iter(self.org.credentials.values())).client_id

    @property
    def client_secret(self) -> str:
        return next(iter(self.org.credentials.values())).client_secret

    @property
    def session(self) -> requests.Session:
        if self._session is None:
            import requests

            self._session = requests.Session()
            self._session.trust_env = False
            self._session.verify = self.ca_path
        return self._session

    def token(self) -> str:
        r = self.session.post(
            f"{self.url}/ims/token/v2",
            verify=self.ca_path,
            timeout=30,
            data={
                "grant_type": "client_credentials",
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "scope": S2S_SCOPE,
            },
        )
        r.raise_for_status()
        return r.json()["access_token"]  # type: ignore[no-any-return]

    def headers(self) -> dict[str, str]:
        """The two headers a UMAPI request needs."""
        return {"X-Api-Key": self.client_id, "Authorization": f"Bearer {self.token()}"}

    def admin(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Call the admin API: `admin("GET", "/journal", params={...})`."""
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, f"{self.url}/_mock{path}", verify=self.ca_path, **kwargs)

    # -------------------------------------------------------------- orgs

    def install_org(self, options: dict[str, Any]) -> Org:
        """Swap a fresh copy of the org `options` describe into the server; return it."""
        from .seed import load_seed

        key = _template_key(options)
        templates = self._templates.get(key)
        if templates is None:
            doc = _seed_doc(options)
            templates = self._templates[key] = load_seed(doc, "<umapi marker>", _seed_dir(options))
        orgs = [o.clone() for o in templates]
        self.backend.replace_orgs(orgs)
        return orgs[0]

    def stop(self) -> None:
        if self._session is not None:
            self._session.close()
        self.emulator.stop()


def _template_key(options: dict[str, Any]) -> Any:
    seed = options.get("seed")
    seed_key = str(seed) if isinstance(seed, (str, Path)) else (id(seed) if seed is not None else None)
    return (options.get("users"), options.get("groups"), options.get("generate_seed"), seed_key)


def _seed_dir(options: dict[str, Any]) -> Path | None:
    seed = options.get("seed")
    return Path(seed).resolve().parent if isinstance(seed, (str, Path)) else None


def _seed_doc(options: dict[str, Any]) -> dict[str, Any]:
    from .seed import DEMO_SEED, read_seed_file

    seed = options.get("seed")
    if isinstance(seed, (str, Path)):
        doc = read_seed_file(seed)
    elif isinstance(seed, dict):
        doc = copy.deepcopy(seed)
    else:
        doc = copy.deepcopy(DEMO_SEED)
    if any(options.get(k) is not None for k in ("users", "groups", "generate_seed")):
        first = doc["orgs"][0]
        gen = dict(first.get("generate") or {})
        for opt, key in (("users", "users"), ("groups", "groups"), ("generate_seed", "seed")):
            if options.get(opt) is not None:
                gen[key] = int(options[opt])
        gen.setdefault("seed", 42)
        first["generate"] = gen
    return doc


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
    from .config import Config
    from .http.app import create_app
    from .server import ServedEmulator
    from .tls import ensure_tls

    tls = ensure_tls(tmp_path_factory.mktemp("umapi-tls"))
    app = create_app(Config())
    emulator = ServedEmulator(app, "127.0.0.1", 0, ssl_context=tls.server_context()).start()
    server = UmapiServer(emulator, str(tls.ca_cert))
    try:
        yield server
    finally:
        server.stop()


def _reset_layers(server: UmapiServer, options: dict[str, Any]) -> None:
    from .layers import layers_of
    from .layers.faults import parse_fault_rules
    from .layers.throttle import parse_policy

    layers = layers_of(server.app)
    layers.throttle.set_policy(parse_policy(options.get("throttle", "off")))
    layers.throttle.clear()
    layers.faults.clear()
    if options.get("faults"):
        layers.faults.add(parse_fault_rules(options["faults"]))
    layers.journal.clear()
    clock = server.backend.clock
    if hasattr(clock, "_offset"):
        clock._offset = 0.0


@pytest.fixture
def umapi_org(umapi_server: UmapiServer, request: pytest.FixtureRequest) -> Iterator[Org]:
    """A fresh org for this test, installed in the session's server."""
    options = _options(request)
    org = umapi_server.install_org(options)
    _reset_layers(umapi_server, options)
    yield org
    _reset_layers(umapi_server, {})


@pytest.fixture
def umapi_connection(umapi_server: UmapiServer, umapi_org: Org) -> Iterator[Any]:
    """The reference client, authenticated against umapi_server, with zero back-off."""
    import umapi_client

    cred = next(iter(umapi_org.credentials.values()))
    clock = umapi_server.backend.clock

    def wait(seconds: float) -> None:  # a wait moves the emulator's clock; nothing sleeps
        clock.advance(seconds)

    auth = umapi_client.OAuthS2S(
        cred.client_id, cred.client_secret, auth_host=umapi_server.netloc, ssl_verify=umapi_server.ca_path
    )
    conn = umapi_client.Connection(
        umapi_org.id,
        auth,
        endpoint=umapi_server.endpoint,
        ssl_verify=umapi_server.ca_path,
        retry_first_delay=0,
        retry_random_delay=0,
        sleep=wait,
    )
    auth.access_token()
    try:
        yield conn
    finally:
        conn.close()


class UmapiFaults:
    """Fault rules on the session server (the admin API's `/_mock/faults`)."""

    def __init__(self, server: UmapiServer):
        self.server = server

    def add(self, rule: dict[str, Any] | list[dict[str, Any]] | None = None, **fields: Any) -> list[str]:
        """Add one rule (a mapping, or `match=`, `respond=`, `times=`...) or a list; returns ids."""
        body = rule if rule is not None else fields
        r = self.server.admin("POST", "/faults", json=body)
        if r.status_code != 201:
            raise ValueError(f"fault rule refused: {r.text}")
        return list(r.json()["ids"])

    def list(self) -> list[dict[str, Any]]:
        return list(self.server.admin("GET", "/faults").json()["faults"])

    def remove(self, rule_id: str) -> None:
        self.server.admin("DELETE", f"/faults/{rule_id}").raise_for_status()

    def clear(self) -> None:
        self.server.admin("DELETE", "/faults").raise_for_status()


@pytest.fixture
def umapi_faults(umapi_server: UmapiServer, umapi_org: Org) -> Iterator[UmapiFaults]:
    faults = UmapiFaults(umapi_server)
    yield faults
    faults.clear()


class UmapiJournal:
    """The request journal of the session server (the admin API's `/_mock/journal`)."""

    def __init__(self, server: UmapiServer):
        self.server = server

    def entries(self, **filters: Any) -> list[dict[str, Any]]:
        """Entries oldest first; filters as the admin API: path, status, method, client, since, limit."""
        r = self.server.admin("GET", "/journal", params={k: v for k, v in filters.items() if v is not None})
        r.raise_for_status()
        return list(r.json()["entries"])

    def clear(self) -> None:
        self.server.admin("DELETE", "/journal").raise_for_status()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.entries())

    def __len__(self) -> int:
        return len(self.entries())


@pytest.fixture
def umapi_journal(umapi_server: UmapiServer, umapi_org: Org) -> UmapiJournal:
    journal = UmapiJournal(umapi_server)
    journal.clear()
    return journal
