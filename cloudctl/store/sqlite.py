"""The SQLite store: one file, WAL, schema-versioned, one snapshot per sync run.

Visibility is what makes a provider's snapshot atomic while its pages stream in: rows are
inserted (and committed page by page, so nothing piles up in memory) under a ``provider_runs``
row whose status is ``running``; readers only ever see runs whose status is ``ok``, and the flip
from ``running`` to ``ok`` is one small transaction. A sync that dies half-way (Ctrl-C, SIGKILL)
leaves invisible rows, which the next writer deletes. A provider that fails keeps its previous
``ok`` run, and is reported stale with the error.

The view "as of snapshot S" is, per provider, the latest ``ok`` run at or before S.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cloudctl.errors import StoreError
from cloudctl.i18n import t
from cloudctl.model import Resource

SCHEMA_VERSION = 1
BATCH_ROWS = 20_000  # commit streamed page rows at least this often (bounds the WAL, not memory)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS snapshots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started TEXT NOT NULL,
    finished TEXT,
    status TEXT NOT NULL          -- running | complete | partial | failed | interrupted
);
CREATE TABLE IF NOT EXISTS provider_runs (
    snapshot INTEGER NOT NULL REFERENCES snapshots(id),
    provider TEXT NOT NULL,
    status TEXT NOT NULL,         -- running | ok | failed
    started TEXT NOT NULL,
    finished TEXT,
    error TEXT,
    counts TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (snapshot, provider)
);
CREATE TABLE IF NOT EXISTS resources (
    snapshot INTEGER NOT NULL,
    provider TEXT NOT NULL,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT, status TEXT, project TEXT, region TEXT, raw_status TEXT,
    arch TEXT, os TEXT, system TEXT, created TEXT,
    extra TEXT NOT NULL,
    digest TEXT NOT NULL,
    PRIMARY KEY (snapshot, provider, kind, id)
) WITHOUT ROWID;
"""

_COLUMNS = ("provider", "kind", "id", "name", "status", "project", "region", "raw_status", "arch", "os", "system", "created")


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class SnapshotInfo:
    """One sync run: when, how it ended, and per provider its status and counts per kind."""

    id: int
    started: str
    finished: str | None
    status: str
    providers: dict[str, str] = field(default_factory=dict)  # provider -> ok | failed | running
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # provider -> kind -> n
    errors: dict[str, str] = field(default_factory=dict)


_COMMON = frozenset(_COLUMNS)
# Converters build ``extra`` in a fixed order, so no sort_keys: equal resources give equal text.
_dumps = json.JSONEncoder(ensure_ascii=False, default=str, separators=(",", ":")).encode


def _row_values(snapshot: int, r: Resource) -> tuple:
    fields = r.extra if _COMMON.isdisjoint(r.extra) else {k: v for k, v in r.extra.items() if k not in _COMMON}
    extra = _dumps(fields)
    common = (r.provider, r.kind, r.id, r.name, r.status, r.project, r.region, r.raw_status, r.arch, r.os, r.system, r.created)
    digest = hashlib.blake2b(f"{common[3:]}{extra}".encode(), digest_size=12).hexdigest()
    return (snapshot, *common, extra, digest)


def _to_resource(row: tuple) -> Resource:
    # Positional construction: this is the hot path of `ls` over tens of thousands of rows.
    return Resource(*row[:12], extra=json.loads(row[12]))


class Store:
    """A handle on the store file. Use :meth:`open`; close with :meth:`close` (or ``with``)."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._db = conn
        self.path = path
        self._batched = 0  # page rows written since the last commit

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, *, create: bool = False) -> "Store":
        """Open the store at ``path``; with ``create`` make it (and its directory) when missing.

        Raises :class:`StoreError` with a hint when the file is missing, unreadable, not a
        cloudctl store, or from a newer cloudctl.
        """
        path = Path(path)
        if not path.exists():
            if not create:
                raise StoreError(t("store.missing", path=path), hint=t("store.missing.hint"))
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the store directory {path.parent}: {exc.strerror}", hint="pass --store PATH to a writable place") from None
        try:
            conn = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            store = cls(conn, path)
            store._init_schema(create)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open the store {path}: {exc}", hint="is it a cloudctl store? move it away and run `cloudctl sync` to start a new one") from None
        return store

    def _init_schema(self, create: bool) -> None:
        db = self._db
        has_meta = db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
        if not has_meta:
            if db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] and not create:
                raise StoreError(f"{self.path} is not a cloudctl store", hint="pass --store PATH to the right file")
            with self._tx():
                for statement in _SCHEMA.split(";"):  # not executescript(): it would COMMIT mid-transaction
                    if statement.strip():
                        db.execute(statement)
                db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            return
        row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        version = int(row[0]) if row else 0
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the store {self.path} has schema version {version}; this cloudctl knows up to {SCHEMA_VERSION}",
                hint="upgrade cloudctl, or pass --store PATH to another file",
            )

    def _tx(self):  # noqa: ANN202
        return _Transaction(self._db)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ---------------------------------------------------------------------------
    def snapshots(self) -> list[SnapshotInfo]:
        """Every snapshot, oldest first."""
        runs: dict[int, list[tuple]] = {}
        for snap, prov, status, error, counts in self._db.execute(
            "SELECT snapshot, provider, status, error, counts FROM provider_runs ORDER BY provider"
        ):
            runs.setdefault(snap, []).append((prov, status, error, counts))
        out = []
        for sid, started, finished, status in self._db.execute("SELECT id, started, finished, status FROM snapshots ORDER BY id"):
            r = runs.get(sid, [])
            out.append(
                SnapshotInfo(
                    sid, started, finished, status,
                    providers={p: s for p, s, _, _ in r},
                    counts={p: json.loads(c) for p, _, _, c in r},
                    errors={p: e for p, _, e, _ in r if e},
                )
            )
        return out

    def latest_snapshot(self) -> SnapshotInfo | None:
        """The newest snapshot with at least one provider committed, or None."""
        for info in reversed(self.snapshots()):
            if "ok" in info.providers.values():
                return info
        return None

    def snapshot(self, sid: int) -> SnapshotInfo:
        for info in self.snapshots():
            if info.id == sid:
                return info
        raise StoreError(t("store.no_such_snapshot", snapshot=sid, path=self.path), hint=t("store.no_such_snapshot.hint"))

    def _view(self, snapshot: int | None, provider: str | None) -> list[tuple[str, int]]:
        """(provider, snapshot) pairs that make up the view as of ``snapshot`` (None: newest)."""
        if snapshot is not None:
            self.snapshot(snapshot)  # raises when missing
        sql = "SELECT provider, max(snapshot) FROM provider_runs WHERE status='ok'"
        args: list[Any] = []
        if snapshot is not None:
            sql += " AND snapshot <= ?"
            args.append(snapshot)
        if provider is not None:
            sql += " AND provider = ?"
            args.append(provider)
        return list(self._db.execute(sql + " GROUP BY provider ORDER BY provider", args))

    def _rows(self, kind: str | None, snapshot: int | None, provider: str | None, cols: str) -> Iterator[tuple]:
        for prov, sid in self._view(snapshot, provider):
            sql = f"SELECT {cols} FROM resources WHERE snapshot=? AND provider=?"
            args: list[Any] = [sid, prov]
            if kind is not None:
                sql += " AND kind=?"
                args.append(kind)
            yield from self._db.execute(sql + " ORDER BY kind, id", args)

    def resources(self, kind: str | None = None, *, snapshot: int | None = None, provider: str | None = None) -> Iterator[Resource]:
        """Resources as of ``snapshot`` (default: the latest data of each provider)."""
        cols = ", ".join(_COLUMNS) + ", extra"
        for row in self._rows(kind, snapshot, provider, cols):
            yield _to_resource(row)

    def json_objects(self, kind: str | None = None, *, snapshot: int | None = None, provider: str | None = None) -> Iterator[str]:
        """Each resource as the JSON text of ``Resource.flat()``, without decoding ``extra``.

        The fast path of ``ls -o json``: the stored ``extra`` object is spliced after the common
        fields (writes drop extra keys that shadow a common field, so keys never repeat).
        """
        enc = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        for row in self._rows(kind, snapshot, provider, ", ".join(_COLUMNS) + ", extra"):
            head = enc(dict(zip(_COLUMNS, row)))
            extra = row[12]
            yield head if extra == "{}" else head[:-1] + "," + extra[1:]

    def digests(self, *, snapshot: int | None = None) -> dict[tuple[str, str, str], str]:
        """(provider, kind, id) -> content digest, for cheap diffs."""
        return {(p, k, i): d for p, k, i, d in self._rows(None, snapshot, None, "provider, kind, id, digest")}

    def get(self, provider: str, kind: str, rid: str, *, snapshot: int | None = None) -> Resource | None:
        view = dict(self._view(snapshot, provider))
        if provider not in view:
            return None
        row = self._db.execute(
            f"SELECT {', '.join(_COLUMNS)}, extra FROM resources WHERE snapshot=? AND provider=? AND kind=? AND id=?",
            (view[provider], provider, kind, rid),
        ).fetchone()
        return _to_resource(row) if row else None

    def provider_status(self) -> list[dict]:
        """Per provider: last attempt, last successful sync, stale flag and the last error."""
        out = []
        provs = [r[0] for r in self._db.execute("SELECT DISTINCT provider FROM provider_runs ORDER BY provider")]
        for prov in provs:
            last = self._db.execute(
                "SELECT snapshot, status, finished, error FROM provider_runs WHERE provider=? AND status != 'running' ORDER BY snapshot DESC LIMIT 1",
                (prov,),
            ).fetchone()
            ok = self._db.execute(
                "SELECT snapshot, finished FROM provider_runs WHERE provider=? AND status='ok' ORDER BY snapshot DESC LIMIT 1",
                (prov,),
            ).fetchone()
            if last is None:
                continue
            out.append(
                {
                    "provider": prov,
                    "last_sync": ok[1] if ok else None,
                    "last_snapshot": ok[0] if ok else None,
                    "last_attempt": last[2],
                    "stale": last[1] != "ok",
                    "error": last[3] if last[1] != "ok" else None,
                }
            )
        return out

    # -- writing ---------------------------------------------------------------------------
    def begin_snapshot(self) -> "SnapshotWriter":
        """Start a sync run. Cleans up what an interrupted earlier run left behind."""
        db = self._db
        with self._tx():
            stale = [r[0] for r in db.execute("SELECT snapshot FROM provider_runs WHERE status='running'")]
            for sid in set(stale):
                db.execute("DELETE FROM resources WHERE snapshot=? AND provider IN (SELECT provider FROM provider_runs WHERE snapshot=? AND status='running')", (sid, sid))
            db.execute("UPDATE provider_runs SET status='failed', error='interrupted', finished=? WHERE status='running'", (_now(),))
            db.execute("UPDATE snapshots SET status='interrupted' WHERE status='running'")
            sid = db.execute("INSERT INTO snapshots (started, status) VALUES (?, 'running')", (_now(),)).lastrowid
        return SnapshotWriter(self, int(sid))


class _Transaction:
    """Commits at exit; joins the batch of page rows already open on this connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        if not self._db.in_transaction:
            self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, *rest) -> None:  # noqa: ANN001
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")


class SnapshotWriter:
    """Writes one snapshot: one :class:`ProviderWriter` per provider, then :meth:`finish`."""

    def __init__(self, store: Store, sid: int) -> None:
        self.store = store
        self.id = sid
        self._writers: dict[str, ProviderWriter] = {}

    def provider(self, name: str) -> "ProviderWriter":
        with self.store._tx():
            self.store._db.execute(
                "INSERT INTO provider_runs (snapshot, provider, status, started) VALUES (?, ?, 'running', ?)", (self.id, name, _now())
            )
        w = ProviderWriter(self.store, self.id, name)
        self._writers[name] = w
        return w

    def finish(self) -> SnapshotInfo:
        """Close the run: ``complete`` when every provider committed, else ``partial``/``failed``."""
        states = [w.state for w in self._writers.values()]
        status = "complete" if all(s == "ok" for s in states) else ("failed" if not any(s == "ok" for s in states) else "partial")
        with self.store._tx():
            self.store._db.execute("UPDATE snapshots SET status=?, finished=? WHERE id=?", (status, _now(), self.id))
        return self.store.snapshot(self.id)


class ProviderWriter:
    """Streams one provider's resources into a snapshot; invisible until :meth:`commit`."""

    def __init__(self, store: Store, sid: int, provider: str) -> None:
        self._store = store
        self._sid = sid
        self.provider = provider
        self.state = "running"
        self.counts: dict[str, int] = {}

    def add(self, resources: Iterable[Resource]) -> int:
        """Insert a page of resources (committed at once, not yet visible). Returns how many."""
        rows = [_row_values(self._sid, r) for r in resources]
        if not rows:
            return 0
        # Page rows are batched into one transaction (a commit per page cost more than the
        # inserts); they stay invisible until commit() flips the run to 'ok' anyway.
        db = self._store._db
        if not db.in_transaction:
            db.execute("BEGIN IMMEDIATE")
        db.executemany(f"INSERT OR REPLACE INTO resources VALUES ({', '.join('?' * 15)})", rows)
        self._store._batched += len(rows)
        if self._store._batched >= BATCH_ROWS:
            db.execute("COMMIT")
            self._store._batched = 0
        for r in rows:
            self.counts[r[2]] = self.counts.get(r[2], 0) + 1
        return len(rows)

    def commit(self) -> None:
        """Make this provider's snapshot visible, atomically."""
        with self._store._tx():
            self._store._db.execute(
                "UPDATE provider_runs SET status='ok', finished=?, counts=? WHERE snapshot=? AND provider=?",
                (_now(), json.dumps(self.counts, sort_keys=True), self._sid, self.provider),
            )
        self.state = "ok"

    def fail(self, error: str) -> None:
        """Drop this run's rows and record the error; the previous ``ok`` run stays the current data."""
        with self._store._tx():
            self._store._db.execute("DELETE FROM resources WHERE snapshot=? AND provider=?", (self._sid, self.provider))
            self._store._db.execute(
                "UPDATE provider_runs SET status='failed', finished=?, error=?, counts=? WHERE snapshot=? AND provider=?",
                (_now(), error, json.dumps(self.counts, sort_keys=True), self._sid, self.provider),
            )
        self.state = "failed"
