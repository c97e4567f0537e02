"""`tag suggest`: selectors proposed for unclaimed servers, from their names (system id, pinyin) or
their tenant; YAML ready to paste; the inventory is never written."""

from __future__ import annotations

import hashlib

import yaml

from cloudctl.inventory import load_inventory
from cloudctl.model import Resource
from cloudctl.plan.suggest import suggest, to_yaml
from tests.plan_env import make_env
from tests.unit.test_sim_dataset import write_inventory


def _srv(name: str, project: str, provider: str = "huawei", system: str | None = None) -> Resource:
    return Resource(provider, "server", f"id-{name}", name, "active", project, system=system)


def test_names_with_a_system_id_pinyin_or_a_single_system_tenant(tmp_path):
    inv = load_inventory(write_inventory(tmp_path / "inventory"))
    servers = [
        _srv("sys-0001-hu00007", "lvliang-zrzy"),  # the system id
        _srv("sys-0001-hu00008", "lvliang-zrzy"),
        _srv("sbk-app-01", "lvliang-rsj"),  # 社保卡系统 -> shebaoka / sbk
        _srv("vm-ti00012", "lvliang-gaj", "tianhe"),  # the only system of tenant t-gaj
        _srv("sys-9001-hu00002", "lvliang-rsj"),  # a system the inventory does not know: no guess
    ]
    found = {(s.system, s.selector.get("name") or s.selector.get("id")): s for s in suggest(inv, servers, {"huawei", "tianhe"})}
    assert found[("sys-0001", "sys-0001-*")].servers == ["sys-0001-hu00007", "sys-0001-hu00008"]
    assert "system id" in found[("sys-0001", "sys-0001-*")].reason
    assert ("sys-0002", "*sbk*") in found and "pinyin" in found[("sys-0002", "*sbk*")].reason
    assert found[("sys-0003", "id-vm-ti00012")].reason == "the only system of tenant t-gaj"
    assert not any("sys-9001" in s.servers[0] for s in found.values())


def test_claimed_servers_get_no_suggestion_and_the_yaml_pastes_into_systems(tmp_path):
    env = make_env(tmp_path)
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in env.inventory.iterdir()}
    servers = list(env.store.resources("server"))
    found = suggest(load_inventory(env.inventory), servers, {"tianhe", "huawei", "xinchuang"})
    text = to_yaml(found)
    doc = yaml.safe_load(text)
    assert isinstance(doc, list) and doc and all({"id", "servers"} <= set(item) for item in doc)
    for s in found:
        for name in s.servers:
            assert not any(name.startswith(c + "-") and s.project == p for c, p in
                           (("sys-0001", "lvliang-zrzy"), ("sys-0003", "lvliang-gaj"), ("sys-0004", "lvliang-dsj")))
    misplaced = env.ds.misplaced_system  # its VMs run on another provider: found by their names
    assert any(s.system == misplaced and "system id" in s.reason for s in found)
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in env.inventory.iterdir()} == before


def test_cli_yaml_output_is_paste_ready(tmp_path, cli):
    env = make_env(tmp_path)
    code, out, err = cli("tag", "suggest", "--inventory", env.inventory, "--store", tmp_path / "store.db", "-o", "yaml")
    assert code == 0 and out.startswith("# cloudctl tag suggest")
    items = yaml.safe_load(out)
    assert items and all("servers" in item for item in items)
