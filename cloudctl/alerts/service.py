"""Run the relay: load ``relay.yaml``, resolve the robots' secrets, serve, and stop gracefully.

On SIGTERM (or SIGINT) the relay stops accepting webhooks (503, so Alertmanager retries them
elsewhere or later), lets requests in flight finish, then gives the lanes ``limits.shutdown_timeout``
to send what is queued; what is still queued then is counted as dropped and logged. Errors a user
can fix (config, secrets, inventory, port in use) are raised as :class:`~cloudctl.errors.CloudctlError`
before anything is served.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import time
from collections.abc import Callable
from datetime import datetime, timezone

import httpx
import uvicorn
from prometheus_client.registry import CollectorRegistry

from cloudctl.agent.config import listen_address
from cloudctl.alerts import config as relay_config
from cloudctl.alerts.dingtalk import DingTalkSender
from cloudctl.alerts.lane import Clock, Lane
from cloudctl.alerts.message import Message, render
from cloudctl.alerts.metrics import RelayCollector, RelayStats
from cloudctl.alerts.payload import Notification
from cloudctl.alerts.places import Places, from_inventory
from cloudctl.alerts.server import RelayState, make_app
from cloudctl.errors import ConfigError, Location, Problem
from cloudctl.i18n import t

log = logging.getLogger("cloudctl.alerts.relay")


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the relay stops in its own order (see the module doc)."""

    @contextlib.contextmanager
    def capture_signals(self):  # noqa: ANN201
        yield


def _bind(listen: str, where: Location) -> socket.socket:
    host, port = listen_address(listen)
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        raise ConfigError(Problem(where, t("alerts.relay.port_in_use", listen=listen, reason=exc.strerror or exc), t("alerts.relay.port_hint"), "listen")) from None
    return sock


async def _supervise(lane: Lane) -> None:
    """Run a lane; an unexpected error is logged and the lane goes on (the relay must not stop delivering)."""
    while True:
        try:
            await lane.run()
            return
        except Exception:  # noqa: BLE001 - a boundary: one robot's bug must not stop the others
            log.exception(t("alerts.relay.lane_failed", robot=lane.name))
            await asyncio.sleep(1.0)


async def run(config_path: str, *, on_ready: Callable[[str, list[str]], None] | None = None,
              stop: asyncio.Event | None = None) -> RelayStats:
    """Serve until SIGTERM/SIGINT (or ``stop``); return the counters."""
    # httpx logs every request URL at INFO, and a robot's URL carries its access_token and signature.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    loaded = relay_config.load(config_path)
    cfg = loaded.config
    for w in loaded.warnings:
        log.warning(t("alerts.relay.literal_secret", where=f"{w.location}: {w.field}"))
    robots = relay_config.credentials(loaded)
    if cfg.inventory is not None:
        from cloudctl.inventory.loader import load_inventory

        places = from_inventory(load_inventory(loaded.path(cfg.inventory)))
    else:
        places = Places()
        log.warning(t("alerts.relay.no_inventory"))
    sock = _bind(cfg.listen, loaded.where("listen"))

    stats = RelayStats()

    def message_for(batch: list[Notification]) -> Message:
        return render(batch, places, now=datetime.now(timezone.utc), lang=cfg.lang,
                      max_bytes=cfg.limits.max_message, rate_limit=cfg.dingtalk.rate_limit)

    verify: bool | str = str(loaded.path(cfg.dingtalk.ca_bundle)) if cfg.dingtalk.ca_bundle else True
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    received: list[str] = []

    def on_signal(name: str) -> None:
        received.append(name)
        stop.set()

    installed = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not the main thread
            loop.add_signal_handler(sig, on_signal, sig.name)
            installed.append(sig)
    try:
        async with httpx.AsyncClient(timeout=cfg.dingtalk.timeout, verify=verify) as client:
            sender = DingTalkSender(client, cfg.dingtalk.url, lambda: int(time.time() * 1000))

            async def send(robot, message, mention):  # noqa: ANN001, ANN202
                return await sender.send(robot, message, mention=mention)

            lanes = {name: Lane(creds, send, message_for, cfg.dingtalk, cfg.limits, stats) for name, creds in robots.items()}
            registry = CollectorRegistry()
            registry.register(RelayCollector(stats, list(lanes), lambda: {n: lane.depth for n, lane in lanes.items()}))
            state = RelayState(lanes, stats, registry, cfg.limits)
            server = _Server(uvicorn.Config(make_app(state), log_level="warning", access_log=False, lifespan="off",
                                            http="h11", limit_concurrency=64, timeout_keep_alive=5, server_header=False))
            lane_tasks = [asyncio.create_task(_supervise(lane)) for lane in lanes.values()]
            serving = asyncio.create_task(server.serve(sockets=[sock]))
            while not server.started:
                if serving.done():
                    serving.result()
                    raise RuntimeError("the relay's HTTP server stopped before it started")
                await asyncio.sleep(0.01)
            state.accepting = True
            host, port = sock.getsockname()[:2]
            url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
            if on_ready is not None:
                on_ready(url, sorted(lanes))
            await stop.wait()

            state.accepting = False
            log.info(t("alerts.relay.stopping", signal=received[0] if received else "stop", seconds=cfg.limits.shutdown_timeout))
            server.should_exit = True
            await serving
            deadline = Clock().now() + cfg.limits.shutdown_timeout
            for lane in lanes.values():
                lane.close(deadline)
            await asyncio.gather(*lane_tasks)
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
        sock.close()
    log.info(t("alerts.relay.stopped", delivered=sum(stats.delivered.values()), failed=sum(stats.failed.values()),
               dropped=sum(n for (_, reason), n in stats.dropped.items() if reason == "shutdown")))
    return stats
