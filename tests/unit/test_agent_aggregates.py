"""Coverage, IPv6 and backbone figures from the small inventory in test_agent_helpers, by hand."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import CollectorRegistry

from cloudctl.agent.core import Agent
from cloudctl.agent.service import load_plan
from cloudctl.snmp.base import DictClient
from tests.unit.test_agent_helpers import UNREACHABLE, fleet_tables, write_config, write_inventory


@pytest.fixture
def agent(tmp_path, monkeypatch) -> Agent:
    monkeypatch.setenv("TEST_SNMP_COMMUNITY", "s3cret-community")
    write_inventory(tmp_path / "inventory")
    plan = load_plan(write_config(tmp_path / "agent.yaml"))
    a = Agent(plan, DictClient(fleet_tables(), unreachable=UNREACHABLE))
    asyncio.run(a.sweep())
    return a


def value(reg: CollectorRegistry, name: str, **labels: str) -> float | None:
    return reg.get_sample_value(name, labels)


# (level, county) -> (connected, total): see the tree in test_agent_helpers.
EXPECTED_SITES = {
    ("county", "lishi"): (1, 1), ("county", "xiaoyi"): (1, 1), ("county", "all"): (2, 2),
    ("township", "lishi"): (1, 1), ("township", "xiaoyi"): (0, 1), ("township", "all"): (1, 2),
    ("village", "lishi"): (2, 3), ("village", "xiaoyi"): (1, 2), ("village", "all"): (3, 5),
}


@pytest.mark.parametrize(("level", "county"), sorted(EXPECTED_SITES))
def test_coverage_counts_a_site_connected_when_any_node_is_up(agent, level, county):
    connected, total = EXPECTED_SITES[(level, county)]
    reg = agent.registry
    assert value(reg, "egov_sites_connected", level=level, county=county) == connected
    assert value(reg, "egov_sites", level=level, county=county) == total
    assert value(reg, "egov_coverage_ratio", level=level, county=county) == pytest.approx(connected / total)


def test_city_sites_are_not_counted_in_coverage(agent):
    assert value(agent.registry, "egov_sites", level="city", county="all") is None


def test_ipv6_ratio_is_enabled_nodes_over_nodes_up(agent):
    # lishi up: core-01 (global v6), t1-agg (none), v1 (global), v3 (link-local only) -> 2/4
    # xiaoyi up: core-01 (global, via IPV6-MIB fallback), v1 (none) -> 1/2
    reg = agent.registry
    assert value(reg, "egov_ipv6_ratio", county="lishi") == pytest.approx(0.5)
    assert value(reg, "egov_ipv6_ratio", county="xiaoyi") == pytest.approx(0.5)
    assert value(reg, "egov_ipv6_ratio", county="all") == pytest.approx(3 / 6)
    assert value(reg, "egov_node_ipv6_enabled", node="lishi-v3-acc", county="lishi", township="lishi-t1", role="access") == 0
    assert value(reg, "egov_node_ipv6_enabled", node="xiaoyi-core-01", county="xiaoyi", township="", role="core") == 1


def test_backbone_ratio_counts_county_core_nodes_with_a_known_uplink(agent):
    # lishi-core-01 10G up; lishi-core-02 never answered (unknown); xiaoyi-core-01 100M.
    reg = agent.registry
    assert value(reg, "egov_backbone_gigabit_ratio", county="lishi") == 1
    assert value(reg, "egov_backbone_gigabit_ratio", county="xiaoyi") == 0
    assert value(reg, "egov_backbone_gigabit_ratio", county="all") == pytest.approx(0.5)


def test_per_node_metrics_of_an_up_node(agent):
    reg = agent.registry
    labels = {"node": "lishi-core-01", "county": "lishi", "township": "", "role": "core"}
    assert reg.get_sample_value("egov_node_up", labels) == 1
    assert reg.get_sample_value("egov_node_uptime_seconds", labels) == 3600
    assert reg.get_sample_value("egov_node_ipv6_forwarding", labels) == 1
    up = {**labels, "interface": "GE0/0/1"}
    assert reg.get_sample_value("egov_node_uplink_speed_bytes", up) == 10000 * 1_000_000 / 8
    assert reg.get_sample_value("egov_node_interface_receive_bytes_total", up) == 1000
    assert reg.get_sample_value("egov_node_interface_transmit_bytes_total", up) == 2000
    info = {**labels, "sysname": "lishi-core-01", "vendor": "huawei",
            "sysdescr": "Huawei Versatile Routing Platform Software VRP (R) software, Version 8.180"}
    assert reg.get_sample_value("egov_node_info", info) == 1
    assert reg.get_sample_value("egov_node_last_success_timestamp_seconds", labels) > 0


def test_a_failed_node_is_data_not_a_crash(agent):
    reg = agent.registry
    labels = {"node": "lishi-v2-acc", "county": "lishi", "township": "lishi-t1", "role": "access"}
    assert reg.get_sample_value("egov_node_up", labels) == 0
    assert reg.get_sample_value("egov_node_poll_errors_total", {**labels, "kind": "timeout"}) == 1
    assert reg.get_sample_value("egov_node_uptime_seconds", labels) is None
    assert reg.get_sample_value("egov_agent_errors_total", {"kind": "timeout"}) == 3
    assert reg.get_sample_value("egov_agent_nodes", {"state": "up"}) == 6
    assert reg.get_sample_value("egov_agent_nodes", {"state": "down"}) == 3
    assert reg.get_sample_value("egov_agent_sweeps_total") == 1


def test_uplink_named_in_the_inventory_wins_over_the_fastest(tmp_path, monkeypatch):
    import yaml

    monkeypatch.setenv("TEST_SNMP_COMMUNITY", "x")
    inv = write_inventory(tmp_path / "inventory", {"lishi-core-01": ("lishi", "core", "10.0.0.1", True, 10000, [], False)})
    data = yaml.safe_load((inv / "nodes.yaml").read_text())
    data["nodes"][0]["uplink_interface"] = "lan"  # ifAlias of ifIndex 2 (10 Mbit/s)
    (inv / "nodes.yaml").write_text(yaml.safe_dump(data))
    a = Agent(load_plan(write_config(tmp_path / "agent.yaml")), DictClient(fleet_tables({"lishi-core-01": ("lishi", "core", "10.0.0.1", True, 10000, [], False)})))
    asyncio.run(a.sweep())
    labels = {"node": "lishi-core-01", "county": "lishi", "township": "", "role": "core", "interface": "GE0/0/2"}
    assert a.registry.get_sample_value("egov_node_uplink_speed_bytes", labels) == 10 * 1_000_000 / 8
