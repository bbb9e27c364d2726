"""Request-body parsing for the action endpoint (spec §3.1): JSON with repeated keys
remembered, and the whole-request checks that stop a batch before anything runs."""

from __future__ import annotations

import gc
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
_PLAIN = json.JSONDecoder(parse_constant=_no_constants)  # no hook: objects built in C


def _key_count(value: Any, _referents: Any = gc.get_referents) -> int:
    """How many keys the objects in a parsed JSON value hold, level by level: the
    containers' children come from `gc.get_referents` (a dict's values, a list's items)."""
    count = 0
    level = [value]
    while level:
        count += sum(map(len, [x for x in level if type(x) is dict]))
        level = [x for x in _referents(*level) if type(x) is dict or type(x) is list]
    return count


def _batch_key_count(value: Any, _len: Any = len, _type: Any = type) -> int:
    """The keys of an action batch's entries, steps and step values: a lower bound of the
    parsed keys, in a third of `_key_count`'s time for the shape every batch has."""
    if _type(value) is not list:
        return -1
    count = 0
    for entry in value:
        if _type(entry) is not dict:
            return -1
        count += _len(entry)
        steps = entry.get("do")
        if _type(steps) is list:
            for step in steps:
                try:  # the usual step: an object of one key (JSON gives no other type `values`)
                    (step_value,) = step.values()
                except (AttributeError, ValueError):
                    return -1  # another shape: `_key_count` counts it
                count += _len(step_value) + 1 if _type(step_value) is dict else 1
    return count


def parse_body(raw: bytes | str) -> Any:
    """The request body as JSON, or `action.malformed` (spec §3.1).

    Parsed without a hook first. Every key of the text is followed by a colon, so the text
    holds at least as many colons as it has keys, and a repeated key leaves the parsed
    objects one key fewer than the text had. When the colons equal the keys counted in the
    parsed value (those of a batch's usual shape first, then all of them), no key was
    repeated; otherwise (a repeated key, or a colon in a string) the text is parsed again
    with the hook that remembers repeated keys (`JsonObject`)."""
    try:
        text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
        parsed = _PLAIN.decode(text)
        colons = text.count(":")
        if colons != _batch_key_count(parsed) and colons != _key_count(parsed):
            parsed = _DECODER.decode(text)
        return parsed
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
