"""systems[].servers selectors and tenants[].quota in the inventory: schema, double claims, locations."""

from __future__ import annotations

import pytest

from cloudctl.errors import InventoryError
from cloudctl.inventory import load_inventory
from tests.unit.test_sim_dataset import SMALL_INVENTORY, write_inventory


def _with(tmp_path, systems: str | None = None, tenants: str | None = None):
    root = write_inventory(tmp_path / "inventory")
    if systems is not None:
        (root / "systems.yaml").write_text(systems, encoding="utf-8")
    if tenants is not None:
        (root / "tenants.yaml").write_text(tenants, encoding="utf-8")
    return root


SYSTEMS = """systems:
  - id: sys-0001
    name: 不动产登记系统
    department: 市自然资源局
    classified: false
    mlps_level: 3
    deployment: cloud
    provider: huawei
    tenant: t-zrzy
    go_live: 2020-05-01
    servers:
      - {provider: huawei, project: lvliang-zrzy, name: "sys-0001-*"}
      - {provider: huawei, id: 7b1e0f4e-0000-4000-8000-000000000001}
  - id: sys-0002
    name: 社保卡系统
    department: 市人社局
    classified: false
    mlps_level: 3
    deployment: cloud
    provider: huawei
    tenant: t-rsj
    go_live: 2019-03-01
    servers:
      - {provider: huawei, id: 7b1e0f4e-0000-4000-8000-000000000001}
"""


def test_selectors_and_quotas_load(tmp_path):
    systems = SYSTEMS.rsplit("    servers:\n", 1)[0]  # sys-0002 without its (conflicting) selector
    tenants = SMALL_INVENTORY["tenants.yaml"].replace("project: lvliang-gaj}", "project: lvliang-gaj, quota: {instances: 10, volume_gb: 500}}")
    inv = load_inventory(_with(tmp_path, systems, tenants))
    sel = inv.systems["sys-0001"].servers
    assert [s.describe() for s in sel] == ["huawei/lvliang-zrzy/sys-0001-*", "huawei/7b1e0f4e-0000-4000-8000-000000000001"]
    assert inv.tenants["t-gaj"].quota.limits() == {"instances": 10, "volume_gb": 500}


def test_a_server_claimed_by_two_systems_names_both_places(tmp_path):
    with pytest.raises(InventoryError) as exc:
        load_inventory(_with(tmp_path, SYSTEMS))
    [p] = exc.value.problems
    assert str(p.location).endswith("systems.yaml:24:9")  # the second claim ...
    assert "systems.yaml:13:9" in p.message and "systems[sys-0001].servers[1]" in p.message  # ... names the first
    assert p.field == "systems[sys-0002].servers[0]"


@pytest.mark.parametrize("selector,message", [
    ("{provider: huawei, project: lvliang-zrzy}", "needs id, or both project and name"),
    ("{provider: huawei, id: x1, name: 'a*'}", "either id, or project and name"),
    ("{provider: azure, id: x1}", "Input should be 'tianhe', 'huawei' or 'xinchuang'"),
    ("{provider: huawei, id: x1, owner: me}", "unknown field 'owner'"),
])
def test_bad_selectors_are_reported_where_they_are(tmp_path, selector, message):
    systems = SYSTEMS.split("  - id: sys-0002")[0].replace("{provider: huawei, id: 7b1e0f4e-0000-4000-8000-000000000001}", selector)
    with pytest.raises(InventoryError) as exc:
        load_inventory(_with(tmp_path, systems))
    assert any(message in str(p) and ":13:" in str(p.location) for p in exc.value.problems), exc.value


@pytest.mark.parametrize("quota,message", [("{}", "at least one of"), ("{vcpus: -1}", "greater than or equal to 0"), ("{cpus: 4}", "unknown field 'cpus'")])
def test_bad_quotas_are_reported(tmp_path, quota, message):
    tenants = SMALL_INVENTORY["tenants.yaml"].replace("project: lvliang-gaj}", f"project: lvliang-gaj, quota: {quota}}}")
    with pytest.raises(InventoryError) as exc:
        load_inventory(_with(tmp_path, tenants=tenants))
    assert any(message in str(p) for p in exc.value.problems), exc.value


def test_the_shipped_inventory_names_the_servers_of_every_cloud_system():
    from tests.conftest import INVENTORY

    inv = load_inventory(INVENTORY)
    for s in inv.systems.values():
        if s.deployment == "cloud":
            assert [x.describe() for x in s.servers] == [f"{s.provider}/{inv.tenants[s.tenant].project}/{s.id}-*"]
    assert sum(t.quota is not None for t in inv.tenants.values()) >= 3
