"""A served emulator for runs of the kit's own console command: HTTPS with a throw-away CA, and
the environment that names its org, credential and CA the way the kit reads them."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from umapi_mock.http.context import emulator_of
from umapi_mock.server import ServedEmulator
from umapi_mock.tls import ensure_tls


@contextmanager
def served_for_kit(app: Any) -> Iterator[tuple[str, dict[str, str], Any]]:
    """(base URL, the kit's environment, the emulator handle) while `app` is served."""
    emulator = emulator_of(app)
    with tempfile.TemporaryDirectory() as tls_dir:
        tls = ensure_tls(tls_dir)
        with ServedEmulator(app, "127.0.0.1", 0, ssl_context=tls.server_context()) as served:
            org = emulator.backend.org()
            cred = next(iter(org.credentials.values()))
            env = {k: v for k, v in os.environ.items() if not k.startswith(("UMAPI_", "HYPOTHESIS_", "PYTEST_"))}
            env.update(
                UMAPI_ORG_ID=org.id,
                UMAPI_CLIENT_ID=cred.client_id,
                UMAPI_CLIENT_SECRET=cred.client_secret,
                UMAPI_CA_FILE=str(tls.ca_cert),
            )
            yield served.url, env, emulator
