"""Serialised page bodies, so repeated reads of one page are served as the same bytes
(and the same compressed copies).

When a body or a serialised user may be reused is the domain's cache invariant, stated
once in `domain.views` and applied here as it says: a body is reused while the page's
records are the object it was built from (`Org.page_view`); when a page is rebuilt, a
serialised user is reused while its `views.user_inputs` are equal, so renaming one user
re-serialises one user, not the page. Kept per org object (weakly: a replaced org takes
its pages with it); only the PAGE_CACHE_SIZE most recently used bodies of an org stay.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from itertools import accumulate, compress, count
from operator import is_not

from ..domain.models import Org, User
from ..domain.reads import Page
from ..domain.views import input_stamp, user_inputs
from .compression import CachedBody

PAGE_CACHE_SIZE = 64  # serialised pages kept per org (a full users page is ~0.5 MB)
SEGMENT_USERS = 100  # users per separately compressed block of a page (~25 KB)


@dataclass(slots=True)
class _Held:
    items: Sequence[User]  # the page records the body was built from
    last: bool  # its lastPage flag
    inputs: list[tuple[object, ...]]  # each user's `user_inputs` then
    stamp: tuple[int, int]  # the org's `views.input_stamp` then
    parts: list[bytes]  # each user's serialised object
    start: bytes  # the body's head (up to the users array's opening bracket)
    body: CachedBody
    blocks: list[int] | None = None  # the end offset of each compressed block (see `_build`)


class PageCache:
    def __init__(self, size: int = PAGE_CACHE_SIZE):
        self.size = size
        self._lock = threading.Lock()
        self._orgs: weakref.WeakKeyDictionary[Org, OrderedDict[Hashable, _Held]] = weakref.WeakKeyDictionary()

    def get(
        self,
        org: Org,
        view: tuple[Hashable, ...],
        page: Page[User],
        head: Callable[[], bytes],
        user_bytes: Callable[[User], bytes],
    ) -> CachedBody:
        """The body of `view` showing `page`: `head()` (the JSON object up to the users
        array's opening bracket), each user as `user_bytes` serialises it, then `]}`.
        Built (under the org lock) once per page records."""
        items, last = page.items, page.last
        with self._lock:
            pages = self._orgs.get(org)
            if pages is None:
                pages = self._orgs[org] = OrderedDict()
            held = pages.get(view)
            if held is not None and held.items is items and held.last == last:
                pages.move_to_end(view)
                return held.body
        with org.lock:
            fresh = _build(org, items, last, head, user_bytes, held)
        with self._lock:
            pages[view] = fresh
            pages.move_to_end(view)
            while len(pages) > self.size:
                pages.popitem(last=False)
        return fresh.body

    def clear(self) -> None:
        with self._lock:
            self._orgs.clear()


def _build(
    org: Org,
    items: Sequence[User],
    last: bool,
    head: Callable[[], bytes],
    user_bytes: Callable[[User], bytes],
    old: _Held | None,
) -> _Held:
    stamp = input_stamp(org)
    changed: list[int] | None = None  # the places whose part may not be the old page's
    if old is not None and old.stamp == stamp and len(old.items) == len(items):
        inputs, parts, changed = _patched(org, items, user_bytes, old)
    else:
        inputs, parts = _compared(org, items, user_bytes, old)
    start = head()
    identity = _joined(start, parts)
    if len(parts) <= SEGMENT_USERS:
        return _Held(items, last, inputs, stamp, parts, start, CachedBody(identity))
    # Blocks of SEGMENT_USERS users, compressed one by one (`CachedBody`): the head goes in
    # the first block, each later block starts with its comma, the end goes in the last.
    # A block is kept when its parts are the old page's parts at the same places.
    total = len(parts)
    if old is None or len(old.parts) != total or old.blocks is None:
        ends = list(accumulate(map(len, parts)))  # part i ends at len(start) + ends[i] + i (its commas)
        lasts = [*range(SEGMENT_USERS - 1, total - 1, SEGMENT_USERS), total - 1]  # each block's last part
        blocks = [len(start) + ends[i] + i for i in lasts]
        blocks[-1] += 2  # "]}"
        kept = [False] * len(blocks)
    else:  # the old page's blocks, moved by the parts that differ (a few among 2,000)
        grown = [0] * len(old.blocks)
        grown[0] = len(start) - len(old.start)
        kept = [True] * len(grown)
        kept[0] = old.start == start
        for i in _differing(parts, old.parts, changed):
            kept[i // SEGMENT_USERS] = False
            grown[i // SEGMENT_USERS] += len(parts[i]) - len(old.parts[i])
        blocks = [end + shift for end, shift in zip(old.blocks, accumulate(grown), strict=True)]
    assert blocks[-1] == len(identity)
    body = CachedBody(identity, blocks, kept, old.body if old is not None else None)
    return _Held(items, last, inputs, stamp, parts, start, body, blocks)


def _joined(start: bytes, parts: list[bytes]) -> bytes:
    """`start`, the parts comma-separated, then `]}`: a page's ~0.5 MB copied once."""
    if not parts:
        return start + b"]}"
    ends = parts.copy()
    ends[0] = start + ends[0]
    ends[-1] += b"]}"
    return b",".join(ends)


def _differing(parts: list[bytes], old: list[bytes], places: list[int] | None) -> list[int]:
    """The places among `places` (None: all) whose part is not the old part object."""
    if places is not None:
        return [i for i in places if parts[i] is not old[i]]
    return _other_objects(parts, old)


def _other_objects(now: Sequence[object], old: Sequence[object]) -> list[int]:
    """The places (of the shorter) where `now` holds another object than `old`, found at C
    speed (a rebuilt page has a few among 2,000)."""
    return list(compress(count(), map(is_not, now, old)))


def _compared(
    org: Org, items: Sequence[User], user_bytes: Callable[[User], bytes], old: _Held | None
) -> tuple[list[tuple[object, ...]], list[bytes]]:
    """Each user's inputs and part: the old part where the user's inputs are equal (users
    may have moved), else serialised."""
    inputs = user_inputs(org, items)
    if old is None:
        return inputs, [user_bytes(user) for user in items]
    old_items, old_inputs, old_parts = old.items, old.inputs, old.parts
    parts: list[bytes] = []
    at: dict[int, int] | None = None  # the old page's uid -> position, when users moved
    for i, user in enumerate(items):
        j = i
        if j >= len(old_items) or old_items[j].uid != user.uid:
            if at is None:
                at = {u.uid: k for k, u in enumerate(old_items)}
            j = at.get(user.uid, -1)
        parts.append(old_parts[j] if j >= 0 and old_inputs[j] == inputs[i] else user_bytes(user))
    return inputs, parts


def _patched(
    org: Org, items: Sequence[User], user_bytes: Callable[[User], bytes], old: _Held
) -> tuple[list[tuple[object, ...]], list[bytes], list[int]]:
    """`_compared`'s result when no membership or group changed since `old` was built
    (`views.input_stamp`), and the places that may differ: only those whose record is
    another object, found at C speed."""
    inputs, parts = list(old.inputs), list(old.parts)
    changed = _other_objects(items, old.items)
    if not changed:
        return inputs, parts, changed
    at: dict[int, int] | None = None  # the old page's uid -> position, when users moved
    for i, now in zip(changed, user_inputs(org, [items[i] for i in changed]), strict=True):
        j = i
        if old.items[i].uid != items[i].uid:
            if at is None:
                at = {u.uid: k for k, u in enumerate(old.items)}
            j = at.get(items[i].uid, -1)
        inputs[i] = now
        parts[i] = old.parts[j] if j >= 0 and old.inputs[j] == now else user_bytes(items[i])
    return inputs, parts, changed
