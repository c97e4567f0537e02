"""One schema for both backends, and the numbered migrations that build and upgrade it.

Schema 2 stores what changed, not a copy per sync: a row of ``resources`` is one *version* of a
resource, valid for the provider's runs ``valid_from <= run < valid_to`` (``valid_to`` NULL: still
current). The view "as of snapshot S" is, per provider, the versions valid at its latest committed
run at or before S. A run writes only new and changed versions; unchanged resources cost nothing.

A migration is a list of statements (DDL written once, with a few dialect words filled in) and
an optional step in Python. ``upgrade`` applies the missing ones in one transaction; on SQLite
the store is first copied next to itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = 2

DIALECT_WORDS = {
    "sqlite": {"serial": "INTEGER PRIMARY KEY AUTOINCREMENT", "key": "TEXT", "bigint": "INTEGER", "without_rowid": " WITHOUT ROWID"},
    # COLLATE "C": byte order for ids and names, as SQLite sorts, whatever the cluster's locale.
    "postgresql": {"serial": "BIGSERIAL PRIMARY KEY", "key": 'TEXT COLLATE "C"', "bigint": "BIGINT", "without_rowid": ""},
}

# Schema 1, as cloudctl wrote it before versions: a full copy of every resource per snapshot.
_V1 = [
    "CREATE TABLE meta (key {key} PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE snapshots (
        id {serial},
        started TEXT NOT NULL,
        finished TEXT,
        status TEXT NOT NULL)""",
    """CREATE TABLE provider_runs (
        snapshot {bigint} NOT NULL REFERENCES snapshots(id),
        provider {key} NOT NULL,
        status TEXT NOT NULL,
        started TEXT NOT NULL,
        finished TEXT,
        error TEXT,
        counts TEXT NOT NULL DEFAULT '{{}}',
        PRIMARY KEY (snapshot, provider))""",
    """CREATE TABLE resources (
        snapshot {bigint} NOT NULL,
        provider {key} NOT NULL, kind {key} NOT NULL, id {key} NOT NULL,
        name TEXT, status TEXT, project TEXT, region TEXT, raw_status TEXT,
        arch TEXT, os TEXT, system TEXT, created TEXT,
        extra TEXT NOT NULL,
        digest TEXT NOT NULL,
        PRIMARY KEY (snapshot, provider, kind, id)){without_rowid}""",
]

_V2 = [
    "ALTER TABLE resources RENAME TO resources_v1",
    """CREATE TABLE resources (
        provider {key} NOT NULL, kind {key} NOT NULL, id {key} NOT NULL,
        valid_from {bigint} NOT NULL,
        valid_to {bigint},
        name TEXT, status TEXT, project TEXT, region TEXT, raw_status TEXT,
        arch TEXT, os TEXT, system TEXT, created TEXT,
        extra TEXT NOT NULL,
        digest TEXT NOT NULL,
        CONSTRAINT resource_versions_pk PRIMARY KEY (provider, kind, id, valid_from)){without_rowid}""",
    "CREATE INDEX resource_versions_from ON resources (provider, valid_from)",
    "CREATE INDEX resource_versions_to ON resources (provider, valid_to)",
    # Scopes (kind, or kind + project) whose previous data a partial run kept: [{kind, project, error}].
    "ALTER TABLE provider_runs ADD COLUMN stale TEXT NOT NULL DEFAULT '[]'",
    """CREATE TABLE sync_locks (
        provider {key} PRIMARY KEY,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        since TEXT NOT NULL)""",
]
_V2_AFTER = ["DROP TABLE resources_v1"]


@dataclass(frozen=True)
class Migration:
    version: int
    summary: str
    statements: list[str]
    step: Callable[[Any], None] | None = None  # Python work between statements and ``after``
    after: list[str] = field(default_factory=list)


def _convert_v1(store: Any) -> None:
    from cloudctl.store.versions import convert_snapshot_copies

    convert_snapshot_copies(store)


MIGRATIONS = [
    Migration(1, "tables for snapshots, provider runs and one copy of every resource per snapshot", _V1),
    Migration(2, "change-based storage: resource versions valid over a range of runs; per-scope staleness; sync lock holders",
              _V2, _convert_v1, _V2_AFTER),
]


def render(statement: str, dialect: str) -> str:
    return statement.format(**DIALECT_WORDS[dialect])


def pending(version: int) -> list[Migration]:
    return [m for m in MIGRATIONS if m.version > version]
