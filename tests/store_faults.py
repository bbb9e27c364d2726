"""A data dir's SQLite connection that fails statements on demand, as a full disk or an I/O
error would: the one home for the tests that check a failed save is undone and answered."""

from __future__ import annotations

import sqlite3
from typing import Any

_ALWAYS_PASS = ("ROLLBACK", "PRAGMA")


class FlakyConnection:
    """Wraps the store's connection (`store.conn = FlakyConnection(store.conn)`).

    Two ways to fail: `fail_at = n` fails the n-th statement from now once (0: the next; then
    healthy again, `fail_at` back to None), for walking a failure through every statement of
    a save; `failing = True` fails every statement that writes while it is set. Rollbacks and
    pragmas always pass, so the store can undo what a failed save began."""

    def __init__(self, real: sqlite3.Connection | Any):
        self.real = real
        self.fail_at: int | None = None
        self.failing = False

    def _check(self, sql: str) -> None:
        verb = sql.lstrip().upper()
        if verb.startswith(_ALWAYS_PASS):
            return
        if self.failing and not verb.startswith("SELECT"):
            raise sqlite3.OperationalError("disk I/O error (injected)")
        if self.fail_at is None:
            return
        if self.fail_at == 0:
            self.fail_at = None
            raise sqlite3.OperationalError("disk I/O error (injected)")
        self.fail_at -= 1

    def execute(self, sql: str, *args: Any) -> Any:
        self._check(sql)
        return self.real.execute(sql, *args)

    def executemany(self, sql: str, *args: Any) -> Any:
        self._check(sql)
        return self.real.executemany(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)
