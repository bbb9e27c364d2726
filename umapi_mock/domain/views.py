"""Cached pages that outlive the writes that do not change them.

A page (the records of one slice of an ordered id list, or that slice serialised) is
stored with the list it slices (`source`), its index and size, and the uids it shows.
A write then drops only the pages it can have changed:

* a user's record or memberships changed: the pages that show that user (`drop_user`);
* a list gained or lost an id at a position: that list's pages from the one before the
  position on, since later ids shift and the old last page's `lastPage` may flip
  (`drop_source`);
* anything wider (a group created, renamed or deleted): every page (`clear`).

Only the `capacity` most recently used pages are kept, so paging through a huge org
does not keep every page alive.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class _Entry:
    value: object
    source: Hashable
    index: int
    size: int
    uids: tuple[int, ...]


class PageCache:
    """An LRU of pages, each indexed by the users it shows and the list it slices."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        # uid -> keys of the pages showing it: a tuple, as a set per user would cost
        # ~200 bytes, for up to `capacity` × page size users
        self._by_user: dict[int, tuple[Hashable, ...]] = {}
        self._by_source: dict[Hashable, set[Hashable]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> object | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        try:
            self._entries.move_to_end(key)
        except KeyError:
            pass  # dropped by a writer meanwhile: this reader still gets the value it found
        return entry.value

    def put(self, key: Hashable, value: object, source: Hashable, index: int, size: int, uids: Iterable[int]) -> None:
        entry = _Entry(value, source, index, size, tuple(uids))
        with self._lock:
            self._discard(key)
            self._entries[key] = entry
            by_user = self._by_user
            for uid in entry.uids:
                found = by_user.get(uid)
                if found is None:
                    by_user[uid] = (key,)
                elif key not in found:
                    by_user[uid] = found + (key,)
            self._by_source.setdefault(source, set()).add(key)
            while len(self._entries) > self.capacity:
                self._discard(next(iter(self._entries)))

    def drop_user(self, uid: int) -> None:
        if uid in self._by_user:
            with self._lock:
                for key in self._by_user.get(uid, ()):
                    self._discard(key)

    def drop_source(self, source: Hashable, position: int | None = None) -> None:
        """Drop the pages of `source` that a change at `position` can alter (all: None)."""
        if source not in self._by_source:
            return
        with self._lock:
            for key in list(self._by_source.get(source, ())):
                entry = self._entries[key]
                if position is None or entry.index >= position // entry.size - 1:
                    self._discard(key)

    def drop_sources(self, matches: Callable[[Hashable], bool]) -> None:
        with self._lock:
            for source in [s for s in self._by_source if matches(s)]:
                for key in list(self._by_source.get(source, ())):
                    self._discard(key)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._by_user.clear()
            self._by_source.clear()

    def _discard(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        by_user = self._by_user
        for uid in entry.uids:
            found = by_user.get(uid)
            if found is None:
                continue
            rest = tuple(k for k in found if k != key)
            if rest:
                by_user[uid] = rest
            else:
                del by_user[uid]
        keys = self._by_source.get(entry.source)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self._by_source[entry.source]
