"""Optional migration metrics (上云迁移): systems by state and provider, and the plan's KPIs.

Enabled by ``migration:`` in agent.yaml. The figures come from :mod:`cloudctl.migration` over
the inventory's systems and, when ``migration.store`` is set, the cloud evidence of the store
that ``cloudctl sync`` writes (re-read at every scrape, so a sync shows without a reload).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from cloudctl.errors import StoreError
from cloudctl.inventory.loader import Inventory

if TYPE_CHECKING:  # pragma: no cover
    from cloudctl.store.url import StoreURL

log = logging.getLogger("cloudctl.agent")


def systems_only(inv: Inventory) -> Inventory:
    """A copy holding what the KPIs read (systems, tenants, waves), not the nodes and sites."""
    return Inventory(inv.root, systems=dict(inv.systems), tenants=dict(inv.tenants), waves=dict(inv.waves))


class MigrationCollector(Collector):
    def __init__(self, inv: Inventory, store: "StoreURL | Path | None", platforms: Mapping[str, str] | None = None) -> None:
        self._inv = inv
        self._store_path = store  # a path or a parsed store URL (SQLite or PostgreSQL)
        self._platforms = dict(platforms or {})  # provider -> platform (which clouds are 信创)
        self._said: set[str] = set()  # caveats already logged (once each, not on every scrape)

    def describe(self) -> list[Metric]:
        return []

    def _open_store(self):  # noqa: ANN202 - a cloudctl.store.Store or None
        if self._store_path is None:
            return None
        from cloudctl.store import Store

        try:
            return Store.open(self._store_path)
        except StoreError as exc:
            log.warning("migration metrics from the inventory only: %s", exc)
            return None

    def collect(self) -> Iterator[Metric]:
        from cloudctl.migration import evidence, kpis, state_of

        store = self._open_store()
        try:
            figures = kpis(self._inv, store, platforms=self._platforms)
        finally:
            if store is not None:
                store.close()
        for note in (n.text("en") for k in figures for n in k.notes):
            if note not in self._said:
                self._said.add(note)
                log.warning("migration metrics: %s (set migration.platforms in the agent config)", note)
        counts = Counter((state_of(s), evidence.planned_provider(s) or "") for s in self._inv.systems.values())
        systems = GaugeMetricFamily("egov_migration_systems", "Government information systems by migration state and (target) provider", labels=["state", "provider"])
        for (state, provider), n in sorted(counts.items()):
            systems.add_metric([state, provider], n)
        ratio = GaugeMetricFamily("egov_migration_kpi_ratio", "The plan's migration KPIs (source: store evidence or inventory)", labels=["kpi", "source"])
        target = GaugeMetricFamily("egov_migration_kpi_target_ratio", "Targets of the migration KPIs", labels=["kpi"])
        for k in figures:
            if k.value is not None:
                ratio.add_metric([k.id, k.source], k.value)
            target.add_metric([k.id], k.target)
        yield from (systems, ratio, target)
