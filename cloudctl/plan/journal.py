"""The audit log as a journal: changes applied since a snapshot, laid over it when planning.

``apply`` records each change's outcome. Until the next ``sync`` the snapshot does not know
them, so ``plan`` lays the successful ones made after the snapshot started over its view (as
Terraform updates its state after each resource): after an interrupted apply, a new plan shows
exactly what remains, without a sync.
"""

from __future__ import annotations

import os
from typing import Any

from cloudctl.plan.audit import records
from cloudctl.plan.compute import CloudView

DONE = ("ok", "already")


def applied_since(path: str | os.PathLike[str], since: str, providers: set[str]) -> list[dict[str, Any]]:
    """Successful change records of ``providers`` whose time is after ``since`` (ISO 8601 UTC)."""
    cutoff = since[:19]  # snapshots are stamped to the second: a change in that second may or may not be in it
    return [r for r in records(path) if r.get("result") in DONE and r.get("provider") in providers
            and str(r.get("time", ""))[:19] >= cutoff]


def overlay(view: CloudView, done: list[dict[str, Any]]) -> int:
    """Apply the journal's records to ``view``; returns how many changed it (the rest it held already)."""
    if not done:
        return 0
    servers = {(s.provider, s.id): s for s in view.servers}
    n = 0
    for r in done:
        p, action, after = r["provider"], r.get("action"), r.get("after") or {}
        if action in ("set_tag", "stop_server"):
            s = servers.get((p, r.get("id")))
            if s is None:
                continue
            field, value = ("system", after.get("system")) if action == "set_tag" else ("status", "stopped")
            if getattr(s, field) == value:
                continue
            setattr(s, field, value)
        elif action == "create_project":
            projects = view.projects.setdefault(p, {})
            if r.get("id") in projects:
                continue
            projects[r.get("id")] = (r.get("detail") or {}).get("project_id", "")
        elif action == "set_quota":
            quota = view.quotas.setdefault((p, r.get("id")), {})
            if all(quota.get(k) == v for k, v in after.items()):
                continue
            quota.update(after)
        else:
            continue
        n += 1
    return n
