"""JSON schemas of the admin API's answers (`/_mock/`, the console's reads included): the
admin part of the OpenAPI document's components."""

from __future__ import annotations

from typing import Any

from .schemas import ref

NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_INT = {"type": ["integer", "null"]}


def obj(properties: dict[str, Any], required: list[str] | None = None, closed: bool = True) -> dict[str, Any]:
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
        "users": {"type": "array", "items": ref("ConsoleUser")},
    }
    return {
        "AdminError": obj(
            {"error": {"type": "string"}, "message": {"type": "string"}, "path": {}, "problem": {}},
            ["error", "message"],
        ),
        "AdminOk": obj({"result": {"const": "ok"}}, ["result"], closed=False),
        "FaultKinds": obj({"kinds": {"type": "array", "items": {"type": "object"}}}, ["kinds"]),
        "Clock": obj({"now": {"type": "number"}, "offset": {"type": "number"}}),
        "ThrottleLimit": obj(
            {"per_client": NULLABLE_INT, "global": NULLABLE_INT, "window": {"type": "number"}},
        ),
        "ThrottlePolicy": obj(
            {
                "mode": {"enum": ["off", "documented", "field", "custom"]},
                "families": {"type": "object", "additionalProperties": ref("ThrottleLimit")},
                "sync_interval": {
                    "type": ["number", "null"],
                    "description": "Seconds a client's run window lasts (running-frequency control); null = off",
                },
            }
        ),
        "SyncState": obj(
            {
                "interval": {"type": ["number", "null"]},
                "clients": {
                    "type": "object",
                    "additionalProperties": obj(
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
        "Credential": obj(
            {
                "client_id": {"type": "string"},
                "tech_account": {"type": "string"},
                "scopes": {"type": "array", "items": {"type": "string"}},
                "metascopes": {"type": "array", "items": {"type": "string"}},
                "certificates": {"type": "integer", "minimum": 0, "description": "how many are bound (never the PEM)"},
            }
        ),
        "OrgSummary": obj(
            {
                "id": {"type": "string"},
                "sysadmin_name": {"type": "string"},
                "migrating": {"type": "boolean"},
                "domains": {
                    "type": "array",
                    "description": "the domains the org claims (owns)",
                    "items": obj(
                        {
                            "name": {"type": "string"},
                            "type": {"enum": ["enterprise", "federated"]},
                            "trustees": {
                                "type": "array",
                                "items": {"type": "string"},
                                "description": "ids of the orgs this domain is trusted by (trusted domains)",
                            },
                        }
                    ),
                },
                "trusted_domains": {
                    "type": "array",
                    "description": "domains the org holds as a trustee, each with the org that owns it",
                    "items": obj(
                        {
                            "name": {"type": "string"},
                            "type": {"enum": ["enterprise", "federated"]},
                            "owner": {"type": "string", "description": "the owning org's id"},
                        }
                    ),
                },
                "products": {"type": "array", "items": {"type": "string"}},
                "users": {"type": "integer"},
                "groups": {"type": "integer"},
                "users_by_type": count_map,
                "users_by_status": count_map,
                "groups_by_type": count_map,
                "credentials": {"type": "array", "items": ref("Credential")},
            }
        ),
        "Overview": obj(
            {
                "version": {"type": "string"},
                "started": {"type": "number", "description": "epoch seconds (real clock)"},
                "uptime_seconds": {"type": "number"},
                "clock": ref("Clock"),
                "settings": obj(
                    {
                        "users_page_size": {"type": "integer"},
                        "groups_page_size": {"type": "integer"},
                        "token_ttl": {"type": "integer"},
                        "jwt_enabled": {"type": "boolean"},
                        "journal_size": {"type": "integer"},
                        "journal_bodies": {"type": "integer"},
                        "admin_token_required": {"type": "boolean"},
                        "persistence": obj({"enabled": {"type": "boolean"}, "data_dir": {"type": ["string", "null"]}}),
                        "throttle": ref("ThrottlePolicy"),
                        "fault_rules": {"type": "integer"},
                    }
                ),
                "orgs": {"type": "array", "items": ref("OrgSummary")},
            }
        ),
        "ConsoleUser": obj(
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
        "ConsoleUserPage": obj(user_page),
        "ConsoleGroupMembers": obj({"group": ref("ConsoleGroup"), **user_page}),
        "ConsoleMembership": obj(
            {
                "gid": {"type": "integer"},
                "name": {"type": "string"},
                "type": {"type": "string"},
                "via": NULLABLE_STRING,
                "licensed": {"type": ["boolean", "null"], "description": "profiles: within the quota"},
            },
            ["gid", "name", "type", "licensed"],
        ),
        "ConsoleUserDetail": obj(
            {
                "user": ref("ConsoleUser"),
                "direct": {"type": "array", "items": ref("ConsoleMembership")},
                "indirect": {"type": "array", "items": ref("ConsoleMembership")},
                "admin_roles": {
                    "type": "array",
                    "items": obj({"role": {"type": "string"}, "group": {"type": "string"}, "of": NULLABLE_STRING}),
                },
                "requests": {"type": "array", "items": ref("JournalEntry")},
            }
        ),
        "ConsoleGroup": obj(
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
        "JournalEntry": obj(
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
                "fault": {"anyOf": [{"type": "null"}, obj({"id": {"type": "string"}, "kind": {"type": "string"}})]},
                "pragma": NULLABLE_STRING,
            }
        ),
        "JournalBody": obj(
            {
                "content_type": NULLABLE_STRING,
                "bytes": {"type": "integer", "description": "the whole body's size"},
                "truncated": {"type": "boolean", "description": "only the first 64 KiB are kept"},
                "text": {**NULLABLE_STRING, "description": "redacted; null for an empty body"},
            }
        ),
        "JournalEntryDetail": obj(
            {
                "entry": ref("JournalEntry"),
                "bodies_kept": {"type": "boolean"},
                "request": {"anyOf": [{"type": "null"}, ref("JournalBody")]},
                "response": {"anyOf": [{"type": "null"}, ref("JournalBody")]},
                "curl": {"type": "string"},
                "throttle": {
                    "anyOf": [
                        {"type": "null"},
                        obj(
                            {
                                "family": {"type": "string"},
                                "limit": {"anyOf": [{"type": "null"}, ref("ThrottleLimit")]},
                            }
                        ),
                    ]
                },
            }
        ),
        "Journal": obj(
            {
                "entries": {"type": "array", "items": ref("JournalEntry")},
                "count": {"type": "integer"},
                "last_seq": {"type": "integer"},
                "size": {"type": "integer"},
                "evicted": {"type": "integer"},
            }
        ),
    }


ADMIN_SCHEMAS: dict[str, Any] = {
    **_admin_schemas(),
    "State": {"type": "object", "description": "seed-file format"},
    "ThrottleState": obj({"policy": ref("ThrottlePolicy"), "usage": {"type": "object"}, "syncs": ref("SyncState")}),
    "ThrottleSet": obj({"policy": ref("ThrottlePolicy")}),
    "ConsoleGroups": obj({"groups": {"type": "array", "items": ref("ConsoleGroup")}, "total": {"type": "integer"}}),
}
