"""The SNMP fleet simulator's pieces: how one agent answers, deterministic fleet data, the
synthetic inventory and the inventory copy that points at the simulator."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudctl.inventory.loader import load_inventory
from cloudctl.sim.snmp.fleet import IPV6_GLOBAL, IPV6_LINK_LOCAL, Shares, build_view, make_spec
from cloudctl.sim.snmp.inventory import specs_from_records, synthetic_records, write_inventory
from cloudctl.sim.snmp.mibview import MibView
from cloudctl.sim.snmp.server import loopback_address
from cloudctl.snmp import ber, mib, pdu
from tests.conftest import ROOT


def _ask(view: MibView, pdu_type: int, oids: list[str], a: int = 0, b: int = 0, community: bytes = b"c") -> pdu.Message:
    req = pdu.decode_message(pdu.encode_request(pdu_type, community, 9, oids, a, b))
    return pdu.decode_message(view.respond(req))


def _vbs(msg: pdu.Message) -> list[tuple[str, int, object]]:
    return [(ber.oid_of(raw)[0], tag, v) for raw, tag, v in msg.varbinds]


VIEW = MibView({
    "1.3.6.1.2.1.1.5.0": (ber.OCTET_STRING, b"n1"),
    "1.3.6.1.2.1.2.2.1.8.1": (ber.INTEGER, 1),
    "1.3.6.1.2.1.2.2.1.8.2": (ber.INTEGER, 2),
    "1.3.6.1.2.1.31.1.1.1.6.1": lambda: (ber.COUNTER64, 5),
})


def test_get_answers_values_and_distinguishes_missing_object_from_missing_instance():
    got = _vbs(_ask(VIEW, pdu.GET, ["1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.2.2.1.8.9", "1.3.6.1.2.1.1.9.0"]))
    assert got == [
        ("1.3.6.1.2.1.1.5.0", ber.OCTET_STRING, b"n1"),
        ("1.3.6.1.2.1.2.2.1.8.9", ber.NO_SUCH_INSTANCE, None),
        ("1.3.6.1.2.1.1.9.0", ber.NO_SUCH_OBJECT, None),
    ]


def test_getnext_and_getbulk_walk_in_oid_order_and_end_with_end_of_mib_view():
    assert _vbs(_ask(VIEW, pdu.GET_NEXT, ["1.3.6.1.2.1.2.2.1.8.1"]))[0][:2] == ("1.3.6.1.2.1.2.2.1.8.2", ber.INTEGER)
    bulk = _vbs(_ask(VIEW, pdu.GET_BULK, ["1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.2.2.1.8"], a=1, b=5))
    assert bulk == [
        ("1.3.6.1.2.1.2.2.1.8.1", ber.INTEGER, 1),  # the non-repeater's successor
        ("1.3.6.1.2.1.2.2.1.8.1", ber.INTEGER, 1),
        ("1.3.6.1.2.1.2.2.1.8.2", ber.INTEGER, 2),
        ("1.3.6.1.2.1.31.1.1.1.6.1", ber.COUNTER64, 5),
        ("1.3.6.1.2.1.31.1.1.1.6.1", ber.END_OF_MIB_VIEW, None),
    ]


def test_getbulk_returns_fewer_repetitions_rather_than_too_big():
    view = MibView({f"1.3.6.1.2.1.31.1.1.1.18.{i}": (ber.OCTET_STRING, b"x" * 100) for i in range(1, 200)}, max_size=1472)
    msg = _ask(view, pdu.GET_BULK, ["1.3.6.1.2.1.31.1.1.1.18"], b=100)
    assert msg.error_status == 0
    assert 5 < len(msg.varbinds) < 14
    assert len(view.respond(pdu.decode_message(pdu.encode_request(pdu.GET_BULK, b"c", 9, ["1.3.6.1.2.1.31.1.1.1.18"], 0, 100)))) <= 1472


def test_response_echoes_request_id_and_community():
    msg = _ask(VIEW, pdu.GET, ["1.3.6.1.2.1.1.5.0"], community=b"abc")
    assert (msg.pdu_type, msg.request_id, msg.community) == (pdu.RESPONSE, 9, b"abc")


def test_fleet_data_is_deterministic_per_seed_and_node():
    a = make_spec("lishi-core-01", seed=3, shares=Shares(), role="core")
    assert a == make_spec("lishi-core-01", seed=3, shares=Shares(), role="core")
    assert a.uplink_mbps == 10000
    specs = [make_spec(f"n{i}", seed=3, shares=Shares(ipv6=0.6, link_local_only=0.1, down=0.05)) for i in range(2000)]
    share = sum(s.ipv6 == IPV6_GLOBAL for s in specs) / len(specs)
    assert 0.56 < share < 0.64
    assert 0.07 < sum(s.ipv6 == IPV6_LINK_LOCAL for s in specs) / len(specs) < 0.13
    assert 0.03 < sum(s.down for s in specs) / len(specs) < 0.07


def _walk(view: MibView, root: str) -> list[tuple[str, object]]:
    out, cursor = [], root
    while True:
        for oid, tag, v in _vbs(_ask(view, pdu.GET_BULK, [cursor], b=10)):
            if tag == ber.END_OF_MIB_VIEW or not oid.startswith(root + "."):
                return out
            out.append((oid, v))
            cursor = oid


def test_a_link_local_only_node_is_not_ipv6_enabled_and_a_global_one_is():
    for ipv6, table, enabled in [(IPV6_GLOBAL, "ip-mib-no-length", True), (IPV6_LINK_LOCAL, "ip-mib", False), (IPV6_GLOBAL, "ipv6-mib", True)]:
        spec = make_spec("x", seed=1, shares=Shares())
        spec = type(spec)(**{**spec.__dict__, "ipv6": ipv6, "table": table})
        view = build_view(spec, clock=lambda: 1000.0)
        if table == "ipv6-mib":
            assert _walk(view, mib.IP_ADDRESS_TABLE) == []
            addrs = mib.decode_ipv6_addr_table(_walk(view, mib.IPV6_ADDR_TABLE))
        else:
            addrs = mib.decode_ip_addresses(_walk(view, mib.IP_ADDRESS_TABLE))
        assert any(a.address.startswith("fe80:") for a in addrs)
        assert mib.ipv6_enabled(addrs) is enabled, (ipv6, table)


def test_loopback_addresses_are_distinct_and_avoid_network_and_broadcast_hosts():
    addrs = [loopback_address(i) for i in range(70_000)]
    assert len(set(addrs)) == 70_000
    assert addrs[0] == "127.1.0.1"
    assert not any(a.endswith((".0", ".255")) for a in addrs)


def test_synthetic_inventory_is_valid_and_covers_every_county(tmp_path):
    records = synthetic_records(200)
    specs = specs_from_records(records, seed=0, shares=Shares())
    addresses = {s.id: f"{loopback_address(i)}:1161" for i, s in enumerate(specs)}
    inv = load_inventory(write_inventory(tmp_path / "inv", addresses, records=records))
    assert len(inv.nodes) == 200 and len(inv.counties()) == 13
    assert {n.role for n in inv.nodes.values()} == {"core", "aggregation", "access"}
    assert inv.nodes["lishi-core-01"].address == "127.1.0.1:1161"
    assert any(s.level == "village" for s in inv.sites.values())


def test_written_inventory_changes_only_node_addresses(tmp_path):
    src = ROOT / "tests" / "fixtures" / "inventory" / "minimal"
    out = write_inventory(tmp_path / "inv", {"lishi-core-01": "127.1.0.1:2000"}, source=src)
    before = yaml.safe_load((src / "nodes.yaml").read_text())["nodes"]
    after = yaml.safe_load((out / "nodes.yaml").read_text())["nodes"]
    changed = [(b["id"], a["address"]) for b, a in zip(before, after) if a != b]
    assert changed == [("lishi-core-01", "127.1.0.1:2000")]
    load_inventory(out)


def test_cli_refuses_bad_flag_combinations_with_exit_2(cli, tmp_path):
    code, _, err = cli("--lang", "en", "sim", "snmp", "--mode", "multicast", "--nodes", "3")
    assert code == 2 and "--mode must be one of: addresses, ports" in err
    code, _, err = cli("--lang", "en", "sim", "snmp", "--nodes", "3", "--inventory", str(tmp_path))
    assert code == 2 and "either --inventory or --nodes" in err
    code, _, err = cli("--lang", "en", "sim", "snmp", "--nodes", "3", "--ipv6-share", "0.95", "--link-local-share", "0.1")
    assert code == 2 and "must not exceed 1" in err
    code, _, err = cli("--lang", "en", "sim", "snmp", "--inventory", str(tmp_path / "missing"))
    assert code == 2 and "inventory directory does not exist" in err
    assert "Traceback" not in err

_FLEET_VIEW = build_view(make_spec("fuzz", seed=1, shares=Shares()), clock=lambda: 1000.0)


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from([pdu.GET, pdu.GET_NEXT, pdu.GET_BULK, pdu.RESPONSE, pdu.SET, pdu.REPORT]),
    st.integers(-(2**31), 2**31 - 1),
    st.integers(-(2**31), 2**31 - 1),
    st.lists(st.lists(st.integers(0, 2**40), min_size=0, max_size=14).map(lambda a: "1.3." + ".".join(map(str, [6, 1, 2, 1, *a]))), max_size=40),
)
def test_any_well_formed_request_gets_a_well_formed_answer_or_none(pdu_type, a, b, oids):
    oids = [o.rstrip(".") for o in oids]
    msg = pdu.Message(1, b"public", pdu_type, 5, a, b, [(o, ber.NULL, None) for o in oids])
    reply = _FLEET_VIEW.respond(pdu.decode_message(pdu.encode_message(msg)))
    if pdu_type in (pdu.RESPONSE, pdu.SET, pdu.REPORT):
        assert reply is None
        return
    answer = pdu.decode_message(reply)
    assert answer.request_id == 5 and answer.pdu_type == pdu.RESPONSE
    assert len(reply) <= 1472
    if pdu_type != pdu.GET_BULK and answer.error_status == 0:
        assert len(answer.varbinds) == len(oids)


def test_usm_discovery_probe_gets_an_unknown_engine_id_report_with_the_request_id():
    from cloudctl.sim.snmp import usm
    from cloudctl.snmp import v3msg

    user = usm.UsmUser("egov", "sha256", "authpass123", "privpass123")
    agent = usm.UsmAgent(usm.engine_id_for(7), {"egov": (user, *user.master_keys())})
    # net-snmp's discovery probe: noAuthNoPriv, reportable, empty engine ID and user, GET with no varbinds
    probe = bytes.fromhex(
        "303e020103301102045edebbdd020300ffe30401040201030410300e0400020100020100040004000400"
        "301404000400a00e02044244fa880201000201003000"
    )
    reply = agent.handle(probe, _FLEET_VIEW.respond_pdu)
    m = v3msg.parse(reply)
    assert m.engine_id == usm.engine_id_for(7) and m.flags == 0 and m.msg_id == 0x5EDEBBDD
    assert (m.boots, m.user) == (1, b"")
    _, _, report = v3msg.decode_scoped(reply, m.data_start, m.data_stop)
    assert report.pdu_type == pdu.REPORT and report.request_id == 0x4244FA88
    assert ber.oid_of(report.varbinds[0][0])[0] == usm.UNKNOWN_ENGINE_IDS
