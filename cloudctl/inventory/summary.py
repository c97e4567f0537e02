"""Counts per county, the numbers ``inventory summary`` and the demo show."""

from __future__ import annotations

from collections import Counter

from cloudctl.i18n import t
from cloudctl.inventory.loader import Inventory


def county_summary(inv: Inventory) -> list[dict]:
    """One row per county (plus the city level and a total): sites by level, nodes by role, systems."""
    levels: Counter = Counter()
    roles: Counter = Counter()
    systems: Counter = Counter()
    for s in inv.sites.values():
        levels[(inv.county_of(s.id), s.level)] += 1
    for n in inv.nodes.values():
        roles[(inv.county_of(n.site), n.role)] += 1
    for sy in inv.systems.values():
        systems[sy.county] += 1
    rows = []
    order = [(c.id, c.name) for c in inv.counties()] + [(None, t("inventory.city"))]
    for cid, name in order:
        rows.append(
            {
                "county": cid or "city",
                "name": name,
                "townships": levels[(cid, "township")],
                "villages": levels[(cid, "village")],
                "core": roles[(cid, "core")],
                "aggregation": roles[(cid, "aggregation")],
                "access": roles[(cid, "access")],
                "systems": systems[cid],
            }
        )
    total = {"county": "total", "name": t("inventory.total")}
    for k in ("townships", "villages", "core", "aggregation", "access", "systems"):
        total[k] = sum(r[k] for r in rows)
    rows.append(total)
    return rows
