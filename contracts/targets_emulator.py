"""Emulator targets: an emulator this process builds for the run, reached in-process or
served over HTTPS on loopback; its state can be reset and digested."""

from __future__ import annotations

import json
import tempfile
from typing import Any

from .credentials import Credentials
from .seed_data import contract_seed
from .transport import RunSettings, Target


class EmulatorTarget(Target):
    """An emulator this process built: state can be reset and inspected directly."""

    def __init__(self, name: str, creds: Credentials, settings: RunSettings, app: Any):
        super().__init__(name, creds, settings)
        self.app = app

    @property
    def backend(self) -> Any:
        from umapi_mock.http.context import emulator_of

        return emulator_of(self.app).backend

    def reset(self) -> None:
        from umapi_mock.http.context import emulator_of

        emulator_of(self.app).reset()

    def throttle_switch(self) -> Any:
        from umapi_mock.http.context import emulator_of

        from .throttling import HandleSwitch

        return HandleSwitch(emulator_of(self.app))

    def state_digest(self) -> str:
        import hashlib

        from umapi_mock.seed import dump_orgs

        doc = _canonical(dump_orgs(list(self.backend.orgs.values())))
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def _canonical(value: Any) -> Any:
    """State content without incidental order: lists of records sorted by their JSON."""
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_canonical(v) for v in value]
        if all(isinstance(v, dict) for v in items):
            return sorted(items, key=lambda v: json.dumps(v, sort_keys=True))
        return items
    return value


class InProcessTarget(EmulatorTarget):
    kind = "inprocess"

    def __init__(self, settings: RunSettings, app: Any):
        from umapi_mock.inprocess import MockUMAPI

        self.mock = MockUMAPI(app=app).start()
        creds = Credentials(
            self.mock.org_id, self.mock.client_id, self.mock.client_secret, self.mock.ims_host, self.mock.endpoint
        )
        super().__init__("inprocess", creds, settings, app)

    def close(self) -> None:
        super().close()
        self.mock.stop()


class ServedTarget(EmulatorTarget):
    kind = "served"

    def __init__(self, settings: RunSettings, app: Any, tls_dir: str | None = None):
        from umapi_mock.server import ServedEmulator
        from umapi_mock.tls import ensure_tls

        tls = ensure_tls(tls_dir or _shared_tls_dir())
        self.server = ServedEmulator(app, "127.0.0.1", 0, ssl_context=tls.server_context()).start()
        from umapi_mock.http.context import emulator_of

        backend = emulator_of(app).backend
        org = backend.org()
        cred = next(iter(org.credentials.values()))
        creds = Credentials(
            org.id,
            cred.client_id,
            cred.client_secret,
            self.server.netloc,
            f"{self.server.url}/v2/usermanagement",
            str(tls.ca_cert),
        )
        super().__init__(f"served {self.server.url}", creds, settings, app)

    def close(self) -> None:
        super().close()
        self.server.stop()


_TLS_DIR: tempfile.TemporaryDirectory[str] | None = None


def _shared_tls_dir() -> str:
    """One throw-away CA per process (removed at exit): key generation is the slow part of
    serving, and a process that runs the kit many times need not repeat it."""
    global _TLS_DIR
    if _TLS_DIR is None:
        _TLS_DIR = tempfile.TemporaryDirectory(prefix="umapi-contract-tls-")
    return _TLS_DIR.name


EMULATOR_DOMAIN = ("contract.example", "federatedID")
EMULATOR_USERS_PAGE = 4
EMULATOR_GROUPS_PAGE = 3


def build_emulator_app(seed: dict[str, Any] | None = None) -> Any:
    from umapi_mock.config import Config
    from umapi_mock.http.app import create_app

    config = Config(
        seed=seed or contract_seed(),
        seed_source="<contract seed>",
        users_page_size=EMULATOR_USERS_PAGE,
        groups_page_size=EMULATOR_GROUPS_PAGE,
    )
    return create_app(config)
