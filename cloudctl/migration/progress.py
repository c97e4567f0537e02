"""Migration progress: per wave (迁移批次) and planned vs actual per county/department/wave/provider."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass

from cloudctl.errors import UsageError
from cloudctl.inventory.loader import Inventory
from cloudctl.inventory.schema import System
from cloudctl.migration import evidence

DONE = frozenset({"migrated", "retired", "retained_on_prem"})
IN_PROGRESS = frozenset({"preparing", "migrating"})
GROUPINGS = ("county", "department", "wave", "provider")


@dataclass(frozen=True)
class WaveProgress:
    id: str
    name: str
    start: dt.date
    end: dt.date
    status: str
    total: int
    migrated: int
    in_progress: int
    remaining: int  # total minus systems in a final state (migrated, retired, retained_on_prem)
    verified: int | None = None  # migrated systems with a live server on their planned provider (None: no store)

    def row(self) -> dict:
        return asdict(self)


def state_of(system: System) -> str:
    """The migration state. Without a migration block: 'migrated' when on the cloud, 'retained_on_prem'
    for a classified (涉密) system (it never moves), else 'planned'."""
    if system.migration is not None:
        return system.migration.state
    if system.deployment == "cloud":
        return "migrated"
    return "retained_on_prem" if system.classified else "planned"


def wave_progress(inv: Inventory, store: object | None = None) -> list[WaveProgress]:
    """Progress of every wave, in start-date order."""
    ev = evidence.collect(store)
    members: dict[str, list[System]] = defaultdict(list)
    for s in inv.systems.values():
        if s.migration is not None and s.migration.wave:
            members[s.migration.wave].append(s)
    out = []
    for w in sorted(inv.waves.values(), key=lambda w: (w.start, w.id)):
        states = Counter(state_of(s) for s in members[w.id])
        total = len(members[w.id])
        migrated = states["migrated"]
        verified = None
        if ev is not None:
            verified = sum(1 for s in members[w.id] if state_of(s) == "migrated" and evidence.on_planned_provider(s, ev))
        out.append(WaveProgress(
            w.id, w.name, w.start, w.end, w.status, total, migrated,
            sum(states[k] for k in IN_PROGRESS),
            total - sum(states[k] for k in DONE), verified,
        ))
    return out


def _group_keys(inv: Inventory, s: System, by: str, ev: evidence.Evidence | None) -> str:
    if by == "county":
        if s.county is None:
            return "city"
        site = inv.sites.get(s.county)
        return f"{s.county} {site.name}" if site else s.county
    if by == "department":
        return s.department
    if by == "wave":
        return (s.migration.wave if s.migration and s.migration.wave else "-")
    return evidence.planned_provider(s) or "-"


def status(inv: Inventory, store: object | None = None, by: str = "county") -> list[dict]:
    """Planned vs actual per group.

    ``planned_cloud``: non-classified systems that are meant to be on a cloud (not retired, not
    retained on premises); ``on_cloud``: those actually on a cloud (store evidence when a store is
    given); ``rate`` = on_cloud / planned_cloud. State columns count systems per migration state.
    """
    if by not in GROUPINGS:
        raise UsageError(f"cannot group by '{by}'", hint="use one of: " + ", ".join(GROUPINGS))
    ev = evidence.collect(store)
    groups: dict[str, Counter] = defaultdict(Counter)
    for s in inv.systems.values():
        g = groups[_group_keys(inv, s, by, ev)]
        st = state_of(s)
        g["systems"] += 1
        g[st] += 1
        if not s.classified and st not in ("retired", "retained_on_prem"):
            g["planned_cloud"] += 1
            if evidence.on_cloud(s, ev):
                g["on_cloud"] += 1
        if by == "provider" and evidence.on_planned_provider(s, ev):
            g["on_planned_provider"] += 1
    rows = []
    for key in sorted(groups):
        c = groups[key]
        row = {
            by: key, "systems": c["systems"], "planned_cloud": c["planned_cloud"], "on_cloud": c["on_cloud"],
            "rate": round(c["on_cloud"] / c["planned_cloud"], 4) if c["planned_cloud"] else None,
            "planned": c["planned"], "preparing": c["preparing"], "migrating": c["migrating"],
            "migrated": c["migrated"], "blocked": c["blocked"],
            "retained_on_prem": c["retained_on_prem"], "retired": c["retired"],
        }
        if by == "provider":
            row["on_planned_provider"] = c["on_planned_provider"]
        row["source"] = "store" if ev is not None else "inventory"
        rows.append(row)
    return rows
