"""``cloudctl alerts``: deliver Alertmanager's alerts where Alertmanager cannot (DingTalk robots)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)

LEVELS = ("debug", "info", "warning", "error")


@app.command("relay")
def relay(
    config: Annotated[Path, typer.Option("--config", help="Relay config (relay.yaml): listen address, robots, limits.", show_default=False)],
    log_level: Annotated[str, typer.Option("--log-level", help="debug, info, warning or error.")] = "info",
) -> None:
    """Relay Alertmanager webhooks to DingTalk (钉钉) group robots until SIGTERM / Ctrl-C.

    Alertmanager posts each county's notifications to /robots/<name>; the relay writes them as
    Chinese markdown (node, village / township / county from the inventory, since when, the
    runbook command, the Grafana link), signs each request with the robot's secret, keeps every
    robot under DingTalk's 20 messages a minute (merging what exceeds it), retries with backoff
    and serves its own /metrics. Prints a line containing 'ready' once listening. Exit 0 after
    SIGTERM/SIGINT, 2 for an invalid config, a secret that cannot be read or a port in use.

    Example:  cloudctl alerts relay --config agents/alertmanager/relay.yaml
    """
    import asyncio

    from cloudctl import redact
    from cloudctl.alerts.service import run
    from cloudctl.cli.output import note
    from cloudctl.errors import UsageError
    from cloudctl.i18n import t

    if log_level not in LEVELS:
        raise UsageError(f"--log-level must be one of: {', '.join(LEVELS)}")
    redact.basic_config(log_level.upper(), "%(asctime)s %(levelname)s %(name)s: %(message)s")  # secrets masked in every line

    def ready(url: str, robots: list[str]) -> None:
        note(t("alerts.relay.ready", url=url, robots=len(robots), names=", ".join(robots)))

    asyncio.run(run(str(config), on_ready=ready))
