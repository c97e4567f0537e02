"""The cloud (一朵云) numbers: migration KPIs, waves, per-county systems, policy violations.

The KPIs and wave progress come from ``cloudctl.migration`` and the violations from
``cloudctl.policy`` — the same functions behind ``cloudctl migrate kpis`` and ``cloudctl policy
check`` — so the report never disagrees with them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cloudctl import migration
from cloudctl.migration import evidence
from cloudctl.i18n import Message
from cloudctl.inventory import Inventory
from cloudctl.policy import SEVERITIES, run_check
from cloudctl.migration.trend import monthly
from cloudctl.report.model import Indicator, TrendPoint, Violation

__all__ = ["SEVERITIES", "county_systems", "monthly_trends", "system_kpis", "violations", "waves"]

# KPI ids of cloudctl.migration -> report indicator ids (same meaning, the report's names).
_KPI_IDS = {"cloud_migration_rate": "cloud_migration", "xinchuang_rate": "xinchuang"}
_PLAN_REF = {"xinchuang": 7}  # 指标7: 国产化政务云平台部署率达80%


def system_kpis(
    inv: Inventory, store: Any = None, today: dt.date | None = None, platforms: Mapping[str, str | None] | None = None, *, snapshot: int | None = None
) -> tuple[list[Indicator], list[Message]]:
    """上云率, 信创部署率 (plan indicator 7) and every further KPI the migration module defines, with
    the caveats that go with them (a provider whose 信创 platform cloudctl.yaml does not say)."""
    out = []
    notes: list[Message] = []
    for k in migration.kpis(inv, store=store, today=today, platforms=platforms, snapshot=snapshot):
        notes += [n for n in k.notes if n not in notes]
        ident = _KPI_IDS.get(k.id, k.id)
        out.append(
            Indicator(
                ident, k.numerator, k.denominator, k.value, k.target, k.deadline, k.source,
                plan_ref=_PLAN_REF.get(ident), title_zh=k.title_zh, title_en=k.title_en,
            )
        )
    return out, notes


TRENDS = ("cloud_migration", "xinchuang")  # the report's ids of the KPIs drawn month by month


def monthly_trends(inv: Inventory, store: Any, today: dt.date, platforms: Mapping[str, str | None] | None = None) -> dict[str, list[TrendPoint]]:
    """上云率 and 信创率 at the last snapshot of each month (cloudctl.migration.trend): progress
    without a Prometheus."""
    ids = {report_id: kpi_id for kpi_id, report_id in _KPI_IDS.items() if report_id in TRENDS}
    out: dict[str, list[TrendPoint]] = {}
    points = monthly(inv, store, platforms=platforms, today=today)
    for report_id, kpi_id in ids.items():
        series = [TrendPoint(p.at, p.kpis[kpi_id].value, p.month, p.kpis[kpi_id].numerator, p.kpis[kpi_id].denominator, p.snapshot)
                  for p in points]
        if series:
            out[report_id] = series
    return out


def waves(inv: Inventory, store: Any = None) -> list[migration.WaveProgress]:
    return migration.wave_progress(inv, store=store)


def county_systems(inv: Inventory, store: Any = None) -> dict[str, tuple[int, int]]:
    """County id → (non-classified, not retired county systems, of which on a cloud).

    "On a cloud" means what it means for the city's 上云率 (``cloudctl.migration.evidence.on_cloud``):
    a live server tagged with the system in the store, else the inventory's ``deployment``.
    """
    ev = evidence.collect(store)
    counts: dict[str, list[int]] = {}
    for s in inv.systems.values():
        if s.county is None or s.classified or (s.migration is not None and s.migration.state == "retired"):
            continue
        c = counts.setdefault(s.county, [0, 0])
        c[0] += 1
        c[1] += evidence.on_cloud(s, ev)
    return {k: (v[0], v[1]) for k, v in counts.items()}


def violations(
    paths: list[Path], inv: Inventory, store: Any = None, today: dt.date | None = None, platforms: Mapping[str, str | None] | None = None
) -> list[Violation]:
    """Unwaived policy violations, most severe first."""
    result = run_check(paths, inv, store=store, today=today, platforms=platforms)
    out = [
        Violation(v.policy_id, v.severity, v.title_zh, v.title_en, v.record_id, str(v.location), v.message)
        for v in result.violations
        if not v.waived
    ]
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    out.sort(key=lambda v: (rank.get(v.severity, len(rank)), v.policy_id, v.record_id))
    return out
