"""The error catalogue: every non-action error of UMAPI, its gateway and IMS, as data.

Handlers raise `UmapiError(key, **params)`; the HTTP layer (`http/wire/errors.py`) renders
the catalogue entry and adds the transport's own entries (bodies that do not decode, routes
and methods that do not exist, oversized requests, server errors), which are not the domain's.
Keeping statuses and bodies here (spec §1.6, §2.5, §4.1) means a wrong body is fixed in
one place and the contract kit can enumerate what the emulator claims to produce.
Per-command action error codes live in `action_errors.py` (they travel inside a 200).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

WWW_AUTHENTICATE = 'Bearer realm="JIL", error="invalid_token", error_description="The access token is invalid"'


@dataclass(frozen=True)
class ErrorSpec:
    status: int
    body: dict[str, Any] | None  # string values may hold {placeholders}; None = empty body
    headers: dict[str, str] = field(default_factory=dict)
    note: str = ""


CATALOGUE: dict[str, ErrorSpec] = {
    # --- gateway (spec §4.1, §6 A40): checked before UMAPI sees the request
    "gateway.api_key_missing": ErrorSpec(403, {"error_code": "403000", "message": "Api Key is required"}),
    "gateway.api_key_invalid": ErrorSpec(403, {"error_code": "403003", "message": "Api Key is invalid"}),
    "gateway.token_missing": ErrorSpec(403, {"error_code": "403010", "message": "Oauth token is missing."}),
    "gateway.scope_mismatch": ErrorSpec(403, {"error_code": "403011", "message": "Scope mismatch"}),
    "gateway.throttled": ErrorSpec(429, {"error_code": "429050", "message": "Too many requests"}, {"Server": "APIP"}),
    # --- token and organization (spec §4.1, §6 A39)
    "auth.invalid_token": ErrorSpec(
        401,
        {"lastPage": False, "result": "error.unauthorized", "message": "Failed to authenticate provided token"},
        {"WWW-Authenticate": WWW_AUTHENTICATE},
    ),
    "org.invalid_id": ErrorSpec(400, {"result": "error.organization.invalid_id", "message": "Bad organization Id"}),
    "org.mismatch": ErrorSpec(
        401,
        {"result": "error.organization.invalid", "message": "Invalid Organization"},
        {"WWW-Authenticate": WWW_AUTHENTICATE},
    ),
    "org.migrating": ErrorSpec(
        403, {"result": "error.organization.migrating", "message": "Organization {org} is migrating"}
    ),
    # --- reads (spec §2.5)
    "user.not_found": ErrorSpec(404, {"result": "error.user.not_found", "message": "User not found {user}"}),
    "group.not_found": ErrorSpec(
        404, {"lastPage": False, "result": "error.group.not_found", "message": "Not found: Group {group}"}
    ),
    "domain.not_found": ErrorSpec(
        404,
        {"lastPage": False, "result": "error.domain.not_found", "message": "Not found: Domain {domain}"},
        note="emulator-specific code (spec §6 A44)",
    ),
    "request.bad_path_value": ErrorSpec(
        400, {"errorMessage": 'For input string: "{value}"'}, note="real-world body for a bad page (spec §4.1)"
    ),
    "request.bad_query_value": ErrorSpec(
        400, {"result": "error.request.invalid", "message": "Invalid value for query parameter {name}: {value}"}
    ),
    "deprecated.group_not_found": ErrorSpec(404, {"errorMessage": "GROUP_NOT_FOUND", "errorCode": "GROUP_NOT_FOUND"}),
    "deprecated.plc_not_found": ErrorSpec(
        404, {"errorMessage": "PLC_NOT_FOUND", "errorCode": "PLC_NOT_FOUND"}, note="partials/notFound.md (plc)"
    ),
    "deprecated.bad_body": ErrorSpec(
        400, {"errorMessage": "{detail}", "errorCode": "INVALID_REQUEST"}, note="emulator-specific code"
    ),
    "deprecated.user_not_found": ErrorSpec(
        400, {"errorMessage": "User not found: {user}", "errorCode": "USER_NOT_FOUND"}, note="emulator-specific code"
    ),
    # --- action early validation (spec §3.7, §6 A29, A32)
    "action.malformed": ErrorSpec(400, {"result": "error.command.malformed", "message": "{detail}"}),
    # --- a change the data dir could not save: undone, never served (the emulator's own answers)
    "server.not_saved": ErrorSpec(
        503,
        {"error_code": "503000", "message": "Service unavailable: the change could not be saved; retry later"},
        {"Retry-After": "5"},
    ),
    "server.storage_full": ErrorSpec(
        507, {"error_code": "507000", "message": "Insufficient storage: the change could not be saved; retry later"}
    ),
    # --- IMS (spec §1.6, §6 A1, A5)
    "ims.invalid_request": ErrorSpec(400, {"error": "invalid_request", "error_description": "{detail}"}),
    "ims.unsupported_grant_type": ErrorSpec(
        400, {"error": "unsupported_grant_type", "error_description": "Unsupported grant_type: {grant_type}"}
    ),
    "ims.invalid_client": ErrorSpec(401, {"error": "invalid_client", "error_description": "{detail}"}),
    "ims.unknown_client": ErrorSpec(400, {"error": "invalid_client", "error_description": "{detail}"}),
    "ims.invalid_scope": ErrorSpec(400, {"error": "invalid_scope", "error_description": "{detail}"}),
    "ims.invalid_token": ErrorSpec(400, {"error": "invalid_token", "error_description": "{detail}"}),
    "ims.bad_request": ErrorSpec(400, {"error": "bad_request", "error_description": "{detail}"}),
    "ims.disabled": ErrorSpec(
        400, {"error": "invalid_client", "error_description": "JWT exchange is not available for this client"}
    ),
    # `--jwt retired`: every credential was converted to OAuth S2S, so no JWT binding exists
    # (Adobe's JWT error table: 400 invalid_client for an integration that does not exist).
    "ims.jwt_retired": ErrorSpec(400, {"error": "invalid_client", "error_description": "Integration does not exist"}),
}


def extend_catalogue(entries: Mapping[str, ErrorSpec]) -> None:
    """Outer layers add the errors of their own: the HTTP layer its transport refusals
    (`http/wire/errors.py`: 405, 413, 414, 415, 431 and their headers), which are no domain
    outcome. A key is never redefined."""
    for key, spec in entries.items():
        if CATALOGUE.get(key, spec) != spec:
            raise ValueError(f"error key {key!r} is already defined")
        CATALOGUE[key] = spec


class UmapiError(Exception):
    """A domain outcome that the HTTP layer answers with a catalogue entry."""

    def __init__(self, key: str, **params: Any):
        if key not in CATALOGUE:
            raise KeyError(f"unknown error key {key!r}")
        super().__init__(key)
        self.key = key
        self.params = params

    @property
    def spec(self) -> ErrorSpec:
        return CATALOGUE[self.key]

    def __str__(self) -> str:
        return f"{self.key} {self.params}"
