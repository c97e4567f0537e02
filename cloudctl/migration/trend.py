"""The migration KPIs month by month, from the store's snapshots (no Prometheus needed).

Every ``cloudctl sync`` is a snapshot; the store can be read as of any of them. For each calendar
month (local time) that has a snapshot, the month's last snapshot stands for the month, and the
KPIs are computed exactly as ``cloudctl migrate kpis`` computes them (:func:`kpis` with the store
as of that snapshot). The systems are today's inventory: what changes from month to month is the
cloud evidence — which systems have live servers, and on which clouds. A month without a sync has
no point (a gap, never an interpolation).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cloudctl.inventory.loader import Inventory
from cloudctl.migration.kpis import Kpi, kpis


@dataclass(frozen=True)
class MonthPoint:
    month: str  # YYYY-MM (local time)
    at: dt.datetime  # when the month's last snapshot started (aware)
    snapshot: int
    kpis: dict[str, Kpi]  # KPI id -> the KPI as of that snapshot


def _started(info: Any) -> dt.datetime | None:
    try:
        at = dt.datetime.fromisoformat(str(info.started).replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc)


def monthly(
    inv: Inventory,
    store: Any,
    *,
    platforms: Mapping[str, str | None] | None = None,
    today: dt.date | None = None,
    months: int = 24,
) -> list[MonthPoint]:
    """The KPIs at the last snapshot of each of the last ``months`` months that have one, oldest first.

    Only snapshots in which at least one provider committed count (a sync that failed everywhere
    adds nothing), and none after ``today``.
    """
    today = today or dt.date.today()
    last: dict[str, tuple[dt.datetime, int]] = {}
    for info in store.snapshots():  # oldest first: the month's last one wins
        at = _started(info)
        if at is None or "ok" not in info.providers.values():
            continue
        local = at.astimezone()
        if local.date() > today:
            continue
        last[local.strftime("%Y-%m")] = (at, info.id)
    out = []
    for month in sorted(last)[-months:]:
        at, sid = last[month]
        figures = kpis(inv, store, today, platforms=platforms, snapshot=sid)
        out.append(MonthPoint(month, at, sid, {k.id: k for k in figures}))
    return out
