"""One emulator instance's world: its orgs, its IMS, its clock, and the seed to reset to.

The HTTP app, the admin API and the pytest fixtures all hold a `Backend`; nothing else
keeps state, so two backends in one process never interfere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from . import heap
from .clock import Clock
from .limits import TOKEN_TTL_SECONDS
from .models import Org, OrgRegistry
from .tokens import TokenService


class Backend:
    """Holds `orgs` as the start-up state that `reset()` returns to; the orgs are built
    outside the domain (`umapi_mock.world.build_backend` loads seeds)."""

    def __init__(
        self,
        orgs: list[Org],
        *,
        seed_doc: dict[str, Any] | None = None,
        clock: Clock | None = None,
        token_ttl: int = TOKEN_TTL_SECONDS,
        jwt_enabled: bool | str = True,  # or a JWT mode: "on", "off", "retired"
        pristine: Callable[[], list[Org]] | None = None,
    ):
        """With `pristine`, `orgs` are served as they are (e.g. restored from a data dir) and
        the start-up state `reset()` returns to is built by `pristine()` when first needed."""
        self.clock = clock or Clock()
        self.registry = OrgRegistry()
        self.tokens = TokenService(self.registry, self.clock, ttl=token_ttl, jwt_enabled=jwt_enabled)
        self.seed_doc: dict[str, Any] = seed_doc if seed_doc is not None else {}  # the document `orgs` came from
        self._build_pristine = pristine
        self._pristine: list[Org] | None = None if pristine is not None else list(orgs)
        self.registry.replace_all(list(orgs) if pristine is not None else [o.clone() for o in orgs])
        heap.settle(self.registry.orgs.values())

    @property
    def pristine(self) -> list[Org]:
        """The start-up orgs (never served: `reset()` clones them)."""
        if self._pristine is None:
            assert self._build_pristine is not None
            self._pristine = list(self._build_pristine())
        return list(self._pristine)

    @property
    def orgs(self) -> dict[str, Org]:
        return self.registry.orgs

    def org(self, org_id: str | None = None) -> Org:
        """The org with this id, or the first one when the backend serves just one."""
        if org_id is None:
            return next(iter(self.registry.orgs.values()))
        org = self.registry.get(org_id)
        if org is None:
            raise KeyError(org_id)
        return org

    def reset(self, org_id: str | None = None, *, clock: bool = False) -> None:
        """Back to the start-up seed: all orgs, or one; with `clock`, the clock back to wall
        time in the same replacement (saved with the orgs, undone with them)."""
        with self._replacing(clock):
            if clock:
                self.clock.set_offset(0.0)  # silent: the replacement's save carries it
            if org_id is None:
                self.registry.replace_all([o.clone() for o in self.pristine])
            else:
                pristine = next((o for o in self.pristine if o.id == org_id), None)
                if pristine is None:
                    self.registry.remove(org_id)
                else:
                    self.registry.add(pristine.clone())
        heap.settle(self.registry.orgs.values())

    def replace_orgs(self, orgs: list[Org], *, org_id: str | None = None) -> None:
        with self._replacing():
            if org_id is None:
                self.registry.replace_all(orgs)
            else:  # one org replaced in place: one write (a remove, then an add, would be two)
                if not any(org.id == org_id for org in orgs):
                    self.registry.remove(org_id)
                for org in orgs:
                    self.registry.add(org)
        heap.settle(self.registry.orgs.values())

    @contextmanager
    def _replacing(self, clock: bool = False) -> Iterator[None]:
        """A replacement the registry's observer refuses (a save that failed) is undone:
        the orgs served before it (and the clock, when it moved with them) are served again."""
        with self.registry.lock:
            before, offset = dict(self.registry.orgs), self.clock.offset
            try:
                yield
            except BaseException:
                self.registry.orgs = before
                if clock:
                    self.clock.set_offset(offset)
                raise
