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
    Optional[str],
    typer.Option("--store", help="Store: a SQLite file, sqlite:///path or postgresql://user@host/db (default: config 'store:' or the user data dir).",
                 show_default=False),
]


def inventory_dir(explicit: Path | None) -> Path:
    """``--inventory`` if given, else the config's inventory location."""
    if explicit is not None:
        return explicit
    from cloudctl.cli.state import current

    return current.config().inventory_dir


def store_url(explicit: str | None):  # noqa: ANN201 - a cloudctl.store.StoreURL
    """``--store`` if given (relative to the working directory), else the config's store."""
    if explicit is not None:
        from cloudctl.store.url import parse

        return parse(explicit)
    from cloudctl.cli.state import current

    return current.config().store_url


def parse_wait(text: str) -> float:
    """``--wait``: 0 (do not wait) or a duration such as 30s, 10m, 1h."""
    if text.strip() in ("0", "0s"):
        return 0.0
    from cloudctl.agent.config import parse_duration
    from cloudctl.errors import UsageError

    try:
        return parse_duration(text)
    except ValueError as exc:
        raise UsageError(f"--wait {text!r}: {exc}", hint="example: --wait 10m") from None
