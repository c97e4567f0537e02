"""Writing a snapshot: sync locks, recovery of dead runs, streamed pages, the atomic flip to ``ok``.

One writer per provider at a time: :meth:`SnapshotWriter.begin` takes the sync lock of every
provider it will write (sorted, so two syncs never wait on each other in a circle), and only
then creates the snapshot, so a provider's runs are numbered in the order they ran. Who holds a
lock is recorded in ``sync_locks`` for the message a second sync prints; the lock itself (an
``flock`` or a PostgreSQL advisory lock) dies with its process, so a run still marked
``running`` whose lock we could take belongs to a dead process and is undone.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from cloudctl.errors import StoreBusy, StoreError
from cloudctl.i18n import t
from cloudctl.model import Resource
from cloudctl.store.core import SnapshotInfo, now
from cloudctl.store.versions import VersionWriter, row_of, undo_run

if TYPE_CHECKING:  # pragma: no cover
    from cloudctl.store.core import Store

BATCH_ROWS = 20_000  # commit streamed rows at least this often (bounds the WAL and the transaction)
BATCH_SECONDS = 1.0  # ... and at least this often, so a long sync never holds the write lock for long
POLL_SECONDS = 0.2


class SnapshotWriter:
    """Writes one snapshot: one :class:`ProviderWriter` per provider, then :meth:`finish`."""

    def __init__(self, store: "Store", sid: int, locked: list[str], wait: float) -> None:
        self.store = store
        self.id = sid
        self._locked = locked
        self._wait = wait
        self._writers: dict[str, ProviderWriter] = {}
        self._batch_rows = 0
        self._batch_started = 0.0

    @classmethod
    def begin(cls, store: "Store", providers: list[str] | None, wait: float) -> "SnapshotWriter":
        names = sorted(set(providers or ()))
        locked: list[str] = []
        try:
            for name in names:
                acquire(store, name, wait)
                locked.append(name)
            with store.tx() as db:
                sid = int(db.execute("INSERT INTO snapshots (started, status) VALUES (?, 'running') RETURNING id", (now(),)).fetchone()[0])
        except BaseException:
            release(store, locked, forget=False)
            raise
        return cls(store, sid, locked, wait)

    def provider(self, name: str) -> "ProviderWriter":
        """Start this provider's run (taking its lock now if :meth:`begin` was not told about it)."""
        if name not in self._locked:
            acquire(self.store, name, self._wait)
            self._locked.append(name)
        with self.store.tx() as db:
            newer = db.execute("SELECT max(snapshot) FROM provider_runs WHERE provider = ?", (name,)).fetchone()[0]
            if newer is not None and int(newer) > self.id:
                raise StoreBusy(t("store.run_order", provider=name, store=self.store.url.display, snapshot=self.id, newer=newer),
                                hint=t("store.hint.locked"))
            db.execute("INSERT INTO provider_runs (snapshot, provider, status, started) VALUES (?, ?, 'running', ?)", (self.id, name, now()))
            versions = VersionWriter(db, name, self.id)
        w = ProviderWriter(self, name, versions)
        self._writers[name] = w
        return w

    # Page rows are batched into one transaction (a commit per page cost more than the inserts);
    # they stay invisible until commit() flips the run to 'ok' anyway.
    def _write(self, fn, *args):  # noqa: ANN001, ANN002, ANN202
        db = self.store.db
        with self.store.guard():
            if not db.in_transaction:
                db.begin()
                self._batch_started = time.monotonic()
                self._batch_rows = 0
            result = fn(*args)
            self._batch_rows += result if isinstance(result, int) else 0
            if self._batch_rows >= BATCH_ROWS or time.monotonic() - self._batch_started >= BATCH_SECONDS:
                self._progress(db)
                db.commit()
                self._batch_rows = 0
        return result

    def _progress(self, db) -> None:  # noqa: ANN001
        """Record how far each running provider got (``snapshots`` shows it; tests see a sync mid-write)."""
        db.executemany("UPDATE provider_runs SET counts = ? WHERE snapshot = ? AND provider = ?",
                       [(json.dumps(w.counts, sort_keys=True), self.id, w.provider) for w in self._writers.values() if w.state == "running"])

    def flush(self) -> None:
        """Commit the batch of page rows written so far (they stay invisible until the run commits)."""
        with self.store.guard():
            if self.store.db.in_transaction:
                self._progress(self.store.db)
                self.store.db.commit()

    def finish(self) -> SnapshotInfo:
        """Close the run: ``complete`` when every provider committed fully, else ``partial``/``failed``; release the locks."""
        try:
            states = [w.state for w in self._writers.values()]
            if states and all(s == "ok" for s in states):
                status = "complete"
            elif any(s in ("ok", "partial") for s in states):
                status = "partial"
            else:
                status = "failed"
            with self.store.tx() as db:
                db.execute("UPDATE snapshots SET status = ?, finished = ? WHERE id = ?", (status, now(), self.id))
            with self.store.guard():
                self.store.db.checkpoint()
            return self.store.snapshot(self.id)
        finally:
            self.release()

    def release(self, *, forget: bool = True) -> None:
        """Give up the sync locks (also after a failure, with ``forget=False``; a dead connection has dropped them already)."""
        release(self.store, self._locked, forget=forget)
        self._locked = []


class ProviderWriter:
    """Streams one provider's resources into a snapshot; invisible until :meth:`commit`."""

    def __init__(self, snap: SnapshotWriter, provider: str, versions: VersionWriter) -> None:
        self._snap = snap
        self._versions = versions
        self.provider = provider
        self.state = "running"

    @property
    def counts(self) -> dict[str, int]:
        return self._versions.counts

    def add(self, resources: Iterable[Resource]) -> int:
        """Write a page of resources (not yet visible). Returns how many."""
        rows = [row_of(r) for r in resources]
        if not rows:
            return 0
        return self._snap._write(self._versions.add_rows, rows)

    def commit(self, stale: list[dict] | None = None) -> None:
        """Make this run visible, atomically. ``stale``: scopes ({kind, project, error}) whose previous data stays."""
        stale = stale or []
        status = "partial" if stale else "ok"
        error = "; ".join(f"{s['kind']}{' (' + s['project'] + ')' if s.get('project') else ''}: {s['error']}" for s in stale) or None
        with self._snap.store.tx() as db:
            self._versions.close_missing(stale)
            db.execute(
                "UPDATE provider_runs SET status = ?, finished = ?, counts = ?, stale = ?, error = ? WHERE snapshot = ? AND provider = ?",
                (status, now(), json.dumps(self.counts, sort_keys=True), json.dumps(stale, ensure_ascii=False), error,
                 self._snap.id, self.provider),
            )
        self.state = status

    def fail(self, error: str) -> None:
        """Undo this run and record the error; the previous committed run stays the current data."""
        with self._snap.store.tx() as db:
            undo_run(db, self.provider, self._snap.id)
            db.execute(
                "UPDATE provider_runs SET status = 'failed', finished = ?, error = ?, counts = ? WHERE snapshot = ? AND provider = ?",
                (now(), error, json.dumps(self.counts, sort_keys=True), self._snap.id, self.provider),
            )
        self.state = "failed"


def acquire(store: "Store", name: str, wait: float) -> None:
    """Take the sync lock of provider ``name`` (waiting up to ``wait`` s), record the holder, undo its dead runs."""
    deadline = time.monotonic() + max(wait, 0.0)
    with store.guard():
        while not store.db.try_lock(name):
            if time.monotonic() >= deadline:
                raise _busy(store, name, wait)
            time.sleep(POLL_SECONDS)
    try:
        with store.tx() as db:
            _recover(db, name)
            db.execute("DELETE FROM sync_locks WHERE provider = ?", (name,))
            db.execute("INSERT INTO sync_locks (provider, host, pid, since) VALUES (?, ?, ?, ?)", (name, socket.gethostname(), os.getpid(), now()))
    except BaseException:
        release(store, [name], forget=False)
        raise


def _recover(db, name: str) -> None:  # noqa: ANN001
    """Undo the runs of ``name`` left ``running``: we hold its lock, so their process is gone."""
    dead = [int(r[0]) for r in db.execute("SELECT snapshot FROM provider_runs WHERE provider = ? AND status = 'running'", (name,))]
    for sid in dead:
        undo_run(db, name, sid)
        db.execute("UPDATE provider_runs SET status = 'failed', error = 'interrupted', finished = ? WHERE snapshot = ? AND provider = ?",
                   (now(), sid, name))
    if dead:
        db.execute("UPDATE snapshots SET status = 'interrupted', finished = ? WHERE status = 'running' AND NOT EXISTS "
                   "(SELECT 1 FROM provider_runs r WHERE r.snapshot = snapshots.id AND r.status = 'running')", (now(),))


def _busy(store: "Store", name: str, wait: float) -> StoreBusy:
    with store.guard():
        row = store.db.execute("SELECT host, pid, since FROM sync_locks WHERE provider = ?", (name,)).fetchone()
    waited = t("store.busy.waited", seconds=f"{wait:g}") if wait > 0 else ""
    if row is None:
        return StoreBusy(t("store.busy.unknown", provider=name, store=store.url.display, waited=waited), hint=t("store.hint.busy"))
    return StoreBusy(t("store.busy", provider=name, store=store.url.display, host=row[0], pid=row[1], since=row[2], waited=waited),
                     hint=t("store.hint.busy"))


def release(store: "Store", names: list[str], *, forget: bool = True) -> None:
    """Give up these sync locks; with ``forget``, also their holder records.

    A holder record is only what the next "busy" message quotes: the next holder overwrites it,
    so after a failure (a busy or lost database) the locks are released without touching it.
    """
    if forget and names:
        try:
            with store.tx() as db:
                db.executemany("DELETE FROM sync_locks WHERE provider = ? AND pid = ? AND host = ?",
                               [(name, os.getpid(), socket.gethostname()) for name in names])
        except (StoreError, *store.db.errors, OSError):
            pass  # best effort: the locks below are what counts, and a dead connection dropped them
    for name in names:
        with contextlib.suppress(*store.db.errors, OSError):
            store.db.unlock(name)  # a lost PostgreSQL session has released it already
