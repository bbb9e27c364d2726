"""An OpenAPI 3.1 description of the surface the emulator serves (IMS, `/status`, UMAPI v2
reads, the deprecated user-group reads and the action API), served at `/_mock/openapi.json`.

Schemas describe what the emulator answers, closely (`additionalProperties: false`), so the
test that validates real responses against them catches drift in either direction.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

from ..domain.limits import ENTRIES_PER_REQUEST, STEPS_PER_ENTRY

UMAPI = "/v2/usermanagement"


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


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        out["headers"] = headers
    return out


def _hdr(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


PAGING_HEADERS = {
    "X-Total-Count": _hdr("XTotalCount"),
    "X-Page-Count": _hdr("XPageCount"),
    "X-Current-Page": _hdr("XCurrentPage"),
    "X-Page-Size": _hdr("XPageSize"),
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
    "400": _json(_ref("ImsError"), "Bad request, unknown client, bad scope or bad JWT (spec §1.6)"),
    "401": _json(_ref("ImsError"), "Wrong client secret (`invalid_client`)"),
    **{k: v for k, v in GATEWAY_FAILURES.items() if k != "429"},
    "429": {"$ref": "#/components/responses/InjectedThrottle"},
}


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


ORG_ID = _param(
    "orgId", "path", "Organization id, `<hex>@AdobeOrg`", {"type": "string", "pattern": "^[0-9A-Fa-f]+@AdobeOrg$"}
)
PAGE = _param(
    "page", "path", "0-based page index; past the end answers the last page", {"type": "string", "pattern": "^[0-9]+$"}
)
DIRECT_ONLY = _param(
    "directOnly", "query", "Only directly assigned profiles (case-insensitive boolean)", {"type": "string"}
)
DEPRECATED_PAGE = _param("page", "query", "0-based page", {"type": "string", "pattern": "^[0-9]+$"}, required=False)
PRODUCT_ID = _param("productId", "path", "Product id (`RPC-…` unless seeded)")
PROFILE_ID = _param("profileId", "path", "Profile id, `RGRP-<groupId>`")
SECURITY: list[dict[str, list[str]]] = [{"apiKey": [], "bearer": []}]
PRODUCT_PROPERTIES: dict[str, Any] = {
    "id": {"type": "string"},
    "code": {"type": "string"},
    "name": {"type": "string"},
    "userCount": {"type": "integer", "minimum": 0},
    "configurationCount": {"type": "integer", "minimum": 0},
    "licenseQuota": {"type": "integer", "minimum": 0},
}
PLC_NOT_FOUND = {"404": _json(_ref("LegacyError"), "`PLC_NOT_FOUND`: unknown product or profile")}


def _umapi_get(
    summary: str,
    op_id: str,
    params: list[dict[str, Any]],
    ok: dict[str, Any],
    extra: dict[str, Any] | None = None,
    deprecated: bool = False,
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "operationId": op_id,
        "tags": ["umapi"],
        "security": SECURITY,
        "parameters": params,
        "responses": {"200": ok, **UMAPI_FAILURES, **(extra or {})},
    }
    if deprecated:
        op["deprecated"] = True
    return op


def _ims_token_op(op_id: str, flow: str) -> dict[str, Any]:
    form = {
        "type": "object",
        "properties": {
            "grant_type": {"const": "client_credentials"},
            "client_id": {"type": "string"},
            "client_secret": {"type": "string"},
            "scope": {"type": "string", "examples": ["openid,AdobeID,user_management_sdk"]},
        },
        "required": ["grant_type", "client_id", "client_secret", "scope"],
    }
    return {
        "summary": f"OAuth Server-to-Server token ({flow}); also served with a trailing `/`",
        "description": "Parameters may come in the query string, an urlencoded body or a multipart body (merged, the body wins).",
        "operationId": op_id,
        "tags": ["ims"],
        "requestBody": {
            "content": {"application/x-www-form-urlencoded": {"schema": form}, "multipart/form-data": {"schema": form}}
        },
        "responses": {"200": _json(_ref("ImsToken"), "An access token; `expires_in` in seconds"), **IMS_FAILURES},
    }


def _build() -> dict[str, Any]:
    schemas: dict[str, Any] = {
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
        "DeprecatedProduct": {
            "type": "object",
            "description": "QueryProducts.md item",
            "properties": PRODUCT_PROPERTIES,
            "required": list(PRODUCT_PROPERTIES),
            "additionalProperties": False,
        },
        "DeprecatedProfile": {
            "type": "object",
            "description": "getProductProfile.md: `id` is `RGRP-<licenseGroupId>`; `licenseQuota` null when unlimited",
            "properties": {
                "id": {"type": "string", "pattern": "^RGRP-[0-9]+$"},
                "adminCount": {"type": "integer", "minimum": 0},
                "userCount": {"type": "integer", "minimum": 0},
                "licenseQuota": {"type": ["integer", "null"], "minimum": 0},
                "licenseGroupId": {"type": "integer"},
                "adminGroupId": {"type": "integer"},
                "orgId": {"type": "string"},
                "productId": {"type": "string"},
            },
            "required": ["id", "adminCount", "userCount", "licenseQuota", "licenseGroupId", "orgId", "productId"],
            "additionalProperties": False,
        },
        "DeprecatedProductProfiles": {
            "type": "object",
            "description": "getAllProfilesForOrg.md: the product with its profiles",
            "properties": {
                **PRODUCT_PROPERTIES,
                "licenseConfigurations": {"type": "array", "items": _ref("DeprecatedProfile")},
            },
            "required": [*PRODUCT_PROPERTIES, "licenseConfigurations"],
            "additionalProperties": False,
        },
        "DeprecatedProfileUser": {
            "type": "object",
            "description": "getProductProfileUsers.md item",
            "properties": {
                "id": {"type": "string"},
                "email": {"type": "string"},
                "username": {"type": "string"},
                "domain": {"type": "string"},
                "firstName": {"type": "string"},
                "lastName": {"type": "string"},
                "userType": {"enum": ["adobeID", "enterpriseID", "federatedID", "unknown"]},
            },
            "required": ["id", "email", "username", "domain", "userType"],
            "additionalProperties": False,
        },
        "DeprecatedUserGroupUser": {
            "type": "object",
            "description": "QueryUserGroups.md item",
            "properties": {
                "email": {"type": "string"},
                "firstName": {"type": "string"},
                "lastName": {"type": "string"},
                "countryCode": {"type": "string"},
                "status": {"enum": ["active", "disabled", "locked", "removed"]},
                "userType": {"enum": ["adobeID", "enterpriseID", "federatedID", "unknown"]},
            },
            "required": ["email", "status", "userType"],
            "additionalProperties": False,
        },
        "ProfileUpdate": {
            "type": "object",
            "description": "updateProductProfile.md body: every list optional, at least one given",
            "properties": {
                k: {"type": "array", "items": {"type": "string", "minLength": 1}}
                for k in (
                    "addUsers",
                    "removeUsers",
                    "addUserGroups",
                    "removeUserGroups",
                    "addAdminUsers",
                    "removeAdminUsers",
                )
            },
            "minProperties": 1,
            "additionalProperties": False,
        },
        "GetUserResponse": {
            "type": "object",
            "properties": {"result": {"const": "success"}, "user": _ref("User")},
            "required": ["result", "user"],
            "additionalProperties": False,
        },
        "UsersPage": {
            "type": "object",
            "properties": {
                "lastPage": {"type": "boolean"},
                "result": {"const": "success"},
                "users": {"type": "array", "items": _ref("User")},
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
                "users": {"type": "array", "items": _ref("User")},
            },
            "required": ["lastPage", "result", "groupName", "users"],
            "additionalProperties": False,
        },
        "GroupsPage": {
            "type": "object",
            "properties": {
                "lastPage": {"type": "boolean"},
                "result": {"const": "success"},
                "groups": {"type": "array", "items": _ref("Group")},
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
                "errors": {"type": "array", "items": _ref("ActionError"), "minItems": 1},
                "warnings": {"type": "array", "items": _ref("ActionWarning"), "minItems": 1},
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
    headers = {
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
    responses = {
        "BadRequest": _json({"anyOf": [_ref("ResultError"), _ref("LegacyError")]}, "Bad org id, page or query value"),
        "Unauthorized": {
            **_json(_ref("ResultError"), "Invalid or expired token, or the token's org is not the path org"),
            "headers": {"WWW-Authenticate": {"required": True, "schema": {"type": "string"}}},
        },
        "Forbidden": _json(
            {"anyOf": [_ref("GatewayError"), _ref("ResultError")]},
            "Missing/invalid API key, missing bearer token, scope mismatch (gateway) or org migrating",
        ),
        "Throttled": _json(
            _ref("GatewayError"),
            'Rate limit (spec §4.3/§4.4): `{"error_code":"429050","message":"Too many requests"}`',
            {"Retry-After": _hdr("RetryAfter"), "Server": {"schema": {"const": "APIP"}}},
        ),
        "InjectedThrottle": _json(
            _ref("GatewayError"),
            "Only from fault injection (IMS is never throttled)",
            {"Retry-After": _hdr("RetryAfter")},
        ),
        "ServerError": _json(
            _ref("GatewayError"),
            "Only from fault injection or an emulator bug (gateway-style body, spec §6 A41)",
            {"Retry-After": _hdr("RetryAfter")},
        ),
    }
    paths: dict[str, Any] = {
        "/status": {
            "get": {
                "summary": "Service status (no auth)",
                "operationId": "status",
                "tags": ["umapi"],
                "responses": {"200": _json(_ref("Status"), "Service status"), **GATEWAY_FAILURES},
            }
        },
        "/ims/token/v2": {"post": _ims_token_op("imsTokenV2", "v2")},
        "/ims/token/v3": {"post": _ims_token_op("imsTokenV3", "v3")},
        "/ims/exchange/jwt": {
            "post": {
                "summary": "Deprecated JWT exchange; also served with a trailing `/`",
                "operationId": "imsExchangeJwt",
                "tags": ["ims"],
                "requestBody": {
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "client_id": {"type": "string"},
                                    "client_secret": {"type": "string"},
                                    "jwt_token": {"type": "string"},
                                },
                                "required": ["client_id", "client_secret", "jwt_token"],
                            }
                        }
                    }
                },
                "responses": {
                    "200": _json(_ref("ImsJwtToken"), "An access token; `expires_in` in milliseconds"),
                    **IMS_FAILURES,
                },
            }
        },
        f"{UMAPI}/organizations/{{orgId}}/users/{{userString}}": {
            "get": _umapi_get(
                "Get User",
                "getUser",
                [
                    ORG_ID,
                    _param(
                        "userString", "path", "Email or username, case-insensitive; rest of the path (may contain `/`)"
                    ),
                    _param("domain", "query", "`AdobeID` or the directory domain"),
                ],
                _json(_ref("GetUserResponse"), "The user"),
                {"404": _json(_ref("ResultError"), "No such (active) user: `error.user.not_found`")},
            )
        },
        f"{UMAPI}/users/{{orgId}}/{{page}}": {
            "get": _umapi_get(
                "Users in Organization (active users only, 2000 per page)",
                "getUsers",
                [ORG_ID, PAGE, _param("domain", "query", "Only users of this domain"), DIRECT_ONLY],
                _json(_ref("UsersPage"), "A page of users", PAGING_HEADERS),
                {"404": _json(_ref("ResultError"), "Unknown domain (emulator-specific `error.domain.not_found`)")},
            )
        },
        f"{UMAPI}/users/{{orgId}}/{{page}}/{{groupName}}": {
            "get": _umapi_get(
                "Users by Group",
                "getUsersInGroup",
                [
                    ORG_ID,
                    PAGE,
                    _param(
                        "groupName", "path", "Group, profile or admin group name; rest of the path (may contain `/`)"
                    ),
                    DIRECT_ONLY,
                    _param(
                        "status",
                        "query",
                        "Product profiles only",
                        {"enum": ["active", "inactive", "ACTIVE", "INACTIVE"]},
                    ),
                    _param("excludeGroups", "query", "Drop `groups` from every user (case-insensitive boolean)"),
                ],
                _json(_ref("UsersInGroupPage"), "A page of group members", PAGING_HEADERS),
                {"404": _json(_ref("ResultError"), "Unknown group: `error.group.not_found`")},
            )
        },
        f"{UMAPI}/groups/{{orgId}}/{{page}}": {
            "get": _umapi_get(
                "User Groups and Product Profiles (400 per page)",
                "getGroups",
                [ORG_ID, PAGE],
                _json(_ref("GroupsPage"), "A page of groups", PAGING_HEADERS),
            )
        },
        f"{UMAPI}/{{orgId}}/users": {
            "get": _umapi_get(
                "Deprecated: users, 0-based `page` query, 400 per page",
                "getDeprecatedUsers",
                [
                    ORG_ID,
                    _param("page", "query", "0-based page", {"type": "string", "pattern": "^[0-9]+$"}),
                    DIRECT_ONLY,
                ],
                _json({"type": "array", "items": _ref("DeprecatedUser")}, "A page of users", PAGING_HEADERS),
                deprecated=True,
            )
        },
        f"{UMAPI}/{{orgId}}/user-groups": {
            "get": _umapi_get(
                "Deprecated: user groups, 1-based `page` query",
                "getDeprecatedUserGroups",
                [
                    ORG_ID,
                    _param(
                        "page", "query", "1-based page (0 is treated as 1)", {"type": "string", "pattern": "^[0-9]+$"}
                    ),
                ],
                _json({"type": "array", "items": _ref("DeprecatedUserGroup")}, "A page of user groups", PAGING_HEADERS),
                deprecated=True,
            )
        },
        f"{UMAPI}/{{orgId}}/user-groups/{{groupId}}": {
            "get": _umapi_get(
                "Deprecated: one user group",
                "getDeprecatedUserGroup",
                [ORG_ID, _param("groupId", "path", "Numeric group id")],
                _json(_ref("DeprecatedUserGroup"), "The user group"),
                {"404": _json(_ref("LegacyError"), "`GROUP_NOT_FOUND`")},
                deprecated=True,
            )
        },
        f"{UMAPI}/{{orgId}}/user-groups/{{groupId}}/users": {
            "get": _umapi_get(
                "Deprecated: a user group's members, 0-based `page` query, 400 per page",
                "getDeprecatedUserGroupUsers",
                [ORG_ID, _param("groupId", "path", "Numeric group id"), DEPRECATED_PAGE],
                _json({"type": "array", "items": _ref("DeprecatedUserGroupUser")}, "A page of members", PAGING_HEADERS),
                {"404": _json(_ref("LegacyError"), "`GROUP_NOT_FOUND`")},
                deprecated=True,
            )
        },
        f"{UMAPI}/{{orgId}}/products": {
            "get": _umapi_get(
                "Deprecated: products, 0-based `page` query, 400 per page",
                "getDeprecatedProducts",
                [ORG_ID, DEPRECATED_PAGE],
                _json({"type": "array", "items": _ref("DeprecatedProduct")}, "A page of products", PAGING_HEADERS),
                deprecated=True,
            )
        },
        f"{UMAPI}/{{orgId}}/products/{{productId}}/configurations": {
            "get": _umapi_get(
                "Deprecated: a product with its profiles",
                "getDeprecatedProductProfiles",
                [ORG_ID, PRODUCT_ID],
                _json(_ref("DeprecatedProductProfiles"), "The product and its profiles"),
                PLC_NOT_FOUND,
                deprecated=True,
            )
        },
        f"{UMAPI}/{{orgId}}/products/{{productId}}/configurations/{{profileId}}": {
            "get": _umapi_get(
                "Deprecated: one product profile",
                "getDeprecatedProfile",
                [ORG_ID, PRODUCT_ID, PROFILE_ID],
                _json(_ref("DeprecatedProfile"), "The profile"),
                PLC_NOT_FOUND,
                deprecated=True,
            ),
            "post": {
                **_umapi_get(
                    "Deprecated: add/remove a profile's users, user groups and admins (all or nothing)",
                    "updateDeprecatedProfile",
                    [ORG_ID, PRODUCT_ID, PROFILE_ID],
                    _json(_ref("DeprecatedProfile"), "The updated profile"),
                    {
                        "400": _json(
                            _ref("LegacyError"),
                            "Bad body or unknown user (emulator-specific `errorCode`); nothing changed",
                        ),
                        **PLC_NOT_FOUND,
                    },
                    deprecated=True,
                ),
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("ProfileUpdate")}}},
            },
        },
        f"{UMAPI}/{{orgId}}/products/{{productId}}/configurations/{{profileId}}/users": {
            "get": _umapi_get(
                "Deprecated: a profile's direct members, 0-based `page` query, 400 per page",
                "getDeprecatedProfileUsers",
                [ORG_ID, PRODUCT_ID, PROFILE_ID, DEPRECATED_PAGE],
                _json({"type": "array", "items": _ref("DeprecatedProfileUser")}, "A page of members", PAGING_HEADERS),
                PLC_NOT_FOUND,
                deprecated=True,
            )
        },
        f"{UMAPI}/action/{{orgId}}": {
            "post": {
                "summary": "Action API: create/update/remove users and groups, manage memberships",
                "operationId": "action",
                "tags": ["umapi"],
                "security": SECURITY,
                "parameters": [
                    ORG_ID,
                    _param("testOnly", "query", "Validate only, change nothing (case-insensitive boolean)"),
                ],
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("ActionRequest")}}},
                "responses": {
                    "200": _json(_ref("ActionResponse"), "Processed (possibly with per-entry errors)"),
                    **UMAPI_FAILURES,
                },
            }
        },
    }
    schemas.update(_admin_schemas())
    paths.update(_admin_paths())
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
            "schemas": schemas,
            "headers": headers,
            "responses": responses,
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


# ------------------------------------------------------------------ admin API

ADMIN = "/_mock"
ADMIN_SECURITY: list[dict[str, list[str]]] = [{"adminToken": []}, {}]
NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_INT = {"type": ["integer", "null"]}


def _obj(properties: dict[str, Any], required: list[str] | None = None, closed: bool = True) -> dict[str, Any]:
    """An object schema; `required` defaults to every property."""
    out: dict[str, Any] = {"type": "object", "properties": properties}
    out["required"] = list(properties) if required is None else required
    if closed:
        out["additionalProperties"] = False
    return out


def _admin_schemas() -> dict[str, Any]:
    count_map = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
    user_page = {
        "page": {"type": "integer", "description": "0-based; past the end answers the last page"},
        "page_count": {"type": "integer"},
        "page_size": {"type": "integer"},
        "total": {"type": "integer"},
        "users": {"type": "array", "items": _ref("ConsoleUser")},
    }
    return {
        "AdminError": _obj(
            {"error": {"type": "string"}, "message": {"type": "string"}, "path": {}, "problem": {}},
            ["error", "message"],
        ),
        "AdminOk": _obj({"result": {"const": "ok"}}, ["result"], closed=False),
        "Clock": _obj({"now": {"type": "number"}, "offset": {"type": "number"}}),
        "ThrottleLimit": _obj(
            {"per_client": NULLABLE_INT, "global": NULLABLE_INT, "window": {"type": "number"}},
        ),
        "ThrottlePolicy": _obj(
            {
                "mode": {"enum": ["off", "documented", "field", "custom"]},
                "families": {"type": "object", "additionalProperties": _ref("ThrottleLimit")},
                "sync_interval": {
                    "type": ["number", "null"],
                    "description": "Seconds a client's run window lasts (running-frequency control); null = off",
                },
            }
        ),
        "SyncState": _obj(
            {
                "interval": {"type": ["number", "null"]},
                "clients": {
                    "type": "object",
                    "additionalProperties": _obj(
                        {
                            "opened": {"type": "number"},
                            "run": {"type": "string", "description": "digest of the run's bearer token"},
                            "calls": {"type": "integer"},
                            "sync_starts": {"type": "integer"},
                            "ended": {"type": ["number", "null"]},
                            "refused": {"type": "integer"},
                            "reopens_at": {"type": "number"},
                            "open": {"type": "boolean"},
                            "retry_after": {"type": "integer"},
                        }
                    ),
                },
            }
        ),
        "Credential": _obj(
            {
                "client_id": {"type": "string"},
                "tech_account": {"type": "string"},
                "scopes": {"type": "array", "items": {"type": "string"}},
                "metascopes": {"type": "array", "items": {"type": "string"}},
                "certificates": {"type": "integer", "minimum": 0, "description": "how many are bound (never the PEM)"},
            }
        ),
        "OrgSummary": _obj(
            {
                "id": {"type": "string"},
                "sysadmin_name": {"type": "string"},
                "migrating": {"type": "boolean"},
                "domains": {
                    "type": "array",
                    "items": _obj({"name": {"type": "string"}, "type": {"enum": ["enterprise", "federated"]}}),
                },
                "products": {"type": "array", "items": {"type": "string"}},
                "users": {"type": "integer"},
                "groups": {"type": "integer"},
                "users_by_type": count_map,
                "users_by_status": count_map,
                "groups_by_type": count_map,
                "credentials": {"type": "array", "items": _ref("Credential")},
            }
        ),
        "Overview": _obj(
            {
                "version": {"type": "string"},
                "started": {"type": "number", "description": "epoch seconds (real clock)"},
                "uptime_seconds": {"type": "number"},
                "clock": _ref("Clock"),
                "settings": _obj(
                    {
                        "users_page_size": {"type": "integer"},
                        "groups_page_size": {"type": "integer"},
                        "token_ttl": {"type": "integer"},
                        "jwt_enabled": {"type": "boolean"},
                        "journal_size": {"type": "integer"},
                        "journal_bodies": {"type": "integer"},
                        "admin_token_required": {"type": "boolean"},
                        "persistence": _obj({"enabled": {"type": "boolean"}, "data_dir": {"type": ["string", "null"]}}),
                        "throttle": _ref("ThrottlePolicy"),
                        "fault_rules": {"type": "integer"},
                    }
                ),
                "orgs": {"type": "array", "items": _ref("OrgSummary")},
            }
        ),
        "ConsoleUser": _obj(
            {
                "uid": {"type": "integer"},
                "id": {"type": "string", "description": "the deprecated API's `24HEX@domain` id"},
                "email": {"type": "string"},
                "username": {"type": "string"},
                "firstname": NULLABLE_STRING,
                "lastname": NULLABLE_STRING,
                "type": {"enum": ["adobeID", "enterpriseID", "federatedID"]},
                "status": {"enum": ["active", "disabled", "locked", "removed"]},
                "domain": {"type": "string"},
                "country": NULLABLE_STRING,
                "groups": {"type": "array", "items": {"type": "string"}, "description": "direct memberships"},
            }
        ),
        "ConsoleUserPage": _obj(user_page),
        "ConsoleGroupMembers": _obj({"group": _ref("ConsoleGroup"), **user_page}),
        "ConsoleMembership": _obj(
            {
                "gid": {"type": "integer"},
                "name": {"type": "string"},
                "type": {"type": "string"},
                "via": NULLABLE_STRING,
                "licensed": {"type": ["boolean", "null"], "description": "profiles: within the quota"},
            },
            ["gid", "name", "type", "licensed"],
        ),
        "ConsoleUserDetail": _obj(
            {
                "user": _ref("ConsoleUser"),
                "direct": {"type": "array", "items": _ref("ConsoleMembership")},
                "indirect": {"type": "array", "items": _ref("ConsoleMembership")},
                "admin_roles": {
                    "type": "array",
                    "items": _obj({"role": {"type": "string"}, "group": {"type": "string"}, "of": NULLABLE_STRING}),
                },
                "requests": {"type": "array", "items": _ref("JournalEntry")},
            }
        ),
        "ConsoleGroup": _obj(
            {
                "gid": {"type": "integer"},
                "name": {"type": "string"},
                "type": {"type": "string"},
                "description": NULLABLE_STRING,
                "product": NULLABLE_STRING,
                "quota": NULLABLE_INT,
                "used": {**NULLABLE_INT, "description": "profiles: licences handed out"},
                "members": {"type": "integer", "description": "direct members"},
                "admin_group": NULLABLE_STRING,
                "administers": NULLABLE_STRING,
                "profiles": {"type": "array", "items": {"type": "string"}},
                "read_only": {"type": "boolean"},
            }
        ),
        "JournalEntry": _obj(
            {
                "seq": {"type": "integer"},
                "time": {"type": "number"},
                "method": {"type": "string"},
                "path": {"type": "string"},
                "query": {"type": "object"},
                "status": NULLABLE_INT,
                "latency_ms": {"type": "number"},
                "client_id": NULLABLE_STRING,
                "org_id": NULLABLE_STRING,
                "request_id": NULLABLE_STRING,
                "family": NULLABLE_STRING,
                "ims": {"type": "boolean"},
                "request_sha256": NULLABLE_STRING,
                "request_bytes": {"type": "integer"},
                "response_sha256": NULLABLE_STRING,
                "response_bytes": {"type": "integer"},
                "answered_by": {"enum": ["handler", "fault", "throttle"]},
                "fault": {"anyOf": [{"type": "null"}, _obj({"id": {"type": "string"}, "kind": {"type": "string"}})]},
                "pragma": NULLABLE_STRING,
            }
        ),
        "JournalBody": _obj(
            {
                "content_type": NULLABLE_STRING,
                "bytes": {"type": "integer", "description": "the whole body's size"},
                "truncated": {"type": "boolean", "description": "only the first 64 KiB are kept"},
                "text": {**NULLABLE_STRING, "description": "redacted; null for an empty body"},
            }
        ),
        "JournalEntryDetail": _obj(
            {
                "entry": _ref("JournalEntry"),
                "bodies_kept": {"type": "boolean"},
                "request": {"anyOf": [{"type": "null"}, _ref("JournalBody")]},
                "response": {"anyOf": [{"type": "null"}, _ref("JournalBody")]},
                "curl": {"type": "string"},
                "throttle": {
                    "anyOf": [
                        {"type": "null"},
                        _obj(
                            {
                                "family": {"type": "string"},
                                "limit": {"anyOf": [{"type": "null"}, _ref("ThrottleLimit")]},
                            }
                        ),
                    ]
                },
            }
        ),
        "Journal": _obj(
            {
                "entries": {"type": "array", "items": _ref("JournalEntry")},
                "count": {"type": "integer"},
                "last_seq": {"type": "integer"},
                "size": {"type": "integer"},
                "evicted": {"type": "integer"},
            }
        ),
    }


def _admin_op(
    summary: str,
    op_id: str,
    ok: dict[str, Any],
    params: list[dict[str, Any]] | None = None,
    errors: tuple[str, ...] = (),
    body: dict[str, Any] | None = None,
    status: str = "200",
) -> dict[str, Any]:
    responses: dict[str, Any] = {status: ok, "401": _json(_ref("AdminError"), "The admin token is needed")}
    for code in errors:
        responses[code] = _json(_ref("AdminError"), "Bad input or not found")
    op: dict[str, Any] = {
        "summary": summary,
        "operationId": op_id,
        "tags": ["admin"],
        "security": ADMIN_SECURITY,
        "responses": responses,
    }
    if params:
        op["parameters"] = params
    if body is not None:
        op["requestBody"] = {"required": True, "content": body}
    return op


def _admin_paths() -> dict[str, Any]:
    org = _param("org_id", "path", "Organization id")
    any_json = {"type": ["object", "array", "string"]}
    doc_body = {"application/json": {"schema": {"type": "object"}}, "application/yaml": {"schema": {"type": "string"}}}
    rule_body = {"application/json": {"schema": any_json}, "application/yaml": {"schema": {"type": "string"}}}
    state = _json({"type": "object", "description": "seed-file format"}, "The state")
    ok = _json(_ref("AdminOk"), "Done")
    journal_filters = [
        _param("path", "query", "glob (`*`, `?`, `[`) or prefix", required=False),
        _param("status", "query", "`429`, `5xx`, `200,404`, `dropped`", required=False),
        _param("method", "query", "HTTP method", required=False),
        _param("client", "query", "client id", required=False),
        _param("answered_by", "query", "`handler`, `fault` or `throttle`", required=False),
        _param("touches", "query", "an email named in the path or a kept request body", required=False),
        _param("since", "query", "entries after this sequence number", {"type": "integer"}, False),
        _param("since_time", "query", "entries at or after this emulator time", {"type": "number"}, False),
        _param("limit", "query", "the newest N matches", {"type": "integer"}, False),
    ]
    page_params = [
        _param("page", "query", "0-based page", {"type": "integer", "minimum": 0}, False),
        _param("size", "query", "page size, 1-500 (default 50)", {"type": "integer", "minimum": 1}, False),
    ]
    return {
        f"{ADMIN}": {"get": _admin_op("The admin endpoints", "adminIndex", _json({"type": "object"}, "A list"))},
        f"{ADMIN}/state": {
            "get": _admin_op("The whole state (client secrets included)", "getState", state),
            "put": _admin_op("Replace every org", "putState", ok, errors=("400",), body=doc_body),
        },
        f"{ADMIN}/orgs/{{org_id}}/state": {
            "get": _admin_op("One org's state", "getOrgState", state, [org], ("404",)),
            "put": _admin_op("Replace or add one org", "putOrgState", ok, [org], ("400",), doc_body),
        },
        f"{ADMIN}/orgs/{{org_id}}/reset": {
            "post": _admin_op("One org back to its seed", "resetOrg", ok, [org], ("404",)),
        },
        f"{ADMIN}/reset": {"post": _admin_op("Every org back to the seed", "reset", ok)},
        f"{ADMIN}/journal": {
            "get": _admin_op(
                "Journal entries, oldest first",
                "getJournal",
                _json(_ref("Journal"), "Entries"),
                journal_filters,
                ("400",),
            ),
            "delete": _admin_op("Forget every entry", "clearJournal", ok),
        },
        f"{ADMIN}/journal/{{seq}}": {
            "get": _admin_op(
                "One entry with its redacted bodies (the newest entries keep theirs) and a curl command",
                "getJournalEntry",
                _json(_ref("JournalEntryDetail"), "The entry"),
                [_param("seq", "path", "Sequence number", {"type": "integer"})],
                ("404",),
            )
        },
        f"{ADMIN}/faults": {
            "get": _admin_op(
                "Fault rules, in the order they are tried", "listFaults", _json({"type": "object"}, "Rules")
            ),
            "post": _admin_op(
                "Add one rule or a list (all or none)",
                "addFaults",
                _json({"type": "object"}, "Ids"),
                errors=("400",),
                body=rule_body,
                status="201",
            ),
            "delete": _admin_op("Remove every rule", "clearFaults", ok),
        },
        f"{ADMIN}/faults/{{id}}": {
            "get": _admin_op(
                "One rule",
                "getFault",
                _json({"type": "object"}, "The rule"),
                [_param("id", "path", "Rule id")],
                ("404",),
            ),
            "delete": _admin_op("Remove one rule", "deleteFault", ok, [_param("id", "path", "Rule id")], ("404",)),
        },
        f"{ADMIN}/throttle": {
            "get": _admin_op(
                "The throttle policy and the requests counted in each window",
                "getThrottle",
                _json(
                    _obj({"policy": _ref("ThrottlePolicy"), "usage": {"type": "object"}, "syncs": _ref("SyncState")}),
                    "Policy, usage, and each client's run window (running-frequency control)",
                ),
            ),
            "put": _admin_op(
                "Set the policy (resets every window)",
                "putThrottle",
                _json(_obj({"policy": _ref("ThrottlePolicy")}), "The policy"),
                errors=("400",),
                body=rule_body,
            ),
            "delete": _admin_op("Empty every window", "clearThrottle", ok),
        },
        f"{ADMIN}/clock": {
            "get": _admin_op("The emulator clock", "getClock", _json(_ref("Clock"), "The clock")),
            "post": _admin_op(
                'Move the clock forward: `{"advance": seconds}`',
                "moveClock",
                _json(_ref("Clock"), "The clock"),
                errors=("400",),
                body={"application/json": {"schema": _obj({"advance": {"type": "number", "minimum": 0}})}},
            ),
        },
        f"{ADMIN}/openapi.json": {
            "get": _admin_op("This document", "openapi", _json({"type": "object"}, "OpenAPI 3.1"))
        },
        f"{ADMIN}/ca.pem": {
            "get": {
                "summary": "The local CA certificate clients must trust (open: a certificate is public)",
                "operationId": "caCertificate",
                "tags": ["admin"],
                "security": [],
                "responses": {
                    "200": {
                        "description": "PEM",
                        "content": {"application/x-pem-file": {"schema": {"type": "string"}}},
                    },
                    "404": _json(_ref("AdminError"), "No CA of its own: plain HTTP, or --cert/--key"),
                },
            }
        },
        f"{ADMIN}/overview": {
            "get": _admin_op(
                "Orgs, counts, credentials (client ids only), settings, uptime",
                "overview",
                _json(_ref("Overview"), "The overview"),
            )
        },
        f"{ADMIN}/orgs/{{org_id}}/users": {
            "get": _admin_op(
                "Search, sort and page an org's users (every status)",
                "searchUsers",
                _json(_ref("ConsoleUserPage"), "A page of users"),
                [
                    org,
                    _param("q", "query", "substring of email, user name, first or last name", required=False),
                    _param("type", "query", "identity type", required=False),
                    _param("status", "query", "user status", required=False),
                    _param(
                        "sort",
                        "query",
                        "`email`, `name`, `type`, `status`, `domain` (default: the org's order)",
                        required=False,
                    ),
                    _param("order", "query", "`asc` or `desc`", required=False),
                    *page_params,
                ],
                ("400", "404"),
            )
        },
        f"{ADMIN}/orgs/{{org_id}}/users/{{user_id}}": {
            "get": _admin_op(
                "One user: memberships (direct and via user groups), admin roles, the requests that named them",
                "getConsoleUser",
                _json(_ref("ConsoleUserDetail"), "The user"),
                [org, _param("user_id", "path", "uid or `24HEX@domain` id")],
                ("404",),
            )
        },
        f"{ADMIN}/orgs/{{org_id}}/groups": {
            "get": _admin_op(
                "Every group with its use",
                "listConsoleGroups",
                _json(
                    _obj({"groups": {"type": "array", "items": _ref("ConsoleGroup")}, "total": {"type": "integer"}}),
                    "Groups",
                ),
                [
                    org,
                    _param("type", "query", "group type", required=False),
                    _param("q", "query", "name substring", required=False),
                ],
                ("404",),
            )
        },
        f"{ADMIN}/orgs/{{org_id}}/groups/{{gid}}/members": {
            "get": _admin_op(
                "A page of a group's members",
                "groupMembers",
                _json(_ref("ConsoleGroupMembers"), "Members"),
                [
                    org,
                    _param("gid", "path", "Group id", {"type": "integer"}),
                    _param("direct", "query", "false: a profile's members through user groups too", required=False),
                    *page_params,
                ],
                ("400", "404"),
            )
        },
    }
