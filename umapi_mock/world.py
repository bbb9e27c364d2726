"""Building an emulator's world from a seed document: the one place outside the domain
that turns seeds into orgs and hands them to a `Backend`.

The domain never reads seeds (docs: CONTRIBUTING.md, "where things live"); the app
factory, the CLI, the fixtures and the benchmarks build through here.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from .domain.backend import Backend
from .domain.clock import Clock
from .domain.limits import TOKEN_TTL_SECONDS
from .domain.models import Org
from .seed import DEMO_SEED, load_seed


def build_backend(
    seed: dict[str, Any] | None = None,
    *,
    seed_source: str = "<seed>",
    seed_dir: Path | None = None,
    clock: Clock | None = None,
    token_ttl: int = TOKEN_TTL_SECONDS,
    jwt_enabled: bool | str = True,
    progress: bool = False,
) -> Backend:
    """A backend whose start-up state is `seed` (the demo org when None); raises SeedError."""
    doc = copy.deepcopy(seed if seed is not None else DEMO_SEED)
    orgs = load_seed(doc, seed_source, seed_dir, progress=progress)
    return Backend(orgs, seed_doc=doc, clock=clock, token_ttl=token_ttl, jwt_enabled=jwt_enabled)


def restored_backend(
    orgs: list[Org],
    seed: dict[str, Any] | None = None,
    *,
    seed_source: str = "<seed>",
    seed_dir: Path | None = None,
    token_ttl: int = TOKEN_TTL_SECONDS,
    jwt_enabled: bool | str = True,
) -> Backend:
    """A backend serving `orgs` as restored from a data dir; its reset state is still the
    seed, loaded only when a reset first needs it (a big seed would slow every restart)."""
    doc = copy.deepcopy(seed if seed is not None else DEMO_SEED)
    return Backend(
        orgs,
        seed_doc=doc,
        token_ttl=token_ttl,
        jwt_enabled=jwt_enabled,
        pristine=lambda: load_seed(doc, seed_source, seed_dir),
    )
