"""Error bodies: catalogue entries (`domain/errors.py`) filled in with their parameters, and
the gateway bodies of injected fault statuses."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from ...domain.errors import CATALOGUE, GATEWAY_STATUS_KEYS, UmapiError


def error_body(error: UmapiError) -> dict[str, Any] | None:
    """The entry's body with `{placeholders}` filled; None for an empty body."""
    template = error.spec.body
    if template is None:
        return None
    return {k: (v.format(**error.params) if isinstance(v, str) else v) for k, v in template.items()}


def gateway_body(status: int) -> dict[str, Any]:
    """What the gateway answers with `status` when a fault rule gives no body."""
    key = GATEWAY_STATUS_KEYS.get(status)
    if key is not None:
        return dict(CATALOGUE[key].body or {})
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return {"error_code": f"{status}000", "message": phrase}
