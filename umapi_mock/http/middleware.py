"""Flask glue for the layers (`umapi_mock.layers`): the request hooks and the WSGI wrapper
that drops connections. The app factory installs them, in order, beside its own hooks.

Per request (everything except `/_mock/*`), in this order:
  1. fault rules are tried; a firing rule may delay, then answer (status / malformed body)
     or drop the connection; a delay-only rule lets the request go on;
  2. the throttle admits or refuses (429) requests of a throttled endpoint family;
  3. the handler answers;
  4. the journal records the exchange.
Fault answers do not count against throttle windows, and refused requests do not either.
The fast lane (`fast_lane.py`) does the same for the hot reads through the same functions:
`record_exchange`, `new_request_id`, `LogFacts`, and a throttle decision it hands to Flask
(`THROTTLED`) when it lets Flask answer.
"""

from __future__ import annotations

import itertools
import os
import secrets
import socket
import time
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from flask import Response, g, request

from ..domain.errors import UmapiError
from ..layers.faults import FaultRule, RequestFacts
from ..layers.journal import Body, Digest, Exchange, digest, digest_soon, redact_query
from ..redaction import redact_target
from .context import emulator_of
from .render import dumps, error_response
from .routes import family_for, is_admin_path
from .wire.errors import gateway_body

if TYPE_CHECKING:
    from ..emulator import Emulator

DROP_KEY = "umapi_mock.drop_connection"
THROTTLED = "umapi_mock.throttle_decision"  # environ: the fast lane's throttle decision, for Flask to reuse

# ------------------------------------------------------------------ hooks


def apply_layers() -> Response | None:
    """before_request: fault rules, then the throttle."""
    # The request and `g` are looked up once: every access through their proxies costs
    # a context-variable lookup, and this runs on every request.
    req = request._get_current_object()  # type: ignore[attr-defined]
    path = req.path
    if is_admin_path(path):
        return None
    emulator = emulator_of()
    layers = emulator.layers
    ctx = g._get_current_object()
    ctx.layer_t0 = time.perf_counter()
    ctx.layer_answered_by = "handler"
    ctx.layer_fault = None
    body = req.get_data(cache=True)  # cached: form parsing and digests reuse it
    client_id, org_id, form = _who(req, path, emulator.backend.registry)
    ctx.layer_client_id = client_id
    ctx.layer_org_id = org_id
    rule = None
    if len(layers.faults):
        facts = RequestFacts(
            method=req.method,
            path=path,
            org_id=org_id,
            client_id=client_id,
            query={k: v for k, v in req.args.items()},
            form=form,
            body=body,
        )
        rule = layers.faults.pick(facts)
    if rule is not None:
        ctx.layer_fault = rule
        if rule.respond.delay:
            time.sleep(rule.respond.delay)
        answer = _fault_answer(rule)
        if answer is not None:
            ctx.layer_answered_by = "fault"
            return answer
    family = family_for(req.endpoint, req.method)  # the matched row of the endpoint table
    ctx.layer_family = family
    throttle = layers.throttle
    if family is None or not throttle.policy.enabled:  # nothing to count or refuse
        return None
    decision = req.environ.get(THROTTLED)  # judged (and counted) by the fast lane already
    if decision is None:
        headers = req.headers
        decision = throttle.check(family, headers.get("X-Api-Key"), headers.get("Pragma"), headers.get("Authorization"))
    if not decision.allowed:
        g.layer_answered_by = "throttle"
        response = error_response(UmapiError("gateway.throttled"))
        response.headers["Retry-After"] = str(decision.retry_after)
        return response
    return None


def _who(req: Any, path: str, registry: Any) -> tuple[str | None, str | None, dict[str, str]]:
    """(client id, org id, IMS form fields) of the request `req` (at `path`)."""
    view_args = req.view_args or {}
    org_id = view_args.get("org_id")
    form: dict[str, str] = {}
    if path.startswith("/ims/"):
        form = {k: v for k, v in req.form.items()}
        client_id = form.get("client_id") or req.args.get("client_id")
        if client_id and org_id is None:
            cred = registry.credential(client_id)
            org_id = cred.org_id if cred is not None else None
    else:
        client_id = req.headers.get("X-Api-Key")
    return client_id or None, org_id, form


def _fault_answer(rule: FaultRule) -> Response | None:
    """The rule's answer as a response (the kind decides it: `layers.faults.KINDS`); a drop
    is flagged for the WSGI wrapper, which closes the connection instead of answering."""
    answer = rule.respond.answer(gateway_body)
    if answer is None:
        return None
    if answer.drop:
        request.environ[DROP_KEY] = True
        return Response(b"", status=500)
    body = answer.body if isinstance(answer.body, (str, bytes)) else dumps(answer.body)
    response = Response(body, status=answer.status, content_type=answer.content_type)
    for name, value in answer.headers:
        response.headers[name] = value
    return response


def journal_exchange(response: Response) -> Response:
    """after_request: record the exchange in the journal."""
    req = request._get_current_object()  # type: ignore[attr-defined]
    path = req.path
    ctx = g._get_current_object()
    if is_admin_path(path) or not hasattr(ctx, "layer_t0"):
        return response
    fault: FaultRule | None = ctx.get("layer_fault")
    dropped = bool(req.environ.get(DROP_KEY))
    family = ctx.get("layer_family")
    if family is None:
        family = family_for(req.endpoint, req.method)
    args = req.args
    cached = getattr(response, "cached_body", None)
    record_exchange(
        emulator_of(),
        method=req.method,
        path=path,
        query=list(args.items(multi=True)) if args else (),
        status=None if dropped else response.status_code,
        t0=ctx.layer_t0,
        client_id=ctx.get("layer_client_id"),
        org_id=ctx.get("layer_org_id"),
        request_id=ctx.get("request_id"),
        family=family,
        request_body=req.get_data(cache=True),
        request_type=req.content_type,
        response_body=b"" if dropped else (cached.identity if cached is not None else response.get_data()),
        response_type=response.content_type,
        shared=cached is not None,
        answered_by=ctx.get("layer_answered_by", "handler"),
        fault=fault,
        pragma=req.headers.get("Pragma"),
        dropped=dropped,
    )
    return response


LAZY_DIGEST = 1024  # bodies up to this size are digested when their entry is read


def record_exchange(
    emulator: Emulator,
    *,
    method: str,
    path: str,
    query: Sequence[tuple[str, str]],
    status: int | None,
    t0: float,
    client_id: str | None,
    org_id: str | None,
    request_id: str | None,
    family: str | None,
    request_body: bytes,
    request_type: str | None,
    response_body: bytes,
    response_type: str | None,
    shared: bool,
    answered_by: str,
    fault: FaultRule | None,
    pragma: str | None,
    dropped: bool = False,
) -> None:
    """One exchange into the journal (the Flask hook's and the fast lane's one way there).
    Only digests and kept cuts are taken now; redaction runs when the entry is first read.
    The facts are kept as one tuple of strings and numbers (the collector stops tracking
    it), not a closure: a full journal otherwise holds ~20 tracked cells per entry, which
    every full collection walks."""
    latency_ms = round((time.perf_counter() - t0) * 1000.0, 3)
    now = emulator.backend.clock.now()
    request_bytes = len(request_body)
    response_bytes = 0 if dropped else len(response_body)
    # A small body is digested when the entry is read (the entry keeps it until then); a
    # bigger one now, so an entry never keeps a body alive beyond LAZY_DIGEST bytes; a big
    # response body (a 0.5 MB users page) by the journal's digester thread, off this
    # request's path (`journal.digest_soon`: the entry holds a `Digest` until it is read).
    small_request = request_body if request_bytes <= LAZY_DIGEST else None
    small_response = response_body if 0 < response_bytes <= LAZY_DIGEST else None
    request_sha = digest(request_body) if small_request is None else None
    response_sha = None if dropped or small_response is not None else digest_soon(response_body, memo=shared)
    facts = (  # in the order of ENTRY_FIELDS
        now,
        method,
        path,
        tuple(query),
        status,
        latency_ms,
        client_id,
        org_id,
        request_id,
        family,
        path.startswith("/ims/"),
        request_sha if small_request is None else small_request,
        request_bytes,
        response_sha if small_response is None else small_response,
        response_bytes,
        answered_by,
        None if fault is None else (fault.id, fault.respond.kind),
        pragma,
    )
    journal = emulator.layers.journal
    exchange = None
    if journal.bodies:
        exchange = Exchange(Body.of(request_body, request_type), Body.of(response_body, response_type, shared=shared))
    journal.record({"time": now, "method": method}, exchange, pending=partial(_shown_entry, emulator, facts))


# A journal entry's fields, in the order shown; `record_exchange` keeps their raw values in
# this order (a digest field holds the small body itself, or a big one's pending `Digest`,
# until the entry is read).
ENTRY_FIELDS = (
    "time",
    "method",
    "path",
    "query",
    "status",
    "latency_ms",
    "client_id",
    "org_id",
    "request_id",
    "family",
    "ims",
    "request_sha256",
    "request_bytes",
    "response_sha256",
    "response_bytes",
    "answered_by",
    "fault",
    "pragma",
)


def _shown_entry(emulator: Emulator, facts: tuple[Any, ...]) -> dict[str, Any]:
    """A journal entry as shown, from `record_exchange`'s facts: redacted when first read,
    by value (issued tokens and seeded secrets, wherever they are) and by shape."""
    entry = dict(zip(ENTRY_FIELDS, facts, strict=True))
    scrub = emulator.secrets.scrub
    query = redact_query(entry["query"]) if entry["query"] else {}
    entry["query"] = {scrub(k): [scrub(x) for x in v] if isinstance(v, list) else scrub(v) for k, v in query.items()}
    for key in ("path", "client_id", "request_id", "pragma"):
        entry[key] = scrub(entry[key])
    for key in ("request_sha256", "response_sha256"):
        kind = type(entry[key])
        if kind is bytes:
            entry[key] = digest(entry[key])
        elif kind is Digest:
            entry[key] = entry[key].value()
    fault = entry["fault"]
    entry["fault"] = None if fault is None else {"id": fault[0], "kind": fault[1]}
    return entry


# ------------------------------------------------- request ids, the log's facts

_id_prefix = secrets.token_hex(8)
_id_serial = itertools.count(secrets.randbelow(1 << 32))


def _new_id_prefix() -> None:  # a forked child must not repeat its parent's ids
    global _id_prefix
    _id_prefix = secrets.token_hex(8)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_id_prefix)


def new_request_id() -> str:
    """32 lower-case hex characters, as the gateway's ids: a random per-process prefix and a
    serial, unique without asking the OS for randomness on every request."""
    return f"{_id_prefix}{next(_id_serial) & 0xFFFFFFFFFFFFFFFF:016x}"


class LogFacts:
    """What the server's request log line needs from the app (the layers' hooks ran first),
    with the emulator's secrets and tokens redacted by value: worked out only if the server's
    access log asks (`.get`), since it is off by default. `target`: the request target as
    sent, or how to get it."""

    __slots__ = ("_target", "_raw", "_scrub", "_shown")

    def __init__(
        self, target: str | Callable[[], str], raw: dict[str, Any], scrub: Callable[[str | None], str | None]
    ) -> None:
        self._target = target
        self._raw = raw
        self._scrub = scrub
        self._shown: dict[str, Any] | None = None

    def __bool__(self) -> bool:
        return True

    def get(self, key: str, default: Any = None) -> Any:
        shown = self._shown
        if shown is None:
            scrub, raw, target = self._scrub, self._raw, self._target
            shown = self._shown = {
                "path": redact_target(scrub(target if isinstance(target, str) else target()) or ""),
                "request_id": scrub(raw["request_id"]),
                "client_id": scrub(raw["client_id"]),
                "answered_by": raw["answered_by"],
            }
        return shown.get(key, default)


FACTS = "umapi_mock.facts"


# ------------------------------------------------------------ connection drop


class ConnectionDropped(ConnectionAbortedError):
    """Raised out of the WSGI app when a fault drops the connection. The werkzeug server
    treats it as a dropped connection (no response is written); the Flask test client
    lets it reach the test."""


class DropConnection:
    """WSGI wrapper: after the app ran, close the client socket instead of answering."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]]):
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        result = self.wsgi_app(environ, start_response)
        if not environ.get(DROP_KEY):
            return result
        close = getattr(result, "close", None)
        if close is not None:
            close()
        sock = environ.get("werkzeug.socket") or environ.get("gunicorn.socket")
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        raise ConnectionDropped("umapi-mock fault: connection dropped without a response")
