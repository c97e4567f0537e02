"""The audit log of ``cloudctl apply``: JSON Lines, one record before and one after each change,
chained with SM3 (GB/T 32905-2016, the national standard hash; via ``cryptography``).

Each record holds who (OS user, host), when, what (provider, kind, id, action, before, after),
how it ended (result, the cloud's request id, the error) and ``prev``, the hash of the record
before it; ``hash`` is SM3 over ``prev`` and the record's canonical JSON. Editing, removing or
reordering a record breaks the chain at that record, which :func:`verify` names. Records are
appended under an exclusive lock and fsync'ed before the cloud is called (write-ahead); records of
concurrent changes share one fsync (group commit). Nothing secret is ever written: records are
built from ids, names, tags and quotas, and error texts pass through the caller's redaction.

The chain shows tampering with what is there; cutting records off the end leaves a shorter
valid chain, so keep the head hash that ``audit verify`` prints somewhere else (the change ticket).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cloudctl.errors import AuditError

GENESIS = "0" * 64
TAIL_BYTES = 1 << 16


def sm3_hex(data: bytes) -> str:
    from cryptography.hazmat.primitives import hashes  # OpenSSL's SM3; loaded when a record is chained or checked

    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize().hex()


def _canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def chain_hash(prev: str, record: dict[str, Any]) -> str:
    """SM3(prev || canonical JSON of the record without its own hash)."""
    body = {k: v for k, v in record.items() if k != "hash"}
    return sm3_hex(prev.encode() + _canonical(body))


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class AuditLog:
    """Appends chained records to one file; safe across threads and processes."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._pool: ThreadPoolExecutor | None = None
        self._queue: asyncio.Queue | None = None
        self._pump: asyncio.Task | None = None

    # -- synchronous ---------------------------------------------------------------------------
    def append(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Chain, write and fsync ``records`` (in order) as one batch; returns them with seq/prev/hash."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o640)
        except OSError as exc:
            raise AuditError(f"cannot open the audit log {self.path}: {exc.strerror}",
                             hint="set 'audit_log:' in cloudctl.yaml to a writable file") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # other cloudctl processes append to the same chain
            seq, prev = self._head(fd)
            lines = []
            for rec in records:
                seq += 1
                rec = {**rec, "seq": seq, "prev": prev}
                rec["hash"] = prev = chain_hash(rec["prev"], rec)
                lines.append(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
            data = "".join(lines).encode()
            written = 0
            while written < len(data):
                written += os.write(fd, data[written:])
            os.fsync(fd)
            return [json.loads(line) for line in lines]
        finally:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _head(self, fd: int) -> tuple[int, str]:
        """(seq, hash) of the last record; refuses to chain onto a half-written one."""
        size = os.fstat(fd).st_size
        if size == 0:
            return 0, GENESIS
        start = max(0, size - TAIL_BYTES)
        tail = os.pread(fd, size - start, start)
        if not tail.endswith(b"\n"):
            raise AuditError(f"the audit log {self.path} ends in an incomplete record (a crash while writing?)",
                             hint="run `cloudctl audit verify`; keep the file as evidence and point 'audit_log:' at a new one")
        last = tail.rstrip(b"\n").rsplit(b"\n", 1)[-1]
        try:
            rec = json.loads(last)
            return int(rec["seq"]), str(rec["hash"])
        except (ValueError, KeyError, TypeError):
            raise AuditError(f"the last record of the audit log {self.path} is not a valid audit record",
                             hint="run `cloudctl audit verify` to see where the log was damaged") from None

    # -- asynchronous, with group commit -----------------------------------------------------------
    async def write(self, record: dict[str, Any]) -> dict[str, Any]:
        """Append one record durably; concurrent callers share one fsync."""
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cloudctl-audit")
            self._pump = asyncio.create_task(self._run())
        fut = asyncio.get_running_loop().create_future()
        await self._queue.put((record, fut))
        return await fut

    async def _run(self) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self._queue.get()]
            while not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                written = await loop.run_in_executor(self._pool, self.append, [r for r, _ in batch])
            except BaseException as exc:  # noqa: BLE001 - handed to every waiter of this batch
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise
                continue
            for (_, fut), rec in zip(batch, written):
                if not fut.done():
                    fut.set_result(rec)

    async def aclose(self) -> None:
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self._queue = self._pump = self._pool = None


# -- reading and verifying ------------------------------------------------------------------------
def records(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """Every parsable record, oldest first (``audit ls``); a missing log has none."""
    p = Path(path)
    if not p.exists():
        return
    with p.open("rb") as f:
        for line in f:
            try:
                yield json.loads(line)
            except ValueError:
                continue


@dataclass
class Verdict:
    records: int
    head: str  # hash of the last record (keep it outside the log to detect truncation)
    bad_line: int = 0  # 1-based line of the first record that breaks the chain; 0: intact
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.bad_line == 0


def verify(path: str | os.PathLike[str]) -> Verdict:
    """Walk the chain; name the first record that was altered, removed, inserted or reordered."""
    p = Path(path)
    if not p.exists():
        raise AuditError(f"no audit log at {p}", hint="it is written by `cloudctl apply`; check 'audit_log:' in cloudctl.yaml")
    prev, seq, n = GENESIS, 0, 0
    lines = p.read_bytes().splitlines(keepends=True)
    seqs = set()
    for line in lines:
        with contextlib.suppress(ValueError, KeyError, TypeError):
            seqs.add(int(json.loads(line)["seq"]))
    for lineno, line in enumerate(lines, 1):
        if not line.endswith(b"\n"):
            return Verdict(n, prev, lineno, "the last record is incomplete (cut off while writing, or truncated)")
        try:
            rec = json.loads(line)
            rseq, rprev, rhash = int(rec["seq"]), rec["prev"], rec["hash"]
        except (ValueError, KeyError, TypeError):
            return Verdict(n, prev, lineno, "not a valid audit record (edited or damaged)")
        if chain_hash(rprev, rec) != rhash:
            return Verdict(n, prev, lineno, f"record seq {rseq} was altered: its content does not match its hash")
        if rprev != prev or rseq != seq + 1:
            if rseq > seq + 1:
                what = "was moved later (reordered)" if seq + 1 in seqs else f"(seq {seq + 1}) was removed"
            else:
                what = "was reordered or a copy inserted"
            return Verdict(n, prev, lineno, f"record seq {rseq} does not follow seq {seq}: the record after seq {seq} {what}")
        prev, seq, n = rhash, rseq, n + 1
    return Verdict(n, prev)
