"""Poll one node over the shared :class:`~cloudctl.snmp.base.SnmpClient`.

A *full* poll (first time, every ``static_interval``, after a reboot, or when the uplink is
unknown) reads the system group, the IF-MIB columns that pick the uplink and the addresses that
say whether IPv6 is on. A *counter* poll is a single GET: sysUpTime, ipv6IpForwarding and the
uplink's status, speed and octet counters. Decoding is :mod:`cloudctl.snmp.mib`'s job.

Failures become data: the returned :class:`NodeResult` has ``up=False`` and ``error_kind``.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from cloudctl.agent.state import Interface, NodeResult, StaticData
from cloudctl.errors import SecretError
from cloudctl.secrets import redact
from cloudctl.snmp import mib
from cloudctl.snmp.base import NoValue, SnmpClient, SnmpError, Target


IF_WALK = [mib.IF_NAME, mib.IF_ALIAS, mib.IF_HIGH_SPEED, mib.IF_OPER_STATUS]
IP_WALK = [mib.IP_ADDRESS_IF_INDEX, mib.IP_ADDRESS_TYPE]
IPV6_MIB_WALK = [mib.IPV6_ADDR_PFX_LENGTH, mib.IPV6_ADDR_ANYCAST_FLAG]


def _repetitions(rows: int) -> int | None:
    """GETBULK max-repetitions for a table that had ``rows`` rows last time: one more, so that the
    first answer also shows the table's end (capped by the profile's max_repetitions)."""
    return rows + 1 if rows else None


async def fetch_static(client: SnmpClient, target: Target, uplink_hint: str | None, prev: StaticData | None = None) -> tuple[StaticData, dict]:
    """System group, uplink choice and IPv6 addresses. Returns the static data and the system GET.

    The columns of each table are walked together (one GETBULK stream per table), asking for as
    many rows as the table had at the previous full poll, so that small tables cost one request
    without rows beyond their end."""
    got = dict(await client.get(target, [*mib.SYSTEM_OIDS, mib.IPV6_IP_FORWARDING]))
    system = mib.decode_system(got.items())
    if_rows, ip_rows = (prev.if_rows, prev.ip_rows) if prev is not None else (0, 0)
    ifs = mib.decode_interfaces(await client.walk_columns(target, IF_WALK, max_repetitions=_repetitions(if_rows)))
    uplink = mib.pick_uplink(ifs, uplink_hint)
    rows = await client.walk_columns(target, IP_WALK, max_repetitions=_repetitions(ip_rows))
    addrs = mib.decode_ip_addresses(rows)
    if not addrs:  # agents without RFC 4293 still serve the older IPV6-MIB table
        rows = await client.walk_columns(target, IPV6_MIB_WALK, max_repetitions=_repetitions(ip_rows))
        addrs = mib.decode_ipv6_addr_table(rows)
    static = StaticData(
        sysname=system.name or "",
        sysdescr=" ".join((system.descr or "").split()),  # one line: vendors put \r\n inside
        sysobjectid=system.object_id or "",
        vendor=system.vendor,
        uplink=None if uplink is None else Interface(uplink.index, uplink.name or f"ifIndex{uplink.index}", uplink.alias, uplink.high_speed_mbps or 0, uplink.up),
        ipv6_enabled=mib.ipv6_enabled(addrs),
        fetched_at=time.monotonic(),
        if_rows=len(ifs),
        ip_rows=len(rows) // 2,  # two columns per address table walk
    )
    return static, got


def _counter_oids(uplink: Interface | None) -> list[str]:
    oids = [mib.SYS_UPTIME, mib.IPV6_IP_FORWARDING]
    if uplink is not None:
        i = uplink.index
        oids += [f"{mib.IF_OPER_STATUS}.{i}", f"{mib.IF_HIGH_SPEED}.{i}", f"{mib.IF_HC_IN_OCTETS}.{i}", f"{mib.IF_HC_OUT_OCTETS}.{i}"]
    return oids


def _int(v: object) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


async def _poll(client: SnmpClient, target: Target, uplink_hint: str | None, prev: NodeResult | None, static_interval: float) -> NodeResult:
    now = time.monotonic()
    static = prev.static if prev is not None else None
    full = static is None or static.uplink is None or now - static.fetched_at >= static_interval
    got: dict = {}
    if full:
        static, got = await fetch_static(client, target, uplink_hint, static)
    uplink = static.uplink
    counter_oids = _counter_oids(uplink)
    missing = [o for o in counter_oids if o not in got]
    if missing:
        got.update(await client.get(target, missing))
    uptime = _int(got.get(mib.SYS_UPTIME))
    if uptime is None:
        raise SnmpError("decode", "sysUpTime.0 missing from the response")
    uptime_s = uptime / 100.0
    if not full and prev is not None and prev.uptime_seconds is not None and uptime_s < prev.uptime_seconds:
        # rebooted: interfaces may have been renumbered, so read the static data again
        return await _poll(client, target, uplink_hint, None, static_interval)
    r = NodeResult(node_id="", up=True, uptime_seconds=uptime_s, static=static)
    r.ipv6_forwarding = mib.decode_ipv6_forwarding(got.get(mib.IPV6_IP_FORWARDING))
    if uplink is not None:
        i = uplink.index
        status = got.get(f"{mib.IF_OPER_STATUS}.{i}")
        if isinstance(status, NoValue):  # the uplink vanished: pick again next time
            static.fetched_at = 0.0
        else:
            r.uplink_up = _int(status) == mib.IF_UP
            r.uplink_speed_mbps = _int(got.get(f"{mib.IF_HIGH_SPEED}.{i}"))
            r.rx_bytes = _int(got.get(f"{mib.IF_HC_IN_OCTETS}.{i}"))
            r.tx_bytes = _int(got.get(f"{mib.IF_HC_OUT_OCTETS}.{i}"))
    return r


def deadline_for(target: Target) -> float:
    """Upper bound of one node's poll: every request may time out on every retry, plus slack."""
    requests = 12  # 2 GETs + up to 10 walk pages on a slow node
    return target.timeout * (target.retries + 1) * requests + 1.0


async def poll_node(
    client: SnmpClient,
    node_id: str,
    target: Target,
    uplink_hint: str | None,
    prev: NodeResult | None,
    static_interval: float,
) -> NodeResult:
    """Poll one node; never raises for a node's failure (it becomes ``up=False`` + ``error_kind``)."""
    start = time.monotonic()
    errors = prev.errors if prev is not None else Counter()
    try:
        async with asyncio.timeout(deadline_for(target)):  # no extra task per poll, unlike wait_for
            r = await _poll(client, target, uplink_hint, prev, static_interval)
        r.last_success = time.time()
    except SnmpError as exc:  # its text may quote what the client sent: never keep a credential in it
        r = _failed(prev, exc.kind, redact(str(exc), (target.community, target.auth_key, target.priv_key)))
    except SecretError as exc:
        r = _failed(prev, "secret", str(exc))
    except asyncio.TimeoutError:
        r = _failed(prev, "deadline", "the poll took longer than its deadline")
    except OSError as exc:  # e.g. no route to the node's address: the kernel refuses the datagram
        r = _failed(prev, "network", f"cannot send to {target.host}:{target.port}: {exc.strerror or exc}")
    r.node_id = node_id
    r.duration = time.monotonic() - start
    if r.error_kind:
        errors[r.error_kind] += 1
    r.errors = errors
    return r


def _failed(prev: NodeResult | None, kind: str, message: str) -> NodeResult:
    """A failed poll keeps what is still true (static data, last success) and marks the node down."""
    return NodeResult(
        node_id="",
        up=False,
        error_kind=kind,
        error=message,
        static=prev.static if prev is not None else None,
        ipv6_forwarding=None,
        last_success=prev.last_success if prev is not None else None,
    )
