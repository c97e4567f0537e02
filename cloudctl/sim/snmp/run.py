"""Run the SNMP fleet simulator until SIGINT/SIGTERM (the library side of ``cloudctl sim snmp``)."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from pathlib import Path

from cloudctl.errors import UsageError
from cloudctl.sim.snmp.fleet import NodeSpec
from cloudctl.sim.snmp.inventory import write_inventory
from cloudctl.sim.snmp.server import FleetServer
from cloudctl.sim.snmp.usm import UsmUser


async def serve(specs: list[NodeSpec], *, mode: str, community: str, seed: int, port: int, slow_delay: float,
                write_to: Path | None, source: Path | None, records: dict | None,
                on_ready: Callable[[FleetServer], None], stop: asyncio.Event | None = None,
                v3_users: list[UsmUser] = ()) -> dict[str, int]:
    """Serve until ``stop`` is set (or a signal arrives); returns the server's counters."""
    server = FleetServer(specs, mode=mode, community=community, seed=seed, slow_delay=slow_delay, port=port, v3_users=v3_users)
    try:
        await server.start()
    except OSError as exc:
        raise UsageError(
            f"cannot listen for the SNMP simulator ({mode} mode, port {port or 'any'}): {exc.strerror}",
            hint="choose another --port, or --mode ports",
        ) from None
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread
            pass
    try:
        if write_to is not None:
            write_inventory(write_to, server.addresses(), source=source, records=records)
        on_ready(server)
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.remove_signal_handler(sig)
            except (NotImplementedError, RuntimeError, ValueError):
                pass
        server.close()
    return dict(server.stats)
