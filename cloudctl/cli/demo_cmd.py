"""``cloudctl demo``: the whole job on the embedded simulators, in one command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer


def demo(
    inventory: Annotated[Optional[Path], typer.Option("--inventory", "-i", help="Inventory directory.")] = None,
) -> None:
    """Run the main job end to end on the embedded simulators and print a summary.

    Today: validate the inventory of record and print its summary per county. (It grows as the
    cloud sync, policy checks, agents and the report land.)

    Example:  cloudctl demo
    """
    from cloudctl.cli import render
    from cloudctl.cli.options import inventory_dir
    from cloudctl.cli.output import note
    from cloudctl.i18n import t
    from cloudctl.inventory import load_inventory
    from cloudctl.inventory.summary import county_summary

    root = inventory_dir(inventory)
    inv = load_inventory(root)
    note(t("inventory.valid", sites=len(inv.sites), nodes=len(inv.nodes), systems=len(inv.systems), tenants=len(inv.tenants), path=root))
    render.render(county_summary(inv), "table", title="吕梁市 inventory summary / 清单概览")
