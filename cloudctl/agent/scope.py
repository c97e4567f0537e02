"""What one agent is responsible for: its nodes and the sites it counts in coverage.

An agent's scope is the inventory filtered by ``counties`` and cut by ``shard``. Nodes are
sharded on their id. Sites are counted (in ``egov_sites`` / ``egov_sites_connected``)
by exactly one shard — the owner of the site's lowest node id, or of the site id when it has
no node — so sums over shards are exact for totals, and exact for connections whenever a site's
nodes sit in one shard (always for villages, which have one access node; always with the
per-county configs in ``agents/``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cloudctl.agent import shard as sharding
from cloudctl.agent.config import AgentConfig
from cloudctl.agent.state import NodeInfo
from cloudctl.errors import ConfigError, Location, Problem
from cloudctl.inventory.loader import Inventory

LEVELS = ("county", "township", "village")


@dataclass(frozen=True)
class SiteInfo:
    site_id: str
    level: str
    county: str


@dataclass
class Scope:
    nodes: dict[str, NodeInfo] = field(default_factory=dict)
    sites: dict[str, SiteInfo] = field(default_factory=dict)  # sites this shard counts
    site_nodes: dict[str, list[str]] = field(default_factory=dict)  # site -> its nodes in this shard


def build_scope(inv: Inventory, cfg: AgentConfig, config_file: str = "agent.yaml") -> Scope:
    """Filter and shard the inventory. Raises ConfigError for unknown counties or profiles."""
    problems: list[Problem] = []
    cities = {s.id for s in inv.sites.values() if s.level == "city"}
    areas = {s.id for s in inv.counties()} | cities
    wanted = set(cfg.counties) if cfg.counties is not None else None
    if wanted is not None:
        for c in sorted(wanted - areas):
            problems.append(Problem(Location(config_file), f"'{c}' is not a county (or city) site id in the inventory", "use site ids such as " + ", ".join(sorted(areas)[:4]), "counties"))

    def area_of(site_id: str) -> str:
        """County site id; the city's own id for city-level sites (their 'county' label)."""
        return inv.county_of(site_id) or (site_id if site_id in cities else "")

    def in_scope(area: str) -> bool:
        return wanted is None or area in wanted

    by_site: dict[str, list[str]] = {}
    for nid in sorted(inv.nodes):
        by_site.setdefault(inv.nodes[nid].site, []).append(nid)

    scope = Scope()
    for nid, node in inv.nodes.items():
        county = area_of(node.site)
        if not in_scope(county) or not sharding.mine(nid, cfg.shard):
            continue
        if node.snmp not in cfg.profiles:
            problems.append(Problem(inv.field_location("nodes", nid, "snmp"), f"node '{nid}' uses SNMP profile '{node.snmp}', which the agent config does not define", "add it under profiles: in the agent config", f"nodes[{nid}].snmp"))
            continue
        site = inv.sites[node.site]
        scope.nodes[nid] = NodeInfo(nid, node.site, county, inv.township_of(node.site) or "", node.role, site.level)
        scope.site_nodes.setdefault(node.site, []).append(nid)
    for sid, site in inv.sites.items():
        if site.level not in LEVELS:
            continue
        county = area_of(sid)
        if not in_scope(county):
            continue
        key = by_site[sid][0] if sid in by_site else sid
        if sharding.mine(key, cfg.shard):
            scope.sites[sid] = SiteInfo(sid, site.level, county)
    if problems:
        raise ConfigError(problems)
    return scope

