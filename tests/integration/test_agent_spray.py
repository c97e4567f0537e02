"""Whatever the network sends, the agent's memory stays bounded and the other nodes stay up (#11).

The agent runs as a process, polling a simulated fleet (``cloudctl sim snmp``) and one hostile
node that answers every walk with new, long OIDs without end. Meanwhile 50,000 hostile datagrams
are sprayed at the agent's SNMP socket from several loopback addresses: random bytes, SNMPv2c
and SNMPv3 messages with request ids nobody asked for, truncated ones and 30 KB ones. The agent
must stay alive and under 200 MB, count what it dropped, keep every simulated node up, and
report the hostile node down with ``kind="limits"``.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from cloudctl.sim.snmp.usm import UsmAgent, is_v3
from cloudctl.snmp import ber, mib, pdu, v3msg
from tests.conftest import ROOT
from tests.snmp_exporter import free_port, get

NODES = 150
SPRAY = 50_000
RSS_LIMIT_MB = 200
COMMUNITY = "spray-community"
COLUMNS = [*mib.IF_COLUMNS, *mib.IP_ADDRESS_COLUMNS, mib.IPV6_ADDR_PFX_LENGTH, mib.IPV6_ADDR_TYPE, mib.IPV6_ADDR_ANYCAST_FLAG,
           mib.IPV6_ADDR_STATUS]


def udp_ports(pid: int) -> set[int]:
    """Local ports of the UDP sockets process ``pid`` holds (from /proc: socket inodes → /proc/net/udp)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            link = os.readlink(fd)
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    ports = set()
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


class Endless(threading.Thread):
    """A node whose every column goes on for ever with new OIDs of ~100 sub-identifiers; SNMPv2c,
    and SNMPv3 too when given the simulator's USM users (``{name: (UsmUser, Ku auth, Ku priv)}``)."""

    def __init__(self, v3_users: dict | None = None) -> None:
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.counter = 0
        self.answers = 0
        self.stop = threading.Event()
        self.usm = None
        if v3_users:
            self.usm = UsmAgent(b"\x80\x00\x1f\x88\x04endless", v3_users)

    def respond_pdu(self, req: pdu.Message, overhead: int = 0, max_size: int | None = None) -> bytes:  # ignores both: hostile
        names = [ber.oid_of(raw)[0] for raw, _, _ in req.varbinds]
        if req.pdu_type == pdu.GET:
            vbs = [(name, ber.INTEGER, 1) for name in names]
        else:  # GETBULK: rows of the columns asked for (row after row), each OID new and long
            vbs = []
            for _ in range(max(1, min(req.error_index, 10))):
                for name in names:
                    self.counter += 1
                    tail = [str(self.counter)] + [str((self.counter * 7919 + k) % 100_000) for k in range(95)]
                    column = next((c for c in COLUMNS if name == c or name.startswith(c + ".")), name)
                    vbs.append((".".join([column, *tail]), ber.OCTET_STRING, b"v" * 30))
        return pdu.encode_pdu(pdu.RESPONSE, req.request_id, 0, 0,
                              [pdu.encode_varbind(ber.encode_oid(o), ber.encode_value(t, v)) for o, t, v in vbs])

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                data, addr = self.sock.recvfrom(65535)
                if self.usm is not None and is_v3(data):
                    reply = self.usm.handle(data, self.respond_pdu)
                else:
                    req = pdu.decode_message(data)
                    reply = pdu.wrap(pdu.VERSION_2C, req.community, self.respond_pdu(req))
            except (OSError, ber.DecodeError):
                continue
            if reply is not None:
                self.sock.sendto(reply, addr)
                self.answers += 1


def hostile_datagrams(rng: random.Random) -> list[bytes]:
    """A pool of bad datagrams to cycle through (sending is what costs, not making them)."""
    valid = pdu.encode_message(pdu.Message(1, COMMUNITY.encode(), pdu.RESPONSE, 1, 0, 0, [(mib.SYS_NAME, ber.OCTET_STRING, b"x" * 40)]))
    engine, user = ber.tlv(ber.OCTET_STRING, b"\x80\x00\x1f\x88\x04spray"), ber.tlv(ber.OCTET_STRING, b"u")
    pool = []
    for i in range(2000):
        kind = i % 6
        if kind == 0:
            pool.append(rng.randbytes(rng.randint(0, 1400)))
        elif kind == 1:  # well-formed answers to requests nobody sent
            pool.append(pdu.encode_message(pdu.Message(1, COMMUNITY.encode(), pdu.RESPONSE, rng.randrange(2**31), 0, 0,
                                                       [(f"{mib.IF_NAME}.{rng.randrange(10**6)}", ber.OCTET_STRING, rng.randbytes(200))])))
        elif kind == 2:  # SNMPv3 Reports to msgIDs nobody used
            msg_id = rng.randrange(2**31)
            pool.append(v3msg.encode(msg_id, 0, engine, 1, 1, user, None, b"", v3msg.scoped_pdu(b"", b"", pdu.encode_pdu(pdu.REPORT, msg_id, 0, 0, b""))))
        elif kind == 3:
            pool.append(valid[: rng.randrange(len(valid))])
        elif kind == 4:  # big: 30 KB
            pool.append(pdu.encode_message(pdu.Message(1, COMMUNITY.encode(), pdu.RESPONSE, rng.randrange(2**31), 0, 0,
                                                       [(mib.SYS_DESCR, ber.OCTET_STRING, rng.randbytes(30_000))])))
        else:
            b = bytearray(valid)
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
            pool.append(bytes(b))
    return pool


def metrics(base: str) -> dict:
    out: dict = {}
    for fam in text_string_to_metric_families(get(base + "/metrics")[1].decode()):
        for s in fam.samples:
            out.setdefault(s.name, []).append((s.labels, s.value))
    return out


def value(m: dict, name: str, **labels) -> float:
    return sum(v for lab, v in m.get(name, []) if all(lab.get(k) == x for k, x in labels.items()))


@pytest.mark.slow
def test_sprayed_agent_stays_bounded_and_keeps_the_fleet_up(tmp_path):
    env = {**os.environ, "SPRAY_COMMUNITY": COMMUNITY}
    sim = subprocess.Popen([sys.executable, "-m", "cloudctl", "--lang", "en", "sim", "snmp", "--nodes", str(NODES), "--down-share", "0",
                            "--slow-share", "0", "--community", COMMUNITY, "--write-inventory", str(tmp_path / "inventory")],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
    endless = Endless()
    endless.start()
    agent = None
    try:
        assert "ready" in sim.stdout.readline()
        nodes = tmp_path / "inventory" / "nodes.yaml"
        data = yaml.safe_load(nodes.read_text())
        site = data["nodes"][-1]["site"]
        data["nodes"].append({"id": "hostile-endless", "site": site, "role": "access", "address": f"127.0.0.1:{endless.port}", "snmp": "sim",
                              "uplink_mbps": 100})
        nodes.write_text(yaml.safe_dump(data, allow_unicode=True))
        port = free_port()
        (tmp_path / "agent.yaml").write_text(yaml.safe_dump({
            "inventory": "inventory", "listen": f"127.0.0.1:{port}", "interval": "1s", "static_interval": "1s", "concurrency": 64,
            "profiles": {"sim": {"version": "2c", "community": "env:SPRAY_COMMUNITY", "timeout": "1s", "retries": 1}}}))
        agent = subprocess.Popen([sys.executable, "-m", "cloudctl.agent.main", "--config", str(tmp_path / "agent.yaml"), "--log-level", "error"],
                                 env=env, cwd=tmp_path)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while get(base + "/-/ready")[0] != 200:
            assert agent.poll() is None and time.monotonic() < deadline, "the agent did not become ready"
            time.sleep(0.1)
        rss_before = rss_mb(agent.pid)
        ports = udp_ports(agent.pid)
        assert ports, "the agent holds no UDP socket"

        rng = random.Random(11)
        pool = hostile_datagrams(rng)
        senders = []
        for host in ("127.0.0.1", "127.0.0.77", "127.9.9.9"):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((host, 0))
            senders.append(s)
        sent = 0
        for i in range(SPRAY):
            try:
                senders[i % 3].sendto(pool[i % len(pool)], ("127.0.0.1", next(iter(ports))))
                sent += 1
            except OSError:  # the kernel's own buffer is full: that datagram never reaches the agent
                pass
            if i % 2000 == 1999:
                time.sleep(0.005)  # let the agent drain, so most of the spray is really read
        for s in senders:
            s.close()

        # the sweeps that follow the spray: every simulated node up, the endless one down for limits
        m = metrics(base)
        sweeps = value(m, "egov_agent_sweeps_total")
        deadline = time.monotonic() + 30
        while value(m, "egov_agent_sweeps_total") < sweeps + 2:
            assert time.monotonic() < deadline, "no sweep after the spray"
            time.sleep(0.2)
            m = metrics(base)
        rss_after = rss_mb(agent.pid)
        assert agent.poll() is None
    finally:
        endless.stop.set()
        if agent is not None:
            agent.send_signal(signal.SIGTERM)
            agent.wait(30)
        sim.send_signal(signal.SIGTERM)
        sim.wait(30)
    assert sent >= SPRAY * 0.9
    read = value(m, "egov_agent_snmp_events_total", protocol="udp", event="datagrams")
    dropped = sum(value(m, "egov_agent_snmp_events_total", protocol="udp", event=e)
                  for e in ("garbage", "unknown_request_id", "wrong_address", "too_large", "wrong_version"))
    assert read >= SPRAY * 0.5 and dropped >= SPRAY * 0.5, (read, dropped)  # most of it reached the agent, all of that dropped
    assert value(m, "egov_agent_snmp_events_total", protocol="udp", event="too_large") == 0  # 30 KB < 65,507: dropped by id, unread
    up = {lab["node"]: v for lab, v in m["egov_node_up"]}
    assert sum(up[n] for n in up if n != "hostile-endless") == NODES  # every simulated node stayed up
    assert up["hostile-endless"] == 0.0
    assert value(m, "egov_node_poll_errors_total", node="hostile-endless", kind="limits") >= 1, [
        (lab["kind"], v) for lab, v in m["egov_node_poll_errors_total"] if lab["node"] == "hostile-endless"]
    assert endless.answers < 3 * 1000  # each walk was cut off by the limits, not after 10,000 requests
    assert rss_after < RSS_LIMIT_MB, (rss_before, rss_after)
    assert rss_after - rss_before < 40, (rss_before, rss_after)
