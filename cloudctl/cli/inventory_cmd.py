"""``cloudctl inventory``: validate and summarise the inventory of record."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from cloudctl.cli.options import OutputOpt
from cloudctl.cli.render import Format

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)

DirArg = Annotated[
    Optional[Path],
    typer.Argument(help="Inventory directory (default: config 'inventory:' or ./inventory).", show_default=False),
]


@app.command("validate")
def validate(directory: DirArg = None) -> None:
    """Validate every inventory file; report every problem as file:line:col (exit 2 if any).

    Checks YAML syntax and duplicate keys, then each record against its schema, then
    references (node.site, system.tenant, ...), unique ids and addresses.

    Example:  cloudctl inventory validate inventory/
    """
    from cloudctl.cli.options import inventory_dir
    from cloudctl.cli.output import note
    from cloudctl.i18n import t
    from cloudctl.inventory import load_inventory

    root = inventory_dir(directory)
    inv = load_inventory(root)
    note(
        t("inventory.valid", sites=len(inv.sites), nodes=len(inv.nodes), systems=len(inv.systems), tenants=len(inv.tenants), path=root)
    )


@app.command("summary")
def summary(directory: DirArg = None, output: OutputOpt = Format.table) -> None:
    """Counts per county: townships, villages, nodes by role, systems.

    Example:  cloudctl inventory summary -o csv
    """
    from cloudctl.cli import render
    from cloudctl.cli.options import inventory_dir
    from cloudctl.inventory import load_inventory
    from cloudctl.inventory.summary import county_summary

    from cloudctl.i18n import t

    inv = load_inventory(inventory_dir(directory))
    rows = county_summary(inv)
    render.render(rows, output, title=t("cli.title.inventory_summary"))
