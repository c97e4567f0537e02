"""Hostile nodes against the agent's real SNMP client, over real UDP on loopback: garbage,
truncated answers, wrong request ids and a mismatched community never crash a sweep, never
delay the healthy nodes (served by the fleet simulator) and do not grow memory over a bounded run."""

from __future__ import annotations

import asyncio
import gc
import random
import tracemalloc

import pytest
import yaml

from cloudctl.agent.core import Agent
from cloudctl.agent.service import load_plan
from cloudctl.sim.snmp.fleet import Shares, make_spec
from cloudctl.sim.snmp.server import FleetServer
from cloudctl.snmp import ber, pdu
from cloudctl.snmp.client import Client
from tests.unit.test_agent_helpers import SITES

pytestmark = [pytest.mark.slow]
SWEEPS = 25
BEHAVIOURS = ("garbage", "truncated", "wrong_request_id", "wrong_community", "burst")


class Hostile(asyncio.DatagramProtocol):
    """Answers every request in one bad way (deterministic per seed)."""

    def __init__(self, behaviour: str, seed: int) -> None:
        self.behaviour = behaviour
        self.rng = random.Random(seed)
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport) -> None:  # noqa: ANN001
        self.transport = transport

    def _response(self, req: pdu.Message, request_id: int, community: bytes) -> bytes:
        return pdu.encode_message(pdu.Message(pdu.VERSION_2C, community, pdu.RESPONSE, request_id, 0, 0,
                                              [(oid, ber.INTEGER, 7) for oid, _tag, _v in req.varbinds]))

    def datagram_received(self, data: bytes, addr) -> None:  # noqa: ANN001
        r, send = self.rng, self.transport.sendto
        if self.behaviour == "garbage":
            send(bytes(r.getrandbits(8) for _ in range(r.randint(0, 200))), addr)
            return
        req = pdu.decode_message(data)
        good = self._response(req, req.request_id, req.community)
        if self.behaviour == "truncated":
            send(good[: r.randint(0, len(good) - 1)], addr)
        elif self.behaviour == "wrong_request_id":
            send(self._response(req, (req.request_id + 1 + r.randint(0, 1000)) & 0x7FFFFFFF, req.community), addr)
        elif self.behaviour == "wrong_community":
            send(self._response(req, req.request_id, b"not-" + req.community), addr)
        elif self.behaviour == "burst":  # many copies of a corrupted answer: one flipped byte each
            for _ in range(20):
                b = bytearray(good)
                b[r.randrange(len(b))] ^= 1 << r.randrange(8)
                send(bytes(b), addr)


# The codec's OID cache (keys sliced in pdu.py, entries built in ber.py) grows with the new OIDs
# that flipped bits make, up to its byte bound (``ber.OID_CACHE_BYTES``): by design, and the
# codec's own tests cover it. What is measured here is everything else: the agent, the client, asyncio.
_CODEC_CACHE = [tracemalloc.Filter(False, "*/cloudctl/snmp/ber.py"), tracemalloc.Filter(False, "*/cloudctl/snmp/pdu.py"),
                tracemalloc.Filter(False, "*/cloudctl/snmp/cache.py")]


def _traced() -> int:
    """Bytes allocated since tracemalloc started and still alive, outside the codec's bounded cache."""
    snap = tracemalloc.take_snapshot().filter_traces(_CODEC_CACHE)
    return sum(stat.size for stat in snap.statistics("filename"))


async def scenario(tmp_path) -> tuple[Agent, list, list, object]:
    loop = asyncio.get_running_loop()
    specs = [make_spec(f"good-{i}", seed=1, shares=Shares(down=0.0, slow=0.0), role="access", index=i) for i in range(4)]
    fleet = FleetServer(specs, mode="ports", community="public")
    await fleet.start()
    hostile = []
    for i, behaviour in enumerate(BEHAVIOURS):
        transport, _ = await loop.create_datagram_endpoint(lambda b=behaviour, s=i: Hostile(b, s), local_addr=("127.0.0.1", 0))
        hostile.append((behaviour, transport))
    try:
        nodes = [{"id": f"good-{i}", "site": "lishi-v1", "role": "access", "address": addr, "snmp": "lab", "uplink_mbps": 100}
                 for i, addr in enumerate(fleet.addresses().values())]
        nodes += [{"id": f"bad-{b.replace('_', '-')}", "site": "lishi-v2", "role": "access", "address": f"127.0.0.1:{t.get_extra_info('sockname')[1]}",
                   "snmp": "lab", "uplink_mbps": 100} for b, t in hostile]
        inv = tmp_path / "inventory"
        inv.mkdir()
        (inv / "sites.yaml").write_text(yaml.safe_dump({"sites": SITES}, allow_unicode=True), encoding="utf-8")
        (inv / "nodes.yaml").write_text(yaml.safe_dump({"nodes": nodes}))
        (inv / "systems.yaml").write_text("systems: []\n")
        (inv / "tenants.yaml").write_text("tenants: []\n")
        (tmp_path / "agent.yaml").write_text(
            "inventory: inventory\nlisten: 127.0.0.1:0\ninterval: 1s\nstatic_interval: 1ms\n"  # full polls every sweep: walks too
            "profiles:\n  lab: {version: 2c, community: env:HOSTILE_COMMUNITY, timeout: 150ms, retries: 1}\n"
        )
        client = Client()
        agent = Agent(load_plan(tmp_path / "agent.yaml"), client)
        sizes, good_up = [], []
        for i in range(SWEEPS):
            await agent.sweep()
            good_up.append(sum(agent.results[n["id"]].up for n in nodes[:4]))
            gc.collect()  # failed polls leave exception/traceback cycles: garbage, not a leak
            if i == 4:
                tracemalloc.start()
                base = _traced()
            elif i > 4:
                sizes.append(_traced() - base)
        tracemalloc.stop()
        pending = getattr(client.v2c, "pending", 0)
        agent.snmp_events = {
            event: agent.registry.get_sample_value("egov_agent_snmp_events_total", {"protocol": protocol, "event": event})
            for protocol, event in (("udp", "garbage"), ("udp", "unknown_request_id"), ("v2c", "wrong_community"), ("v2c", "responses"))
        }
        await client.close()
        return agent, good_up, sizes, pending
    finally:
        for _, t in hostile:
            t.close()
        fleet.close()


def test_hostile_nodes_are_data_and_memory_stays_flat(tmp_path, monkeypatch):
    monkeypatch.setenv("HOSTILE_COMMUNITY", "public")
    agent, good_up, sizes, pending = asyncio.run(scenario(tmp_path))
    assert good_up == [4] * SWEEPS  # healthy nodes answered on every sweep
    bad = {nid: r for nid, r in agent.results.items() if nid.startswith("bad-")}
    assert len(bad) == len(BEHAVIOURS)
    for nid, r in bad.items():
        if nid == "bad-burst":
            # a flipped bit inside a value still makes a well-formed answer, so this node may be
            # "up" on some sweeps; flips elsewhere become error kinds, never an exception
            assert sum(r.errors.values()) <= SWEEPS
            continue
        assert not r.up, nid
        assert r.error_kind in ("timeout", "decode", "deadline"), (nid, r.error_kind)
        assert sum(r.errors.values()) == SWEEPS
    assert agent.counters.sweeps == SWEEPS
    # what the client dropped is visible to Prometheus, by reason
    events = agent.snmp_events
    assert events["garbage"] >= SWEEPS and events["unknown_request_id"] >= SWEEPS and events["wrong_community"] >= SWEEPS, events
    assert events["responses"] >= 4 * SWEEPS, events
    assert (pending() if callable(pending) else pending) == 0  # no request left waiting in the client
    # after warm-up, more sweeps of hostile traffic leave nothing that grows with them: keeping one
    # failed poll's exception per hostile node would add kilobytes per sweep; what is measured is
    # ~150 B per sweep, the test's own lists and counter churn
    mid = len(sizes) // 2
    per_sweep = (sizes[-1] - sizes[mid]) / (len(sizes) - 1 - mid)
    assert per_sweep < 400, sizes
    assert max(sizes) < 32 * 1024, sizes
