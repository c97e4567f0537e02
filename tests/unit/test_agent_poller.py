"""What one poll asks a node: full polls (walks) only when static data is due, one GET otherwise."""

from __future__ import annotations

import asyncio
import time

from cloudctl.agent.core import Agent
from cloudctl.agent.service import load_plan
from cloudctl.snmp import mib
from cloudctl.snmp.base import DictClient, Target
from tests.unit.test_agent_helpers import UNREACHABLE, fleet_tables, write_config, write_inventory


class Counting(DictClient):
    def __init__(self, *a, **kw) -> None:
        super().__init__(*a, **kw)
        self.gets = self.walks = 0

    async def get(self, target: Target, oids: list[str]):
        self.gets += 1
        return await super().get(target, oids)

    async def walk(self, target: Target, oid: str):
        self.walks += 1
        return await super().walk(target, oid)


def make(tmp_path, monkeypatch, static: str) -> tuple[Agent, Counting, dict]:
    monkeypatch.setenv("TEST_SNMP_COMMUNITY", "x")
    write_inventory(tmp_path / "inventory")
    tables = fleet_tables()
    client = Counting(tables, UNREACHABLE)
    return Agent(load_plan(write_config(tmp_path / "agent.yaml", extra=f"static_interval: {static}\n")), client), client, tables


def test_counter_polls_are_one_get_per_node(tmp_path, monkeypatch):
    agent, client, _ = make(tmp_path, monkeypatch, "1h")
    asyncio.run(agent.sweep())
    assert client.walks > 0
    up = agent.node_states()["up"]
    client.gets = client.walks = 0
    asyncio.run(agent.sweep())
    assert client.walks == 0
    assert client.gets == up + len(UNREACHABLE)  # one GET each (the unreachable ones time out on it)


def test_static_data_is_read_again_after_static_interval(tmp_path, monkeypatch):
    agent, client, tables = make(tmp_path, monkeypatch, "50ms")
    asyncio.run(agent.sweep())
    tables["10.0.0.1"][mib.SYS_NAME] = b"renamed"
    time.sleep(0.06)
    client.walks = 0
    asyncio.run(agent.sweep())
    assert client.walks > 0
    assert agent.results["lishi-core-01"].static.sysname == "renamed"


def test_a_reboot_triggers_a_full_poll(tmp_path, monkeypatch):
    agent, client, tables = make(tmp_path, monkeypatch, "1h")
    asyncio.run(agent.sweep())
    tables["10.0.0.1"][mib.SYS_UPTIME] = 500  # 5 s: it restarted, interfaces may be renumbered
    tables["10.0.0.1"][mib.SYS_NAME] = b"after-reboot"
    client.walks = 0
    asyncio.run(agent.sweep())
    assert client.walks > 0  # only that node walked again
    r = agent.results["lishi-core-01"]
    assert r.up and r.uptime_seconds == 5 and r.static.sysname == "after-reboot"


def test_counters_move_between_polls(tmp_path, monkeypatch):
    agent, _, tables = make(tmp_path, monkeypatch, "1h")
    asyncio.run(agent.sweep())
    tables["10.0.0.1"][f"{mib.IF_HC_IN_OCTETS}.1"] = 5000
    tables["10.0.0.1"][mib.SYS_UPTIME] += 6000
    asyncio.run(agent.sweep())
    labels = {"node": "lishi-core-01", "county": "lishi", "township": "", "role": "core", "interface": "GE0/0/1"}
    assert agent.registry.get_sample_value("egov_node_interface_receive_bytes_total", labels) == 5000


def test_full_polls_walk_each_table_in_one_stream_sized_by_its_last_rows(tmp_path, monkeypatch):
    asked: list[tuple[str, tuple[str, ...], int | None]] = []

    class Recording(DictClient):
        async def walk_columns(self, target: Target, oids: list[str], *, max_repetitions: int | None = None):
            asked.append((target.host, tuple(oids), max_repetitions))
            return await super().walk_columns(target, oids, max_repetitions=max_repetitions)

    monkeypatch.setenv("TEST_SNMP_COMMUNITY", "x")
    write_inventory(tmp_path / "inventory")
    tables = fleet_tables()
    agent = Agent(load_plan(write_config(tmp_path / "agent.yaml", extra="static_interval: 1ms\n")), Recording(tables, UNREACHABLE))
    asyncio.run(agent.sweep())
    first = [a for a in asked if a[0] == "10.0.0.1"]
    asked.clear()
    time.sleep(0.01)
    asyncio.run(agent.sweep())
    second = [a for a in asked if a[0] == "10.0.0.1"]
    if_cols = (mib.IF_NAME, mib.IF_ALIAS, mib.IF_HIGH_SPEED, mib.IF_OPER_STATUS)
    ip_cols = (mib.IP_ADDRESS_IF_INDEX, mib.IP_ADDRESS_TYPE)
    assert [(cols, reps) for _, cols, reps in first] == [(if_cols, None), (ip_cols, None)]  # one call per table
    rows = agent.results["lishi-core-01"].static
    assert [(cols, reps) for _, cols, reps in second] == [(if_cols, rows.if_rows + 1), (ip_cols, rows.ip_rows + 1)]
    assert rows.if_rows == len([k for k in tables["10.0.0.1"] if k.startswith(mib.IF_NAME + ".")])
