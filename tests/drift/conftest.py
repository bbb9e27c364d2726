"""Upstreams for the import / record / verify tests: emulator instances of their own, served
over HTTPS on 127.0.0.1, each behind a test-only WSGI tap that logs requests, keeps every
token IMS issued and can change one behaviour (the "altered upstream")."""

from __future__ import annotations

import copy
import io
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from umapi_mock.cli import main as cli_main
from umapi_mock.config import Config
from umapi_mock.contracts.seed_data import contract_seed
from umapi_mock.http.app import create_app
from umapi_mock.http.context import emulator_of
from umapi_mock.server import ServedEmulator

# (method, path, status, body) -> None (unchanged), (status, body) or (status, body, extra headers)
Rewrite = Callable[[str, str, int, bytes], Any]


class Tap:
    """WSGI middleware: logs (method, path, query), captures issued tokens, and lets a test
    fail or rewrite answers (see `Rewrite`)."""

    def __init__(self, app: Any):
        self.app = app
        self.requests: list[tuple[str, str, str]] = []
        self.tokens: set[str] = set()
        self.rewrite: Rewrite | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        self.requests.append((method, path, environ.get("QUERY_STRING", "")))
        environ.pop("HTTP_ACCEPT_ENCODING", None)  # bodies are read and rewritten here: identity ones
        captured: dict[str, Any] = {}

        def keep(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        body = b"".join(self.app(environ, keep))
        status = int(captured["status"].split()[0])
        headers = captured["headers"]
        if path.startswith("/ims/") and status == 200:
            token = json.loads(body).get("access_token")
            if token:
                self.tokens.add(token)
        if self.rewrite is not None:
            changed = self.rewrite(method, path, status, body)
            if changed is not None:
                status, body = changed[0], changed[1]
                headers = headers + list((changed[2] if len(changed) > 2 else {}).items())
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"] + [("Content-Length", str(len(body)))]
        start_response(f"{status} {'OK' if status == 200 else 'Changed'}", headers)
        return [body]

    def paths(self, method: str | None = None) -> list[str]:
        return [p for m, p, _q in self.requests if method is None or m == method]


@dataclass
class Upstream:
    app: Any
    server: ServedEmulator
    tap: Tap
    ca_path: str
    org_id: str
    client_id: str
    client_secret: str

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def netloc(self) -> str:
        return self.server.netloc

    def credentials_file(self, directory: Path) -> Path:
        path = directory / "upstream-credentials.yaml"
        path.write_text(
            f"org_id: '{self.org_id}'\nclient_id: '{self.client_id}'\n"
            f"client_secret: '{self.client_secret}'\nca_file: '{self.ca_path}'\n"
        )
        return path

    @property
    def backend(self) -> Any:
        return emulator_of(self.app).backend


def rich_seed() -> dict[str, Any]:
    """The contract kit's small org plus what an import must carry over: users that are not
    active, a username login, admins of a group, a profile and a product, a developer, a
    renamed sysadmin group and an Adobe ID."""
    seed = copy.deepcopy(contract_seed())
    org = seed["orgs"][0]
    org["sysadmin_name"] = "System Administrators"
    org["credentials"][0]["client_secret"] = "rich-upstream-secret-4711"
    org["users"] += [
        {
            "email": "dora.disabled@contract.example",
            "type": "federatedID",
            "firstname": "Dorothea",
            "lastname": "Quixwell",
            "status": "disabled",
            "groups": ["Team B"],
        },
        {
            "email": "lorenzo.locked@contract-ent.example",
            "type": "enterpriseID",
            "status": "locked",
            "groups": ["Pro Extra", "Team A"],
        },
        {
            "email": "maximilian.mail@contract.example",
            "username": "maxlogin",
            "type": "federatedID",
            "firstname": "Maximilian",
            "lastname": "Brightwater",
            "country": "AT",
            "groups": ["_admin_Team A", "_product_admin_Contract Lite", "_developer_Pro Default", "Lite Default"],
        },
        {
            "email": "gwendolyn.admin@contract.example",
            "type": "federatedID",
            "firstname": "Gwendolyn",
            "lastname": "Harrowgate",
            "groups": ["_admin_Pro Extra", "_org_admin", "Team B"],
        },
    ]
    return seed


def serve_upstream(
    tls_files: Any, seed: dict[str, Any] | None = None, users_page_size: int = 1000, groups_page_size: int = 400
) -> Upstream:
    """An emulator of its own behind a Tap, served over HTTPS on 127.0.0.1 (the caller stops it)."""
    config = Config(seed=seed, users_page_size=users_page_size, groups_page_size=groups_page_size)
    if seed is not None:
        config.seed_source = "<test seed>"
    app = create_app(config)
    tap = Tap(app.wsgi_app)
    app.wsgi_app = tap
    server = ServedEmulator(app, "127.0.0.1", 0, ssl_context=tls_files.server_context()).start()
    org = next(iter(emulator_of(app).backend.orgs.values()))
    cred = next(iter(org.credentials.values()))
    return Upstream(app, server, tap, str(tls_files.ca_cert), org.id, cred.client_id, cred.client_secret)


@pytest.fixture
def make_upstream(tls_files: Any) -> Iterator[Callable[..., Upstream]]:
    started: list[Upstream] = []

    def make(seed: dict[str, Any] | None = None, users_page_size: int = 1000, groups_page_size: int = 400) -> Upstream:
        started.append(serve_upstream(tls_files, seed, users_page_size, groups_page_size))
        return started[-1]

    yield make
    for upstream in started:
        upstream.server.stop()


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def run_cli(*argv: str) -> CliResult:
    """`umapi-mock ARGS` in this process; stdout and stderr captured."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = cli_main(list(argv))
        except SystemExit as exc:  # argparse
            code = int(exc.code or 0)
    return CliResult(code, out.getvalue(), err.getvalue())


def assert_one_line_error(result: CliResult, code: int) -> None:
    assert result.code == code, result
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1, result.err
    assert "Traceback" not in result.err


@dataclass
class RecorderProcess:
    """`umapi-mock record` in a subprocess, stopped by the test."""

    proc: subprocess.Popen[str]
    url: str = ""
    netloc: str = ""
    ca_path: str = ""
    banner: list[str] = field(default_factory=list)

    def stop(self) -> tuple[int, str]:
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            _out, err = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _out, err = self.proc.communicate()
        return self.proc.returncode, err


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")}


def start_recorder(args: list[str], tls_dir: Path) -> RecorderProcess:
    proc = subprocess.Popen(
        [sys.executable, "-m", "umapi_mock.cli", "record", "--port", "0", "--tls-dir", str(tls_dir), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(),
    )
    rec = RecorderProcess(proc)
    deadline = time.monotonic() + 120
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            _rc, err = rec.stop()
            raise AssertionError(f"recorder exited before serving: {err}")
        rec.banner.append(line)
        m = re.search(r"forwarding (https://(\S+?)) to", line)
        if m:
            rec.url, rec.netloc = m.group(1), m.group(2)
        m = re.search(r"CA certificate \(clients must trust it\): (\S+)", line)
        if m:
            rec.ca_path = m.group(1)
        if line.startswith("Press Ctrl-C"):
            return rec
    rec.stop()
    raise AssertionError("recorder did not start")


@pytest.fixture
def recorders() -> Iterator[list[RecorderProcess]]:
    running: list[RecorderProcess] = []
    yield running
    for rec in running:
        rec.stop()
