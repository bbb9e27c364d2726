"""Request-body parsing for the action endpoint (spec §3.1): JSON with repeated keys
remembered, and the whole-request checks that stop a batch before anything runs."""

from __future__ import annotations

import json
from typing import Any

from .. import limits
from ..errors import UmapiError


class JsonObject(dict):  # type: ignore[type-arg]
    """A parsed JSON object that remembers keys the text repeated (`duplicates`), so the
    engine can answer the duplicate-list error codes; json keeps only the last value."""

    duplicates: tuple[str, ...] = ()


def _object_pairs(pairs: list[tuple[str, Any]], _dict: Any = dict, _len: Any = len) -> dict[str, Any]:
    # (builtins bound as defaults, read as fast locals: this runs for every object of a body)
    obj: dict[str, Any] = _dict(pairs)
    if _len(obj) == _len(pairs):
        return obj  # the common case stays a plain dict
    repeated = JsonObject(obj)
    seen: set[str] = set()
    dups: list[str] = []
    for key, _ in pairs:
        if key in seen:
            dups.append(key)
        seen.add(key)
    repeated.duplicates = tuple(dups)
    return repeated


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(object_pairs_hook=_object_pairs, parse_constant=_no_constants)  # built once


def parse_body(raw: bytes | str) -> Any:
    """The request body as JSON, or `action.malformed` (spec §3.1)."""
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
        return _DECODER.decode(text)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise UmapiError("action.malformed", detail="The request body is not valid JSON") from None


def check_body(body: Any) -> list[Any]:
    """Whole-request validation (spec §3.1, §6 A29): nothing runs when this fails."""
    if not isinstance(body, list):
        raise UmapiError("action.malformed", detail="The request body must be a JSON array of commands")
    if not body:
        raise UmapiError("action.malformed", detail="The request body must contain at least one command")
    if len(body) > limits.ENTRIES_PER_REQUEST:
        raise UmapiError(
            "action.malformed",
            detail=f"Too many commands in one request: {len(body)}, max {limits.ENTRIES_PER_REQUEST}",
        )
    return body
