"""Benchmark of the cloud simulators: start-up, dataset generation, and page throughput.

Targets (issue #3 brief): `cloudctl sim serve` ready in < 3 s for the default dataset; the
20,000-server dataset generated in a few seconds. Anchors measured in the same run:

- the cold start of `cloudctl --version` (Python + the CLI's imports: the floor of any start-up);
- for page throughput, a bare Starlette endpoint on the same uvicorn loop returning the same
  bytes as a Nova page of 1,000 servers (the floor for serving that page over HTTP).

    .venv/bin/python bench/bench_sim.py [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import HEADER, Judge, command_line, median, row, time_call, time_command  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CLOUDCTL = [sys.executable, "-m", "cloudctl"]


def time_to_ready(extra: list[str]) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        p = subprocess.Popen([*CLOUDCTL, "sim", "serve", *extra, "--write-config", f"{tmp}/c.yaml"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
        line = p.stdout.readline()
        took = time.perf_counter() - t0
        p.send_signal(signal.SIGTERM)
        p.wait(30)
        if "ready" not in line:
            raise SystemExit(f"sim serve did not get ready: {line!r}")
        return took


async def page_throughput(pages: int) -> tuple[float, float]:
    """Seconds per 1,000-server Nova page: the simulator vs the same bytes from a bare endpoint."""
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    from cloudctl.sim import dataset, serve
    from cloudctl.sim.faults import parse_specs
    from cloudctl.sim.openstack import OpenStackCredentials

    ds = dataset.build(None, servers=20_000, seed=0)
    plan = serve.plan(ds, parse_specs([]))
    payload: dict[str, bytes] = {}
    bare = Starlette(routes=[Route("/page", lambda r: Response(payload["page"], media_type="application/json"))])
    plan.simulators.append(serve.Simulator("bare", "bare", bare))
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve.serve(plan, on_ready=lambda p: ready.set(), stop=stop))
    await ready.wait()
    tianhe, bare_url = plan.simulators[0].url, plan.simulators[-1].url
    c = OpenStackCredentials()
    async with httpx.AsyncClient(timeout=60) as client:
        body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": c.username, "domain": {"name": "Default"}, "password": c.password}}},
                         "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}
        token = (await client.post(f"{tianhe}/identity/v3/auth/tokens", json=body)).headers["x-subject-token"]
        url = f"{tianhe}/compute/v2.1/servers/detail?all_tenants=1&limit=1000"
        headers = {"X-Auth-Token": token, "OpenStack-API-Version": "compute 2.79"}
        payload["page"] = (await client.get(url, headers=headers)).content
        sim_t, bare_t = [], []
        for _ in range(pages):
            t0 = time.perf_counter()
            await client.get(url, headers=headers)
            sim_t.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            await client.get(f"{bare_url}/page")
            bare_t.append(time.perf_counter() - t0)
    stop.set()
    await task
    return median(sim_t), median(bare_t)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    inv = ["--inventory", str(ROOT / "inventory")] if (ROOT / "inventory").is_dir() else []
    anchor = median(time_command([*CLOUDCTL, "--version"], runs=args.runs, warmup=1))
    default = median([time_to_ready(inv) for _ in range(args.runs)])
    big = median([time_to_ready([*inv, "--servers", "20000"]) for _ in range(max(1, args.runs // 2))])

    from cloudctl.inventory import load_inventory
    from cloudctl.sim import dataset

    loaded = load_inventory(ROOT / "inventory") if inv else None
    build = median(time_call(lambda: dataset.build(loaded, servers=20_000, seed=0), runs=args.runs))
    sim_page, bare_page = asyncio.run(page_throughput(max(5, args.runs * 2)))

    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(HEADER)
    print(row("Nova page of 1,000 servers (2.79, warm)", f"{sim_page * 1000:.0f} ms", f"same bytes, bare endpoint {bare_page * 1000:.0f} ms",
              f"{sim_page / bare_page:.1f}×"))
    judge = Judge("bench_sim", command_line(__file__))
    version = f"`cloudctl --version` {anchor:.2f} s"
    judge.check("`cloudctl sim serve` ready (default dataset, shipped inventory) < 3 s (#3)", default, 3, unit="s",
                anchor=f"{version} → {default / anchor:.1f}×")
    judge.check("`cloudctl sim serve --servers 20000` ready in a few seconds: < 6 s (#3)", big, 6, unit="s",
                anchor=f"{version} → {big / anchor:.1f}×")
    judge.check("dataset.build(20,000 servers) in a few seconds: < 4 s (#3)", build, 4, unit="s")
    return judge.finish()


if __name__ == "__main__":
    raise SystemExit(main())
