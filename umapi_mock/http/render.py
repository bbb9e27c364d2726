"""Turning domain outcomes into HTTP responses: compact JSON, catalogue errors."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import Response

from ..domain.errors import UmapiError
from .compression import CachedBody
from .wire.errors import error_body

JSON = "application/json"


def dumps(body: Any) -> str:
    """Compact JSON; NaN and infinities are refused (ValueError), never sent: they are not JSON."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def json_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """A JSON answer; a `CachedBody` is sent as its identity bytes and remembered on the
    response, so content negotiation reuses its compressed copies."""
    if isinstance(body, CachedBody):
        response = Response(body.identity, status=status, headers=dict(headers or {}), content_type=JSON)
        response.cached_body = body  # type: ignore[attr-defined]
        return response
    data = body if isinstance(body, (bytes, str)) else dumps(body)
    return Response(data, status=status, headers=dict(headers or {}), content_type=JSON)


def error_response(error: UmapiError) -> Response:
    spec = error.spec
    body = error_body(error)
    if body is None:
        return Response(b"", status=spec.status, headers=dict(spec.headers))
    return json_response(body, spec.status, spec.headers)
