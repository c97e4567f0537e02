"""The cloud (一朵云) numbers: migration KPIs, waves, per-county systems, policy violations.

The KPIs and wave progress come from ``cloudctl.migration`` and the violations from
``cloudctl.policy`` — the same functions behind ``cloudctl migrate kpis`` and ``cloudctl policy
check`` — so the report never disagrees with them. ``_fallback_*`` keep the report working from the
inventory alone where those modules are not installed.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

from cloudctl.inventory import Inventory
from cloudctl.report.model import Indicator, Violation, WaveRow

DEADLINE = dt.date(2025, 12, 31)
SEVERITIES = ("critical", "high", "medium", "low")
# KPI ids of cloudctl.migration -> report indicator ids (same meaning, the report's names).
_KPI_IDS = {"cloud_migration_rate": "cloud_migration", "xinchuang_rate": "xinchuang"}


def _optional(module: str) -> ModuleType | None:
    """Import a sibling area's module if it is installed (not: if it fails inside)."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None
        raise


def _not_retired(s: Any) -> bool:
    return s.migration is None or s.migration.state != "retired"


def _fallback_kpis(inv: Inventory) -> list[Indicator]:
    candidates = [s for s in inv.systems.values() if not s.classified and _not_retired(s)]
    on_cloud = sum(1 for s in candidates if s.deployment == "cloud")
    cloud = [s for s in inv.systems.values() if s.deployment == "cloud"]
    xc = sum(1 for s in cloud if s.xinchuang)
    return [
        Indicator("cloud_migration", on_cloud, len(candidates), on_cloud / len(candidates) if candidates else None, 1.0, DEADLINE, "inventory"),
        Indicator("xinchuang", xc, len(cloud), xc / len(cloud) if cloud else None, 0.8, DEADLINE, "inventory", plan_ref=7),
    ]


def system_kpis(inv: Inventory, store: Any = None, today: dt.date | None = None) -> list[Indicator]:
    """上云率 and 信创部署率 (plan indicator 7), plus any further KPI the migration module defines."""
    migration = _optional("cloudctl.migration")
    if migration is None:
        return _fallback_kpis(inv)
    out = []
    for k in migration.kpis(inv, store=store, today=today):
        ident = _KPI_IDS.get(k.id, k.id)
        out.append(
            Indicator(
                ident,
                k.numerator,
                k.denominator,
                k.value,
                k.target,
                k.deadline,
                k.source,
                plan_ref=7 if ident == "xinchuang" else None,
                title_zh=k.title_zh,
                title_en=k.title_en,
            )
        )
    return out


def waves(inv: Inventory, store: Any = None) -> list[WaveRow]:
    migration = _optional("cloudctl.migration")
    if migration is not None:
        return [
            WaveRow(w.id, w.name, w.start, w.end, w.status, w.total, w.migrated, w.in_progress, w.remaining)
            for w in migration.wave_progress(inv, store=store)
        ]
    rows = []
    for w in sorted(inv.waves.values(), key=lambda w: (w.start, w.id)):
        states = Counter(s.migration.state for s in inv.systems.values() if s.migration and s.migration.wave == w.id)
        total = sum(states.values())
        migrated = states["migrated"]
        rows.append(WaveRow(w.id, w.name, w.start, w.end, w.status, total, migrated, states["preparing"] + states["migrating"], total - migrated))
    return rows


def county_systems(inv: Inventory) -> dict[str, tuple[int, int]]:
    """County id → (non-classified, not retired county systems, of which on the cloud)."""
    counts: dict[str, list[int]] = {}
    for s in inv.systems.values():
        if s.county is None or s.classified or not _not_retired(s):
            continue
        c = counts.setdefault(s.county, [0, 0])
        c[0] += 1
        c[1] += s.deployment == "cloud"
    return {k: (v[0], v[1]) for k, v in counts.items()}


def violations(paths: list[Path], inv: Inventory, store: Any = None, today: dt.date | None = None) -> list[Violation] | None:
    """Unwaived policy violations, most severe first; None when the policy module is not installed."""
    policy = _optional("cloudctl.policy.check") or _optional("cloudctl.policy")
    run_check = getattr(policy, "run_check", None) if policy else None
    if run_check is None:
        return None
    result = run_check(paths, inv, store=store, today=today)
    out = [
        Violation(v.policy_id, v.severity, v.title_zh, v.title_en, v.record_id, str(v.location), v.message)
        for v in result.violations
        if not v.waived
    ]
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    out.sort(key=lambda v: (rank.get(v.severity, len(rank)), v.policy_id, v.record_id))
    return out
