"""The emulator handle: one instance's config, domain state (backend), layers and app.

The pytest plugin, the in-process mode, the contract kit and the benchmarks hold one of
these, so resetting an emulator is one public call rather than a walk through private state.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .http.page_cache import PageCache
from .layers import Layers
from .redaction import KnownSecrets

if TYPE_CHECKING:
    from .config import Config
    from .domain.backend import Backend
    from .domain.models import Org


class Emulator:
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
        self.pages = PageCache()  # serialised read pages (HTTP bytes; keyed by org version)
        self.secrets = KnownSecrets(self._static_secrets)  # what the journal and logs never show
        backend.tokens.on_issue = self.secrets.add_token
        self.app: Any = None  # the Flask app serving this emulator, set by the app factory
        self.data_dir: str | None = None  # set while a persistence layer keeps this state on disk
        self.started = time.time()  # wall clock: the console shows the uptime

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
