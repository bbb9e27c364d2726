"""Secret redaction, one list and one rule for the request journal and the contract kit's
reports: what a bug report or a CI artifact may show of credentials and tokens.

Plain Python (no Flask), so the contract kit can use it against a live org without
building an emulator.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, quote

REDACTED = "<redacted>"
REDACTED_JWT = "<redacted-jwt>"
# Keys (JSON fields, query and form parameters, header names), compared lower-case.
SECRET_KEYS = frozenset(
    {
        "client_secret",
        "jwt_token",
        "access_token",
        "refresh_token",
        "id_token",
        "assertion",
        "code",
        "password",
        "authorization",
    }
)
_JWT_RE = re.compile(r"\bey[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")
_SECRET_PAIR_RE = re.compile(r"\b(" + "|".join(sorted(SECRET_KEYS)) + r")=[^&\s]+", re.IGNORECASE)
_MIN_SECRET_LEN = 4  # shorter known values would blank ordinary words


def is_secret_key(name: str) -> bool:
    return name.lower() in SECRET_KEYS


def redact_query(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Query parameters as {name: value} ({name: [values]} when repeated), secrets replaced."""
    out: dict[str, Any] = {}
    for name, value in pairs:
        shown = REDACTED if is_secret_key(name) else value
        if name in out:
            prev = out[name]
            out[name] = (prev if isinstance(prev, list) else [prev]) + [shown]
        else:
            out[name] = shown
    return out


def redact(value: Any, known: Iterable[str] = ()) -> Any:
    """A copy of a JSON-like value with secret keys blanked, `key=value` secrets in text,
    every JWT, and every occurrence of the `known` secret values replaced."""
    known = tuple(s for s in known if s and len(s) >= _MIN_SECRET_LEN)
    return _redact(value, known)


def _redact(value: Any, known: tuple[str, ...]) -> Any:
    if isinstance(value, dict):
        return {k: REDACTED if is_secret_key(str(k)) and v else _redact(v, known) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact(v, known) for v in value]
    if isinstance(value, str):
        for secret in known:
            if secret in value:
                value = value.replace(secret, REDACTED)
        value = _SECRET_PAIR_RE.sub(lambda m: f"{m.group(1)}={REDACTED}", value)
        return _JWT_RE.sub(REDACTED_JWT, value)
    return value


def redact_target(target: str) -> str:
    """A request target (path and query, as sent) with secret query values and every JWT
    (in a path segment or a value of any name) replaced."""
    path, sep, query = target.partition("?")
    path = _JWT_RE.sub(REDACTED_JWT, path)
    if not sep:
        return path
    parts = []
    for name, value in parse_qsl(query, keep_blank_values=True):
        shown = REDACTED if is_secret_key(name) else _JWT_RE.sub(REDACTED_JWT, quote(value, safe="@:/,<>"))
        parts.append(f"{quote(name, safe='')}={shown}")
    return f"{path}?{'&'.join(parts)}"


class KnownSecrets:
    """Redaction by value, for one emulator: the tokens it issued (the newest `keep`) and the
    secrets its orgs hold (`static()`, e.g. client secrets and the admin token), wherever they
    appear in a string: a query value of any name, a path segment, a header."""

    def __init__(self, static: Callable[[], Iterable[str]] = tuple, keep: int = 4096):
        self._static = static
        self._keep = keep
        self._tokens: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()
        self._shortest = 0

    def add_token(self, token: str) -> None:
        with self._lock:
            self._tokens[token] = None
            while len(self._tokens) > self._keep:
                self._tokens.popitem(last=False)
            self._shortest = min((len(t) for t in self._tokens), default=0)

    def scrub(self, text: str | None) -> str | None:
        """`text` with every known secret, secret `key=value` pair and JWT replaced."""
        if not text:
            return text
        for secret in self._static():
            if secret and len(secret) >= _MIN_SECRET_LEN and secret in text:
                text = text.replace(secret, REDACTED)
        if self._tokens and len(text) >= self._shortest:  # a token is long: short strings skip this
            for token in list(self._tokens):
                if token in text:
                    text = text.replace(token, REDACTED)
        return str(redact(text))
