"""Settings for one emulator instance, shared by the CLI, the app factory and the fixtures."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .domain.limits import GROUPS_PAGE_SIZE, TOKEN_TTL_SECONDS, USERS_PAGE_SIZE


@dataclass
class Config:
    seed: dict[str, Any] | None = None  # a parsed seed document; None = the built-in demo org
    seed_source: str = "<demo>"
    seed_dir: Path | None = None  # where relative certificate paths in the seed resolve
    users_page_size: int = USERS_PAGE_SIZE
    groups_page_size: int = GROUPS_PAGE_SIZE
    token_ttl: int = TOKEN_TTL_SECONDS
    jwt_enabled: bool = True
    throttle: str | dict[str, Any] = "off"  # "off", "documented", or a parsed policy document
    faults: list[dict[str, Any]] = field(default_factory=list)
    admin_token: str | None = None
    journal_size: int = 10_000
    progress: bool = False  # print seeding progress for big orgs
