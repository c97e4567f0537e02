"""Apply the pending schema migrations: all in one transaction, SQLite copied aside first."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cloudctl.errors import StoreError
from cloudctl.i18n import t
from cloudctl.store import schema


def apply(store: Any) -> Path | None:
    """Bring ``store`` to :data:`schema.SCHEMA_VERSION`. Returns the backup copy (SQLite), if one was made.

    The version is read again inside the transaction (under the schema lock), so two writers
    opening an old store at once upgrade it once.
    """
    db = store.db
    before = _version_in(db)
    if before >= schema.SCHEMA_VERSION:
        return None
    backup = None
    if before > 0:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        backup = db.backup(f"v{before}-{stamp}")
    db.begin()
    try:
        db.schema_lock()
        version = _version_in(db)
        for m in schema.pending(version):
            for statement in m.statements:
                db.execute(schema.render(statement, db.dialect))
            if m.step is not None:
                m.step(store)
            for statement in m.after:
                db.execute(schema.render(statement, db.dialect))
        if version < schema.SCHEMA_VERSION:
            db.execute("DELETE FROM meta WHERE key IN ('schema_version', 'application')")
            db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                           [("schema_version", str(schema.SCHEMA_VERSION)), ("application", "cloudctl")])
            db.mark()
    except BaseException:
        db.rollback()
        raise
    db.commit()
    return backup


def _version_in(db: Any) -> int:
    if "meta" not in db.tables():
        return 0
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None:
        raise StoreError(t("store.no_version", store=db.url.display), hint=t("store.hint.damaged"))
    return int(row[0])


def describe(version: int) -> list[dict]:
    """The migrations a store at ``version`` would get, for ``store upgrade --dry-run``."""
    return [{"from": m.version - 1, "to": m.version, "summary": m.summary} for m in schema.pending(version)]
