"""The running-frequency control as the field meets it (docs/fidelity.md, "Field-observed
throttling"): Adobe checks how often each client instance runs, and refuses a new run that
starts less than two hours after the previous one began.

The model, one window per client (`X-Api-Key`):
- A *run* is what one process of a client does with one access token: every program that
  starts (the sync tool, a script) fetches a token, and keeps it for its whole run. The run
  is identified by a digest of the bearer token, so the `Pragma` markers do not decide it.
- The first call of a client with no open window opens one (`opened`), for that run, marked
  or not. Every later call of the same run passes this control, `umapi-sync-start` or not
  (the official client re-sends the marker after each `start_sync()`, and the sync tool
  calls it before its reads and again before its actions; it may never send the end).
- A call of another run while the window is open is refused with the documented 429 and a
  `Retry-After` of the rest of the window, whole seconds; it opens nothing, so every call of
  that run is refused until the window closes.
- `interval` seconds after `opened` the window closes; the next call, of whichever run,
  opens a new one. `umapi-sync-end` is noted (for the admin API) but closes nothing: the
  control limits how often runs start, not how long they last.
Requests without a bearer token are not judged (the gate refuses them anyway).
Off unless a throttle policy sets `sync_interval` (`--throttle field` does: 7200 s).
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SYNC_START = "umapi-sync-start"
SYNC_END = "umapi-sync-end"
DOCUMENTED_INTERVAL = 7200.0  # "no more than once every 2 hours" (index.md, October 2021)


def markers(pragma: str | None) -> set[str]:
    """The sync markers among a Pragma header's comma-separated directives."""
    if not pragma:
        return set()
    return {d.strip().lower() for d in pragma.split(",")} & {SYNC_START, SYNC_END}


def run_of(authorization: str | None) -> str | None:
    """The run a request belongs to: a short digest of its bearer token (never the token)."""
    if not authorization or not authorization.strip():
        return None
    token = authorization.strip().split()[-1]
    return hashlib.sha256(token.encode()).hexdigest()[:16]


@dataclass
class _Window:
    opened: float
    run: str
    calls: int = 0
    starts: int = 0  # umapi-sync-start markers seen in this run
    ended: float | None = None  # last umapi-sync-end seen (informative only)
    refused: int = 0  # calls of other runs refused while this window was open


class SyncControl:
    """Per-client run windows; thread-safe. `interval` None = off."""

    def __init__(self, interval: float | None = None, now: Callable[[], float] | None = None):
        self.interval = interval
        self._now = now or time.time
        self._lock = threading.Lock()
        self._windows: dict[str, _Window] = {}

    def clear(self) -> None:
        with self._lock:
            self._windows.clear()

    def _open(self, key: str, now: float) -> _Window | None:
        window = self._windows.get(key)
        if window is None or self.interval is None or now >= window.opened + self.interval:
            return None
        return window

    def wait(self, client_id: str | None, run: str | None, now: float) -> int | None:
        """None when the request may go on, else the whole seconds its client must wait."""
        if self.interval is None or run is None:
            return None
        with self._lock:
            window = self._open(client_id or "", now)
            if window is None or window.run == run:
                return None
            window.refused += 1
            return max(1, math.ceil(window.opened + self.interval - now - 1e-9))

    def record(self, client_id: str | None, run: str | None, pragma: str | None, now: float) -> None:
        """Note an admitted request: it opens a window when its client has none open."""
        if self.interval is None or run is None:
            return
        key = client_id or ""
        seen = markers(pragma)
        with self._lock:
            window = self._open(key, now)
            if window is None:
                window = self._windows[key] = _Window(now, run)
            window.calls += 1
            if SYNC_START in seen:
                window.starts += 1
            if SYNC_END in seen:
                window.ended = now

    def state(self) -> dict[str, Any]:
        """For GET /_mock/throttle: each client's window and when it reopens."""
        interval, now = self.interval, self._now()
        with self._lock:
            clients = {}
            for client, w in self._windows.items():
                reopens = w.opened + interval if interval is not None else w.opened
                clients[client] = {
                    "opened": w.opened,
                    "run": w.run,
                    "calls": w.calls,
                    "sync_starts": w.starts,
                    "ended": w.ended,
                    "refused": w.refused,
                    "reopens_at": reopens,
                    "open": now < reopens,
                    "retry_after": max(0, math.ceil(reopens - now - 1e-9)),
                }
        return {"interval": interval, "clients": clients}
