"""`--jwt on|off|retired` (docs/fidelity.md, "JWT modes"): the JWT exchange served, refused
for every credential, or answered as Adobe's IMS has since JWT's end of life (2025-01-27)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.processes import ServeProcess, cli_env
from tests.world import assertion, core_seed
from umapi_mock.config import Config
from umapi_mock.http.app import create_app

S2S = {
    "grant_type": "client_credentials",
    "client_id": "client-a",
    "client_secret": "secret-a",
    "scope": "openid,AdobeID,user_management_sdk",
}


def _client(**config: Any) -> Any:
    return create_app(Config(seed=core_seed(), **config)).test_client()


def _exchange(client: Any, **over: str) -> Any:
    params = {"client_id": "client-a", "client_secret": "secret-a", "jwt_token": assertion()}
    params.update(over)
    return client.post("/ims/exchange/jwt", data=params)


def test_retired_refuses_every_exchange_as_an_integration_without_a_jwt_binding() -> None:
    c = _client(jwt="retired")
    retired = {"error": "invalid_client", "error_description": "Integration does not exist"}
    for over in ({}, {"client_id": "nobody"}, {"client_secret": "wrong"}, {"jwt_token": "not-a-jwt"}):
        r = _exchange(c, **over)
        assert (r.status_code, r.get_json()) == (400, retired), over
    # a request missing a parameter is still answered for what it lacks
    assert _exchange(c, client_id="").get_json()["error"] == "invalid_request"
    # the OAuth Server-to-Server exchange Adobe moved everyone to is unaffected
    assert c.post("/ims/token/v3", data=S2S).status_code == 200


@pytest.mark.parametrize("config", [{"jwt": "off"}, {"jwt_enabled": False}], ids=["jwt-off", "jwt_enabled-false"])
def test_off_refuses_the_exchange_for_a_known_client(config: dict[str, Any]) -> None:
    c = _client(**config)
    r = _exchange(c)
    assert r.status_code == 400 and r.get_json() == {
        "error": "invalid_client",
        "error_description": "JWT exchange is not available for this client",
    }
    assert _exchange(c, client_id="nobody").get_json()["error_description"] == "invalid client_id parameter"


def test_on_serves_the_exchange() -> None:
    r = _exchange(_client(jwt="on"))
    assert r.status_code == 200 and r.get_json()["expires_in"] == 86399999


@pytest.mark.parametrize(
    ("args", "mode"), [((), "on"), (("--jwt", "retired"), "retired"), (("--no-jwt",), "off"), (("--jwt", "off"), "off")]
)
@pytest.mark.slow  # starts a `umapi-mock serve` process
def test_banner_names_the_mode_and_the_served_exchange_follows_it(
    tmp_path: Path, args: tuple[str, ...], mode: str
) -> None:
    proc = ServeProcess(*args, cwd=tmp_path)
    try:
        r = requests.post(
            f"{proc.url}/ims/exchange/jwt",
            data={"client_id": "test-client", "client_secret": "test-secret", "jwt_token": "x.y.z"},
            timeout=10,
        )
        description = r.json().get("error_description")
        expected = {
            "on": "Could not decode the JWT",
            "off": "JWT exchange is not available for this client",
            "retired": "Integration does not exist",
        }[mode]
        assert (r.status_code, description) == (400, expected)
    finally:
        proc.kill()


@pytest.mark.slow  # starts a Python process
def test_banner_line(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", _BANNER_PROBE],
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "JWT exchange (/ims/exchange/jwt): retired" in lines[0]
    assert "JWT exchange (/ims/exchange/jwt): on" in lines[1]


_BANNER_PROBE = """
from umapi_mock.cli import banner
from umapi_mock.config import Config
from umapi_mock.http.app import create_app
class S: host = "127.0.0.1"; port = 1; scheme = "http"; netloc = "127.0.0.1:1"
for mode in ("retired", "on"):
    text = banner(create_app(Config(jwt=mode)), S, None)
    print(" | ".join(line for line in text.splitlines() if line.startswith("JWT exchange")))
"""


@pytest.mark.slow  # starts a `umapi-mock serve` process
def test_no_jwt_contradicting_jwt_mode_is_one_line_exit_2(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "umapi_mock.cli", "serve", "--no-tls", "--port", "0", "--no-jwt", "--jwt", "retired"],
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
    )
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0 and "--no-jwt is --jwt off" in out.stderr
