"""Gather the plan's indicators into a :class:`Report` from the inputs the caller passes in.

Inputs: the inventory (always); optionally the agents' observations (``/metrics`` text or the
Prometheus API, see ``observe.py``), the store of cloud snapshots, and the policy files. Nothing
here reads a config, prints or picks a default path — the CLI and the demo decide those.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cloudctl.i18n import MESSAGES, Message, t
from cloudctl.inventory import Inventory
from cloudctl.migration.kpis import days_left
from cloudctl.report import systems
from cloudctl.report.model import Indicator, Problems, ProviderRow, Report, TrendPoint
from cloudctl.report.network import Network
from cloudctl.report.observe import Observations


def _clouds(store: Any) -> list[ProviderRow]:
    status = {s["provider"]: s for s in store.provider_status()}
    servers: Counter = Counter()
    arm: Counter = Counter()
    for r in store.resources(kind="server"):
        servers[r.provider] += 1
        arm[r.provider] += r.arch == "aarch64"
    return [
        ProviderRow(p, servers[p], arm[p], bool(status.get(p, {}).get("stale")), status.get(p, {}).get("last_sync"))
        for p in sorted(set(servers) | set(status))
    ]


def _village_trend(obs: Observations, villages: int) -> list[TrendPoint]:
    """The city's village rate over time: only the instants at which the agents' villages add up to
    the inventory's (a shard that was not scraped leaves a gap, not a dip or a partial rate)."""
    counted = dict(obs.trends.get("villages_counted", ()))
    out = []
    for ts, connected in obs.trends.get("villages_connected", ()):
        if villages and counted.get(ts) == villages:
            out.append(TrendPoint(dt.datetime.fromtimestamp(ts, dt.timezone.utc), connected / villages))
    return out


def _titles(ind: Indicator) -> None:
    """Every indicator carries its title in both languages (JSON readers get them, not nulls)."""
    key = f"report.ind.{ind.id}"
    if key in MESSAGES:
        ind.title_zh, ind.title_en = t(key, "zh"), t(key, "en")


def build_report(
    inv: Inventory,
    *,
    observations: Observations | None = None,
    store: Any = None,
    policy_paths: list[Path] | None = None,
    now: dt.datetime | None = None,
    today: dt.date | None = None,
    top: int = 10,
    platforms: Mapping[str, str | None] | None = None,
) -> Report:
    """The report for ``now`` (default: the current time). ``today`` (default: the local date of
    ``now``, as ``migrate kpis`` and ``policy check`` count) decides days to the deadline, effective
    dates and waivers. ``top`` bounds the problem lists. ``platforms``: provider name ->
    ``platform:`` of cloudctl.yaml (which clouds are 信创)."""
    now = now or dt.datetime.now(dt.timezone.utc)
    today = today or now.astimezone().date()
    net = Network(inv, observations)
    cloud, notes = systems.system_kpis(inv, store, today, platforms)
    indicators = [net.village_access(), net.ipv6_share(), net.backbone_gigabit(), *cloud]
    for ind in indicators:
        ind.days_left = None if ind.deadline is None else days_left(ind.deadline, today)
        _titles(ind)

    sources = {"inventory": str(inv.root)}
    if observations is None:
        notes.insert(0, Message("report.note.no_metrics"))
    else:
        sources[observations.source] = observations.origin
        cov = net.coverage()
        assert cov is not None
        if not cov.complete:
            missing = "、".join(inv.sites[c].name for c in cov.counties_missing) or "—"
            notes.insert(0, Message("report.note.partial_metrics", {
                "reporting": cov.counties_reporting, "counties": cov.counties, "observed": cov.nodes_observed,
                "nodes": cov.nodes, "missing": missing}))
        sources["nodes_observed"] = f"{cov.nodes_observed}/{cov.nodes}"
    if store is not None:
        sources["store"] = str(getattr(store, "path", "store"))

    down = net.nodes_down(now)
    gaps = net.villages_unconnected()
    problems = Problems(
        nodes_down_total=None if observations is None else len(down),
        nodes_down=down[:top],
        nodes_unknown_total=None if observations is None else sum(1 for n in inv.nodes if not net.observed(n)),
        villages_unconnected_total=len(gaps),
        villages_unconnected=gaps[:top],
        villages_unknown_total=sum(1 for v in net.villages if net.connected(v.id) is None),
    )
    if policy_paths is not None:
        found = systems.violations(policy_paths, inv, store, today, platforms)
        sources["policies"] = ", ".join(str(p) for p in policy_paths)
        counts = Counter(v.severity for v in found)
        problems.violations_by_severity = {s: counts[s] for s in systems.SEVERITIES}
        problems.violations = found[:top]

    trends = {}
    if observations is not None:
        village = _village_trend(observations, len(net.villages))
        if village:
            trends["village_access"] = village
    if store is not None:
        trends.update(systems.monthly_trends(inv, store, today, platforms))

    return Report(
        generated_at=now,
        today=today,
        sources=sources,
        indicators=indicators,
        counties=net.county_rows(systems.county_systems(inv, store)),
        waves=systems.waves(inv, store),
        problems=problems,
        trends=trends,
        reporting=net.coverage(),
        clouds=_clouds(store) if store is not None else [],
        notes=notes,
    )
