"""The plan's migration indicators (规划指标) as ratios with targets and deadlines.

Definitions (docs/migration.md explains them with the plan's text):

- ``cloud_migration_rate``: non-classified (非涉密), non-retired systems on a cloud / all
  non-classified, non-retired systems. Target 100 % by the end of the plan (2025-12-31):
  "加快推进各级各部门非涉密政务信息系统向政务云平台迁移".
- ``xinchuang_rate``: cloud deployments on the domestic 信创 stack / all cloud deployments.
  Target 80 % by 2025-12-31 (indicator 7: 国产化政务云平台部署率达80%).
- ``new_on_cloud_rate``: non-classified, non-retired systems that went live on or after
  2023-01-01 and are on a cloud / all such systems. Target 100 % ("推进新建系统全部上云").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from cloudctl.i18n import Message
from cloudctl.inventory.loader import Inventory
from cloudctl.migration import evidence

PLAN_END = dt.date(2025, 12, 31)
NEW_SYSTEM_SINCE = dt.date(2023, 1, 1)
_EPSILON = 1e-9  # a ratio equal to its target up to float noise meets it


def judge(value: float | None, target: float) -> tuple[float | None, bool | None]:
    """``(gap, met)`` of a ratio against its target — one definition for `migrate kpis` and the report.

    ``gap`` is the shortfall ``target - value`` while the target is not met, 0 once it is, and
    None without a value (no data is not 0 %).
    """
    if value is None:
        return None, None
    met = value >= target - _EPSILON
    return (0.0 if met else target - value), met


def days_left(deadline: dt.date, today: dt.date) -> int:
    """Days from ``today`` to ``deadline``: negative once the deadline has passed (-334 = 334 days overdue)."""
    return (deadline - today).days


@dataclass(frozen=True)
class Kpi:
    id: str
    title_zh: str
    title_en: str
    numerator: int
    denominator: int
    value: float | None  # None when the denominator is 0
    target: float
    deadline: dt.date
    gap: float | None  # target - value while not met, 0 when met (see judge)
    met: bool | None
    source: str  # "inventory" | "store"
    days_left: int  # days from ``today`` to the deadline (negative: overdue; see days_left)
    notes: tuple[Message, ...] = ()  # caveats a reader must see with the number

    def row(self) -> dict:
        return {
            "id": self.id, "title_zh": self.title_zh, "title_en": self.title_en,
            "numerator": self.numerator, "denominator": self.denominator,
            "value": None if self.value is None else round(self.value, 4),
            "target": self.target, "deadline": self.deadline,
            "gap": None if self.gap is None else round(self.gap, 4),
            "met": self.met, "source": self.source, "days_left": self.days_left,
        }


def _kpi(kid: str, num: int, den: int, target: float, source: str, today: dt.date, notes: tuple[Message, ...] = ()) -> Kpi:
    value = num / den if den else None
    gap, met = judge(value, target)
    title = Message(f"migration.kpi.{kid}")
    return Kpi(
        id=kid, title_zh=title.text("zh"), title_en=title.text("en"), numerator=num, denominator=den, value=value,
        target=target, deadline=PLAN_END, gap=gap, met=met, source=source,
        days_left=days_left(PLAN_END, today), notes=notes,
    )


def kpis(
    inv: Inventory,
    store: object | None = None,
    today: dt.date | None = None,
    *,
    platforms: Mapping[str, str | None] | None = None,
    snapshot: int | None = None,
) -> list[Kpi]:
    """The three migration KPIs, from cloud evidence when ``store`` is given, else from the inventory.

    ``today`` (default: the local date) is what ``days_left`` counts from. ``platforms``: provider
    name -> ``platform:`` of cloudctl.yaml (which clouds are 信创); ``snapshot``: the store as of
    that snapshot (default: its latest data).
    """
    today = today or dt.date.today()
    ev = evidence.collect(store, platforms, snapshot=snapshot)
    source = "store" if ev is not None else "inventory"
    live = [s for s in inv.systems.values() if not _retired(s)]
    open_ = [s for s in live if not s.classified]
    on_cloud = [s for s in open_ if evidence.on_cloud(s, ev)]
    deployed = [s for s in live if evidence.on_cloud(s, ev)]
    xc = [s for s in deployed if evidence.on_xinchuang(s, ev)]
    gaps = evidence.platform_gaps(ev, (s.id for s in deployed if s not in xc))
    xc_notes = (Message("migration.note.platform_unset", {"providers": ", ".join(gaps)}),) if gaps else ()
    new = [s for s in open_ if s.go_live >= NEW_SYSTEM_SINCE]
    new_cloud = [s for s in new if evidence.on_cloud(s, ev)]
    return [
        _kpi("cloud_migration_rate", len(on_cloud), len(open_), 1.0, source, today),
        _kpi("xinchuang_rate", len(xc), len(deployed), 0.80, source, today, xc_notes),
        _kpi("new_on_cloud_rate", len(new_cloud), len(new), 1.0, source, today),
    ]


def _retired(system) -> bool:  # noqa: ANN001
    m = system.migration
    return m is not None and m.state == "retired"
