"""Fault injection: rules that make chosen requests fail the way a gateway or network does.

A rule is a mapping (from `Config.faults`, a `--faults FILE` or `POST /_mock/faults`):

    {
      "id": "actions-503",                       # optional; default "f1", "f2", ...
      "match": {                                 # every given condition must hold; {} = all
        "method": "POST",                        # or a list
        "path": "/v2/usermanagement/action/*",   # glob (fnmatch; '*' also crosses '/'), or a list
        "org": "0123...@AdobeOrg",               # org id in the URL; for IMS the client's org
        "client": "test-client",                 # X-Api-Key, or IMS client_id; or a list
        "query": {"testOnly": "true"},           # glob per param, case-insensitive; null = absent
        "body": {
          "contains": "jane@example.com",        # substring of the raw request body
          "json": {"/0/user": "jane@example.com"},   # JSON pointer -> expected value
          "form": {"grant_type": "client_credentials"}  # form fields (IMS), glob
        }
      },
      "respond": {                               # one kind (see KINDS): status / drop / malformed / delay
        "status": 503,                           # 400-599, gateway body {"error_code":"503000",...}
        "body": {...},                           # optional: replaces the default body (str = raw)
        "headers": {"X-Any": "value"},           # optional extra headers
        "retry_after": 2,                        # int seconds, or an HTTP-date string verbatim
        "retry_after_format": "seconds",         # or "http-date": send now + retry_after as a date
        "delay": 0.5,                            # sleep first; alone it delays the real answer
        "drop": true,                            # close the connection without a response
        "malformed": true                        # 200 with invalid JSON (a string = that raw body)
      },
      "times": 2,                                # fire at most this often (default: unlimited)
      "probability": 0.5,                        # fire with this chance (default 1)
      "seed": 7                                  # RNG seed for probability (default: from id)
    }

Rules are tried in order; the first that fires answers. A rule that matches but does not
fire (its probability roll failed, or its `times` are used up) lets later rules try.
"""

from __future__ import annotations

import email.utils
import fnmatch
import hashlib
import json
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..documents import DocumentError, read_document
from ..retry_after import retry_after_seconds
from .fault_kinds import (
    KINDS,
    MAX_DELAY,
    MAX_RETRY_AFTER,
    FaultAnswer,
    FaultKind,
    respond_keys,
)
from .fault_kinds import FaultRuleError as FaultRuleError  # a bad rule: raised here too
from .fault_kinds import join_path as _join

_RULE_KEYS = {"id", "match", "respond", "times", "probability", "seed", "description"}
_MATCH_KEYS = {"method", "path", "org", "client", "query", "body"}
_BODY_KEYS = {"contains", "json", "form"}


@dataclass(frozen=True)
class RequestFacts:
    """What a rule can match on, extracted once per request by the app hook."""

    method: str
    path: str
    org_id: str | None = None
    client_id: str | None = None
    query: Mapping[str, str] = field(default_factory=dict)
    form: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True)
class Match:
    methods: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()
    clients: tuple[str, ...] = ()
    query: tuple[tuple[str, str | None], ...] = ()
    contains: str | None = None
    json_equals: tuple[tuple[str, Any], ...] = ()
    form: tuple[tuple[str, str | None], ...] = ()

    def matches(self, req: RequestFacts) -> bool:
        if self.methods and req.method.upper() not in self.methods:
            return False
        if self.paths and not any(fnmatch.fnmatchcase(req.path, p) for p in self.paths):
            return False
        if self.orgs and (req.org_id is None or req.org_id.lower() not in self.orgs):
            return False
        if self.clients and (req.client_id is None or req.client_id not in self.clients):
            return False
        if not _params_match(self.query, req.query) or not _params_match(self.form, req.form):
            return False
        if self.contains is not None and self.contains not in req.body.decode("utf-8", "replace"):
            return False
        if self.json_equals:
            try:
                doc = json.loads(req.body)
            except ValueError:
                return False
            for pointer, expected in self.json_equals:
                found, value = _resolve_pointer(doc, pointer)
                if not found or not _same(value, expected):
                    return False
        return True


@dataclass(frozen=True)
class Respond:
    kind: str  # a name in KINDS
    status: int | None = None
    body: Any = None  # None = the default body for the status
    headers: tuple[tuple[str, str], ...] = ()
    retry_after: int | str | None = None
    retry_after_format: str = "seconds"
    delay: float = 0.0
    settings: Any = None  # what the kind's own parser kept (e.g. the raw invalid body)

    def retry_after_header(self) -> str | None:
        if self.retry_after is None:
            return None
        if isinstance(self.retry_after, str):
            return self.retry_after
        if self.retry_after_format == "http-date":
            # The client compares the date with its own (real) clock, so real time is used.
            return email.utils.formatdate(time.time() + self.retry_after, usegmt=True)
        return str(self.retry_after)

    def answer(self, gateway_body: Callable[[int], Any]) -> FaultAnswer | None:
        """What to send (None: go on to the real answer, after the delay)."""
        answer = KINDS[self.kind].answer(self, gateway_body)
        if answer is None or answer.drop:
            return answer
        extra = list(answer.headers)
        retry_after = self.retry_after_header()
        if retry_after is not None:
            extra.append(("Retry-After", retry_after))
        extra.extend(self.headers)
        return replace(answer, headers=tuple(extra))


@dataclass
class FaultRule:
    id: str
    match: Match
    respond: Respond
    times: int | None = None
    probability: float = 1.0
    seed: int | None = None
    source: dict[str, Any] = field(default_factory=dict)
    fired: int = 0
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    @classmethod
    def parse(cls, doc: Any, path: str = "", *, default_id: str | None = None) -> FaultRule:
        return parse_fault_rule(doc, path, default_id=default_id)

    def fresh(self) -> FaultRule:
        """A copy that has not fired yet (its id and random stream are set by `FaultSet.add`)."""
        return replace(self, fired=0, _rng=random.Random())

    @property
    def remaining(self) -> int | None:
        return None if self.times is None else max(0, self.times - self.fired)

    def as_json(self) -> dict[str, Any]:
        out = dict(self.source)
        out["id"] = self.id
        out["fired"] = self.fired
        out["remaining"] = self.remaining
        return out


# ------------------------------------------------------------------- parsing


def parse_fault_rule(doc: Any, path: str = "", *, default_id: str | None = None) -> FaultRule:
    """Validate one rule mapping; raise FaultRuleError(path, problem) on the first problem."""
    if not isinstance(doc, dict):
        raise FaultRuleError(path, f"a fault rule must be a mapping, got {type(doc).__name__}")
    _no_unknown(doc, _RULE_KEYS, path)
    rule_id = doc.get("id", default_id)
    if rule_id is not None and (not isinstance(rule_id, str) or not rule_id.strip() or "/" in rule_id):
        raise FaultRuleError(_join(path, "id"), "must be a non-empty string without '/'")
    if rule_id == "kinds":  # GET /_mock/faults/kinds is the registry
        raise FaultRuleError(_join(path, "id"), "'kinds' is reserved")
    match = _parse_match(doc.get("match", {}), _join(path, "match"))
    if "respond" not in doc:
        raise FaultRuleError(_join(path, "respond"), "is required")
    respond = _parse_respond(doc["respond"], _join(path, "respond"))
    times = doc.get("times")
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
        raise FaultRuleError(_join(path, "times"), f"must be a positive integer, got {times!r}")
    probability = doc.get("probability", 1.0)
    if isinstance(probability, bool) or not isinstance(probability, (int, float)) or not 0 < probability <= 1:
        raise FaultRuleError(_join(path, "probability"), f"must be a number in (0, 1], got {probability!r}")
    seed = doc.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise FaultRuleError(_join(path, "seed"), f"must be an integer, got {seed!r}")
    return FaultRule(
        id=rule_id or "",
        match=match,
        respond=respond,
        times=times,
        probability=float(probability),
        seed=seed,
        source={k: v for k, v in doc.items() if k != "id"},
    )


def parse_fault_rules(doc: Any) -> list[FaultRule]:
    """One rule mapping or a list of them (ids not yet assigned when missing)."""
    if isinstance(doc, list):
        return [parse_fault_rule(item, f"[{i}]") for i, item in enumerate(doc)]
    return [parse_fault_rule(doc)]


def _fault_docs(path: str) -> list[Any]:
    """A faults file's rule documents: a rule, a list of rules, or {"faults": [...]}."""
    try:
        doc = read_document(path, "fault file")
    except DocumentError as exc:
        raise FaultRuleError("", str(exc)) from None
    if isinstance(doc, dict) and set(doc) == {"faults"}:
        doc = doc["faults"]
    return doc if isinstance(doc, list) else [doc]


def load_faults_file(path: str) -> list[dict[str, Any]]:
    """A faults file's rule documents, validated. Raises FaultRuleError."""
    docs = _fault_docs(path)
    parse_fault_rules(docs)
    return docs


def read_fault_rules(path: str) -> list[FaultRule]:
    """A faults file parsed once into rules, for `Config.faults`. Raises FaultRuleError."""
    return parse_fault_rules(_fault_docs(path))


def _no_unknown(doc: dict[str, Any], allowed: set[str], path: str) -> None:
    unknown = sorted(str(k) for k in set(doc) - allowed)
    if unknown:
        raise FaultRuleError(_join(path, unknown[0]), f"unknown key (allowed: {', '.join(sorted(allowed))})")


def _strings(value: Any, path: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(v, str) and v for v in items):
        raise FaultRuleError(path, "expected a non-empty string or a list of them")
    return tuple(items)


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _params(value: Any, path: str) -> tuple[tuple[str, str | None], ...]:
    if not isinstance(value, dict):
        raise FaultRuleError(path, "expected a mapping of parameter name to glob (or null for 'absent')")
    out: list[tuple[str, str | None]] = []
    for name, want in value.items():
        if want is not None and not isinstance(want, (str, int, float, bool)):
            raise FaultRuleError(f"{path}.{name}", "expected a string, number, boolean or null")
        out.append((str(name), None if want is None else _scalar_text(want).lower()))
    return tuple(out)


def _params_match(wanted: tuple[tuple[str, str | None], ...], actual: Mapping[str, str]) -> bool:
    for name, pattern in wanted:
        value = actual.get(name)
        if pattern is None:
            if value is not None:
                return False
        elif value is None or not fnmatch.fnmatchcase(value.lower(), pattern):
            return False
    return True


def _parse_match(doc: Any, path: str) -> Match:
    if doc is None:
        return Match()
    if not isinstance(doc, dict):
        raise FaultRuleError(path, f"expected a mapping, got {type(doc).__name__}")
    _no_unknown(doc, _MATCH_KEYS, path)
    kwargs: dict[str, Any] = {}
    if "method" in doc:
        kwargs["methods"] = tuple(m.upper() for m in _strings(doc["method"], _join(path, "method")))
    if "path" in doc:
        paths = _strings(doc["path"], _join(path, "path"))
        for p in paths:
            if not p.startswith("/") and not p.startswith("*"):
                raise FaultRuleError(_join(path, "path"), f"pattern {p!r} must start with '/' (or '*')")
        kwargs["paths"] = paths
    if "org" in doc:
        kwargs["orgs"] = tuple(o.lower() for o in _strings(doc["org"], _join(path, "org")))
    if "client" in doc:
        kwargs["clients"] = _strings(doc["client"], _join(path, "client"))
    if "query" in doc:
        kwargs["query"] = _params(doc["query"], _join(path, "query"))
    if "body" in doc:
        bpath = _join(path, "body")
        body = doc["body"]
        if not isinstance(body, dict):
            raise FaultRuleError(bpath, "expected a mapping with contains/json/form")
        _no_unknown(body, _BODY_KEYS, bpath)
        if "contains" in body:
            if not isinstance(body["contains"], str) or not body["contains"]:
                raise FaultRuleError(_join(bpath, "contains"), "expected a non-empty string")
            kwargs["contains"] = body["contains"]
        if "json" in body:
            jdoc = body["json"]
            if not isinstance(jdoc, dict) or not jdoc:
                raise FaultRuleError(_join(bpath, "json"), "expected a mapping of JSON pointer to value")
            for pointer in jdoc:
                if not isinstance(pointer, str) or (pointer and not pointer.startswith("/")):
                    raise FaultRuleError(f"{_join(bpath, 'json')}.{pointer}", "JSON pointers start with '/'")
            kwargs["json_equals"] = tuple(jdoc.items())
        if "form" in body:
            kwargs["form"] = _params(body["form"], _join(bpath, "form"))
    return Match(**kwargs)


def _parse_respond(doc: Any, path: str) -> Respond:
    """The common options, then the one kind the document names (its parser checks the rest)."""
    if not isinstance(doc, dict):
        raise FaultRuleError(path, f"expected a mapping, got {type(doc).__name__}")
    _no_unknown(doc, respond_keys(), path)
    kind = _kind_of(doc, path)
    for key, value in doc.items():
        if key not in kind.accepts and key not in kind.own and value not in (None, False):
            raise FaultRuleError(path if kind.trigger else _join(path, key), f"{kind.refuses} has no {key}")
    delay = doc.get("delay", 0)
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or not 0 <= delay <= MAX_DELAY:
        raise FaultRuleError(_join(path, "delay"), f"must be a number of seconds between 0 and {MAX_DELAY:g}")
    if kind.trigger is None and not delay:
        raise FaultRuleError(
            path, f"needs {', '.join(k.trigger for k in KINDS.values() if k.trigger)} or a positive delay"
        )
    headers = doc.get("headers", {}) or {}
    if not isinstance(headers, dict) or not all(
        isinstance(k, str) and isinstance(v, (str, int)) and not isinstance(v, bool) for k, v in headers.items()
    ):
        raise FaultRuleError(_join(path, "headers"), "expected a mapping of header name to string")
    retry_after = _retry_after(doc, path)
    fmt = doc.get("retry_after_format", "seconds")
    if fmt not in ("seconds", "http-date"):
        raise FaultRuleError(_join(path, "retry_after_format"), "must be 'seconds' or 'http-date'")
    if fmt == "http-date" and not isinstance(retry_after, int):
        raise FaultRuleError(_join(path, "retry_after_format"), "'http-date' needs integer retry_after seconds")
    status, settings = kind.parse(doc, path)
    return Respond(
        kind=kind.name,
        status=status,
        body=doc.get("body"),
        headers=tuple((k, str(v)) for k, v in headers.items()),
        retry_after=retry_after,
        retry_after_format=fmt,
        delay=float(delay),
        settings=settings,
    )


def _kind_of(doc: dict[str, Any], path: str) -> FaultKind:
    """The kind whose trigger key the respond mapping gives (a key another named kind takes
    as an option, like `status` beside `malformed`, does not count); the delay kind if none."""
    named = [k for k in KINDS.values() if k.trigger is not None and doc.get(k.trigger) not in (None, False)]
    options = {key for k in named for key in k.own if key != k.trigger}
    chosen = [k for k in named if k.trigger not in options]
    if len(chosen) > 1:
        every = ", ".join(k.trigger for k in KINDS.values() if k.trigger)
        raise FaultRuleError(path, f"choose one of {every} (got {', '.join(k.name for k in chosen)})")
    if chosen:
        return chosen[0]
    return next(k for k in KINDS.values() if k.trigger is None)


def _retry_after(doc: dict[str, Any], path: str) -> int | str | None:
    retry_after = doc.get("retry_after")
    if retry_after is None:
        return None
    rpath = _join(path, "retry_after")
    if isinstance(retry_after, bool):
        raise FaultRuleError(rpath, "expected integer seconds or an HTTP-date string")
    if isinstance(retry_after, str) and retry_after.strip().isdigit():
        retry_after = int(retry_after.strip())
    if isinstance(retry_after, int):
        if not 0 <= retry_after <= MAX_RETRY_AFTER:
            raise FaultRuleError(rpath, f"must be between 0 and {MAX_RETRY_AFTER} seconds")
    elif isinstance(retry_after, str):
        if retry_after_seconds(retry_after) is None:  # the parser clients of the kit use
            raise FaultRuleError(rpath, f"{retry_after!r} is neither integer seconds nor an HTTP-date")
    else:
        raise FaultRuleError(rpath, "expected integer seconds (never a decimal: spec §4.2) or an HTTP-date")
    return retry_after


def _same(value: Any, expected: Any) -> bool:
    """JSON equality: booleans are not numbers, 1 equals 1.0."""
    if isinstance(value, bool) or isinstance(expected, bool):
        return type(value) is type(expected) and value == expected
    return bool(value == expected)


def _resolve_pointer(doc: Any, pointer: str) -> tuple[bool, Any]:
    if pointer == "":
        return True, doc
    current = doc
    for raw in pointer[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(current, dict):
            if token not in current:
                return False, None
            current = current[token]
        elif isinstance(current, list):
            if not token.isdigit() or int(token) >= len(current):
                return False, None
            current = current[int(token)]
        else:
            return False, None
    return True, current


# ------------------------------------------------------------------ the set


class FaultSet:
    """The ordered, thread-safe list of active rules."""

    def __init__(self, rules: Sequence[FaultRule | dict[str, Any]] | None = None):
        """Start with `rules`: parsed rules (copied with fresh counters, so one Config can
        start several apps) or rule documents (parsed here)."""
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._counter = 0
        self.listeners: list[Callable[[], None]] = []  # told after rules are added or removed (persistence)
        if rules:
            self.add(
                [r.fresh() if isinstance(r, FaultRule) else parse_fault_rule(r, f"[{i}]") for i, r in enumerate(rules)]
            )

    def add(self, rules: list[FaultRule]) -> list[str]:
        """Append validated rules, assigning ids; all or nothing."""
        with self._lock:
            taken = {r.id for r in self._rules}
            new_ids: list[str] = []
            for i, rule in enumerate(rules):
                if rule.id:
                    if rule.id in taken:
                        where = f"[{i}].id" if len(rules) > 1 else "id"
                        raise FaultRuleError(where, f"a rule with id {rule.id!r} already exists")
                    taken.add(rule.id)
            counter = self._counter
            for rule in rules:
                if not rule.id:
                    counter += 1
                    while f"f{counter}" in taken:
                        counter += 1
                    rule.id = f"f{counter}"
                    taken.add(rule.id)
                seed = (
                    rule.seed
                    if rule.seed is not None
                    else int.from_bytes(hashlib.sha256(rule.id.encode()).digest()[:8], "big")
                )
                rule._rng = random.Random(seed)
                new_ids.append(rule.id)
            self._counter = counter
            self._rules.extend(rules)
        self._changed()
        return new_ids

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.as_json() for r in self._rules]

    def remove(self, rule_id: str) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if r.id != rule_id]
            removed = len(self._rules) != before
        if removed:
            self._changed()
        return removed

    def clear(self) -> None:
        with self._lock:
            self._rules = []
        self._changed()

    def _changed(self) -> None:
        for listener in list(self.listeners):
            listener()

    def __len__(self) -> int:
        return len(self._rules)

    def pick(self, req: RequestFacts) -> FaultRule | None:
        """The first rule that matches and fires (its count is taken), or None."""
        with self._lock:
            for rule in self._rules:
                if rule.times is not None and rule.fired >= rule.times:
                    continue
                if not rule.match.matches(req):
                    continue
                if rule.probability < 1.0 and rule._rng.random() >= rule.probability:
                    continue
                rule.fired += 1
                return rule
        return None
