"""All orgs served by one emulator (`models.OrgRegistry`, this registry of `models.Org`s).

Generic over the org type so this module need not import the models (which import it)."""

from __future__ import annotations

import threading
from typing import Generic, Protocol, TypeVar

from .changes import ChangeObserver
from .records import Credential


class _Org(Protocol):
    """What the registry reads and sets on an org."""

    observer: ChangeObserver | None

    @property
    def id(self) -> str: ...
    @property
    def credentials(self) -> dict[str, Credential]: ...


Org = TypeVar("Org", bound=_Org)


class Registry(Generic[Org]):
    """All orgs served by one emulator, and the credential index IMS and the gate use."""

    def __init__(self) -> None:
        self.orgs: dict[str, Org] = {}
        self.lock = threading.RLock()
        self.observer: ChangeObserver | None = None  # told about orgs added, replaced, removed

    def observe(self, observer: ChangeObserver | None) -> None:
        """Report commits of every org served from now on, and org replacements, to `observer`."""
        with self.lock:
            self.observer = observer
            for org in self.orgs.values():
                org.observer = observer

    def _replaced(self, orgs: list[Org], removed: list[str]) -> None:
        observer = self.observer
        for org in orgs:
            org.observer = observer
        if observer is not None:
            observer.orgs_replaced(orgs, removed)

    def add(self, org: Org) -> Org:
        with self.lock:
            self.orgs[org.id] = org
            self._replaced([org], [])
        return org

    def get(self, org_id: str) -> Org | None:
        return self.orgs.get(org_id)

    def remove(self, org_id: str) -> None:
        with self.lock:
            if self.orgs.pop(org_id, None) is not None:
                self._replaced([], [org_id])

    def credential(self, client_id: str) -> Credential | None:
        for org in list(self.orgs.values()):
            cred = org.credentials.get(client_id)
            if cred is not None:
                return cred
        return None

    def replace_all(self, orgs: list[Org]) -> None:
        with self.lock:
            removed = [org_id for org_id in self.orgs if org_id not in {o.id for o in orgs}]
            self.orgs = {o.id: o for o in orgs}
            self._replaced(list(orgs), removed)
