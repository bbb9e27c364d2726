"""Pacing a live target under the documented rate limits (spec §4.4)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping

from umapi_mock.http.routes import ENDPOINTS
from umapi_mock.http.routes import family_of as umapi_family_of

# Requests per minute we allow ourselves per endpoint family of the endpoint table: four
# fifths of the documented per-client limit of spec §4.4 (action 10 -> 8, user reads 25 -> 20,
# groups 5 -> 4); a family with no documented limit (the product list) is paced like the
# slowest deprecated reads; IMS at 10.
UNDOCUMENTED_PACE = 4
PACE_PER_MINUTE = {
    **{
        e.family: (e.rate.per_client * 4 // 5 if e.rate is not None else UNDOCUMENTED_PACE)
        for e in ENDPOINTS
        if e.family is not None
    },
    "ims": 10,
}
MAX_RETRY_AFTER = 300.0


class Pacer:
    """Sliding one-minute windows per endpoint family; `wait(family)` sleeps as needed."""

    def __init__(
        self,
        per_minute: Mapping[str, int],
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], float] = time.monotonic,
        on_wait: Callable[[str, float], None] | None = None,
    ):
        self.per_minute = dict(per_minute)
        self.sleep = sleep
        self.on_wait = on_wait  # told (family, seconds) before each wait: the run's progress line
        self.now = now
        self.windows: dict[str, deque[float]] = {}
        self.waited = 0.0
        self._lock = threading.Lock()

    def wait(self, family: str | None) -> None:
        if family is None or family not in self.per_minute:
            return
        cap = self.per_minute[family]
        while True:
            with self._lock:
                q = self.windows.setdefault(family, deque())
                t = self.now()
                while q and q[0] <= t - 60.0:
                    q.popleft()
                if len(q) < cap:
                    q.append(t)
                    return
                delay = q[0] + 60.0 - t
            self.waited += delay
            if self.on_wait is not None:
                self.on_wait(family, delay)
            self.sleep(max(delay, 0.01))


def family_of(path: str, method: str) -> str | None:
    """The pacing family of a request path: the throttle family of the endpoint that serves
    it (the emulator's endpoint table, `umapi_mock.http.routes`), or "ims" for the token endpoints."""
    if path.startswith("/ims/"):
        return "ims"
    return umapi_family_of(path, method)
