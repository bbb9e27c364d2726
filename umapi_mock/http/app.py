"""The app factory: one Flask app per emulator instance, IMS and UMAPI on one port."""

from __future__ import annotations

import logging
import uuid

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from ..config import Config
from ..domain.backend import Backend
from ..domain.errors import UmapiError
from ..layers import install_layers
from ..world import build_backend
from . import ims, umapi
from .render import error_response, json_response

log = logging.getLogger("umapi_mock")


def create_app(config: Config | None = None, backend: Backend | None = None) -> Flask:
    config = config or Config()
    if backend is None:
        backend = build_backend(
            config.seed,
            seed_source=config.seed_source,
            seed_dir=config.seed_dir,
            token_ttl=config.token_ttl,
            jwt_enabled=config.jwt_enabled,
            progress=config.progress,
        )
    app = Flask("umapi_mock")
    app.config["UMAPI_MOCK"] = config
    app.extensions["umapi_mock"] = backend
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.url_map.strict_slashes = False

    @app.before_request
    def request_id() -> None:
        g.request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex  # 32 alphanumerics, as the gateway

    @app.after_request
    def echo_request_id(response: Response) -> Response:
        response.headers["X-Request-Id"] = getattr(g, "request_id", "")
        return response

    @app.get("/status")
    def status() -> Response:
        return json_response(umapi.STATUS)

    app.register_blueprint(ims.bp)
    app.register_blueprint(umapi.bp)
    install_layers(app, config, backend)

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

    return app
