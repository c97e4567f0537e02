"""The agent against Debian's net-snmp snmpd on loopback: what it reports equals what snmpwalk shows."""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys

import pytest
from prometheus_client.parser import text_string_to_metric_families

from cloudctl.agent import main as _agent_main  # noqa: F401 - the entry point under test exists
from tests.conftest import need
from tests.integration.test_snmpd import AUTH, COMMUNITY, PRIV, USER, snmpd  # noqa: F401 - the shared snmpd fixture
from tests.unit.test_agent_helpers import SITES

pytestmark = [pytest.mark.real]


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


def run_agent_once(tmp_path, port: int, profile: str = 'lab: {version: 2c, community: "env:INTEG_COMMUNITY", timeout: 1s, retries: 1}') -> dict:
    import yaml

    inv = tmp_path / "inventory"
    inv.mkdir()
    (inv / "sites.yaml").write_text(yaml.safe_dump({"sites": SITES[:2]}, allow_unicode=True), encoding="utf-8")
    (inv / "nodes.yaml").write_text(yaml.safe_dump({"nodes": [{"id": "lishi-core-01", "site": "lishi", "role": "core", "address": f"127.0.0.1:{port}", "snmp": "lab", "uplink_mbps": 1000}]}))
    (inv / "systems.yaml").write_text("systems: []\n")
    (inv / "tenants.yaml").write_text("tenants: []\n")
    (tmp_path / "agent.yaml").write_text(f"inventory: inventory\nlisten: 127.0.0.1:0\nprofiles:\n  {profile}\n")
    r = subprocess.run([sys.executable, "-m", "cloudctl.agent.main", "--config", str(tmp_path / "agent.yaml"), "--once"],
                       capture_output=True, text=True, timeout=60, env={**os.environ, "INTEG_COMMUNITY": COMMUNITY, "INTEG_AUTH": AUTH, "INTEG_PRIV": PRIV})
    assert r.returncode == 0, r.stderr
    for secret in (COMMUNITY, AUTH, PRIV):
        assert secret not in r.stdout + r.stderr
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
    assert info["sysname"] == snmpcmd("snmpget", port, "1.3.6.1.2.1.1.5.0").split(": ", 1)[1].strip().strip('"')
    descr = snmpcmd("snmpget", port, "1.3.6.1.2.1.1.1.0").split(": ", 1)[1].strip().strip('"')
    assert info["sysdescr"] == " ".join(descr.split())
    assert info["vendor"] == "net-snmp"


def test_agent_polls_snmpv3_sha256_aes(snmpd, tmp_path):
    profile = (f"lab: {{version: 3, user: {USER}, auth_protocol: sha256, auth_key: \"env:INTEG_AUTH\", "
               "priv_protocol: aes128, priv_key: \"env:INTEG_PRIV\", timeout: 2s, retries: 1}")
    samples = run_agent_once(tmp_path, snmpd, profile)
    assert samples["egov_node_up"][0][1] == 1
    assert samples["egov_node_uplink_speed_bytes"]


def test_once_exits_3_with_the_metrics_when_a_node_does_not_answer(snmpd, tmp_path):
    import socket

    import yaml

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    inv = tmp_path / "inventory"
    inv.mkdir()
    (inv / "sites.yaml").write_text(yaml.safe_dump({"sites": SITES[:2]}, allow_unicode=True), encoding="utf-8")
    (inv / "nodes.yaml").write_text(yaml.safe_dump({"nodes": [
        {"id": "lishi-core-01", "site": "lishi", "role": "core", "address": f"127.0.0.1:{snmpd}", "snmp": "lab", "uplink_mbps": 1000},
        {"id": "lishi-core-02", "site": "lishi", "role": "core", "address": f"127.0.0.1:{dead}", "snmp": "lab", "uplink_mbps": 1000},
    ]}))
    (inv / "systems.yaml").write_text("systems: []\n")
    (inv / "tenants.yaml").write_text("tenants: []\n")
    (tmp_path / "agent.yaml").write_text("inventory: inventory\nprofiles:\n  lab: {version: 2c, community: \"env:INTEG_COMMUNITY\", timeout: 300ms, retries: 0}\n")
    r = subprocess.run([sys.executable, "-m", "cloudctl.agent.main", "--config", str(tmp_path / "agent.yaml"), "--once"],
                       capture_output=True, text=True, timeout=60, env={**os.environ, "INTEG_COMMUNITY": COMMUNITY})
    assert r.returncode == 3, r.stderr
    assert 'egov_node_up{node="lishi-core-01",county="lishi",township="",role="core"} 1.0' in r.stdout
    assert 'egov_node_up{node="lishi-core-02",county="lishi",township="",role="core"} 0.0' in r.stdout
    assert 'egov_coverage_ratio{county="lishi",level="county"} 1.0' in r.stdout  # one node up connects the site
    assert "1 of 2 nodes did not answer" in r.stderr or "1/2" in r.stderr
