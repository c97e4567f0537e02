"""Records a policy is evaluated on: flat dicts holding only the fields the policies name.

Built once per resource kind per check; derived fields (a system's servers, a node's SNMP
profile, a county's core uplink) are computed here from the inventory, the store evidence and
the repository's config files.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cloudctl.errors import Location
from cloudctl.inventory.loader import Inventory
from cloudctl.migration import evidence as ev_mod
from cloudctl.model import KINDS as CLOUD_KINDS
from cloudctl.policy.repo_files import RepoFiles


@dataclass
class Row:
    """The records of one kind: their field dicts, ids, names and where each is defined."""

    rows: list[dict[str, Any]]
    locate: Callable[[str], Location]
    name: Callable[[str], str]


def _get(obj: Any, name: str) -> Any:
    if name.startswith("migration."):
        m = obj.migration
        sub = name[len("migration."):]
        if m is None:
            return None
        return len(m.history) if sub == "history_count" else getattr(m, sub)
    return getattr(obj, name)


@dataclass
class Sources:
    """Everything records are built from. ``store`` and ``repo`` are optional."""

    inv: Inventory
    store: Any = None
    repo: RepoFiles | None = None
    platforms: dict[str, str | None] = field(default_factory=dict)  # provider -> platform (cloudctl.yaml)
    _evidence: Any = field(default=None, repr=False)
    _cloud: dict[str, list] = field(default_factory=dict, repr=False)

    @property
    def evidence(self) -> ev_mod.Evidence | None:
        if self._evidence is None and self.store is not None:
            self._evidence = ev_mod.collect(self.store, self.platforms)
        return self._evidence

    def cloud(self, kind: str) -> list:
        if kind not in self._cloud:
            self._cloud[kind] = list(self.store.resources(kind=kind)) if self.store is not None else []
        return self._cloud[kind]

    def build(self, kind: str, names: set[str]) -> Row:
        """Records of ``kind`` with the fields ``names`` (plus ``id``)."""
        names = set(names) | {"id"}
        if kind == "system":
            return self._systems(names)
        if kind == "node":
            return self._nodes(names)
        if kind == "site":
            return self._sites(names)
        if kind in ("tenant", "wave"):
            table = self.inv.of_kind(kind + "s")
            rows = [{n: getattr(r, n) for n in names} for r in table.values()]
            return Row(rows, self._locator(kind + "s"), lambda rid, t=table: getattr(t[rid], "name", "") or "")
        if kind == "secret":
            secrets = self.repo.secrets if self.repo else []
            by_id = {s.id: s for s in secrets}
            rows = [{**{n: getattr(s, n) for n in names if n != "id"}, "id": s.id} for s in secrets]
            return Row(rows, lambda rid: by_id[rid].location, lambda rid: by_id[rid].key)
        if kind in CLOUD_KINDS:
            return self._cloud_rows(kind, names)
        raise KeyError(kind)

    def _locator(self, kind: str) -> Callable[[str], Location]:
        """``file:line`` of a record (the inventory root when unknown, e.g. records built in memory)."""
        locations, fallback = self.inv.locations, Location(str(self.inv.root))
        return lambda rid: locations.get((kind, rid), fallback)

    def _systems(self, names: set[str]) -> Row:
        inv, ev = self.inv, self.evidence
        plain = [n for n in names if n not in ("cloud_vms", "on_cloud", "on_xinchuang")]
        rows = []
        for s in inv.systems.values():
            r = {n: _get(s, n) for n in plain}
            if "cloud_vms" in names:
                r["cloud_vms"] = len(ev.servers.get(s.id, ())) if ev is not None else None
            if "on_cloud" in names:
                r["on_cloud"] = ev_mod.on_cloud(s, ev)
            if "on_xinchuang" in names:
                r["on_xinchuang"] = ev_mod.on_xinchuang(s, ev)
            rows.append(r)
        return Row(rows, self._locator("systems"), lambda rid: inv.systems[rid].name)

    def _nodes(self, names: set[str]) -> Row:
        inv, repo = self.inv, self.repo or RepoFiles([], [])
        cities = {s.id for s in inv.sites.values() if s.level == "city"}
        snmp = {"snmp_version", "snmp_community", "snmp_community_ref", "snmp_profile_defined", "snmp_auth_protocol", "snmp_priv_protocol"}
        derived = {"county", "site_level"} | snmp
        plain = [n for n in names if n not in derived]
        rows = []
        for n in inv.nodes.values():
            r = {k: getattr(n, k) for k in plain}
            if "county" in names:
                r["county"] = inv.county_of(n.site)
            if "site_level" in names:
                site = inv.sites.get(n.site)
                r["site_level"] = site.level if site else None
            if names & snmp:
                # the agents polling a node are chosen by its county (the city's id for city nodes)
                prof = repo.profile(n.snmp, inv.county_of(n.site) or (n.site if n.site in cities else ""))
                r["snmp_version"], r["snmp_community"], r["snmp_profile_defined"] = prof.version, prof.community, prof.defined
                r["snmp_community_ref"] = prof.community_ref
                r["snmp_auth_protocol"], r["snmp_priv_protocol"] = prof.auth_protocol, prof.priv_protocol
            rows.append(r)
        return Row(rows, self._locator("nodes"), lambda rid: inv.nodes[rid].site)

    def _sites(self, names: set[str]) -> Row:
        inv = self.inv
        core_count: dict[str, int] = defaultdict(int)
        core_max: dict[str, int] = {}
        if names & {"core_nodes", "core_uplink_max_mbps"}:
            for n in inv.nodes.values():
                if n.role != "core":
                    continue
                # a core node counts for its own site and every site above it
                cur: str | None = n.site
                for _ in range(8):
                    if cur is None or cur not in inv.sites:
                        break
                    core_count[cur] += 1
                    core_max[cur] = max(core_max.get(cur, 0), n.uplink_mbps)
                    cur = inv.sites[cur].parent
        derived = {"county", "core_nodes", "core_uplink_max_mbps"}
        plain = [n for n in names if n not in derived]
        rows = []
        for s in inv.sites.values():
            r = {k: getattr(s, k) for k in plain}
            r["county"] = inv.county_of(s.id)
            r["core_nodes"] = core_count.get(s.id, 0)
            r["core_uplink_max_mbps"] = core_max.get(s.id)
            rows.append(r)
        return Row(rows, self._locator("sites"), lambda rid: inv.sites[rid].name)

    def _cloud_rows(self, kind: str, names: set[str]) -> Row:
        resources = self.cloud(kind)
        by_id = {}
        rows = []
        for res in resources:
            rid = f"{res.provider}/{res.id}"
            by_id[rid] = res
            r: dict[str, Any] = {}
            for n in names:
                if n == "system_known":
                    r[n] = res.system is not None and res.system in self.inv.systems
                elif n.startswith("extra."):
                    r[n] = res.extra.get(n[6:])
                else:
                    r[n] = getattr(res, n)
            r["id"] = rid
            rows.append(r)
        return Row(rows, lambda rid: Location(f"store:{kind}/{rid}"), lambda rid: by_id[rid].name)
