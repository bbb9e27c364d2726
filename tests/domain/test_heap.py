"""A big seeded org is moved out of the cyclic collector's sight (gc.freeze), so no full
collection walks it inside a request, and its first write builds nothing the collector
would walk; a small one is left to the collector."""

from __future__ import annotations

import copy
import gc
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest

from umapi_mock.config import Config
from umapi_mock.domain.heap import FREEZE_AT_USERS
from umapi_mock.http.app import create_app
from umapi_mock.http.context import emulator_of
from umapi_mock.seed import DEMO_SEED


def seed_of(users: int) -> dict[str, Any]:
    seed = copy.deepcopy(DEMO_SEED)
    seed["orgs"][0]["generate"]["users"] = users
    return seed


@pytest.fixture
def thawed() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_a_big_seeded_org_is_frozen_and_its_first_write_copies_nothing_to_freeze(thawed: None) -> None:
    emulator = emulator_of(create_app(Config(seed=seed_of(FREEZE_AT_USERS))))
    assert gc.get_freeze_count() > FREEZE_AT_USERS  # every record at least
    gc.unfreeze()
    org = emulator.org()
    user = next(iter(org.users.values()))
    tracemalloc.start()
    try:
        with org.transaction():
            org.update_user(user, firstname="Written")  # the served clone's first write: over its shared stores
        allocated, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert allocated < 64 * 1024  # O(written): a copy of this user store alone: ~600 KB
    assert gc.get_freeze_count() == 0  # nothing big was built, so nothing needed freezing
    emulator.reset()
    assert gc.get_freeze_count() > 0


def test_a_small_org_is_left_to_the_collector(thawed: None) -> None:
    emulator = emulator_of(create_app(Config(seed=seed_of(100))))
    emulator.reset()
    assert gc.get_freeze_count() == 0


def test_an_in_process_mock_of_a_big_org_lets_its_heap_go_when_it_ends(thawed: None) -> None:
    from umapi_mock import mock_umapi

    with mock_umapi(seed=seed_of(FREEZE_AT_USERS)) as umapi:
        assert gc.get_freeze_count() > FREEZE_AT_USERS
        umapi.reset()
    assert gc.get_freeze_count() == 0  # its app and orgs can be collected once dropped
