"""Deterministic pseudonyms for people: email local parts, non-email usernames and names.

Domains, group names, ids and the shape of every document stay as they are, so an
anonymised seed or cassette still exercises the same directories and memberships. The same
input and salt always give the same output; a different salt gives unrelated pseudonyms.
Lookups in UMAPI are case-insensitive, so values are keyed on their lower-case form.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

# Fields that hold a person's name, in the v2 shape and the deprecated camelCase shape.
NAME_KEYS = frozenset({"firstname", "lastname", "firstName", "lastName"})
# Fields that hold a login: an email or, for some Federated IDs, a bare username.
LOGIN_KEYS = frozenset({"email", "username", "user"})
# Lists of logins inside action steps (`add: {"user": [...]}`).
LOGIN_LIST_KEYS = frozenset({"user"})
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+'\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
DEFAULT_SALT = "umapi-mock"
# Names this long or longer are also replaced inside free text (shorter ones are too often
# ordinary words).
MIN_NAME_IN_TEXT = 4


class Anonymiser:
    def __init__(self, salt: str = DEFAULT_SALT):
        self._key = salt.encode("utf-8")
        self._logins: dict[str, str] = {}  # bare usernames seen in structured fields
        self._in_text: dict[str, str] = {}  # what free text must not show: logins and longer names
        self._in_text_re: re.Pattern[str] | None = None  # all of them, longest first

    def _digest(self, kind: str, value: str, size: int = 10) -> str:
        mac = hmac.new(self._key, f"{kind}:{value.lower()}".encode(), hashlib.sha256)
        return mac.hexdigest()[:size]

    def local_part(self, value: str) -> str:
        return "u" + self._digest("local", value)

    def email(self, value: str) -> str:
        if "@" not in value:
            return self.login(value)
        local, _, domain = value.rpartition("@")
        return f"{self.local_part(local)}@{domain}"

    def login(self, value: str) -> str:
        """An email or a bare username (the `user` of an action entry, a path segment)."""
        if "@" in value:
            return self.email(value)
        if value.lower() not in self._logins:
            self._logins[value.lower()] = "u" + self._digest("login", value)
            self._remember(value, self._logins[value.lower()])
        return self._logins[value.lower()]

    def name(self, kind: str, value: str) -> str:
        prefix = "F" if kind.lower().startswith("first") else "L"
        pseudonym = prefix + self._digest("name", value, 8)
        if len(value) >= MIN_NAME_IN_TEXT:
            self._remember(value, pseudonym)
        return pseudonym

    def _remember(self, original: str, pseudonym: str) -> None:
        if original.lower() not in self._in_text:
            self._in_text[original.lower()] = pseudonym
            self._in_text_re = None

    def text(self, value: str) -> str:
        """Free text (an error message): every email, and every username and name seen so far, replaced."""
        value = EMAIL_RE.sub(lambda m: self.email(m.group(0)), value)
        if not self._in_text:
            return value
        if self._in_text_re is None:
            names = "|".join(re.escape(n) for n in sorted(self._in_text, key=len, reverse=True))
            self._in_text_re = re.compile(rf"(?<![\w.@-])(?:{names})(?![\w.@-])", re.I)
        return self._in_text_re.sub(lambda m: self._in_text[m.group(0).lower()], value)

    def document(self, value: Any, key: str | None = None) -> Any:
        """A copy of a JSON-like document with people's names and logins replaced."""
        if isinstance(value, dict):
            return {k: self.document(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.document(v, key if key in LOGIN_LIST_KEYS else None) for v in value]
        if isinstance(value, str):
            if key in NAME_KEYS:
                return self.name(key, value)
            if key in LOGIN_KEYS:
                return self.login(value)
            return self.text(value)
        return value

    def seed_user(self, user: dict[str, Any]) -> dict[str, Any]:
        out = dict(user)
        out["email"] = self.email(user["email"])
        if "username" in user:
            out["username"] = self.login(user["username"])
        for key in ("firstname", "lastname"):
            if key in user:
                out[key] = self.name(key, user[key])
        return out
