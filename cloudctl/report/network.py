"""The extranet (一张网) numbers: village access, IPv6, gigabit backbone, per-county rows, nodes down.

Inputs are the inventory and, optionally, the agents' observations. The definitions are the
agent's (``cloudctl/agent/aggregates.py``), so the report and the dashboards agree:

- a site is connected when any of its nodes is up (village rate = plan indicator 5);
- IPv6 share = IPv6-enabled nodes / nodes up (a node that is down has no known IPv6 state);
- gigabit backbone = county core nodes with uplink ≥ 1000 Mbit/s / county core nodes whose
  uplink speed is known.

Without observations the village rate counts villages that have a node in the inventory
(planned nodes), the uplink speeds are the inventory's expected ``uplink_mbps``, and IPv6 has no
source (None).

With observations, a node that no agent reports on (no ``egov_node_up`` series: no agent polls
its county, or its shard is not scraped) is *unknown*, not down. A figure whose inputs include
unknown nodes is not computed (None), for the city and for a county alike, and says what it
covers (:class:`Coverage`): a per-county agent's data is never presented as the city's.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from cloudctl.inventory import Inventory
from cloudctl.report.model import CountyRow, Coverage, Indicator, NodeDown, VillageGap
from cloudctl.report.observe import Observations

GIGABIT_BPS = 1_000_000_000
DEADLINE = dt.date(2025, 12, 31)  # the plan's horizon (到2025年)


class Network:
    """Per-node facts joined with the inventory; computes the extranet indicators."""

    def __init__(self, inv: Inventory, obs: Observations | None) -> None:
        self.inv = inv
        self.obs = obs
        self.nodes_at: dict[str, list[str]] = defaultdict(list)
        for n in inv.nodes.values():
            self.nodes_at[n.site].append(n.id)
        self.villages = [s for s in inv.sites.values() if s.level == "village"]
        self._coverage: Coverage | None = None

    def _name(self, site_id: str | None) -> str:
        site = self.inv.sites.get(site_id or "")
        return site.name if site else ""

    # -- per node ----------------------------------------------------------------------------
    def observed(self, node_id: str) -> bool:
        """Some agent reports on the node (always true without observations: the inventory decides)."""
        return self.obs is None or node_id in self.obs.nodes

    def up(self, node_id: str) -> bool:
        """Observed up (with observations); planned = present (without)."""
        if self.obs is None:
            return True
        o = self.obs.nodes.get(node_id)
        return bool(o and o.up)

    def ipv6(self, node_id: str) -> bool | None:
        """IPv6-enabled, for a node that is up and reported it; None when unknown."""
        if self.obs is None:
            return None
        o = self.obs.nodes.get(node_id)
        if o is None or not o.up or o.ipv6 is None:
            return None
        return o.ipv6

    def uplink_mbps(self, node_id: str) -> int | None:
        """Observed uplink speed; the expected one without observations; None when not observed."""
        if self.obs is None:
            return self.inv.nodes[node_id].uplink_mbps
        o = self.obs.nodes.get(node_id)
        if o is None or o.uplink_bps is None:
            return None
        return int(round(o.uplink_bps / 1_000_000))

    def connected(self, site_id: str) -> bool | None:
        """A site is connected when any of its nodes is up (the agent's definition); None when none is
        up and some node has no agent reporting on it (unknown, not unconnected)."""
        nodes = self.nodes_at.get(site_id, ())
        if any(self.up(n) for n in nodes):
            return True
        return None if any(not self.observed(n) for n in nodes) else False

    # -- coverage ----------------------------------------------------------------------------
    def coverage(self) -> Coverage | None:
        """Which counties and nodes the observations cover; None without observations."""
        if self.obs is None:
            return None
        if self._coverage is None:
            self._coverage = self._compute_coverage()
        return self._coverage

    def _compute_coverage(self) -> Coverage:
        by_county: dict[str, list[str]] = defaultdict(list)
        for n in self.inv.nodes.values():
            by_county[self.inv.county_of(n.site) or ""].append(n.id)
        counties = self.inv.counties()
        reporting = [c.id for c in counties if all(self.observed(n) for n in by_county[c.id])]
        observed = sum(1 for n in self.inv.nodes if self.observed(n))
        return Coverage(len(reporting), len(counties), observed, len(self.inv.nodes),
                        [c.id for c in counties if c.id not in reporting])

    # -- indicators --------------------------------------------------------------------------
    def village_access(self) -> Indicator:
        """行政村电子政务外网接入率 — plan indicator 5, target 100 %."""
        states = [self.connected(v.id) for v in self.villages]
        source = self.obs.source if self.obs else "inventory_planned"
        if None in states:
            return self._not_covered("village_access", source, plan_ref=5)
        ok, total = sum(1 for c in states if c), len(states)
        return Indicator("village_access", ok, total, ok / total if total else None, 1.0, DEADLINE, source, plan_ref=5, reporting=self.coverage())

    def ipv6_share(self) -> Indicator:
        """Share of extranet nodes with a global IPv6 address (IPv6 改造 of the whole extranet)."""
        if self.obs is None:
            return Indicator("ipv6_nodes", None, None, None, 1.0, DEADLINE, "none")
        if not all(self.observed(n) for n in self.inv.nodes):
            return self._not_covered("ipv6_nodes", self.obs.source)
        known = [v for v in (self.ipv6(n) for n in self.inv.nodes) if v is not None]
        ok = sum(known)
        return Indicator("ipv6_nodes", ok, len(known), ok / len(known) if known else None, 1.0, DEADLINE, self.obs.source, reporting=self.coverage())

    def core_nodes(self) -> list[str]:
        return [n.id for n in self.inv.nodes.values() if n.role == "core" and self.inv.sites.get(n.site) is not None and self.inv.sites[n.site].level == "county"]

    def backbone_gigabit(self) -> Indicator:
        """Share of city–county backbone links (county core uplinks) at ≥ 1000 Mbit/s (市县骨干千兆)."""
        source = self.obs.source if self.obs else "inventory"
        if not all(self.observed(n) for n in self.core_nodes()):
            return self._not_covered("backbone_gigabit", source)
        speeds = [s for s in (self.uplink_mbps(n) for n in self.core_nodes()) if s is not None]
        ok = sum(1 for s in speeds if s * 1_000_000 >= GIGABIT_BPS)
        return Indicator("backbone_gigabit", ok, len(speeds), ok / len(speeds) if speeds else None, 1.0, DEADLINE, source, reporting=self.coverage())

    def _not_covered(self, ident: str, source: str, plan_ref: int | None = None) -> Indicator:
        """The city's figure when agent data misses some of its inputs: no value, and what is covered."""
        return Indicator(ident, None, None, None, 1.0, DEADLINE, source, plan_ref=plan_ref, reporting=self.coverage())

    # -- tables ------------------------------------------------------------------------------
    def county_rows(self, systems: dict[str, tuple[int, int]]) -> list[CountyRow]:
        """One row per county; ``systems`` maps county id → (systems, on cloud)."""
        inv = self.inv
        villages: dict[str, list[str]] = defaultdict(list)
        for v in self.villages:
            villages[inv.county_of(v.id) or ""].append(v.id)
        nodes: dict[str, list[str]] = defaultdict(list)
        for n in inv.nodes.values():
            nodes[inv.county_of(n.site) or ""].append(n.id)
        cores: dict[str, list[str]] = defaultdict(list)
        for n in self.core_nodes():
            cores[inv.county_of(inv.nodes[n].site) or ""].append(n)
        rows = []
        for c in inv.counties():
            vs, ns = villages[c.id], nodes[c.id]
            observed = sum(1 for n in ns if self.observed(n))
            n_sys, on_cloud = systems.get(c.id, (0, 0))
            row = CountyRow(
                county=c.id, name=c.name, pinyin=c.pinyin, villages=len(vs), villages_connected=None, coverage=None,
                nodes=len(ns), nodes_up=None, ipv6_nodes=None, ipv6_known=None, ipv6_ratio=None,
                core_uplink_mbps=None, gigabit=None, systems=n_sys, systems_on_cloud=on_cloud,
                migration_ratio=on_cloud / n_sys if n_sys else None,
                nodes_observed=None if self.obs is None else observed,
            )
            if observed == len(ns):  # every node of the county is reported on (or no observations)
                connected = sum(1 for v in vs if self.connected(v))
                v6 = [v for v in (self.ipv6(n) for n in ns) if v is not None]
                known = [s for s in (self.uplink_mbps(n) for n in cores[c.id]) if s is not None]
                row.core_uplink_mbps = min(known) if known else None
                row.gigabit = None if row.core_uplink_mbps is None else row.core_uplink_mbps >= 1000
                row.villages_connected, row.coverage = connected, (connected / len(vs) if vs else None)
                row.ipv6_ratio = sum(v6) / len(v6) if v6 else None
                if self.obs is not None:
                    row.nodes_up = sum(1 for n in ns if self.up(n))
                    row.ipv6_nodes, row.ipv6_known = sum(v6), len(v6)
            rows.append(row)
        return rows

    def nodes_down(self, now: dt.datetime) -> list[NodeDown]:
        """Nodes observed down, longest down first (never answered comes first)."""
        if self.obs is None:
            return []
        out = []
        for n in self.inv.nodes.values():
            if self.up(n.id) or not self.observed(n.id):  # a node no agent reports on is unknown, not down
                continue
            o = self.obs.nodes.get(n.id)
            last = o.last_success if o else None
            out.append(
                NodeDown(
                    node=n.id,
                    site=n.site,
                    county=self._name(self.inv.county_of(n.site)),
                    role=n.role,
                    last_success=dt.datetime.fromtimestamp(last, dt.timezone.utc) if last else None,
                    down_seconds=max(0.0, now.timestamp() - last) if last else None,
                )
            )
        out.sort(key=lambda d: (d.last_success is not None, d.last_success or now, d.node))
        return out

    def villages_unconnected(self) -> list[VillageGap]:
        """Villages known not to be connected (a village whose nodes no agent reports on is unknown)."""
        out = []
        for v in self.villages:
            if self.connected(v.id) is not False:
                continue
            out.append(
                VillageGap(
                    village=v.id,
                    name=v.name,
                    township=self._name(self.inv.township_of(v.id)),
                    county=self._name(self.inv.county_of(v.id)),
                    reason="node_down" if self.nodes_at.get(v.id) else "no_node",
                )
            )
        return out
