"""The running agent: load config + inventory, sweep on a schedule, serve HTTP, reload, stop.

``run()`` is the long-running mode; ``once()`` does one sweep and returns the exposition text.
Signals: SIGHUP reloads, SIGTERM/SIGINT stop cleanly.

Reloads parse in a worker thread (the files are bounded in size and alias expansion by
:mod:`cloudctl.yamlfile`), so ``/metrics`` keeps answering meanwhile; one runs at a time, and
``POST /-/reload`` is rate-limited (and, with basic auth configured, authenticated like every
other request).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from cloudctl.agent import config as agent_config
from cloudctl.agent import http
from cloudctl.agent.core import Agent, Plan, make_plan
from cloudctl.agent.http import PROM_TEXT, Request, Response
from cloudctl.errors import CloudctlError, ConfigError, Problem
from cloudctl.i18n import t
from cloudctl.inventory.loader import load_inventory
from cloudctl.snmp.base import SnmpClient

if TYPE_CHECKING:  # pragma: no cover
    from cloudctl.agent.webconfig import WebConfig

log = logging.getLogger("cloudctl.agent")

ClientFactory = Callable[[], SnmpClient]
RELOAD_BURST, RELOAD_INTERVAL = 3, 5.0  # POST /-/reload: 3 at once, then one per 5 s


def load_plan(config_path: str | Path) -> Plan:
    """Read agent.yaml and its inventory. Raises CloudctlError (exit 2) with file:line problems."""
    loaded = agent_config.load(config_path)
    for w in loaded.warnings:
        log.warning(t("agent.literal_secret", where=str(w.location)))
    if not loaded.inventory_dir.is_dir():
        raise ConfigError(Problem(loaded.location(("inventory",)), t("security.web.no_inventory", path=str(loaded.inventory_dir)),
                                  t("security.web.no_inventory_hint"), "inventory"))
    plan = make_plan(loaded, load_inventory(loaded.inventory_dir, kinds_used(loaded)))
    gc.collect()  # the inventory's YAML documents are garbage now: give their memory back before polling
    return plan


def kinds_used(loaded: agent_config.LoadedAgentConfig) -> tuple[str, ...]:
    """The inventory kinds this agent reads: a typo in a file it does not read must not stop monitoring."""
    return ("sites", "nodes", "systems", "tenants", "waves") if loaded.config.migration is not None else ("sites", "nodes")


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

    def __init__(self, config_path: str | Path, plan: Plan, client: SnmpClient, *,
                 web_path: str | Path | None = None, web: "WebConfig | None" = None) -> None:
        self.config_path = Path(config_path)
        self.agent = Agent(plan, client)
        self.stopped = asyncio.Event()
        self._wake = asyncio.Event()
        self.server: asyncio.Server | None = None
        self.web_path = Path(web_path) if web_path else None
        self.web = web if web is not None or self.web_path is None else _load_web(self.web_path)
        self._reload_limit = http.TokenBucket(RELOAD_INTERVAL, RELOAD_BURST)
        self._reloading = asyncio.Lock()

    # -- HTTP --------------------------------------------------------------------------------------
    async def handle(self, req: Request) -> Response:
        path, method = req.path, req.method
        if path == "/-/reload":
            if method not in ("POST", "PUT"):
                return Response(405, b"use POST to reload\n")
            if self._reloading.locked():
                return Response(429, b"a reload is already running\n", headers={"Retry-After": "1"})
            wait = self._reload_limit.take()
            if wait:
                return Response(429, b"too many reloads; try again later\n", headers={"Retry-After": str(max(1, round(wait)))})
            ok, message = await self.reload()
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
    def _read_files(self) -> tuple[Plan, "WebConfig | None"]:
        """Config, inventory and web config, parsed (in a worker thread)."""
        plan = load_plan(self.config_path)
        web = _load_web(self.web_path) if self.web_path else None
        return plan, web

    async def reload(self) -> tuple[bool, str]:
        """Re-read config, inventory and web config in a worker thread; on error keep the old ones."""
        if self._reloading.locked():
            log.warning(t("security.web.reload_busy"))
            return False, t("security.web.reload_busy")
        async with self._reloading:
            try:
                plan, web = await asyncio.to_thread(self._read_files)
            except CloudctlError as exc:
                message = t("agent.reload_failed", error=str(exc))
                log.error(message)
                return False, message
            old_listen = self.agent.plan.loaded.config.listen
            kept, dropped = self.agent.reload(plan)
            if plan.loaded.config.listen != old_listen:
                log.warning(t("agent.listen_changed", listen=plan.loaded.config.listen))
            self._apply_web(web)
            message = t("agent.reloaded", nodes=len(plan.scope.nodes), kept=kept, dropped=dropped)
            log.info(message)
            self._wake.set()  # poll new nodes now rather than at the next tick
            return True, message

    def _apply_web(self, web: "WebConfig | None") -> None:
        """Users, headers and limits apply at once; a renewed certificate is loaded into the serving TLS context.

        Whether the socket speaks TLS at all is fixed when it starts listening: that needs a restart.
        """
        old = self.web
        tls_before = old is not None and old.ssl_context is not None
        tls_after = web is not None and web.ssl_context is not None
        if tls_before != tls_after:
            log.warning(t("security.web.restart_needed"))
            if web is not None:
                web.ssl_context = old.ssl_context if old is not None else None
        elif tls_after:
            assert old is not None and old.ssl_context is not None and web is not None and web.cert_files is not None
            old.ssl_context.load_cert_chain(*web.cert_files)  # new handshakes use the renewed certificate
            web.ssl_context = old.ssl_context
        self.web = web

    async def _finish_reload(self, limit: float = 30.0) -> None:
        """A reload under way when a stop arrives is finished first (it is bounded: the files are)."""
        try:
            await asyncio.wait_for(self._reloading.acquire(), limit)
        except asyncio.TimeoutError:
            return
        self._reloading.release()

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

    async def serve(self, *, signals: bool = True) -> None:
        """Listen, sweep on schedule and answer until stopped; ``signals``: handle SIGHUP/SIGTERM/SIGINT (main thread only)."""
        cfg = self.agent.plan.loaded.config
        host, port = agent_config.listen_address(cfg.listen)
        try:
            self.server = await http.start(self.handle, host, port, lambda: self.web)
        except OSError as exc:
            raise _bind_error(self.agent.plan.loaded, host, port, exc) from None
        sock = self.server.sockets[0].getsockname()
        shown = f"[{sock[0]}]" if ":" in sock[0] else sock[0]
        scheme = self.web.scheme if self.web else "http"
        log.info(t("agent.listening", url=f"{scheme}://{shown}:{sock[1]}/metrics"))
        if self.web is not None and self.web.auth is not None:
            log.info(t("security.web.auth_on", users=len(self.web.auth.users)))
        log.info(t("agent.started", nodes=len(self.agent.plan.scope.nodes), shard=str(cfg.shard), interval=f"{cfg.interval:g}", static=f"{self.agent.plan.loaded.static_interval:g}"))
        loop = asyncio.get_running_loop()
        if signals:
            loop.add_signal_handler(signal.SIGTERM, self.stop, "SIGTERM")
            loop.add_signal_handler(signal.SIGINT, self.stop, "SIGINT")
            loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(self.reload()))
        scheduler = asyncio.create_task(self._schedule())
        try:
            await self.stopped.wait()
        finally:
            await self._finish_reload()
            scheduler.cancel()
            try:
                await scheduler
            except asyncio.CancelledError:
                pass
            self.server.close()
            await self.server.wait_closed()
            await self.agent.client.close()
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP) if signals else ():
                loop.remove_signal_handler(sig)


def _load_web(path: str | Path) -> "WebConfig":
    from cloudctl.agent import webconfig  # only agents with a web config pay for its models

    return webconfig.load(path)


def _bind_error(loaded: agent_config.LoadedAgentConfig, host: str, port: int, exc: OSError) -> ConfigError:
    """The listen address cannot be used: exit 2 naming HOST:PORT and the config line, not an internal error."""
    import errno

    shown = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    where = loaded.location(("listen",))
    if exc.errno == errno.EADDRINUSE:
        return ConfigError(Problem(where, t("security.web.addr_in_use", addr=shown), t("security.web.addr_in_use_hint"), "listen"))
    return ConfigError(Problem(where, t("security.web.bind_failed", addr=shown, reason=exc.strerror or str(exc)), t("security.web.bind_failed_hint"), "listen"))


async def run(config_path: str | Path, client_factory: ClientFactory = default_client, web_path: str | Path | None = None) -> None:
    plan = load_plan(config_path)
    web = _load_web(web_path) if web_path else None
    service = Service(config_path, plan, client_factory(), web_path=web_path, web=web)
    await service.serve()
