"""Option declarations reused by many commands (one place for names, help and defaults)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from cloudctl.cli.render import Format

OutputOpt = Annotated[
    Format, typer.Option("--output", "-o", help="Output format: table, json, csv or yaml.", case_sensitive=False)
]
InventoryOpt = Annotated[
    Optional[Path],
    typer.Option("--inventory", "-i", help="Inventory directory (default: config 'inventory:' or ./inventory).", show_default=False),
]
StoreOpt = Annotated[
    Optional[Path],
    typer.Option("--store", help="SQLite store file (default: config 'store:' or the user data dir).", show_default=False),
]


def inventory_dir(explicit: Path | None) -> Path:
    """``--inventory`` if given, else the config's inventory location."""
    if explicit is not None:
        return explicit
    from cloudctl.cli.state import current

    return current.config().inventory_dir


def store_path(explicit: Path | None) -> Path:
    if explicit is not None:
        return explicit
    from cloudctl.cli.state import current

    return current.config().store_path
