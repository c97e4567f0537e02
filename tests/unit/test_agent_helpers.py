"""Builders shared by the agent tests: a small inventory whose coverage is computed by hand, and
the SNMP tables its nodes answer with (for :class:`~cloudctl.snmp.base.DictClient`).

The inventory (expected figures are derived in test_agent_aggregates.py)::

    lvliang (city)
    ├── lishi 离石区 (county): lishi-core-01 up 10G, lishi-core-02 DOWN
    │   └── lishi-t1 (township): lishi-t1-agg up
    │       ├── lishi-v1: lishi-v1-acc up      ├── lishi-v2: lishi-v2-acc DOWN
    │       └── lishi-v3: lishi-v3-acc up (link-local IPv6 only)
    └── xiaoyi 孝义市 (county): xiaoyi-core-01 up 100M (IPv6 via IPV6-MIB)
        └── xiaoyi-t1 (township): xiaoyi-t1-agg DOWN
            ├── xiaoyi-v1: xiaoyi-v1-acc up    └── xiaoyi-v2: no node
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

import yaml

from cloudctl.snmp import mib

SITES = [
    {"id": "lvliang", "name": "吕梁市", "level": "city"},
    {"id": "lishi", "name": "离石区", "level": "county", "parent": "lvliang"},
    {"id": "xiaoyi", "name": "孝义市", "level": "county", "parent": "lvliang"},
    {"id": "lishi-t1", "name": "田家会街道", "level": "township", "parent": "lishi"},
    {"id": "xiaoyi-t1", "name": "兑镇镇", "level": "township", "parent": "xiaoyi"},
    {"id": "lishi-v1", "name": "甲村", "level": "village", "parent": "lishi-t1"},
    {"id": "lishi-v2", "name": "乙村", "level": "village", "parent": "lishi-t1"},
    {"id": "lishi-v3", "name": "丙村", "level": "village", "parent": "lishi-t1"},
    {"id": "xiaoyi-v1", "name": "丁村", "level": "village", "parent": "xiaoyi-t1"},
    {"id": "xiaoyi-v2", "name": "戊村", "level": "village", "parent": "xiaoyi-t1"},
]

# id: (site, role, address, up, uplink Mbit/s, IPv6 addresses, IPv6 via the old IPV6-MIB)
NODES = {
    "lishi-core-01": ("lishi", "core", "10.0.0.1", True, 10000, ["2408:8000::1", "fe80::1"], False),
    "lishi-core-02": ("lishi", "core", "10.0.0.2", False, 1000, [], False),
    "lishi-t1-agg": ("lishi-t1", "aggregation", "10.0.1.1", True, 1000, [], False),
    "lishi-v1-acc": ("lishi-v1", "access", "10.0.2.1", True, 100, ["2408:8000:1::9"], False),
    "lishi-v2-acc": ("lishi-v2", "access", "10.0.2.2", False, 100, [], False),
    "lishi-v3-acc": ("lishi-v3", "access", "10.0.2.3", True, 100, ["fe80::3"], False),
    "xiaoyi-core-01": ("xiaoyi", "core", "10.1.0.1", True, 100, ["2408:8001::1"], True),
    "xiaoyi-t1-agg": ("xiaoyi-t1", "aggregation", "10.1.1.1", False, 1000, [], False),
    "xiaoyi-v1-acc": ("xiaoyi-v1", "access", "10.1.2.1", True, 100, [], False),
}
UNREACHABLE = {n[2] for n in NODES.values() if not n[3]}


def write_inventory(root: Path, nodes: dict | None = None, profile: str = "lab") -> Path:
    nodes = NODES if nodes is None else nodes
    root.mkdir(parents=True, exist_ok=True)
    (root / "sites.yaml").write_text(yaml.safe_dump({"sites": SITES}, allow_unicode=True), encoding="utf-8")
    recs = [
        {"id": nid, "site": site, "role": role, "address": addr, "snmp": profile, "uplink_mbps": mbps, "vendor": "huawei"}
        for nid, (site, role, addr, _up, mbps, _v6, _old) in nodes.items()
    ]
    (root / "nodes.yaml").write_text(yaml.safe_dump({"nodes": recs}), encoding="utf-8")
    (root / "systems.yaml").write_text("systems: []\n", encoding="utf-8")
    (root / "tenants.yaml").write_text("tenants: []\n", encoding="utf-8")
    return root


def write_config(path: Path, inventory: str = "inventory", extra: str = "", community: str = "env:TEST_SNMP_COMMUNITY") -> Path:
    path.write_text(
        f"inventory: {inventory}\n"
        "listen: 127.0.0.1:0\n"
        "interval: 60s\n"
        "profiles:\n"
        f"  lab: {{version: 2c, community: \"{community}\", timeout: 0.5, retries: 0}}\n" + extra,
        encoding="utf-8",
    )
    return path


def node_table(nid: str, mbps: int, v6: list[str], old_mib: bool, uptime_ticks: int = 360000, in_octets: int = 1000, out_octets: int = 2000) -> dict:
    """The SNMP view of one node: system group, two interfaces (uplink is the fastest up one), addresses."""
    t: dict = {
        mib.SYS_DESCR: b"Huawei Versatile Routing Platform Software VRP (R) software, Version 8.180",
        mib.SYS_OBJECT_ID: "1.3.6.1.4.1.2011.2.224.279",
        mib.SYS_UPTIME: uptime_ticks,
        mib.SYS_NAME: nid.encode(),
        mib.IPV6_IP_FORWARDING: 1 if v6 else 2,
    }
    ifaces = [(1, "GE0/0/1", "uplink-to-city", 1, mbps, in_octets, out_octets), (2, "GE0/0/2", "lan", 1, 10, 5, 6), (3, "GE0/0/3", "", 2, 100000, 0, 0)]
    for idx, name, alias, status, speed, rx, tx in ifaces:
        t[f"{mib.IF_NAME}.{idx}"] = name.encode()
        t[f"{mib.IF_ALIAS}.{idx}"] = alias.encode()
        t[f"{mib.IF_OPER_STATUS}.{idx}"] = status
        t[f"{mib.IF_HIGH_SPEED}.{idx}"] = speed
        t[f"{mib.IF_HC_IN_OCTETS}.{idx}"] = rx
        t[f"{mib.IF_HC_OUT_OCTETS}.{idx}"] = tx
    t[f"{mib.IP_ADDRESS_IF_INDEX}.1.4.10.9.9.9"] = 1
    t[f"{mib.IP_ADDRESS_TYPE}.1.4.10.9.9.9"] = 1
    for addr in v6:
        octets = ".".join(str(b) for b in ipaddress.IPv6Address(addr).packed)
        if old_mib:
            t[f"{mib.IPV6_ADDR_PFX_LENGTH}.1.{octets}"] = 64
            t[f"{mib.IPV6_ADDR_ANYCAST_FLAG}.1.{octets}"] = 2
        else:
            t[f"{mib.IP_ADDRESS_IF_INDEX}.2.16.{octets}"] = 1
            t[f"{mib.IP_ADDRESS_TYPE}.2.16.{octets}"] = 1
    if old_mib:  # such agents have no ipAddressTable at all
        t = {k: v for k, v in t.items() if not k.startswith(mib.IP_ADDRESS_TABLE + ".")}
    return t


def fleet_tables(nodes: dict | None = None) -> dict[str, dict]:
    nodes = NODES if nodes is None else nodes
    return {addr: node_table(nid, mbps, v6, old) for nid, (_s, _r, addr, up, mbps, v6, old) in nodes.items() if up}
