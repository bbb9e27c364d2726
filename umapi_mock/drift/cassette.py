"""The cassette: a recorded session as JSON lines, and the scrubber that keeps secrets out.

Lines, in order:

    {"cassette": "umapi-mock-cassette/1", "created", "upstream", "ims_upstream", "anonymized"}
    {"snapshot": <seed document>, "users_page_size", "groups_page_size"}       (with --snapshot)
    {"seq", "started", "elapsed_ms", "request": {...}, "response": {...}}      (one per exchange)

A request is `{"method", "path", "query": [[k, v], ...], "headers": {...}, "body": B}` and a
response `{"status", "headers": {...}, "body": B}`, where B is null, `{"json": value}`,
`{"form": [[k, v], ...]}` or `{"text": str}`. Exchanges are written as they complete, so their
lines may be out of `seq` order when clients run concurrently; readers sort by `seq`.

Secrets never reach the file: client ids (the API key), client secrets, access and refresh
tokens and JWT assertions are replaced by placeholders such as `<client-secret-1>`, the same
value always by the same placeholder, so a replay can tell which requests shared a
credential. A JWT assertion keeps its header and claims (`jwt_claims`, not its signature) so
a replay can sign an equivalent one. A last pass over every line replaces any known secret
that slipped into another field, and anything shaped like a JWT.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..redaction import is_secret_key, redact

FORMAT = "umapi-mock-cassette/1"
SUPPORTED_FORMATS = (FORMAT,)

# Placeholder kinds of the fields a replay must tell apart. Every other field the project's
# one redaction list names (umapi_mock.redaction) becomes a plain `<secret-N>`; the client id
# is not on that list (the journal shows it) but it is the API key, so a cassette hides it.
PLACEHOLDER_KINDS = {
    "client_id": "client-id",
    "client_secret": "client-secret",
    "access_token": "token",
    "refresh_token": "token",
    "id_token": "token",
    "jwt_token": "jwt",
    "assertion": "jwt",
}
JWT_FIELDS = ("jwt_token", "assertion")
DROPPED_HEADERS = frozenset(
    {"cookie", "set-cookie", "host", "connection", "keep-alive", "content-length", "transfer-encoding", "te", "upgrade"}
)
# The last pass replaces known secrets this long or longer anywhere in a line (a very short
# client id such as a demo's could otherwise match inside an email or a group name).
MIN_SWEPT_LENGTH = 8
PLACEHOLDER_RE = re.compile(r"<(client-id|client-secret|token|jwt|secret)-(\d+)>")
_BEARER_RE = re.compile(r"^\s*bearer\s+(\S+)\s*$", re.I)


class CassetteError(Exception):
    """A cassette that cannot be read: not there, not JSON lines, an unknown format."""


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


class Scrubber:
    """Replaces secrets with stable placeholders; remembers every value it replaced."""

    def __init__(self) -> None:
        self._by_value: dict[str, str] = {}
        self._counters: dict[str, int] = {}
        self._lock = threading.Lock()

    def placeholder(self, kind: str, value: str) -> str:
        if not value or PLACEHOLDER_RE.fullmatch(value):
            return value
        with self._lock:
            known = self._by_value.get(value)
            if known is None:
                self._counters[kind] = self._counters.get(kind, 0) + 1
                known = self._by_value[value] = f"<{kind}-{self._counters[kind]}>"
            return known

    @property
    def secrets(self) -> list[str]:
        return list(self._by_value)

    def pairs(self, pairs: Iterable[tuple[str, str]]) -> list[list[str]]:
        out = []
        for k, v in pairs:
            kind = placeholder_kind(k)
            out.append([k, self.placeholder(kind, v) if kind else v])
        return out

    def headers(self, headers: Iterable[tuple[str, str]]) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, value in headers:
            low = name.lower()
            if low in DROPPED_HEADERS:
                continue
            if low == "authorization":
                m = _BEARER_RE.match(value)
                value = f"Bearer {self.placeholder('token', m.group(1))}" if m else self.placeholder("secret", value)
            elif low in ("x-api-key", "x-gw-ims-client-id"):
                value = self.placeholder("client-id", value)
            out[name] = value
        return out

    def json(self, value: Any) -> Any:
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                kind = placeholder_kind(str(k))
                out[k] = self.placeholder(kind, v) if kind and isinstance(v, str) else self.json(v)
            return out
        if isinstance(value, list):
            return [self.json(v) for v in value]
        return value

    def form(self, pairs: list[tuple[str, str]]) -> dict[str, Any]:
        body: dict[str, Any] = {"form": self.pairs(pairs)}
        assertion = next((v for k, v in pairs if k in JWT_FIELDS), None)
        if assertion:
            claims = jwt_parts(assertion)
            if claims is not None:
                body["jwt_claims"] = claims
        return body

    def line(self, record: dict[str, Any]) -> str:
        """The JSON line for a record, after the last pass over every string in it: a known
        secret becomes its placeholder, and the project's redaction rules (JWT-shaped text,
        `client_secret=...` pairs) blank whatever else looks like one."""
        with self._lock:
            known = sorted(
                ((v, p) for v, p in self._by_value.items() if len(v) >= MIN_SWEPT_LENGTH),
                key=lambda kv: len(kv[0]),
                reverse=True,
            )
        return json.dumps(_sweep(record, known), ensure_ascii=False, separators=(",", ":"))


def placeholder_kind(field: str) -> str | None:
    kind = PLACEHOLDER_KINDS.get(field.lower())
    return kind or ("secret" if is_secret_key(field) else None)


def _sweep(value: Any, known: list[tuple[str, str]]) -> Any:
    if isinstance(value, dict):
        return {k: _sweep(v, known) for k, v in value.items()}
    if isinstance(value, list):
        return [_sweep(v, known) for v in value]
    if isinstance(value, str):
        for secret, placeholder in known:
            if secret in value:
                value = value.replace(secret, placeholder)
        return redact(value)
    return value


def jwt_parts(assertion: str) -> dict[str, Any] | None:
    """The header and claims of a compact JWT (its signature dropped), or None."""
    try:
        head, payload, _sig = assertion.split(".")
        return {"header": _b64json(head), "claims": _b64json(payload)}
    except (ValueError, TypeError):
        return None


def _b64json(part: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def encode_body(raw: bytes, content_type: str | None, form: list[tuple[str, str]] | None, scrub: Scrubber) -> Any:
    if form:
        return scrub.form(form)
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    if "json" in (content_type or "").lower() or text.lstrip()[:1] in ("{", "["):
        try:
            return {"json": scrub.json(json.loads(text))}
        except ValueError:
            pass
    return {"text": text}


class CassetteWriter:
    """Appends lines; each is flushed at once, so an interrupted recording keeps its exchanges."""

    def __init__(self, path: Path, header: dict[str, Any], scrubber: Scrubber):
        self.path = path
        self.scrubber = scrubber
        self._lock = threading.Lock()
        self._seq = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = path.open("w", encoding="utf-8")
        self.write({"cassette": FORMAT, "created": now_iso(), **header})

    def next_seq(self) -> int:
        with self._lock:
            self._seq += 1
            return self._seq

    def write(self, record: dict[str, Any]) -> None:
        line = self.scrubber.line(record)
        with self._lock:
            self._fh.write(line + "\n")
            self._fh.flush()

    def close(self) -> None:
        with self._lock:
            self._fh.close()


@dataclass
class Cassette:
    header: dict[str, Any]
    snapshot: dict[str, Any] | None = None  # the snapshot line: seed and page sizes
    exchanges: list[dict[str, Any]] = field(default_factory=list)

    @property
    def anonymized(self) -> bool:
        return bool(self.header.get("anonymized"))


def read_cassette(path: str | Path) -> Cassette:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise CassetteError(f"cannot read cassette {str(p)!r}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise CassetteError(f"{str(p)!r} is not UTF-8 text, not a cassette") from None
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise CassetteError(f"{str(p)!r} is empty, not a cassette")
    records = []
    for number, line in enumerate(lines, 1):
        try:
            record = json.loads(line)
        except ValueError:
            if number == len(lines):
                break  # a torn last line: the recorder was killed while writing it
            raise CassetteError(f"{str(p)!r} line {number} is not JSON") from None
        if not isinstance(record, dict):
            raise CassetteError(f"{str(p)!r} line {number} is not a JSON object")
        records.append(record)
    if not records:
        raise CassetteError(f"{str(p)!r} holds no JSON record, not a cassette")
    header = records[0]
    if header.get("cassette") not in SUPPORTED_FORMATS:
        raise CassetteError(
            f"{str(p)!r} is not a cassette of a supported format (found {header.get('cassette')!r},"
            f" supported: {', '.join(SUPPORTED_FORMATS)})"
        )
    cassette = Cassette(header)
    for number, record in enumerate(records[1:], 2):
        if "snapshot" in record:
            cassette.snapshot = record
        elif isinstance(record.get("seq"), int) and isinstance(record.get("request"), dict):
            cassette.exchanges.append(record)
        else:
            raise CassetteError(f"{str(p)!r} line {number} is neither a snapshot nor an exchange")
    cassette.exchanges.sort(key=lambda r: r["seq"])
    return cassette
