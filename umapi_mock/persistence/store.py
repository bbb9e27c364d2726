"""The SQLite data dir: schema, snapshots of whole orgs, change records, settings.

One connection, used only by the `Writer` (`__init__.py`, one thread at a time, under its
lock) once the emulator serves; reads happen at start-up, before it writes. WAL mode with `synchronous=FULL`: a
commit is on disk (fsync) before the writer reports it done.

Order is data here: users list in insertion order, members in join order (licences go to
the first to join), groups in creation order. Each table is a rowid table and a row keeps
its rowid when updated in place, so `ORDER BY rowid` gives back the in-memory order.
"""

from __future__ import annotations

import gc
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import Any

from ..domain.changes import OrgChanges
from ..domain.models import ADOBE_ID, Group, Org, User
from ..domain.trust import TrustedDomain
from ..org_schema import CREDENTIAL, GROUP, PRODUCT, USER_COLUMNS, from_json_doc, json_doc, json_row
from .guards import (
    DB_NAME,
    BackgroundCheck,
    DirLock,
    PersistenceError,
    _move_aside,
    check_database,
    refusal,
    too_big_to_check_first,
)

SCHEMA_VERSION = 2  # 2: products keep id, code and quota (schema 1 is read as it is)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orgs (
    id TEXT PRIMARY KEY, pos INTEGER NOT NULL, doc TEXT NOT NULL,
    next_uid INTEGER NOT NULL, next_gid INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    org TEXT NOT NULL, uid INTEGER NOT NULL, type TEXT NOT NULL, email TEXT NOT NULL,
    username TEXT NOT NULL, domain TEXT NOT NULL, firstname TEXT, lastname TEXT, country TEXT,
    status TEXT NOT NULL, UNIQUE (org, uid));
CREATE TABLE IF NOT EXISTS org_groups (
    org TEXT NOT NULL, gid INTEGER NOT NULL, doc TEXT NOT NULL, UNIQUE (org, gid));
CREATE TABLE IF NOT EXISTS members (
    org TEXT NOT NULL, gid INTEGER NOT NULL, uid INTEGER NOT NULL, UNIQUE (org, gid, uid));
"""

_USER_UPSERT = (
    f"INSERT INTO users (org, {', '.join(USER_COLUMNS)}) VALUES (?{', ?' * len(USER_COLUMNS)})"
    " ON CONFLICT (org, uid) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in USER_COLUMNS if c != "uid")
)
_USER_SELECT = f"SELECT {', '.join(USER_COLUMNS)} FROM users NOT INDEXED WHERE org = ? ORDER BY rowid"
_GROUP_UPSERT = (
    "INSERT INTO org_groups (org, gid, doc) VALUES (?, ?, ?) ON CONFLICT (org, gid) DO UPDATE SET doc = excluded.doc"
)


@dataclass
class OrgSnapshot:
    """A whole org, captured under its lock (records are immutable: shallow copies)."""

    org_id: str
    doc: dict[str, Any]
    next_uid: int
    next_gid: int
    users: list[User]
    groups: list[Group]
    members: list[tuple[int, list[int]]]

    @classmethod
    def capture(cls, org: Org) -> OrgSnapshot:
        with org.lock:
            return cls(
                org.id,
                _org_doc(org),
                org._next_uid,
                org._next_gid,
                list(org.users.values()),
                list(org.groups.values()),
                [(gid, list(m)) for gid, m in org.members.items() if m],
            )


def _org_doc(org: Org) -> dict[str, Any]:
    return {
        "sysadmin_name": org.sysadmin_name,
        "migrating": org.migrating,
        "domains": [[d.name, d.type] for d in org.domains.values()],
        "credentials": [json_doc(CREDENTIAL, c) for c in org.credentials.values()],
        "products": [json_row(PRODUCT, p) for p in org.products.values()],
        # issue 24: directory sync and trusted domains (domain/directory_sync.py, domain/trust.py)
        "directory_sync": org.directory_sync,
        "trustees": {key: list(ids) for key, ids in org.trustees.items()},
        "trusted": [[t.name, t.type, t.owner] for t in org.trusted.values() if isinstance(t, TrustedDomain)],
    }


def _group_doc(g: Group) -> str:
    """A group row's document: its fields but the id (a column), in schema order."""
    return json.dumps(json_row(GROUP, g, skip=("gid",)), separators=(",", ":"))


def _group_record(gid: int, doc: str) -> Group:
    values = json.loads(doc)  # GROUP's fields but the id; rows written before `contract` lack it
    values[_PROFILES] = frozenset(values[_PROFILES])
    return GROUP.record(gid, *values)  # type: ignore[no-any-return]


_PROFILES = GROUP.attrs.index("profiles") - 1  # its place in a row's document (the id is a column)


_user_values = attrgetter(*USER_COLUMNS)  # a user's row values but the org, in column order


def _user_row(org_id: str, u: User) -> tuple[Any, ...]:
    return (org_id, *_user_values(u))


def _changed_products(doc: list[list[Any]], products: dict[str, list[int]]) -> list[list[Any]]:
    """Products after a commit that changed their profiles (names and profile ids only):
    what else a product holds (id, code, quota) is kept from the saved entry."""
    saved = {entry[0]: entry for entry in doc}
    out = []
    for name, gids in products.items():
        entry = list(saved.get(name) or [name, gids])
        entry[1] = gids
        out.append(entry)
    return out


class Store:
    def __init__(self, path: Path, conn: sqlite3.Connection):
        self.path = path  # the data dir
        self.conn = conn
        self.lock: DirLock | None = None
        self.problems: list[str] | None = None  # a list: reading salvages (records damage, goes on)
        self._check: BackgroundCheck | None = None

    @classmethod
    def open(cls, data_dir: str | Path, *, reset: bool = False) -> Store:
        """Open (creating when missing) the database in `data_dir`, holding the data dir's lock
        for as long as the store is open; PersistenceError (one line saying what to do) when
        another process holds it, or the database is damaged, empty, or from a newer version.
        With `reset`, a damaged or empty database is moved aside and a new one started."""
        directory = Path(data_dir)
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PersistenceError(f"cannot create data dir {directory}: {exc.strerror or exc}") from None
        lock = DirLock.acquire(directory)
        try:
            path = directory / DB_NAME
            background = False
            if path.exists():
                background = not reset and too_big_to_check_first(path)
                problem = None if background else check_database(path)
                if problem is not None and reset:
                    _move_aside(path)
                elif problem is not None:
                    raise PersistenceError(refusal(directory, problem))
            if not path.exists():
                _create(path)
            conn = _connect(path)
        except BaseException:
            lock.release()
            raise
        store = cls(directory, conn)
        store.lock = lock
        if background:  # a big file: checked while it loads (the check runs in SQLite, off the GIL)
            store._check = BackgroundCheck(path)
        return store

    def verify(self) -> None:
        """Once the background check of a big database is done: PersistenceError if it found
        damage (call before serving what was loaded)."""
        if self._check is not None:
            problem = self._check.result()
            self._check = None
            if problem is not None:
                raise PersistenceError(refusal(self.path, problem))

    def load_verified(self) -> list[Org]:
        """`load_orgs`, refused as a whole (PersistenceError) when the database is damaged."""
        try:
            orgs = self.load_orgs()
        except sqlite3.DatabaseError as exc:
            self.verify()
            raise PersistenceError(refusal(self.path, f"is damaged ({exc})")) from None
        self.verify()
        return orgs

    def close(self) -> None:
        try:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass
        self.conn.close()
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    # -- settings and flags

    def get(self, key: str) -> Any:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, key: str, value: Any) -> None:
        """Within a writer transaction."""
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    @property
    def initialized(self) -> bool:
        """True once a whole state has been saved (the seed is not applied again)."""
        try:
            return bool(self.get("initialized"))
        except sqlite3.DatabaseError as exc:
            self.verify()
            raise PersistenceError(refusal(self.path, f"is damaged ({exc})")) from None

    # -- writing (called by the `Writer`, inside its transaction)

    def save_org(self, snap: OrgSnapshot, pos: int) -> None:
        c = self.conn
        self.drop_org(snap.org_id)
        c.execute(
            "INSERT INTO orgs VALUES (?, ?, ?, ?, ?)",
            (snap.org_id, pos, json.dumps(snap.doc), snap.next_uid, snap.next_gid),
        )
        c.executemany(
            "INSERT INTO org_groups VALUES (?, ?, ?)", ((snap.org_id, g.gid, _group_doc(g)) for g in snap.groups)
        )
        c.executemany(
            "INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (_user_row(snap.org_id, u) for u in snap.users)
        )
        c.executemany(
            "INSERT INTO members VALUES (?, ?, ?)",
            ((snap.org_id, gid, uid) for gid, uids in snap.members for uid in uids),
        )

    def drop_org(self, org_id: str) -> None:
        for table, column in (("orgs", "id"), ("users", "org"), ("org_groups", "org"), ("members", "org")):
            self.conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (org_id,))

    def apply(self, ch: OrgChanges) -> None:
        """One commit's change records (`changes_of`), a statement per table and kind of
        change, rows in the order given: a new row's rowid is its place in the listing."""
        c = self.conn
        org = ch.org_id
        if ch.users:
            gone = [(org, uid) for uid, user in ch.users.items() if user is None]
            if gone:
                c.executemany("DELETE FROM users WHERE org = ? AND uid = ?", gone)
            if len(gone) < len(ch.users):
                c.executemany(_USER_UPSERT, [(org, *_user_values(u)) for u in ch.users.values() if u is not None])
        for gid, group in ch.groups.items():
            if group is None:
                c.execute("DELETE FROM org_groups WHERE org = ? AND gid = ?", (org, gid))
            else:
                c.execute(_GROUP_UPSERT, (org, gid, _group_doc(group)))
        if ch.members:  # each named member's row goes; the members now come back last, in order
            c.executemany(
                "DELETE FROM members WHERE org = ? AND gid = ? AND uid = ?",
                [(org, gid, uid) for gid, uid, _ in ch.members],
            )
            joined = [(org, gid, uid) for gid, uid, present in ch.members if present]
            if joined:
                c.executemany("INSERT INTO members VALUES (?, ?, ?)", joined)
        c.execute("UPDATE orgs SET next_uid = ?, next_gid = ? WHERE id = ?", (ch.next_uid, ch.next_gid, org))
        if ch.products is not None:
            row = c.execute("SELECT doc FROM orgs WHERE id = ?", (org,)).fetchone()
            if row is not None:
                doc = json.loads(row[0])
                doc["products"] = _changed_products(doc["products"], ch.products)
                c.execute("UPDATE orgs SET doc = ? WHERE id = ?", (json.dumps(doc), org))

    # -- reading (at start-up)

    def load_orgs(self) -> list[Org]:
        rows = self.conn.execute("SELECT id, doc, next_uid, next_gid FROM orgs ORDER BY pos, id").fetchall()
        gc_was_enabled = gc.isenabled()
        gc.disable()  # millions of records and rows, none in a cycle: the collector would rescan them all
        try:
            return [
                self._load_org(org_id, json.loads(doc), next_uid, next_gid) for org_id, doc, next_uid, next_gid in rows
            ]
        finally:
            if gc_was_enabled:
                gc.enable()

    def _load_org(self, org_id: str, doc: dict[str, Any], next_uid: int, next_gid: int) -> Org:
        org = Org(org_id, sysadmin_name=doc["sysadmin_name"], migrating=doc["migrating"])
        for name, dtype in doc["domains"]:
            org.add_domain(name, dtype)
        org.directory_sync = doc.get("directory_sync")
        org.trustees = {key: tuple(ids) for key, ids in doc.get("trustees", {}).items()}
        org.trusted = {name.lower(): TrustedDomain(name, dtype, owner) for name, dtype, owner in doc.get("trusted", [])}
        for c in doc["credentials"]:
            org.add_credential(from_json_doc(CREDENTIAL, c, org_id=org_id))
        saved_groups = self._rows(
            f"groups of org {org_id}", "SELECT gid, doc FROM org_groups WHERE org = ? ORDER BY rowid", org_id
        )
        for gid, gdoc in saved_groups:
            group = _group_record(gid, gdoc)
            if gid in org.groups:
                org.put_group(group)  # a fixed admin group every new org starts with
            else:
                attrs = {a: getattr(group, a) for a in GROUP.attrs if a not in ("gid", "name", "type")}
                org.add_group(group.name, group.type, gid=gid, **attrs)
        for entry in doc["products"]:  # [name, profile gids, id, code, quota]; schema 1: the first two
            name, gids, *rest = entry
            product = org.add_product(name)
            product.profiles[:] = gids
            product.id, product.code, product.quota = (rest + [None, None, None])[:3]
        _load_users(org, self._users(org_id), self._members(org_id))
        org.reserve_ids(uids=[next_uid - 1], gids=[next_gid - 1])
        return org

    def _users(self, org_id: str) -> Iterator[list[tuple[Any, ...]]]:
        """The org's user rows in listing order, in chunks (a million at once would double
        the peak memory of a restore)."""
        # A table scan is already in rowid order; the (org, uid) index would add a sort.
        try:
            cursor = self.conn.execute(_USER_SELECT, (org_id,))
            while rows := cursor.fetchmany(65536):
                yield rows
        except sqlite3.DatabaseError as exc:
            self._damaged(f"users of org {org_id}", exc)

    def _members(self, org_id: str) -> list[tuple[int, int]]:
        query = "SELECT gid, uid FROM members NOT INDEXED WHERE org = ? ORDER BY rowid"
        return self._rows(f"memberships of org {org_id}", query, org_id)

    def _rows(self, what: str, query: str, *params: Any) -> list[Any]:
        """All rows of `query`; when salvaging, the rows read before any damage."""
        rows: list[Any] = []
        try:
            cursor = self.conn.execute(query, params)
            while chunk := cursor.fetchmany(4096):
                rows += chunk
        except sqlite3.DatabaseError as exc:
            self._damaged(what, exc)
        return rows

    def _damaged(self, what: str, exc: sqlite3.DatabaseError) -> None:
        if self.problems is None:
            raise exc
        self.problems.append(f"{what}: {exc} (only the rows before the damage were read)")


def salvage(data_dir: str | Path) -> tuple[list[Org], list[str]]:
    """What can still be read from a data dir's database, damaged or not (read-only, without
    the data dir's lock): the orgs, and a line per damaged part skipped."""
    path = Path(data_dir) / DB_NAME
    if not path.is_file() or path.stat().st_size == 0:
        raise PersistenceError(f"data dir {data_dir}: no database to salvage ({DB_NAME} missing or empty)")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise PersistenceError(f"data dir {data_dir}: cannot read {DB_NAME}: {exc}") from None
    store = Store(Path(data_dir), conn)
    store.problems = []
    orgs: list[Org] = []
    try:
        rows = store._rows("the org table", "SELECT id, doc, next_uid, next_gid FROM orgs ORDER BY pos, id")
        for org_id, doc, next_uid, next_gid in rows:
            try:
                orgs.append(store._load_org(org_id, json.loads(doc), next_uid, next_gid))
            except (ValueError, KeyError, TypeError, sqlite3.DatabaseError) as exc:
                store.problems.append(f"org {org_id}: {exc} (skipped)")
    finally:
        conn.close()
    return orgs, store.problems


def _groups_of(member_rows: list[tuple[int, int]]) -> dict[int, frozenset[int]]:
    """Each member's direct groups as one frozenset shared by every user with the same
    groups (most users have none or one): a frozenset per user costs 200 bytes."""
    joined: dict[int, Any] = {}
    for gid, uid in member_rows:
        had = joined.get(uid)
        joined[uid] = gid if had is None else (had + (gid,) if isinstance(had, tuple) else (had, gid))
    shared: dict[Any, frozenset[int]] = {}
    out: dict[int, frozenset[int]] = {}
    for uid, gids in joined.items():
        found = shared.get(gids)
        if found is None:
            found = shared[gids] = frozenset((gids,) if isinstance(gids, int) else gids)
        out[uid] = found
    return out


def _load_users(org: Org, chunks: Iterable[list[tuple[Any, ...]]], member_rows: list[tuple[int, int]]) -> None:
    """Users and memberships through the org's bulk door (as the generator writes a
    million users) while the saved order is the uid order, record by record after that.

    Repeated values (identity type, domain, country, status, names) become one shared
    string each, and a username equal to its email is the email's string, as in a
    generated org: per-row copies would double a big org's memory."""
    from ..domain.models import user_record

    groups_of = _groups_of(member_rows)
    none: frozenset[int] = frozenset()
    values: dict[Any, Any] = {}
    share = values.setdefault
    late: list[tuple[Any, ...]] = []  # rows after the first one out of uid order
    with org.bulk_write() as bulk:
        users_map, memberships, by_email, by_login = bulk.users, bulk.memberships, bulk.by_email, bulk.by_login
        get_email, get_groups, make = by_email.get, groups_of.get, user_record
        last = 0
        for rows in chunks:
            for uid, utype, email, username, domain, first, last_name, country, status in rows:
                if late or uid <= last:
                    late.append((uid, utype, email, username, domain, first, last_name, country, status))
                    continue
                last = uid
                user = make(
                    uid,
                    share(utype, utype),
                    email,
                    email if username == email else username,
                    share(domain, domain),
                    share(first, first),
                    share(last_name, last_name),
                    share(country, country),
                    share(status, status),
                )
                users_map[uid] = user
                key = email.lower()
                if key == email:
                    key = email  # the record's string, not a copy
                sharing = get_email(key)
                if sharing is None:
                    by_email[key] = uid
                elif isinstance(sharing, int):
                    by_email[key] = (sharing, uid)
                else:
                    by_email[key] = sharing + (uid,)
                if utype != ADOBE_ID:
                    login = user.username.lower()
                    if login == user.username:
                        login = user.username
                    lower_domain = domain.lower()
                    by_login[(login, share(lower_domain, lower_domain))] = uid
                memberships[uid] = get_groups(uid, none)
        bulk.next_uid = max(bulk.next_uid, last + 1)
        if not late:
            members = bulk.members
            for gid, uid in member_rows:
                members.setdefault(gid, {})[uid] = None
    if late:  # record by record: put_user keeps track of the listing order
        for row in late:
            org.put_user(user_record(*row))
        for gid, uid in member_rows:
            org.add_member(gid, uid)


def _create(path: Path) -> None:
    """A new database with the schema, written under a temporary name and renamed into place:
    a crash while creating never leaves an empty file to be refused at the next start."""
    fresh = path.with_name(path.name + ".new")
    for leftover in (fresh, fresh.with_name(fresh.name + "-wal"), fresh.with_name(fresh.name + "-shm")):
        leftover.unlink(missing_ok=True)
    try:
        conn = sqlite3.connect(fresh, isolation_level=None)
        try:
            with _transaction(conn):
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        finally:
            conn.close()
        os.replace(fresh, path)
    except (OSError, sqlite3.Error) as exc:
        raise PersistenceError(f"cannot create {path}: {getattr(exc, 'strerror', None) or exc}") from None


def _connect(path: Path) -> sqlite3.Connection:
    directory = path.parent
    try:
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    except sqlite3.Error as exc:
        raise PersistenceError(f"cannot open data dir {directory}: {exc}") from None
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        version = _schema_version(conn)
        if version is None:
            raise PersistenceError(f"data dir {directory}: {DB_NAME} has no schema version (not a umapi-mock database)")
        if version > SCHEMA_VERSION:
            raise PersistenceError(
                f"data dir {directory} was written by a newer umapi-mock (database schema {version};"
                f" this version reads schema {SCHEMA_VERSION} and older): upgrade umapi-mock or use another --data-dir"
            )
        if version < SCHEMA_VERSION:  # read as it is; what is written from now on is the new schema
            with _transaction(conn):
                conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise PersistenceError(f"data dir {directory}: {DB_NAME} is not a usable database ({exc})") from None
    except PersistenceError:
        conn.close()
        raise
    return conn


class _transaction:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if not exc_type:
            try:
                self.conn.execute("COMMIT")
                return
            except sqlite3.Error:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
        try:
            self.conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # SQLite may have rolled back already (a full disk): the first error is the one to report


def _schema_version(conn: sqlite3.Connection) -> int | None:
    has_meta = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
    if not has_meta:
        return None
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None:
        return None
    try:
        return int(row[0])
    except ValueError:
        raise PersistenceError(f"unreadable schema version {row[0]!r}") from None


transaction = _transaction
