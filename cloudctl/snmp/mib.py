"""What the agent reads from a node and how it is decoded: SNMPv2-MIB system group, IF-MIB,
IP-MIB ``ipAddressTable`` (RFC 4293) with the IPV6-MIB ``ipv6AddrTable`` fallback.

Every decoder is a pure function over varbinds as returned by :meth:`SnmpClient.walk` /
:meth:`SnmpClient.get` (``[(dotted_oid, value), ...]``); several walks may simply be
concatenated before decoding. Rows that cannot be decoded are skipped, never raised: a node
that answers odd data still yields everything that is readable.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from cloudctl.snmp.base import NoValue, Value, VarBind
from cloudctl.snmp.cache import ByteBoundedCache

# --- SNMPv2-MIB system group (GET, scalar instances) -------------------------------------------
SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"  # TimeTicks, hundredths of a second
SYS_NAME = "1.3.6.1.2.1.1.5.0"
SYSTEM_OIDS = [SYS_DESCR, SYS_OBJECT_ID, SYS_UPTIME, SYS_NAME]

# --- IP-MIB scalar --------------------------------------------------------------------------
IPV6_IP_FORWARDING = "1.3.6.1.2.1.4.25.0"  # forwarding(1) / notForwarding(2)

# --- IF-MIB columns (WALK) ------------------------------------------------------------------
IF_OPER_STATUS = "1.3.6.1.2.1.2.2.1.8"  # up(1) down(2) testing(3) unknown(4) dormant(5) notPresent(6) lowerLayerDown(7)
IF_NAME = "1.3.6.1.2.1.31.1.1.1.1"
IF_HC_IN_OCTETS = "1.3.6.1.2.1.31.1.1.1.6"
IF_HC_OUT_OCTETS = "1.3.6.1.2.1.31.1.1.1.10"
IF_HIGH_SPEED = "1.3.6.1.2.1.31.1.1.1.15"  # Mbit/s
IF_ALIAS = "1.3.6.1.2.1.31.1.1.1.18"
IF_STATIC_COLUMNS = [IF_NAME, IF_ALIAS, IF_HIGH_SPEED]  # refreshed rarely
IF_COUNTER_COLUMNS = [IF_OPER_STATUS, IF_HC_IN_OCTETS, IF_HC_OUT_OCTETS]  # every poll
IF_COLUMNS = IF_STATIC_COLUMNS + IF_COUNTER_COLUMNS

# --- IP-MIB ipAddressTable (RFC 4293), index = ipAddressAddrType . [len .] addr octets ----------
IP_ADDRESS_TABLE = "1.3.6.1.2.1.4.34"
IP_ADDRESS_IF_INDEX = "1.3.6.1.2.1.4.34.1.3"
IP_ADDRESS_TYPE = "1.3.6.1.2.1.4.34.1.4"  # unicast(1) anycast(2) broadcast(3)
IP_ADDRESS_ORIGIN = "1.3.6.1.2.1.4.34.1.6"  # other(1) manual(2) dhcp(4) linklayer(5) random(6)
IP_ADDRESS_STATUS = "1.3.6.1.2.1.4.34.1.7"  # preferred(1) deprecated(2) invalid(3) ... tentative(6) duplicate(7) optimistic(8)
IP_ADDRESS_COLUMNS = [IP_ADDRESS_IF_INDEX, IP_ADDRESS_TYPE, IP_ADDRESS_ORIGIN, IP_ADDRESS_STATUS]

# --- IPV6-MIB ipv6AddrTable (RFC 2465, obsolete but still served), index = ifIndex . 16 octets --
IPV6_ADDR_TABLE = "1.3.6.1.2.1.55.1.8"
IPV6_ADDR_PFX_LENGTH = "1.3.6.1.2.1.55.1.8.1.2"
IPV6_ADDR_TYPE = "1.3.6.1.2.1.55.1.8.1.3"  # stateless(1) stateful(2) unknown(3)
IPV6_ADDR_ANYCAST_FLAG = "1.3.6.1.2.1.55.1.8.1.4"  # true(1) false(2)
IPV6_ADDR_STATUS = "1.3.6.1.2.1.55.1.8.1.5"  # preferred(1) deprecated(2) invalid(3) inaccessible(4) unknown(5)

ADDRESS_TYPES = {1: "unicast", 2: "anycast", 3: "broadcast"}
ADDRESS_ORIGINS = {1: "other", 2: "manual", 4: "dhcp", 5: "linklayer", 6: "random"}
ADDRESS_STATUSES = {
    1: "preferred", 2: "deprecated", 3: "invalid", 4: "inaccessible",
    5: "unknown", 6: "tentative", 7: "duplicate", 8: "optimistic",
}
IPV6_ORIGINS = {1: "stateless", 2: "stateful", 3: "unknown"}

# sysObjectID enterprise number → vendor (IANA Private Enterprise Numbers).
ENTERPRISES = {
    2011: "huawei",
    25506: "h3c",
    4881: "ruijie",
    3902: "zte",
    9: "cisco",
    2636: "juniper",
    8072: "net-snmp",
}
_ENTERPRISES_PREFIX = "1.3.6.1.4.1."

IF_UP = 1


@dataclass(frozen=True)
class SystemInfo:
    """The SNMPv2-MIB system group of one node."""

    descr: str | None
    object_id: str | None
    uptime_seconds: float | None
    name: str | None

    @property
    def vendor(self) -> str:
        return vendor_of(self.object_id)


@dataclass(frozen=True)
class Interface:
    """One IF-MIB row (ifTable + ifXTable) joined by ifIndex."""

    index: int
    name: str = ""
    alias: str = ""
    oper_status: int | None = None  # 1 = up
    high_speed_mbps: int | None = None
    in_octets: int | None = None
    out_octets: int | None = None

    @property
    def up(self) -> bool:
        return self.oper_status == IF_UP

    @property
    def speed_bytes_per_second(self) -> float | None:
        return None if self.high_speed_mbps is None else self.high_speed_mbps * 1_000_000 / 8


@dataclass(frozen=True)
class IpAddr:
    """One address a node reports, from IP-MIB ``ipAddressTable`` or IPV6-MIB ``ipv6AddrTable``."""

    address: str  # canonical text, zone (if any) as ``%zone-index``
    version: int  # 4 or 6
    if_index: int | None = None
    type: str = "unicast"  # unicast | anycast | broadcast
    origin: str | None = None
    status: str | None = None
    source: str = "ip-mib"  # ip-mib | ipv6-mib


def _text(v: Value) -> str | None:
    if isinstance(v, bytes):
        return v.decode("utf-8", errors="replace")
    if isinstance(v, NoValue) or v is None:
        return None
    return str(v)


def _int(v: Value) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def decode_system(varbinds: Iterable[VarBind]) -> SystemInfo:
    """The system group from a GET of :data:`SYSTEM_OIDS` (missing values become None)."""
    got = dict(varbinds)
    uptime = _int(got.get(SYS_UPTIME))
    oid = got.get(SYS_OBJECT_ID)
    return SystemInfo(
        descr=_text(got.get(SYS_DESCR)),
        object_id=oid if isinstance(oid, str) and not isinstance(oid, NoValue) else None,
        uptime_seconds=None if uptime is None else uptime / 100.0,
        name=_text(got.get(SYS_NAME)),
    )


def vendor_of(sys_object_id: str | None) -> str:
    """Vendor name from sysObjectID's enterprise number; ``unknown`` when not recognised."""
    if not sys_object_id or not sys_object_id.startswith(_ENTERPRISES_PREFIX):
        return "unknown"
    number = sys_object_id[len(_ENTERPRISES_PREFIX):].split(".", 1)[0]
    return ENTERPRISES.get(int(number), "unknown") if number.isdigit() else "unknown"


def decode_ipv6_forwarding(value: Value) -> bool | None:
    """``ipv6IpForwarding``: True for forwarding(1), False for notForwarding(2), None otherwise."""
    return {1: True, 2: False}.get(value) if _int(value) is not None else None


def _split(varbinds: Iterable[VarBind], columns: Iterable[str]) -> dict[str, dict[str, Value]]:
    """{column: {index-suffix: value}} for the varbinds under the given columns."""
    prefixes = [(c, c + ".") for c in columns]
    out: dict[str, dict[str, Value]] = {c: {} for c, _ in prefixes}
    for oid, value in varbinds:
        if isinstance(value, NoValue):
            continue
        for column, prefix in prefixes:
            if oid.startswith(prefix):
                out[column][oid[len(prefix):]] = value
                break
    return out


def decode_interfaces(varbinds: Iterable[VarBind]) -> list[Interface]:
    """Join IF-MIB column walks (any of :data:`IF_COLUMNS`) into interfaces, ordered by ifIndex."""
    cols = _split(varbinds, IF_COLUMNS)
    indices: set[int] = set()
    for rows in cols.values():
        indices.update(int(i) for i in rows if i.isdigit())
    out = []
    for i in sorted(indices):
        key = str(i)
        out.append(
            Interface(
                index=i,
                name=_text(cols[IF_NAME].get(key)) or "",
                alias=_text(cols[IF_ALIAS].get(key)) or "",
                oper_status=_int(cols[IF_OPER_STATUS].get(key)),
                high_speed_mbps=_int(cols[IF_HIGH_SPEED].get(key)),
                in_octets=_int(cols[IF_HC_IN_OCTETS].get(key)),
                out_octets=_int(cols[IF_HC_OUT_OCTETS].get(key)),
            )
        )
    return out


# InetAddressType → (IP version, address octets, zone octets)
_INET_TYPES = {1: (4, 4, 0), 2: (6, 16, 0), 3: (4, 4, 4), 4: (6, 16, 4)}


# Every full poll decodes the same indices and addresses again: memoised, bounded in bytes (#11).
_INDEX_CACHE: ByteBoundedCache[str, tuple[int, str] | None] = ByteBoundedCache(1 << 20, lambda k, v: 2 * len(k) + 64)
_GLOBAL_CACHE: ByteBoundedCache[str, bool] = ByteBoundedCache(1 << 20, lambda k, v: len(k) + 16)
_MISSING = object()


def parse_inet_index(index: str) -> tuple[int, str] | None:
    """Decode an ``ipAddressTable`` index ``addrType.len.o1...oN`` into (version, address text).

    Some agents omit the length sub-identifier (``addrType.o1...oN``); both forms are accepted.
    Returns None for types other than ipv4/ipv6/ipv4z/ipv6z or malformed indices.
    """
    hit = _INDEX_CACHE.lookup(index, _MISSING)  # None is a cached answer too
    if hit is not _MISSING:
        return hit  # type: ignore[return-value]
    return _INDEX_CACHE.put(index, _parse_inet_index(index))


def _parse_inet_index(index: str) -> tuple[int, str] | None:
    try:
        subs = [int(x) for x in index.split(".")]
    except ValueError:
        return None
    if not subs or subs[0] not in _INET_TYPES:
        return None
    version, n_addr, n_zone = _INET_TYPES[subs[0]]
    n = n_addr + n_zone
    rest = subs[1:]
    if len(rest) == n + 1 and rest[0] == n:
        octets = rest[1:]
    elif len(rest) == n:
        octets = rest
    else:
        return None
    if any(not 0 <= o <= 255 for o in octets):
        return None
    addr = ipaddress.ip_address(bytes(octets[:n_addr]))
    text = str(addr)
    if n_zone:
        text += "%" + str(int.from_bytes(bytes(octets[n_addr:]), "big"))
    return version, text


def decode_ip_addresses(varbinds: Iterable[VarBind]) -> list[IpAddr]:
    """Rows of IP-MIB ``ipAddressTable`` (walk :data:`IP_ADDRESS_TABLE` or its columns)."""
    cols = _split(varbinds, IP_ADDRESS_COLUMNS)
    indices: dict[str, None] = {}
    for rows in cols.values():
        indices.update(dict.fromkeys(rows))
    out = []
    for key in indices:
        parsed = parse_inet_index(key)
        if parsed is None:
            continue
        version, text = parsed
        out.append(
            IpAddr(
                address=text,
                version=version,
                if_index=_int(cols[IP_ADDRESS_IF_INDEX].get(key)),
                type=ADDRESS_TYPES.get(_int(cols[IP_ADDRESS_TYPE].get(key)) or 1, "unicast"),
                origin=ADDRESS_ORIGINS.get(_int(cols[IP_ADDRESS_ORIGIN].get(key)) or 0),
                status=ADDRESS_STATUSES.get(_int(cols[IP_ADDRESS_STATUS].get(key)) or 0),
                source="ip-mib",
            )
        )
    return out


def decode_ipv6_addr_table(varbinds: Iterable[VarBind]) -> list[IpAddr]:
    """Rows of IPV6-MIB ``ipv6AddrTable`` (index ``ifIndex.o1...o16``), the pre-RFC 4293 fallback."""
    cols = _split(varbinds, [IPV6_ADDR_PFX_LENGTH, IPV6_ADDR_TYPE, IPV6_ADDR_ANYCAST_FLAG, IPV6_ADDR_STATUS])
    indices: dict[str, None] = {}
    for rows in cols.values():
        indices.update(dict.fromkeys(rows))
    out = []
    for key in indices:
        try:
            subs = [int(x) for x in key.split(".")]
        except ValueError:
            continue
        if len(subs) == 18 and subs[1] == 16:  # tolerate a length sub-identifier, too
            subs = [subs[0], *subs[2:]]
        if len(subs) != 17 or any(not 0 <= o <= 255 for o in subs[1:]):
            continue
        anycast = _int(cols[IPV6_ADDR_ANYCAST_FLAG].get(key)) == 1
        out.append(
            IpAddr(
                address=str(ipaddress.IPv6Address(bytes(subs[1:]))),
                version=6,
                if_index=subs[0],
                type="anycast" if anycast else "unicast",
                origin=IPV6_ORIGINS.get(_int(cols[IPV6_ADDR_TYPE].get(key)) or 0),
                status=ADDRESS_STATUSES.get(_int(cols[IPV6_ADDR_STATUS].get(key)) or 0),
                source="ipv6-mib",
            )
        )
    return out


def is_global_ipv6(addr: IpAddr) -> bool:
    """An IPv6 unicast address that is not loopback, link-local, unspecified or multicast."""
    if addr.version != 6 or addr.type != "unicast":
        return False
    hit = _GLOBAL_CACHE.lookup(addr.address)
    if hit is None:
        ip = ipaddress.IPv6Address(addr.address.split("%", 1)[0])
        hit = _GLOBAL_CACHE.put(addr.address, not (ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast))
    return hit


def ipv6_enabled(addrs: Iterable[IpAddr]) -> bool:
    """DESIGN.md's IPv6-enabled node: at least one address passing :func:`is_global_ipv6`."""
    return any(is_global_ipv6(a) for a in addrs)


def pick_uplink(interfaces: Iterable[Interface], name_or_alias: str | None = None) -> Interface | None:
    """The uplink interface of a node.

    1. ``name_or_alias`` (from the inventory/config) matching an ifName or ifAlias exactly;
    2. else an interface whose ifAlias says ``uplink`` (e.g. ``uplink-to-lishi``);
    3. else the fastest interface that is up (lowest ifIndex on a tie).
    None when nothing qualifies (no interfaces, or a configured name that does not exist).
    """
    ifs = list(interfaces)
    if name_or_alias:
        wanted = name_or_alias.strip()
        for i in ifs:
            if wanted in (i.name, i.alias):
                return i
        return None
    for i in ifs:
        if "uplink" in i.alias.lower():
            return i
    up = [i for i in ifs if i.up]
    if not up:
        return None
    return min(up, key=lambda i: (-(i.high_speed_mbps or 0), i.index))
