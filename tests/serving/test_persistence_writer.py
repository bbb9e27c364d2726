"""The persistence `Writer`'s group commit, led by the waiting threads: a wait commits
everything queued by then in one transaction, a job that cannot be saved fails only its own
write, and concurrent writers all get their writes committed (none waits forever)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from umapi_mock.persistence import PersistenceError, Store, Writer
from umapi_mock.persistence.guards import DB_NAME


def _saved(data: Path, key: str) -> object:
    """A setting as a second connection reads it from the database."""
    conn = sqlite3.connect(data / DB_NAME)
    try:
        return Store(data, conn).get(key)
    finally:
        conn.close()


def _put(key: str, value: object) -> Callable[[Store], None]:
    return lambda store: store.put(key, value)


def test_a_wait_commits_everything_queued_in_one_transaction(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    writer = Writer(store)
    try:
        first, second = writer.submit(_put("a", 1)), writer.submit(_put("b", 2))
        second.wait()
        assert writer.commits == 1
        first.wait()  # already committed with the other: nothing more to do
        assert writer.commits == 1
        assert (_saved(tmp_path, "a"), _saved(tmp_path, "b")) == (1, 2)
    finally:
        writer.close()
        store.close()


def test_a_job_that_cannot_be_saved_fails_only_its_own_write(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    writer = Writer(store)

    def broken(store: Store) -> None:
        store.conn.execute("INSERT INTO no_such_table VALUES (1)")

    try:
        good, bad, later = writer.submit(_put("a", 1)), writer.submit(broken), writer.submit(_put("c", 3))
        with pytest.raises(PersistenceError, match="no_such_table"):
            bad.wait()
        good.wait()
        later.wait()
        assert (_saved(tmp_path, "a"), _saved(tmp_path, "c")) == (1, 3)
    finally:
        writer.close()
        store.close()


def test_concurrent_writers_all_get_their_writes_committed(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    writer = Writer(store)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(50):
                writer.run(_put(f"k{n}.{i}", i))
        except BaseException as exc:  # reported below: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not any(t.is_alive() for t in threads), "a writer is still waiting"
        assert not errors, errors
        assert 1 <= writer.commits <= 200
    finally:
        writer.close()
        store.close()
    assert all(_saved(tmp_path, f"k{n}.{i}") == i for n in range(4) for i in range(50))


def test_close_commits_what_is_still_queued(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    writer = Writer(store)
    writer.submit(_put("queued", True))  # nobody waits for it
    writer.close()
    store.close()
    assert _saved(tmp_path, "queued") is True
