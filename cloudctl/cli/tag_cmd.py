"""``tag suggest``: proposed ``servers:`` selectors for servers no selector claims (never writes the inventory)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from cloudctl.cli.options import InventoryOpt, OutputOpt, StoreOpt
from cloudctl.cli.render import Format

app = typer.Typer(no_args_is_help=True)


@app.command("suggest")
def suggest(
    provider: Annotated[Optional[list[str]], typer.Option("--provider", "-p", help="Only this provider (repeatable).", show_default=False)] = None,
    inventory: InventoryOpt = None,
    store: StoreOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Propose systems[].servers selectors for unclaimed servers, to review and paste (-o yaml).

    Evidence: the server's name contains a system id, or the pinyin of a system's name; or its
    project belongs to a tenant with only one system. Nothing is written.

    Example:  cloudctl tag suggest -o yaml > suggestions.yaml
    """
    import sys

    from cloudctl.cli.options import inventory_dir, store_url
    from cloudctl.cli.output import note
    from cloudctl.cli.render import render
    from cloudctl.i18n import t
    from cloudctl.inventory import load_inventory
    from cloudctl.plan.suggest import suggest as propose, to_yaml
    from cloudctl.store import Store

    inv = load_inventory(inventory_dir(inventory))
    with Store.open(store_url(store)) as st:
        servers = list(st.resources("server"))
    providers = set(provider) if provider else {s.provider for s in servers}
    found = propose(inv, servers, providers)
    if not found:
        note(t("plan.tag.none"))
    else:
        note(t("plan.tag.count", n=len(found), servers=sum(len(s.servers) for s in found)))
    if output is Format.yaml:
        sys.stdout.write(to_yaml(found) if found else "[]\n")
        return
    render([s.flat() for s in found], output, ["system", "system_name", "provider", "project", "selector", "servers", "reason", "where"])
