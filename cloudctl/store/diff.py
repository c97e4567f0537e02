"""What changed between two snapshots: resources added, removed, and changed field by field."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cloudctl.errors import StoreError
from cloudctl.i18n import t
from cloudctl.store.core import Store


@dataclass(frozen=True)
class Change:
    """One resource that differs between two snapshots."""

    change: str  # added | removed | changed
    provider: str
    kind: str
    id: str
    name: str = ""
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # field -> (before, after)

    def flat(self) -> dict[str, Any]:
        return {
            "change": self.change,
            "provider": self.provider,
            "kind": self.kind,
            "id": self.id,
            "name": self.name,
            "fields": {k: {"from": a, "to": b} for k, (a, b) in self.fields.items()},
        }


def resolve_pair(store: Store, from_snap: int | None, to_snap: int | None) -> tuple[int, int]:
    """Default ``to`` = the latest snapshot, ``from`` = the one before it."""
    ids = [s.id for s in store.snapshots() if s.committed]
    if to_snap is None:
        if not ids:
            raise StoreError(t("store.diff.empty", store=store.url.display), hint=t("store.diff.empty_hint"))
        to_snap = ids[-1]
    if from_snap is None:
        earlier = [i for i in ids if i < to_snap]
        if not earlier:
            raise StoreError(t("store.diff.no_earlier", snapshot=to_snap), hint=t("store.diff.no_earlier_hint"))
        from_snap = earlier[-1]
    return from_snap, to_snap


def diff(store: Store, from_snap: int, to_snap: int) -> list[Change]:
    """Changes from ``from_snap`` to ``to_snap``; only rows whose digest differs are loaded."""
    before, after = store.digests(snapshot=from_snap), store.digests(snapshot=to_snap)
    out: list[Change] = []
    for key in sorted(after.keys() - before.keys()):
        r = store.get(*key, snapshot=to_snap)
        out.append(Change("added", *key, name=r.name if r else ""))
    for key in sorted(before.keys() - after.keys()):
        r = store.get(*key, snapshot=from_snap)
        out.append(Change("removed", *key, name=r.name if r else ""))
    for key in sorted(k for k in before.keys() & after.keys() if before[k] != after[k]):
        a, b = store.get(*key, snapshot=from_snap), store.get(*key, snapshot=to_snap)
        if a is None or b is None:
            continue
        fa, fb = a.flat(), b.flat()
        fields = {k: (fa.get(k), fb.get(k)) for k in sorted(fa.keys() | fb.keys()) if fa.get(k) != fb.get(k)}
        if fields:
            out.append(Change("changed", *key, name=b.name, fields=fields))
    return out
