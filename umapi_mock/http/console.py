"""The admin console at `/_mock/ui/`: static pages shipped in the package that read and
steer the emulator through the admin API.

The page shell (HTML, CSS, JavaScript) holds no data, so it is served without the admin
token; every piece of data comes from `/_mock/` with the token the person typed into the
console's login form (kept in the browser tab's sessionStorage only). The one exception
is the state download: a browser download cannot carry an Authorization header, so it is
a form POST with the token as a field, answered as an attachment that goes straight to
disk, which keeps the client secrets in the dump out of the page.
"""

from __future__ import annotations

from importlib import resources
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, redirect, request

from ..seed import dump_orgs
from .admin import admin_token_ok, fail, foreign_host
from .context import emulator_of
from .render import dumps

bp = Blueprint("mock_console", __name__)  # routes: http/routes.py

ASSETS = resources.files("umapi_mock.http") / "static" / "console"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}
SECURITY_HEADERS = {
    # Only our own files run: no inline script, no other origin, no framing.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


bp.before_request(foreign_host)  # DNS rebinding: only a Host that names this server


def same_origin_post() -> bool:
    """Positive proof that the console's own page sent this POST: the browser's `Origin` names
    this server, or `Sec-Fetch-Site` says same-origin. A cross-site form POST carries neither
    (and an old browser's form POST without both is refused too: only the console posts here)."""
    origin = request.headers.get("Origin")
    if origin is not None and origin != "null":
        return urlsplit(origin).netloc.lower() == request.host.lower()
    return request.headers.get("Sec-Fetch-Site", "").lower() == "same-origin"


def _asset(name: str) -> Response:
    suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
    if suffix not in CONTENT_TYPES or "/" in name or name.startswith("."):
        abort(404)
    path = ASSETS / name
    if not path.is_file():
        abort(404)
    return Response(path.read_bytes(), content_type=CONTENT_TYPES[suffix], headers=SECURITY_HEADERS)


def root() -> Response:
    return redirect(request.path.rstrip("/") + "/", code=308)  # type: ignore[return-value]


def index() -> Response:
    return _asset("index.html")


def asset(name: str) -> Response:
    return _asset(name)


def state_download() -> Response:
    """The whole state as a JSON attachment (form field `token`: the admin token)."""
    if not same_origin_post():
        return fail(403, "cross_origin", "the state download is sent by the console's own page only")
    if not admin_token_ok(request.form.get("token") or None):
        return fail(401, "unauthorized", "the state download needs the admin token")
    orgs = list(emulator_of().backend.orgs.values())
    response = Response(dumps(dump_orgs(orgs)), content_type="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="umapi-mock-state.json"'
    response.headers.update({k: v for k, v in SECURITY_HEADERS.items() if k != "Cache-Control"})
    response.headers["Cache-Control"] = "no-store"
    return response
