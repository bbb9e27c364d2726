"""Helpers for driving an emulator from tests, with or without pytest: the session server's
client facade (`UmapiServer`), and the fault-rule and journal views of its admin API.
The pytest plugin (`umapi_mock.pytest_plugin`) builds its fixtures from these.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import requests

    from .domain.backend import Backend
    from .domain.models import Org
    from .emulator import Emulator
    from .server import ServedEmulator

from .domain.scopes import S2S_SCOPE


@dataclass
class UmapiServer:
    """The served handle: the session's HTTPS emulator and what a client needs to reach it.
    (`MockUMAPI` is the in-process handle, `contracts.targets_emulator.EmulatorTarget` the
    contract kit's; each has `.emulator`, the `Emulator` whose state it serves.)"""

    served: ServedEmulator  # the socket server (url, stop())
    ca_path: str
    _templates: dict[Any, list[Org]] = field(default_factory=dict)
    _session: requests.Session | None = None

    @property
    def app(self) -> Any:
        """The Flask app the server runs (an adapter of `emulator`)."""
        return self.served.app

    @property
    def emulator(self) -> Emulator:
        """The emulator handle (state, layers, `reset()`) behind the served app."""
        from .http.context import emulator_of

        return emulator_of(self.served.app)

    @property
    def handle(self) -> Emulator:
        """Deprecated: `emulator`."""
        return self.emulator

    @property
    def backend(self) -> Backend:
        return self.emulator.backend

    @property
    def url(self) -> str:
        return self.served.url

    @property
    def netloc(self) -> str:
        return self.served.netloc

    @property
    def ims_host(self) -> str:
        return self.served.netloc

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

    def reset_layers(self, options: dict[str, Any]) -> None:
        """Clock, throttle, faults and journal as a test's options ask (default: all off)."""
        self.emulator.reset_layers(throttle=options.get("throttle", "off"), faults=options.get("faults") or [])

    def stop(self) -> None:
        if self._session is not None:
            self._session.close()
        self.served.stop()


def start_server(tls_dir: Path) -> UmapiServer:
    """What the `umapi_server` fixture starts (the demo org over HTTPS); `.stop()` ends it.
    The benchmarks time exactly this."""
    from .config import Config
    from .http.app import create_app
    from .server import ServedEmulator
    from .tls import ensure_tls

    tls = ensure_tls(tls_dir)
    app = create_app(Config(ca_cert=tls.ca_cert))
    served = ServedEmulator(app, "127.0.0.1", 0, ssl_context=tls.server_context()).start()
    return UmapiServer(served, str(tls.ca_cert))


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
