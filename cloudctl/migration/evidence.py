"""Cloud evidence for systems: which servers in the store carry a system's ``system-id`` tag.

The store is a collaborator passed in (anything with ``resources(kind=...)`` yielding
:class:`cloudctl.model.Resource`); without one, the inventory alone decides.

Which clouds are 信创 platforms is configuration: ``platforms`` maps each configured provider
name to its ``platform:`` in cloudctl.yaml (``xinchuang`` or ``general``; None when unset). A
server on a provider that is not declared ``xinchuang`` does not count as 信创, and
:func:`platform_gaps` names the providers whose platform nobody declared, so an under-count is
never silent. Without a store, the inventory's own ``provider: xinchuang`` is its 信创 cloud (the
inventory schema's fixed vocabulary, docs/inventory.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from cloudctl.inventory.schema import System
from cloudctl.model import Resource

# A server in one of these states no longer counts as the system running on the cloud.
_GONE = frozenset({"deleted", "error"})
# The platform value that marks a 信创 cloud (``platform: xinchuang`` in cloudctl.yaml).
XINCHUANG_PLATFORM = "xinchuang"
# The inventory's name of the city 信创 cloud (systems[].provider; a fixed value of its schema).
INVENTORY_XINCHUANG = "xinchuang"


class ResourceSource(Protocol):
    def resources(self, kind: str | None = None, *, snapshot: int | None = None) -> object: ...


@dataclass
class Evidence:
    """Servers per tagged system id, and servers whose tag names no known system."""

    servers: dict[str, list[Resource]] = field(default_factory=lambda: defaultdict(list))
    untagged: int = 0
    platforms: Mapping[str, str | None] = field(default_factory=dict)  # provider -> configured platform

    def is_xinchuang(self, provider: str) -> bool:
        return self.platforms.get(provider) == XINCHUANG_PLATFORM

    def providers(self, system_id: str) -> set[str]:
        return {r.provider for r in self.servers.get(system_id, ())}

    def has_vm(self, system_id: str) -> bool:
        return bool(self.servers.get(system_id))


def collect(store: ResourceSource | None, platforms: Mapping[str, str | None] | None = None, *, snapshot: int | None = None) -> Evidence | None:
    """Index the store's live servers by their ``system-id`` tag; None without a store.

    ``platforms``: provider name -> ``platform:`` from cloudctl.yaml. ``snapshot``: the store as
    of that snapshot (default: its latest data).
    """
    if store is None:
        return None
    ev = Evidence(platforms=dict(platforms or {}))
    for r in store.resources(kind="server", snapshot=snapshot):  # type: ignore[attr-defined]
        if r.status in _GONE:
            continue
        if r.system:
            ev.servers[r.system].append(r)
        else:
            ev.untagged += 1
    return ev


def on_cloud(system: System, ev: Evidence | None) -> bool:
    """Is the system running on a cloud? With evidence: it has a live server; else the inventory says so."""
    if ev is not None:
        return ev.has_vm(system.id)
    return system.deployment == "cloud"


def on_xinchuang(system: System, ev: Evidence | None) -> bool:
    """Does the system run on the domestic 信创 stack (flag in the inventory, or a server on the 信创 cloud)?"""
    if system.xinchuang:
        return True
    if ev is not None:
        return any(ev.is_xinchuang(p) for p in ev.providers(system.id))
    return system.provider == INVENTORY_XINCHUANG


def platform_gaps(ev: Evidence | None, system_ids: Iterable[str]) -> list[str]:
    """Providers that run servers of these systems but whose platform cloudctl.yaml does not
    declare (unset, or not configured at all): their servers count as not 信创."""
    if ev is None:
        return []
    seen = {r.provider for sid in system_ids for r in ev.servers.get(sid, ())}
    return sorted(p for p in seen if ev.platforms.get(p) is None)


def on_planned_provider(system: System, ev: Evidence | None) -> bool:
    """Does the system run on its planned provider? With evidence: one of its live servers is there
    (servers left elsewhere during parallel running do not change that); else the inventory's."""
    planned = planned_provider(system)
    if planned is None:
        return False
    if ev is not None:
        return planned in ev.providers(system.id)
    return system.deployment == "cloud" and system.provider == planned


def planned_provider(system: System) -> str | None:
    """Where the system is meant to end up: ``migration.target_provider``, else where it runs now."""
    m = system.migration
    if m is not None and m.target_provider:
        return m.target_provider
    return system.provider


# States in which a system is not meant to run on any cloud (unless the inventory says it does now).
_OFF_CLOUD = frozenset({"retired", "retained_on_prem"})


def expected_providers(system: System, state: str) -> frozenset[str]:
    """The clouds on which the system's servers may be found today, given its migration ``state``.

    A migrated system runs on its planned provider. A system still waiting for its wave, or being
    moved, keeps running where the inventory says it is (``provider``) and may already have
    servers on its target: both are expected. A retired or retained system has no cloud, except
    the one the inventory still records for it.
    """
    if state == "migrated":
        planned = planned_provider(system)
        return frozenset({planned} if planned else ())
    current = {system.provider} if system.deployment == "cloud" and system.provider else set()
    if state in _OFF_CLOUD:
        return frozenset(current)
    target = system.migration.target_provider if system.migration is not None else None
    return frozenset(current | ({target} if target else set()))
