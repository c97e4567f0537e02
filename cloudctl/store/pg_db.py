"""The PostgreSQL backend (psycopg 3): plain SQL, COPY for bulk rows, advisory locks for syncs.

Plain SQL only — no extension, no server-side function of our own — so PostgreSQL-protocol 信创
databases (KingbaseES, openGauss) can hold the store too. A sync of provider P holds the
session-level ``pg_try_advisory_lock`` of P's key; the server drops it when the session ends,
so a lock that can be taken is provably free.

The password is passed to libpq as a keyword, never inside a connection string, and every error
text shown is scrubbed of it anyway (libpq messages can echo connection parameters).
"""

from __future__ import annotations

import hashlib

from cloudctl.errors import StoreBusy, StoreError, StoreUnavailable
from cloudctl.i18n import t
from cloudctl.store.url import StoreURL

SCHEMA_LOCK = "cloudctl:schema"
LOCK_TIMEOUT = "10s"  # a table lock held by someone else: wait this long, then "busy" (exit 1)
# SQLSTATE classes and codes we turn into user errors (https://www.postgresql.org/docs/current/errcodes-appendix.html)
_AUTH = ("28000", "28P01")
_LOST = ("57P01", "57P02", "57P03", "08000", "08003", "08006", "08001", "08004")
_DISK = ("53100", "53000", "53200", "53300", "53400")


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for ``name``."""
    return int.from_bytes(hashlib.blake2b(f"cloudctl-sync:{name}".encode(), digest_size=8).digest(), "big", signed=True)


class PostgresDB:
    """A connection to a PostgreSQL store (autocommit; transactions are explicit)."""

    dialect = "postgresql"

    def __init__(self, url: StoreURL) -> None:
        import psycopg

        self.url = url
        self.errors = (psycopg.Error,)
        self._secret = ""
        self._in_tx = False
        kwargs = url.connect_kwargs()  # may raise SecretError (exit 2): the reference is wrong
        self._secret = str(kwargs.get("password") or "")
        try:
            self.conn = psycopg.connect(autocommit=True, **kwargs)
            self.conn.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
        except psycopg.Error as exc:
            raise self.translate(exc, connecting=True) or StoreUnavailable(self._cause(exc)) from None
        finally:
            kwargs.clear()

    # -- creation ----------------------------------------------------------------------------
    def initialise(self) -> None:
        pass

    def mark(self) -> None:
        pass

    # -- statements --------------------------------------------------------------------------
    @staticmethod
    def json_object(columns: tuple[str, ...]) -> str:
        """SQL for a compact JSON object of these columns, in order (``row_to_json``: core since 9.2)."""
        return f"(SELECT row_to_json(x) FROM (SELECT {', '.join(columns)}) x)::text"

    def execute(self, sql: str, args: tuple | list = ()):  # noqa: ANN201 - a psycopg cursor
        return self.conn.execute(sql.replace("?", "%s"), args or None)

    def executemany(self, sql: str, rows: list) -> None:
        with self.conn.cursor() as cur:
            cur.executemany(sql.replace("?", "%s"), rows)

    def insert_rows(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    @property
    def in_transaction(self) -> bool:
        return self._in_tx

    def begin(self) -> None:
        self.conn.execute("BEGIN")
        self._in_tx = True

    def commit(self) -> None:
        self._in_tx = False
        self.conn.execute("COMMIT")

    def rollback(self) -> None:
        if self._in_tx:
            self._in_tx = False
            if not self.conn.closed:
                self.conn.execute("ROLLBACK")

    def schema_lock(self) -> None:
        """Serialise schema upgrades between processes (released at the end of the transaction)."""
        self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key(SCHEMA_LOCK),))

    def tables(self) -> set[str]:
        rows = self.conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")
        return {r[0] for r in rows}

    def size_bytes(self) -> int:
        total = 0
        for name in self.tables() & {"meta", "snapshots", "provider_runs", "resources", "sync_locks"}:
            total += self.conn.execute("SELECT pg_total_relation_size(%s::regclass)", (name,)).fetchone()[0]
        return total

    def compact(self) -> None:
        """Autovacuum reclaims the dead rows of a prune; nothing to do in the transaction's path."""

    def checkpoint(self) -> None:
        """The server manages its WAL."""

    def backup(self, suffix: str) -> None:  # noqa: ARG002 - PostgreSQL upgrades in one transaction instead
        return None

    # -- sync locks --------------------------------------------------------------------------
    def try_lock(self, name: str) -> bool:
        return bool(self.conn.execute("SELECT pg_try_advisory_lock(%s)", (lock_key(name),)).fetchone()[0])

    def unlock(self, name: str) -> None:
        if not self.conn.closed:
            self.conn.execute("SELECT pg_advisory_unlock(%s)", (lock_key(name),))

    def close(self) -> None:
        self.conn.close()  # ends the session: the server drops its advisory locks

    # -- faults ------------------------------------------------------------------------------
    def _cause(self, exc: BaseException) -> str:
        diag = getattr(exc, "diag", None)
        text = (getattr(diag, "message_primary", None) or str(exc) or type(exc).__name__).strip()
        text = " ".join(line.strip() for line in text.splitlines() if line.strip())
        return text.replace(self._secret, "<secret>") if self._secret else text

    def translate(self, exc: BaseException, *, connecting: bool = False) -> StoreError | None:
        import psycopg

        if not isinstance(exc, psycopg.Error):
            return None
        store, cause = self.url.display, self._cause(exc)
        state = getattr(exc, "sqlstate", None) or ""
        low = cause.lower()
        if state in _AUTH or "authentication failed" in low or "no pg_hba.conf entry" in low or ("role" in low and "does not exist" in low):
            return StoreError(t("store.pg.auth", store=store, cause=cause), hint=t("store.hint.pg_auth"))
        if state == "3D000" or ("database" in low and "does not exist" in low):
            return StoreError(t("store.pg.no_database", store=store, cause=cause), hint=t("store.hint.pg_database", dbname=self.url.dbname))
        if state in _DISK:
            return StoreUnavailable(t("store.disk_full", store=store) + f" ({cause})", hint=t("store.hint.disk_full"))
        if state == "25006":
            return StoreUnavailable(t("store.read_only", store=store), hint=t("store.hint.pg_read_only"))
        if state in ("55P03", "40P01"):
            return StoreBusy(t("store.pg.lock_timeout", store=store, timeout=LOCK_TIMEOUT), hint=t("store.hint.locked"))
        if state == "42501":
            return StoreError(t("store.pg.privilege", store=store, cause=cause), hint=t("store.hint.pg_privilege"))
        if state in ("42P01", "42703"):
            return StoreError(t("store.damaged", store=store, cause=cause), hint=t("store.hint.damaged"))
        if connecting or state in _LOST or isinstance(exc, psycopg.OperationalError):
            key = "store.pg.unreachable" if connecting else "store.pg.lost"
            return StoreUnavailable(t(key, store=store, cause=cause), hint=t("store.hint.pg_unreachable"))
        return None
