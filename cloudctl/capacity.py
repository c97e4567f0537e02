"""Capacity per provider and project: allocated vs quota vs physical capacity, and utilization.

The plan asks to raise utilization (提高资源利用率): allocated is what running VMs and volumes
hold (from the store), quota is the project's limit, capacity is what the hosts offer after
overcommit (Placement: (total − reserved) × allocation_ratio; ZStack host capacities).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from cloudctl.store import Store

_ALLOC = (("server", "vcpus", "vcpus"), ("server", "ram_mb", "ram_mb"), ("volume", "size_gb", "disk_gb"))
_LIVE = {"active", "building", "paused", "stopped", "in_use", "available", "unknown", "error"}


def _num(v: Any) -> float:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else 0.0


def _ratio(used: float, total: float) -> float | None:
    return round(used / total, 4) if total else None


def capacity_rows(store: Store, provider: str | None = None) -> list[dict[str, Any]]:
    """One row per (provider, project) plus one ``*`` row per provider with physical capacity."""
    alloc: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for kind, field, key in _ALLOC:
        for r in store.resources(kind, provider=provider):
            if r.status in _LIVE:
                alloc[(r.provider, r.project)][key] += _num(r.extra.get(field))
    quota: dict[tuple[str, str], dict[str, Any]] = {}
    for r in store.resources("quota", provider=provider):
        quota[(r.provider, r.project)] = r.extra
    cap: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for r in store.resources("capacity", provider=provider):
        for key in ("vcpus", "ram_mb", "disk_gb"):
            cap[r.provider][f"{key}_total"] += _num(r.extra.get(f"{key}_total"))
    rows = []
    providers = sorted({p for p, _ in alloc} | {p for p, _ in quota} | set(cap))
    for prov in providers:
        total: dict[str, float] = defaultdict(float)
        for (p, project) in sorted(k for k in alloc.keys() | quota.keys() if k[0] == prov):
            a, q = alloc.get((p, project), {}), quota.get((p, project), {})
            row: dict[str, Any] = {"provider": p, "project": project}
            for key in ("vcpus", "ram_mb", "disk_gb"):
                row[key] = int(a.get(key, 0))
                row[f"{key}_quota"] = q.get(f"{key}_limit")
                total[key] += a.get(key, 0)
            limit = q.get("vcpus_limit")
            row["vcpus_quota_used"] = _ratio(row["vcpus"], _num(limit)) if limit and _num(limit) > 0 else None
            rows.append(row)
        c = cap.get(prov, {})
        row = {"provider": prov, "project": "*"}
        for key in ("vcpus", "ram_mb", "disk_gb"):
            row[key] = int(total[key])
            row[f"{key}_capacity"] = int(c[f"{key}_total"]) if c.get(f"{key}_total") else None
            row[f"{key}_utilization"] = _ratio(total[key], c.get(f"{key}_total", 0))
        rows.append(row)
    return rows
