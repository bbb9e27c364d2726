"""UMAPI read endpoints (spec §2.5, §2.6) behind the auth gate (spec §4.1)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, Response, g, request

from ..config import Config
from ..domain import commands, reads
from ..domain.backend import Backend
from ..domain.errors import UmapiError
from ..domain.gate import authorize
from ..domain.models import Org
from ..domain.reads import Page
from .compression import CachedBody
from .context import emulator_of, pages_of
from .page_cache import PageCache
from .render import dumps, json_response
from .routes import endpoint_named
from .wire.actions import render_report
from .wire.reads import group_json, user_json

bp = Blueprint("umapi", __name__)  # routes: http/routes.py

STATUS = {"build": "umapi-mock", "version": "2.0.0", "side": "A", "environment": "umapi-mock-local", "state": "LIVE"}


def status() -> Response:
    return json_response(STATUS)


def backend() -> Backend:
    return emulator_of().backend


def config() -> Config:
    return emulator_of().config


def gated(view: Callable[..., Response]) -> Callable[..., Response]:
    """Run the auth gate with the path's org id; the view gets the Org as `org`."""

    @wraps(view)
    def wrapper(org_id: str, **kwargs: Any) -> Response:
        b = backend()
        org, token = authorize(
            b.registry,
            b.tokens,
            api_key=request.headers.get("X-Api-Key"),
            authorization=request.headers.get("Authorization"),
            org_id=org_id,
        )
        g.client_id = token.client_id
        endpoint = endpoint_named(request.endpoint)
        if endpoint is not None:  # past the gateway: UMAPI's own answers name their route
            g.canonical_resource = endpoint.canonical
        # A test-mode run changes state inside a transaction and then rolls it back; holding
        # the org lock means no read ever sees those changes, nor a half-applied request.
        with org.lock:
            return view(org=org, **kwargs)

    return wrapper


def parse_page(value: str) -> int:
    if not (value.isascii() and value.isdigit()):  # str.isdigit() also accepts "²", which int() rejects
        raise UmapiError("request.bad_path_value", value=value)
    return int(value)


def query_bool(name: str, default: bool) -> bool:
    return parse_bool(name, request.args.get(name), default)


def parse_bool(name: str, raw: str | None, default: bool) -> bool:
    """A boolean query value (the views' and the action lane's one reading of it)."""
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise UmapiError("request.bad_query_value", name=name, value=raw)


def paging_headers(page: Page[Any], *, one_based: bool = False) -> dict[str, str]:
    """The four `X-` headers as strings (spec §2.4, §6 A9/A10)."""
    current = page.index + 1 if one_based else page.index
    return {
        "X-Total-Count": str(page.total),
        "X-Page-Count": str(page.page_count),
        "X-Current-Page": str(current),
        "X-Page-Size": str(len(page.items)),
    }


def users_response(org: Org, key: tuple[Any, ...], page: Page[Any], extra: dict[str, Any], **shape: bool) -> Response:
    return json_response(users_body(pages_of(), org, key, page, extra, **shape), headers=paging_headers(page))


def users_body(
    pages: PageCache, org: Org, key: tuple[Any, ...], page: Page[Any], extra: dict[str, Any], **shape: bool
) -> CachedBody:
    """Serialise a users page once while its records stand: repeated reads of the same page
    are served as the same bytes (and the same compressed copies) from the emulator's page
    cache, until a write changes a user on it or that part of the list."""

    def user_bytes(user: Any) -> bytes:
        return dumps(user_json(org, user, **shape)).encode()

    def head() -> bytes:  # what dumps({..., "users": [...]}) writes before the users
        return dumps({"lastPage": page.last, "result": "success", **extra})[:-1].encode() + b',"users":['

    return pages.get(org, key, page, head, user_bytes)


def users_page_answer(
    org: Org, pages: PageCache, page_size: int, index: int, domain: str | None, direct_only: bool
) -> tuple[CachedBody, dict[str, str]]:
    """Get Users' body and paging headers (the view's and the fast lane's one way there)."""
    result = reads.users_page(org, index, page_size, domain)
    key = ("users", result.index, page_size, domain and domain.lower(), direct_only)
    return users_body(pages, org, key, result, {}, direct_only=direct_only), paging_headers(result)


def get_user_body(org: Org, user_string: str, domain: str | None) -> dict[str, Any]:
    """Get User's body (the view's and the fast lane's one way there)."""
    return {"result": "success", "user": user_json(org, reads.get_user(org, user_string, domain))}


@gated
def get_user(org: Org, user_string: str) -> Response:
    return json_response(get_user_body(org, user_string, request.args.get("domain")))


@gated
def users(org: Org, page: str) -> Response:
    index = parse_page(page)
    direct_only = query_bool("directOnly", True)
    domain = request.args.get("domain") or None
    body, headers = users_page_answer(org, pages_of(), config().users_page_size, index, domain, direct_only)
    return json_response(body, headers=headers)


@gated
def users_in_group(org: Org, page: str, group_name: str) -> Response:
    group_name = group_name.rstrip("/")
    index = parse_page(page)
    direct_only = query_bool("directOnly", True)
    exclude = query_bool("excludeGroups", False)
    status = request.args.get("status") or None
    if status is not None and status.lower() not in ("active", "inactive"):
        raise UmapiError("request.bad_query_value", name="status", value=status)
    result = reads.users_in_group_page(
        org, group_name, index, config().users_page_size, direct_only=direct_only, status=status
    )
    key = ("group-users", group_name, result.index, config().users_page_size, direct_only, exclude, status)
    return users_response(
        org,
        key,
        result,
        {"groupName": group_name},
        direct_only=direct_only,
        exclude_groups=exclude,
    )


@gated
def groups(org: Org, page: str) -> Response:
    result = reads.groups_page(org, parse_page(page), config().groups_page_size)
    body = {"lastPage": result.last, "result": "success", "groups": [group_json(org, gr) for gr in result.items]}
    return json_response(body, headers=paging_headers(result))


@gated
def action(org: Org) -> Response:
    """The action API (spec §3): always 200 once the body is a JSON array of 1-10 entries."""
    not_saved = request.environ.get(LANE_NOT_SAVED)
    if not_saved is not None:  # the action lane ran it, its save failed and was undone
        raise not_saved
    body = commands.parse_body(request.get_data())
    return json_response(action_answer(org, body, query_bool("testOnly", False)))


LANE_NOT_SAVED = "umapi_mock.lane_not_saved"  # environ: the action lane's failed save, for the view to answer


def action_answer(org: Org, body: Any, test_mode: bool) -> bytes:
    """The report of a parsed action body as sent (the view's and the action lane's one
    way there), the org lock held by the caller."""
    return dumps(render_report(commands.run_actions(org, body, test_mode=test_mode))).encode()
