"""An injectable clock, so token expiry and throttle windows can be tested without sleeping."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


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
        with self._lock:
            self._offset = offset

    def advance(self, seconds: float) -> float:
        with self._lock:
            self._offset += seconds
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
            self._now += seconds
        return self._now

    def reset(self) -> None:
        """Back to the start time."""
        with self._lock:
            self._now = self._start
