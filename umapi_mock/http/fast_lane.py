"""The fast lane: the hot reads (a users page, Get User) answered from precomputed parts,
without building Flask's request, context or response objects.

A WSGI wrapper in front of the Flask app. It takes only exact matches: `GET` with no query,
no body, an ASCII path of one of the two shapes, no fault rules, the throttle off or
admitting the request, and a gate that passes (memoised: `domain.gate.authorize`).
Everything else, including every error, falls through to Flask before any state changed but
the throttle's count, whose decision Flask reuses (`middleware.THROTTLED`) instead of
counting the request twice; so Flask answers it as it always did. What
the hooks do for these requests is done here through the same functions (the request id,
`Canonical-Resource`, content negotiation, the journal, the access log's facts), in the
hooks' order, so both paths give the same bytes: `tests/layers/test_fast_lane.py` compares
them, header by header. An action POST takes the action lane (`action_lane.py`), whose
hooks' work is done by the same `admit` and `finish`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..domain.errors import UmapiError
from ..domain.gate import authorize
from .action_lane import answer_action
from .compression import MIN_SIZE, CachedBody, compress, negotiate
from .middleware import FACTS, THROTTLED, LogFacts, new_request_id, record_exchange
from .render import JSON, dumps
from .routes import BY_FLASK_ENDPOINT, Endpoint
from .umapi import get_user_body, users_page_answer

if TYPE_CHECKING:
    from ..domain.models import Org
    from ..emulator import Emulator
    from .page_cache import PageCache

_USERS = re.compile(r"/v2/usermanagement/users/([^/]+)/([0-9]+)")
_USER = re.compile(r"/v2/usermanagement/organizations/([^/]+)/users/([^/]+)")
_USERS_ROW = BY_FLASK_ENDPOINT["umapi.users"]
_USER_ROW = BY_FLASK_ENDPOINT["umapi.get_user"]
_STATUS = "200 OK"
_CONTENT_TYPE = ("Content-Type", JSON)
_VARY = ("Vary", "Accept-Encoding")
_NO_LENGTH = (None, "", "0")
IN_PROCESS = "umapi_mock.in_process"  # environ flag set by `mock_umapi`: no wire, no Content-Length


class FastLane:
    """WSGI wrapper answering the exact matches above; the rest goes to `app`."""

    def __init__(self, app: Callable[..., Iterable[bytes]], emulator: Emulator, pages: PageCache):
        self.app = app
        self.emulator = emulator
        self.pages = pages

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        answer = None
        if (
            method == "GET"
            and not environ.get("QUERY_STRING")
            and environ.get("CONTENT_LENGTH") in _NO_LENGTH
            and not environ.get("CONTENT_TYPE")
            and not environ.get("HTTP_CONTENT_ENCODING")
            and not environ.get("HTTP_TRANSFER_ENCODING")
            and not environ.get("SCRIPT_NAME")
        ):
            answer = self.answer(environ)
        elif method == "POST":
            answer = answer_action(self, environ)  # http/action_lane.py
        if answer is None:
            return self.app(environ, start_response)
        start_response(_STATUS, answer[0])
        return [answer[1]]

    def answer(self, environ: dict[str, Any]) -> tuple[list[tuple[str, str]], bytes] | None:
        """(headers, body) of a 200 for an exact match, or None to let Flask answer."""
        path: str = environ.get("PATH_INFO") or ""
        if not path.isascii():
            return None
        users = _USERS.fullmatch(path)
        if users is None:
            user = _USER.fullmatch(path)
            if user is None:
                return None
            org_id, user_string = user.group(1), user.group(2)
        else:
            org_id, page = users.group(1), users.group(2)
        emulator = self.emulator
        row = _USERS_ROW if users is not None else _USER_ROW
        admitted = self.admit(environ, row.family)
        if admitted is None:
            return None
        t0, api_key, request_id = admitted
        try:
            org = self.org_of(environ, api_key, org_id)
            with org.lock:
                if users is not None:
                    cached, paging = users_page_answer(
                        org, self.pages, emulator.config.users_page_size, int(page), None, True
                    )
                    identity = cached.identity
                else:
                    cached, paging = None, None
                    identity = dumps(get_user_body(org, user_string, None)).encode()
        except UmapiError:
            return None  # Flask answers it, as the gate or the view would have
        headers = list(paging.items()) if paging is not None else []
        sent = self.finish(environ, headers, identity, cached, row, org_id, t0, api_key, request_id, path, (), b"")
        return headers, sent

    def admit(self, environ: dict[str, Any], family: str | None) -> tuple[float, str | None, str] | None:
        """What the `before_request` hooks do for a lane request: (t0, api key, request id),
        or None to let Flask answer (a fault rule exists, or the throttle refuses it)."""
        layers = self.emulator.layers
        if len(layers.faults):
            return None
        t0 = time.perf_counter()
        api_key = environ.get("HTTP_X_API_KEY")
        throttle = layers.throttle
        if family is not None and throttle.policy.enabled:  # judged (and counted) once: Flask reuses the decision
            decision = throttle.check(family, api_key, environ.get("HTTP_PRAGMA"), environ.get("HTTP_AUTHORIZATION"))
            environ[THROTTLED] = decision
            if not decision.allowed:
                return None
        return t0, api_key, environ.get("HTTP_X_REQUEST_ID") or new_request_id()

    def org_of(self, environ: dict[str, Any], api_key: str | None, org_id: str) -> Org:
        """The org the gate lets this request at (`domain.gate.authorize`, memoised), or the
        gate's UmapiError."""
        backend = self.emulator.backend
        org, _ = authorize(
            backend.registry,
            backend.tokens,
            api_key=api_key,
            authorization=environ.get("HTTP_AUTHORIZATION"),
            org_id=org_id,
        )
        return org

    def finish(
        self,
        environ: dict[str, Any],
        headers: list[tuple[str, str]],
        identity: bytes,
        cached: CachedBody | None,
        row: Endpoint,
        org_id: str,
        t0: float,
        api_key: str | None,
        request_id: str,
        path: str,
        query: Sequence[tuple[str, str]],
        request_body: bytes,
    ) -> bytes:
        """What the `after_request` hooks do for a lane's 200: `headers` completed in their
        order (content negotiation, request id, `Canonical-Resource`), the journal entry and
        the access log's facts; the bytes to send."""
        coding = negotiate(environ.get("HTTP_ACCEPT_ENCODING", ""))
        if coding is not None and len(identity) >= MIN_SIZE:
            sent = cached.encoded(coding) if cached is not None else compress(identity, coding)
        else:
            coding, sent = None, identity
        headers.append(_CONTENT_TYPE)
        if not environ.get(IN_PROCESS):
            headers.append(("Content-Length", str(len(sent))))
        headers += (("X-Request-Id", request_id), ("Canonical-Resource", row.canonical), _VARY)
        if coding is not None:
            headers.append(("Content-Encoding", coding))
        emulator = self.emulator
        record_exchange(
            emulator,
            method=environ["REQUEST_METHOD"],
            path=path,
            query=query,
            status=200,
            t0=t0,
            client_id=api_key or None,
            org_id=org_id,
            request_id=request_id,
            family=row.family,
            request_body=request_body,
            request_type=environ.get("CONTENT_TYPE"),
            response_body=identity,
            response_type=JSON,
            shared=cached is not None,
            answered_by="handler",
            fault=None,
            pragma=environ.get("HTTP_PRAGMA"),
        )
        raw = {"request_id": request_id, "client_id": api_key or None, "answered_by": "handler"}
        target = environ.get("RAW_URI") or (f"{path}?{environ['QUERY_STRING']}" if query else path)
        environ[FACTS] = LogFacts(target, raw, emulator.secrets.scrub)
        return sent
