"""The simulators' dataset: built from the inventory, deterministic for a seed, scalable."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloudctl.inventory import load_inventory
from cloudctl.sim import dataset

SMALL_INVENTORY = {
    "sites.yaml": """sites:
  - {id: lvliang, name: 吕梁市, level: city}
  - {id: lishi, name: 离石区, level: county, parent: lvliang}
""",
    "nodes.yaml": """nodes:
  - {id: lishi-core-01, site: lishi, role: core, address: "10.14.0.1", snmp: v3-default, uplink_mbps: 1000}
""",
    "tenants.yaml": """tenants:
  - {id: t-gaj, department: 市公安局, provider: tianhe, project: lvliang-gaj}
  - {id: t-zrzy, department: 市自然资源局, provider: huawei, project: lvliang-zrzy}
  - {id: t-rsj, department: 市人社局, provider: huawei, project: lvliang-rsj}
  - {id: t-xc, department: 市大数据中心, provider: xinchuang, project: lvliang-dsj}
""",
    "systems.yaml": """systems:
  - {id: sys-0001, name: 不动产登记系统, department: 市自然资源局, classified: false, mlps_level: 3, deployment: cloud, provider: huawei, tenant: t-zrzy, go_live: 2020-05-01}
  - {id: sys-0002, name: 社保卡系统, department: 市人社局, classified: false, mlps_level: 3, deployment: cloud, provider: huawei, tenant: t-rsj, go_live: 2019-03-01}
  - {id: sys-0003, name: 警务云, department: 市公安局, classified: false, mlps_level: 3, deployment: cloud, provider: tianhe, tenant: t-gaj, go_live: 2018-01-01}
  - {id: sys-0004, name: 数据共享交换平台, department: 市大数据中心, classified: false, mlps_level: 3, deployment: cloud, provider: xinchuang, tenant: t-xc, xinchuang: true, go_live: 2022-01-01}
  - {id: sys-0005, name: 涉密办公系统, department: 市公安局, classified: true, mlps_level: 4, deployment: on_prem, go_live: 2015-01-01}
""",
}


def write_inventory(root: Path) -> Path:
    """A small valid inventory: 4 tenants on the three clouds, 4 cloud systems, 1 on-prem."""
    root.mkdir(parents=True, exist_ok=True)
    for name, text in SMALL_INVENTORY.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def small_cloud(tmp_path_factory, provider: str, servers: int, seed: int) -> dataset.Cloud:
    """One provider's cloud of a dataset built from the small inventory (for module fixtures)."""
    inv = load_inventory(write_inventory(tmp_path_factory.mktemp("inv") / "inventory"))
    return dataset.build(inv, servers=servers, seed=seed).clouds[provider]


def asgi_client(app, host: str = "sim.test"):
    """An httpx client that talks to an ASGI app in-process."""
    import httpx

    return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=f"http://{host}")


@pytest.fixture
def inv(tmp_path):
    return load_inventory(write_inventory(tmp_path / "inventory"))


def _fingerprint(ds: dataset.Dataset) -> list:
    return [(p, [(s.id, s.name, s.status, s.flavor.name, s.system_id, s.nic.ip) for s in c.servers],
             [(v.id, v.size_gb, v.status) for v in c.volumes], [f.address for f in c.floating_ips]) for p, c in ds.clouds.items()]


def test_same_seed_same_dataset_and_other_seed_differs(inv):
    a, b, c = dataset.build(inv, seed=7), dataset.build(inv, seed=7), dataset.build(inv, seed=8)
    assert _fingerprint(a) == _fingerprint(b)
    assert _fingerprint(a) != _fingerprint(c)


def test_tenants_become_projects_on_their_provider(inv):
    ds = dataset.build(inv, seed=1)
    names = {p: sorted(x.name for x in c.projects) for p, c in ds.clouds.items()}
    assert names == {"tianhe": ["lvliang-gaj"], "huawei": ["lvliang-rsj", "lvliang-zrzy"], "xinchuang": ["lvliang-dsj"]}


def test_every_cloud_system_has_vms_and_one_is_on_the_wrong_provider(inv):
    ds = dataset.build(inv, seed=3)
    where: dict[str, set[str]] = {}
    for p, c in ds.clouds.items():
        for s in c.servers:
            if s.system_id:
                where.setdefault(s.system_id, set()).add(p)
    for sid in ("sys-0001", "sys-0002", "sys-0003", "sys-0004"):
        assert sid in where
        expected = inv.systems[sid].provider
        assert (where[sid] == {expected}) == (sid != ds.misplaced_system)
    assert "sys-0005" not in where  # on-prem, classified
    unknown = set(where) - set(inv.systems)
    assert unknown == set(ds.unknown_systems) and len(unknown) >= 3


def test_xinchuang_is_aarch64_with_domestic_os_and_others_mostly_x86(inv):
    ds = dataset.build(inv, servers=400, seed=5)
    xc = ds.clouds["xinchuang"].servers
    assert xc and all(s.flavor.arch == "aarch64" for s in xc)
    assert {s.os for s in xc} <= {"Kylin V10 SP2", "UOS 20", "openEuler 22.03"}
    th = [s for s in ds.clouds["tianhe"].servers if s.belongs_to is None]
    assert th and all(s.flavor.arch == "x86_64" and s.os in ("CentOS 7.9", "Ubuntu 20.04", "Windows Server 2016") for s in th)
    assert any(s.flavor.name.startswith(("kc1.", "km1.")) for s in ds.clouds["huawei"].servers)


def test_servers_total_volumes_fips_and_statuses(inv):
    ds = dataset.build(inv, servers=1000, seed=2)
    servers = [s for c in ds.clouds.values() for s in c.servers]
    assert len(servers) == 1000
    volumes = sum(len(c.volumes) for c in ds.clouds.values())
    assert 1000 < volumes < 1150  # one system disk each + some detached
    fips = sum(len(c.floating_ips) for c in ds.clouds.values())
    assert 180 < fips < 330
    statuses = {s.status for s in servers}
    assert statuses == {"running", "stopped", "error", "building"}
    assert sum(s.status == "running" for s in servers) > 750


@pytest.mark.slow
def test_twenty_thousand_servers_each_once_with_a_system_disk(inv):
    # how long it takes is bench/bench_sim.py's business (a target there, not a timed test)
    ds = dataset.build(inv, servers=20_000, seed=0)
    servers = [s for c in ds.clouds.values() for s in c.servers]
    assert len(servers) == len({s.id for s in servers}) == 20_000
    assert sum(len(c.volumes) for c in ds.clouds.values()) >= 20_000  # one system disk each


def test_without_inventory_every_cloud_still_has_a_project():
    ds = dataset.build(None, seed=0)
    assert all(c.projects and c.servers for c in ds.clouds.values())


def test_shipped_inventory_builds_a_dataset_with_every_cloud_system():
    from tests.conftest import INVENTORY

    inv = load_inventory(INVENTORY)
    ds = dataset.build(inv, seed=0)
    tagged = {s.system_id for c in ds.clouds.values() for s in c.servers if s.system_id}
    cloud_systems = {s.id for s in inv.systems.values() if s.deployment == "cloud"}
    assert cloud_systems <= tagged
    projects = {f"{p}/{x.name}" for p, c in ds.clouds.items() for x in c.projects}
    in_use = {f"{t.provider}/{t.project}" for t in inv.tenants.values() if any(s.tenant == t.id for s in inv.systems.values())}
    assert in_use <= projects  # every tenant that runs a system exists on its cloud
    declared = {f"{t.provider}/{t.project}" for t in inv.tenants.values()}
    assert ds.missing_projects and set(ds.missing_projects) == declared - projects  # the rest: not created yet


def test_part_of_each_systems_vms_are_untagged_or_carry_a_neighbours_tag(inv):
    ds = dataset.build(inv, servers=400, seed=11)
    servers = [s for c in ds.clouds.values() for s in c.servers]
    wrong = {s.id: s for s in servers if s.belongs_to and s.system_id != s.belongs_to}
    assert wrong and set(wrong) == set(ds.mislabeled)
    for s in wrong.values():
        assert s.name.startswith(s.belongs_to + "-")  # named after its system: a selector can claim it
        assert s.status in ("running", "stopped")  # the clouds accept tag changes on these
        assert ds.mislabeled[s.id] == s.system_id
    first = {}
    for s in servers:
        if s.belongs_to:
            first.setdefault(s.belongs_to, s)
    assert all(s.system_id == s.belongs_to for s in first.values())  # a system's first VM keeps its tag

