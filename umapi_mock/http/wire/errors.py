"""Error bodies: catalogue entries (`domain/errors.py`) filled in with their parameters, the
gateway bodies of injected fault statuses, and the transport's own catalogue: what the HTTP
layer and the server refuse before (or instead of) any domain outcome: bodies that do not
decode (400, 415 with `Accept-Encoding`), oversized requests (413, 414, 431), unknown routes
and methods (404, 405), server errors and the gateway statuses only fault rules produce."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from ...domain.errors import CATALOGUE, ErrorSpec, UmapiError, extend_catalogue

TRANSPORT_ERRORS: dict[str, ErrorSpec] = {
    # --- bodies, routes and methods the app refuses
    "request.bad_encoding": ErrorSpec(
        400, {"result": "error.request.invalid", "message": "Request body is not valid {coding} data"}
    ),
    "request.unsupported_encoding": ErrorSpec(
        415,
        {"result": "error.request.invalid", "message": "Unsupported Content-Encoding: {coding}"},
        {"Accept-Encoding": "gzip, deflate"},
    ),
    "request.body_too_large": ErrorSpec(
        413, {"result": "error.request.too_large", "message": "Decoded request body exceeds {limit} bytes"}
    ),
    "route.not_found": ErrorSpec(404, {"result": "error.resource.not_found", "message": "No resource at {path}"}),
    "route.method_not_allowed": ErrorSpec(
        405, {"result": "error.method.not_allowed", "message": "Method {method} not allowed on {path}"}
    ),
    "server.internal": ErrorSpec(500, {"error_code": "500000", "message": "Internal server error"}),
    # --- gateway answers only fault rules produce (spec §4.3, §6 A41)
    "gateway.bad_gateway": ErrorSpec(502, {"error_code": "502000", "message": "Bad gateway"}),
    "gateway.unavailable": ErrorSpec(503, {"error_code": "503000", "message": "Service unavailable"}),
    "gateway.timeout": ErrorSpec(504, {"error_code": "504000", "message": "Gateway timeout"}),
    # --- refused by the server before the app, gateway-style as the other transport errors (spec §6 A41)
    "request.malformed": ErrorSpec(400, {"error_code": "400000", "message": "Bad request: {detail}"}),
    "request.too_large": ErrorSpec(413, {"error_code": "413000", "message": "Request body larger than {limit} bytes"}),
    "request.uri_too_long": ErrorSpec(
        414, {"error_code": "414000", "message": "Request line longer than {limit} bytes"}
    ),
    "request.headers_too_large": ErrorSpec(
        431, {"error_code": "431000", "message": "Request headers larger than {limit} bytes"}
    ),
}
extend_catalogue(TRANSPORT_ERRORS)  # raised as UmapiError(key) like the domain's own

# The body an injected status answers with, unless the fault rule gives its own (spec §4.1,
# §4.3, §6 A41); other statuses get a generic gateway body.
GATEWAY_STATUS_KEYS: dict[int, str] = {
    429: "gateway.throttled",
    500: "server.internal",
    502: "gateway.bad_gateway",
    503: "gateway.unavailable",
    504: "gateway.timeout",
}


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
