"""Findings from cloud evidence: where the store and the inventory disagree about migration."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from cloudctl.errors import Location, UsageError
from cloudctl.i18n import t
from cloudctl.inventory.loader import Inventory
from cloudctl.migration import evidence
from cloudctl.migration.progress import state_of


@dataclass(frozen=True)
class Finding:
    kind: str  # migrated_without_vm | unknown_system_tag | provider_mismatch | unexpected_vm
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
        state = state_of(s)
        if state == "migrated" and not servers:
            out.append(Finding("migrated_without_vm", s.id, t("migration.finding.migrated_without_vm", system=s.id, name=s.name),
                               inv.location("systems", s.id)))
        expected = evidence.expected_providers(s, state)
        if servers and state in ("retired", "retained_on_prem") and not expected:
            out.append(Finding("unexpected_vm", s.id,
                               t("migration.finding.unexpected_vm", system=s.id, name=s.name, state=state, count=len(servers)),
                               inv.location("systems", s.id), refs))
        elif servers and expected:
            other = sorted({r.provider for r in servers} - expected)
            if other:
                where = f" {t('migration.or')} ".join(sorted(expected))
                message = t("migration.finding.provider_mismatch", system=s.id, name=s.name, state=state, expected=where, actual=", ".join(other))
                out.append(Finding("provider_mismatch", s.id, message, inv.location("systems", s.id),
                                   tuple(x for x in refs if x.split("/", 1)[0] in other)))
    for sid in sorted(set(ev.servers) - set(inv.systems)):
        refs = tuple(sorted(f"{r.provider}/{r.id}" for r in ev.servers[sid]))
        out.append(Finding("unknown_system_tag", sid, t("migration.finding.unknown_system_tag", count=len(refs), system=sid), None, refs))
    return out
