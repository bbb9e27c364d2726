"""Constants and helpers shared by the client tests (fake hosts, request decoding)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import responses

IMS_HOST = "ims.example.test"
UMAPI_ROOT = "https://umapi.example.test"
ENDPOINT = UMAPI_ROOT + "/v2/usermanagement"
ORG = "0123456789ABCDEF@AdobeOrg"
CLIENT_ID = "client-id-1234567890"
CLIENT_SECRET = "p8e-SECRET-do-not-log-42"
S2S_URL = f"https://{IMS_HOST}/ims/token/v2/"
JWT_URL = f"https://{IMS_HOST}/ims/exchange/jwt/"
ACTION_URL = f"{ENDPOINT}/action/{ORG}"


class FakeClock:
    """The authenticators' `now=` clock (local datetimes, as 3.0.1 uses), moved by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, 12, 0, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def add_s2s_token(
    rsps: responses.RequestsMock, token: str = "access-token-AAA", expires_in: Any = 86399, status: int = 200
) -> None:
    body: dict[str, Any] = {"access_token": token, "token_type": "bearer", "expires_in": expires_in}
    rsps.add(responses.POST, S2S_URL, json=body, status=status)


def form_of(call: Any) -> dict[str, str]:
    body = call.request.body
    if isinstance(body, bytes):
        body = body.decode()
    return {k: v[0] for k, v in parse_qs(body or "").items()}


def json_of(call: Any) -> Any:
    body = call.request.body
    if isinstance(body, bytes):
        body = body.decode()
    return json.loads(body)


def calls_to(rsps: responses.RequestsMock, prefix: str, method: str | None = None) -> list[Any]:
    return [
        c for c in rsps.calls if c.request.url.startswith(prefix) and (method is None or c.request.method == method)
    ]


def action_ok(count: int = 1) -> dict[str, Any]:
    return {"completed": count, "notCompleted": 0, "completedInTestMode": 0, "result": "success"}
