"""Settings for one emulator instance, shared by the CLI, the app factory and the fixtures."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .domain.limits import GROUPS_PAGE_SIZE, TOKEN_TTL_SECONDS, USERS_PAGE_SIZE

if TYPE_CHECKING:  # annotations only: reading a Config must not import the layers
    from .layers.faults import FaultRule
    from .layers.throttle import Policy


@dataclass
class Config:
    seed: dict[str, Any] | None = None  # a parsed seed document; None = the built-in demo org
    seed_source: str = "<demo>"
    seed_dir: Path | None = None  # where relative certificate paths in the seed resolve
    users_page_size: int = USERS_PAGE_SIZE
    groups_page_size: int = GROUPS_PAGE_SIZE
    token_ttl: int = TOKEN_TTL_SECONDS
    jwt_enabled: bool = True  # False is `--jwt off` (kept for `--no-jwt` and older callers)
    jwt: str = "on"  # `--jwt on|off|retired`: the JWT exchange served, refused, or answered as retired
    # "off", "documented", a parsed Policy (the CLI's file), or a policy document (fixtures)
    throttle: str | dict[str, Any] | Policy = "off"
    # parsed rules (the CLI's file, copied per app) or rule documents
    faults: list[FaultRule | dict[str, Any]] = field(default_factory=list)
    admin_token: str | None = None
    # names besides loopback and the bound address that the admin API and console answer (421 else)
    allowed_hosts: tuple[str, ...] = ()
    journal_size: int = 10_000
    journal_bodies: int = 200  # the newest exchanges whose bodies the journal keeps (console detail)
    progress: bool = False  # print seeding progress for big orgs
    ca_cert: Path | None = None  # the CA that signed the served certificate: served at /_mock/ca.pem
    data_dir: Path | None = None  # keep the state in this directory's SQLite database (persistence/)
    reset_from_seed: bool = False  # with data_dir: discard what it holds and start from the seed

    @property
    def jwt_mode(self) -> str:
        """The JWT mode in effect: `jwt_enabled=False` means off whatever `jwt` says."""
        return "off" if not self.jwt_enabled else self.jwt
