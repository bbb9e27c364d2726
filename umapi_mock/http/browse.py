"""Admin API reads for people (the console at `/_mock/ui/`): an overview, user search,
a user's memberships, groups with their members, one journal entry with its bodies.

Same prefix and admin-token rule as the rest of `/_mock/`. Nothing here ever answers a
client secret, a certificate or a token: credentials are shown by client id, and request
and response bodies pass through the journal's redaction.
"""

from __future__ import annotations

import shlex
import time
from importlib import metadata
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, request

from ..domain import browse
from ..domain.models import PRODUCT_PROFILE, SYSADMIN_GROUP, Group, Org, User
from ..domain.reads import Page
from ..domain.trust import TrustedDomain
from ..layers.journal import Exchange, shown_body
from .admin import check_admin_token, clock_json, fail
from .context import emulator_of
from .render import json_response

bp = Blueprint("mock_browse", __name__)  # routes: http/routes.py
bp.before_request(check_admin_token)

USERS_PAGE_DEFAULT = 50
USERS_PAGE_MAX = 500
TOUCHING_REQUESTS = 50  # the newest requests shown on a user's page


def _org(org_id: str) -> Org | Response:
    org = emulator_of().backend.registry.get(org_id)
    if org is None:
        return fail(404, "org_not_found", f"no org {org_id!r}")
    return org


def _int_arg(name: str, default: int, low: int = 0, high: int | None = None) -> int:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()):
        raise ValueError(f"{name} must be a non-negative integer, got {raw!r}")
    value = int(raw)
    if value < low or (high is not None and value > high):
        raise ValueError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _bad_request(exc: ValueError) -> Response:
    return fail(400, "bad_request", str(exc))


# ---------------------------------------------------------------- overview


def _version() -> str:
    # From the installed distribution: importing the package root would pull in the
    # in-process mode (and so the app factory that imports this module).
    try:
        return metadata.version("umapi-mock")
    except metadata.PackageNotFoundError:
        return "unknown"


def _credential_json(org: Org) -> list[dict[str, Any]]:
    """Credentials by client id: never the secret, nor the certificates themselves."""
    return [
        {
            "client_id": c.client_id,
            "tech_account": c.tech_account,
            "scopes": list(c.scopes),
            "metascopes": list(c.metascopes),
            "certificates": len(c.certificates),
        }
        for c in org.credentials.values()
    ]


def _trusted_json(org: Org) -> list[dict[str, Any]]:
    """The domains `org` holds as a trustee, each with its owning org (domain/trust.py)."""
    held = [t for t in org.trusted.values() if isinstance(t, TrustedDomain)]
    return [{"name": t.name, "type": t.type, "owner": t.owner} for t in sorted(held, key=lambda t: t.name.lower())]


def _org_summary(org: Org) -> dict[str, Any]:
    with org.lock:
        return {
            "id": org.id,
            "sysadmin_name": org.sysadmin_name,
            "migrating": org.migrating,
            "domains": [
                {"name": d.name, "type": d.type, "trustees": list(org.trustees.get(key, ()))}
                for key, d in org.domains.items()
            ],
            "trusted_domains": _trusted_json(org),
            "products": sorted((p.name for p in org.products.values()), key=str.lower),
            "users": len(org.users),
            "groups": len(org.groups),
            **browse.counts(org),
            "credentials": _credential_json(org),
        }


def overview() -> Response:
    emulator = emulator_of()
    config, layers = emulator.config, emulator.layers
    started = emulator.started
    return json_response(
        {
            "version": _version(),
            "started": started,
            "uptime_seconds": round(time.time() - started, 3),
            "clock": clock_json(),
            "settings": {
                "users_page_size": config.users_page_size,
                "groups_page_size": config.groups_page_size,
                "token_ttl": config.token_ttl,
                "jwt_enabled": config.jwt_enabled,
                "journal_size": layers.journal.size,
                "journal_bodies": layers.journal.bodies,
                "admin_token_required": bool(config.admin_token),
                "persistence": {"enabled": emulator.data_dir is not None, "data_dir": emulator.data_dir},
                "throttle": layers.throttle.policy.as_json(),
                "fault_rules": len(layers.faults),
            },
            "orgs": [_org_summary(org) for org in list(emulator.backend.orgs.values())],
        }
    )


# ------------------------------------------------------------------- users


def user_item(org: Org, user: User) -> dict[str, Any]:
    return {
        "uid": user.uid,
        "id": user.public_id,
        "email": user.email,
        "username": user.username,
        "firstname": user.firstname,
        "lastname": user.lastname,
        "type": user.type,
        "status": user.status,
        "domain": user.domain,
        "country": user.country,
        "groups": org.group_names_of(user.uid),
    }


def _page_json(page: Page[User], size: int, org: Org) -> dict[str, Any]:
    return {
        "page": page.index,
        "page_count": page.page_count,
        "page_size": size,
        "total": page.total,
        "users": [user_item(org, u) for u in page.items],
    }


def search_users(org_id: str) -> Response:
    """q (substring of email, user name or name), type, status, sort (email, name, type,
    status, domain; default the org's order), order (asc, desc), page (0-based), size."""
    org = _org(org_id)
    if isinstance(org, Response):
        return org
    args = request.args
    try:
        order = (args.get("order") or "asc").lower()
        if order not in ("asc", "desc"):
            raise ValueError(f"order must be asc or desc, got {order!r}")
        query = browse.UserQuery(
            text=args.get("q") or "",
            type=args.get("type") or None,
            status=args.get("status") or None,
            sort=args.get("sort") or "",
            descending=order == "desc",
        )
        page = _int_arg("page", 0)
        size = _int_arg("size", USERS_PAGE_DEFAULT, 1, USERS_PAGE_MAX)
        with org.lock:
            result = browse.search_users(org, query, page, size)
            body = _page_json(result, size, org)
    except ValueError as exc:
        return _bad_request(exc)
    return json_response(body)


def _group_ref(group: Group, org: Org) -> dict[str, Any]:
    return {"gid": group.gid, "name": _group_name(org, group), "type": group.type}


def _group_name(org: Org, group: Group) -> str:
    return org.sysadmin_name if group.type == SYSADMIN_GROUP else group.name


def get_user(org_id: str, user_id: str) -> Response:
    """One user by uid or public id: memberships (direct and via user group), admin roles
    and the newest requests that named them."""
    org = _org(org_id)
    if isinstance(org, Response):
        return org
    with org.lock:
        user = browse.find_user_by_id(org, user_id)
        if user is None:
            return fail(404, "user_not_found", f"no user {user_id!r} in org {org_id!r}")
        detail = browse.user_detail(org, user)

        def licensed(group: Group) -> bool | None:
            return group.gid in detail.licensed if group.type == PRODUCT_PROFILE else None

        body = {
            "user": user_item(org, user),
            "direct": [{**_group_ref(m.group, org), "licensed": licensed(m.group)} for m in detail.direct],
            "indirect": [
                {**_group_ref(m.group, org), "via": m.via.name if m.via else None, "licensed": licensed(m.group)}
                for m in detail.indirect
            ],
            "admin_roles": [
                {"role": role, "group": _group_name(org, group), "of": target.name if target else None}
                for role, group, target in detail.admin_roles
            ],
        }
    body["requests"] = emulator_of().layers.journal.query(touches=user.email, limit=TOUCHING_REQUESTS)
    return json_response(body)


# ------------------------------------------------------------------ groups


def _group_json(org: Org, group: Group) -> dict[str, Any]:
    admin = org.admin_group_of(group)
    target = org.groups.get(group.target) if group.target is not None else None
    return {
        **_group_ref(group, org),
        "description": group.description,
        "product": group.product,
        "quota": group.quota,
        "used": browse.licences_used(org, group),
        "members": len(org.members.get(group.gid, ())),
        "admin_group": admin.name if admin is not None else None,
        "administers": target.name if target is not None else None,
        "profiles": sorted((org.groups[p].name for p in group.profiles if p in org.groups), key=str.lower),
        "read_only": group.read_only,
    }


def list_groups(org_id: str) -> Response:
    """All groups (type filter, q: name substring), in id order."""
    org = _org(org_id)
    if isinstance(org, Response):
        return org
    gtype = request.args.get("type") or None
    needle = (request.args.get("q") or "").lower()
    with org.lock:
        groups = [
            _group_json(org, g)
            for g in org.listed_groups()
            if (gtype is None or g.type == gtype) and needle in _group_name(org, g).lower()
        ]
    return json_response({"groups": groups, "total": len(groups)})


def group_members(org_id: str, gid: str) -> Response:
    """A page of a group's members; direct=false adds a profile's members through user groups."""
    org = _org(org_id)
    if isinstance(org, Response):
        return org
    try:
        page = _int_arg("page", 0)
        size = _int_arg("size", USERS_PAGE_DEFAULT, 1, USERS_PAGE_MAX)
        direct = (request.args.get("direct") or "true").lower() not in ("false", "0", "no")
    except ValueError as exc:
        return _bad_request(exc)
    with org.lock:
        group = org.groups.get(int(gid)) if gid.isascii() and gid.isdigit() and len(gid) < 19 else None
        if group is None:
            return fail(404, "group_not_found", f"no group {gid} in org {org_id!r}")
        result = browse.group_members(org, group, page, size, direct_only=direct)
        body = {"group": _group_json(org, group), **_page_json(result, size, org)}
    return json_response(body)


# ----------------------------------------------------------------- journal


def _all_secrets() -> list[str]:
    return [c.client_secret for org in list(emulator_of().backend.orgs.values()) for c in org.credentials.values()]


def journal_entry(seq: str) -> Response:
    """One journal entry, its redacted bodies (while kept), a curl command that repeats it
    and, for a throttled request, the limit it ran into."""
    layers = emulator_of().layers
    found = layers.journal.get(int(seq)) if seq.isascii() and seq.isdigit() and len(seq) < 19 else None
    if found is None:
        return fail(404, "entry_not_found", f"no journal entry {seq} (it may have been evicted)")
    entry, exchange = found
    secrets = _all_secrets()
    shown_request = shown_body(exchange.request, secrets) if exchange else None
    body: dict[str, Any] = {
        "entry": entry,
        "bodies_kept": exchange is not None,
        "request": shown_request,
        "response": shown_body(exchange.response, secrets) if exchange else None,
        "curl": curl_command(entry, exchange, shown_request, request.host_url.rstrip("/")),
        "throttle": None,
    }
    if entry.get("answered_by") == "throttle" and entry.get("family"):
        limit = layers.throttle.policy.limits.get(entry["family"])
        body["throttle"] = {"family": entry["family"], "limit": limit.as_json() if limit else None}
    return json_response(body)


def curl_command(
    entry: dict[str, Any], exchange: Exchange | None, shown_request: dict[str, Any] | None, base_url: str
) -> str:
    """A shell command that sends the request again; secrets stay redacted (the token is
    left to `$UMAPI_TOKEN`), and a body that was cut or is no longer kept is left out."""
    query = entry.get("query") or {}
    pairs = [(k, v) for k, values in query.items() for v in (values if isinstance(values, list) else [values])]
    url = base_url + entry["path"] + ("?" + urlencode(pairs, safe="<>*,") if pairs else "")
    words = ["curl", "-sS", "-X", entry["method"], shlex.quote(url)]
    if not entry.get("ims") and entry["path"] != "/status":
        if entry.get("client_id"):
            words += ["-H", shlex.quote(f"X-Api-Key: {entry['client_id']}")]
        words += ["-H", '"Authorization: Bearer $UMAPI_TOKEN"']
    if entry.get("pragma"):
        words += ["-H", shlex.quote(f"Pragma: {entry['pragma']}")]
    note = ""
    if entry.get("request_bytes"):
        if exchange is not None and exchange.request.content_type:
            words += ["-H", shlex.quote(f"Content-Type: {exchange.request.content_type}")]
        if shown_request is not None and not shown_request["truncated"] and shown_request["text"] is not None:
            text = shown_request["text"]
            if (exchange is not None and exchange.request.content_type or "").startswith("multipart/"):
                note = "  # the multipart body is not shown"
            else:
                words += ["--data-binary", shlex.quote(text)]
        else:
            note = "  # the request body is no longer kept"
    return " ".join(words) + note
