"""The app factory: a Flask app adapting one emulator handle, IMS and UMAPI on one port.

Every hook and blueprint is installed here, in the order it runs."""

from __future__ import annotations

import logging

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from ..config import Config
from ..domain.backend import Backend
from ..domain.errors import UmapiError
from ..emulator import Emulator
from . import admin, canonical, middleware, routes
from .compression import install_compression
from .context import attach, emulator_of, pages_of
from .fast_lane import FastLane
from .middleware import FACTS, LogFacts, new_request_id
from .render import error_response, json_response

log = logging.getLogger("umapi_mock")


def create_app(emulator: Emulator | Config | None = None, backend: Backend | None = None) -> Flask:
    """A Flask app serving `emulator`: a pure adapter, holding the HTTP-side caches. Given a
    Config (or nothing), the emulator is built first with `Emulator.open(config, backend)`."""
    if not isinstance(emulator, Emulator):
        emulator = Emulator.open(emulator, backend)
    elif backend is not None:
        raise ValueError("give a backend to Emulator.open, not with an emulator")
    app = Flask("umapi_mock")
    attach(app, emulator)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.url_map.strict_slashes = False

    # Hooks, in the order they run (Flask runs after_request hooks last-registered first).
    app.before_request(assign_request_id)
    install_compression(app)  # request bodies decoded first; answers compressed last, after the journal
    app.before_request(middleware.apply_layers)  # faults, then throttle
    app.after_request(echo_request_id)  # runs second
    app.after_request(middleware.journal_exchange)  # runs first: the journal sees the answer
    app.wsgi_app = middleware.DropConnection(app.wsgi_app)  # type: ignore[method-assign]
    # In front of it all: the hot reads answered from precomputed parts (same bytes)
    app.wsgi_app = FastLane(app.wsgi_app, emulator, pages_of(app))  # type: ignore[method-assign]

    for blueprint in routes.blueprints():  # every route is a row of the endpoint table
        app.register_blueprint(blueprint)

    @app.errorhandler(UmapiError)
    def umapi_error(error: UmapiError) -> Response:
        return error_response(error)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        if routes.is_admin_path(request.path):
            return admin.admin_http_error(error)
        if error.code == 404:
            return error_response(UmapiError("route.not_found", path=request.path))
        if error.code == 405:
            response = error_response(UmapiError("route.method_not_allowed", method=request.method, path=request.path))
            return admin.with_allow(response, error)
        body = {"result": "error.request.invalid", "message": error.description or error.name}
        return json_response(body, error.code or 400)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(UmapiError("server.internal"))

    return app


def assign_request_id() -> None:
    g.request_id = request.headers.get("X-Request-Id") or new_request_id()


def echo_request_id(response: Response) -> Response:
    ctx = g._get_current_object()
    headers = response.headers
    headers["X-Request-Id"] = getattr(ctx, "request_id", "")
    resource = ctx.get("canonical_resource")  # set by the gate once UMAPI itself answers
    if resource is not None:
        headers[canonical.HEADER] = resource
    req = request._get_current_object()  # type: ignore[attr-defined]
    environ = req.environ
    raw = {
        "request_id": ctx.get("request_id"),
        "client_id": ctx.get("layer_client_id"),
        "answered_by": ctx.get("layer_answered_by", "handler"),
    }
    environ[FACTS] = LogFacts(
        lambda: environ.get("RAW_URI") or req.full_path.rstrip("?"), raw, emulator_of().secrets.scrub
    )
    return response
