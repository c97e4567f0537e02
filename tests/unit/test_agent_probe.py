"""``/probe?target=NODE`` renders one node with the fast text writer: the same samples
prometheus_client's generic writer produces, and a valid exposition for promtool."""

from __future__ import annotations

import asyncio
import subprocess

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from cloudctl.agent.core import Agent
from cloudctl.agent.metrics import NodeCollector
from cloudctl.agent.service import load_plan
from cloudctl.snmp import mib
from cloudctl.snmp.base import DictClient
from tests.conftest import need
from tests.unit.test_agent_helpers import UNREACHABLE, fleet_tables, write_config, write_inventory


def _samples(text: str) -> list:
    out = []
    for fam in text_string_to_metric_families(text):
        out += [(fam.name, fam.type, s.name, tuple(sorted(s.labels.items())), s.value) for s in fam.samples]
    return sorted(out)


def _agent(tmp_path, monkeypatch) -> Agent:
    monkeypatch.setenv("TEST_SNMP_COMMUNITY", "x")
    write_inventory(tmp_path / "inventory")
    tables = fleet_tables()
    tables["10.0.0.1"][mib.SYS_DESCR] = b'VRP "8.180"\r\nline two \\ backslash'  # a label value to escape
    return Agent(load_plan(write_config(tmp_path / "agent.yaml")), DictClient(tables, UNREACHABLE))


def test_probe_text_equals_prometheus_clients_for_up_and_down_nodes(tmp_path, monkeypatch):
    agent = _agent(tmp_path, monkeypatch)
    for nid in ("lishi-core-01", "lishi-core-02"):  # up, and unreachable
        body = asyncio.run(agent.probe(nid)).decode()
        info, result = agent.plan.scope.nodes[nid], agent.results[nid]
        reg = CollectorRegistry(auto_describe=False)
        reg.register(NodeCollector(lambda i=info, r=result: [(i, r)]))
        assert _samples(body) == _samples(generate_latest(reg).decode())
        assert {s[3] and dict(s[3])["node"] for s in _samples(body)} == {nid}
    assert 'egov_node_poll_errors_total{node="lishi-core-02"' in body


def test_probe_passes_promtool_check_metrics(tmp_path, monkeypatch):
    promtool = need("promtool")
    agent = _agent(tmp_path, monkeypatch)
    body = asyncio.run(agent.probe("lishi-core-01"))
    r = subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True, timeout=30)
    assert r.returncode == 0 and r.stdout.strip() == b"" and r.stderr.strip() == b"", r.stdout + r.stderr
