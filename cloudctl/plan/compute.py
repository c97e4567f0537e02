"""Compute a plan: the inventory of record against one view of the clouds.

What the inventory declares and the plan enforces:

- every server a ``systems[].servers`` selector claims carries that system's ``system-id`` tag
  (set when missing, corrected when it names another system);
- every tenant exists as a project on its provider, with its declared ``quota``;
- a ``retired`` system has no running servers (those it claims or that carry its tag).

Nothing else is ever touched: servers no selector claims and no known tag links are listed as
*unclaimed*, not changed; a change the provider offers no API for is listed as *unsupported*.
"""

from __future__ import annotations

import getpass
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from operator import itemgetter
from typing import Any

from cloudctl import i18n
from cloudctl.inventory import Inventory
from cloudctl.model import Resource
from cloudctl.plan.model import ACTIONS, Change, Plan
from cloudctl.plan.selectors import claim

# Where each quota field is in a synced ``quota`` resource (first key present wins).
QUOTA_KEYS = {
    "instances": ("instances_limit", "compute.instances.limit"),
    "vcpus": ("vcpus_limit", "compute.cores.limit"),
    "ram_mb": ("ram_mb_limit", "compute.ram.limit"),
    "volumes": ("volumes_limit", "volume.volumes.limit"),
    "volume_gb": ("disk_gb_limit", "volume.gigabytes.limit"),
}
UNSUPPORTED = {
    "set_quota": "{provider} offers no API to set a tenant's quota; change it in the cloud's operator console (Huawei Cloud Stack: ManageOne)",
}


def quota_values(r: Resource) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f, keys in QUOTA_KEYS.items():
        out[f] = next((r.extra[k] for k in keys if r.extra.get(k) is not None), None)
    return out


@dataclass
class CloudView:
    """What the clouds hold, as far as a plan is concerned (from a snapshot, plus the journal)."""

    servers: list[Resource] = field(default_factory=list)
    projects: dict[str, dict[str, str]] = field(default_factory=dict)  # provider -> project name -> id
    quotas: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (provider, project name) -> field -> limit

    @classmethod
    def build(cls, servers: Iterable[Resource], projects: Iterable[Resource], quotas: Iterable[Resource]) -> "CloudView":
        v = cls([s for s in servers if s.status != "deleted"])
        for p in projects:
            v.projects.setdefault(p.provider, {})[p.name] = p.id
        for q in quotas:
            v.quotas[(q.provider, q.project or q.name)] = quota_values(q) | {"_id": q.extra.get("project_id") or q.id}
        return v


def identity() -> str:
    """``user@host`` of whoever runs cloudctl (the audit log's who)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        import os

        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"


def compute_plan(inv: Inventory, view: CloudView, writes: dict[str, frozenset[str]], *, store: dict[str, Any],
                 inventory: dict[str, Any], journal: int = 0, tag_refused: dict[str, frozenset[str]] | None = None) -> Plan:
    """The changes that make the clouds of ``writes`` (provider -> what its driver can change) match ``inv``.

    ``tag_refused``: per provider, server states in which the cloud refuses a tag change (Nova:
    error, building) — such changes are listed as unsupported, with what to do, not planned to fail.
    """
    refused = tag_refused or {}
    providers = set(writes)
    plan = Plan(created=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), by=identity(), store=store,
                inventory=inventory, providers=sorted(providers), journal=journal)
    servers = [s for s in view.servers if s.provider in providers]
    claims = claim(inv, servers, providers)
    out: list[Change] = []

    def add(c: Change) -> None:
        if _verb(c.action) not in writes[c.provider]:
            c.note = UNSUPPORTED.get(c.action, "{provider} cannot do this through its API").format(provider=c.provider)
            plan.unsupported.append(c)
        else:
            out.append(c)

    # tags: every claimed server carries its system's id
    unclaimed = []
    by_server, known = claims.by_server, inv.systems
    for s in servers:
        hit = by_server.get((s.provider, s.id))
        if hit is None:
            if s.system is None or s.system not in known:
                unclaimed.append((s.provider, s.project, s.name, s.id, s.status, s.system))
            continue
        sid, j = hit
        if s.system != sid:
            c = Change(s.provider, "set_tag", s.id, s.name, s.project, {"system": s.system}, {"system": sid},
                       f"systems[{sid}].servers[{j}] ({inv.path_location('systems', sid, 'servers', j)})",
                       project_id=str(s.extra.get("project_id") or ""), system=sid)
            if s.status in refused.get(s.provider, ()):
                c.note = f"{s.provider} refuses tag changes while a server is {s.status}; repair or rebuild it, then plan again"
                plan.unsupported.append(c)
            else:
                add(c)
    # projects and quotas of the tenants
    for t in inv.tenants.values():
        if t.provider not in providers:
            continue
        where = f"tenants[{t.id}] ({inv.location('tenants', t.id)})"
        pid = view.projects.get(t.provider, {}).get(t.project)
        if pid is None:
            add(Change(t.provider, "create_project", t.project, t.project, t.project, None,
                       {"name": t.project, "description": t.department}, where))
        if t.quota is not None:
            want = t.quota.limits()
            have = view.quotas.get((t.provider, t.project))
            if have is None and pid is not None:
                before = None  # not synced (yet): apply reads it before changing it
            else:
                before = {k: have.get(k) for k in want} if have is not None else None
            diff = {k: v for k, v in want.items() if before is None or before.get(k) != v}
            if diff:
                add(Change(t.provider, "set_quota", t.project, t.project, t.project,
                           {k: before[k] for k in diff} if before is not None else None, diff, where,
                           project_id=(have or {}).get("_id") or pid or ""))
    # retired systems: no running servers (those their selectors claim, or that carry their tag unclaimed)
    retired = {sid for sid, x in inv.systems.items() if x.migration is not None and x.migration.state == "retired"}
    if retired:
        for s in servers:
            if s.status != "active":
                continue
            owner = claims.system_of(s.provider, s.id) or s.system
            if owner in retired:
                add(Change(s.provider, "stop_server", s.id, s.name, s.project, {"status": "active"}, {"status": "stopped"},
                           f"systems[{owner}].migration.state: retired ({inv.field_location('systems', owner, 'migration')})",
                           project_id=str(s.extra.get("project_id") or ""), system=owner))
    for sid, j in claims.empty:
        sel = inv.systems[sid].servers[j]
        where = inv.path_location("systems", sid, "servers", j)
        plan.warnings.append(i18n.t("plan.warn.selector_empty", where=where, system=sid, index=j, selector=sel.describe()))
    order = {a: i for i, a in enumerate(ACTIONS)}
    plan.changes = sorted(out, key=lambda c: (c.provider, order[c.action], c.project, c.name, c.id))
    plan.unsupported.sort(key=lambda c: (c.provider, c.action, c.id))
    unclaimed.sort(key=itemgetter(0, 1, 2, 3))
    plan.unclaimed = [{"provider": p, "id": i, "name": n, "project": pr, "status": st, "system": sy} for p, pr, n, i, st, sy in unclaimed]
    return plan


def _verb(action: str) -> str:
    return {"create_project": "project", "set_quota": "quota", "set_tag": "tag", "stop_server": "stop"}[action]
