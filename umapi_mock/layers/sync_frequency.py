"""The sync-frequency control (spec §4.3): Adobe checks how often a client runs a sync and
answers 429 when syncs come closer together than its recommended two hours.

A sync is what the client marks: it starts at a request carrying `Pragma: umapi-sync-start`
and ends at one carrying `Pragma: umapi-sync-end` (the official client sends them on the
first request after `start_sync()` / `end_sync()`). A start less than `interval` seconds
after the same client's previous admitted start is refused with the documented 429 and a
`Retry-After` of the rest of the interval; the refused request does not start a sync.
Requests without a start marker are never refused by this control. Off unless a throttle
policy sets `sync_interval`.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any

SYNC_START = "umapi-sync-start"
SYNC_END = "umapi-sync-end"
DOCUMENTED_INTERVAL = 7200.0  # "limiting your syncs to two hourly intervals" (throttling partial)


def markers(pragma: str | None) -> set[str]:
    """The sync markers among a Pragma header's comma-separated directives."""
    if not pragma:
        return set()
    return {d.strip().lower() for d in pragma.split(",")} & {SYNC_START, SYNC_END}


@dataclass
class _Sync:
    started: float
    ended: float | None = None


class SyncControl:
    """Per-client sync sessions; thread-safe. `interval` None = off."""

    def __init__(self, interval: float | None = None):
        self.interval = interval
        self._lock = threading.Lock()
        self._syncs: dict[str, _Sync] = {}

    def clear(self) -> None:
        with self._lock:
            self._syncs.clear()

    def wait(self, client_id: str | None, pragma: str | None, now: float) -> int | None:
        """None when the request may go on, else the whole seconds the client must wait."""
        if self.interval is None or SYNC_START not in markers(pragma):
            return None
        with self._lock:
            previous = self._syncs.get(client_id or "")
            if previous is not None and now - previous.started < self.interval:
                return max(1, math.ceil(previous.started + self.interval - now - 1e-9))
            return None

    def record(self, client_id: str | None, pragma: str | None, now: float) -> None:
        """Note an admitted request's markers: a start opens a sync, an end closes it."""
        if self.interval is None:
            return
        seen = markers(pragma)
        if not seen:
            return
        key = client_id or ""
        with self._lock:
            if SYNC_START in seen:
                self._syncs[key] = _Sync(now)
            sync = self._syncs.get(key)
            if SYNC_END in seen and sync is not None and sync.ended is None:
                sync.ended = now

    def state(self) -> dict[str, Any]:
        """For GET /_mock/throttle: the interval and each client's last sync."""
        with self._lock:
            syncs = {c: {"started": s.started, "ended": s.ended} for c, s in self._syncs.items()}
        return {"interval": self.interval, "clients": syncs}
