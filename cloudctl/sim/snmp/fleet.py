"""The simulated fleet: which nodes exist, how each behaves, and the MIB each one serves.

Everything is derived from ``(seed, node id)`` so two runs with the same seed serve the same
data (counters and uptime move with the clock). A node's behaviour — vendor, IPv6 state,
which address table it serves, down or slow — is a :class:`NodeSpec`; :func:`build_view` turns
a spec into a :class:`MibView`.
"""

from __future__ import annotations

import hashlib
import ipaddress
import random
import time
from dataclasses import dataclass

from cloudctl.sim.snmp.mibview import MibView
from cloudctl.snmp import ber, mib

VENDORS = {
    "huawei": {
        "descr": "Huawei Versatile Routing Platform Software\r\nVRP (R) software, Version 5.170 ({model} V200R019C10SPC500)\r\n"
                 "Copyright (C) 2000-2021 HUAWEI TECH CO., LTD",
        "models": ["S5735-L48T4X-A1", "S6730-H24X6C", "CE6881-48S6CQ", "AR6140-16G4XG"],
        "oid": "1.3.6.1.4.1.2011.2.23.{n}",
        "fast": "XGigabitEthernet0/0/{i}", "slow": "GigabitEthernet0/0/{i}",
    },
    "h3c": {
        "descr": "H3C Comware Platform Software\r\nComware Software, Version 7.1.070, Release 6615P06\r\n"
                 "H3C {model}\r\nCopyright (c) 2004-2022 New H3C Technologies Co., Ltd. All rights reserved.",
        "models": ["S6520X-26C-SI", "S5560X-54C-EI", "MSR3660"],
        "oid": "1.3.6.1.4.1.25506.1.{n}",
        "fast": "Ten-GigabitEthernet1/0/{i}", "slow": "GigabitEthernet1/0/{i}",
    },
    "ruijie": {
        "descr": "Ruijie Full Gigabit Security & Intelligence Access Switch({model}) By Ruijie Networks Co., Ltd.\r\n"
                 "RGOS 11.4(1)B12P2, Release(07201315)",
        "models": ["S2910-24GT4XS-E", "S5750C-28GT4XS-H", "RSR20-X"],
        "oid": "1.3.6.1.4.1.4881.1.1.10.1.{n}",
        "fast": "TenGigabitEthernet 0/{i}", "slow": "GigabitEthernet 0/{i}",
    },
    "zte": {
        "descr": "ZXR10 ROS Version V5.00.10 ZXR10 {model} Software, Version V3.00.10.B10P04, RELEASE SOFTWARE\r\n"
                 "Copyright (c) 2001-2021 by ZTE Corporation",
        "models": ["5950-H", "5960-56QU-HI", "M6000-3S"],
        "oid": "1.3.6.1.4.1.3902.3.100.{n}",
        "fast": "xgei-0/1/1/{i}", "slow": "gei-0/1/0/{i}",
    },
}

IPV6_GLOBAL = "global"  # a global unicast address (and a link-local one): IPv6-enabled
IPV6_LINK_LOCAL = "link-local"  # only fe80:: — NOT IPv6-enabled
IPV6_NONE = "none"

TABLE_IP_MIB = "ip-mib"  # RFC 4293 ipAddressTable, index addrType.len.addr
TABLE_IP_MIB_NO_LENGTH = "ip-mib-no-length"  # ipAddressTable without the length sub-identifier
TABLE_IPV6_MIB = "ipv6-mib"  # only the old IPV6-MIB ipv6AddrTable


@dataclass(frozen=True)
class NodeSpec:
    """How one simulated node looks and behaves."""

    id: str
    vendor: str
    model: str
    role: str = "access"
    parent: str = "city"
    uplink_mbps: int = 1000
    uplink_name: str | None = None  # ifName of the uplink when the inventory names it
    mgmt_ipv4: str = "10.0.0.1"
    ipv6: str = IPV6_GLOBAL
    table: str = TABLE_IP_MIB
    down: bool = False
    slow: bool = False
    n_interfaces: int = 4


@dataclass(frozen=True)
class Shares:
    """Fractions of the fleet with each behaviour."""

    ipv6: float = 0.6
    link_local_only: float = 0.1  # of all nodes: only fe80:: addresses (drawn among those without global IPv6)
    down: float = 0.05
    slow: float = 0.02
    ipv6_mib_only: float = 0.1
    no_length_index: float = 0.1


def _rng(seed: int, node_id: str) -> random.Random:
    digest = hashlib.blake2b(f"{seed}:{node_id}".encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def make_spec(node_id: str, *, seed: int, shares: Shares, role: str = "access", parent: str = "city",
              vendor: str | None = None, model: str | None = None, uplink_mbps: int | None = None,
              uplink_name: str | None = None, index: int = 0) -> NodeSpec:
    """A deterministic spec for one node; inventory fields win over the drawn ones."""
    r = _rng(seed, node_id)
    v = (vendor or "").lower()
    if v not in VENDORS:
        v = r.choice(sorted(VENDORS))
    # Independent draws, so changing one share does not reshuffle the others.
    u_ipv6, u_ll, u_down, u_slow, u_tab, u_len = (r.random() for _ in range(6))
    if u_ipv6 < shares.ipv6:
        ipv6 = IPV6_GLOBAL
    elif u_ll < shares.link_local_only / max(1e-9, 1 - shares.ipv6):
        ipv6 = IPV6_LINK_LOCAL
    else:
        ipv6 = IPV6_NONE
    table = TABLE_IPV6_MIB if u_tab < shares.ipv6_mib_only else (TABLE_IP_MIB_NO_LENGTH if u_len < shares.no_length_index else TABLE_IP_MIB)
    speed = uplink_mbps or {"core": 10000, "aggregation": 1000}.get(role, r.choice([100, 1000, 1000]))
    return NodeSpec(
        id=node_id,
        vendor=v,
        model=model or r.choice(VENDORS[v]["models"]),
        role=role,
        parent=parent,
        uplink_mbps=speed,
        uplink_name=uplink_name,
        mgmt_ipv4=str(ipaddress.IPv4Address(0x0A000000 + 256 + index)),
        ipv6=ipv6,
        table=table,
        down=u_down < shares.down,
        slow=u_slow < shares.slow,
        n_interfaces={"core": 8, "aggregation": 6}.get(role, 4),
    )


def _inet_index(addr: ipaddress._BaseAddress, with_length: bool) -> str:
    octets = list(addr.packed)
    head = [1 if addr.version == 4 else 2] + ([len(octets)] if with_length else [])
    return ".".join(map(str, head + octets))


def build_view(spec: NodeSpec, *, seed: int = 0, started: float | None = None, clock=time.time) -> MibView:
    """The MIB one node serves: system group, IF-MIB, IP-MIB / IPV6-MIB, ipv6IpForwarding."""
    r = _rng(seed, spec.id + "/mib")
    t0 = clock() if started is None else started
    boot = t0 - r.randint(3600, 400 * 86400)
    vend = VENDORS[spec.vendor]
    objs: dict = {
        mib.SYS_DESCR: (ber.OCTET_STRING, vend["descr"].format(model=spec.model).encode()),
        mib.SYS_OBJECT_ID: (ber.OID, vend["oid"].format(n=r.randint(100, 999))),
        mib.SYS_UPTIME: lambda: (ber.TIMETICKS, int((clock() - boot) * 100) & 0xFFFFFFFF),
        mib.SYS_NAME: (ber.OCTET_STRING, spec.id.encode()),
        "1.3.6.1.2.1.1.4.0": (ber.OCTET_STRING, b"noc@lvliang.gov.cn"),
        "1.3.6.1.2.1.1.6.0": (ber.OCTET_STRING, spec.parent.encode()),
        "1.3.6.1.2.1.2.1.0": (ber.INTEGER, spec.n_interfaces),
        mib.IPV6_IP_FORWARDING: (ber.INTEGER, 1 if spec.ipv6 == IPV6_GLOBAL and spec.role != "access" else 2),
    }
    for i in range(1, spec.n_interfaces + 1):
        uplink = i == 1
        speed = spec.uplink_mbps if uplink else r.choice([100, 1000, 1000, 10000 if spec.role == "core" else 1000])
        name = spec.uplink_name if uplink and spec.uplink_name else vend["fast" if speed >= 10000 else "slow"].format(i=i)
        alias = f"uplink-to-{spec.parent}" if uplink else r.choice(["", "", f"to-{spec.id}-port{i}", "office-lan", "video-conf"])
        status = 1 if uplink or r.random() < 0.7 else 2
        rate = speed * 125_000 * r.uniform(0.01, 0.3) if status == 1 else 0.0
        base_in, base_out = r.randint(0, 2**40), r.randint(0, 2**40)
        objs[f"{mib.IF_OPER_STATUS}.{i}"] = (ber.INTEGER, status)
        objs[f"{mib.IF_NAME}.{i}"] = (ber.OCTET_STRING, name.encode())
        objs[f"{mib.IF_HIGH_SPEED}.{i}"] = (ber.GAUGE32, speed)
        objs[f"{mib.IF_ALIAS}.{i}"] = (ber.OCTET_STRING, alias.encode())
        objs[f"{mib.IF_HC_IN_OCTETS}.{i}"] = _counter(base_in, rate, boot, clock)
        objs[f"{mib.IF_HC_OUT_OCTETS}.{i}"] = _counter(base_out, rate * r.uniform(0.2, 1.2), boot, clock)
        objs[f"1.3.6.1.2.1.2.2.1.2.{i}"] = (ber.OCTET_STRING, name.encode())  # ifDescr
    _addresses(objs, spec, r)
    return MibView(objs)


def _counter(base: int, rate: float, boot: float, clock) -> object:
    return lambda: (ber.COUNTER64, int(base + rate * (clock() - boot)) & 0xFFFFFFFFFFFFFFFF)


def _addresses(objs: dict, spec: NodeSpec, r: random.Random) -> None:
    v4 = ipaddress.IPv4Address(spec.mgmt_ipv4)
    addrs: list[tuple[ipaddress._BaseAddress, int, int, int]] = [  # (addr, ifIndex, type, origin)
        (v4, 1, 1, 2),
        (ipaddress.IPv4Address("127.0.0.1"), spec.n_interfaces + 1, 1, 2),
    ]
    v6: list[tuple[ipaddress.IPv6Address, int, int]] = []  # (addr, ifIndex, origin)
    if spec.ipv6 in (IPV6_GLOBAL, IPV6_LINK_LOCAL):
        v6.append((ipaddress.IPv6Address(f"fe80::{r.randint(1, 0xFFFF):x}:{r.randint(1, 0xFFFF):x}"), 1, 5))
    if spec.ipv6 == IPV6_GLOBAL:
        prefix = int(ipaddress.IPv6Address("2409:8a1e::")) | (r.getrandbits(32) << 64)
        v6.append((ipaddress.IPv6Address(prefix | 1), 1, 2))
    if spec.table == TABLE_IPV6_MIB:
        for a, ifi, origin in v6:
            idx = f"{ifi}." + ".".join(map(str, a.packed))
            objs[f"{mib.IPV6_ADDR_PFX_LENGTH}.{idx}"] = (ber.INTEGER, 64)
            objs[f"{mib.IPV6_ADDR_TYPE}.{idx}"] = (ber.INTEGER, 1 if origin == 5 else 2)
            objs[f"{mib.IPV6_ADDR_ANYCAST_FLAG}.{idx}"] = (ber.INTEGER, 2)
            objs[f"{mib.IPV6_ADDR_STATUS}.{idx}"] = (ber.INTEGER, 1)
        return
    with_length = spec.table == TABLE_IP_MIB
    for a, ifi, typ, origin in addrs + [(a, i, 1, o) for a, i, o in v6]:
        idx = _inet_index(a, with_length)
        objs[f"{mib.IP_ADDRESS_IF_INDEX}.{idx}"] = (ber.INTEGER, ifi)
        objs[f"{mib.IP_ADDRESS_TYPE}.{idx}"] = (ber.INTEGER, typ)
        objs[f"{mib.IP_ADDRESS_ORIGIN}.{idx}"] = (ber.INTEGER, origin)
        objs[f"{mib.IP_ADDRESS_STATUS}.{idx}"] = (ber.INTEGER, 1)
