"""``cloudctl inventory``: validate, summarise and look up the inventory of record."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from cloudctl.cli.options import InventoryOpt, OutputOpt
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

    inv = load_inventory(inventory_dir(directory))
    rows = county_summary(inv)
    render.render(rows, output, title="吕梁市 inventory summary / 清单概览")


KindArg = Annotated[str, typer.Argument(help="nodes, sites, systems, tenants or waves (singular or plural).", show_default=False)]


@app.command("ls")
def ls(
    kind: KindArg,
    county: Annotated[Optional[str], typer.Option("--county", help="Only this county: site id or name (离石区); the city's id for city-level records.", show_default=False)] = None,
    township: Annotated[Optional[str], typer.Option("--township", help="Only this township (乡镇): site id or name.", show_default=False)] = None,
    role: Annotated[Optional[str], typer.Option("--role", help="Nodes only: core, aggregation or access.", show_default=False)] = None,
    where: Annotated[Optional[list[str]], typer.Option("--where", "-w", help="FIELD=VALUE on any column (repeatable; true/false for flags).", show_default=False)] = None,
    columns: Annotated[Optional[str], typer.Option("--columns", help="Comma-separated columns (default: per kind; 'all' for every one).", show_default=False)] = None,
    inventory: InventoryOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """List inventory records with where they are: county, township, village (no cloud access).

    Which node serves a village, which nodes of a township still use SNMPv2c, the systems of a
    county. Unknown kinds, fields, columns and values are errors (exit 2) that list the valid ones.

    Example:  cloudctl inventory ls nodes --county lishi --where snmp=v2c-legacy -o csv
    """
    from cloudctl.cli import render
    from cloudctl.cli.options import inventory_dir
    from cloudctl.i18n import t
    from cloudctl.inventory import load_inventory, lookup

    k = lookup.kind_of(kind)
    filters = lookup.Filters(county, township, role, lookup.parse_where(where or ()))
    inv = load_inventory(inventory_dir(inventory))
    rows = lookup.select(inv, k, filters)
    if columns == "all":
        cols = lookup.fields(inv, k)
    elif columns:
        cols = lookup.check_columns(inv, k, (c.strip() for c in columns.split(",") if c.strip()))
    else:
        cols = lookup.DEFAULT_COLUMNS[k] if output is Format.table else lookup.fields(inv, k)
    render.render(rows, output, cols, title=t("inventory.title.ls", kind=k, count=len(rows)))


@app.command("show")
def show(
    kind: KindArg,
    id: Annotated[str, typer.Argument(help="The record's id, e.g. lishi-core-01, sys-0086.", show_default=False)],  # noqa: A002
    inventory: InventoryOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Every field of one inventory record, and what an on-call engineer asks next.

    A node: its village, township and county, address, SNMP profile (and its version in the agent
    configs that poll it), the node upstream. A site: the nodes serving it. A system: its
    department, tenant and project, migration state. A tenant or wave: its systems.

    Example:  cloudctl inventory show node lishi-core-01
    """
    from cloudctl.cli import render
    from cloudctl.cli.options import inventory_dir
    from cloudctl.inventory import load_inventory, lookup

    k = lookup.kind_of(kind)
    inv = load_inventory(inventory_dir(inventory))
    profile = None
    if k == "nodes":
        from cloudctl.policy import repo_files

        from cloudctl.policy.loader import display

        files = repo_files.discover(inv.root.resolve().parent)
        repo = repo_files.read(files, {f: display(f) for f in files}, inventory_root=inv.root)
        profile = repo.profile
    row = lookup.record(inv, k, id, profile)
    if output is Format.table:
        render.render([{"field": f, "value": v} for f, v in row.items()], output, ["field", "value"])
    else:
        render.render([row], output)
