"""Durable state behind the domain: `--data-dir DIR` keeps an emulator's orgs, its token
signing key, clock offset, fault rules and throttle policy in SQLite (`store.py`).

`Emulator.open(config)` (emulator.py) wires it: the store (holding the data dir's lock),
then restore or save, then `start()`. The in-memory model stays the read path; the database
is its durable copy. The domain
reports each org commit as change records (`domain/changes.py`) and each whole-org
replacement (reset, state load) through its registry; the clock, fault set and throttle
report setting changes. `Persistence` writes all of them through one `Writer`, which commits
whatever has queued up in one transaction (group commit) on the thread waiting for it: an
org's change is on disk before the org keeps it (a failed save is undone in memory and
answered 503 or 507), and writers of different orgs share one fsync.
Rolled-back transactions (test mode) report nothing, so they write nothing.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..domain.changes import OrgChanges
from ..domain.errors import UmapiError
from .guards import PersistenceError
from .store import SCHEMA_VERSION, OrgSnapshot, Store, salvage, transaction

if TYPE_CHECKING:
    from ..domain.backend import Backend
    from ..domain.models import Org
    from ..layers import Layers
    from ..layers.throttle import Policy

log = logging.getLogger("umapi_mock.persistence")

DATA_DIR_ENV = "UMAPI_MOCK_DATA_DIR"
_BATCH_MAX = 256
_SQLITE_FULL = 13  # "database or disk is full"


class Ticket:
    """One queued write; `wait()` returns once it is committed, or raises PersistenceError."""

    __slots__ = ("_writer", "done", "error")

    def __init__(self, writer: Writer) -> None:
        self._writer = writer
        self.done = False
        self.error: BaseException | None = None

    def finish(self, error: BaseException | None = None) -> None:
        self.error = error
        self.done = True

    def wait(self) -> None:
        if not self.done:
            self._writer.commit_until(self)
        if self.error is not None:
            raise PersistenceError(f"the change could not be saved: {self.error}") from self.error


Job = Callable[[Store], None]


class Writer:
    """Group commit on the waiting threads, with no thread of its own: a thread that waits for
    its write takes the store and commits everything queued by then in one transaction (one
    fsync); threads queuing meanwhile wait for the store, and the first of them whose write
    is still pending commits the next batch. A lone writer thus saves on its own thread, with
    no hand-off to another thread and back (two thread switches per write)."""

    def __init__(self, store: Store):
        self.store = store
        self._pending: deque[tuple[Job, Ticket]] = deque()  # append and popleft are atomic
        self._store_lock = threading.Lock()  # held while a batch is written and committed
        self.commits = 0  # transactions committed (a figure for the benchmarks)

    def submit(self, job: Job) -> Ticket:
        ticket = Ticket(self)
        self._pending.append((job, ticket))
        return ticket

    def run(self, job: Job) -> None:
        self.submit(job).wait()

    def commit_until(self, ticket: Ticket) -> None:
        """Commit queued batches until `ticket`'s is done (by this thread or another)."""
        while not ticket.done:
            with self._store_lock:
                if ticket.done:
                    return
                if not self._pending:  # taken off the queue by a commit that was interrupted
                    ticket.finish(RuntimeError("the write was interrupted"))
                    return
                self._commit_pending()

    def close(self) -> None:
        """Commit what is still queued."""
        with self._store_lock:
            while self._pending:
                self._commit_pending()

    def _commit_pending(self) -> None:
        """Under the store lock: the oldest queued jobs, up to a batch, in one transaction."""
        pending = self._pending
        batch: list[tuple[Job, Ticket]] = []
        try:
            while pending and len(batch) < _BATCH_MAX:
                batch.append(pending.popleft())
            self._commit(batch)
        except BaseException as error:  # not a save error (an interrupt): no waiter may hang
            for _, ticket in batch:
                if not ticket.done:
                    ticket.finish(error)
            raise

    def _commit(self, batch: list[tuple[Job, Ticket]]) -> None:
        try:
            with transaction(self.store.conn):
                for job, _ in batch:
                    job(self.store)
            self.commits += 1
        except (sqlite3.Error, OSError, ValueError, TypeError) as error:
            if len(batch) == 1:
                batch[0][1].finish(error)
                return
            for one in batch:  # find the job that failed; the others still commit
                self._commit([one])
            return
        for _, ticket in batch:
            ticket.finish()


class Persistence:
    """Keeps one emulator's state in a store: restores it at start, then writes every change."""

    def __init__(self, store: Store, backend: Backend, layers: Layers):
        self.store = store
        self.backend = backend
        self.layers = layers
        self.writer: Writer | None = None
        self._saved_settings: dict[str, Any] = {}  # the settings on disk
        self._undoing = False

    # -- start

    def start(self) -> None:
        """Begin writing changes (call after `save_all` or `restore_settings`)."""
        self.writer = Writer(self.store)
        self.backend.registry.observe(self)
        for source in self._setting_sources():
            source.listeners.append(self.save_settings)

    def _setting_sources(self) -> list[Any]:
        """What tells the settings' changes: the clock, the fault set, the throttle."""
        return [self.backend.clock, self.layers.faults, self.layers.throttle]

    def save_all(self) -> None:
        """The whole state, replacing what the store held (a new data dir, or a reseed). A
        signing key the store already holds is kept: tokens issued before a reseed still work."""
        backend = self.backend
        kept = self.store.get("signing_key")
        if kept:
            backend.tokens.use_signing_key(kept)
        snaps = [OrgSnapshot.capture(org) for org in backend.orgs.values()]
        settings = self._settings()
        key = backend.tokens.signing_key_pem()

        def job(store: Store) -> None:
            for table in ("orgs", "users", "org_groups", "members"):
                store.conn.execute(f"DELETE FROM {table}")
            for pos, snap in enumerate(snaps):
                store.save_org(snap, pos)
            store.put("settings", settings)
            store.put("signing_key", key)
            store.put("initialized", True)

        self._write(job)
        self._saved_settings = settings

    def restore_settings(self) -> None:
        """Clock offset, fault rules, throttle policy and signing key from the store."""
        key = self.store.get("signing_key")
        if key:
            self.backend.tokens.use_signing_key(key)
        settings = self.store.get("settings") or {}
        self._apply_settings(settings)
        self._saved_settings = settings

    def _apply_settings(self, settings: dict[str, Any]) -> None:
        from ..layers.faults import parse_fault_rules
        from ..layers.throttle import parse_policy

        backend, layers = self.backend, self.layers
        backend.clock.set_offset(float(settings.get("clock_offset", 0.0)))
        if "throttle" in settings:
            layers.throttle.set_policy(parse_policy(settings["throttle"]))
        saved = settings.get("faults") or []
        layers.faults.clear()
        if saved:
            rules = parse_fault_rules([entry["rule"] for entry in saved])
            layers.faults.add(rules)
            for rule, entry in zip(rules, saved):
                rule.fired = int(entry.get("fired", 0))

    # -- observing (the domain's ChangeObserver, and the settings' listeners)

    def committed(self, changes: OrgChanges) -> Callable[[], None] | None:
        """The wait the org calls before keeping its commit: a save that fails raises a
        UmapiError (503 or 507), and the org undoes the commit in memory."""
        if self.writer is None:
            return None
        ticket = self.writer.submit(lambda store: store.apply(changes))
        return lambda: self._settle(ticket, f"changes to org {changes.org_id}")

    def _settle(self, ticket: Ticket, what: str) -> None:
        try:
            ticket.wait()
        except PersistenceError as exc:
            raise _not_saved(exc.__cause__ or exc, what, self.store.path) from exc

    def orgs_replaced(self, orgs: list[Org], removed: list[str]) -> None:
        order = list(self.backend.orgs)
        snaps = [(OrgSnapshot.capture(org), order.index(org.id) if org.id in order else len(order)) for org in orgs]
        settings = self._settings()  # a reset moves the clock with the orgs: one write for both

        def job(store: Store) -> None:
            for org_id in removed:
                store.drop_org(org_id)
            for snap, pos in snaps:
                store.save_org(snap, pos)
            store.put("settings", settings)

        self._write(job, "replaced orgs")
        self._saved_settings = settings

    def save_settings(self) -> None:
        """Save the clock offset, fault rules and throttle policy as they are now; when that
        fails, put back the ones last saved (a setting not saved is not served either)."""
        if self._undoing:
            return
        settings = self._settings()
        try:
            self._write(lambda store: store.put("settings", settings))
        except UmapiError:
            self._undoing = True  # the undo's own changes are not saved again
            try:
                self._apply_settings(self._saved_settings)
            finally:
                self._undoing = False
            raise
        self._saved_settings = settings

    def _settings(self) -> dict[str, Any]:
        layers = self.layers
        faults = []
        for doc in layers.faults.list():
            fired = doc.pop("fired", 0)
            doc.pop("remaining", None)
            faults.append({"rule": doc, "fired": fired})
        return {
            "clock_offset": self.backend.clock.offset,
            "faults": faults,
            "throttle": _policy_doc(layers.throttle.policy),
        }

    def _write(self, job: Job, what: str = "the settings") -> None:
        if self.writer is None:
            with transaction(self.store.conn):
                job(self.store)
        else:
            self._settle(self.writer.submit(job), what)

    # -- stop

    def close(self) -> None:
        """Flush: the settings as they are now (fault rules' fired counts), then close."""
        try:
            self.save_settings()
        except (PersistenceError, UmapiError):
            pass
        self.backend.registry.observe(None)
        for source in self._setting_sources():
            if self.save_settings in source.listeners:
                source.listeners.remove(self.save_settings)
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        self.store.close()


def _not_saved(error: BaseException, what: str, data_dir: Path) -> UmapiError:
    """The answer to a save that failed, logged once (a line; the traceback at debug)."""
    full = getattr(error, "sqlite_errorcode", None) == _SQLITE_FULL or (
        isinstance(error, OSError) and error.errno == errno.ENOSPC
    )
    log.warning(
        "could not save %s in data dir %s (%s): undone, answered %s",
        what,
        data_dir,
        error,
        507 if full else 503,
    )
    log.debug("the failed save", exc_info=error)
    return UmapiError("server.storage_full" if full else "server.not_saved")


def _policy_doc(policy: Policy) -> Any:
    """A policy document that parses back to the same limits."""
    if policy.name in ("off", "documented") and policy.sync_interval is None:
        return policy.name
    doc: dict[str, Any] = {"base": "none", "families": {f: limit.as_json() for f, limit in policy.limits.items()}}
    if policy.sync_interval is not None:
        doc["sync_interval"] = policy.sync_interval
    return doc


__all__ = ["DATA_DIR_ENV", "Persistence", "PersistenceError", "SCHEMA_VERSION", "Store", "Writer", "salvage"]
