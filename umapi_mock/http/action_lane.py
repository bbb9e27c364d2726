"""The action request in the fast lane (`fast_lane.py`): a POST of an action batch answered
without building Flask's request, context or response objects.

It takes only the plain case: `POST /v2/usermanagement/action/{orgId}` with an ASCII path,
a `Content-Length` body (no transfer or content coding), no query but `testOnly`, no fault
rules, the throttle off or admitting it, and a gate that passes. The body is parsed and
checked before the run; anything those refuse falls through to Flask before any state
changed (the body is handed back to it unread), so Flask answers it as it always did. A run
that raises (a durable org's save failed, and the org undid the run in memory) falls
through too, carrying the error: the view raises it instead of running the body again
(`umapi.LANE_NOT_SAVED`), so Flask answers it as if its own run had failed. A request the lane
takes is run and rendered by the view's own function (`umapi.action_answer`), and its
hooks' work is done by the lane's (`FastLane.admit` / `FastLane.finish`), so both paths
give the same bytes: `tests/layers/test_action_lane.py` compares them, header by header,
journal entry by journal entry.
"""

from __future__ import annotations

import io
import re
from typing import Any, Protocol

from ..domain import commands, heap
from ..domain.errors import UmapiError
from ..domain.models import Org
from .routes import BY_FLASK_ENDPOINT
from .umapi import LANE_NOT_SAVED, action_answer, parse_bool

_ACTION = re.compile(r"/v2/usermanagement/action/([^/]+)")
_TEST_ONLY = re.compile(r"testOnly=([A-Za-z0-9]*)")  # no escapes: werkzeug reads it the same
_ROW = BY_FLASK_ENDPOINT["umapi.action"]


class FastLane(Protocol):
    """What the action lane uses of `fast_lane.FastLane` (which imports this module)."""

    emulator: Any

    def admit(self, environ: dict[str, Any], family: str | None) -> tuple[float, str | None, str] | None: ...

    def org_of(self, environ: dict[str, Any], api_key: str | None, org_id: str) -> Org: ...

    def finish(self, environ: dict[str, Any], headers: list[tuple[str, str]], identity: bytes, *rest: Any) -> bytes: ...


def answer_action(lane: FastLane, environ: dict[str, Any]) -> tuple[list[tuple[str, str]], bytes] | None:
    """(headers, body) of the action's 200, or None to let Flask answer."""
    path: str = environ.get("PATH_INFO") or ""
    match = _ACTION.fullmatch(path) if path.isascii() else None
    length = environ.get("CONTENT_LENGTH") or ""
    if (
        match is None
        or not length.isdigit()
        or environ.get("HTTP_CONTENT_ENCODING")
        or environ.get("HTTP_TRANSFER_ENCODING")
        or environ.get("SCRIPT_NAME")
    ):
        return None
    query_string = environ.get("QUERY_STRING") or ""
    query: tuple[tuple[str, str], ...] = ()
    test_only: str | None = None
    if query_string:
        flag = _TEST_ONLY.fullmatch(query_string)
        if flag is None:
            return None
        test_only = flag.group(1)
        query = (("testOnly", test_only),)
    try:
        test_mode = parse_bool("testOnly", test_only, False)
    except UmapiError:
        return None
    admitted = lane.admit(environ, _ROW.family)
    if admitted is None:
        return None
    t0, api_key, request_id = admitted
    org_id = match.group(1)
    raw: bytes = environ["wsgi.input"].read(int(length))
    org: Org | None
    try:
        org = lane.org_of(environ, api_key, org_id)
    except UmapiError:
        org = None
    identity = None
    if org is not None:
        try:
            with heap.no_collection():  # the parsed body is gone before a collection can see it
                identity = _run(org, raw, test_mode)
        except UmapiError as not_saved:  # a durable org's save failed: undone in memory
            environ[LANE_NOT_SAVED] = not_saved  # the view raises it: Flask answers as if it ran it
    if identity is None:
        environ["wsgi.input"] = io.BytesIO(raw)  # Flask reads the body again
        return None
    headers: list[tuple[str, str]] = []
    sent = lane.finish(environ, headers, identity, None, _ROW, org_id, t0, api_key, request_id, path, query, raw)
    return headers, sent


def _run(org: Org, raw: bytes, test_mode: bool) -> bytes | None:
    """The report as sent, or None when the body is refused before the run (Flask's)."""
    try:
        body = commands.check_body(commands.parse_body(raw))
    except UmapiError:
        return None
    with org.lock:
        return action_answer(org, body, test_mode)
