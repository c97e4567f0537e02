"""prometheus-snmp-exporter (Debian's build of the Go snmp_exporter) as the reference the agent is
measured and checked against: its installed version, a module reading the same OIDs as the agent's
full poll, the process on a free loopback port, and the comparison of the two outputs' values.

Used by ``tests/integration/test_exporter_agreement.py`` and ``bench/bench_snmp.py``.
"""

from __future__ import annotations

import ipaddress
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families

from cloudctl.snmp import mib

BINARY = "/usr/bin/prometheus-snmp-exporter"
PACKAGE = "prometheus-snmp-exporter"

# What the agent's full poll reads (cloudctl/agent/poller.py): the system group and
# ipv6IpForwarding, the IF-MIB columns that choose the uplink, the IP-MIB address columns — and
# the uplink's octet counters, which the exporter GETs by instance like the agent.
SCALARS = [mib.SYS_DESCR, mib.SYS_OBJECT_ID, mib.SYS_UPTIME, mib.SYS_NAME, mib.IPV6_IP_FORWARDING]
WALKS = [mib.IF_NAME, mib.IF_ALIAS, mib.IF_HIGH_SPEED, mib.IF_OPER_STATUS, mib.IP_ADDRESS_IF_INDEX, mib.IP_ADDRESS_TYPE]
# The agent's counter ("steady") poll: one GET of these, plus the uplink's status/speed/octets.
STEADY_SCALARS = [mib.SYS_UPTIME, mib.IPV6_IP_FORWARDING]

_IF_INDEX = [{"labelname": "ifIndex", "type": "gauge"}]
# One index for type, length and address: snmp_exporter 0.21's InetAddress reads all three
# (ipv4 → dotted, ipv6 → eight groups of hex; the zoned types fall back to hex octets).
_IP_INDEX = [{"labelname": "ipAddressAddr", "type": "InetAddress"}]
METRICS = [  # (name, column or scalar OID without .0, type, indexes)
    ("sysDescr", mib.SYS_DESCR[:-2], "DisplayString", None),
    ("sysObjectID", mib.SYS_OBJECT_ID[:-2], "DisplayString", None),
    ("sysUpTime", mib.SYS_UPTIME[:-2], "gauge", None),
    ("sysName", mib.SYS_NAME[:-2], "DisplayString", None),
    ("ipv6IpForwarding", mib.IPV6_IP_FORWARDING[:-2], "gauge", None),
    ("ifName", mib.IF_NAME, "DisplayString", _IF_INDEX),
    ("ifAlias", mib.IF_ALIAS, "DisplayString", _IF_INDEX),
    ("ifHighSpeed", mib.IF_HIGH_SPEED, "gauge", _IF_INDEX),
    ("ifOperStatus", mib.IF_OPER_STATUS, "gauge", _IF_INDEX),
    ("ifHCInOctets", mib.IF_HC_IN_OCTETS, "counter", _IF_INDEX),
    ("ifHCOutOctets", mib.IF_HC_OUT_OCTETS, "counter", _IF_INDEX),
    ("ipAddressIfIndex", mib.IP_ADDRESS_IF_INDEX, "gauge", _IP_INDEX),
    ("ipAddressType", mib.IP_ADDRESS_TYPE, "gauge", _IP_INDEX),
]

# our protocol names → the exporter's (snmp_exporter's own names, which the agent adopted)
AUTH_NAMES = {"md5": "MD5", "sha": "SHA", "sha224": "SHA224", "sha256": "SHA256", "sha384": "SHA384", "sha512": "SHA512"}
PRIV_NAMES = {"des": "DES", "aes128": "AES", "aes192": "AES192", "aes256": "AES256", "aes192c": "AES192C", "aes256c": "AES256C"}


def installed_version() -> str:
    """The upstream version of the installed package, e.g. ``0.21.0`` (from dpkg, not from docs)."""
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", PACKAGE], capture_output=True, text=True, check=True).stdout
    upstream = out.split(":", 1)[-1].split("-", 1)[0].split("+", 1)[0]
    if not upstream:
        raise RuntimeError(f"dpkg does not know {PACKAGE}")
    return upstream


@dataclass
class Credentials:
    """How the exporter authenticates to the node: a community, or a v3 user."""

    community: str | None = None
    user: str | None = None
    security_level: str = "authPriv"
    auth_protocol: str = "sha256"
    auth_password: str | None = None
    priv_protocol: str = "aes128"
    priv_password: str | None = None

    def auth(self) -> dict:
        if self.community is not None:
            return {"community": self.community}
        a = {"username": self.user, "security_level": self.security_level}
        if self.security_level != "noAuthNoPriv":
            a.update(password=self.auth_password, auth_protocol=AUTH_NAMES[self.auth_protocol])
        if self.security_level == "authPriv":
            a.update(priv_password=self.priv_password, priv_protocol=PRIV_NAMES[self.priv_protocol])
        return a


def module(creds: Credentials, uplink: int | None, *, steady: bool = False, max_repetitions: int = 10) -> dict:
    """A module of the agent's full poll (or, with ``steady``, only its counter GET) for one node
    whose uplink is ifIndex ``uplink`` (its counters are read by instance, as the agent does)."""
    counters = [] if uplink is None else [f"{mib.IF_HC_IN_OCTETS}.{uplink}", f"{mib.IF_HC_OUT_OCTETS}.{uplink}"]
    if steady:
        status = [] if uplink is None else [f"{mib.IF_OPER_STATUS}.{uplink}", f"{mib.IF_HIGH_SPEED}.{uplink}"]
        get, walk = STEADY_SCALARS + status + counters, []
    else:
        get, walk = SCALARS + counters, WALKS
    names = {o.rsplit(".", 1)[0] for o in get} | set(walk)  # a scalar's or an instance's column
    metrics = []
    for name, oid, typ, indexes in METRICS:
        if oid in names:
            m = {"name": name, "oid": oid, "type": typ, "help": name}
            if indexes:
                m["indexes"] = indexes
            metrics.append(m)
    mod = {"version": 2 if creds.community is not None else 3, "max_repetitions": max_repetitions, "retries": 1, "timeout": "2s",
           "auth": creds.auth(), "get": get, "metrics": metrics}
    if walk:
        mod["walk"] = walk
    return mod


def write_config(path: Path, modules: dict[str, dict]) -> None:
    """snmp.yml in the 0.21 layout (authentication inside each module)."""
    path.write_text(yaml.safe_dump(modules, sort_keys=False))


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Exporter:
    """The exporter process on a free loopback port with a given snmp.yml."""

    def __init__(self, config: Path, binary: str = BINARY) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen([binary, f"--config.file={config}", f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{binary} exited: {self.proc.stderr.read()[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=2):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"{binary} did not listen within 30 s") from None
                time.sleep(0.05)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def url(self, target: str, module_name: str) -> str:
        return f"http://127.0.0.1:{self.port}/snmp?target={target}&module={module_name}"

    def scrape(self, target: str, module_name: str) -> str:
        with urllib.request.urlopen(self.url(target, module_name), timeout=30) as r:  # noqa: S310 - loopback
            return r.read().decode()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc.stderr is not None:
            self.proc.stderr.close()


# --- comparing the outputs --------------------------------------------------------------------------

Samples = dict[str, list[tuple[dict[str, str], float]]]


def samples(text: str) -> Samples:
    out: Samples = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out.setdefault(s.name, []).append((s.labels, s.value))
    return out


@dataclass
class ExporterView:
    """The exporter's output as the values the agent derives from the same OIDs."""

    s: Samples
    interfaces: dict[int, dict] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("ifName", "ifAlias", "ifHighSpeed", "ifOperStatus", "ifHCInOctets", "ifHCOutOctets"):
            for labels, value in self.s.get(name, []) + self.s.get(name + "_total", []):
                row = self.interfaces.setdefault(int(labels["ifIndex"]), {})
                row[name] = labels[name] if name in ("ifName", "ifAlias") else value

    def label(self, metric: str) -> str | None:
        got = self.s.get(metric)
        return got[0][0][metric] if got else None

    def value(self, metric: str) -> float | None:
        got = self.s.get(metric) or self.s.get(metric + "_total")
        return got[0][1] if got else None

    def index_of(self, if_name: str) -> int | None:
        return next((i for i, r in self.interfaces.items() if r.get("ifName") == if_name), None)

    def ipv6_enabled(self) -> bool:
        """DESIGN.md's definition applied to the exporter's ipAddressTable rows."""
        for labels, value in self.s.get("ipAddressType", []):
            text = labels["ipAddressAddr"]
            if ":" not in text or value != 1:  # IPv6 (ipv6z renders as hex: zones are link-local), unicast(1)
                continue
            addr = ipaddress.ip_address(text)
            if not (addr.is_loopback or addr.is_link_local or addr.is_unspecified or addr.is_multicast):
                return True
        return False


def agent_node(text: str, node: str) -> Samples:
    """The agent's samples of one node (a /probe body or /metrics)."""
    return {name: [(lab, v) for lab, v in rows if lab.get("node") == node] for name, rows in samples(text).items()}


def _bracketed(name: str, value: float | None, lo: float | None, hi: float | None, problems: list[str]) -> None:
    if value is None or lo is None or hi is None:
        problems.append(f"{name}: missing (agent {value}, exporter {lo}..{hi})")
    elif not lo <= value <= hi:
        problems.append(f"{name}: agent {value} is not between the exporter's {lo} and {hi}")


def compare(before: str, agent: str, after: str, node: str, *, full: bool = True) -> tuple[int, list[str]]:
    """Compare the agent's values of ``node`` with the exporter's scraped just ``before`` and
    ``after`` it. Fixed values must be equal; moving ones (uptime, octet counters) must lie
    between the exporter's two readings. Returns (values compared, problems)."""
    e0, e1 = ExporterView(samples(before)), ExporterView(samples(after))
    a = agent_node(agent, node)
    problems: list[str] = []
    compared = 0

    def one(name: str) -> tuple[dict, float] | None:
        rows = a.get(name) or []
        if len(rows) != 1:
            problems.append(f"{name}: the agent has {len(rows)} samples for {node}")
            return None
        return rows[0]

    def equal(name: str, ours: object, theirs: object) -> None:
        nonlocal compared
        compared += 1
        if ours != theirs:
            problems.append(f"{name}: agent {ours!r} != exporter {theirs!r}")

    up = one("egov_node_up")
    if up is None or up[1] != 1.0:
        problems.append(f"egov_node_up of {node} is {up and up[1]}")
        return compared, problems
    if full:
        info = one("egov_node_info")
        if info is not None:
            equal("sysName", info[0]["sysname"], e0.label("sysName"))
            equal("sysDescr", info[0]["sysdescr"], " ".join((e0.label("sysDescr") or "").split()))
            equal("vendor (sysObjectID)", info[0]["vendor"], mib.vendor_of(e0.label("sysObjectID")))
        v6 = one("egov_node_ipv6_enabled")
        if v6 is not None:
            equal("IPv6 enabled (ipAddressTable)", v6[1], 1.0 if e0.ipv6_enabled() else 0.0)
    fwd = one("egov_node_ipv6_forwarding")
    if fwd is not None:
        equal("ipv6IpForwarding", fwd[1], {1.0: 1.0, 2.0: 0.0}.get(e0.value("ipv6IpForwarding")))
    uptime = one("egov_node_uptime_seconds")
    if uptime is not None:
        compared += 1
        lo, hi = e0.value("sysUpTime"), e1.value("sysUpTime")
        _bracketed("sysUpTime", uptime[1], lo and lo / 100, hi and hi / 100, problems)
    speed = one("egov_node_uplink_speed_bytes")
    if speed is None:
        return compared, problems
    name = speed[0]["interface"]
    i = e0.index_of(name) if full else None
    if full:
        if i is None:
            problems.append(f"uplink {name!r}: no such ifName in the exporter's output")
            return compared, problems
        chosen = mib.pick_uplink([mib.Interface(k, r.get("ifName", ""), r.get("ifAlias", ""), int(r.get("ifOperStatus", 0)),
                                                int(r.get("ifHighSpeed", 0))) for k, r in sorted(e0.interfaces.items())])
        equal("uplink choice", name, chosen.name if chosen else None)
    else:  # the steady module has the uplink's rows only
        i = next(iter(e0.interfaces), None)
    row0, row1 = e0.interfaces.get(i, {}), e1.interfaces.get(i, {})
    equal("ifHighSpeed", speed[1], row0.get("ifHighSpeed", -1) * 125_000)
    up_row = one("egov_node_uplink_up")
    if up_row is not None:
        equal("ifOperStatus", up_row[1], 1.0 if row0.get("ifOperStatus") == 1 else 0.0)
    for ours, theirs in (("egov_node_interface_receive_bytes_total", "ifHCInOctets"), ("egov_node_interface_transmit_bytes_total", "ifHCOutOctets")):
        row = one(ours)
        if row is not None:
            compared += 1
            _bracketed(theirs, row[1], row0.get(theirs), row1.get(theirs), problems)
    return compared, problems


def get(url: str, timeout: float = 30) -> tuple[int, bytes]:
    """(status, body) of a GET; status 0 when nothing answers (yet)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310 - loopback
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError:
        return 0, b""
