"""The inventory of record: sites, nodes, systems, tenants (and waves), loaded and validated."""

from cloudctl.inventory.loader import Inventory, load_inventory

__all__ = ["Inventory", "load_inventory"]
