"""An injectable clock, so token expiry and throttle windows can be tested without sleeping."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

# How far the clock may run ahead of wall time: enough for any token or certificate expiry a
# test wants to cross, far from float overflow (datetime stops at year 9999, time.gmtime
# soon after). `POST /_mock/clock` refuses an advance that would leave it.
MAX_OFFSET = 10 * 366 * 86400.0  # ten years, in seconds


class ClockError(ValueError):
    """An advance that is not a finite, non-negative number, or would move the clock more
    than MAX_OFFSET ahead of wall time."""


def check_advance(offset: float, seconds: object) -> float:
    """`seconds` as a float when advancing a clock `offset` seconds ahead by it stays in bounds."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise ClockError("advance must be a number of seconds")
    try:
        value = float(seconds)
    except OverflowError:  # an int beyond any float
        value = math.inf
    if not math.isfinite(value) or value < 0:
        raise ClockError("advance must be a finite, non-negative number of seconds (the clock never goes back)")
    if offset + value > MAX_OFFSET:
        raise ClockError(
            f"the clock may run at most {MAX_OFFSET:.0f} s (ten years) ahead of wall time; "
            f"it is {offset:.0f} s ahead (POST /_mock/reset brings it back)"
        )
    return value


class Clock:
    """Wall-clock time plus an offset that tests (and `POST /_mock/clock`) can advance."""

    def __init__(self, start: float | None = None):
        self._offset = 0.0 if start is None else start - time.time()
        self._lock = threading.Lock()
        self.listeners: list[Callable[[], None]] = []  # told after the offset moves (persistence)

    def now(self) -> float:
        return time.time() + self._offset

    def listen(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` after each change of the offset; returns what `unlisten` takes."""
        self.listeners.append(listener)
        return listener

    def unlisten(self, listener: Callable[[], None]) -> None:
        if listener in self.listeners:
            self.listeners.remove(listener)

    def _changed(self) -> None:
        for listener in list(self.listeners):
            listener()

    @property
    def offset(self) -> float:
        """Seconds this clock is ahead of wall-clock time."""
        return self._offset

    def set_offset(self, offset: float) -> None:
        """Restore a saved offset; one out of bounds (a state saved before they existed) is
        taken as zero rather than served as an overflowing clock."""
        if not (isinstance(offset, (int, float)) and math.isfinite(offset) and abs(offset) <= MAX_OFFSET):
            offset = 0.0
        with self._lock:
            self._offset = float(offset)

    def advance(self, seconds: float) -> float:
        """Move forward; ClockError (nothing changed) when out of bounds."""
        with self._lock:
            self._offset += check_advance(self._offset, seconds)
        self._changed()
        return self.now()

    def reset(self) -> None:
        """Back to wall-clock time: undo every `advance`."""
        with self._lock:
            self._offset = 0.0
        self._changed()


class FrozenClock(Clock):
    """A clock that moves only when advanced: for unit tests of windows and expiry."""

    def __init__(self, start: float = 1_700_000_000.0):
        super().__init__()
        self._start = self._now = start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        with self._lock:
            self._now += check_advance(self._now - self._start, seconds)
        return self._now

    def reset(self) -> None:
        """Back to the start time."""
        with self._lock:
            self._now = self._start
