"""``tag suggest``: propose ``servers:`` selectors for servers no selector claims — for review, never written.

Evidence, strongest first:

1. the server's name contains a system id (``sys-0042-hu00017``) → a glob in its project;
2. a token of the name is the pinyin (or its initials) of a system's Chinese name
   (``bdcdj-app-01`` for 不动产登记系统), among the systems whose tenant is that project;
3. the project belongs to a tenant that runs exactly one system → that system, by server id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cloudctl.inventory import Inventory
from cloudctl.model import Resource
from cloudctl.plan.selectors import claim

_SYS_ID = re.compile(r"sys-\d{4}")
_SUFFIXES = ("管理信息系统", "信息系统", "管理系统", "服务平台", "管理平台", "系统", "平台")


@dataclass
class Suggestion:
    system: str
    system_name: str
    provider: str
    project: str
    selector: dict[str, str]
    servers: list[str] = field(default_factory=list)  # names
    reason: str = ""
    where: str = ""  # file:line of the system record

    def flat(self) -> dict[str, object]:
        return {"system": self.system, "system_name": self.system_name, "provider": self.provider, "project": self.project,
                "selector": ", ".join(f"{k}: {v}" for k, v in self.selector.items()), "servers": len(self.servers),
                "reason": self.reason, "where": self.where}


def _pinyin_keys(name: str) -> set[str]:
    """Full pinyin and initials of a system name without its generic suffix (``不动产登记系统`` → budongchandengji, bdcdj)."""
    from pypinyin import Style, lazy_pinyin

    core = name
    for suffix in _SUFFIXES:
        if core.endswith(suffix) and len(core) > len(suffix) + 1:
            core = core[: -len(suffix)]
            break
    full = "".join(lazy_pinyin(core)).lower()
    initials = "".join(lazy_pinyin(core, style=Style.FIRST_LETTER)).lower()
    return {k for k in (full, initials) if len(k) >= 3 and k.isascii() and k.isalpha()}


def suggest(inv: Inventory, servers: list[Resource], providers: set[str]) -> list[Suggestion]:
    """Suggestions for the unclaimed servers of ``providers``, one per system and project."""
    claims = claim(inv, servers, providers)
    unclaimed = [s for s in servers if s.provider in providers and (s.provider, s.id) not in claims.by_server and s.status != "deleted"]
    tenants_of: dict[tuple[str, str], list[str]] = {}
    for t in inv.tenants.values():
        tenants_of.setdefault((t.provider, t.project), []).append(t.id)
    systems_in: dict[tuple[str, str], list[str]] = {}
    for s in inv.systems.values():
        if s.tenant and s.tenant in inv.tenants and (s.migration is None or s.migration.state != "retired"):
            t = inv.tenants[s.tenant]
            systems_in.setdefault((t.provider, t.project), []).append(s.id)
    pinyin = {sid: _pinyin_keys(s.name) for sid, s in inv.systems.items()}
    out: dict[tuple[str, str, str, str], Suggestion] = {}

    def add(sid: str, r: Resource, selector: dict[str, str], reason: str) -> None:
        key = (sid, r.provider, r.project, selector.get("name", r.id))
        if key not in out:
            out[key] = Suggestion(sid, inv.systems[sid].name, r.provider, r.project, {"provider": r.provider, **selector}, [], reason,
                                  str(inv.location("systems", sid)))
        out[key].servers.append(r.name)

    for r in unclaimed:
        named = _SYS_ID.findall(r.name)
        ids = [m for m in named if m in inv.systems]
        if named and not ids:
            continue  # its name points at a system the inventory does not know: no guess
        if ids:
            sid = ids[0]
            glob = f"{sid}-*" if r.name.startswith(sid + "-") else f"*{sid}*"
            add(sid, r, {"project": r.project, "name": glob}, "name contains the system id")
            continue
        local = systems_in.get((r.provider, r.project), [])
        tokens = set(re.split(r"[-_.\s]+", r.name.lower()))
        hits = [sid for sid in local if pinyin[sid] & tokens]
        if len(hits) == 1:
            token = next(iter(pinyin[hits[0]] & tokens))
            add(hits[0], r, {"project": r.project, "name": f"*{token}*"}, f"name contains '{token}', the pinyin of the system's name")
            continue
        if len(local) == 1:
            add(local[0], r, {"id": r.id}, f"the only system of tenant {', '.join(tenants_of.get((r.provider, r.project), []))}")
    return sorted(out.values(), key=lambda s: (s.system, s.provider, s.project))


def to_yaml(suggestions: list[Suggestion]) -> str:
    """Paste-ready: per system, the ``servers:`` items to add under it in systems.yaml, each with why."""
    lines = ["# cloudctl tag suggest: proposed selectors for servers no selector claims.",
             "# Review each one, then add its items under `servers:` of the system (file:line below).",
             "# Nothing was written; the next `cloudctl plan` tags what the added selectors claim."]
    by_system: dict[str, list[Suggestion]] = {}
    for s in suggestions:
        by_system.setdefault(s.system, []).append(s)
    for sid, items in by_system.items():
        lines.append(f"- id: {sid}  # {items[0].system_name} — {items[0].where}")
        lines.append("  servers:")
        for s in items:
            sel = ", ".join(f"{k}: {_scalar(v)}" for k, v in s.selector.items())
            shown = ", ".join(s.servers[:3]) + (f" (+{len(s.servers) - 3})" if len(s.servers) > 3 else "")
            lines.append(f"    - {{{sel}}}  # {len(s.servers)} server(s): {shown}; {s.reason}")
    return "\n".join(lines) + "\n"


def _scalar(v: str) -> str:
    return v if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", v) else '"' + v.replace('"', '\\"') + '"'
