"""MIB decoding: IF-MIB join, RFC 4293 ipAddressTable indices, IPV6-MIB fallback, IPv6-enabled, uplink."""

from cloudctl.snmp import mib
from cloudctl.snmp.base import NO_SUCH_OBJECT
from cloudctl.snmp.mib import Interface, IpAddr


def _v6_octets(text: str) -> str:
    import ipaddress

    return ".".join(str(b) for b in ipaddress.IPv6Address(text).packed)


def test_decode_system_reads_the_four_scalars_and_vendor():
    info = mib.decode_system(
        [
            (mib.SYS_DESCR, b"Huawei Versatile Routing Platform Software"),
            (mib.SYS_OBJECT_ID, "1.3.6.1.4.1.2011.2.224.279"),
            (mib.SYS_UPTIME, 123456),
            (mib.SYS_NAME, NO_SUCH_OBJECT),
        ]
    )
    assert info.descr.startswith("Huawei")
    assert info.uptime_seconds == 1234.56
    assert info.name is None
    assert info.vendor == "huawei"


def test_vendor_of_known_and_unknown():
    assert mib.vendor_of("1.3.6.1.4.1.25506.1.1") == "h3c"
    assert mib.vendor_of("1.3.6.1.4.1.4881.1.1.10.1.1") == "ruijie"
    assert mib.vendor_of("1.3.6.1.4.1.3902.3.100") == "zte"
    assert mib.vendor_of("1.3.6.1.4.1.99999.1") == "unknown"
    assert mib.vendor_of(None) == "unknown"


def test_decode_interfaces_joins_columns_by_ifindex():
    vbs = [
        (mib.IF_NAME + ".1", b"GE0/0/1"),
        (mib.IF_NAME + ".2", b"GE0/0/2"),
        (mib.IF_ALIAS + ".2", b"uplink-to-lishi"),
        (mib.IF_HIGH_SPEED + ".1", 1000),
        (mib.IF_HIGH_SPEED + ".2", 10000),
        (mib.IF_OPER_STATUS + ".1", 1),
        (mib.IF_OPER_STATUS + ".2", 2),
        (mib.IF_HC_IN_OCTETS + ".2", 2**40),
        (mib.IF_HC_OUT_OCTETS + ".2", 7),
    ]
    ifs = mib.decode_interfaces(vbs)
    assert [i.index for i in ifs] == [1, 2]
    assert ifs[1] == Interface(2, "GE0/0/2", "uplink-to-lishi", 2, 10000, 2**40, 7)
    assert ifs[0].up and not ifs[1].up
    assert ifs[1].speed_bytes_per_second == 1.25e9


def test_ip_address_index_with_and_without_length_subidentifier():
    g = "2001:db8:1::1"
    with_len = f"2.16.{_v6_octets(g)}"
    without_len = f"2.{_v6_octets(g)}"
    assert mib.parse_inet_index(with_len) == (6, g)
    assert mib.parse_inet_index(without_len) == (6, g)
    assert mib.parse_inet_index("1.4.10.0.0.1") == (4, "10.0.0.1")
    assert mib.parse_inet_index("1.10.0.0.1") == (4, "10.0.0.1")
    assert mib.parse_inet_index(f"4.20.{_v6_octets('fe80::1')}.0.0.0.3") == (6, "fe80::1%3")
    assert mib.parse_inet_index("1.4.10.0") is None  # neither 4 octets nor 4+length
    assert mib.parse_inet_index("16.3.97.98.99") is None  # dns
    assert mib.parse_inet_index("1.4.300.0.0.1") is None


def test_decode_ip_addresses_reads_type_origin_status_and_ifindex():
    g = _v6_octets("2001:db8::5")
    vbs = [
        (f"{mib.IP_ADDRESS_IF_INDEX}.1.4.10.1.2.3", 2),
        (f"{mib.IP_ADDRESS_IF_INDEX}.2.16.{g}", 3),
        (f"{mib.IP_ADDRESS_TYPE}.1.4.10.1.2.3", 1),
        (f"{mib.IP_ADDRESS_TYPE}.2.16.{g}", 2),
        (f"{mib.IP_ADDRESS_ORIGIN}.2.16.{g}", 2),
        (f"{mib.IP_ADDRESS_STATUS}.2.16.{g}", 1),
        (f"{mib.IP_ADDRESS_IF_INDEX}.9.9", 1),  # garbage index: skipped
    ]
    addrs = mib.decode_ip_addresses(vbs)
    assert addrs == [
        IpAddr("10.1.2.3", 4, 2, "unicast", None, None),
        IpAddr("2001:db8::5", 6, 3, "anycast", "manual", "preferred"),
    ]


def test_decode_ipv6_addr_table_fallback():
    g = _v6_octets("2409:8000::7")
    addrs = mib.decode_ipv6_addr_table(
        [(f"{mib.IPV6_ADDR_PFX_LENGTH}.5.{g}", 64), (f"{mib.IPV6_ADDR_ANYCAST_FLAG}.5.{g}", 2), (f"{mib.IPV6_ADDR_STATUS}.5.{g}", 1)]
    )
    assert addrs == [IpAddr("2409:8000::7", 6, 5, "unicast", None, "preferred", "ipv6-mib")]
    assert mib.ipv6_enabled(addrs)


def test_ipv6_enabled_needs_a_global_unicast_address():
    def a(text, typ="unicast"):
        return IpAddr(text, 6 if ":" in text else 4, 1, typ)

    assert not mib.ipv6_enabled([a("fe80::1"), a("::1"), a("::"), a("ff02::1"), a("10.0.0.1")])
    assert not mib.ipv6_enabled([a("fe80::1%3")])
    assert not mib.ipv6_enabled([a("2001:db8::1", "anycast")])
    assert mib.ipv6_enabled([a("fe80::1"), a("2001:db8::1")])
    assert mib.ipv6_enabled([a("fd00::1")])  # ULA is unicast and not link-local


def test_decode_ipv6_forwarding():
    assert mib.decode_ipv6_forwarding(1) is True
    assert mib.decode_ipv6_forwarding(2) is False
    assert mib.decode_ipv6_forwarding(NO_SUCH_OBJECT) is None


def test_pick_uplink_order_config_then_alias_then_fastest_up():
    ifs = [
        Interface(1, "GE0/0/1", "", 1, 1000),
        Interface(2, "XGE0/0/1", "", 2, 10000),  # fastest but down
        Interface(3, "GE0/0/3", "", 1, 1000),
        Interface(4, "Eth4", "uplink-to-lishi", 1, 100),
    ]
    assert mib.pick_uplink(ifs, "GE0/0/3").index == 3
    assert mib.pick_uplink(ifs, "uplink-to-lishi").index == 4
    assert mib.pick_uplink(ifs, "nope") is None
    assert mib.pick_uplink(ifs).index == 4
    assert mib.pick_uplink(ifs[:3]).index == 1
    assert mib.pick_uplink([Interface(1, "a", "", 2, 1000)]) is None
