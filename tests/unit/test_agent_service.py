"""The running agent: HTTP endpoints, probes, reloads that keep state, secrets kept out, promtool-clean output."""

from __future__ import annotations

import asyncio
import logging
import subprocess

import pytest
import yaml

from cloudctl.agent.core import Agent
from cloudctl.agent.service import Service, load_plan
from cloudctl.snmp.base import DictClient, SnmpError, Target
from tests.conftest import need
from tests.unit.test_agent_helpers import NODES, UNREACHABLE, fleet_tables, write_config, write_inventory

SECRET = "s3cret-community-value"


@pytest.fixture
def setup(tmp_path, monkeypatch):
    monkeypatch.setenv("TEST_SNMP_COMMUNITY", SECRET)
    write_inventory(tmp_path / "inventory")
    return write_config(tmp_path / "agent.yaml")


async def http(port: int, path: str, method: str = "GET") -> tuple[int, str]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".encode())
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode()


async def with_service(config, client, body):
    svc = Service(config, load_plan(config), client)
    task = asyncio.create_task(svc.serve())
    for _ in range(200):
        if svc.server is not None:
            break
        await asyncio.sleep(0.01)
    port = svc.server.sockets[0].getsockname()[1]
    try:
        return await body(svc, port)
    finally:
        svc.stop()
        await asyncio.wait_for(task, 10)


def test_endpoints(setup):
    async def body(svc, port):
        for _ in range(200):  # ready only after the first sweep
            if (await http(port, "/-/ready"))[0] == 200:
                break
            await asyncio.sleep(0.02)
        out = {p: await http(port, p) for p in ("/-/healthy", "/-/ready", "/metrics", "/probe?target=lishi-v1-acc", "/probe?target=nope", "/probe", "/nothing")}
        out["GET reload"] = await http(port, "/-/reload")
        return out

    out = asyncio.run(with_service(setup, DictClient(fleet_tables(), UNREACHABLE), body))
    assert out["/-/healthy"][0] == 200 and out["/-/ready"][0] == 200
    status, metrics = out["/metrics"]
    assert status == 200 and 'egov_coverage_ratio{county="all",level="village"} 0.6' in metrics
    status, probe = out["/probe?target=lishi-v1-acc"]
    assert status == 200 and 'egov_node_up{node="lishi-v1-acc",county="lishi",township="lishi-t1",role="access"} 1.0' in probe
    assert "lishi-core-01" not in probe and "egov_coverage_ratio" not in probe  # only the probed node
    assert out["/probe?target=nope"][0] == 404
    assert out["/probe"][0] == 400 and out["/nothing"][0] == 404
    assert out["GET reload"][0] == 405


def test_not_ready_before_the_first_sweep(setup):
    class Stuck(DictClient):
        async def get(self, target: Target, oids: list[str]):
            await asyncio.sleep(30)
            return []

    async def body(svc, port):
        return await http(port, "/-/ready"), await http(port, "/-/healthy")

    ready, healthy = asyncio.run(with_service(setup, Stuck({}), body))
    assert ready[0] == 503 and healthy[0] == 200


def test_reload_keeps_results_of_nodes_still_present(setup):
    inv = setup.parent / "inventory"

    async def body(svc, port):
        await svc.agent.sweep()
        before = {n: r.last_success for n, r in svc.agent.results.items()}
        data = yaml.safe_load((inv / "nodes.yaml").read_text())
        data["nodes"] = [n for n in data["nodes"] if n["id"] != "lishi-v3-acc"]
        data["nodes"].append({"id": "lishi-v3-new", "site": "lishi-v3", "role": "access", "address": "10.0.2.33", "snmp": "lab", "uplink_mbps": 100})
        (inv / "nodes.yaml").write_text(yaml.safe_dump(data))
        status, text = await http(port, "/-/reload", "POST")
        after = dict(svc.agent.results)
        await svc.agent.sweep()
        metrics = svc.agent.render().decode()
        return before, status, text, after, metrics

    class Slow(DictClient):  # the sweep the reload wakes cannot finish before `after` is taken
        async def get(self, target: Target, oids: list[str]):
            await asyncio.sleep(0.2)
            return await super().get(target, oids)

    before, status, text, after, metrics = asyncio.run(with_service(setup, Slow(fleet_tables(), UNREACHABLE), body))
    assert status == 200 and "1 dropped" in text
    assert "lishi-v3-acc" not in after and "lishi-v3-acc" not in metrics
    for nid in NODES:
        if nid != "lishi-v3-acc":
            assert after[nid].last_success == before[nid]  # same result object kept, not re-polled from scratch
    assert 'egov_node_up{node="lishi-v3-new",county="lishi",township="lishi-t1",role="access"} 0.0' in metrics  # polled, no answer


def test_failed_reload_keeps_the_running_config(setup):
    async def body(svc, port):
        await svc.agent.sweep()
        setup.write_text(setup.read_text() + "bogus: 1\n")
        status, text = await http(port, "/-/reload", "POST")
        return status, text, len(svc.agent.results)

    status, text, n = asyncio.run(with_service(setup, DictClient(fleet_tables(), UNREACHABLE), body))
    assert status == 500 and "bogus" in text and "agent.yaml:" in text
    assert n == len(NODES)


def test_secrets_never_reach_metrics_or_logs(setup, caplog):
    class Leaky(DictClient):
        async def get(self, target: Target, oids: list[str]):
            community = target.community.reveal()  # the raw value, as a careless client would quote it
            assert community == SECRET
            if target.host == "10.0.0.1":
                raise SnmpError("auth", f"authentication failed for {target.host} (community {community})")
            return await super().get(target, oids)

    caplog.set_level(logging.DEBUG)
    agent = Agent(load_plan(setup), Leaky(fleet_tables(), UNREACHABLE))
    asyncio.run(agent.sweep())
    text = agent.render().decode() + caplog.text + repr(agent.plan) + repr(agent.results)
    assert SECRET not in text
    assert 'egov_agent_errors_total{kind="auth"} 1.0' in text


def test_an_unreachable_node_does_not_delay_the_others(tmp_path, monkeypatch):
    monkeypatch.setenv("TEST_SNMP_COMMUNITY", "x")
    nodes = {f"lishi-n{i:02d}": ("lishi-v1", "access", f"10.0.3.{i}", i % 5 != 0, 100, [], False) for i in range(1, 41)}
    write_inventory(tmp_path / "inventory", nodes)
    config = write_config(tmp_path / "agent.yaml")

    down = {v[2] for v in nodes.values() if not v[3]}
    up = {v[2] for v in nodes.values() if v[3]}

    class Unreachable(DictClient):
        """A down node's GET times out once every up node has been answered (or after 5 s: a failure)."""

        def __init__(self, *a) -> None:
            super().__init__(*a)
            self.answered: set[str] = set()
            self.everyone_else_answered = asyncio.Event()
            self.waiting = self.most_waiting = self.outwaited = 0

        async def get(self, target: Target, oids: list[str]):
            if target.host in self._down:
                self.waiting += 1
                self.most_waiting = max(self.most_waiting, self.waiting)
                try:
                    await asyncio.wait_for(self.everyone_else_answered.wait(), 5)
                    self.outwaited += 1
                except asyncio.TimeoutError:
                    pass  # the others were not answered meanwhile: they waited for this node
                finally:
                    self.waiting -= 1
                return await super().get(target, oids)  # the timeout
            result = await super().get(target, oids)
            self.answered.add(target.host)
            if self.answered == up:
                self.everyone_else_answered.set()
            return result

    client = Unreachable(fleet_tables(nodes), down)
    agent = Agent(load_plan(config), client)
    asyncio.run(agent.sweep())
    assert agent.node_states() == {"up": 32, "down": 8}
    # every up node was answered while the down ones waited, and the 8 waited at the same time
    assert client.outwaited == 8 and client.most_waiting == 8


def test_metrics_pass_promtool_check_metrics(setup, tmp_path):
    promtool = need("promtool")
    agent = Agent(load_plan(setup), DictClient(fleet_tables(), UNREACHABLE))
    asyncio.run(agent.sweep())
    r = subprocess.run([promtool, "check", "metrics"], input=agent.render(), capture_output=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == b"" and r.stderr.strip() == b""


def test_fast_metrics_text_equals_prometheus_client_output(setup):
    from prometheus_client import generate_latest
    from prometheus_client.parser import text_string_to_metric_families

    from cloudctl.snmp import mib

    tables = fleet_tables()
    tables["10.0.0.1"][mib.SYS_DESCR] = b'VRP "8.180"\r\nline two \\ backslash'  # hostile label value
    agent = Agent(load_plan(setup), DictClient(tables, UNREACHABLE))
    asyncio.run(agent.sweep())

    def samples(text: str) -> list:
        out = []
        for fam in text_string_to_metric_families(text):
            out += [(fam.name, fam.type, s.name, tuple(sorted(s.labels.items())), s.value) for s in fam.samples]
        return sorted(out)

    fast = agent.render().decode()
    reference = generate_latest(agent.registry).decode()
    assert samples(fast) == samples(reference)
    infos = [s for s in samples(fast) if s[2] == "egov_node_info" and ("node", "lishi-core-01") in s[3]]
    assert dict(infos[0][3])["sysdescr"] == 'VRP "8.180" line two \\ backslash'  # whitespace runs folded to one space


def test_reload_during_a_sweep_drops_nodes_still_waiting_without_failing(setup):
    inv = setup.parent / "inventory"
    setup.write_text(setup.read_text() + "concurrency: 1\n")
    core = {k: v for k, v in NODES.items() if k.startswith("lishi-core")}

    class Slow(DictClient):
        def __init__(self, *a) -> None:
            super().__init__(*a)
            self.gets: list[str] = []  # the host of every GET, in order
            self.two_polled = asyncio.Event()

        async def get(self, target: Target, oids: list[str]):
            self.gets.append(target.host)
            if len(set(self.gets)) >= 2:
                self.two_polled.set()
            await asyncio.sleep(0.02)
            return await super().get(target, oids)

    client = Slow(fleet_tables(), UNREACHABLE)

    async def scenario():
        agent = Agent(load_plan(setup), client)
        sweep = asyncio.create_task(agent.sweep())
        await client.two_polled.wait()  # one node at a time: two have started, the rest still wait their turn
        polled_before = set(client.gets)
        write_inventory(inv, core)
        agent.reload(load_plan(setup))
        await sweep
        return agent, polled_before

    agent, polled_before = asyncio.run(scenario())
    assert len(polled_before) == 2 < len(NODES)
    waiting = {v[2] for k, v in NODES.items() if k not in core and v[2] not in polled_before}
    assert waiting and not waiting & set(client.gets)  # nodes dropped while waiting were never polled
    assert set(agent.results) == set(core)  # the kept nodes were polled (or kept), the dropped ones are gone
    assert agent.counters.sweeps == 1
