"""The request journal: a bounded, thread-safe record of what clients sent and got.

Entries hold digests, never bodies, and query values of secret parameters are replaced,
so the journal can be dumped into a bug report without leaking a client secret, a JWT
assertion or an access token. The bodies of the newest few exchanges are kept beside the
entries (capped in size) for the console's request detail, and only ever leave the journal
through `shown_body`, which redacts them.

Recording costs what it must and no more: an entry may be recorded as its raw facts and a
function that makes the shown entry (`Pending`); redaction then runs when the entry is first
read (`query`, `get`), not on every request. A big body served again and again (a cached
users page) is digested and cut once, by object identity, not per request, and digested
off the request path, by a thread (`Digest`), the entry showing the same hex all the same.
"""

from __future__ import annotations

import fnmatch
import hashlib
import itertools
import json
import os
import queue
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Query secrets are replaced by the one redaction rule (umapi_mock/redaction.py).
from ..redaction import redact
from ..redaction import redact_query as redact_query

_BIG_BODY = 16 * 1024
BODY_CAP = 64 * 1024  # bytes of each kept body; a users page (~0.5 MB) is cut here
# id(body) -> (body, its digest, its first BODY_CAP bytes): big bodies sent again and again
_recent_big: OrderedDict[int, tuple[bytes, Digest, bytes]] = OrderedDict()
_digest_lock = threading.Lock()
PENDING_DIGESTS = 16  # big bodies waiting for the digester at most; past that, digested at once
DIGESTER_IDLE = 2.0  # seconds the digester thread waits for work before it ends


class Digest:
    """The sha256 hex of a big body, taken off the request path: the digester thread
    (hashlib lets go of the GIL while it hashes, so it runs beside the request on another
    core) takes it soon after the body is sent, and lets the body go then. Whoever needs the
    value first (`value`: an entry being read) gets it; if the thread has not taken it yet,
    it is taken there, once or twice, never differently."""

    __slots__ = ("_data", "_value")

    def __init__(self, data: bytes):
        self._data: bytes | None = data
        self._value: str | None = None

    @property
    def known(self) -> str | None:
        """The value if it was taken already, else None (nothing is hashed)."""
        return self._value

    def value(self) -> str:
        value = self._value
        if value is None:
            data = self._data
            if data is None:  # taken meanwhile: the value is set before the body is let go
                value = self._value
                assert value is not None
            else:
                value = self._value = hashlib.sha256(data).hexdigest()
                self._data = None
        return value


class _Digester:
    """One daemon thread digesting queued `Digest`s, started on demand and ended after
    DIGESTER_IDLE seconds without work (so an idle process holds no thread for it)."""

    def __init__(self) -> None:
        self.queue: queue.SimpleQueue[Digest] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.running = False

    def submit(self, pending: Digest) -> None:
        if self.queue.qsize() >= PENDING_DIGESTS:  # the thread is behind: no more bodies held for it
            pending.value()
            return
        self.queue.put(pending)
        if not self.running:  # (read after the put: a thread that ends sees the queue non-empty)
            with self.lock:
                if not self.running:
                    self.running = True
                    threading.Thread(target=self._run, name="umapi-mock-journal-digests", daemon=True).start()

    def _run(self) -> None:
        get = self.queue.get
        while True:
            try:
                get(timeout=DIGESTER_IDLE).value()
            except queue.Empty:
                with self.lock:
                    if self.queue.empty():
                        self.running = False
                        return


_digester = _Digester()


def _new_digester() -> None:  # a forked child has no digester thread: it starts its own
    global _digester
    _digester = _Digester()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_digester)


def _big(data: bytes) -> tuple[Digest, bytes]:
    """(digest, kept cut) of a big body, remembered by object identity (the memo holds the
    object, so the id cannot be reused). A body met for the first time is queued for the
    digester thread."""
    key = id(data)
    with _digest_lock:
        hit = _recent_big.get(key)
        if hit is not None and hit[0] is data:
            _recent_big.move_to_end(key)
            return hit[1], hit[2]
    pending = Digest(data)
    cut = data[:BODY_CAP]
    with _digest_lock:
        _recent_big[key] = (data, pending, cut)
        while len(_recent_big) > 32:
            _recent_big.popitem(last=False)
    _digester.submit(pending)
    return pending, cut


def digest(data: bytes) -> str | None:
    """sha256 hex of a body, taken now; None for an empty body. (A big response body sent
    again and again is digested through `digest_soon`, remembered by object identity.)"""
    if not data:
        return None
    return hashlib.sha256(data).hexdigest()


def digest_soon(data: bytes, *, memo: bool = True) -> str | Digest | None:
    """`digest(data)`, or for a big body whose digest is not known yet a `Digest` the
    digester thread is taking (its `value()` is that same hex): the request that sends a
    body for the first time does not wait ~0.3 ms for the sha256 of a 0.5 MB page."""
    if not data:
        return None
    if len(data) < _BIG_BODY:
        return hashlib.sha256(data).hexdigest()
    if memo:
        pending = _big(data)[0]
    else:
        pending = Digest(data)
        _digester.submit(pending)
    return pending.known or pending


@dataclass(frozen=True, slots=True)
class Body:
    """One side of an exchange as received or sent, cut at BODY_CAP bytes (raw: not redacted)."""

    data: bytes
    size: int  # the whole body's length
    content_type: str | None

    @classmethod
    def of(cls, data: bytes, content_type: str | None, *, shared: bool = False) -> Body:
        """`shared`: `data` is sent again and again (a cached page), so its cut is made once."""
        if len(data) <= BODY_CAP:
            return cls(data, len(data), content_type)  # a short body is not copied
        return cls(_big(data)[1] if shared else data[:BODY_CAP], len(data), content_type)


@dataclass(frozen=True, slots=True)
class Exchange:
    request: Body
    response: Body


Pending = Callable[[], dict[str, Any]]  # makes the shown entry (redacted) when first read


class _Slot:
    """One recorded entry: shown as given, or made by its `Pending` on first read."""

    __slots__ = ("seq", "time", "method", "_entry", "_pending")

    def __init__(self, seq: int, time: Any, method: Any, entry: dict[str, Any] | None, pending: Pending | None):
        self.seq = seq
        self.time = time
        self.method = method
        self._entry = entry
        self._pending = pending

    def entry(self) -> dict[str, Any]:
        entry = self._entry
        if entry is None:  # concurrent first readers may both make it: the same value
            pending = self._pending
            assert pending is not None
            entry = self._entry = {"seq": self.seq, **pending()}
            self._pending = None
        return entry


class Journal:
    """A ring buffer of entry dicts; each gets a `seq` that increases from 1. The bodies of
    the newest `bodies` entries are kept too."""

    def __init__(self, size: int, bodies: int = 200):
        self.size = max(0, int(size))
        self.bodies = max(0, min(int(bodies), self.size))
        self._entries: deque[_Slot] = deque(maxlen=self.size or None)
        self._exchanges: OrderedDict[int, Exchange] = OrderedDict()
        self._seq = itertools.count(1)
        self._last = 0
        self._evicted = 0
        self._lock = threading.Lock()

    def record(
        self,
        entry: Mapping[str, Any],
        exchange: Exchange | None = None,
        *,
        pending: Pending | None = None,
    ) -> int:
        """Record an entry: `entry` as shown, or (with `pending`) only the fields filters read
        before redaction (`time`, `method`), the rest made by `pending()` when first read."""
        if pending is None:
            slot_entry: dict[str, Any] | None = dict(entry)
        else:
            slot_entry = None
        with self._lock:
            seq = next(self._seq)
            self._last = seq
            if self.size == 0:
                self._evicted += 1
                return seq
            if len(self._entries) == self.size:
                self._evicted += 1
            if slot_entry is not None:
                slot_entry = {"seq": seq, **slot_entry}
            self._entries.append(_Slot(seq, entry.get("time"), entry.get("method"), slot_entry, pending))
            if exchange is not None and self.bodies:
                exchanges = self._exchanges
                exchanges[seq] = exchange
                if len(exchanges) > self.bodies:
                    exchanges.popitem(last=False)
            return seq

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._exchanges.clear()

    def get(self, seq: int) -> tuple[dict[str, Any], Exchange | None] | None:
        """The entry `seq` and its bodies (None once they are no longer kept), or None."""
        with self._lock:
            if not self._entries or not self._entries[0].seq <= seq <= self._entries[-1].seq:
                return None
            # seqs increase by one from the oldest entry kept, so the index is known
            slot = self._entries[seq - self._entries[0].seq]
            exchange = self._exchanges.get(seq)
        return dict(slot.entry()), exchange

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
        answered_by: str | None = None,
        touches: str | None = None,
    ) -> list[dict[str, Any]]:
        """Matching entries, oldest first; `limit` keeps the newest N of them. `touches`
        (an email or user name) matches requests naming it in their path or kept request body."""
        statuses = _status_filter(status) if status else None
        needle = touches.lower() if touches else None
        with self._lock:
            entries = list(self._entries)
            exchanges = dict(self._exchanges) if needle else {}
        out = []
        wanted_method = method.upper() if method is not None else None
        for slot in entries:
            if since is not None and slot.seq <= since:
                continue
            if since_time is not None and slot.time < since_time:
                continue
            if wanted_method is not None and slot.method != wanted_method:
                continue
            e = slot.entry()
            if path is not None and not _path_matches(e["path"], path):
                continue
            if statuses is not None and not statuses(e["status"]):
                continue
            if client is not None and e.get("client_id") != client:
                continue
            if answered_by is not None and e.get("answered_by") != answered_by:
                continue
            if needle is not None and not _touches(e, exchanges.get(e["seq"]), needle):
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


def _touches(entry: Mapping[str, Any], exchange: Exchange | None, needle: str) -> bool:
    if needle in entry["path"].lower():
        return True
    return exchange is not None and needle.encode() in exchange.request.data.lower()


def shown_body(body: Body, secrets: Iterable[str] = ()) -> dict[str, Any]:
    """A kept body as the admin API shows it: text passed through the one redaction rule
    (secret keys in JSON, `key=value` secrets in forms, JWTs, and the literal `secrets`, the
    orgs' client secrets, wherever they appear); multipart bodies are not shown at all."""
    data = body.data
    ctype = (body.content_type or "").split(";", 1)[0].strip().lower()
    truncated = body.size > len(data)
    text: str | None
    if not data:
        text = None
    elif ctype.startswith("multipart/"):
        text = f"<multipart body of {body.size} bytes: not shown, it may hold secrets>"
    else:
        text = data.decode("utf-8", "replace")
        doc: Any = None
        if not truncated and (ctype.endswith("json") or text[:1] in "{["):
            try:
                doc = json.loads(text)
            except ValueError:
                doc = None
        if isinstance(doc, (dict, list)):
            redacted = redact(doc, secrets)
            if redacted != doc:  # otherwise the text stays as sent
                text = json.dumps(redacted, separators=(",", ":"), ensure_ascii=False)
        else:
            text = redact(text, secrets)
    return {"content_type": body.content_type, "bytes": body.size, "truncated": truncated, "text": text}
