"""Look-ups in the inventory of record for people on call: which node serves this village, its
address and SNMP profile, who owns this system (``cloudctl inventory ls|show``).

Records become flat rows: the record's own fields plus where it is (county, township and village
ids and names), so one ``--where`` or ``--columns`` vocabulary serves every kind. Nothing here
prints or exits; bad input is a :class:`~cloudctl.errors.UsageError` naming the valid choices.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cloudctl.errors import UsageError
from cloudctl.i18n import t
from cloudctl.inventory.address import parse_address
from cloudctl.inventory.loader import Inventory

KINDS = ("nodes", "sites", "systems", "tenants", "waves")
_ALIASES = {k[:-1]: k for k in KINDS}
ROLES = ("core", "aggregation", "access")

# Which of the shortcut filters apply to which kind (--where works on every field of every kind).
FILTERS = {
    "nodes": ("county", "township", "role"),
    "sites": ("county", "township"),
    "systems": ("county",),
    "tenants": (),
    "waves": (),
}
DEFAULT_COLUMNS = {
    "nodes": ["id", "role", "address", "snmp", "site_name", "township_name", "county_name", "vendor", "model", "uplink_mbps"],
    "sites": ["id", "name", "level", "township_name", "county_name", "nodes"],
    "systems": ["id", "name", "department", "county_name", "deployment", "provider", "project", "migration_state", "wave"],
    "tenants": ["id", "department", "provider", "project", "systems"],
    "waves": ["id", "name", "start", "end", "status", "systems"],
}


def kind_of(name: str) -> str:
    """``nodes`` for ``node``/``nodes`` (any case); a usage error naming the kinds otherwise."""
    low = name.lower()
    kind = _ALIASES.get(low, low)
    if kind not in KINDS:
        raise UsageError(t("inventory.err.kind", kind=name), hint=_choices(name, KINDS, "inventory.hint.kinds"))
    return kind


def _choices(given: str, valid: Sequence[str], key: str) -> str:
    """"did you mean 'snmp'? fields: ..." — the closest valid name first, then all of them."""
    close = difflib.get_close_matches(given, list(valid), n=1)
    lead = t("inventory.hint.did_you_mean", close=repr(close[0])) if close else ""
    return lead + ("" if not lead or lead.endswith("？") else " ") + t(key, choices=", ".join(valid))


@dataclass(frozen=True)
class Filters:
    county: str | None = None  # county site id or name (离石区); the city's id for city-level records
    township: str | None = None  # township site id or name
    role: str | None = None  # nodes: core | aggregation | access
    where: tuple[tuple[str, str], ...] = ()  # (field, value): exact match on the row's text


class _Places:
    """Names and ancestors of sites, computed once."""

    def __init__(self, inv: Inventory) -> None:
        self.inv = inv

    def name(self, site_id: str | None) -> str | None:
        site = self.inv.sites.get(site_id or "")
        return site.name if site else None

    def of(self, site_id: str) -> dict[str, Any]:
        inv = self.inv
        site = inv.sites.get(site_id)
        county, township = inv.county_of(site_id), inv.township_of(site_id)
        village = site_id if site is not None and site.level == "village" else None
        return {
            "county": county, "county_name": self.name(county),
            "township": township, "township_name": self.name(township),
            "village": village, "village_name": self.name(village),
        }


def rows(inv: Inventory, kind: str) -> list[dict[str, Any]]:
    """Every record of ``kind`` as a flat row (record fields + place fields + counts)."""
    places = _Places(inv)
    if kind == "nodes":
        out = []
        for n in inv.nodes.values():
            addr = parse_address(n.address)
            site = inv.sites.get(n.site)
            out.append({
                "id": n.id, "role": n.role, "address": n.address, "host": addr.host, "port": addr.port, "snmp": n.snmp,
                "site": n.site, "site_name": places.name(n.site), "site_level": site.level if site else None,
                **places.of(n.site),
                "vendor": n.vendor, "model": n.model, "uplink_mbps": n.uplink_mbps, "uplink_interface": n.uplink_interface,
            })
        return out
    if kind == "sites":
        at: dict[str, list[str]] = {}
        for n in inv.nodes.values():
            at.setdefault(n.site, []).append(n.id)
        return [
            {"id": s.id, "name": s.name, "level": s.level, "parent": s.parent, "parent_name": places.name(s.parent),
             **{k: v for k, v in places.of(s.id).items() if k not in ("village", "village_name")},
             "pinyin": s.pinyin, "division_code": s.division_code, "synthetic": s.synthetic, "nodes": sorted(at.get(s.id, []))}
            for s in inv.sites.values()
        ]
    if kind == "systems":
        out = []
        for s in inv.systems.values():
            m = s.migration
            tenant = inv.tenants.get(s.tenant or "")
            out.append({
                "id": s.id, "name": s.name, "department": s.department, "county": s.county, "county_name": places.name(s.county),
                "classified": s.classified, "mlps_level": s.mlps_level, "deployment": s.deployment, "provider": s.provider,
                "tenant": s.tenant, "project": tenant.project if tenant else None, "xinchuang": s.xinchuang, "network": s.network,
                "go_live": s.go_live, "dr_backup": s.dr_backup,
                "migration_state": m.state if m else None, "wave": m.wave if m else None, "strategy": m.strategy if m else None,
                "target_provider": m.target_provider if m else None, "target_tenant": m.target_tenant if m else None,
            })
        return out
    if kind == "tenants":
        using: dict[str, list[str]] = {}
        for s in inv.systems.values():
            for t in {s.tenant, s.migration.target_tenant if s.migration else None} - {None}:
                using.setdefault(t, []).append(s.id)  # type: ignore[arg-type]
        return [{"id": t.id, "department": t.department, "provider": t.provider, "project": t.project,
                 "systems": sorted(using.get(t.id, []))} for t in inv.tenants.values()]
    members: dict[str, list[str]] = {}
    for s in inv.systems.values():
        if s.migration is not None and s.migration.wave:
            members.setdefault(s.migration.wave, []).append(s.id)
    return [{"id": w.id, "name": w.name, "start": w.start, "end": w.end, "status": w.status, "systems": sorted(members.get(w.id, []))}
            for w in inv.waves.values()]


def fields(inv: Inventory, kind: str) -> list[str]:
    """The column names of ``kind`` (for --columns and --where)."""
    sample = rows(inv, kind)[:1]
    if sample:
        return list(sample[0])
    return list(DEFAULT_COLUMNS[kind])


def text(value: Any) -> str:
    """A cell as --where compares it: true/false, lists joined by commas, '' for none."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(text(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _site_ids(inv: Inventory, given: str, level: str, option: str) -> set[str]:
    """Site ids of ``level`` named ``given`` (an id, or a Chinese name, which may repeat)."""
    candidates = [s for s in inv.sites.values() if s.level == level or (level == "county" and s.level == "city")]
    found = {s.id for s in candidates if given in (s.id, s.name)}
    if not found:
        names = [s.id for s in candidates if s.level == level]
        raise UsageError(t("inventory.err.site", option=option, given=given, level=t(f"inventory.level.{level}")),
                         hint=_choices(given, names, "inventory.hint.kinds") if len(names) <= 30 else t("inventory.hint.site_list", level=level))
    return found


def select(inv: Inventory, kind: str, filters: Filters) -> list[dict[str, Any]]:
    """The rows of ``kind`` that pass every filter. A filter that does not apply to ``kind``, an
    unknown field or an unknown value is a usage error (never an empty list)."""
    allowed = FILTERS[kind]
    for name in ("county", "township", "role"):
        if getattr(filters, name) is not None and name not in allowed:
            names = ", ".join("--" + a for a in allowed) or t("inventory.none")
            raise UsageError(t("inventory.err.filter_kind", option=name, kind=kind), hint=t("inventory.hint.filters", kind=kind, filters=names))
    out = rows(inv, kind)
    valid = list(out[0]) if out else list(DEFAULT_COLUMNS[kind])
    if filters.county is not None:
        ids = _site_ids(inv, filters.county, "county", "--county")
        city = any(inv.sites[i].level == "city" for i in ids)  # --county lvliang: the city-level records
        out = [r for r in out if r["county"] in ids or (city and r["county"] is None)]
    if filters.township is not None:
        ids = _site_ids(inv, filters.township, "township", "--township")
        out = [r for r in out if r["township"] in ids]
    if filters.role is not None:
        if filters.role not in ROLES:
            raise UsageError(t("inventory.err.role", role=filters.role), hint=_choices(filters.role, ROLES, "inventory.hint.kinds"))
        out = [r for r in out if r["role"] == filters.role]
    if filters.where:
        for key, _ in filters.where:
            if key not in valid:
                raise UsageError(t("inventory.err.field", field=key, kind=kind), hint=_choices(key, valid, "inventory.hint.fields"))
        out = [r for r in out if all(text(r.get(k)) == v for k, v in filters.where)]
    return out


def check_columns(inv: Inventory, kind: str, columns: Iterable[str]) -> list[str]:
    cols = list(columns)
    valid = fields(inv, kind)
    for c in cols:
        if c not in valid:
            raise UsageError(t("inventory.err.column", kind=kind, column=c), hint=_choices(c, valid, "inventory.hint.fields"))
    return cols


def parse_where(items: Iterable[str]) -> tuple[tuple[str, str], ...]:
    out = []
    for item in items:
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise UsageError(t("inventory.err.where", item=item), hint=t("inventory.hint.where"))
        out.append((key.strip(), value))
    return tuple(out)


def record(inv: Inventory, kind: str, rid: str, profile: Any = None) -> dict[str, Any]:
    """One record with what an on-call engineer asks next: for a node, its upstream node and the
    SNMP profile as the agents polling it define it (``profile(name, area)`` from
    :mod:`cloudctl.policy.repo_files`, when given); for a site, the nodes serving it; for a system,
    its tenant's project; for a tenant or wave, its systems."""
    table = {r["id"]: r for r in rows(inv, kind)}
    row = table.get(rid)
    if row is None:
        close = difflib.get_close_matches(rid, list(table), n=3)
        hint = (t("inventory.hint.did_you_mean", close=", ".join(close)) + " " if close else "") + t("inventory.hint.record", kind=kind)
        raise UsageError(t("inventory.err.record", kind=kind[:-1], id=rid, root=inv.root), hint=hint)
    row = dict(row)
    if kind == "nodes":
        node = inv.nodes[rid]
        up = [u for u in _upstream(inv, node.site, node.role) if u.id != rid]
        row["upstream"] = [f"{u.id} ({u.address})" for u in up]
        if profile is not None:
            cities = {s.id for s in inv.sites.values() if s.level == "city"}
            p = profile(node.snmp, inv.county_of(node.site) or (node.site if node.site in cities else ""))
            row["snmp_version"] = p.version
            row["snmp_defined_in"] = getattr(p, "config", "") or None
        row["location"] = str(inv.location("nodes", rid))
    elif kind == "sites":
        row["node_addresses"] = [f"{n} ({inv.nodes[n].address}, {inv.nodes[n].role})" for n in row["nodes"]]
        row["location"] = str(inv.location("sites", rid))
    else:
        row["location"] = str(inv.location(kind, rid))
    return row


def _upstream(inv: Inventory, site_id: str, role: str) -> list[Any]:
    """The node(s) one level up: an access node's township aggregation, an aggregation node's
    county core, a county core's city core."""
    level = {"access": "township", "aggregation": "county", "core": "city"}[role]
    want = "core" if level in ("county", "city") else "aggregation"
    cur: str | None = site_id
    for _ in range(8):
        site = inv.sites.get(cur or "")
        if site is None:
            return []
        if site.level == level:
            return [n for n in inv.nodes.values() if n.site == site.id and n.role == want]
        cur = site.parent
    return []
