"""Where a node is, in words: its village (行政村), township (乡镇) and county (县/市/区), from the inventory.

Alerts carry ids (``node``, ``county``, ``township``); the people on duty read names. The table is
built once at start-up and keeps only the strings it needs, not the inventory.
"""

from __future__ import annotations

from dataclasses import dataclass

from cloudctl.inventory.loader import Inventory


@dataclass(frozen=True)
class Place:
    """A node's role and the names of the sites above it (empty where a level does not apply)."""

    role: str = ""
    village: str = ""
    township: str = ""
    county: str = ""


class Places:
    """Node id → :class:`Place`; site id → name."""

    def __init__(self, nodes: dict[str, Place] | None = None, sites: dict[str, str] | None = None) -> None:
        self._nodes = nodes or {}
        self._sites = sites or {}

    def node(self, node_id: str) -> Place | None:
        return self._nodes.get(node_id)

    def site_name(self, site_id: str) -> str:
        """The site's name, or its id when the inventory does not know it."""
        return self._sites.get(site_id, site_id)

    def __len__(self) -> int:
        return len(self._nodes)


def from_inventory(inv: Inventory) -> Places:
    names = {sid: s.name for sid, s in inv.sites.items()}
    nodes = {}
    for nid, n in inv.nodes.items():
        site = inv.sites.get(n.site)
        level = site.level if site is not None else ""
        county = inv.county_of(n.site)
        township = inv.township_of(n.site)
        nodes[nid] = Place(
            role=n.role,
            village=names.get(n.site, "") if level == "village" else "",
            township=names.get(township, "") if township else "",
            county=names.get(county, "") if county else (names.get(n.site, "") if level == "city" else ""),
        )
    return Places(nodes, names)
