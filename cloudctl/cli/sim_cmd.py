"""``cloudctl sim``: protocol-faithful simulators of the clouds and of an SNMP fleet."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)

# Commands are added by cloudctl.cli.sim_cloud_cmd (serve) and cloudctl.cli.sim_snmp_cmd (snmp).
from cloudctl.cli import sim_cloud_cmd as _cloud  # noqa: E402,F401
from cloudctl.cli import sim_snmp_cmd as _snmp  # noqa: E402,F401
