"""Serialised page bodies, so repeated reads of one page are served as the same bytes.

Kept per org object (weakly: a replaced org takes its pages with it) and keyed by
(org id, org version, view, page...): a write bumps the version, which empties the org's
entries. Only the PAGE_CACHE_SIZE most recently used pages of an org stay, so paging
through a huge org does not keep every body alive.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable

from ..domain.models import Org
from .compression import CachedBody

PAGE_CACHE_SIZE = 64  # serialised pages kept per org (a full users page is ~0.5 MB)


class PageCache:
    def __init__(self, size: int = PAGE_CACHE_SIZE):
        self.size = size
        self._lock = threading.Lock()
        self._orgs: weakref.WeakKeyDictionary[Org, tuple[int, OrderedDict[Hashable, CachedBody]]] = (
            weakref.WeakKeyDictionary()
        )

    def get(self, org: Org, view: tuple[Hashable, ...], build: Callable[[], CachedBody]) -> CachedBody:
        """The body (and its compressed copies) of `view` at the org's current version, built (under the org lock) once."""
        version = org.version
        key = (org.id, version, *view)
        with self._lock:
            held = self._orgs.get(org)
            if held is None or held[0] != version:
                held = (version, OrderedDict())
                self._orgs[org] = held
            pages = held[1]
            body = pages.get(key)
            if body is not None:
                pages.move_to_end(key)
                return body
        with org.lock:
            body = build()
            if org.version != version:
                return body
        with self._lock:
            pages[key] = body
            while len(pages) > self.size:
                pages.popitem(last=False)
        return body

    def clear(self) -> None:
        with self._lock:
            self._orgs.clear()
