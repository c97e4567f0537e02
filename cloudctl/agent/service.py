"""The running agent: load config + inventory, sweep on a schedule, serve HTTP, reload, stop.

``run()`` is the long-running mode; ``once()`` does one sweep and returns the exposition text.
Signals: SIGHUP reloads, SIGTERM/SIGINT stop cleanly.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import time
from collections.abc import Callable
from pathlib import Path

from cloudctl.agent import config as agent_config
from cloudctl.agent import http
from cloudctl.agent.core import Agent, Plan, make_plan
from cloudctl.agent.http import PROM_TEXT, Request, Response
from cloudctl.errors import CloudctlError
from cloudctl.i18n import t
from cloudctl.inventory.loader import load_inventory
from cloudctl.snmp.base import SnmpClient

log = logging.getLogger("cloudctl.agent")

ClientFactory = Callable[[], SnmpClient]


def load_plan(config_path: str | Path) -> Plan:
    """Read agent.yaml and its inventory. Raises CloudctlError (exit 2) with file:line problems."""
    loaded = agent_config.load(config_path)
    for w in loaded.warnings:
        log.warning(t("agent.literal_secret", where=str(w.location)))
    plan = make_plan(loaded, load_inventory(loaded.inventory_dir))
    gc.collect()  # the inventory's YAML documents are garbage now: give their memory back before polling
    return plan


def default_client() -> SnmpClient:
    """The real SNMP client: one shared socket/engine for every node."""
    from cloudctl.snmp.client import Client

    return Client()


async def once(config_path: str | Path, client_factory: ClientFactory = default_client) -> tuple[bytes, int, int]:
    """One sweep. Returns (exposition, nodes down, nodes total)."""
    plan = load_plan(config_path)
    client = client_factory()
    try:
        agent = Agent(plan, client)
        await agent.sweep()
        states = agent.node_states()
        return agent.render(), states["down"], len(plan.scope.nodes)
    finally:
        await client.close()


class Service:
    """Agent + HTTP routes + schedule. ``serve()`` returns when stopped."""

    def __init__(self, config_path: str | Path, plan: Plan, client: SnmpClient) -> None:
        self.config_path = Path(config_path)
        self.agent = Agent(plan, client)
        self.stopped = asyncio.Event()
        self._wake = asyncio.Event()
        self.server: asyncio.Server | None = None

    # -- HTTP --------------------------------------------------------------------------------------
    async def handle(self, req: Request) -> Response:
        path, method = req.path, req.method
        if path == "/-/reload":
            if method not in ("POST", "PUT"):
                return Response(405, b"use POST to reload\n")
            ok, message = self.reload()
            return Response(200 if ok else 500, (message + "\n").encode())
        if method not in ("GET", "HEAD"):
            return Response(405, b"method not allowed\n")
        if path == "/metrics":
            return Response(200, self.agent.render(), PROM_TEXT)
        if path == "/probe":
            target = req.query.get("target", [""])[0]
            if not target:
                return Response(400, b"missing ?target=NODE_ID\n")
            body = await self.agent.probe(target)
            if body is None:
                return Response(404, f"node '{target}' is not polled by this agent (unknown id, other county or shard)\n".encode())
            return Response(200, body, PROM_TEXT)
        if path == "/-/healthy":
            return Response(200, b"OK\n")
        if path == "/-/ready":
            ready = self.agent.counters.ready
            return Response(200 if ready else 503, b"ready\n" if ready else b"first sweep not done yet\n")
        if path == "/":
            return Response(200, b"cloudctl-agent: /metrics /probe?target=NODE_ID /-/healthy /-/ready /-/reload (POST)\n")
        return Response(404, b"not found\n")

    # -- control -----------------------------------------------------------------------------------
    def reload(self) -> tuple[bool, str]:
        """Re-read config and inventory; on error keep running with the old ones."""
        try:
            plan = load_plan(self.config_path)
        except CloudctlError as exc:
            message = t("agent.reload_failed", error=str(exc))
            log.error(message)
            return False, message
        old_listen = self.agent.plan.loaded.config.listen
        kept, dropped = self.agent.reload(plan)
        if plan.loaded.config.listen != old_listen:
            log.warning(t("agent.listen_changed", listen=plan.loaded.config.listen))
        message = t("agent.reloaded", nodes=len(plan.scope.nodes), kept=kept, dropped=dropped)
        log.info(message)
        self._wake.set()  # poll new nodes now rather than at the next tick
        return True, message

    def stop(self, signame: str = "") -> None:
        if signame:
            log.info(t("agent.stopping", signal=signame))
        self.stopped.set()
        self._wake.set()

    async def _schedule(self) -> None:
        while not self.stopped.is_set():
            self._wake.clear()  # before the sweep: a reload during it must start the next one at once
            start = time.monotonic()
            try:
                duration = await self.agent.sweep()
            except Exception:  # noqa: BLE001 - the daemon's loop boundary: a bug must not stop monitoring
                self.agent.counters.errors["internal"] += 1
                log.exception(t("agent.sweep_failed"))
            else:
                states = self.agent.node_states()
                log.info(t("agent.sweep_done", n=self.agent.counters.sweeps, up=states["up"], down=states["down"], seconds=f"{duration:.2f}"))
            delay = max(0.0, self.agent.plan.loaded.config.interval - (time.monotonic() - start))
            try:
                await asyncio.wait_for(self._wake.wait(), delay)
            except asyncio.TimeoutError:
                pass

    async def serve(self) -> None:
        cfg = self.agent.plan.loaded.config
        host, port = agent_config.listen_address(cfg.listen)
        self.server = await http.start(self.handle, host, port)
        sock = self.server.sockets[0].getsockname()
        shown = f"[{sock[0]}]" if ":" in sock[0] else sock[0]
        log.info(t("agent.listening", url=f"http://{shown}:{sock[1]}/metrics"))
        log.info(t("agent.started", nodes=len(self.agent.plan.scope.nodes), shard=str(cfg.shard), interval=f"{cfg.interval:g}", static=f"{self.agent.plan.loaded.static_interval:g}"))
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, self.stop, "SIGTERM")
        loop.add_signal_handler(signal.SIGINT, self.stop, "SIGINT")
        loop.add_signal_handler(signal.SIGHUP, self.reload)
        scheduler = asyncio.create_task(self._schedule())
        try:
            await self.stopped.wait()
        finally:
            scheduler.cancel()
            try:
                await scheduler
            except asyncio.CancelledError:
                pass
            self.server.close()
            await self.server.wait_closed()
            await self.agent.client.close()
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                loop.remove_signal_handler(sig)


async def run(config_path: str | Path, client_factory: ClientFactory = default_client) -> None:
    plan = load_plan(config_path)
    service = Service(config_path, plan, client_factory())
    await service.serve()
