"""``cloudctl sim snmp`` as a real process: what it serves, read with our client over loopback."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import pytest
import yaml

from cloudctl.inventory.address import parse_address
from cloudctl.inventory.loader import load_inventory
from cloudctl.secrets import Secret
from cloudctl.sim.snmp.fleet import IPV6_GLOBAL, IPV6_LINK_LOCAL, TABLE_IPV6_MIB, Shares
from cloudctl.sim.snmp.inventory import specs_from_records, synthetic_records
from cloudctl.snmp import mib
from cloudctl.snmp.base import SnmpError, Target
from cloudctl.snmp.client import Client
from tests.conftest import ROOT


class Sim:
    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cloudctl", "--lang", "en", "sim", "snmp", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "SIM_AUTH": "auth-key-123"},
        )
        deadline = time.monotonic() + 60
        self.ready_line = ""
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                pytest.fail(f"simulator exited: {self.proc.wait()} {self.proc.stderr.read()}")
            if "ready" in line:
                self.ready_line = line
                return
        pytest.fail("simulator not ready within 60 s")

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(10)
        finally:
            self.proc.stdout.close()
            self.proc.stderr.close()


def _target(address: str, community: str = "public", **kw) -> Target:
    a = parse_address(address)
    return Target(a.host, a.port, community=Secret(community), **{"timeout": 1.0, "retries": 0, **kw})


async def _poll(client: Client, t: Target) -> dict:
    system = mib.decode_system(await client.get(t, mib.SYSTEM_OIDS + [mib.IPV6_IP_FORWARDING]))
    rows = []
    for col in mib.IF_COLUMNS:
        rows += await client.walk(t, col)
    addrs = mib.decode_ip_addresses(await client.walk(t, mib.IP_ADDRESS_TABLE))
    fallback = not addrs
    if fallback:
        addrs = mib.decode_ipv6_addr_table(await client.walk(t, mib.IPV6_ADDR_TABLE))
    return {"system": system, "interfaces": mib.decode_interfaces(rows), "addrs": addrs, "fallback": fallback}


def _poll_all(targets: dict[str, Target]) -> dict[str, dict | SnmpError]:
    async def main():
        client = Client()

        async def one(t):
            try:
                return await _poll(client, t)
            except SnmpError as exc:
                return exc

        try:
            results = await asyncio.gather(*(one(t) for t in targets.values()))
        finally:
            await client.close()
        return dict(zip(targets, results))

    return asyncio.run(main())


@pytest.mark.parametrize("mode", ["addresses", "ports"])
def test_synthetic_fleet_serves_what_its_specs_say(tmp_path, mode):
    out = tmp_path / "inv"
    sim = Sim("--nodes", "80", "--mode", mode, "--seed", "7", "--write-inventory", str(out), "--down-share", "0.1",
              "--slow-share", "0", "--ipv6-mib-share", "0.2", "--no-length-share", "0.2")
    try:
        inv = load_inventory(out)  # the written inventory is valid
        specs = {s.id: s for s in specs_from_records(synthetic_records(80), seed=7, shares=Shares(down=0.1, slow=0, ipv6_mib_only=0.2, no_length_index=0.2))}
        assert set(inv.nodes) == set(specs)
        hosts = {parse_address(n.address).host for n in inv.nodes.values()}
        assert len(hosts) == (80 if mode == "addresses" else 1)
        results = _poll_all({nid: _target(n.address) for nid, n in inv.nodes.items()})
    finally:
        assert sim.stop() == 0
    assert "80 SNMP nodes" in sim.ready_line
    for nid, spec in specs.items():
        r = results[nid]
        if spec.down:
            assert isinstance(r, SnmpError) and r.kind == "timeout", nid
            continue
        assert not isinstance(r, SnmpError), (nid, r)
        assert r["system"].name == nid
        assert r["system"].vendor == spec.vendor
        assert mib.ipv6_enabled(r["addrs"]) == (spec.ipv6 == IPV6_GLOBAL), nid
        if spec.ipv6 == IPV6_LINK_LOCAL:
            assert [a.address.startswith("fe80:") for a in r["addrs"] if a.version == 6] == [True]
        assert r["fallback"] == (spec.table == TABLE_IPV6_MIB)
        uplink = mib.pick_uplink(r["interfaces"])
        assert uplink.alias == f"uplink-to-{spec.parent}" and uplink.high_speed_mbps == spec.uplink_mbps
    assert any(isinstance(r, SnmpError) for r in results.values())
    # the fleet exercises every variant the agent must handle
    assert {s.vendor for s in specs.values()} == {"huawei", "h3c", "ruijie", "zte"}
    assert {s.ipv6 for s in specs.values()} == {IPV6_GLOBAL, IPV6_LINK_LOCAL, "none"}
    assert {s.table for s in specs.values()} == {TABLE_IPV6_MIB, "ip-mib", "ip-mib-no-length"}


def test_inventory_mode_keeps_everything_but_addresses(tmp_path):
    src = ROOT / "tests" / "fixtures" / "inventory" / "minimal"
    out = tmp_path / "inv"
    sim = Sim("--inventory", str(src), "--write-inventory", str(out), "--down-share", "0", "--slow-share", "0")
    try:
        written = yaml.safe_load((out / "nodes.yaml").read_text())["nodes"]
        original = yaml.safe_load((src / "nodes.yaml").read_text())["nodes"]
        assert [{k: v for k, v in n.items() if k != "address"} for n in written] == [
            {k: v for k, v in n.items() if k != "address"} for n in original
        ]
        assert all(n["address"].startswith("127.") for n in written)
        assert (out / "sites.yaml").read_text() == (src / "sites.yaml").read_text()
        inv = load_inventory(out)
        results = _poll_all({nid: _target(n.address) for nid, n in inv.nodes.items()})
    finally:
        sim.stop()
    core = results["lishi-core-01"]
    assert core["system"].vendor == "huawei" and "CE6881" in core["system"].descr  # inventory vendor/model kept
    assert mib.pick_uplink(core["interfaces"]).high_speed_mbps == 1000
    assert mib.pick_uplink(results["lishi-xinyi-v001-acc-01"]["interfaces"]).alias == "uplink-to-lishi-xinyi"


def test_wrong_community_gets_no_answer_slow_nodes_answer_late_counters_grow(tmp_path):
    out = tmp_path / "inv"
    sim = Sim("--nodes", "20", "--community", "s3cret", "--slow-share", "1", "--slow-delay", "0.4", "--down-share", "0",
              "--write-inventory", str(out))
    try:
        inv = load_inventory(out)
        address = inv.nodes[sorted(inv.nodes)[0]].address

        async def main():
            client = Client()
            try:
                with pytest.raises(SnmpError) as err:
                    await client.get(_target(address, "public", timeout=0.6), [mib.SYS_NAME])
                assert err.value.kind == "timeout"
                t0 = time.perf_counter()
                first = await client.walk(_target(address, "s3cret"), mib.IF_HC_IN_OCTETS)
                late = time.perf_counter() - t0
                await asyncio.sleep(0.3)
                second = await client.walk(_target(address, "s3cret"), mib.IF_HC_IN_OCTETS)
                return late, first, second
            finally:
                await client.close()

        late, first, second = asyncio.run(main())
    finally:
        sim.stop()
    assert late >= 0.4
    assert first[0][1] < second[0][1]  # the uplink is up and carries traffic
    assert all(a <= b for (_, a), (_, b) in zip(first, second))


def test_simulator_survives_hostile_datagrams(tmp_path):
    import random
    import socket

    from cloudctl.snmp import pdu

    out = tmp_path / "inv"
    sim = Sim("--nodes", "5", "--down-share", "0", "--slow-share", "0", "--write-inventory", str(out))
    try:
        address = load_inventory(out).nodes["lishi-core-01"].address
        a = parse_address(address)
        valid = pdu.encode_request(pdu.GET_BULK, b"public", 1, [mib.IF_NAME], 0, 10)
        rng = random.Random(3)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            for i in range(5000):
                junk = bytearray(valid[: rng.randint(0, len(valid))]) if i % 2 else bytearray(rng.randbytes(rng.randint(0, 80)))
                if junk and i % 3 == 0:
                    junk[rng.randrange(len(junk))] ^= 0xFF
                s.sendto(bytes(junk), (a.host, a.port))
                if i % 500 == 0:
                    time.sleep(0.01)
        results = _poll_all({"lishi-core-01": _target(address, timeout=2.0, retries=1)})
        assert sim.proc.poll() is None
    finally:
        sim.stop()
    assert not isinstance(results["lishi-core-01"], SnmpError)


def test_snmpv3_users_are_served_to_pysnmp_and_net_snmp(tmp_path):
    from tests.conftest import need

    snmpget = need("snmpget")
    out = tmp_path / "inv"
    sim = Sim("--nodes", "4", "--down-share", "0", "--slow-share", "0", "--write-inventory", str(out),
              "--v3-user", "egov", "--v3-auth-key", "env:SIM_AUTH", "--v3-priv-key", "literal-priv-9")
    # the env: reference is resolved by the simulator process (Sim sets SIM_AUTH)
    try:
        inv = load_inventory(out)
        address = inv.nodes["lishi-core-01"].address
        a = parse_address(address)

        def v3(**kw) -> Target:
            base = dict(version="3", user="egov", auth_protocol="sha256", auth_key=Secret("auth-key-123"),
                        priv_protocol="aes128", priv_key=Secret("literal-priv-9"), timeout=1.0, retries=0)
            return Target(a.host, a.port, **{**base, **kw})

        async def main():
            client = Client()
            try:
                system = mib.decode_system(await client.get(v3(), mib.SYSTEM_OIDS))
                names = await client.walk(v3(max_repetitions=3), mib.IF_NAME)
                errors = []
                # the last twice: a request the node cannot decrypt is dropped silently, as by snmpd;
                # the timeout marks the engine for rediscovery, and the next poll finds the cause
                for bad in ({"user": "nobody"}, {"auth_key": Secret("wrong-key-000")}, {"priv_key": Secret("wrong-key-000")},
                            {"priv_key": Secret("wrong-key-000")}):
                    with pytest.raises(SnmpError) as err:
                        await client.get(v3(**bad), [mib.SYS_NAME])
                    errors.append(err.value.kind)
                return system, names, errors
            finally:
                await client.close()

        system, names, errors = asyncio.run(main())
        netsnmp = subprocess.run(
            [snmpget, "-v3", "-l", "authPriv", "-u", "egov", "-a", "SHA-256", "-A", "auth-key-123", "-x", "AES", "-X", "literal-priv-9",
             "-On", "-Ov", "-r0", "-t2", f"{a.host}:{a.port}", mib.SYS_NAME],
            capture_output=True, text=True, env={**os.environ, "MIBS": ""}, timeout=30,
        )
    finally:
        sim.stop()
    assert system.name == "lishi-core-01"
    assert len(names) >= 4
    assert errors == ["unknownUserName", "wrongDigest", "timeout", "decryptionError"]
    assert netsnmp.returncode == 0 and 'STRING: "lishi-core-01"' in netsnmp.stdout
