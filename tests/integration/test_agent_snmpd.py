"""The agent against Debian's net-snmp snmpd on loopback: what it reports equals what snmpwalk shows."""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from cloudctl.agent import main as _agent_main  # noqa: F401 - the entry point under test exists
from tests.conftest import need
from tests.unit.test_agent_helpers import SITES

pytestmark = [pytest.mark.real]
COMMUNITY = "integ-c0mmunity"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def snmpcmd(tool: str, port: int, *args: str) -> str:
    r = subprocess.run([need(tool), "-m", "", "-v2c", "-c", COMMUNITY, "-On", "-Oe", "-t", "1", "-r", "1", f"127.0.0.1:{port}", *args],
                       capture_output=True, text=True, timeout=30, env={**os.environ, "MIBS": ""})
    assert r.returncode == 0, r.stderr
    return r.stdout


def walk(port: int, oid: str) -> dict[str, str]:
    """{index suffix: raw value text} of one column, as snmpwalk prints it."""
    out = {}
    for line in snmpcmd("snmpwalk", port, oid).splitlines():
        if " = " not in line:
            continue
        left, _, right = line.partition(" = ")
        suffix = left.strip().removeprefix("." + oid + ".")
        out[suffix] = right.split(": ", 1)[-1].strip().strip('"')
    return out


@pytest.fixture(scope="module")
def snmpd(tmp_path_factory):
    binary = need("snmpd")
    need("snmpwalk")
    d = tmp_path_factory.mktemp("snmpd")
    port = free_udp_port()
    (d / "snmpd.conf").write_text(f"rocommunity {COMMUNITY} 127.0.0.1\nsysName integ-node\nsysLocation lab\n")
    proc = subprocess.Popen([binary, "-f", "-Lf", str(d / "snmpd.log"), "-C", "-c", str(d / "snmpd.conf"), "-M", "/dev/null", "-m", "", f"udp:127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            r = subprocess.run([need("snmpget"), "-m", "", "-v2c", "-c", COMMUNITY, "-t", "0.3", "-r", "0", f"127.0.0.1:{port}", "1.3.6.1.2.1.1.5.0"],
                               capture_output=True, text=True, timeout=10, env={**os.environ, "MIBS": ""})
            if r.returncode == 0 and "integ-node" in r.stdout:
                break
            time.sleep(0.2)
        else:
            pytest.fail("snmpd did not start answering within 15 s")
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


def run_agent_once(tmp_path, port: int) -> dict:
    import yaml

    inv = tmp_path / "inventory"
    inv.mkdir()
    (inv / "sites.yaml").write_text(yaml.safe_dump({"sites": SITES[:2]}, allow_unicode=True), encoding="utf-8")
    (inv / "nodes.yaml").write_text(yaml.safe_dump({"nodes": [{"id": "lishi-core-01", "site": "lishi", "role": "core", "address": f"127.0.0.1:{port}", "snmp": "lab", "uplink_mbps": 1000}]}))
    (inv / "systems.yaml").write_text("systems: []\n")
    (inv / "tenants.yaml").write_text("tenants: []\n")
    (tmp_path / "agent.yaml").write_text("inventory: inventory\nlisten: 127.0.0.1:0\nprofiles:\n  lab: {version: 2c, community: \"env:INTEG_COMMUNITY\", timeout: 1s, retries: 1}\n")
    r = subprocess.run([sys.executable, "-m", "cloudctl.agent.main", "--config", str(tmp_path / "agent.yaml"), "--once"],
                       capture_output=True, text=True, timeout=60, env={**os.environ, "INTEG_COMMUNITY": COMMUNITY})
    assert r.returncode == 0, r.stderr
    assert COMMUNITY not in r.stdout + r.stderr
    samples = {}
    for fam in text_string_to_metric_families(r.stdout):
        for s in fam.samples:
            samples.setdefault(s.name, []).append((s.labels, s.value))
    return samples


def test_agent_matches_snmpwalk(snmpd, tmp_path):
    port = snmpd
    names = walk(port, "1.3.6.1.2.1.31.1.1.1.1")
    speeds = walk(port, "1.3.6.1.2.1.31.1.1.1.15")
    status = walk(port, "1.3.6.1.2.1.2.2.1.8")
    rx_before = walk(port, "1.3.6.1.2.1.31.1.1.1.6")
    samples = run_agent_once(tmp_path, port)
    rx_after = walk(port, "1.3.6.1.2.1.31.1.1.1.6")

    assert samples["egov_node_up"][0][1] == 1
    # uplink: the fastest interface whose ifOperStatus is up(1), lowest ifIndex on a tie
    up = [int(i) for i, v in status.items() if v.startswith("up") or v == "1"]
    expected = min(up, key=lambda i: (-int(speeds[str(i)]), i))
    (labels, speed), = samples["egov_node_uplink_speed_bytes"]
    assert labels["interface"] == names[str(expected)]
    assert speed == int(speeds[str(expected)]) * 1_000_000 / 8
    (labels, rx), = samples["egov_node_interface_receive_bytes_total"]
    assert int(rx_before[str(expected)]) <= rx <= int(rx_after[str(expected)])

    # IPv6: DESIGN.md's definition applied to what snmpwalk shows in ipAddressTable
    v6 = []
    for index in walk(port, "1.3.6.1.2.1.4.34.1.3"):
        parts = [int(x) for x in index.split(".")]
        if parts[0] == 2 and parts[1] == 16:
            v6.append(ipaddress.IPv6Address(bytes(parts[2:18])))
    enabled = any(not (a.is_loopback or a.is_link_local or a.is_unspecified or a.is_multicast) for a in v6)
    assert samples["egov_node_ipv6_enabled"][0][1] == (1.0 if enabled else 0.0)

    (info, _), = samples["egov_node_info"]
    assert info["sysname"] == "integ-node"
    descr = snmpcmd("snmpget", port, "1.3.6.1.2.1.1.1.0").split(": ", 1)[1].strip().strip('"')
    assert info["sysdescr"] == " ".join(descr.split())
    assert info["vendor"] == "net-snmp"
