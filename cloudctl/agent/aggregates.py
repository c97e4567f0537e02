"""The plan's network indicators, computed from the inventory scope and the last poll results.

- coverage: a site is connected when any of its nodes is up; village coverage is indicator 5
  (行政村电子政务外网接入率);
- IPv6 ratio: IPv6-enabled nodes / nodes polled up;
- gigabit backbone: county core nodes whose uplink is ≥ 1 Gbit/s / county core nodes whose
  uplink speed is known (polled up at least once).

Every figure is per county (county site id) and for ``county="all"``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from cloudctl.agent.scope import LEVELS, Scope
from cloudctl.agent.state import NodeResult

ALL = "all"
GIGABIT_MBPS = 1000


@dataclass
class Ratio:
    num: int = 0
    den: int = 0


@dataclass
class Aggregates:
    sites: dict[tuple[str, str], Ratio] = field(default_factory=dict)  # (level, county) -> connected/total
    ipv6: dict[str, Ratio] = field(default_factory=dict)  # county -> enabled/up
    gigabit: dict[str, Ratio] = field(default_factory=dict)  # county -> gigabit/known


def compute(scope: Scope, results: dict[str, NodeResult]) -> Aggregates:
    agg = Aggregates()
    sites: dict[tuple[str, str], Ratio] = defaultdict(Ratio)
    for level in LEVELS:  # totals of 0 are reported too, so a county with no villages is visible
        sites[(level, ALL)]
    for sid, site in scope.sites.items():
        connected = any((r := results.get(n)) is not None and r.up for n in scope.site_nodes.get(sid, ()))
        for county in (site.county, ALL):
            ratio = sites[(site.level, county)]
            ratio.den += 1
            ratio.num += connected
    ipv6: dict[str, Ratio] = defaultdict(Ratio)
    gigabit: dict[str, Ratio] = defaultdict(Ratio)
    for nid, info in scope.nodes.items():
        r = results.get(nid)
        if r is None:
            continue
        if r.up and r.static is not None:
            for county in (info.county, ALL):
                ipv6[county].den += 1
                ipv6[county].num += r.static.ipv6_enabled
        if info.role == "core" and info.level == "county" and r.uplink_speed_mbps is not None:
            for county in (info.county, ALL):
                gigabit[county].den += 1
                gigabit[county].num += r.uplink_speed_mbps >= GIGABIT_MBPS
    agg.sites, agg.ipv6, agg.gigabit = dict(sites), dict(ipv6), dict(gigabit)
    return agg
