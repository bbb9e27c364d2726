"""The data dir's guards: one server per data dir (an OS lock) and a database checked before
it is trusted, so a second server or a damaged file is refused with one line instead of
serving a partial org."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from pathlib import Path

DB_NAME = "umapi-mock.sqlite3"
LOCK_NAME = "umapi-mock.lock"
FULL_CHECK_BYTES = 8 * 1024 * 1024  # up to this size `integrity_check` before loading; above, `quick_check` beside it


class PersistenceError(Exception):
    """A data dir that cannot be used; the message says what to do."""


class DirLock:
    """An exclusive `flock` on the data dir's lock file, held while a store is open. The OS
    drops it when the process ends in any way (kill -9 included), so it is never stale; the
    file keeps the holder's PID for the message a second server gets."""

    def __init__(self, fd: int):
        self.fd: int | None = fd

    @classmethod
    def acquire(cls, directory: Path) -> DirLock:
        path = directory / LOCK_NAME
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise PersistenceError(f"cannot open data dir {directory}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise PersistenceError(
                f"data dir {directory} is in use by another umapi-mock (PID {holder}): stop it, or use another"
                " --data-dir"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return cls(fd)

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the descriptor releases the lock
            self.fd = None


def refusal(directory: Path, problem: str) -> str:
    """The one line a damaged data dir is refused with: what is wrong, and the two ways on."""
    return (
        f"data dir {directory}: {DB_NAME} {problem}; refusing to start: --reset-from-seed starts again from the"
        f" seed (the damaged file is moved aside), and `umapi-mock state dump --data-dir {directory} -o state.json`"
        " first salvages what is readable"
    )


def too_big_to_check_first(path: Path) -> bool:
    """A file over FULL_CHECK_BYTES is checked while it loads, so a restart is not slowed."""
    return path.stat().st_size > FULL_CHECK_BYTES


class BackgroundCheck:
    """`check_database` in a thread, for a database too big to check before loading it."""

    def __init__(self, path: Path):
        self._problem: str | None = None
        self._thread = threading.Thread(target=self._run, args=(path,), name="umapi-mock-check", daemon=True)
        self._thread.start()

    def _run(self, path: Path) -> None:
        self._problem = check_database(path)

    def result(self) -> str | None:
        self._thread.join()
        return self._problem


def check_database(path: Path) -> str | None:
    """What is wrong with an existing database file (None: it passes SQLite's own check, in
    full for a small file, `quick_check` for a big one)."""
    try:
        if path.stat().st_size == 0:
            return "is empty (0 bytes): it was never written by umapi-mock, or was cut"
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        return f"cannot be read ({exc})"
    try:
        pragma = "integrity_check" if path.stat().st_size <= FULL_CHECK_BYTES else "quick_check"
        rows = conn.execute(f"PRAGMA {pragma}(3)").fetchall()
        if [r[0] for r in rows] != ["ok"]:
            first = " ".join(str(rows[0][0]).split()).replace("*** in database main *** ", "")
            return f"is damaged ({pragma}: {first})"
        has_meta = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
        if not has_meta:
            return "is not a umapi-mock database (no meta table)"
    except sqlite3.Error as exc:
        return f"is not a usable database ({exc})"
    finally:
        conn.close()
    return None


def _move_aside(path: Path) -> None:
    stamp = time.strftime("%Y%m%dT%H%M%S")
    for suffix in ("", "-wal", "-shm"):
        part = path.with_name(path.name + suffix)
        if part.exists():
            part.rename(part.with_name(f"{part.name}.damaged-{stamp}"))
