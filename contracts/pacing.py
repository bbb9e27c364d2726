"""Pacing a live target under the documented rate limits (spec §4.4)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping

from umapi_mock.layers.throttle import family_of as umapi_family_of

# Requests per minute we allow ourselves per endpoint family: under the documented
# per-client limits of spec §4.4 (action 10, user reads 25, groups 5, deprecated profiles 5
# and a profile's users 25), with a margin; the product list has no documented limit and
# is paced like the other deprecated reads.
PACE_PER_MINUTE = {
    "action": 8,
    "user": 20,
    "users": 20,
    "users_in_group": 20,
    "groups": 4,
    "deprecated_products": 4,
    "deprecated_profiles": 4,
    "deprecated_profile_users": 20,
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
    """The pacing family of a request path: the emulator's throttle family (one classifier,
    `umapi_mock.layers.throttle.family_of`), or "ims" for the token endpoints."""
    if path.startswith("/ims/"):
        return "ims"
    return umapi_family_of(path, method)
