"""Helpers for the fidelity tests (issue 24): the integration tests' clients and admin API,
and an emulator clock that is back at wall time after every test that moves it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.conftest import Admin, Ours, admin, clean_layers, ours, run_official

__all__ = ["Admin", "Ours", "admin", "clean_layers", "ours", "run_official"]


@pytest.fixture(autouse=True)
def wall_clock(served_session: Any) -> Iterator[None]:
    """Tests here skip hours on the session emulator's clock; the next test starts at wall time."""
    served_session.backend.clock.reset()
    yield
    served_session.backend.clock.reset()
