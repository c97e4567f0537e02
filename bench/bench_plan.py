"""Benchmark: `cloudctl plan` over 20,000 servers, and `cloudctl apply` of 2,000 tag changes against a
sequential loop of the official SDKs making the same changes — the simulators on real sockets.

    .venv/bin/python bench/bench_plan.py [--runs 7]

1. plan: an inventory of 200 systems (each with a ``servers:`` selector) and 124 tenants; the
   simulators serve 20,000 servers; after one sync, `cloudctl plan -o json` is timed as a process
   (wall, median of --runs), and ``make_plan`` in-process. Target: under 1 s.
2. apply: an inventory whose 124 tenants each run one system claiming its whole project; the plan
   is cut to 2,000 tag changes spread over the three clouds. `cloudctl apply PLAN --yes` (a
   process, wall) against a fresh simulator, then — against another fresh simulator with the same
   seed, so the same 2,000 changes — a sequential loop: openstacksdk for Tianhe
   (``set_server_metadata``), huaweicloudsdkecs for Huawei (``batch_create_server_tags``), and,
   ZStack having no official Python SDK, ``requests`` with the same calls (delete the old
   ``system-id::`` tag, create the new one, poll each job with the driver's back-off).
   Target: apply ≤ 0.3 × the loop, same run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import Judge  # noqa: E402

PY = sys.executable
PROVIDERS = (("tianhe", 40), ("huawei", 35), ("xinchuang", 49))


def write_inventory(root: Path, systems: int, whole_project: bool) -> Path:
    """124 tenants on the three clouds; ``systems`` cloud systems spread over them, each with a selector."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "sites.yaml").write_text("sites:\n  - {id: lvliang, name: 吕梁市, level: city}\n"
                                     "  - {id: lishi, name: 离石区, level: county, parent: lvliang}\n", encoding="utf-8")
    (root / "nodes.yaml").write_text('nodes:\n  - {id: lishi-core-01, site: lishi, role: core, address: "10.14.0.1", snmp: v3, uplink_mbps: 1000}\n')
    tenants = [(f"t{i:03d}-{p}", p, f"bench-dept{i:03d}") for p, n in PROVIDERS for i in range(n)]
    (root / "tenants.yaml").write_text("tenants:\n" + "".join(
        f"  - {{id: {tid}, department: 部门{i}, provider: {p}, project: {proj}}}\n" for i, (tid, p, proj) in enumerate(tenants)), encoding="utf-8")
    lines = ["systems:"]
    for k in range(systems):
        tid, p, proj = tenants[k % len(tenants)]
        sid = f"sys-{k + 1:04d}"
        glob = "*" if whole_project else f"{sid}-*"
        lines.append(f"  - {{id: {sid}, name: 系统{k + 1}, department: 部门, classified: false, mlps_level: 2, deployment: cloud, provider: {p}, "
                     f"tenant: {tid}, go_live: 2020-01-01, servers: [{{provider: {p}, project: {proj}, name: \"{glob}\"}}]}}")
    (root / "systems.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


class Sims:
    """`cloudctl sim serve` in its own process; the config it writes; stopped with SIGINT."""

    def __init__(self, tmp: Path, inventory: Path, servers: int, seed: int = 1) -> None:
        self.cfg = tmp / "cloudctl.yaml"
        self.proc = subprocess.Popen([PY, "-m", "cloudctl", "sim", "serve", "--inventory", str(inventory), "--servers", str(servers),
                                      "--seed", str(seed), "--write-config", str(self.cfg)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        if "ready" not in line:
            raise SystemExit(f"simulators did not start: {line}")

    def cloudctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([PY, "-m", "cloudctl", "--config", str(self.cfg), *args], capture_output=True, text=True, check=check)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(30)


def bench_plan(tmp: Path, runs: int, judge: Judge) -> None:
    inv = write_inventory(tmp / "inv-plan", 200, whole_project=False)
    sims = Sims(tmp / "plan", inv, 20_000)
    try:
        sims.cloudctl("sync")
        walls = []
        for i in range(runs + 1):
            t0 = time.perf_counter()
            out = sims.cloudctl("plan", "-o", "json")
            if i:
                walls.append(time.perf_counter() - t0)
        n = len(json.loads(out.stdout))
        from cloudctl import config as cfgmod
        from cloudctl.plan import make_plan
        from cloudctl.store import Store

        loaded = cfgmod.load(sims.cfg)
        with Store.open(loaded.store_url) as st:
            servers = sum(1 for _ in st.resources("server"))
            inproc = []
            for _ in range(runs):
                t0 = time.perf_counter()
                make_plan(loaded, st, inv)
                inproc.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        subprocess.run([PY, "-m", "cloudctl", "--version"], capture_output=True, check=True)
        startup = time.perf_counter() - t0
    finally:
        sims.stop()
    wall = statistics.median(walls)
    print(f"plan: {servers} servers, 200 systems, 124 tenants -> {n} changes; `cloudctl plan` {wall:.3f} s wall (median of {runs}), "
          f"make_plan in-process {statistics.median(inproc):.3f} s; `cloudctl --version` {startup:.3f} s")
    judge.check("`cloudctl plan` over 20,000 servers, 200 systems, 124 tenants < 1 s (#9)", wall, 1.0, unit="s",
                anchor=f"in-process {statistics.median(inproc):.2f} s; `cloudctl --version` {startup:.2f} s")


def _two_thousand(sims: Sims, inv: Path, tmp: Path) -> Path:
    """A plan of exactly 2,000 tag changes spread over the three clouds, written as `plan --out` writes it."""
    from cloudctl.plan import planfile

    sims.cloudctl("sync")
    sims.cloudctl("plan", "--inventory", str(inv), "--out", str(tmp / "full.json"), check=False)
    plan = planfile.read(tmp / "full.json")
    tags = [c for c in plan.changes if c.action == "set_tag"]
    by_provider = {p: [c for c in tags if c.provider == p] for p, _ in PROVIDERS}
    share = {"tianhe": 700, "huawei": 650, "xinchuang": 650}
    picked = [c for p, cs in by_provider.items() for c in cs[: share[p]]]
    if len(picked) != 2000:
        raise SystemExit(f"only {len(picked)} tag changes available: {({p: len(cs) for p, cs in by_provider.items()})}")
    plan.changes = picked
    path = tmp / "plan-2000.json"
    planfile.write(plan, path)
    return path


def sdk_loop(cfg_path: Path, changes: list[dict]) -> float:
    """The same changes, one after the other, with the official clients (requests for ZStack)."""
    import openstack
    import requests
    import yaml
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkecs.v2 import BatchAddServerTag, BatchCreateServerTagsRequest, BatchCreateServerTagsRequestBody, EcsClient

    doc = yaml.safe_load(cfg_path.read_text())["providers"]
    t0 = time.perf_counter()
    o = doc["tianhe"]
    conn = openstack.connect(auth_url=o["auth_url"], username=o["username"], password=o["password"], project_name=o["project"],
                             user_domain_name="Default", project_domain_name="Default", load_yaml_config=False, load_envvars=False)
    h = doc["huawei"]
    ecs: dict[str, EcsClient] = {}
    z = doc["xinchuang"]
    api = z["endpoint"] + "/zstack/v1"
    http = requests.Session()
    session = http.put(api + "/accounts/login", json={"logInByAccount": {"accountName": z["account"],
                       "password": hashlib.sha512(z["password"].encode()).hexdigest()}}).json()["inventory"]["uuid"]
    http.headers["Authorization"] = f"OAuth {session}"

    def job(resp: requests.Response) -> None:
        resp.raise_for_status()
        location, delay = resp.json()["location"], 0.05
        while True:
            r = http.get(location)
            if r.status_code == 200:
                return
            if r.status_code != 202:
                raise RuntimeError(r.text)
            time.sleep(delay)
            delay = min(2.0, delay * 1.6)

    for c in changes:
        system = c["after"]["system"]
        if c["provider"] == "tianhe":
            conn.compute.set_server_metadata(c["id"], **{"system-id": system})
        elif c["provider"] == "huawei":
            pid = c["project_id"]
            if pid not in ecs:
                ecs[pid] = EcsClient.new_builder().with_credentials(BasicCredentials(h["ak"], h["sk"], pid)).with_endpoints([h["endpoints"]["ecs"]]).build()
            body = BatchCreateServerTagsRequestBody(action="create", tags=[BatchAddServerTag(key="system-id", value=system)])
            ecs[pid].batch_create_server_tags(BatchCreateServerTagsRequest(server_id=c["id"], body=body))
        else:
            if c["before"]["system"] is not None:
                tags = http.get(api + "/user-tags", params=[("q", f"resourceUuid={c['id']}"), ("q", "resourceType=VmInstanceVO")]).json()["inventories"]
                for t in tags:
                    if t["tag"].startswith("system-id::"):
                        job(http.delete(api + f"/tags/{t['uuid']}", params={"deleteMode": "Permissive"}))
            job(http.post(api + "/user-tags", json={"params": {"resourceType": "VmInstanceVO", "resourceUuid": c["id"], "tag": f"system-id::{system}"}}))
    conn.close()
    return time.perf_counter() - t0


def bench_apply(tmp: Path, judge: Judge) -> None:
    inv = write_inventory(tmp / "inv-apply", 124, whole_project=True)
    first = Sims(tmp / "apply-a", inv, 3_000)
    try:
        plan_path = _two_thousand(first, inv, tmp / "apply-a")
        changes = json.loads(plan_path.read_text())["changes"]
        t0 = time.perf_counter()
        out = first.cloudctl("apply", str(plan_path), "--yes", "--inventory", str(inv), check=False)
        apply_wall = time.perf_counter() - t0
        if out.returncode != 0:
            raise SystemExit(f"apply failed ({out.returncode}): {out.stderr[-2000:]}")
        again = first.cloudctl("plan", "--inventory", str(inv), "-o", "json", check=False)
        left = {c["id"] for c in json.loads(again.stdout)} & {c["id"] for c in changes}
        assert not left, f"{len(left)} of the 2,000 changes are still planned after apply"
    finally:
        first.stop()
    second = Sims(tmp / "apply-b", inv, 3_000)  # same seed: the same servers, untouched
    try:
        loop_wall = sdk_loop(second.cfg, changes)
        second.cloudctl("sync")
        again = second.cloudctl("plan", "--inventory", str(inv), "-o", "json", check=False)
        left = {c["id"] for c in json.loads(again.stdout)} & {c["id"] for c in changes}
        assert not left, f"{len(left)} of the 2,000 changes are still planned after the SDK loop"
    finally:
        second.stop()
    counts = {p: sum(c["provider"] == p for c in changes) for p, _ in PROVIDERS}
    ratio = apply_wall / loop_wall
    print(f"apply: 2,000 tag changes {counts}: `cloudctl apply` {apply_wall:.2f} s wall, sequential SDK loop {loop_wall:.2f} s -> ratio {ratio:.3f}")
    judge.check("`cloudctl apply` of 2,000 tag changes <= 0.3x a sequential openstacksdk / Huawei SDK loop (#9)", ratio, 0.3, unit="x",
                anchor=f"SDK loop {loop_wall:.1f} s, apply {apply_wall:.1f} s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    judge = Judge("bench_plan", command=".venv/bin/python bench/bench_plan.py")
    os.environ.setdefault("CLOUDCTL_LANG", "en")
    with tempfile.TemporaryDirectory(prefix="bench-plan-") as d:
        tmp = Path(d)
        bench_plan(tmp, args.runs, judge)
        bench_apply(tmp, judge)
    return judge.finish()


if __name__ == "__main__":
    raise SystemExit(main())
