"""The emulator handle and its composition root: one instance's config, domain state
(backend), layers, known secrets and, with a data dir, its persistence.

`Emulator.open(config)` builds all of it; the HTTP layer adapts a handle to WSGI
(`http.app.create_app(emulator)`) and keeps its own caches, so this module knows nothing of
HTTP. The pytest plugin, the in-process mode, the contract kit, the CLI and the benchmarks
all hold one of these: resetting or closing an emulator is one public call.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .config import Config
from .layers import Layers
from .redaction import KnownSecrets

if TYPE_CHECKING:
    from .domain.backend import Backend
    from .domain.models import Org
    from .persistence import Persistence


@dataclass(frozen=True)
class Restored:
    """What `Emulator.open` found in the data dir (None on the handle: the seed was applied)."""

    data_dir: str
    users: int
    groups: int

    def line(self) -> str:
        return (
            f"restored {self.users} users, {self.groups} groups from {self.data_dir}"
            " (seed not applied; --reset-from-seed to start again)"
        )


class Emulator:
    """One emulator instance. Build it with `Emulator.open(config)`; `close()` when done."""

    def __init__(self, config: Config, backend: Backend):
        self.config = config
        self.backend = backend
        clock = backend.clock
        self.layers = Layers.build(
            lambda: clock.now(),
            throttle=config.throttle,
            faults=config.faults,
            journal_size=config.journal_size,
            journal_bodies=config.journal_bodies,
        )
        self.secrets = KnownSecrets(self._static_secrets)  # what the journal and logs never show
        backend.tokens.on_issue = self.secrets.add_token
        self.persistence: Persistence | None = None  # with a data dir: keeps this state on disk
        self.restored: Restored | None = None  # set when the state came from the data dir
        self.started = time.time()  # wall clock: the console shows the uptime

    @classmethod
    def open(cls, config: Config | None = None, backend: Backend | None = None) -> Emulator:
        """The composition root: the backend from `backend`, the data dir, or the seed;
        layers and secrets; with `config.data_dir`, persistence (the saved state restored,
        or the seed saved at once). Raises SeedError, or PersistenceError (one line saying
        what to do: the data dir is locked by another process, damaged, or newer)."""
        config = config or Config()
        if config.data_dir is None:
            return cls(config, backend if backend is not None else _seeded(config))
        from .persistence import Persistence, Store

        store = Store.open(config.data_dir, reset=config.reset_from_seed)  # holds the data dir's lock
        try:
            restore = store.initialized and not config.reset_from_seed and backend is None
            if restore:
                from .world import restored_backend

                backend = restored_backend(
                    store.load_verified(),
                    config.seed,
                    seed_source=config.seed_source,
                    seed_dir=config.seed_dir,
                    token_ttl=config.token_ttl,
                    jwt_enabled=config.jwt_mode,
                )
            store.verify()  # a big database was checked while it loaded
            emulator = cls(config, backend if backend is not None else _seeded(config))
            persistence = Persistence(store, emulator.backend, emulator.layers)
            if restore:
                persistence.restore_settings()
                orgs = emulator.backend.orgs.values()
                emulator.restored = Restored(
                    str(config.data_dir), sum(len(o.users) for o in orgs), sum(len(o.groups) for o in orgs)
                )
            else:
                persistence.save_all()
            persistence.start()
        except BaseException:
            store.close()
            raise
        emulator.persistence = persistence
        return emulator

    @property
    def data_dir(self) -> str | None:
        """The data dir keeping this state, or None (memory only)."""
        return None if self.persistence is None else str(self.persistence.store.path)

    def close(self) -> None:
        """Flush and release the data dir (its lock too); a no-op without one."""
        if self.persistence is not None:
            self.persistence.close()
            self.persistence = None

    def _static_secrets(self) -> list[str]:
        found = [c.client_secret for org in list(self.backend.orgs.values()) for c in org.credentials.values()]
        if self.config.admin_token:
            found.append(self.config.admin_token)
        return found

    def org(self, org_id: str | None = None) -> Org:
        return self.backend.org(org_id)

    def reset(self) -> None:
        """Back to the start: the seed's orgs, then as `reset_layers`."""
        self.backend.reset()
        self.reset_layers()

    def reset_layers(self, *, throttle: str | dict[str, Any] | None = None, faults: Any = None) -> None:
        """Clock back to wall time; throttle windows, fault rules and journal emptied; the
        configured throttle policy and fault rules (or the ones given) installed again."""
        self.layers.reset(
            throttle=self.config.throttle if throttle is None else throttle,
            faults=self.config.faults if faults is None else faults,
        )
        self.backend.clock.reset()


def _seeded(config: Config) -> Backend:
    from .world import build_backend

    return build_backend(
        config.seed,
        seed_source=config.seed_source,
        seed_dir=config.seed_dir,
        token_ttl=config.token_ttl,
        jwt_enabled=config.jwt_mode,
        progress=config.progress,
    )
