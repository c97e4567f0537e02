"""Resource versions: what a provider run writes, how a run is undone, how pruned runs are folded.

A run R of provider P (R is its snapshot id; runs of one provider are serialised by the sync lock,
so R is newer than every earlier run of P):

- a resource not seen before, or whose digest changed, gets a new version ``valid_from = R``;
- the version it replaces, and every current version P no longer lists, get ``valid_to = R``
  (except in the scopes that failed: their previous data stays current, marked stale).

Readers see P as of its latest *committed* run, which is older than R until the run is flipped to
``ok`` — so all of this is invisible until then, however many transactions it took. Undoing a run
that failed or died is exact: delete ``valid_from = R``, reopen ``valid_to = R``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from cloudctl.model import Resource

COMMON = ("provider", "kind", "id", "name", "status", "project", "region", "raw_status", "arch", "os", "system", "created")
VERSION_COLUMNS = ("provider", "kind", "id", "valid_from", "valid_to", *COMMON[3:], "extra", "digest")
_COMMON_SET = frozenset(COMMON)
# Converters build ``extra`` in a fixed order, so no sort_keys: equal resources give equal text.
# ``extra`` comes from decoded JSON and never refers to itself: no circular-reference bookkeeping
# (row_of 7 % faster over the 47,188 resources of a 20,000-server sync; the text is the same).
_dumps = json.JSONEncoder(ensure_ascii=False, default=str, separators=(",", ":"), check_circular=False).encode
_blake2b = hashlib.blake2b


def row_of(r: Resource) -> tuple:
    """(provider, kind, id, name, ..., created, extra, digest) — the digest covers every field but the key."""
    fields = r.extra if _COMMON_SET.isdisjoint(r.extra) else {k: v for k, v in r.extra.items() if k not in _COMMON_SET}
    extra = _dumps(fields)
    common = (r.name, r.status, r.project, r.region, r.raw_status, r.arch, r.os, r.system, r.created)
    digest = _blake2b(f"{common}{extra}".encode(), digest_size=12).hexdigest()
    return (r.provider, r.kind, r.id, *common, extra, digest)


class VersionWriter:
    """Turns the rows of one provider run into versions. ``db`` is a backend inside a transaction."""

    def __init__(self, db: Any, provider: str, run: int) -> None:
        self.db = db
        self.provider = provider
        self.run = run
        self.current: dict[tuple[str, str], tuple[str, str | None]] = {
            (k, i): (d, p) for k, i, d, p in db.execute(
                "SELECT kind, id, digest, project FROM resources WHERE provider = ? AND valid_to IS NULL", (provider,))
        }
        self.seen: set[tuple[str, str]] = set()
        self.counts: dict[str, int] = {}
        self.written = 0  # new versions

    def add_rows(self, rows: Iterable[tuple]) -> int:
        """Rows as :func:`row_of` makes them; writes the new and changed ones. Returns how many rows came."""
        new: list[tuple] = []
        closing: list[tuple] = []
        n = 0
        for row in rows:
            n += 1
            key = (row[1], row[2])
            if key in self.seen:
                continue  # a listing that repeats an item: the first one counts
            self.seen.add(key)
            self.counts[row[1]] = self.counts.get(row[1], 0) + 1
            cur = self.current.get(key)
            if cur is not None and cur[0] == row[-1]:
                continue
            if cur is not None:
                closing.append((self.run, self.provider, key[0], key[1]))
            new.append((*row[:3], self.run, None, *row[3:]))
        self._close(closing)
        if new:
            self.db.insert_rows("resources", VERSION_COLUMNS, new)
            self.written += len(new)
        return n

    def _close(self, keys: list[tuple]) -> None:
        if keys:
            self.db.executemany(
                "UPDATE resources SET valid_to = ? WHERE provider = ? AND kind = ? AND id = ? AND valid_to IS NULL", keys)

    def close_missing(self, stale: list[dict]) -> int:
        """End the versions this run did not list, except in stale scopes. Returns how many ended."""
        whole = {s["kind"] for s in stale if not s.get("project")}
        partial = {(s["kind"], s["project"]) for s in stale if s.get("project")}
        gone = [
            (self.run, self.provider, kind, rid)
            for (kind, rid), (_, project) in self.current.items()
            if (kind, rid) not in self.seen and kind not in whole and (kind, project) not in partial
        ]
        self._close(gone)
        return len(gone)


def undo_run(db: Any, provider: str, run: int) -> None:
    """Remove every trace of run ``run`` of ``provider`` from the versions (inside a transaction)."""
    db.execute("DELETE FROM resources WHERE provider = ? AND valid_from = ?", (provider, run))
    db.execute("UPDATE resources SET valid_to = NULL WHERE provider = ? AND valid_to = ?", (provider, run))


def fold_pruned(db: Any, provider: str, removed: list[int], kept: list[int]) -> None:
    """Drop the committed runs ``removed`` of ``provider``; ``kept`` are its committed runs that stay.

    A version that started at a removed run now starts at the next kept run, if it is still valid
    there; otherwise no kept run sees it and it goes. Versions that ended at a removed run keep
    that end: comparisons are by run number, so they stay invisible to every later run.
    """
    later = sorted(kept)
    for run in sorted(removed):
        nxt = next((k for k in later if k > run), None)
        if nxt is None:
            db.execute("DELETE FROM resources WHERE provider = ? AND valid_from = ?", (provider, run))
            continue
        db.execute("DELETE FROM resources WHERE provider = ? AND valid_from = ? AND valid_to IS NOT NULL AND valid_to <= ?",
                   (provider, run, nxt))
        db.execute("UPDATE resources SET valid_from = ? WHERE provider = ? AND valid_from = ?", (nxt, provider, run))


def convert_snapshot_copies(store: Any) -> None:
    """Migration 1 → 2: replay every committed run of ``resources_v1`` into versions, oldest first."""
    db = store.db
    cols = ", ".join(COMMON) + ", extra, digest"
    runs = list(db.execute("SELECT snapshot, provider, status FROM provider_runs ORDER BY snapshot, provider"))
    for snapshot, provider, status in runs:
        if status != "ok":
            if status == "running":  # schema 1 left these for the next writer to delete
                db.execute("UPDATE provider_runs SET status = 'failed', error = 'interrupted' WHERE snapshot = ? AND provider = ?",
                           (snapshot, provider))
            continue
        writer = VersionWriter(db, provider, snapshot)
        writer.add_rows(list(db.execute(f"SELECT {cols} FROM resources_v1 WHERE snapshot = ? AND provider = ? ORDER BY kind, id",
                                        (snapshot, provider))))
        writer.close_missing([])
    db.execute("UPDATE snapshots SET status = 'interrupted' WHERE status = 'running'")
