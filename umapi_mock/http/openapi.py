"""An OpenAPI 3.1 description of the surface the emulator serves, served at `/_mock/openapi.json`,
generated from the endpoint table (`http/routes.py`: paths, methods, operation ids, summaries,
schema names) and the wire schemas (`http/wire/schemas.py`, `http/wire/admin_schemas.py`).

This module holds what the table names by key: parameters, error answers and request bodies,
and how each surface (IMS, status, UMAPI, admin) turns an operation into OpenAPI.
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache
from typing import Any

from ..layers.fault_kinds import fault_rule_schema
from .routes import ENDPOINTS, Endpoint, Op
from .wire import products
from .wire.admin_schemas import ADMIN_SCHEMAS, obj
from .wire.schemas import HEADERS, RESPONSES, SCHEMAS, hdr, json_answer, ref

# A rule's variable -> its OpenAPI name, per surface (the admin API keeps Flask's names).
UMAPI_NAMES = {
    "org_id": "orgId",
    "user_string": "userString",
    "group_name": "groupName",
    "group_id": "groupId",
    "product_id": "productId",
    "profile_id": "profileId",
}
ADMIN_NAMES = {"rule_id": "id"}
_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")

PAGING_HEADERS = {
    "X-Total-Count": hdr("XTotalCount"),
    "X-Page-Count": hdr("XPageCount"),
    "X-Current-Page": hdr("XCurrentPage"),
    "X-Page-Size": hdr("XPageSize"),
}
GATEWAY_FAILURES = {
    "429": {"$ref": "#/components/responses/Throttled"},
    "500": {"$ref": "#/components/responses/ServerError"},
    "502": {"$ref": "#/components/responses/ServerError"},
    "503": {"$ref": "#/components/responses/ServerError"},
    "504": {"$ref": "#/components/responses/ServerError"},
}
UMAPI_FAILURES = {
    "400": {"$ref": "#/components/responses/BadRequest"},
    "401": {"$ref": "#/components/responses/Unauthorized"},
    "403": {"$ref": "#/components/responses/Forbidden"},
    **GATEWAY_FAILURES,
}
IMS_FAILURES = {
    "400": json_answer(ref("ImsError"), "Bad request, unknown client, bad scope or bad JWT (spec §1.6)"),
    "401": json_answer(ref("ImsError"), "Wrong client secret (`invalid_client`)"),
    **{k: v for k, v in GATEWAY_FAILURES.items() if k != "429"},
    "429": {"$ref": "#/components/responses/InjectedThrottle"},
}
SECURITY: list[dict[str, list[str]]] = [{"apiKey": [], "bearer": []}]
ADMIN_SECURITY: list[dict[str, list[str]]] = [{"adminToken": []}, {}]


def _param(
    name: str, where: str, description: str, schema: dict[str, Any] | None = None, required: bool | None = None
) -> dict[str, Any]:
    return {
        "name": name,
        "in": where,
        "required": where == "path" if required is None else required,
        "description": description,
        "schema": schema or {"type": "string"},
    }


_DIGITS = {"type": "string", "pattern": "^[0-9]+$"}
_PAGE_PARAMS = [
    _param("page", "query", "0-based page", {"type": "integer", "minimum": 0}, False),
    _param("size", "query", "page size, 1-500 (default 50)", {"type": "integer", "minimum": 1}, False),
]
# Parameter lists by the keys an `Op` names.
PARAMETERS: dict[str, list[dict[str, Any]]] = {
    "orgId": [
        _param(
            "orgId",
            "path",
            "Organization id, `<hex>@AdobeOrg`",
            {"type": "string", "pattern": "^[0-9A-Fa-f]+@AdobeOrg$"},
        )
    ],
    "page": [_param("page", "path", "0-based page index; past the end answers the last page", _DIGITS)],
    "page.deprecated": [_param("page", "query", "0-based page", _DIGITS, required=False)],
    "page.one_based": [_param("page", "query", "1-based page (0 is treated as 1)", _DIGITS)],
    "directOnly": [
        _param("directOnly", "query", "Only directly assigned profiles (case-insensitive boolean)", {"type": "string"})
    ],
    "domain.user": [_param("domain", "query", "`AdobeID` or the directory domain")],
    "domain.users": [_param("domain", "query", "Only users of this domain")],
    "userString": [
        _param("userString", "path", "Email or username, case-insensitive; rest of the path (may contain `/`)")
    ],
    "groupName": [
        _param("groupName", "path", "Group, profile or admin group name; rest of the path (may contain `/`)")
    ],
    "status.profile": [
        _param("status", "query", "Product profiles only", {"enum": ["active", "inactive", "ACTIVE", "INACTIVE"]})
    ],
    "excludeGroups": [_param("excludeGroups", "query", "Drop `groups` from every user (case-insensitive boolean)")],
    "groupId": [_param("groupId", "path", "Numeric group id")],
    "productId": [_param("productId", "path", "Product id (`RPC-…` unless seeded)")],
    "profileId": [_param("profileId", "path", "Profile id, `RGRP-<groupId>`")],
    "testOnly": [_param("testOnly", "query", "Validate only, change nothing (case-insensitive boolean)")],
    # --- admin API
    "org_id": [_param("org_id", "path", "Organization id")],
    "rule_id": [_param("id", "path", "Rule id")],
    "seq": [_param("seq", "path", "Sequence number", {"type": "integer"})],
    "user_id": [_param("user_id", "path", "uid or `24HEX@domain` id")],
    "gid": [_param("gid", "path", "Group id", {"type": "integer"})],
    "direct": [_param("direct", "query", "false: a profile's members through user groups too", required=False)],
    "page_params": _PAGE_PARAMS,
    "journal_filters": [
        _param("path", "query", "glob (`*`, `?`, `[`) or prefix", required=False),
        _param("status", "query", "`429`, `5xx`, `200,404`, `dropped`", required=False),
        _param("method", "query", "HTTP method", required=False),
        _param("client", "query", "client id", required=False),
        _param("answered_by", "query", "`handler`, `fault` or `throttle`", required=False),
        _param("touches", "query", "an email named in the path or a kept request body", required=False),
        _param("since", "query", "entries after this sequence number", {"type": "integer"}, False),
        _param("since_time", "query", "entries at or after this emulator time", {"type": "number"}, False),
        _param("limit", "query", "the newest N matches", {"type": "integer"}, False),
    ],
    "user_search": [
        _param("q", "query", "substring of email, user name, first or last name", required=False),
        _param("type", "query", "identity type", required=False),
        _param("status", "query", "user status", required=False),
        _param(
            "sort", "query", "`email`, `name`, `type`, `status`, `domain` (default: the org's order)", required=False
        ),
        _param("order", "query", "`asc` or `desc`", required=False),
    ],
    "group_search": [
        _param("type", "query", "group type", required=False),
        _param("q", "query", "name substring", required=False),
    ],
}

_ADMIN_ERROR = json_answer(ref("AdminError"), "Bad input or not found")
# Error answers by the keys an `Op` names: status -> response.
ERRORS: dict[str, tuple[str, dict[str, Any]]] = {
    "user_not_found": ("404", json_answer(ref("ResultError"), "No such (active) user: `error.user.not_found`")),
    "domain_not_found": (
        "404",
        json_answer(ref("ResultError"), "Unknown domain (emulator-specific `error.domain.not_found`)"),
    ),
    "group_not_found": ("404", json_answer(ref("ResultError"), "Unknown group: `error.group.not_found`")),
    "legacy_group_not_found": ("404", json_answer(ref("LegacyError"), "`GROUP_NOT_FOUND`")),
    "plc_not_found": ("404", json_answer(ref("LegacyError"), "`PLC_NOT_FOUND`: unknown product or profile")),
    "bad_profile_update": (
        "400",
        json_answer(
            {"anyOf": [ref("ResultError"), ref("LegacyError")]},
            "Bad org id (as every endpoint), or a bad body or unknown user (emulator-specific `errorCode`); nothing"
            " changed",
        ),
    ),
    "400": ("400", _ADMIN_ERROR),
    "404": ("404", _ADMIN_ERROR),
    "no_ca": ("404", json_answer(ref("AdminError"), "No CA of its own: plain HTTP, or --cert/--key")),
}

_IMS_FORM = {
    "type": "object",
    "properties": {
        "grant_type": {"const": "client_credentials"},
        "client_id": {"type": "string"},
        "client_secret": {"type": "string"},
        "scope": {"type": "string", "examples": ["openid,AdobeID,user_management_sdk"]},
    },
    "required": ["grant_type", "client_id", "client_secret", "scope"],
}
_JWT_FORM = {
    "type": "object",
    "properties": {
        "client_id": {"type": "string"},
        "client_secret": {"type": "string"},
        "jwt_token": {"type": "string"},
    },
    "required": ["client_id", "client_secret", "jwt_token"],
}
_ANY_RULES = {"application/json": {"schema": {"type": ["object", "array", "string"]}}}
_YAML = {"application/yaml": {"schema": {"type": "string"}}}
_FAULT_RULE = fault_rule_schema()  # from the registry of fault kinds
_FAULT_RULES = {
    "anyOf": [
        _FAULT_RULE,
        {"type": "array", "items": _FAULT_RULE},
        obj({"faults": {"type": "array", "items": _FAULT_RULE}}),
    ]
}
# Request bodies by the keys an `Op` names.
BODIES: dict[str, dict[str, Any]] = {
    "ims_token": {
        "content": {
            "application/x-www-form-urlencoded": {"schema": _IMS_FORM},
            "multipart/form-data": {"schema": _IMS_FORM},
        }
    },
    "ims_jwt": {"content": {"application/x-www-form-urlencoded": {"schema": _JWT_FORM}}},
    "action": {"required": True, "content": {"application/json": {"schema": ref("ActionRequest")}}},
    "profile_update": {"required": True, "content": {"application/json": {"schema": ref("ProfileUpdate")}}},
    "document": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}, **_YAML}},
    "rules": {"required": True, "content": {**_ANY_RULES, **_YAML}},
    "fault_rules": {"required": True, "content": {"application/json": {"schema": _FAULT_RULES}, **_YAML}},
    "advance": {
        "required": True,
        "content": {"application/json": {"schema": obj({"advance": {"type": "number", "minimum": 0}})}},
    },
}


def openapi_path(endpoint: Endpoint) -> str:
    """The endpoint's documented rule in OpenAPI spelling (`{orgId}`; no trailing `/`)."""
    names = ADMIN_NAMES if endpoint.surface == "admin" else UMAPI_NAMES
    path = endpoint.rule.rstrip("/") or "/"
    return _VARIABLE.sub(lambda m: "{" + names.get(m.group(1), m.group(1)) + "}", path)


def _ok(op: Op, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    if op.ok == "pem":
        return {"description": op.ok_text, "content": {"application/x-pem-file": {"schema": {"type": "string"}}}}
    if op.ok.startswith("["):
        schema: dict[str, Any] = {"type": "array", "items": ref(op.ok.strip("[]"))}
    else:
        schema = ref(op.ok) if op.ok else {"type": "object"}
    return json_answer(schema, op.ok_text, headers)


def operation(endpoint: Endpoint) -> dict[str, Any]:
    """The OpenAPI operation of a row of the table."""
    op = endpoint.op
    assert op is not None
    surface = endpoint.surface
    out: dict[str, Any] = {
        "summary": op.summary,
        "operationId": op.id,
        "tags": ["umapi" if surface == "status" else surface],
    }
    if op.description:
        out["description"] = op.description
    responses: dict[str, Any] = {op.status: _ok(op, PAGING_HEADERS if op.paged else None)}
    if surface == "umapi":
        out["security"] = SECURITY
        responses.update(UMAPI_FAILURES)
    elif surface == "ims":
        responses.update(IMS_FAILURES)
    elif surface == "status":
        responses.update(GATEWAY_FAILURES)
    elif op.ok == "pem":  # a certificate is public: no admin token
        out["security"] = []
    else:
        out["security"] = ADMIN_SECURITY
        responses["401"] = json_answer(ref("AdminError"), "The admin token is needed")
    for key in op.errors:
        status, answer = ERRORS[key]
        responses[status] = answer
    out["responses"] = responses
    params = [p for key in op.params for p in PARAMETERS[key]]
    if params:
        out["parameters"] = params
    if op.body:
        out["requestBody"] = BODIES[op.body]
    if endpoint.deprecated:
        out["deprecated"] = True
    return out


def _build() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for endpoint in ENDPOINTS:
        if endpoint.op is not None:
            for method in endpoint.methods:
                paths.setdefault(openapi_path(endpoint), {})[method.lower()] = operation(endpoint)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "umapi-mock: Adobe User Management API and IMS emulator",
            "version": "1.0.0",
            "description": (
                "The surface served by umapi-mock on one port: IMS token endpoints, `/status` and UMAPI v2. "
                "Every response carries `X-Request-Id`. 429 on UMAPI paths comes from the throttle "
                "(spec §4.4) or fault injection; 5xx only from fault injection. The admin API under "
                "`/_mock/` (tag `admin`) needs `Authorization: Bearer <admin token>` when the emulator was "
                "started with one; the console at `/_mock/ui/` is built on it."
            ),
        },
        "tags": [{"name": "ims"}, {"name": "umapi"}, {"name": "admin", "description": "The emulator's own API"}],
        "paths": paths,
        "components": {
            "schemas": {**SCHEMAS, **products.SCHEMAS, **ADMIN_SCHEMAS},
            "headers": HEADERS,
            "responses": RESPONSES,
            "securitySchemes": {
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key", "description": "The client id"},
                "bearer": {"type": "http", "scheme": "bearer", "description": "IMS access token"},
                "adminToken": {"type": "http", "scheme": "bearer", "description": "The admin token (`--admin-token`)"},
            },
        },
    }


@lru_cache(maxsize=1)
def _cached() -> dict[str, Any]:
    return _build()


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document (a fresh copy each call)."""
    return copy.deepcopy(_cached())
