"""Our SNMP client against Debian's net-snmp ``snmpd`` on a loopback port: what we read equals
what ``snmpwalk``/``snmpget`` show (system group, IF-MIB, IP-MIB), SNMPv3 with SHA-256 + AES-128
works, and wrong credentials are errors with a kind, not crashes."""

from __future__ import annotations

import asyncio
import os
import subprocess

import pytest

from cloudctl.secrets import Secret
from cloudctl.snmp import mib
from cloudctl.snmp.base import SnmpError, Target
from cloudctl.snmp.client import Client
from tests.conftest import need
from tests.snmpd import Snmpd, User

COMMUNITY = "cloudctl-test"
USER, AUTH, PRIV = "egov", "auth-pass-123", "priv-pass-456"


@pytest.fixture(scope="module")
def snmpd(tmp_path_factory):
    """A real snmpd on 127.0.0.1:PORT with a v2c community and a v3 SHA-256/AES user (no root flags)."""
    path = need("snmpd")
    need("snmpwalk")
    d = tmp_path_factory.mktemp("snmpd")
    try:
        daemon = Snmpd(d, community=COMMUNITY, users=[User(USER, "sha256", AUTH, "aes128", PRIV)], path=path)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield daemon.port
    finally:
        daemon.stop()


def _net_snmp(tool: str, port: int, *oids: str) -> list[tuple[str, object]]:
    """Run snmpwalk/snmpget with numeric, quick, hex-string output and parse the varbinds."""
    cmd = [tool, "-v2c", "-c", COMMUNITY, "-On", "-Ob", "-Oe", "-Ot", "-OU", "-Oq", "-Ox", f"127.0.0.1:{port}", *oids]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env={**os.environ, "MIBS": ""}).stdout
    entries: list[str] = []
    for line in out.splitlines():
        if line.startswith(".1."):
            entries.append(line)
        elif entries:
            entries[-1] += " " + line
    parsed = []
    for e in entries:
        oid, _, value = e.partition(" ")
        value = value.strip()
        if value.startswith('"'):
            v: object = bytes(int(h, 16) for h in value.strip('"').split())
        elif value.startswith("."):
            v = value[1:]
        else:
            v = int(value)
        parsed.append((oid[1:], v))
    return parsed


def _target(port: int, **kw) -> Target:
    base = dict(community=Secret(COMMUNITY), timeout=1.0, retries=1, max_repetitions=10)
    base.update(kw)
    return Target("127.0.0.1", port, **base)


def _v3(port: int, **kw) -> Target:
    base = dict(version="3", user=USER, auth_protocol="sha256", auth_key=Secret(AUTH), priv_protocol="aes128",
                priv_key=Secret(PRIV), timeout=1.0, retries=1)
    base.update(kw)
    return Target("127.0.0.1", port, **base)


async def _with_client(fn):
    client = Client()
    try:
        return await fn(client)
    finally:
        await client.close()


def test_system_group_and_ipv6_forwarding_match_snmpget(snmpd):
    oids = [mib.SYS_DESCR, mib.SYS_OBJECT_ID, mib.SYS_NAME, mib.IPV6_IP_FORWARDING]
    ours = asyncio.run(_with_client(lambda c: c.get(_target(snmpd), oids)))
    assert ours == _net_snmp("snmpget", snmpd, *oids)
    uptime_before = _net_snmp("snmpget", snmpd, mib.SYS_UPTIME)[0][1]
    (_, uptime), = asyncio.run(_with_client(lambda c: c.get(_target(snmpd), [mib.SYS_UPTIME])))
    assert uptime_before <= uptime <= uptime_before + 500
    info = mib.decode_system(ours + [(mib.SYS_UPTIME, uptime)])
    assert info.name == "cloudctl-snmpd-test" and info.vendor == "net-snmp"


def test_interface_columns_match_snmpwalk(snmpd):
    async def walk_all(c):
        return {col: await c.walk(_target(snmpd, max_repetitions=3), col) for col in mib.IF_COLUMNS}

    before = {col: _net_snmp("snmpwalk", snmpd, col) for col in mib.IF_COLUMNS}
    ours = asyncio.run(_with_client(walk_all))
    after = {col: _net_snmp("snmpwalk", snmpd, col) for col in mib.IF_COLUMNS}
    for col in mib.IF_STATIC_COLUMNS + [mib.IF_OPER_STATUS]:
        assert ours[col] == before[col], col
    for col in (mib.IF_HC_IN_OCTETS, mib.IF_HC_OUT_OCTETS):  # counters move: between the two snmpwalks
        assert [o for o, _ in ours[col]] == [o for o, _ in before[col]]
        for (_, lo), (_, v), (_, hi) in zip(before[col], ours[col], after[col]):
            assert lo <= v <= hi
    interfaces = mib.decode_interfaces([vb for rows in ours.values() for vb in rows])
    assert [i.name for i in interfaces] == [v.decode() for _, v in before[mib.IF_NAME]]
    assert any(i.name == "lo" and i.up for i in interfaces)


def test_ip_addresses_match_snmpwalk(snmpd):
    rows = asyncio.run(_with_client(lambda c: c.walk(_target(snmpd), mib.IP_ADDRESS_TABLE)))
    theirs = _net_snmp("snmpwalk", snmpd, *[mib.IP_ADDRESS_TABLE])
    ours_cols = [(o, v) for o, v in rows if any(o.startswith(c + ".") for c in mib.IP_ADDRESS_COLUMNS)]
    theirs_cols = [(o, v) for o, v in theirs if any(o.startswith(c + ".") for c in mib.IP_ADDRESS_COLUMNS)]
    assert ours_cols == theirs_cols
    addrs = mib.decode_ip_addresses(rows)
    assert addrs == mib.decode_ip_addresses(theirs)
    assert any(a.address == "127.0.0.1" for a in addrs)
    assert any(a.address == "::1" and not mib.is_global_ipv6(a) for a in addrs)


def test_snmpv3_sha256_aes128_reads_the_same_as_v2c(snmpd):
    async def both(c):
        v3_sys = await c.get(_v3(snmpd), [mib.SYS_NAME, mib.SYS_OBJECT_ID])
        v3_if = await c.walk(_v3(snmpd, max_repetitions=2), mib.IF_NAME)
        v2_if = await c.walk(_target(snmpd), mib.IF_NAME)
        return v3_sys, v3_if, v2_if

    v3_sys, v3_if, v2_if = asyncio.run(_with_client(both))
    assert v3_sys == [(mib.SYS_NAME, b"cloudctl-snmpd-test"), (mib.SYS_OBJECT_ID, _net_snmp("snmpget", snmpd, mib.SYS_OBJECT_ID)[0][1])]
    assert v3_if == v2_if and v3_if


def test_wrong_community_is_a_timeout(snmpd):
    with pytest.raises(SnmpError) as err:
        asyncio.run(_with_client(lambda c: c.get(_target(snmpd, community=Secret("wrong"), timeout=0.3, retries=0), [mib.SYS_NAME])))
    assert err.value.kind == "timeout"


@pytest.mark.parametrize(
    ("change", "kind"),
    [({"user": "nobody"}, "unknownUserName"), ({"auth_key": Secret("not-the-key")}, "wrongDigest")],
    ids=["unknown-user", "wrong-auth-key"],
)
def test_wrong_v3_credentials_are_the_reported_kind_without_the_secret(snmpd, change, kind):
    with pytest.raises(SnmpError) as err:
        asyncio.run(_with_client(lambda c: c.get(_v3(snmpd, timeout=0.5, retries=0, **change), [mib.SYS_NAME])))
    assert err.value.kind == kind  # snmpd answers with a USM Report (usmStatsUnknownUserNames / usmStatsWrongDigests)
    assert AUTH not in str(err.value) and PRIV not in str(err.value) and "not-the-key" not in str(err.value)


def test_v3_keys_can_change_between_polls_on_the_shared_engine(snmpd):
    async def main(c):
        first = await c.get(_v3(snmpd), [mib.SYS_NAME])
        with pytest.raises(SnmpError):
            await c.get(_v3(snmpd, auth_key=Secret("rotated-wrong"), timeout=0.5, retries=0), [mib.SYS_NAME])
        return first, await c.get(_v3(snmpd), [mib.SYS_NAME])

    first, again = asyncio.run(_with_client(main))
    assert first == again == [(mib.SYS_NAME, b"cloudctl-snmpd-test")]
