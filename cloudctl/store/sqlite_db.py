"""The SQLite backend: one file (WAL), recognised before anything touches it, locks beside it.

A file is a cloudctl store when its header says so (``PRAGMA application_id`` = :data:`APP_ID`,
read from the raw header bytes, so no SQLite connection — which could switch a journal mode or
leave a ``-shm`` behind — is opened on a foreign file), or, for stores written before the id
existed (schema 1), when its tables are cloudctl's (read through a read-only, immutable
connection). Anything else is refused untouched.

Sync locks are ``flock`` locks on one small file per provider in ``<store>.locks/``: the kernel
drops them when the process dies, so a lock that can be taken is provably free.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import re
import sqlite3
from pathlib import Path

from cloudctl.errors import StoreBusy, StoreError, StoreUnavailable
from cloudctl.i18n import t
from cloudctl.store.url import StoreURL

APP_ID = 0x436C4374  # "ClCt" in the database header (offset 68)
MAGIC = b"SQLite format 3\x00"
LEGACY_TABLES = {"meta", "snapshots", "provider_runs", "resources"}
BUSY_TIMEOUT_S = 10.0
# Page cache of a writing connection (SQLite's default is 2 MiB). A sync inserts versions keyed by
# random ids all over the table and its indexes; with 2 MiB, pages were spilled and read back within
# a batch. Writing the 47,188 resources of a 20,000-server sync: 0.37 s CPU with 2 MiB, 0.33 s with
# 8 MiB, no better with 16 or 32 MiB (+6 MB peak RSS at 8, +26 MB at 32). Pages are only taken as used.
WRITER_CACHE_KIB = 8 * 1024


def inspect(path: Path) -> str:
    """``missing`` | ``empty`` | ``cloudctl`` | ``legacy`` | ``foreign`` | ``not-sqlite``, without writing anything."""
    try:
        with open(path, "rb") as f:
            head = f.read(100)
    except FileNotFoundError:
        return "missing"
    except IsADirectoryError:
        return "not-sqlite"
    except OSError as exc:
        raise StoreUnavailable(t("store.unreadable", store=path, cause=exc.strerror), hint=t("store.hint.permissions")) from None
    if not head:
        return "empty"
    if len(head) < 100 or not head.startswith(MAGIC):
        return "not-sqlite"
    app_id = int.from_bytes(head[68:72], "big")
    if app_id == APP_ID:
        return "cloudctl"
    if app_id != 0:
        return "foreign"
    # No id: a store of schema 1 (before the id) or another application's database. Look at the
    # tables without locking or journaling anything (immutable: the file is only read).
    wal = Path(str(path) + "-wal")
    mode = "ro" if wal.exists() else "ro&immutable=1"
    try:
        con = sqlite3.connect(f"file:{_uri_path(path)}?mode={mode}", uri=True)
        try:
            names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            con.close()
    except sqlite3.DatabaseError:
        return "not-sqlite"
    return "legacy" if LEGACY_TABLES <= names else "foreign"


def _uri_path(path: Path) -> str:
    from urllib.parse import quote

    return quote(str(path.resolve()))


class SQLiteDB:
    """A connection to a SQLite store plus its lock directory."""

    dialect = "sqlite"
    errors = (sqlite3.Error,)

    def __init__(self, url: StoreURL, *, writer: bool = False) -> None:
        self.url = url
        self.path: Path = url.path  # type: ignore[assignment]
        self._locks: dict[str, int] = {}
        if writer and self.path.exists() and not (os.access(self.path, os.W_OK) and os.access(self.path.parent, os.W_OK)):
            raise StoreUnavailable(t("store.read_only", store=url.display), hint=t("store.hint.read_only"))
        try:
            try:
                self.conn = self._connect(str(self.path), uri=False)
            except sqlite3.OperationalError as exc:
                if writer or (getattr(exc, "sqlite_errorcode", 0) & 0xFF) not in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY):
                    raise
                # A reader on a read-only file system cannot make the WAL's -shm file. Without a
                # -wal file there is nothing beyond the main file, which no one can change: read it as is.
                wal = Path(f"{self.path}-wal").exists()
                self.conn = self._connect(f"file:{_uri_path(self.path)}?mode=ro" + ("" if wal else "&immutable=1"), uri=True)
            if writer:
                self.conn.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")
        except sqlite3.Error as exc:
            raise self.translate(exc) or exc from None

    @staticmethod
    def _connect(target: str, *, uri: bool) -> sqlite3.Connection:
        conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False, uri=uri)
        conn.execute("PRAGMA synchronous=NORMAL")  # per connection, not stored in the file
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # open it now: faults surface here
        return conn

    # -- creation ----------------------------------------------------------------------------
    def initialise(self) -> None:
        """Mark a brand-new file as ours and set the options that must precede any table."""
        self.conn.execute(f"PRAGMA application_id={APP_ID}")
        self.conn.execute("PRAGMA auto_vacuum=INCREMENTAL")
        self.conn.execute("PRAGMA journal_mode=WAL")

    def mark(self) -> None:
        """Give an upgraded schema-1 store the application id (inside the upgrade transaction)."""
        self.conn.execute(f"PRAGMA application_id={APP_ID}")

    # -- statements --------------------------------------------------------------------------
    @staticmethod
    def json_object(columns: tuple[str, ...]) -> str:
        """SQL for a compact JSON object of these columns, in order (JSON1, built into SQLite)."""
        return "json_object(" + ", ".join(f"'{c}', {c}" for c in columns) + ")"

    def execute(self, sql: str, args: tuple | list = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, args)

    def executemany(self, sql: str, rows: list) -> None:
        self.conn.executemany(sql, rows)

    def insert_rows(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        self.conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    def begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def schema_lock(self) -> None:
        """Serialise schema upgrades: BEGIN IMMEDIATE already holds the database's write lock."""

    def tables(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in (self.path, Path(str(self.path) + "-wal")) if p.exists())

    def compact(self) -> None:
        """Give the pages freed by a prune back to the file system."""
        self.conn.execute("PRAGMA incremental_vacuum")
        self.checkpoint()

    def checkpoint(self) -> None:
        """Fold the WAL into the file and truncate it, if no reader is in the way (never waits for one).

        Called after a sync: otherwise the WAL keeps every page a sync wrote until it reaches
        SQLite's auto-checkpoint size, and the store looks several times bigger than its data.
        """
        self.conn.execute("PRAGMA busy_timeout = 0")
        try:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")

    def backup(self, suffix: str) -> Path:
        """A consistent copy next to the store (before an upgrade). Returns its path."""
        target = self.path.with_name(f"{self.path.name}.{suffix}.bak")
        try:
            dest = sqlite3.connect(target)
            try:
                self.conn.backup(dest)
            finally:
                dest.close()
        except sqlite3.Error as exc:
            target.unlink(missing_ok=True)
            raise self.translate(exc) or exc from None
        return target

    # -- sync locks --------------------------------------------------------------------------
    def _lock_file(self, name: str) -> Path:
        safe = name if re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", name) else hashlib.sha256(name.encode()).hexdigest()[:32]
        return Path(f"{self.path}.locks") / f"{safe}.lock"

    def try_lock(self, name: str) -> bool:
        """Take the sync lock of ``name`` without waiting; the kernel releases it if we die."""
        if name in self._locks:
            return True
        path = self._lock_file(name)
        try:
            path.parent.mkdir(exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreUnavailable(t("store.lock_file", store=self.url.display, path=path, cause=exc.strerror), hint=t("store.hint.permissions")) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                return False
            raise
        self._locks[name] = fd
        return True

    def unlock(self, name: str) -> None:
        fd = self._locks.pop(name, None)
        if fd is not None:
            os.close(fd)  # closing the only descriptor releases the flock

    def close(self) -> None:
        for name in list(self._locks):
            self.unlock(name)
        self.conn.close()

    # -- faults ------------------------------------------------------------------------------
    def translate(self, exc: BaseException) -> StoreError | None:
        """An environment fault as a :class:`StoreError`; None for a bug."""
        if not isinstance(exc, sqlite3.Error):
            if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
                return StoreUnavailable(t("store.disk_full", store=self.url.display), hint=t("store.hint.disk_full"))
            return None
        store = self.url.display
        code = getattr(exc, "sqlite_errorcode", None)
        primary = (code or 0) & 0xFF
        text = str(exc)
        if primary == sqlite3.SQLITE_FULL:
            return StoreUnavailable(t("store.disk_full", store=store), hint=t("store.hint.disk_full"))
        if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return StoreBusy(t("store.locked", store=store, seconds=int(BUSY_TIMEOUT_S)), hint=t("store.hint.locked"))
        if primary == sqlite3.SQLITE_READONLY:
            return StoreUnavailable(t("store.read_only", store=store), hint=t("store.hint.read_only"))
        if primary in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_NOLFS):
            return StoreUnavailable(t("store.io", store=store, cause=text), hint=t("store.hint.permissions"))
        if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB) or text.startswith(("no such table", "no such column")):
            return StoreError(t("store.damaged", store=store, cause=text), hint=t("store.hint.damaged"))
        return None
