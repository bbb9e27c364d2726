"""Keeping the cyclic garbage collector off the seeded heap.

A big org is millions of long-lived objects (records, their strings, the containers
holding them). The collector's full collections walk every tracked object; at a million
users one costs ~0.4 s, and it lands inside whatever request happens to trigger it. The
objects are never garbage while the org is served (and hold no reference cycles, so
reference counting frees them when the org is replaced), so once they exist they are
moved out of the collector's sight with `gc.freeze()`: after seeding, a state load,
a reset or a fresh org per test. A big clone's first write builds no big container
(it writes over the shared ones, `indexes.Layered`), so it has nothing to freeze. An
in-process mock of big orgs unfreezes the heap when its block ends (`release`), since
what was frozen while it ran includes its app. Small orgs are left alone: their
collections are cheap, and objects frozen while alive that later become cyclic garbage
(a discarded emulator and its app) are never collected.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sized
from contextlib import contextmanager
from typing import Protocol


class _HasUsers(Protocol):  # an Org (not imported: the models import this module)
    @property
    def users(self) -> Sized: ...


FREEZE_AT_USERS = 20_000  # from this many users, a full collection costs more than ~10 ms


def settle(orgs: Iterable[_HasUsers]) -> None:
    """Freeze the heap when the orgs now served are big enough for collections to hurt.
    Once a heap is frozen, a collection first frees the cyclic garbage made since (it walks
    only what is not frozen yet, so it is cheap), so that garbage is not frozen for good."""
    if sum(len(org.users) for org in orgs) >= FREEZE_AT_USERS:
        if gc.get_freeze_count():
            gc.collect()
        gc.freeze()


def release(orgs: Iterable[_HasUsers]) -> None:
    """An emulator of big orgs is done with (an in-process mock leaving its block): unfreeze
    the heap, so that emulator (its app is full of reference cycles) can be collected once
    dropped. The next `settle` freezes again whatever is still alive."""
    if sum(len(org.users) for org in orgs) >= FREEZE_AT_USERS and gc.get_freeze_count():
        gc.unfreeze()


@contextmanager
def no_collection() -> Iterator[None]:
    """Hold the cyclic collector off for one short burst of writes (an action request).

    A request's temporaries are freed by reference counting as it goes, but a collection
    landing mid-request finds them alive and promotes them, so the old generations grow
    and full collections (which walk the whole heap: ~10% of an action's time on a
    1,000-user org whose heap is not frozen) come sooner. Deferred to the end of the
    burst, the collection finds them gone. Leaves the collector alone when it is off
    already (the caller's choice, or another burst in progress)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
