"""The registry of fault kinds: what a rule's `respond` may ask for, each kind with its
parse, its JSON Schema, its form fields and its answer.

A kind is chosen by its trigger key in `respond` (the delay kind by none). Adding one is a
FaultKind and its entry in KINDS: the rule parser (`faults.py`), the OpenAPI schema of rules,
`GET /_mock/faults/kinds`, the console's form and `umapi-mock fault add` read this table.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


class Respond(Protocol):
    """What a kind's answer reads of a parsed `respond` (faults.Respond)."""

    @property
    def status(self) -> int | None: ...
    @property
    def body(self) -> Any: ...
    @property
    def settings(self) -> Any: ...


DEFAULT_MALFORMED = '{"result":"success","lastPage":tru'
MAX_DELAY = 600.0
MAX_RETRY_AFTER = 366 * 86400  # a year: an HTTP-date this far ahead still formats


class FaultRuleError(ValueError):
    """A bad fault rule: where (e.g. `[1].respond.status`) and what is wrong."""

    def __init__(self, path: str, problem: str):
        super().__init__(f"{path or '(rule)'}: {problem}")
        self.path, self.problem = path, problem


def join_path(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


COMMON_OPTIONS = ("delay", "headers", "retry_after", "retry_after_format")
_ANSWER_OPTIONS = COMMON_OPTIONS  # what a kind that answers takes beside its own keys


@dataclass(frozen=True)
class FaultAnswer:
    """A firing rule's answer in plain terms; the HTTP layer sends it (or drops the connection)."""

    status: int = 200
    body: Any = None  # str or bytes: sent as is; anything else: as JSON
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    drop: bool = False


@dataclass(frozen=True)
class FaultKind:
    name: str
    summary: str  # one line for the console's menu and the CLI's help
    trigger: str | None  # the respond key that names this kind (None: a delay alone)
    own: tuple[str, ...]  # its keys in respond (the trigger first), beside the common options
    accepts: tuple[str, ...]  # which COMMON_OPTIONS it takes
    schema: dict[str, Any]  # JSON Schema of each own key
    parse: Callable[[dict[str, Any], str], tuple[int | None, Any]]  # -> (status, settings)
    answer: Callable[[Respond, Callable[[int], Any]], FaultAnswer | None]
    form: tuple[dict[str, Any], ...] = ()  # fields for a form: key, label, type, min, max, value
    refuses: str = ""  # how a refusal names it: "<refuses> has no <key>"

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "summary": self.summary,
            "trigger": self.trigger,
            "keys": list(self.own),
            "options": list(self.accepts),
            "schema": respond_schema(self),
            "form": [dict(f) for f in self.form],
        }


def _int_in(doc: dict[str, Any], key: str, path: str, low: int, high: int) -> int | None:
    value = doc.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high):
        raise FaultRuleError(join_path(path, key), f"must be an HTTP status {low}-{high}, got {value!r}")
    return value


def _parse_status(doc: dict[str, Any], path: str) -> tuple[int | None, Any]:
    return _int_in(doc, "status", path, 400, 599), None


def _answer_status(r: Respond, gateway_body: Callable[[int], Any]) -> FaultAnswer:
    status = r.status or 500
    body = r.body if r.body is not None else gateway_body(status)
    headers = (("Server", "APIP"),) if status == 429 else ()  # the gateway's throttle answer
    if isinstance(body, str):
        return FaultAnswer(status, body, "text/plain; charset=utf-8", headers)
    return FaultAnswer(status, body, headers=headers)


def _parse_malformed(doc: dict[str, Any], path: str) -> tuple[int | None, Any]:
    raw = doc["malformed"]
    if raw is True:
        return _int_in(doc, "status", path, 200, 599), DEFAULT_MALFORMED
    if not isinstance(raw, str):
        raise FaultRuleError(join_path(path, "malformed"), "must be true or a raw (invalid JSON) body string")
    try:
        json.loads(raw)
    except ValueError:
        return _int_in(doc, "status", path, 200, 599), raw
    raise FaultRuleError(join_path(path, "malformed"), "this string is valid JSON; give an invalid body or true")


def _parse_drop(doc: dict[str, Any], path: str) -> tuple[int | None, Any]:
    if doc["drop"] is not True:
        raise FaultRuleError(join_path(path, "drop"), "must be true or false")
    return None, None


def _parse_delay(doc: dict[str, Any], path: str) -> tuple[int | None, Any]:
    return None, None  # the delay itself is a common option, checked before


_STATUS_FIELD = {"key": "status", "id": "status", "label": "Status", "type": "integer", "min": 400, "max": 599}
_RETRY_FIELD = {"key": "retry_after", "id": "retry", "label": "Retry-After (s)", "type": "integer", "min": 0}

KINDS: dict[str, FaultKind] = {
    k.name: k
    for k in (
        FaultKind(
            name="status",
            summary="answer with a status",
            trigger="status",
            own=("status", "body"),
            accepts=_ANSWER_OPTIONS,
            schema={
                "status": {"type": "integer", "minimum": 400, "maximum": 599},
                "body": {"description": "replaces the gateway body (a string is sent as text)"},
            },
            parse=_parse_status,
            answer=_answer_status,
            form=({**_STATUS_FIELD, "value": 503}, {**_RETRY_FIELD, "optional": True}),
            refuses="a status answer",
        ),
        FaultKind(
            name="delay",
            summary="delay, then answer normally",
            trigger=None,
            own=(),
            accepts=("delay", "headers"),
            schema={},
            parse=_parse_delay,
            answer=lambda r, gateway_body: None,
            form=(
                {
                    "key": "delay",
                    "id": "delay",
                    "label": "Delay (s)",
                    "type": "number",
                    "min": 0,
                    "max": MAX_DELAY,
                    "value": 1,
                },
            ),
            refuses="a delay alone (the real answer follows)",
        ),
        FaultKind(
            name="drop",
            summary="drop the connection",
            trigger="drop",
            own=("drop",),
            accepts=("delay",),
            schema={"drop": {"const": True}},
            parse=_parse_drop,
            answer=lambda r, gateway_body: FaultAnswer(drop=True),
            form=({"key": "drop", "type": "const", "value": True},),
            refuses="a dropped connection",
        ),
        FaultKind(
            name="malformed",
            summary="200 with a malformed JSON body",
            trigger="malformed",
            own=("malformed", "status"),
            accepts=_ANSWER_OPTIONS,
            schema={
                "malformed": {"anyOf": [{"const": True}, {"type": "string"}], "description": "true or the raw body"},
                "status": {"type": "integer", "minimum": 200, "maximum": 599},
            },
            parse=_parse_malformed,
            answer=lambda r, gateway_body: FaultAnswer(r.status or 200, r.settings),
            form=({"key": "malformed", "type": "const", "value": True},),
            refuses="a malformed answer",
        ),
    )
}

_COMMON_SCHEMA: dict[str, Any] = {
    "delay": {"type": "number", "minimum": 0, "maximum": MAX_DELAY},
    "headers": {"type": "object", "additionalProperties": {"type": ["string", "integer"]}},
    "retry_after": {
        "anyOf": [{"type": "integer", "minimum": 0, "maximum": MAX_RETRY_AFTER}, {"type": "string"}],
        "description": "integer seconds, or an HTTP-date sent verbatim",
    },
    "retry_after_format": {"enum": ["seconds", "http-date"]},
}


def respond_keys() -> set[str]:
    return set(COMMON_OPTIONS) | {key for k in KINDS.values() for key in k.own}


def respond_schema(kind: FaultKind) -> dict[str, Any]:
    """JSON Schema of a `respond` mapping of this kind."""
    props = {**{o: _COMMON_SCHEMA[o] for o in kind.accepts}, **kind.schema}
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    out["required"] = [kind.trigger] if kind.trigger else ["delay"]
    return out


def fault_rule_schema() -> dict[str, Any]:
    """JSON Schema of one fault rule (the OpenAPI document's `FaultRule`)."""
    strings = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
    params = {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean", "null"]}}
    return {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "description": {"type": "string"},
            "match": {
                "type": "object",
                "properties": {
                    "method": strings,
                    "path": strings,
                    "org": strings,
                    "client": strings,
                    "query": params,
                    "body": {
                        "type": "object",
                        "properties": {"contains": {"type": "string"}, "json": {"type": "object"}, "form": params},
                        "additionalProperties": False,
                    },
                },
                "additionalProperties": False,
            },
            "respond": {"oneOf": [respond_schema(k) for k in KINDS.values()]},
            "times": {"type": "integer", "minimum": 1},
            "probability": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
            "seed": {"type": "integer"},
        },
        "required": ["respond"],
        "additionalProperties": False,
    }


def kinds_json() -> list[dict[str, Any]]:
    """The registry as `GET /_mock/faults/kinds` serves it."""
    return [k.as_json() for k in KINDS.values()]
