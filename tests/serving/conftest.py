"""Helpers for the serving tests: an in-process server with chosen limits, raw-socket
HTTP exchanges, and `umapi-mock serve` as a user runs it (a subprocess)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.processes import ServeProcess
from umapi_mock.config import Config
from umapi_mock.http.app import create_app
from umapi_mock.seed import DEMO_ORG_ID
from umapi_mock.server import Limits, ServedEmulator

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID, CLIENT_SECRET = "test-client", "test-secret"
S2S = {
    "grant_type": "client_credentials",
    "client_id": CLIENT_ID,
    "client_secret": CLIENT_SECRET,
    "scope": "openid,AdobeID,user_management_sdk",
}


@contextmanager
def serving(
    limits: Limits | None = None, config: Config | None = None, ssl_context: Any = None
) -> Iterator[ServedEmulator]:
    app = create_app(config or Config())
    with ServedEmulator(app, "127.0.0.1", 0, ssl_context=ssl_context, limits=limits) as served:
        yield served


def session() -> requests.Session:
    s = requests.Session()
    s.trust_env = False
    return s


def token(url: str, verify: Any = False) -> str:
    r = session().post(f"{url}/ims/token/v2", data=S2S, verify=verify, timeout=30)
    r.raise_for_status()
    return str(r.json()["access_token"])


def umapi_headers(url: str, verify: Any = False) -> dict[str, str]:
    return {"X-Api-Key": CLIENT_ID, "Authorization": f"Bearer {token(url, verify)}"}


@dataclass
class RawResponse:
    status_line: str
    headers: dict[str, str]
    body: bytes

    @property
    def status(self) -> int:
        return int(self.status_line.split(" ")[1])

    def json(self) -> Any:
        return json.loads(self.body)


def connect(served: ServedEmulator, timeout: float = 10) -> socket.socket:
    return socket.create_connection(("127.0.0.1", served.port), timeout=timeout)


def read_response(sock: socket.socket) -> RawResponse:
    """One response from `sock` (Content-Length framed), reading no byte past it."""
    data = b""
    while not data.endswith(b"\r\n\r\n"):
        chunk = sock.recv(1)
        if not chunk:
            raise ConnectionError(f"closed before a whole head: {data!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(length - len(rest))
        if not chunk:
            break
        rest += chunk
    return RawResponse(lines[0], headers, rest[:length])


def exchange(served: ServedEmulator, data: bytes) -> RawResponse:
    with connect(served) as sock:
        sock.sendall(data)
        return read_response(sock)


def closed_by_peer(sock: socket.socket) -> bool:
    """True when the server has closed `sock` (EOF or reset), reading what is left."""
    try:
        while True:
            if not sock.recv(65536):
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except (TimeoutError, BlockingIOError):
        return False


# ------------------------------------------------------------------ the CLI


@pytest.fixture
def processes() -> Iterator[list[ServeProcess]]:
    started: list[ServeProcess] = []
    yield started
    for p in started:
        p.kill()


def add_fault(url: str, rule: dict[str, Any]) -> None:
    r = session().post(f"{url}/_mock/faults", json=rule, timeout=10)
    assert r.status_code == 201, r.text


__all__ = ["DEMO_ORG_ID"]
