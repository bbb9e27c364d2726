"""JSON schemas of the UMAPI, IMS and status wire shapes, with the shared headers and error
answers: the components of the OpenAPI document (`http/openapi.py` puts them together with
the operations of the endpoint table). The deprecated products API keeps its schemas beside
its shapes (`wire/products.py`), the admin API in `wire/admin_schemas.py`.

Schemas describe what the emulator answers, closely (`additionalProperties: false`), so the
test that validates real responses against them catches drift in either direction.
"""

from __future__ import annotations

from typing import Any

from ...domain.limits import ENTRIES_PER_REQUEST, STEPS_PER_ENTRY


def _ims_token(unit: str) -> dict[str, Any]:
    """A token answer; the flows differ only in the unit of `expires_in` (spec §1.3, §1.4)."""
    return {
        "type": "object",
        "properties": {
            "access_token": {"type": "string"},
            "token_type": {"const": "bearer"},
            "expires_in": {"type": "integer", "description": unit},
        },
        "required": ["access_token", "token_type", "expires_in"],
        "additionalProperties": False,
    }


def _action_problem(code_key: str) -> dict[str, Any]:
    """An entry of an action response's `errors` or `warnings` (spec §3.7)."""
    return {
        "type": "object",
        "properties": {
            "index": {"type": "integer", "minimum": 0},
            "step": {"type": "integer", "minimum": 0},
            "requestID": {"type": "string"},
            "message": {"type": "string"},
            "user": {"type": "string"},
            code_key: {"type": "string"},
        },
        "required": ["index", "step", "message", code_key],
        "additionalProperties": False,
    }


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def json_answer(schema: dict[str, Any], description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        out["headers"] = headers
    return out


def hdr(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


SCHEMAS: dict[str, Any] = {
    "User": {
        "type": "object",
        "description": "Spec §2.2; unset fields are omitted",
        "properties": {
            "id": {"type": "string"},
            "email": {"type": "string"},
            "status": {"enum": ["active", "disabled", "locked", "removed"]},
            "username": {"type": "string"},
            "domain": {"type": "string"},
            "firstname": {"type": "string"},
            "lastname": {"type": "string"},
            "country": {"type": "string"},
            "type": {"enum": ["adobeID", "enterpriseID", "federatedID", "unknown"]},
            "groups": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        },
        "required": ["email", "status", "username", "domain", "type"],
        "additionalProperties": False,
    },
    "Group": {
        "type": "object",
        "description": "Spec §2.3",
        "properties": {
            "groupId": {"type": "integer"},
            "groupName": {"type": "string"},
            "type": {
                "enum": [
                    "USER_GROUP",
                    "PRODUCT_PROFILE",
                    "SYSADMIN_GROUP",
                    "DEPLOYMENT_ADMIN_GROUP",
                    "SUPPORT_ADMIN_GROUP",
                    "PRODUCT_ADMIN_GROUP",
                    "PROFILE_ADMIN_GROUP",
                    "USER_ADMIN_GROUP",
                    "DEVELOPER_GROUP",
                    "CONTRACT_ADMIN_GROUP",
                ]
            },
            "memberCount": {"type": "integer", "minimum": 0},
            "adminGroupName": {"type": "string"},
            "userGroupName": {"type": "string"},
            "productProfileName": {"type": "string"},
            "productName": {"type": "string"},
            "licenseQuota": {"type": "string"},
            "contractName": {"type": "string"},
        },
        "required": ["groupId", "groupName", "type", "memberCount"],
        "additionalProperties": False,
    },
    "DeprecatedUser": {
        "type": "object",
        "description": "Spec §2.6, `/{orgId}/users` items (camelCase; `adminRoles` only here)",
        "properties": {
            "id": {"type": "string"},
            "email": {"type": "string"},
            "status": {"enum": ["active", "disabled", "locked", "removed"]},
            "groups": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "username": {"type": "string"},
            "domain": {"type": "string"},
            "firstName": {"type": "string"},
            "lastName": {"type": "string"},
            "countryCode": {"type": "string"},
            "userType": {"enum": ["adobeID", "enterpriseID", "federatedID", "unknown"]},
            "adminRoles": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        },
        "required": ["id", "email", "status", "username", "domain", "userType"],
        "additionalProperties": False,
    },
    "DeprecatedUserGroup": {
        "type": "object",
        "description": "Spec §2.6, `/{orgId}/user-groups` items",
        "properties": {
            "groupId": {"type": "integer"},
            "name": {"type": "string"},
            "type": {"const": "USER_GROUP"},
            "adminGroupId": {"type": "string"},
            "adminGroupName": {"type": "string"},
            "userCount": {"type": "integer", "minimum": 0},
            "adminCount": {"type": "string"},
            "isReadOnly": {"type": "boolean"},
        },
        "required": ["groupId", "name", "type"],
        "additionalProperties": False,
    },
    "GetUserResponse": {
        "type": "object",
        "properties": {"result": {"const": "success"}, "user": ref("User")},
        "required": ["result", "user"],
        "additionalProperties": False,
    },
    "UsersPage": {
        "type": "object",
        "properties": {
            "lastPage": {"type": "boolean"},
            "result": {"const": "success"},
            "users": {"type": "array", "items": ref("User")},
        },
        "required": ["lastPage", "result", "users"],
        "additionalProperties": False,
    },
    "UsersInGroupPage": {
        "type": "object",
        "properties": {
            "lastPage": {"type": "boolean"},
            "result": {"const": "success"},
            "groupName": {"type": "string"},
            "users": {"type": "array", "items": ref("User")},
        },
        "required": ["lastPage", "result", "groupName", "users"],
        "additionalProperties": False,
    },
    "GroupsPage": {
        "type": "object",
        "properties": {
            "lastPage": {"type": "boolean"},
            "result": {"const": "success"},
            "groups": {"type": "array", "items": ref("Group")},
        },
        "required": ["lastPage", "result", "groups"],
        "additionalProperties": False,
    },
    "ActionRequest": {
        "type": "array",
        "description": "Spec §3.1: at most 10 entries, each with `user` or `usergroup` and a `do` list",
        "maxItems": ENTRIES_PER_REQUEST,
        "items": {
            "type": "object",
            "properties": {
                "user": {"type": "string"},
                "usergroup": {"type": "string"},
                "requestID": {"type": "string"},
                "domain": {"type": "string"},
                "useAdobeID": {"type": "boolean"},
                "do": {
                    "type": "array",
                    "maxItems": STEPS_PER_ENTRY,
                    "items": {"type": "object", "minProperties": 1, "maxProperties": 1},
                },
            },
            "required": ["do"],
        },
    },
    "ActionError": _action_problem("errorCode"),
    "ActionWarning": _action_problem("warningCode"),
    "ActionResponse": {
        "type": "object",
        "description": "Spec §3.7: HTTP 200 even when every entry failed; `errors`/`warnings` omitted when empty",
        "properties": {
            "completed": {"type": "integer", "minimum": 0},
            "notCompleted": {"type": "integer", "minimum": 0},
            "completedInTestMode": {"type": "integer", "minimum": 0},
            "result": {"enum": ["success", "partial", "error"]},
            "errors": {"type": "array", "items": ref("ActionError"), "minItems": 1},
            "warnings": {"type": "array", "items": ref("ActionWarning"), "minItems": 1},
        },
        "required": ["completed", "notCompleted", "completedInTestMode", "result"],
        "additionalProperties": False,
    },
    "Status": {
        "type": "object",
        "properties": {
            "build": {"type": "string"},
            "version": {"type": "string"},
            "side": {"type": "string"},
            "environment": {"type": "string"},
            "state": {"type": "string"},
        },
        "required": ["state"],
        "additionalProperties": False,
    },
    "ImsToken": _ims_token("seconds"),
    "ImsJwtToken": _ims_token("MILLISECONDS (spec §6 A2)"),
    "ImsError": {
        "type": "object",
        "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
        "required": ["error"],
        "additionalProperties": False,
    },
    "GatewayError": {
        "type": "object",
        "description": "Adobe gateway body (spec §4.1, §6 A40, A41)",
        "properties": {"error_code": {"type": "string", "pattern": "^[0-9]{6}$"}, "message": {"type": "string"}},
        "required": ["error_code", "message"],
        "additionalProperties": False,
    },
    "ResultError": {
        "type": "object",
        "description": "UMAPI error body: `result` is an error key",
        "properties": {
            "lastPage": {"type": "boolean"},
            "result": {"type": "string", "pattern": "^error\\."},
            "message": {"type": "string"},
        },
        "required": ["result"],
        "additionalProperties": False,
    },
    "LegacyError": {
        "type": "object",
        "description": "Older error body (bad path value; deprecated API not-found)",
        "properties": {"errorMessage": {"type": "string"}, "errorCode": {"type": "string"}},
        "required": ["errorMessage"],
        "additionalProperties": False,
    },
}

HEADERS: dict[str, Any] = {
    "XTotalCount": {
        "description": "Total matching objects",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    },
    "XPageCount": {
        "description": "Pages available",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    },
    "XCurrentPage": {
        "description": "Index of the page returned (0-based on v2 paths)",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    },
    "XPageSize": {
        "description": "Entries in this page",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    },
    "RetryAfter": {
        "description": "Integer seconds (never a decimal) or an HTTP-date",
        "schema": {
            "type": "string",
            "pattern": "^([0-9]+|[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT)$",
        },
    },
    "XRequestId": {
        "description": "The request's X-Request-Id, or a generated 32-character id",
        "required": True,
        "schema": {"type": "string"},
    },
}

RESPONSES: dict[str, Any] = {
    "BadRequest": json_answer({"anyOf": [ref("ResultError"), ref("LegacyError")]}, "Bad org id, page or query value"),
    "Unauthorized": {
        **json_answer(ref("ResultError"), "Invalid or expired token, or the token's org is not the path org"),
        "headers": {"WWW-Authenticate": {"required": True, "schema": {"type": "string"}}},
    },
    "Forbidden": json_answer(
        {"anyOf": [ref("GatewayError"), ref("ResultError")]},
        "Missing/invalid API key, missing bearer token, scope mismatch (gateway) or org migrating",
    ),
    "Throttled": json_answer(
        ref("GatewayError"),
        'Rate limit (spec §4.3/§4.4): `{"error_code":"429050","message":"Too many requests"}`',
        {"Retry-After": hdr("RetryAfter"), "Server": {"schema": {"const": "APIP"}}},
    ),
    "InjectedThrottle": json_answer(
        ref("GatewayError"),
        "Only from fault injection (IMS is never throttled)",
        {"Retry-After": hdr("RetryAfter")},
    ),
    "ServerError": json_answer(
        ref("GatewayError"),
        "Only from fault injection or an emulator bug (gateway-style body, spec §6 A41)",
        {"Retry-After": hdr("RetryAfter")},
    ),
}
