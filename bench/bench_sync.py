"""Benchmark: `cloudctl sync` across the three simulators (real sockets) against anchors in the same run.

    .venv/bin/python bench/bench_sync.py --servers 20000 --repeat 3

The simulators run in their own process (`cloudctl sim serve`); each measured client is a
separate process, timed with /usr/bin/time (wall, peak RSS, CPU):

- `cloudctl sync` into a fresh store (all providers, all kinds);
- a bare httpx loop making the same requests as the drivers, as concurrently (same page size,
  same per-provider concurrency, every kind at once, same auth), only counting the items: the
  floor for any client of these APIs; its counts must equal what sync stored;
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
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Judge, command_line  # noqa: E402


# -- the bare loop ---------------------------------------------------------------------------------
# The floor: the same requests as the drivers, as concurrently as the drivers make them, and
# nothing done with the bodies but counting the items. Like a driver, each provider has one client
# and at most ``concurrency`` requests in flight; every kind is fetched at the same time as the
# others (sync gathers a driver's kinds), Huawei's kinds over every project at once, OpenStack's
# quota and Placement fan-out beside the listings (no phases). Counts per (provider, kind) are
# checked against what sync stored.
async def _bare(cfg_path: str) -> dict[str, int]:
    import httpx
    import yaml

    from cloudctl.providers import huawei_signer

    doc = yaml.safe_load(Path(cfg_path).read_text())

    def client(p: dict) -> tuple[httpx.AsyncClient, asyncio.Semaphore]:
        n = p.get("concurrency", 8)
        return httpx.AsyncClient(limits=httpx.Limits(max_connections=n, max_keepalive_connections=n), timeout=60), asyncio.Semaphore(n)

    async def os_cloud(name: str, p: dict) -> dict[tuple[str, str], int]:
        page = p.get("page_size", 500)
        c, sem = client(p)
        async with c:
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

            projects = (await get(p["auth_url"] + "/projects"))["projects"]  # the driver's load_projects
            net = ep["network"].rstrip("/") + ("" if ep["network"].rstrip("/").endswith("v2.0") else "/v2.0")

            async def quota(pid):  # three calls one after another, projects side by side, as the driver does
                for u in (f"{ep['compute']}/os-quota-sets/{pid}/detail", f"{ep['volumev3']}/os-quota-sets/{pid}?usage=True", f"{net}/quotas/{pid}/details"):
                    await get(u)

            async def capacity():
                rps = (await get(ep["placement"] + "/resource_providers"))["resource_providers"]

                async def one(rp):
                    for w in ("inventories", "usages"):
                        await get(f"{ep['placement']}/resource_providers/{rp['uuid']}/{w}")

                await asyncio.gather(*(one(rp) for rp in rps))

            *counts, _, _ = await asyncio.gather(
                listing(ep["compute"] + "/servers/detail", "servers", {"all_tenants": 1}),
                listing(ep["volumev3"] + "/volumes/detail", "volumes", {"all_tenants": 1}),
                *(listing(f"{net}/{k}", k, {}) for k in ("networks", "subnets", "floatingips")),
                asyncio.gather(*(quota(pr["id"]) for pr in projects)),
                capacity(),
            )
        return dict(zip(((name, k) for k in ("server", "volume", "network", "subnet", "floating_ip")), counts))

    async def huawei(name: str, p: dict) -> dict[tuple[str, str], int]:
        page = p.get("page_size", 500)
        c, sem = client(p)
        async with c:
            async def get(base, path, params, pid):
                url = httpx.URL(base + path, params=params)
                hdrs = huawei_signer.sign("GET", url, {"X-Project-Id": pid}, b"", p["ak"], p["sk"])
                async with sem:
                    return (await c.get(url, headers=hdrs)).json()

            ep = p["endpoints"]
            projects = (await get(ep["iam"], "/v3/projects", {}, p["project_id"]))["projects"]  # the driver's load_projects
            region = p.get("region")
            regional = [pr["id"] for pr in projects if region and (pr["name"] == region or pr["name"].startswith(region + "_"))]
            pids = sorted(regional or [pr["id"] for pr in projects])  # HuaweiDriver.project_ids()

            async def servers(pid):
                n, pg = 0, 1
                while True:
                    b = await get(ep["ecs"], f"/v1/{pid}/cloudservers/detail", {"offset": pg, "limit": page}, pid)
                    n += len(b["servers"])
                    if len(b["servers"]) < page:
                        return n
                    pg += 1

            async def volumes(pid):
                n = 0
                while True:
                    b = await get(ep["evs"], f"/v2/{pid}/cloudvolumes/detail", {"offset": n, "limit": page}, pid)
                    n += len(b["volumes"])
                    if len(b["volumes"]) < page:
                        return n

            def vpc(key):
                async def fetch(pid):
                    n, marker = 0, None
                    while True:
                        b = await get(ep["vpc"], f"/v1/{pid}/{key}", {"limit": page, **({"marker": marker} if marker else {})}, pid)
                        n += len(b[key])
                        if len(b[key]) < page:
                            return n
                        marker = b[key][-1]["id"]
                return fetch

            async def quota(pid):
                await get(ep["ecs"], f"/v1/{pid}/cloudservers/limits", {}, pid)
                await get(ep["evs"], f"/v2/{pid}/os-quota-sets/{pid}", {"usage": "True"}, pid)
                return 0

            kinds = {"server": servers, "volume": volumes, "network": vpc("vpcs"), "subnet": vpc("subnets"),
                     "floating_ip": vpc("publicips"), "quota": quota}
            sums = await asyncio.gather(*(asyncio.gather(*(fetch(pid) for pid in pids)) for fetch in kinds.values()))
        return {(name, k): sum(n) for k, n in zip(kinds, sums) if k != "quota"}

    async def zstack(name: str, p: dict) -> dict[tuple[str, str], int]:
        page = p.get("page_size", 500)
        c, sem = client(p)
        async with c:
            base = p["endpoint"] + "/zstack/v1"
            r = await c.put(base + "/accounts/login", json={"logInByAccount": {"accountName": p["account"], "password": hashlib.sha512(p["password"].encode()).hexdigest()}})
            h = {"Authorization": "OAuth " + r.json()["inventory"]["uuid"]}

            async def get(path, params=None):
                async with sem:
                    return await c.get(base + path, params=params, headers=h)

            async def query(path):
                items_all, start = [], 0
                while True:
                    b = (await get(path, {"start": start, "limit": page, "replyWithCount": "true"})).json()
                    items = b.get("inventories", [])
                    items_all += items
                    start += len(items)
                    if len(items) < page or start >= int(b.get("total", start + 1)):
                        return items_all

            await query("/user-tags")  # the driver's load_projects
            if (await get("/iam2/projects", {"replyWithCount": "true"})).status_code < 400:
                await query("/accounts/resources/refs")
            vms, vols, l3, l3_again, eips, _, _ = await asyncio.gather(
                query("/vm-instances"), query("/volumes"), query("/l3-networks"), query("/l3-networks"), query("/eips"),
                get("/accounts/quotas"), query("/hosts"))
            await c.delete(f"{base}/accounts/sessions/{h['Authorization'][6:]}", headers=h)
        return {(name, "server"): len(vms), (name, "volume"): len(vols), (name, "network"): len(l3),
                (name, "subnet"): sum(len(n.get("ipRanges") or []) for n in l3_again), (name, "floating_ip"): len(eips)}

    fns = {"openstack": os_cloud, "huawei": huawei, "zstack": zstack}
    results = await asyncio.gather(*(fns[p["driver"]](name, p) for name, p in doc["providers"].items()))
    return {f"{prov} {kind}": n for counts in results for (prov, kind), n in counts.items()}


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


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--servers", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--bare", help=argparse.SUPPRESS)
    ap.add_argument("--sdk", help=argparse.SUPPRESS)
    ap.add_argument("--driver", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.bare:
        print(json.dumps(asyncio.run(_bare(args.bare))))
        return 0
    if args.sdk:
        print(_sdk(args.sdk))
        return 0
    if args.driver:
        print(_driver(args.driver))
        return 0

    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "cloudctl.yaml"
        sim = subprocess.Popen([PY, "-m", "cloudctl", "--lang", "en", "sim", "serve", "--servers", str(args.servers), "--inventory", str(ROOT / "inventory"),
                                "--write-config", str(cfg)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = sim.stdout.readline()
            if "ready" not in line:
                raise SystemExit(f"simulators did not start: {sim.stderr.read()}")
            runs: dict[str, list[tuple[float, float, int]]] = {k: [] for k in ("sync", "bare", "sdk", "driver")}
            counts: dict = {}
            for i in range(args.repeat):  # interleaved: the machine's load drifts over all clients alike
                store = Path(tmp) / f"store-{i}.db"
                w, c, m, _ = measure([PY, "-m", "cloudctl", "--config", str(cfg), "sync", "--store", str(store), "-o", "json"])
                runs["sync"].append((w, c, m))
                w, c, m, out = measure([PY, __file__, "--bare", str(cfg)])
                runs["bare"].append((w, c, m))
                counts["bare"] = json.loads(out)
                w, c, m, out = measure([PY, __file__, "--sdk", str(cfg)])
                runs["sdk"].append((w, c, m))
                counts["sdk"] = int(out)
                w, c, m, out = measure([PY, __file__, "--driver", str(cfg)])
                runs["driver"].append((w, c, m))
                counts["driver"] = int(out)
                loads.append(os.getloadavg()[0])
            from cloudctl.store import Store

            with Store.open(Path(tmp) / "store-0.db") as st:
                stored = {f"{prov} {kind}": sum(1 for _ in st.resources(kind, provider=prov))
                          for prov, kind in (key.split() for key in counts["bare"])}
        finally:
            sim.terminate()
            sim.wait(20)
    med = {k: tuple(statistics.median(x[i] for x in v) for i in range(3)) for k, v in runs.items()}
    differ = {k: (counts["bare"][k], stored[k]) for k in stored if counts["bare"][k] != stored[k]}
    total = sum(stored.values())
    print(f"dataset: {args.servers:,} servers; {total:,} list items stored (per provider and kind: {stored}); repeats {args.repeat}; "
          f"load average {min(loads):.2f}–{max(loads):.2f} on {os.cpu_count()} CPUs")
    print(f"{'client':44s} {'wall s':>8s} {'CPU s':>8s} {'peak RSS MB':>12s}")
    names = {"sync": "cloudctl sync (3 providers, all kinds)", "bare": "bare httpx loop, same requests",
             "sdk": f"openstacksdk: Tianhe servers ({counts['sdk']})", "driver": f"cloudctl driver: Tianhe servers ({counts['driver']})"}
    for k, (w, c, m) in med.items():
        print(f"{names[k]:44s} {w:8.2f} {c:8.2f} {m:12.0f}")
    print(json.dumps({"median": med}, default=float))

    judge = Judge("bench_sync", command_line(__file__))
    judge.check("bare-loop anchor fetched exactly the items sync stored (kinds differing) (#14)", len(differ), 0,
                anchor=f"{total:,} items in {len(stored)} provider kinds" + (f"; differ (bare, store): {differ}" if differ else ""))
    judge.check(f"sync {args.servers:,} servers ≤ 1.3× a bare httpx loop over the same pages, wall (#3)", med["sync"][0] / med["bare"][0], 1.3,
                unit="×", anchor=f"sync {med['sync'][0]:.2f} s vs bare loop {med['bare'][0]:.2f} s; CPU {med['sync'][1]:.2f} vs {med['bare'][1]:.2f} s; "
                                 f"load {min(loads):.1f}–{max(loads):.1f}")
    judge.check("sync faster than openstacksdk listing the same OpenStack servers (#3)", med["driver"][0] / med["sdk"][0], 1.0, unit="×",
                anchor=f"driver {med['driver'][0]:.2f} s vs openstacksdk {med['sdk'][0]:.2f} s ({counts['sdk']:,} servers)")
    judge.check("sync peak RSS < 300 MB (#3)", med["sync"][2], 300, unit="MB", anchor=f"bare loop {med['bare'][2]:.0f} MB")
    return judge.finish()


if __name__ == "__main__":
    raise SystemExit(main())
