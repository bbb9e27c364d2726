"""IMS token endpoints (spec §1): the same port as UMAPI, every path with and without `/`."""

from __future__ import annotations

from flask import Blueprint, Response, request

from ..domain.backend import Backend
from .context import emulator_of
from .render import json_response
from .wire.ims import token_answer

bp = Blueprint("ims", __name__)  # routes: http/routes.py


def _params() -> dict[str, str]:
    """Query string and form body (urlencoded or multipart) merged; the body wins (§1.2)."""
    params = {k: v for k, v in request.args.items()}
    params.update({k: v for k, v in request.form.items()})
    return params


def _backend() -> Backend:
    return emulator_of().backend


def token() -> Response:
    return json_response(token_answer(_backend().tokens.client_credentials(_params())))


def exchange_jwt() -> Response:
    return json_response(token_answer(_backend().tokens.exchange_jwt(_params())))
