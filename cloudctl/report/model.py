"""The report's numbers as plain dataclasses: what ``-o json``, the terminal and the HTML all show.

Ratios are fractions in 0..1; ``None`` means "no data" (for example IPv6 without agent metrics),
never zero. Text is not stored here: titles and labels come from the message catalog
(``cloudctl/i18n/catalog_report.py``) when a renderer shows a field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from cloudctl.i18n import Message
from cloudctl.migration import WaveProgress  # the waves table is the one `cloudctl migrate waves` shows
from cloudctl.migration.kpis import judge

# Where a number came from (catalog key ``report.source.<name>``).
SOURCES = ("metrics", "prometheus", "inventory", "inventory_planned", "store", "none")


@dataclass
class Coverage:
    """What the agents' data covers: counties whose every node some agent reports on, and nodes.

    A node no agent reports on is unknown, not down; a figure that needs it is not computed.
    """

    counties_reporting: int
    counties: int
    nodes_observed: int
    nodes: int
    counties_missing: list[str] = field(default_factory=list)  # county ids not fully reported on

    @property
    def complete(self) -> bool:
        return self.nodes_observed == self.nodes


@dataclass
class Indicator:
    """One plan indicator: value against target and deadline.

    ``gap`` is ``target - value`` when the target is not met (the shortfall, in the ratio's
    units), 0 when met, None without data — the same definition as ``cloudctl migrate kpis``
    (:func:`cloudctl.migration.kpis.judge`). ``days_left`` counts from the report's day to the
    deadline, negative once it has passed, like ``migrate kpis``.
    """

    id: str
    numerator: int | None
    denominator: int | None
    value: float | None
    target: float
    deadline: dt.date | None
    source: str
    plan_ref: int | None = None  # the plan's indicator number (指标N), when it has one
    # Titles for indicators defined elsewhere (cloudctl.migration); the report's own come from
    # the catalog key ``report.ind.<id>``.
    title_zh: str | None = None
    title_en: str | None = None
    gap: float | None = None
    met: bool | None = None
    days_left: int | None = None  # set by build_report for the report's day
    reporting: Coverage | None = None  # with agent data: what it covers (value None when it misses inputs)

    def __post_init__(self) -> None:
        self.gap, self.met = judge(self.value, self.target)


@dataclass
class CountyRow:
    """One of the 13 county-level areas (县/市/区)."""

    county: str
    name: str
    pinyin: str | None  # for English readers, when the inventory has it
    villages: int
    villages_connected: int | None  # None: some village's nodes are not reported on (unknown)
    coverage: float | None
    nodes: int
    nodes_up: int | None  # None without observations, or when not every node is reported on
    ipv6_nodes: int | None  # IPv6-enabled nodes among ...
    ipv6_known: int | None  # ... the nodes up (whose IPv6 state is known)
    ipv6_ratio: float | None
    core_uplink_mbps: int | None  # the slowest core node's uplink (observed, else expected)
    gigabit: bool | None
    systems: int  # non-classified, not retired county systems
    systems_on_cloud: int
    migration_ratio: float | None
    nodes_observed: int | None = None  # nodes some agent reports on (None without observations)


@dataclass
class NodeDown:
    node: str
    site: str
    county: str  # county name
    role: str
    last_success: dt.datetime | None  # None: never answered
    down_seconds: float | None  # None: never answered


@dataclass
class VillageGap:
    """A village (行政村) not on the extranet, and why (``no_node`` or ``node_down``)."""

    village: str
    name: str
    township: str
    county: str
    reason: str


@dataclass
class Violation:
    policy_id: str
    severity: str
    title_zh: str
    title_en: str
    record_id: str
    location: str
    message: str


@dataclass
class Problems:
    """The top problems: what a manager asks about first."""

    nodes_down_total: int | None = None  # None: no observations
    nodes_down: list[NodeDown] = field(default_factory=list)
    nodes_unknown_total: int | None = None  # nodes no agent reports on (None: no observations)
    villages_unconnected_total: int = 0
    villages_unknown_total: int = 0  # villages whose nodes no agent reports on (neither connected nor not)
    villages_unconnected: list[VillageGap] = field(default_factory=list)
    violations_by_severity: dict[str, int] | None = None  # None: policy check not run
    violations: list[Violation] = field(default_factory=list)


@dataclass
class TrendPoint:
    """One point of a trend: the village rate from Prometheus, or a migration KPI at the last
    snapshot of a month (``month``, the counts and the snapshot id then)."""

    at: dt.datetime
    value: float | None
    month: str | None = None  # YYYY-MM, for the monthly migration trends
    numerator: int | None = None
    denominator: int | None = None
    snapshot: int | None = None


@dataclass
class ProviderRow:
    """Cloud resources seen in the store, per provider."""

    provider: str
    servers: int
    aarch64: int
    stale: bool
    synced_at: str | None


@dataclass
class Report:
    generated_at: dt.datetime
    today: dt.date
    sources: dict[str, str]  # what was read: inventory, metrics/prometheus, store, policies
    indicators: list[Indicator]
    counties: list[CountyRow]
    waves: list[WaveProgress]
    problems: Problems
    # indicator id -> points: village_access (Prometheus), cloud_migration and xinchuang (month by
    # month from the store's snapshots)
    trends: dict[str, list[TrendPoint]] = field(default_factory=dict)
    reporting: Coverage | None = None  # what the agents' data covers (None without agent data)
    clouds: list[ProviderRow] = field(default_factory=list)
    notes: list[Message] = field(default_factory=list)  # caveats, put into words by the renderer

    def indicator(self, ident: str) -> Indicator:
        return next(i for i in self.indicators if i.id == ident)

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        """Plain data for ``-o json`` (dates as ISO strings; notes as ``{id, text}`` in ``lang``)."""
        data = _plain(asdict(self))
        data["notes"] = [{"id": n.key.rsplit(".", 1)[-1], "text": n.text(lang)} for n in self.notes]
        return data


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 6)
    return value
