"""The app factory: one Flask app per emulator instance, IMS and UMAPI on one port.

Every hook and blueprint is installed here, in the order it runs."""

from __future__ import annotations

import logging
import uuid

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from ..config import Config
from ..domain.backend import Backend
from ..domain.errors import UmapiError
from ..emulator import Emulator
from ..redaction import redact_target
from ..world import build_backend
from . import admin, browse, canonical, console, ims, middleware, products, umapi
from .compression import install_compression
from .context import attach, emulator_of
from .render import error_response, json_response

log = logging.getLogger("umapi_mock")


def create_app(config: Config | None = None, backend: Backend | None = None) -> Flask:
    return create_emulator(config, backend).app  # type: ignore[no-any-return]


def create_emulator(config: Config | None = None, backend: Backend | None = None) -> Emulator:
    """An emulator handle whose `app` serves it."""
    config = config or Config()
    if backend is None:
        backend = build_backend(
            config.seed,
            seed_source=config.seed_source,
            seed_dir=config.seed_dir,
            token_ttl=config.token_ttl,
            jwt_enabled=config.jwt_mode,
            progress=config.progress,
        )
    app = Flask("umapi_mock")
    emulator = Emulator(config, backend)
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

    @app.get("/status")
    def status() -> Response:
        return json_response(umapi.STATUS)

    app.register_blueprint(ims.bp)
    app.register_blueprint(umapi.bp)
    app.register_blueprint(products.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(browse.bp)
    app.register_blueprint(console.bp)

    @app.errorhandler(UmapiError)
    def umapi_error(error: UmapiError) -> Response:
        return error_response(error)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        if error.code == 404:
            return error_response(UmapiError("route.not_found", path=request.path))
        if error.code == 405:
            return error_response(UmapiError("route.method_not_allowed", method=request.method, path=request.path))
        body = {"result": "error.request.invalid", "message": error.description or error.name}
        return json_response(body, error.code or 400)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(UmapiError("server.internal"))

    return emulator


def assign_request_id() -> None:
    g.request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex  # 32 alphanumerics, as the gateway


def echo_request_id(response: Response) -> Response:
    response.headers["X-Request-Id"] = getattr(g, "request_id", "")
    resource = g.get("canonical_resource")  # set by the gate once UMAPI itself answers
    if resource is not None:
        response.headers[canonical.HEADER] = resource
    # What the server's request log line needs from the app (the layers' hooks ran first),
    # with the emulator's secrets and tokens redacted by value.
    environ = request.environ
    scrub = emulator_of().secrets.scrub
    environ["umapi_mock.facts"] = {
        "path": redact_target(scrub(environ.get("RAW_URI") or request.full_path.rstrip("?")) or ""),
        "request_id": scrub(g.get("request_id")),
        "client_id": scrub(g.get("layer_client_id")),
        "answered_by": g.get("layer_answered_by", "handler"),
    }
    return response
