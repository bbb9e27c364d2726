"""What the suite records of each request: the exchange (for reports, redacted there)
and the reply the contracts read."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests


@dataclass
class Exchange:
    """One request and its response, kept for reports (redacted there)."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: Any
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    elapsed_ms: float = 0.0
    attempts: int = 1

    def as_report(self) -> dict[str, Any]:
        return {
            "request": {
                "method": self.method,
                "url": self.url,
                "headers": self.request_headers,
                "body": _clip(self.request_body),
            },
            "response": {"status": self.status, "headers": self.headers, "body": _clip(self.body)},
        }


def _clip(value: Any, limit: int = 4000) -> Any:
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + f"... ({len(value)} chars)"
    if isinstance(value, list) and len(json.dumps(value, default=str)) > limit:
        return value[:5] + [f"... ({len(value)} items)"]
    if isinstance(value, dict):
        text = json.dumps(value, default=str)
        if len(text) > limit:
            return {k: _clip(v, limit // 4) for k, v in value.items()}
    return value


class Reply:
    """A response: status, case-insensitive headers, text and parsed JSON."""

    def __init__(self, status: int, headers: Mapping[str, str], text: str, exchange: Exchange):
        self.status = status
        self.headers = requests.structures.CaseInsensitiveDict(headers)
        self.text = text
        self.exchange = exchange
        self._json: Any = UNSET

    def json(self) -> Any:
        if self._json is UNSET:
            self._json = json.loads(self.text)
        return self._json

    def json_or_none(self) -> Any:
        try:
            return self.json()
        except ValueError:
            return None

    def __repr__(self) -> str:
        return f"<Reply {self.exchange.method} {self.exchange.url} -> {self.status}>"


UNSET: Any = object()  # "no JSON body given" / "not parsed yet"


def recorded_body(body: Any) -> Any:
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            return f"<{len(body)} bytes>"
    if isinstance(body, str):
        try:
            return json.loads(body)
        except ValueError:
            return body
    return body
