"""Retention: which snapshots to keep (last N, newest per day, newest per month) and pruning the rest.

Like restic's ``forget --keep-last/--keep-daily/--keep-monthly``: a snapshot is kept when any rule
keeps it. Never pruned, whatever the rules: a snapshot still running, and the latest committed
run of each provider (it is the current data). ``diff``, ``ls --snapshot`` and the history of a
resource keep working across pruned ranges: the versions a pruned run started are carried to the
next kept run (``versions.fold_pruned``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cloudctl.errors import UsageError
from cloudctl.i18n import t
from cloudctl.store.versions import fold_pruned

if TYPE_CHECKING:  # pragma: no cover
    from cloudctl.store.core import SnapshotInfo, Store


@dataclass(frozen=True)
class Policy:
    keep_last: int | None = None
    keep_daily: int | None = None
    keep_monthly: int | None = None

    @property
    def empty(self) -> bool:
        return self.keep_last is None and self.keep_daily is None and self.keep_monthly is None


@dataclass(frozen=True)
class Decision:
    keep: list[int]
    remove: list[int]
    reasons: dict[int, list[str]]  # snapshot -> why it is kept


def decide(snapshots: list["SnapshotInfo"], policy: Policy) -> Decision:
    """Apply ``policy`` to ``snapshots`` (oldest first)."""
    if policy.empty:
        raise UsageError(t("store.prune.no_rule"), hint=t("store.prune.no_rule_hint"))
    reasons: dict[int, list[str]] = {}
    newest_first = list(reversed(snapshots))
    for s in newest_first:
        if s.status == "running" or any(st == "running" for st in s.providers.values()):
            reasons.setdefault(s.id, []).append("running")
    current: dict[str, int] = {}
    for s in newest_first:
        for prov, st in s.providers.items():
            if st in ("ok", "partial") and prov not in current:
                current[prov] = s.id
    for prov, sid in current.items():
        reasons.setdefault(sid, []).append(f"current:{prov}")  # the newest data of this provider
    for s in newest_first[: policy.keep_last or 0]:
        reasons.setdefault(s.id, []).append("last")
    committed = [s for s in newest_first if s.committed]
    for rule, count, width in (("daily", policy.keep_daily, 10), ("monthly", policy.keep_monthly, 7)):
        buckets: list[str] = []
        for s in committed:
            bucket = s.started[:width]
            if bucket in buckets:
                continue
            if len(buckets) >= (count or 0):
                break
            buckets.append(bucket)
            reasons.setdefault(s.id, []).append(rule)
    keep = sorted(reasons)
    return Decision(keep, sorted(s.id for s in snapshots if s.id not in reasons), reasons)


def delete_snapshots(store: "Store", remove: list[int], *, wait: float = 60.0) -> int:
    """Delete snapshots ``remove`` in one transaction, folding their versions into the kept runs.

    Holds the sync lock of every provider it touches, so a prune never interleaves with a sync of
    the same provider (it waits up to ``wait`` seconds for one that runs).
    """
    from cloudctl.store.writer import acquire, release

    if not remove:
        return 0
    gone = set(remove)
    with store.guard():
        providers = sorted({p for (p,) in store.db.execute(
            "SELECT DISTINCT provider FROM provider_runs WHERE snapshot IN (" + ", ".join("?" * len(gone)) + ")", sorted(gone))})
    locked: list[str] = []
    try:
        for prov in providers:
            acquire(store, prov, wait)
            locked.append(prov)
        with store.tx() as db:
            runs: dict[str, list[int]] = {}
            for sid, prov in db.execute("SELECT snapshot, provider FROM provider_runs WHERE status IN ('ok', 'partial') ORDER BY snapshot"):
                runs.setdefault(prov, []).append(int(sid))
            for prov, sids in runs.items():
                removed = [s for s in sids if s in gone]
                if removed:
                    fold_pruned(db, prov, removed, [s for s in sids if s not in gone])
            db.executemany("DELETE FROM provider_runs WHERE snapshot = ?", [(s,) for s in sorted(gone)])
            db.executemany("DELETE FROM snapshots WHERE id = ?", [(s,) for s in sorted(gone)])
    finally:
        release(store, locked)
    with store.guard():
        store.db.compact()
    return len(gone)


def prune(store: "Store", policy: Policy, *, dry_run: bool = False) -> Decision:
    """Decide with ``policy`` and (unless ``dry_run``) delete what it does not keep."""
    decision = decide(store.snapshots(), policy)
    if not dry_run:
        delete_snapshots(store, decision.remove)
    return decision
