"""Plan / apply / audit: manage the clouds from the inventory of record, Terraform-style.

- :func:`make_plan` — the inventory against the latest complete snapshot (``refresh`` syncs the
  providers concerned first), with the changes applied since then laid over it from the audit log;
- :mod:`cloudctl.plan.planfile` — plan files, refused when edited, cut, stale or from elsewhere;
- :func:`cloudctl.plan.apply.apply` — the interpreter above the drivers' write verbs;
- :mod:`cloudctl.plan.audit` — the SM3-chained audit log; :mod:`cloudctl.plan.suggest` — selectors
  proposed for unclaimed servers.
"""

from __future__ import annotations

from pathlib import Path

from cloudctl.config import LoadedConfig
from cloudctl.errors import StoreError
from cloudctl.i18n import t
from cloudctl.inventory import load_inventory
from cloudctl.plan.compute import CloudView, compute_plan
from cloudctl.plan.journal import applied_since, overlay
from cloudctl.plan.model import ACTIONS, Change, Plan
from cloudctl.plan.planfile import inventory_digest, store_identity

__all__ = ["ACTIONS", "Change", "CloudView", "Plan", "latest_snapshot", "make_plan"]


def latest_snapshot(store):  # noqa: ANN001, ANN201 - a cloudctl.store.Store
    """The store's latest snapshot (``StoreError`` when there is none)."""
    snap = store.latest_snapshot()
    if snap is None:
        raise StoreError(f"no snapshot in the store {store.path}", hint="run `cloudctl sync` (or `cloudctl plan --refresh`)")
    return snap


def make_plan(loaded: LoadedConfig, store, inventory_dir: Path, providers: list[str] | None = None, *,  # noqa: ANN001
              refresh: bool = False, sync_kw: dict | None = None) -> Plan:
    """Compute the plan. The inventory is validated before anything else (exit 2 when invalid)."""
    from cloudctl.providers.registry import TAG_REFUSED, WRITES
    from cloudctl.providers.selection import select

    inv = load_inventory(inventory_dir)
    chosen = select(loaded, providers)
    warnings = []
    if refresh:
        from cloudctl.sync import sync

        result = sync(loaded, store, list(chosen), **(sync_kw or {}))
        warnings += [t("plan.warn.refresh_failed", provider=p, error=e) for p, e in sorted(result.failed.items())]
    snap = latest_snapshot(store)
    # Each provider's latest complete data (the store keeps a failed provider's previous data).
    view = CloudView.build(*([r for p in chosen for r in store.resources(kind, provider=p)] for kind in ("server", "project", "quota")))
    writes = {}
    for name, cfg in chosen.items():
        if name not in view.projects:  # never synced: planning against nothing would "create" every tenant
            warnings.append(t("plan.warn.no_data", provider=name))
            continue
        if snap.providers.get(name, "ok") != "ok":
            warnings.append(t("plan.warn.failed_snapshot", provider=name, snapshot=snap.id))
        writes[name] = WRITES[cfg.driver]
    journal = overlay(view, applied_since(loaded.audit_log_path, snap.started, set(writes)))
    refused = {name: TAG_REFUSED.get(chosen[name].driver, frozenset()) for name in writes}
    plan = compute_plan(inv, view, writes, journal=journal, tag_refused=refused,
                        store={"path": store_identity(store), "snapshot": snap.id, "snapshot_started": snap.started},
                        inventory={"path": str(Path(inventory_dir).resolve()), "digest": inventory_digest(inventory_dir)})
    plan.warnings = warnings + plan.warnings
    return plan
