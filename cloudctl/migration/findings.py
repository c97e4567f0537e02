"""Findings from cloud evidence: where the store and the inventory disagree about migration."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from cloudctl.errors import Location, UsageError
from cloudctl.inventory.loader import Inventory
from cloudctl.migration import evidence
from cloudctl.migration.progress import state_of


@dataclass(frozen=True)
class Finding:
    kind: str  # migrated_without_vm | unknown_system_tag | provider_mismatch
    system: str
    message: str
    location: Location | None = None  # the system's record, when it is in the inventory
    resources: tuple[str, ...] = ()  # "provider/server-id" of the servers concerned

    def row(self) -> dict:
        d = asdict(self)
        d["location"] = str(self.location) if self.location else ""
        d["resources"] = ",".join(self.resources)
        return d


def findings(inv: Inventory, store: object) -> list[Finding]:
    """Every disagreement between the inventory's migration data and the servers in ``store``."""
    ev = evidence.collect(store)
    if ev is None:
        raise UsageError("migration findings need a store", hint="run `cloudctl sync` first or pass --store FILE")
    out: list[Finding] = []
    for s in inv.systems.values():
        servers = ev.servers.get(s.id, [])
        refs = tuple(sorted(f"{r.provider}/{r.id}" for r in servers))
        if state_of(s) == "migrated" and not servers:
            out.append(Finding("migrated_without_vm", s.id,
                               f"system {s.id} ({s.name}) is marked migrated but no server on any cloud carries system-id={s.id}",
                               inv.location("systems", s.id)))
        planned = evidence.planned_provider(s)
        if servers and planned:
            other = sorted({r.provider for r in servers} - {planned})
            if other:
                out.append(Finding("provider_mismatch", s.id,
                                   f"system {s.id} ({s.name}) is planned on {planned} but runs on {', '.join(other)}",
                                   inv.location("systems", s.id), refs))
    for sid in sorted(set(ev.servers) - set(inv.systems)):
        refs = tuple(sorted(f"{r.provider}/{r.id}" for r in ev.servers[sid]))
        out.append(Finding("unknown_system_tag", sid,
                           f"{len(refs)} server(s) carry system-id={sid}, which is not a system in the inventory", None, refs))
    return out
