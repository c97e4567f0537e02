"""The common cloud resource model every driver converts into (libcloud's ``_to_node`` habit).

Inventory records (sites, nodes, systems, tenants, waves) are in ``cloudctl.inventory.schema``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["server", "volume", "network", "subnet", "floating_ip", "project", "quota", "capacity"]
KINDS: tuple[str, ...] = ("server", "volume", "network", "subnet", "floating_ip", "project", "quota", "capacity")

# Normalized statuses; each driver maps its own states onto these (a state map per driver).
Status = Literal["active", "building", "stopped", "paused", "error", "deleted", "available", "in_use", "down", "unknown"]


@dataclass(slots=True)
class Resource:
    """One cloud resource, flat: the JSON contract is these fields plus ``extra``.

    ``system`` is the inventory system id from the ``system-id`` tag/metadata; ``extra`` keeps
    provider-specific fields (flavor, sizes, addresses, ...). ``status`` is normalized;
    ``raw_status`` is what the API said.
    """

    provider: str  # the configured provider name: tianhe | huawei | xinchuang | ...
    kind: str
    id: str
    name: str = ""
    status: str = "unknown"
    project: str = ""
    region: str = ""
    raw_status: str = ""
    arch: str | None = None  # x86_64 | aarch64
    os: str | None = None
    system: str | None = None
    created: str | None = None  # ISO 8601 UTC
    extra: dict[str, Any] = field(default_factory=dict)

    def flat(self) -> dict[str, Any]:
        """A flat dict for listings: the common fields, then ``extra`` fields not shadowing them."""
        # Not dataclasses.asdict(): its deep copy made `ls` over 50,000 servers take seconds.
        d = {f: getattr(self, f) for f in _COMMON_FIELDS}
        for k, v in self.extra.items():
            d.setdefault(k, v)
        return d


_COMMON_FIELDS = tuple(f for f in Resource.__slots__ if f != "extra")  # type: ignore[attr-defined]
