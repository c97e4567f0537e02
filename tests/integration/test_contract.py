"""The behavioural contract every driver meets, checked against its simulator over real sockets.

`cloudctl sim serve` runs the three clouds; `cloudctl sync` (a real process) fetches them; the
store must then hold exactly what each cloud holds, normalized the same way, whichever driver
spoke to it. Faults (429 bursts, 5xx, truncated bodies, expiring tokens) must not change the
result; a failing provider gives exit 3 and keeps its previous data; SIGKILL mid-sync never
loses the previous snapshot; planted secrets never reach output or the store.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from cloudctl.model import Resource
from cloudctl.store import Store

ROOT = Path(__file__).resolve().parents[2]
SERVERS, SEED = 300, 5
PROVIDERS = ("tianhe", "huawei", "xinchuang")
STATUSES = {"active", "building", "stopped", "paused", "error", "deleted", "available", "in_use", "down", "unknown"}


def serve(tmp: Path, *extra: str) -> tuple[subprocess.Popen, Path]:
    cfg = tmp / "cloudctl.yaml"
    # stderr to a file: a pipe no one reads fills up (uvicorn logs a traceback for every request
    # whose client was killed) and then the simulators block on the write and answer nothing.
    with open(tmp / "sim.stderr", "w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "cloudctl", "--lang", "en", "sim", "serve", "--inventory", str(ROOT / "inventory"), "--servers", str(SERVERS),
             "--seed", str(SEED), "--write-config", str(cfg), *extra],
            stdout=subprocess.PIPE, stderr=err, text=True,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if "ready" in line:
            return proc, cfg
        if not line:
            break
    proc.kill()
    pytest.fail(f"simulators did not start: {(tmp / 'sim.stderr').read_text()}")


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(15)
    finally:
        if proc.poll() is None:
            proc.kill()


def sim_urls(cfg: Path) -> dict[str, str]:
    """Base URL of each simulator, from the config `sim serve` wrote."""
    doc = yaml.safe_load(cfg.read_text())["providers"]
    return {"tianhe": doc["tianhe"]["auth_url"].removesuffix("/identity/v3"), "huawei": doc["huawei"]["endpoints"]["ecs"],
            "xinchuang": doc["xinchuang"]["endpoint"]}


def sim_stats(url: str) -> dict:
    """What a simulator served: API requests answered by path, faults fired by kind (GET /_sim/stats)."""
    with urllib.request.urlopen(f"{url}/_sim/stats", timeout=10) as r:
        return json.load(r)


def cloudctl(cfg: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cloudctl", "--lang", "en", "--config", str(cfg), *args],
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def dataset():
    from cloudctl.inventory import load_inventory
    from cloudctl.sim.dataset import build

    return build(load_inventory(ROOT / "inventory"), servers=SERVERS, seed=SEED)


@pytest.fixture(scope="module")
def synced(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("contract")
    proc, cfg = serve(tmp)
    try:
        res = cloudctl(cfg, "sync", "-o", "json")
        yield cfg, res, Store.open(yaml.safe_load(cfg.read_text())["store"])
    finally:
        stop(proc)


def by_provider(store: Store, kind: str, provider: str) -> list[Resource]:
    return list(store.resources(kind, provider=provider))


def test_sync_succeeds_for_every_provider(synced):
    _, res, _ = synced
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)
    assert {r["provider"] for r in rows} == set(PROVIDERS) and not any(r["error"] for r in rows)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_server_volume_and_floating_ip_arrives_once(synced, dataset, provider):
    _, _, store = synced
    cloud = dataset.clouds[provider]
    servers = by_provider(store, "server", provider)
    assert len(servers) == len(cloud.servers) == len({s.id for s in servers})
    assert len(by_provider(store, "volume", provider)) == len(cloud.volumes)
    assert len(by_provider(store, "floating_ip", provider)) == len(cloud.floating_ips)
    assert len(by_provider(store, "network", provider)) == len(cloud.networks)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_servers_are_normalized_the_same_way(synced, dataset, provider):
    _, _, store = synced
    cloud = dataset.clouds[provider]
    names = {p.name for p in cloud.projects}
    want = {s.name: s for s in cloud.servers}
    status = {"running": "active", "stopped": "stopped", "building": "building"}
    for r in by_provider(store, "server", provider):
        src = want[r.name]
        assert r.status in STATUSES and r.region
        assert r.project in names, (r.project, names)
        assert r.arch == src.flavor.arch
        assert r.system == src.system_id
        assert r.extra["vcpus"] == src.flavor.vcpus and r.extra["ram_mb"] == src.flavor.ram_mb
        if src.status in status:
            assert r.status == status[src.status], (src.status, r.raw_status)
        else:
            assert r.status in ("error", "unknown")


@pytest.mark.parametrize("provider", PROVIDERS)
def test_projects_and_quotas_or_capacity_are_listed(synced, dataset, provider):
    _, _, store = synced
    projects = {p.name for p in by_provider(store, "project", provider)}
    assert {s.project for s in by_provider(store, "server", provider)} <= projects
    assert by_provider(store, "quota", provider) or by_provider(store, "capacity", provider)


def test_ls_json_contract_and_filters(synced, dataset):
    cfg, _, _ = synced
    res = cloudctl(cfg, "ls", "servers", "-o", "json")
    rows = json.loads(res.stdout)
    assert len(rows) == sum(len(c.servers) for c in dataset.clouds.values())
    for key in ("provider", "kind", "id", "name", "status", "project", "region"):
        assert all(key in r for r in rows)
    arm = json.loads(cloudctl(cfg, "ls", "server", "--arch", "aarch64", "--provider", "huawei", "-o", "json").stdout)
    assert len(arm) == sum(1 for s in dataset.clouds["huawei"].servers if s.flavor.arch == "aarch64") > 0
    tagged = next(s for s in dataset.clouds["tianhe"].servers if s.system_id)
    hit = json.loads(cloudctl(cfg, "ls", "servers", "--system", tagged.system_id, "-o", "json").stdout)
    assert tagged.name in {r["name"] for r in hit}
    cap = cloudctl(cfg, "capacity", "-o", "json")
    assert cap.returncode == 0 and {r["provider"] for r in json.loads(cap.stdout)} == set(PROVIDERS)


def test_faults_do_not_change_the_result(tmp_path, dataset):
    proc, cfg = serve(tmp_path, "--fault", "throttle=2/15,retry_after=0", "--fault", "error_rate=0.06",
                      "--fault", "truncate_rate=0.08", "--fault", "token_uses=20")
    try:
        doc = yaml.safe_load(cfg.read_text())
        # Small pages: enough requests to each cloud for every fault to come up. With ~20 % of
        # requests faulted, a request can fail 5 times in a row (the default max_retries=4 then
        # gives up, as it should): a cloud this flaky is what max_retries is for.
        for p in PROVIDERS:
            doc["providers"][p].update(page_size=25, max_retries=8)
        cfg.write_text(yaml.safe_dump(doc, allow_unicode=True))
        res = cloudctl(cfg, "sync", "-o", "json")
        assert res.returncode == 0, [r for r in json.loads(res.stdout) if r["error"]]
        rows = {(r["provider"], r["kind"]): r["count"] for r in json.loads(res.stdout)}
        for p in PROVIDERS:
            assert rows[(p, "server")] == len(dataset.clouds[p].servers)
            assert rows[(p, "volume")] == len(dataset.clouds[p].volumes)
        # the faults did happen, to every provider: the result is complete in spite of them
        for p, url in sim_urls(cfg).items():
            fired = sim_stats(url)["faults"]
            # huawei signs every request with AK/SK (the written config): it has no token to expire
            kinds = ("throttle", "error", "truncate") + (("token_expired",) if p != "huawei" else ())
            assert all(fired.get(kind, 0) > 0 for kind in kinds), (p, fired)
    finally:
        stop(proc)


def test_failing_provider_exit_3_keeps_previous_data_and_never_shows_the_secret(tmp_path, dataset):
    proc, cfg = serve(tmp_path)
    try:
        assert cloudctl(cfg, "sync").returncode == 0
        doc = yaml.safe_load(cfg.read_text())
        planted = "Planted-Wrong-SK-0b9d2e71"
        doc["providers"]["huawei"]["sk"] = planted
        bad = tmp_path / "bad.yaml"
        bad.write_text(yaml.safe_dump(doc))
        res = cloudctl(bad, "--debug", "sync")
        assert res.returncode == 3, res.stderr
        assert "huawei" in res.stdout + res.stderr and planted not in res.stdout + res.stderr
        listed = json.loads(cloudctl(bad, "ls", "servers", "--provider", "huawei", "-o", "json").stdout)
        assert len(listed) == len(dataset.clouds["huawei"].servers)
        snaps = json.loads(cloudctl(bad, "snapshots", "-o", "json").stdout)
        assert [s["status"] for s in snaps] == ["complete", "partial"] and "401" in snaps[-1]["errors"]
        store = Path(doc["store"])
        for f in [*store.parent.glob(store.name + "*"), *store.parent.glob(store.name + ".locks/*")]:
            if f.is_dir():
                continue
            assert planted.encode() not in f.read_bytes() and doc["providers"]["tianhe"]["password"].encode() not in f.read_bytes()
    finally:
        stop(proc)


def test_sigkill_during_sync_keeps_the_previous_snapshot(tmp_path, dataset):
    # tianhe answers slowly and in small pages; huawei and xinchuang at full speed
    proc, cfg = serve(tmp_path, "--fault", "tianhe:latency=100")
    try:
        assert cloudctl(cfg, "sync", timeout=180).returncode == 0
        written = cfg.read_text()
        doc = yaml.safe_load(written)
        doc["providers"]["tianhe"]["page_size"] = 2
        cfg.write_text(yaml.safe_dump(doc, allow_unicode=True))
        store_path, tianhe = doc["store"], sim_urls(cfg)["tianhe"]
        pages = -(-len(dataset.clouds["tianhe"].servers) // 2)
        listing = "GET /compute/v2.1/servers/detail"
        served_before = sim_stats(tianhe)["answered"][listing]
        victim = subprocess.Popen([sys.executable, "-m", "cloudctl", "--config", str(cfg), "sync"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # Kill it mid-write: in the new snapshot two providers have committed their rows and
        # tianhe is still streaming server pages.
        deadline = time.monotonic() + 60
        while True:
            assert victim.poll() is None, f"the sync ended before it could be killed mid-write: {victim.stderr.read()}"
            assert time.monotonic() < deadline, "the sync never reached the middle of writing"
            with Store.open(store_path) as store:
                snap = store.snapshots()[-1]
            served = sim_stats(tianhe)["answered"][listing] - served_before
            if snap.id == 2 and snap.providers == {"huawei": "ok", "xinchuang": "ok", "tianhe": "running"} and served > 0:
                break
            time.sleep(0.05)
        victim.kill()
        victim.wait(10)
        assert served < pages, "tianhe had fetched every server page: the kill was not mid-sync"
        with Store.open(store_path) as store:
            assert store.snapshots()[-1].providers["tianhe"] == "running"  # killed before tianhe committed
        assert sqlite3.connect(store_path).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = json.loads(cloudctl(cfg, "ls", "servers", "-o", "json").stdout)
        assert len(rows) == sum(len(c.servers) for c in dataset.clouds.values())  # tianhe's from snapshot 1
        # the next sync (in full pages again) cleans up after the killed one and completes
        cfg.write_text(written)
        assert cloudctl(cfg, "sync", timeout=180).returncode == 0
        snaps = json.loads(cloudctl(cfg, "snapshots", "-o", "json").stdout)
        assert [s["status"] for s in snaps] == ["complete", "interrupted", "complete"]
    finally:
        stop(proc)
