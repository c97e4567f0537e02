"""Benchmark: `cloudctl sync` across the three simulators (real sockets) against anchors in the same run.

    .venv/bin/python bench/bench_sync.py --servers 20000 --repeat 3

The simulators run in their own process (`cloudctl sim serve`); each measured client is a
separate process, timed with /usr/bin/time (wall, peak RSS, CPU):

- `cloudctl sync` into a fresh store (all providers, all kinds);
- a bare httpx loop fetching the same pages (same page size, same per-provider concurrency,
  same auth) and throwing them away: the floor for any client of these APIs;
- listing the Tianhe (OpenStack) servers with openstacksdk vs with cloudctl's OpenStack driver.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


# -- the bare loop ---------------------------------------------------------------------------------
async def _bare(cfg_path: str) -> int:
    import httpx
    import yaml

    from cloudctl.providers import huawei_signer

    doc = yaml.safe_load(Path(cfg_path).read_text())
    page = 500
    total = 0

    async def os_cloud(p: dict) -> int:
        n = 0
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=8)) as c:
            sem = asyncio.Semaphore(8)
            body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": p["username"], "domain": {"name": "Default"}, "password": p["password"]}}},
                             "scope": {"project": {"name": p["project"], "domain": {"name": "Default"}}}}}
            r = await c.post(p["auth_url"] + "/auth/tokens", json=body)
            h = {"X-Auth-Token": r.headers["x-subject-token"], "X-OpenStack-Nova-API-Version": "2.79", "OpenStack-API-Version": "placement 1.10"}
            ep = {s["type"]: next(e["url"] for e in s["endpoints"] if e["interface"] == "public") for s in r.json()["token"]["catalog"]}

            async def get(url, params=None):
                async with sem:
                    return (await c.get(url, params=params, headers=h)).json()

            async def listing(url, key, params):
                count, nxt, prm = 0, url, {"limit": page, **params}
                while nxt:
                    b = await get(nxt, prm)
                    count += len(b.get(key, []))
                    nxt = next((link["href"] for link in b.get(f"{key}_links", []) if link["rel"] == "next"), None)
                    prm = None
                return count

            projects = (await get(p["auth_url"] + "/projects"))["projects"]
            net = ep["network"].rstrip("/") + ("" if ep["network"].rstrip("/").endswith("v2.0") else "/v2.0")
            counts = await asyncio.gather(
                listing(ep["compute"] + "/servers/detail", "servers", {"all_tenants": 1}),
                listing(ep["volumev3"] + "/volumes/detail", "volumes", {"all_tenants": 1}),
                *(listing(f"{net}/{k}", k, {}) for k in ("networks", "subnets", "floatingips")),
            )
            n += sum(counts)
            await asyncio.gather(*(get(u) for pr in projects for u in (
                f"{ep['compute']}/os-quota-sets/{pr['id']}/detail", f"{ep['volumev3']}/os-quota-sets/{pr['id']}?usage=True", f"{net}/quotas/{pr['id']}/details")))
            rps = (await get(ep["placement"] + "/resource_providers"))["resource_providers"]
            await asyncio.gather(*(get(f"{ep['placement']}/resource_providers/{rp['uuid']}/{w}") for rp in rps for w in ("inventories", "usages")))
        return n

    async def huawei(p: dict) -> int:
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=8)) as c:
            sem = asyncio.Semaphore(8)

            async def get(base, path, params, pid):
                url = httpx.URL(base + path, params=params)
                hdrs = huawei_signer.sign("GET", url, {"X-Project-Id": pid}, b"", p["ak"], p["sk"])
                async with sem:
                    return (await c.get(url, headers=hdrs)).json()

            ep = p["endpoints"]
            projects = (await get(ep["iam"], "/v3/projects", {}, p["project_id"]))["projects"]

            async def one(pid):
                n = 0
                pg = 1
                while True:
                    b = await get(ep["ecs"], f"/v1/{pid}/cloudservers/detail", {"offset": pg, "limit": page}, pid)
                    n += len(b["servers"])
                    if len(b["servers"]) < page:
                        break
                    pg += 1
                off = 0
                while True:
                    b = await get(ep["evs"], f"/v2/{pid}/cloudvolumes/detail", {"offset": off, "limit": page}, pid)
                    n += len(b["volumes"])
                    off += len(b["volumes"])
                    if len(b["volumes"]) < page:
                        break
                for key in ("vpcs", "subnets", "publicips"):
                    marker = None
                    while True:
                        b = await get(ep["vpc"], f"/v1/{pid}/{key}", {"limit": page, **({"marker": marker} if marker else {})}, pid)
                        n += len(b[key])
                        if len(b[key]) < page:
                            break
                        marker = b[key][-1]["id"]
                await get(ep["ecs"], f"/v1/{pid}/cloudservers/limits", {}, pid)
                await get(ep["evs"], f"/v2/{pid}/os-quota-sets/{pid}", {"usage": "True"}, pid)
                return n

            return sum(await asyncio.gather(*(one(pr["id"]) for pr in projects)))

    async def zstack(p: dict) -> int:
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=8)) as c:
            base = p["endpoint"] + "/zstack/v1"
            r = await c.put(base + "/accounts/login", json={"logInByAccount": {"accountName": p["account"], "password": hashlib.sha512(p["password"].encode()).hexdigest()}})
            h = {"Authorization": "OAuth " + r.json()["inventory"]["uuid"]}

            async def query(path):
                n, start = 0, 0
                while True:
                    b = (await c.get(base + path, params={"start": start, "limit": page, "replyWithCount": "true"}, headers=h)).json()
                    items = b.get("inventories", [])
                    n += len(items)
                    start += len(items)
                    if len(items) < page:
                        return n

            await query("/user-tags")
            counts = await asyncio.gather(*(query(k) for k in ("/vm-instances", "/volumes", "/l3-networks", "/eips", "/hosts")))
            await c.delete(f"{base}/accounts/sessions/{h['Authorization'][6:]}", headers=h)
            return sum(counts)

    fns = {"openstack": os_cloud, "huawei": huawei, "zstack": zstack}
    results = await asyncio.gather(*(fns[p["driver"]](p) for p in doc["providers"].values()))
    total = sum(results)
    return total


# -- openstacksdk vs the driver, Tianhe servers only ---------------------------------------------------
def _sdk(cfg_path: str) -> int:
    import openstack
    import yaml

    p = yaml.safe_load(Path(cfg_path).read_text())["providers"]["tianhe"]
    conn = openstack.connect(auth_url=p["auth_url"], username=p["username"], password=p["password"], project_name=p["project"],
                             user_domain_name="Default", project_domain_name="Default", region_name=p.get("region"))
    return sum(1 for _ in conn.compute.servers(details=True, all_projects=True, limit=500))


def _driver(cfg_path: str) -> int:
    import httpx

    from cloudctl import config
    from cloudctl.providers.openstack import OpenStackDriver

    loaded = config.load(cfg_path)
    cfg = loaded.config.providers["tianhe"]

    async def go() -> int:
        async with httpx.AsyncClient() as client:
            d = OpenStackDriver("tianhe", cfg, client, reveal=lambda s: loaded.provider_secret(s).reveal())
            await d.login()
            await d.load_projects()
            return sum([len(p) async for p in d.pages("server")])

    return asyncio.run(go())


# -- harness ----------------------------------------------------------------------------------------
def measure(cmd: list[str]) -> tuple[float, float, int, str]:
    """(wall s, CPU s, peak RSS MB, stdout) of one process, via /usr/bin/time."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        start = time.perf_counter()
        res = subprocess.run(["/usr/bin/time", "-o", tf.name, "-f", "%U %S %M", *cmd], capture_output=True, text=True,
                             env={**os.environ, "CLOUDCTL_CONFIG": ""})
        wall = time.perf_counter() - start
        if res.returncode not in (0,):
            raise SystemExit(f"{cmd} failed ({res.returncode}): {res.stderr[-2000:]}")
        u, s, m = tf.read().split()[-3:]
    return wall, float(u) + float(s), int(m) // 1024, res.stdout


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--servers", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--bare", help=argparse.SUPPRESS)
    ap.add_argument("--sdk", help=argparse.SUPPRESS)
    ap.add_argument("--driver", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.bare:
        print(asyncio.run(_bare(args.bare)))
        return
    if args.sdk:
        print(_sdk(args.sdk))
        return
    if args.driver:
        print(_driver(args.driver))
        return

    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "cloudctl.yaml"
        sim = subprocess.Popen([PY, "-m", "cloudctl", "--lang", "en", "sim", "serve", "--servers", str(args.servers), "--inventory", str(ROOT / "inventory"),
                                "--write-config", str(cfg)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = sim.stdout.readline()
            if "ready" not in line:
                raise SystemExit(f"simulators did not start: {sim.stderr.read()}")
            runs: dict[str, list[tuple[float, float, int]]] = {k: [] for k in ("sync", "bare", "sdk", "driver")}
            counts = {}
            for i in range(args.repeat):
                store = Path(tmp) / f"store-{i}.db"
                w, c, m, _ = measure([PY, "-m", "cloudctl", "--config", str(cfg), "sync", "--store", str(store), "-o", "json"])
                runs["sync"].append((w, c, m))
                w, c, m, out = measure([PY, __file__, "--bare", str(cfg)])
                runs["bare"].append((w, c, m))
                counts["bare"] = int(out)
                w, c, m, out = measure([PY, __file__, "--sdk", str(cfg)])
                runs["sdk"].append((w, c, m))
                counts["sdk"] = int(out)
                w, c, m, out = measure([PY, __file__, "--driver", str(cfg)])
                runs["driver"].append((w, c, m))
                counts["driver"] = int(out)
            from cloudctl.store import Store

            st = Store.open(Path(tmp) / "store-0.db")
            kinds = {k: sum(1 for _ in st.resources(k)) for k in ("server", "volume", "floating_ip")}
        finally:
            sim.terminate()
            sim.wait(20)
    med = {k: tuple(statistics.median(x[i] for x in v) for i in range(3)) for k, v in runs.items()}
    print(f"dataset: {kinds} (bare loop saw {counts['bare']} list items); repeats {args.repeat}; "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"{'client':44s} {'wall s':>8s} {'CPU s':>8s} {'peak RSS MB':>12s}")
    names = {"sync": "cloudctl sync (3 providers, all kinds)", "bare": "bare httpx loop, same pages",
             "sdk": f"openstacksdk: Tianhe servers ({counts['sdk']})", "driver": f"cloudctl driver: Tianhe servers ({counts['driver']})"}
    for k, (w, c, m) in med.items():
        print(f"{names[k]:44s} {w:8.2f} {c:8.2f} {m:12.0f}")
    print(f"sync / bare loop: wall {med['sync'][0] / med['bare'][0]:.2f}x (target <= 1.3x), CPU {med['sync'][1] / med['bare'][1]:.2f}x")
    print(f"driver / openstacksdk (Tianhe servers): wall {med['driver'][0] / med['sdk'][0]:.2f}x (target < 1)")
    print(json.dumps({"median": med}, default=float))


if __name__ == "__main__":
    main()
