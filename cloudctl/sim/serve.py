"""Run the three cloud simulators in one process and write a ``cloudctl.yaml`` that points at them.

One event loop, one uvicorn server per simulator, each on a socket bound to a free loopback
port before anything starts, so the config can be written first and ``ready`` announced only
when every server listens. SIGINT/SIGTERM stop all servers gracefully.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
import yaml

from cloudctl.sim.dataset import Dataset
from cloudctl.sim.faults import Faults
from cloudctl.sim.huawei import HuaweiCredentials, huawei_app
from cloudctl.sim.openstack import OpenStackCredentials, openstack_app
from cloudctl.sim.zstack import ZStackCredentials, zstack_app

HOST = "127.0.0.1"
DISPLAY = {"tianhe": "天河政务云", "huawei": "华为政务云", "xinchuang": "信创云"}
# platform: in the written config — the simulated 信创 cloud is the one 信创 platform (indicator 7).
PLATFORM = {"tianhe": "general", "huawei": "general", "xinchuang": "xinchuang"}


@dataclass
class Simulator:
    name: str  # provider name in the config: tianhe | huawei | xinchuang
    driver: str  # openstack | huawei | zstack
    app: Callable
    sock: socket.socket | None = None
    url: str = ""


@dataclass
class Plan:
    """What ``serve`` runs: the simulators, and the config to write for them."""

    dataset: Dataset
    simulators: list[Simulator] = field(default_factory=list)


def plan(ds: Dataset, faults: dict[str, Faults], xinchuang: str = "zstack") -> Plan:
    """The three simulators for a dataset; 信创 speaks ZStack or (``openstack``) the OpenStack APIs."""
    sims = [
        Simulator("tianhe", "openstack", openstack_app(ds.clouds["tianhe"], faults.get("tianhe"))),
        Simulator("huawei", "huawei", huawei_app(ds.clouds["huawei"], faults.get("huawei"))),
    ]
    xc = ds.clouds["xinchuang"]
    if xinchuang == "openstack":
        sims.append(Simulator("xinchuang", "openstack", openstack_app(xc, faults.get("xinchuang"))))
    else:
        sims.append(Simulator("xinchuang", "zstack", zstack_app(xc, faults.get("xinchuang"))))
    return Plan(ds, sims)


def bind_free_port(host: str = HOST) -> socket.socket:
    # IPPROTO_TCP, not 0: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on accepted sockets
    # whose proto says TCP. Without it uvicorn's two writes per response (head, then body) met the
    # client's delayed ACK: ~40 ms per small response on a kept-alive connection, 235 Placement
    # round trips of 44 ms each in a 20,000-server sync, and wall times measured mostly that wait.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


def provider_entry(sim: Simulator, ds: Dataset) -> dict:
    """One ``providers:`` entry of cloudctl.yaml (matches :mod:`cloudctl.config` exactly)."""
    cloud = ds.clouds[sim.name]
    base = {"display_name": DISPLAY[sim.name], "driver": sim.driver, "platform": PLATFORM[sim.name], "region": cloud.region, "timeout": 30.0}
    if sim.driver == "openstack":
        c = OpenStackCredentials()
        return {**base, "auth_url": f"{sim.url}/identity/v3", "username": c.username, "password": c.password,
                "user_domain": "Default", "project_domain": "Default", "project": "admin", "all_tenants": True}
    if sim.driver == "huawei":
        c = HuaweiCredentials()
        return {**base, "project_id": cloud.projects[0].id, "scheme": "http", "ak": c.ak, "sk": c.sk,
                "endpoints": {svc: sim.url for svc in ("ecs", "evs", "vpc", "iam")}, "iam_endpoint": sim.url}
    c = ZStackCredentials()
    return {**base, "endpoint": sim.url, "account": c.account, "password": c.password}


def config_document(p: Plan, inventory: Path | None, store: Path) -> dict:
    doc: dict = {}
    if inventory is not None:
        doc["inventory"] = str(inventory.resolve())
    doc["store"] = str(store)
    doc["audit_log"] = str(store.parent / "audit.jsonl")
    doc["providers"] = {s.name: provider_entry(s, p.dataset) for s in p.simulators}
    return doc


def write_config(path: Path, doc: dict) -> None:
    """Write atomically with mode 0600 (it holds demo credentials)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    from cloudctl.config import simulator_config_text

    text = simulator_config_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))
    fd, tmp = tempfile.mkstemp(prefix=".cloudctl-", suffix=".yaml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the process-wide handler stops all servers."""

    @contextlib.contextmanager
    def capture_signals(self):  # noqa: ANN201
        yield


async def serve(p: Plan, on_ready: Callable[[Plan], None], before_start: Callable[[Plan], None] | None = None,
                stop: asyncio.Event | None = None) -> None:
    """Bind, call ``before_start`` (write the config), start every server, call ``on_ready``,
    and run until ``stop`` is set or SIGINT/SIGTERM arrives."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for s in p.simulators:
        s.sock = bind_free_port()
        s.url = f"http://{HOST}:{s.sock.getsockname()[1]}"
    if before_start:
        before_start(p)
    servers = [_Server(uvicorn.Config(s.app, log_level="warning", access_log=False, lifespan="off", http="h11"))
               for s in p.simulators]
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
            installed.append(sig)
    tasks = [asyncio.create_task(srv.serve(sockets=[s.sock])) for srv, s in zip(servers, p.simulators)]
    try:
        while not all(srv.started for srv in servers):
            failed = [t for t in tasks if t.done()]
            if failed:
                failed[0].result()  # re-raise why a server could not start
                raise RuntimeError("a simulator stopped before it started")
            await asyncio.sleep(0.01)
        on_ready(p)
        await stop.wait()
    finally:
        for srv in servers:
            srv.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
        for sig in installed:
            loop.remove_signal_handler(sig)
        for s in p.simulators:
            if s.sock is not None:
                s.sock.close()
