"""Serialised page bodies, so repeated reads of one page are served as the same bytes
(and the same compressed copies).

Kept per org object (weakly: a replaced org takes its pages with it). A body is stored
with the page records it was built from: the org keeps a page's records list, the same
object, until a write changes a user on that page or that part of its list
(`Org.page_view`), so a body is still valid exactly while the page's records are the
object it was built from. A write elsewhere in the org leaves the body cached. Only the
PAGE_CACHE_SIZE most recently used bodies of an org stay, so paging through a huge org
does not keep every body alive.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from ..domain.models import Org
from ..domain.reads import Page
from .compression import CachedBody

PAGE_CACHE_SIZE = 64  # serialised pages kept per org (a full users page is ~0.5 MB)

# (the records the body was built from, its lastPage flag, the body)
_Held = tuple[object, bool, CachedBody]


class PageCache:
    def __init__(self, size: int = PAGE_CACHE_SIZE):
        self.size = size
        self._lock = threading.Lock()
        self._orgs: weakref.WeakKeyDictionary[Org, OrderedDict[Hashable, _Held]] = weakref.WeakKeyDictionary()

    def get(self, org: Org, view: tuple[Hashable, ...], page: Page[Any], build: Callable[[], CachedBody]) -> CachedBody:
        """The body of `view` showing `page`, built (under the org lock) once per page records."""
        items, last = page.items, page.last
        with self._lock:
            pages = self._orgs.get(org)
            if pages is None:
                pages = self._orgs[org] = OrderedDict()
            held = pages.get(view)
            if held is not None and held[0] is items and held[1] == last:
                pages.move_to_end(view)
                return held[2]
        with org.lock:
            body = build()
        with self._lock:
            pages[view] = (items, last, body)
            pages.move_to_end(view)
            while len(pages) > self.size:
                pages.popitem(last=False)
        return body

    def clear(self) -> None:
        with self._lock:
            self._orgs.clear()
