"""The request journal: a bounded, thread-safe record of what clients sent and got.

Entries hold digests, never bodies, and query values of secret parameters are replaced,
so the journal can be dumped into a bug report without leaking a client secret, a JWT
assertion or an access token.
"""

from __future__ import annotations

import fnmatch
import hashlib
import itertools
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from typing import Any

# Query secrets are replaced by the one redaction rule (umapi_mock/redaction.py).
from ..redaction import redact_query as redact_query

_BIG_BODY = 16 * 1024
_recent_digests: OrderedDict[int, tuple[bytes, str]] = OrderedDict()
_digest_lock = threading.Lock()


def digest(data: bytes) -> str | None:
    """sha256 hex of a body; None for an empty body.

    A served users page is one cached bytes object sent again and again; its digest is
    remembered by object identity (the memo holds the object, so the id cannot be reused)."""
    if not data:
        return None
    if len(data) < _BIG_BODY:
        return hashlib.sha256(data).hexdigest()
    key = id(data)
    with _digest_lock:
        hit = _recent_digests.get(key)
        if hit is not None and hit[0] is data:
            _recent_digests.move_to_end(key)
            return hit[1]
    value = hashlib.sha256(data).hexdigest()
    with _digest_lock:
        _recent_digests[key] = (data, value)
        while len(_recent_digests) > 32:
            _recent_digests.popitem(last=False)
    return value


class Journal:
    """A ring buffer of entry dicts; each gets a `seq` that increases from 1."""

    def __init__(self, size: int):
        self.size = max(0, int(size))
        self._entries: deque[dict[str, Any]] = deque(maxlen=self.size or None)
        self._seq = itertools.count(1)
        self._last = 0
        self._evicted = 0
        self._lock = threading.Lock()

    def record(self, entry: Mapping[str, Any]) -> int:
        with self._lock:
            seq = next(self._seq)
            self._last = seq
            if self.size == 0:
                self._evicted += 1
                return seq
            if len(self._entries) == self.size:
                self._evicted += 1
            self._entries.append({"seq": seq, **entry})
            return seq

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    @property
    def last_seq(self) -> int:
        return self._last

    @property
    def evicted(self) -> int:
        return self._evicted

    def query(
        self,
        *,
        path: str | None = None,
        status: str | None = None,
        method: str | None = None,
        client: str | None = None,
        since: int | None = None,
        since_time: float | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """Matching entries, oldest first; `limit` keeps the newest N of them."""
        statuses = _status_filter(status) if status else None
        with self._lock:
            entries = list(self._entries)
        out = []
        for e in entries:
            if since is not None and e["seq"] <= since:
                continue
            if since_time is not None and e["time"] < since_time:
                continue
            if path is not None and not _path_matches(e["path"], path):
                continue
            if statuses is not None and not statuses(e["status"]):
                continue
            if method is not None and e["method"] != method.upper():
                continue
            if client is not None and e.get("client_id") != client:
                continue
            out.append(dict(e))
        if limit is not None:
            out = out[-limit:] if limit > 0 else []
        return out


def _path_matches(actual: str, pattern: str) -> bool:
    """A glob when the filter has `*`, `?` or `[`; otherwise a prefix."""
    if any(c in pattern for c in "*?["):
        return fnmatch.fnmatchcase(actual, pattern)
    return actual.startswith(pattern)


def _status_filter(spec: str) -> Callable[[int | None], bool]:
    """`503`, `5xx`, `dropped`, or a comma list of those; ValueError when unreadable."""
    exact: set[int | None] = set()
    classes: set[int] = set()
    for part in spec.split(","):
        part = part.strip().lower()
        if len(part) == 3 and part[0].isdigit() and part[1:] == "xx":
            classes.add(int(part[0]))
        elif part.isdigit():
            exact.add(int(part))
        elif part in ("none", "null", "dropped"):
            exact.add(None)
        else:
            raise ValueError(f"bad status filter {part!r} (use e.g. 429, 5xx, 200,404 or dropped)")
    return lambda s: s in exact or (s is not None and s // 100 in classes)
