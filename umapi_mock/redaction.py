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
REDACTED_PEM = "<redacted-pem>"
# Keys (JSON fields, query and form parameters, header names), compared lower-case: these
# exactly, and every name that contains one of SECRET_WORDS.
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
SECRET_WORDS = ("key", "secret", "token", "password", "assertion")
NOT_SECRET_KEYS = frozenset({"token_type"})  # IMS's "bearer": a secret's name, not a secret
_NAME = r"[A-Za-z0-9_.\-]*"
_SECRET_NAME = "(?:" + "|".join(sorted(SECRET_KEYS)) + "|" + _NAME + "(?:" + "|".join(SECRET_WORDS) + ")" + _NAME + ")"
_JWT_RE = re.compile(r"\bey[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")
_SECRET_PAIR_RE = re.compile(r"\b(" + _SECRET_NAME + r")=[^&\s]+", re.IGNORECASE)
# "name": "value" in a JSON text that could not be parsed (a body cut at the journal's cap)
_SECRET_JSON_RE = re.compile(r'("' + _SECRET_NAME + r'"\s*:\s*)"(?:[^"\\]|\\.)*"?', re.IGNORECASE)
# A PEM block, or its start when the text was cut before its end
_PEM_RE = re.compile(r"-----BEGIN [A-Z0-9 ]{1,40}-----(?:.*?-----END [A-Z0-9 ]{1,40}-----|.*)", re.DOTALL)
_BEARER_RE = re.compile(r"\b(bearer|basic)(\s+)(?!<redacted)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)
# Opaque tokens: a long run of token characters mixing upper case, lower case and digits
# (a hex digest, a request id or a word is not one); '/', '.' and '@' end a run, so paths,
# emails and org ids stay readable.
_OPAQUE_RE = re.compile(r"(?<![A-Za-z0-9_+~-])[A-Za-z0-9_+~-]{40,}={0,2}(?![A-Za-z0-9_+~=-])")
_MIN_SECRET_LEN = 4  # shorter known values would blank ordinary words


def is_secret_key(name: str) -> bool:
    low = name.lower()
    if low in SECRET_KEYS:
        return True
    return low not in NOT_SECRET_KEYS and any(word in low for word in SECRET_WORDS)


def _opaque(match: re.Match[str]) -> str:
    """A run is a token when one of its `_`/`-`-separated parts is long and mixes upper case,
    lower case and digits: generated identifiers made of words and upper-case ids (a contract
    admin group's `_admin_C0DE…_CONTRACT_GROUP`) stay readable."""
    run = match.group(0)
    return REDACTED if any(_mixed(part) for part in _PARTS_RE.split(run) if len(part) >= 16) else run


def _mixed(part: str) -> bool:
    return any(c.isupper() for c in part) and any(c.islower() for c in part) and any(c.isdigit() for c in part)


_PARTS_RE = re.compile(r"[_-]")


def redact_shapes(text: str) -> str:
    """`text` with what looks like a secret replaced, whatever its name: PEM blocks, JWTs,
    bearer credentials, long opaque tokens, and `name=value` / `"name": value` secrets."""
    if "-----BEGIN " in text:
        text = _PEM_RE.sub(REDACTED_PEM, text)
    text = _SECRET_PAIR_RE.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    if '"' in text:
        text = _SECRET_JSON_RE.sub(lambda m: f'{m.group(1)}"{REDACTED}"', text)
    text = _JWT_RE.sub(REDACTED_JWT, text)
    text = _BEARER_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    return _OPAQUE_RE.sub(_opaque, text) if len(text) >= 40 else text


def redact_query(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Query parameters as {name: value} ({name: [values]} when repeated), secrets replaced."""
    out: dict[str, Any] = {}
    for name, value in pairs:
        shown = REDACTED if is_secret_key(name) else redact_shapes(value)
        if name in out:
            prev = out[name]
            out[name] = (prev if isinstance(prev, list) else [prev]) + [shown]
        else:
            out[name] = shown
    return out


def redact(value: Any, known: Iterable[str] = ()) -> Any:
    """A copy of a JSON-like value with the values of secret keys blanked, and in every
    string the `known` secret values and whatever looks like a secret (`redact_shapes`)."""
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
        return redact_shapes(value)
    return value


def redact_target(target: str) -> str:
    """A request target (path and query, as sent) with secret query values, and whatever looks
    like a secret in the path or in a value of any name, replaced."""
    path, sep, query = target.partition("?")
    path = redact_shapes(path)
    if not sep:
        return path
    parts = []
    for name, value in parse_qsl(query, keep_blank_values=True):
        shown = REDACTED if is_secret_key(name) else redact_shapes(quote(value, safe="@:/,<>"))
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
