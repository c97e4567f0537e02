"""The agent and prometheus-snmp-exporter (the Go snmp_exporter Debian ships, the benchmark's
anchor) read the same real snmpd and must agree on every value they both report: identity,
uplink choice, speed, status and octet counters, uptime, IPv6 forwarding and whether the node is
IPv6-enabled — over SNMPv2c and SNMPv3 authPriv, full and steady polls."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import yaml

from cloudctl.snmp import mib
from tests import snmp_exporter as ex
from tests.conftest import need
from tests.snmpd import Snmpd, User
from tests.unit.test_agent_helpers import SITES

pytestmark = [pytest.mark.real]

COMMUNITY, AUTH_PW, PRIV_PW = "agree-community", "agree-auth-pass", "agree-priv-pass"
USER = User("agree", "sha256", AUTH_PW, "aes128", PRIV_PW)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    need("snmpd")
    need("snmpwalk")
    exporter_bin = need("prometheus-snmp-exporter")
    work = tmp_path_factory.mktemp("agree")
    try:
        snmpd = Snmpd(work / "snmpd", community=COMMUNITY, users=[USER], sys_name="agree-node", hosts=2)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    exporter = None
    try:
        uplink = _uplink(snmpd)
        v3 = ex.Credentials(user=USER.name, auth_password=AUTH_PW, priv_password=PRIV_PW)
        ex.write_config(work / "snmp.yml", {"v2c-full": ex.module(ex.Credentials(community=COMMUNITY), uplink),
                                            "v3-full": ex.module(v3, uplink), "v3-steady": ex.module(v3, uplink, steady=True)})
        exporter = ex.Exporter(work / "snmp.yml", exporter_bin)
        yield work, snmpd, exporter
    finally:
        if exporter is not None:
            exporter.stop()
        snmpd.stop()


def _uplink(snmpd: Snmpd) -> int:
    """The uplink by the agent's documented rule, computed from net-snmp's own snmpwalk."""
    cols = {}
    for name, oid in (("name", mib.IF_NAME), ("speed", mib.IF_HIGH_SPEED), ("status", mib.IF_OPER_STATUS)):
        out = subprocess.run(["snmpwalk", "-v2c", "-c", COMMUNITY, "-On", "-Oq", "-Oe", snmpd.address, oid], capture_output=True, text=True,
                             check=True, env={**os.environ, "MIBS": ""}).stdout
        cols[name] = {int(line.split()[0].rsplit(".", 1)[1]): line.split(None, 1)[1].strip().strip('"') for line in out.splitlines()}
    ifs = [mib.Interface(i, cols["name"][i], "", int(cols["status"][i]), int(cols["speed"][i])) for i in sorted(cols["name"])]
    return mib.pick_uplink(ifs).index


def _agent_config(work, snmpd: Snmpd, static_interval: str, port: int):
    d = work / f"agent-{static_interval}"
    (d / "inventory").mkdir(parents=True, exist_ok=True)
    (d / "inventory" / "sites.yaml").write_text(yaml.safe_dump({"sites": SITES[:2]}, allow_unicode=True), encoding="utf-8")
    nodes = [{"id": "n-v2c", "site": "lishi", "role": "core", "address": snmpd.address_of(0), "snmp": "v2c", "uplink_mbps": 1000},
             {"id": "n-v3", "site": "lishi", "role": "core", "address": snmpd.address_of(1), "snmp": "v3", "uplink_mbps": 1000}]
    (d / "inventory" / "nodes.yaml").write_text(yaml.safe_dump({"nodes": nodes}))
    (d / "inventory" / "systems.yaml").write_text("systems: []\n")
    (d / "inventory" / "tenants.yaml").write_text("tenants: []\n")
    profiles = {"v2c": {"version": "2c", "community": "env:AGREE_COMMUNITY"},
                "v3": {"version": 3, "user": USER.name, "auth_protocol": "sha256", "auth_key": "env:AGREE_AUTH",
                       "priv_protocol": "aes128", "priv_key": "env:AGREE_PRIV"}}
    (d / "agent.yaml").write_text(yaml.safe_dump({"inventory": "inventory", "listen": f"127.0.0.1:{port}", "interval": "1h",
                                                  "static_interval": static_interval, "profiles": profiles}, sort_keys=False))
    return d / "agent.yaml"


@pytest.mark.parametrize(("node", "module", "static_interval"), [
    ("n-v2c", "v2c-full", "1ms"), ("n-v3", "v3-full", "1ms"), ("n-v3", "v3-steady", "1h"),
], ids=["v2c-full", "v3-full", "v3-steady"])
def test_agent_and_exporter_agree_on_every_shared_value(setup, node, module, static_interval):
    work, snmpd, exporter = setup
    port = ex.free_port()
    config = _agent_config(work, snmpd, static_interval, port)
    env = {**os.environ, "AGREE_COMMUNITY": COMMUNITY, "AGREE_AUTH": AUTH_PW, "AGREE_PRIV": PRIV_PW}
    agent = subprocess.Popen([sys.executable, "-m", "cloudctl.agent.main", "--config", str(config), "--log-level", "warning"], env=env)
    try:
        deadline = time.monotonic() + 60
        while ex.get(f"http://127.0.0.1:{port}/-/ready")[0] != 200:
            assert agent.poll() is None and time.monotonic() < deadline, "the agent did not become ready"
            time.sleep(0.1)
        address = snmpd.address_of(0 if node == "n-v2c" else 1)
        before = exporter.scrape(address, module)
        status, ours = ex.get(f"http://127.0.0.1:{port}/probe?target={node}")
        after = exporter.scrape(address, module)
    finally:
        agent.send_signal(signal.SIGTERM)
        agent.wait(30)
    assert status == 200
    compared, problems = ex.compare(before, ours.decode(), after, node, full=module.endswith("full"))
    assert problems == []
    assert compared >= (11 if module.endswith("full") else 6)  # every shared value was there to compare
    if module.endswith("full"):  # the exporter itself read the node (over the same protocol and user)
        assert 'sysName{sysName="agree-node"}' in before


def test_the_comparison_catches_a_disagreement(setup):
    """The check is able to fail: one counter off by one, one identity label changed."""
    work, snmpd, exporter = setup
    before = exporter.scrape(snmpd.address_of(1), "v3-full")
    after = exporter.scrape(snmpd.address_of(1), "v3-full")
    view = ex.ExporterView(ex.samples(before))
    uplink = view.interfaces[next(i for i, r in view.interfaces.items() if r.get("ifOperStatus") == 1 and r.get("ifHighSpeed") == max(
        x.get("ifHighSpeed", 0) for x in view.interfaces.values() if x.get("ifOperStatus") == 1))]
    labels = 'node="n-v3",county="lishi",township="",role="core"'
    iface = f'{labels},interface="{uplink["ifName"]}"'
    descr = " ".join((view.label("sysDescr") or "").split())
    fake = "\n".join([
        f"egov_node_up{{{labels}}} 1.0",
        f'egov_node_info{{{labels},sysname="not-{view.label("sysName")}",sysdescr="{descr}",vendor="net-snmp"}} 1.0',
        f"egov_node_ipv6_enabled{{{labels}}} {1.0 if view.ipv6_enabled() else 0.0}",
        f"egov_node_ipv6_forwarding{{{labels}}} {1.0 if view.value('ipv6IpForwarding') == 1 else 0.0}",
        f"egov_node_uptime_seconds{{{labels}}} {view.value('sysUpTime') / 100}",
        f"egov_node_uplink_speed_bytes{{{iface}}} {uplink['ifHighSpeed'] * 125000.0}",
        f"egov_node_uplink_up{{{iface}}} 1.0",
        f"egov_node_interface_receive_bytes_total{{{iface}}} {uplink['ifHCInOctets'] + 10**12}",
        f"egov_node_interface_transmit_bytes_total{{{iface}}} {uplink['ifHCOutOctets']}",
    ]) + "\n"
    _, problems = ex.compare(before, fake, after, "n-v3")
    assert any(p.startswith("sysName") for p in problems) and any(p.startswith("ifHCInOctets") for p in problems)
    assert len(problems) == 2, problems
