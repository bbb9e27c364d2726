"""The admin API under `/_mock/`: state, reset, journal, faults, throttle, clock, OpenAPI.

JSON in and out, errors included (`{"error": <code>, "message": ..., ...}`). When the
config has an `admin_token`, every request needs `Authorization: Bearer <admin_token>`.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import math
import time
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, request
from werkzeug.exceptions import HTTPException

from ..documents import parse_text
from ..domain.backend import Backend
from ..domain.clock import ClockError
from ..layers.fault_kinds import kinds_json
from ..layers.faults import FaultRuleError, parse_fault_rules
from ..layers.throttle import PolicyError, parse_policy
from ..seed import SeedError, dump_orgs, load_seed, parse_seed_text
from .context import emulator_of
from .openapi import openapi_document
from .render import dumps, json_response
from .routes import CONVERTERS

bp = Blueprint("mock_admin", __name__)  # routes: http/routes.py


@bp.record_once
def _fault_id_converter(state: Any) -> None:
    for name, converter in CONVERTERS.items():
        state.app.url_map.converters.setdefault(name, converter)


ADMIN_REALM = 'Bearer realm="umapi-mock-admin"'


def admin_token_required(host: str) -> bool:
    """True when binding to `host` exposes the emulator beyond this machine (so the admin
    API must be protected by a token): anything but `localhost` and loopback addresses.
    The wildcard binds `""`, `0.0.0.0` and `::` are non-loopback."""
    name = host.strip().lower().rstrip(".")
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name in ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"):
        return False
    try:
        addr = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return True  # a host name we will not resolve: assume it is reachable from outside
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return not addr.is_loopback


LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
WILDCARD_BINDS = frozenset({"", "0.0.0.0", "::"})


def _host_name(host: str) -> str:
    """`Host` without its port, brackets and trailing dot, lower-case."""
    name = host.strip().lower()
    if name.startswith("["):
        name = name[1 : name.find("]")] if "]" in name else name[1:]
    elif name.count(":") == 1:
        name = name.rsplit(":", 1)[0]
    return name.rstrip(".")


def host_allowed(host: str, bound: str, allowed: tuple[str, ...]) -> bool:
    """True when `host` (a request's Host) names this server: a loopback name or address, the
    bound address, or one of `allowed` (the --tls-name and --allowed-host names). A server
    bound to every interface answers any IP address too: DNS rebinding needs a name."""
    name = _host_name(host)
    if not name:
        return False
    if name in LOOPBACK_NAMES or name == _host_name(bound) or name in {_host_name(a) for a in allowed}:
        return True
    try:
        addr = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return addr.is_loopback or bound.strip("[]") in WILDCARD_BINDS


def foreign_host() -> Response | None:
    """421 for a request whose Host does not name this server (DNS rebinding: a page of
    another site whose name now resolves to 127.0.0.1 is same-origin with itself, not us)."""
    host = request.host
    bound = request.environ.get("SERVER_NAME", "")
    if host_allowed(host, bound, emulator_of().config.allowed_hosts):
        return None
    return fail(
        421,
        "misdirected_request",
        f"Host {host!r} does not name this server; the admin API and the console answer loopback names, "
        "the bound address, each --tls-name and each --allowed-host (add a reverse proxy's name there)",
    )


def fail(status: int, code: str, message: str, **extra: Any) -> Response:
    return json_response({"error": code, "message": message, **extra}, status)


def admin_http_error(error: HTTPException) -> Response:
    """A routing error under `/_mock/` in the admin API's shape (`AdminError`); a 405 names
    the allowed methods in `Allow`."""
    code = error.code or 400
    if code == 404:
        response = fail(404, "not_found", f"no admin resource at {request.path}")
    elif code == 405:
        response = fail(405, "method_not_allowed", f"{request.method} is not allowed on {request.path}")
    else:
        response = fail(code, "bad_request", error.description or error.name)
    return with_allow(response, error)


def with_allow(response: Response, error: HTTPException) -> Response:
    """`Allow` on a 405 (RFC 9110 §15.5.6), from the methods the matched URL takes."""
    methods = getattr(error, "valid_methods", None)
    if response.status_code == 405 and methods:
        response.headers["Allow"] = ", ".join(sorted(methods))
    return response


def admin_token_ok(value: str | None) -> bool:
    """True when no admin token is configured, or `value` is it."""
    token = emulator_of().config.admin_token
    if not token:
        return True
    return value is not None and hmac.compare_digest(value.strip().encode(), token.encode())


def cross_site_write() -> bool:
    """A state-changing request a browser sent from another site's page. On loopback the admin
    API needs no token, so any page open in the developer's browser could otherwise reset or
    replace the org with a cross-origin form POST. Clients that are not browsers send no
    `Origin`; the console is same-origin."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    if request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site":
        return True
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    return origin == "null" or urlsplit(origin).netloc.lower() != request.host.lower()


# Open without the admin token: a CA certificate is public (its key never leaves the TLS
# folder), and a container's clients need it before they can talk HTTPS to anything else.
PUBLIC_ENDPOINTS = frozenset({"mock_admin.ca_pem"})


@bp.before_request
def check_admin_token() -> Response | None:
    misdirected = foreign_host()
    if misdirected is not None:
        return misdirected
    if cross_site_write():
        return fail(403, "cross_origin", "the admin API refuses state changes sent from another site's page")
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    scheme, _, value = (request.headers.get("Authorization") or "").strip().partition(" ")
    if admin_token_ok(value if scheme.lower() == "bearer" else None):
        return None
    response = fail(401, "unauthorized", "the admin API needs Authorization: Bearer <admin token>")
    response.headers["WWW-Authenticate"] = ADMIN_REALM
    return response


def index() -> Response:
    return json_response(
        {
            "endpoints": [
                "GET|PUT /_mock/state",
                "GET|PUT /_mock/orgs/<org_id>/state",
                "POST /_mock/orgs/<org_id>/reset",
                "POST /_mock/reset",
                "GET|DELETE /_mock/journal",
                "GET|POST|DELETE /_mock/faults",
                "GET|DELETE /_mock/faults/<id>",
                "GET /_mock/faults/kinds",
                "GET|PUT|DELETE /_mock/throttle",
                "GET|POST /_mock/clock",
                "GET /_mock/openapi.json",
                "GET /_mock/overview",
                "GET /_mock/orgs/<org_id>/users",
                "GET /_mock/orgs/<org_id>/users/<user_id>",
                "GET /_mock/orgs/<org_id>/groups",
                "GET /_mock/orgs/<org_id>/groups/<gid>/members",
                "GET /_mock/journal/<seq>",
                "GET /_mock/ui/ (the console)",
                "GET /_mock/ca.pem",
            ]
        }
    )


# -------------------------------------------------------------------- state


def _backend() -> Backend:
    return emulator_of().backend


def _body_text() -> str | Response:
    try:
        return request.get_data(cache=True).decode("utf-8")
    except UnicodeDecodeError:
        return fail(400, "bad_request", "the request body is not UTF-8")


def _parse_document(text: str, source: str) -> dict[str, Any]:
    """A seed-format document from a JSON or YAML body (SeedError when unreadable)."""
    mimetype = request.mimetype or ""
    if "json" in mimetype:
        return parse_seed_text(text, source, json_only=True)
    if "yaml" not in mimetype:
        try:
            doc = json.loads(text)
        except ValueError:
            pass
        else:
            if isinstance(doc, dict):
                return doc
    return parse_seed_text(text, source)


def _seed_error(exc: SeedError) -> Response:
    return fail(400, "invalid_state", str(exc), path=exc.path, problem=exc.problem)


def get_state() -> Response:
    return json_response(dumps(dump_orgs(list(_backend().orgs.values()))))


def put_state() -> Response:
    text = _body_text()
    if isinstance(text, Response):
        return text
    config = emulator_of().config
    try:
        doc = _parse_document(text, "PUT /_mock/state")
        orgs = load_seed(doc, "PUT /_mock/state", config.seed_dir)
    except SeedError as exc:
        return _seed_error(exc)
    _backend().replace_orgs(orgs)
    return json_response({"result": "ok", "orgs": [o.id for o in orgs]})


def get_org_state(org_id: str) -> Response:
    org = _backend().registry.get(org_id)
    if org is None:
        return fail(404, "org_not_found", f"no org {org_id!r}")
    return json_response(dumps(dump_orgs([org])))


def put_org_state(org_id: str) -> Response:
    """Replace (or add) one org. The body is a state document with exactly this org, or the
    org mapping alone."""
    text = _body_text()
    if isinstance(text, Response):
        return text
    source = f"PUT /_mock/orgs/{org_id}/state"
    config = emulator_of().config
    backend = _backend()
    try:
        doc = _parse_document(text, source)
        if "orgs" not in doc and "id" in doc:
            doc = {"orgs": [doc]}
        orgs = load_seed(doc, source, config.seed_dir)
        if len(orgs) != 1:
            raise SeedError(source, "orgs", f"must list exactly one org (got {len(orgs)})")
        if orgs[0].id != org_id:
            raise SeedError(source, "orgs[0].id", f"{orgs[0].id!r} is not the org in the URL ({org_id!r})")
        for cid in orgs[0].credentials:
            other = backend.registry.credential(cid)
            if other is not None and other.org_id != org_id:
                raise SeedError(source, "orgs[0].credentials", f"client_id {cid!r} belongs to org {other.org_id!r}")
    except SeedError as exc:
        return _seed_error(exc)
    backend.replace_orgs(orgs, org_id=org_id)
    return json_response({"result": "ok", "orgs": [org_id]})


def reset_org(org_id: str) -> Response:
    backend = _backend()
    pristine = org_id in {o["id"] for o in backend.seed_doc.get("orgs", []) if isinstance(o, dict)}
    if not pristine and backend.registry.get(org_id) is None:
        return fail(404, "org_not_found", f"no org {org_id!r}")
    backend.reset(org_id)
    return json_response({"result": "ok", "orgs": [org_id] if pristine else [], "removed": not pristine})


def reset_all() -> Response:
    """Every org back to the seed and the clock back to wall time (fault rules, throttle and
    journal stay: `DELETE` them)."""
    backend = _backend()
    backend.reset(clock=True)  # one change: saved whole or not at all
    return json_response({"result": "ok", "orgs": list(backend.orgs)})


# ------------------------------------------------------------------ journal


def get_journal() -> Response:
    """Filters: path (glob with * ? [ ], else prefix), status (429, 5xx, 200,404), method,
    client, answered_by (handler, fault, throttle), touches (an email named in the path or
    a kept request body), since (sequence number: entries after it), since_time (epoch seconds on the
    emulator clock), limit (the newest N matches). Entries come oldest first."""
    journal = emulator_of().layers.journal
    args = request.args
    try:
        since = _int_arg("since")
        limit = _int_arg("limit")
        since_time = _finite_arg("since_time")
        entries = journal.query(
            path=args.get("path") or None,
            status=args.get("status") or None,
            method=args.get("method") or None,
            client=args.get("client") or None,
            answered_by=args.get("answered_by") or None,
            touches=args.get("touches") or None,
            since=since,
            since_time=since_time,
            limit=limit,
        )
    except ValueError as exc:
        return fail(400, "bad_request", str(exc))
    return json_response(
        {
            "entries": entries,
            "count": len(entries),
            "last_seq": journal.last_seq,
            "size": journal.size,
            "evicted": journal.evicted,
        }
    )


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if not raw.strip().isdigit():
        raise ValueError(f"{name} must be a non-negative integer, got {raw!r}")
    return int(raw)


def _finite_arg(name: str) -> float | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {raw!r}")
    return value


def clear_journal() -> Response:
    emulator_of().layers.journal.clear()
    return json_response({"result": "ok"})


# ------------------------------------------------------------------- faults


def list_faults() -> Response:
    return json_response({"faults": emulator_of().layers.faults.list()})


def fault_kinds() -> Response:
    """The fault kinds this emulator knows: name, trigger key, options, schema, form fields."""
    return json_response({"kinds": kinds_json()})


def get_fault(rule_id: str) -> Response:
    for rule in emulator_of().layers.faults.list():
        if rule["id"] == rule_id:
            return json_response(rule)
    return fail(404, "fault_not_found", f"no fault rule {rule_id!r}")


def add_faults() -> Response:
    """One rule, a list of rules, or {"faults": [...]}; all are added or none."""
    text = _body_text()
    if isinstance(text, Response):
        return text
    try:
        doc = _parse_any(text)
    except ValueError as exc:
        return fail(400, "invalid_fault", f"the body is not JSON/YAML: {exc}", path="", problem="unreadable body")
    if isinstance(doc, dict) and set(doc) == {"faults"}:
        doc = doc["faults"]
    where = non_finite(doc)
    if where is not None:
        return fail(400, "invalid_fault", f"{where}: must be a finite number", path=where, problem="not finite")
    try:
        ids = emulator_of().layers.faults.add(parse_fault_rules(doc))
    except FaultRuleError as exc:
        return fail(400, "invalid_fault", str(exc), path=exc.path, problem=exc.problem)
    return json_response({"ids": ids}, 201)


def clear_faults() -> Response:
    layers = emulator_of().layers
    count = len(layers.faults)
    layers.faults.clear()
    return json_response({"result": "ok", "deleted": count})


def delete_fault(rule_id: str) -> Response:
    if not emulator_of().layers.faults.remove(rule_id):
        return fail(404, "fault_not_found", f"no fault rule {rule_id!r}")
    return json_response({"result": "ok", "deleted": rule_id})


def _parse_any(text: str) -> Any:
    return parse_text(text)  # the one document reader; DocumentError is a ValueError


def non_finite(doc: Any, path: str = "") -> str | None:
    """Where a parsed body holds NaN or an infinity (JSON's `NaN`, `1e309`, YAML's `.inf`),
    which no admin setting accepts; None when it holds none."""
    if isinstance(doc, float) and not math.isfinite(doc):
        return path or "(body)"
    if isinstance(doc, dict):
        items = [(f"{path}.{k}" if path else str(k), v) for k, v in doc.items()]
    elif isinstance(doc, list):
        items = [(f"{path}[{i}]", v) for i, v in enumerate(doc)]
    else:
        return None
    for where, value in items:
        found = non_finite(value, where)
        if found is not None:
            return found
    return None


# ----------------------------------------------------------------- throttle


def get_throttle() -> Response:
    throttle = emulator_of().layers.throttle
    return json_response(
        {"policy": throttle.policy.as_json(), "usage": throttle.usage(), "syncs": throttle.syncs.state()}
    )


def put_throttle() -> Response:
    """Body: "off", "documented" or a policy mapping. Resets every window."""
    text = _body_text()
    if isinstance(text, Response):
        return text
    try:
        doc = _parse_any(text)
        where = non_finite(doc)
        if where is not None:
            raise PolicyError(where, "must be a finite number")
        policy = parse_policy(doc)
    except PolicyError as exc:
        return fail(400, "invalid_policy", str(exc), path=exc.path, problem=exc.problem)
    except ValueError as exc:
        return fail(400, "invalid_policy", f"the body is not JSON/YAML: {exc}", path="", problem="unreadable body")
    throttle = emulator_of().layers.throttle
    throttle.set_policy(policy)
    return json_response({"policy": policy.as_json()})


def clear_throttle() -> Response:
    emulator_of().layers.throttle.clear()
    return json_response({"result": "ok"})


# -------------------------------------------------------------------- clock


def clock_json() -> dict[str, Any]:
    now = _backend().clock.now()
    return {"now": now, "offset": round(now - time.time(), 6)}


def get_clock() -> Response:
    return json_response(clock_json())


def move_clock() -> Response:
    """`{"advance": seconds}` moves the emulator clock forward (token expiry, throttle windows)."""
    text = _body_text()
    if isinstance(text, Response):
        return text
    try:
        doc = json.loads(text or "null")
    except ValueError:
        doc = None
    if not isinstance(doc, dict) or set(doc) != {"advance"}:
        return fail(400, "bad_request", 'expected {"advance": <seconds>}')
    try:
        _backend().clock.advance(doc["advance"])  # refuses NaN, infinities and more than MAX_OFFSET ahead
    except ClockError as exc:
        return fail(400, "bad_request", str(exc), path="advance", problem=str(exc))
    return json_response(clock_json())


# ------------------------------------------------------------------ CA


def ca_pem() -> Response:
    """The local CA clients must trust (`curl -k .../_mock/ca.pem -o ca.pem` out of a container)."""
    path = emulator_of().config.ca_cert
    if path is None:
        return fail(404, "no_ca", "this emulator has no CA of its own (plain HTTP, or --cert/--key given)")
    try:
        pem = path.read_bytes()
    except OSError as exc:
        return fail(404, "no_ca", f"the CA file cannot be read: {exc.strerror or exc}")
    return Response(pem, 200, mimetype="application/x-pem-file")


# ------------------------------------------------------------------ openapi


def openapi() -> Response:
    return json_response(openapi_document())
