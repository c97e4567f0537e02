"""Our SNMPv2c codec against pysnmp/pyasn1 (differential, random messages) and against hostile bytes."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pyasn1.codec.ber import decoder as asn1_decoder
from pyasn1.codec.ber import encoder as asn1_encoder
from pysnmp.proto.api import v2c

from cloudctl.snmp import ber, pdu
from cloudctl.snmp.ber import DecodeError

_PDU_CLASSES = {
    pdu.GET: v2c.GetRequestPDU,
    pdu.GET_NEXT: v2c.GetNextRequestPDU,
    pdu.GET_BULK: v2c.GetBulkRequestPDU,
    pdu.RESPONSE: v2c.ResponsePDU,
    pdu.REPORT: v2c.ReportPDU,
}

oid_arcs = st.tuples(st.integers(0, 2), st.integers(0, 39), st.lists(st.integers(0, 2**32 - 1), max_size=20)).map(
    lambda t: (t[0], t[1], *t[2])
)
u32 = st.integers(0, 2**32 - 1)
values = st.one_of(
    st.tuples(st.just(ber.INTEGER), st.integers(-(2**31), 2**31 - 1)),
    st.tuples(st.just(ber.OCTET_STRING), st.binary(max_size=300)),
    st.tuples(st.just(ber.NULL), st.none()),
    st.tuples(st.just(ber.OID), oid_arcs.map(lambda a: ".".join(map(str, a)))),
    st.tuples(st.just(ber.IP_ADDRESS), st.binary(min_size=4, max_size=4)),
    st.tuples(st.just(ber.COUNTER32), u32),
    st.tuples(st.just(ber.GAUGE32), u32),
    st.tuples(st.just(ber.TIMETICKS), u32),
    st.tuples(st.just(ber.OPAQUE), st.binary(max_size=40)),
    st.tuples(st.just(ber.COUNTER64), st.integers(0, 2**64 - 1)),
    st.tuples(st.sampled_from([ber.NO_SUCH_OBJECT, ber.NO_SUCH_INSTANCE, ber.END_OF_MIB_VIEW]), st.none()),
)
messages = st.builds(
    lambda t, rid, es, ei, comm, vbs: pdu.Message(
        pdu.VERSION_2C, comm, t, rid, es, ei, [(".".join(map(str, o)), tag, v) for o, (tag, v) in vbs]
    ),
    st.sampled_from(sorted(_PDU_CLASSES)),
    st.integers(-214783648, 2**31 - 1),
    st.integers(0, 18),
    st.integers(0, 2**31 - 1),
    st.binary(max_size=40),
    st.lists(st.tuples(oid_arcs, values), max_size=30),
)


def _pysnmp_value(tag, v):
    return {
        ber.INTEGER: lambda: v2c.Integer(v),
        ber.OCTET_STRING: lambda: v2c.OctetString(v),
        ber.NULL: lambda: v2c.Null(""),
        ber.OID: lambda: v2c.ObjectIdentifier(v),
        ber.IP_ADDRESS: lambda: v2c.IpAddress(v),
        ber.COUNTER32: lambda: v2c.Counter32(v),
        ber.GAUGE32: lambda: v2c.Gauge32(v),
        ber.TIMETICKS: lambda: v2c.TimeTicks(v),
        ber.OPAQUE: lambda: v2c.Opaque(v),
        ber.COUNTER64: lambda: v2c.Counter64(v),
        ber.NO_SUCH_OBJECT: lambda: v2c.NoSuchObject(""),
        ber.NO_SUCH_INSTANCE: lambda: v2c.NoSuchInstance(""),
        ber.END_OF_MIB_VIEW: lambda: v2c.EndOfMibView(""),
    }[tag]()


def _pysnmp_encode(m: pdu.Message) -> bytes:
    p = _PDU_CLASSES[m.pdu_type]()
    if m.pdu_type == pdu.GET_BULK:
        v2c.apiBulkPDU.set_defaults(p)
        v2c.apiBulkPDU.set_non_repeaters(p, m.error_status)
        v2c.apiBulkPDU.set_max_repetitions(p, m.error_index)
    else:
        v2c.apiPDU.set_defaults(p)
        v2c.apiPDU.set_error_status(p, m.error_status)
        v2c.apiPDU.set_error_index(p, m.error_index)
    v2c.apiPDU.set_request_id(p, m.request_id)
    v2c.apiPDU.set_varbinds(p, [(v2c.ObjectIdentifier(o), _pysnmp_value(t, v)) for o, t, v in m.varbinds])
    msg = v2c.Message()
    v2c.apiMessage.set_defaults(msg)
    v2c.apiMessage.set_community(msg, m.community)
    v2c.apiMessage.set_pdu(msg, p)
    return asn1_encoder.encode(msg)


_EMPTY_NAMES = {
    ber.NULL: "Null", ber.NO_SUCH_OBJECT: "NoSuchObject", ber.NO_SUCH_INSTANCE: "NoSuchInstance",
    ber.END_OF_MIB_VIEW: "EndOfMibView",
}


def _ours_as_dotted(m: pdu.Message) -> list:
    return [(ber.oid_of(o)[0], t, v) for o, t, v in m.varbinds]


def _pyasn1_pads(v: int) -> bool:
    """pyasn1 encodes -2**(8k-1) with a redundant 0xff octet (-128 → ff 80); X.690 §8.3.2 wants
    the minimal form (80), which we write. Both decode to the same value on both sides."""
    return v < 0 and (-v) & (-v - 1) == 0 and (-v).bit_length() % 8 == 0


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages)
def test_encoding_is_byte_identical_to_pysnmp(m):
    ints = [m.request_id] + [v for _, t, v in m.varbinds if t == ber.INTEGER]
    assume(not any(_pyasn1_pads(v) for v in ints))
    assert pdu.encode_message(m) == _pysnmp_encode(m)


def test_minimal_negative_integers_where_pyasn1_pads():
    for v in (-128, -32768, -(2**31)):
        ours = ber.encode_int(v)
        theirs = asn1_encoder.encode(v2c.Integer(v))
        assert len(ours) == len(theirs) - 1  # one octet shorter: minimal
        assert int(asn1_decoder.decode(ours, asn1Spec=v2c.Integer())[0]) == v
        assert ber.decode_value(ber.INTEGER, theirs[2:]) == v


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages)
def test_we_decode_what_pysnmp_encodes(m):
    got = pdu.decode_message(_pysnmp_encode(m))
    assert (got.version, got.community, got.pdu_type, got.request_id, got.error_status, got.error_index) == (
        m.version, m.community, m.pdu_type, m.request_id, m.error_status, m.error_index,
    )
    assert _ours_as_dotted(got) == m.varbinds


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages)
def test_pysnmp_decodes_what_we_encode(m):
    decoded, rest = asn1_decoder.decode(pdu.encode_message(m), asn1Spec=v2c.Message())
    assert rest == b""
    assert bytes(v2c.apiMessage.get_community(decoded)) == m.community
    p = v2c.apiMessage.get_pdu(decoded)
    assert int(v2c.apiPDU.get_request_id(p)) == m.request_id
    got = [(str(o), v) for o, v in v2c.apiPDU.get_varbinds(p)]
    assert [o for o, _ in got] == [o for o, _, _ in m.varbinds]
    for (_, theirs), (_, tag, ours) in zip(got, m.varbinds):
        if tag in (ber.NULL, ber.NO_SUCH_OBJECT, ber.NO_SUCH_INSTANCE, ber.END_OF_MIB_VIEW):
            assert type(theirs).__name__ == _EMPTY_NAMES[tag]
        elif tag == ber.OID:
            assert str(theirs) == ours
        elif tag in (ber.OCTET_STRING, ber.OPAQUE, ber.IP_ADDRESS):
            assert bytes(theirs.asOctets()) == ours
        else:
            assert int(theirs) == ours


def test_requests_match_pysnmp_get_and_bulk():
    oids = ["1.3.6.1.2.1.1.3.0", "1.3.6.1.2.1.1.5.0"]
    ours = pdu.encode_request(pdu.GET_BULK, b"public", 4242, oids, 0, 10)
    m = pdu.Message(1, b"public", pdu.GET_BULK, 4242, 0, 10, [(o, ber.NULL, None) for o in oids])
    assert ours == _pysnmp_encode(m)


def test_unsigned_value_without_leading_zero_is_read_as_unsigned():
    # Some agents encode Counter32 0xFFFFFFFF in 4 octets (no leading 0x00): read the bits.
    assert ber.decode_value(ber.COUNTER32, b"\xff\xff\xff\xff") == 2**32 - 1


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x30",
        b"\x30\x80\x02\x01\x01\x00\x00",  # indefinite length
        b"\x30\x85\x00\x00\x00\x00\x05",  # 5-octet length field
        b"\x30\x82\xff\xff\x02\x01\x01",  # length past the end
        b"\x30\x03\x02\x01\x03",  # SNMPv3 version: not ours
        b"\x30\x05\x02\x01\x01\x04\x00" + b"junk",  # trailing garbage
        b"\x31\x00",
        b"\xff" * 20,
    ],
)
def test_malformed_messages_raise_decode_error(data):
    with pytest.raises(DecodeError):
        pdu.decode_message(data)


def test_bad_oids_and_values_raise_decode_error():
    for raw in (b"", b"\x2b\x86", b"\x2b\x80\x01"):
        with pytest.raises(DecodeError):
            ber.decode_oid(raw)
    with pytest.raises(DecodeError):
        ber.decode_value(ber.IP_ADDRESS, b"\x01\x02\x03")
    with pytest.raises(DecodeError):
        ber.decode_value(ber.INTEGER, b"")
    with pytest.raises(DecodeError):
        ber.decode_value(ber.NULL, b"\x00")


def _sample_response() -> bytes:
    m = pdu.Message(
        1, b"public", pdu.RESPONSE, 77, 0, 0,
        [(f"1.3.6.1.2.1.31.1.1.1.6.{i}", ber.COUNTER64, i * 10**12) for i in range(1, 20)]
        + [("1.3.6.1.2.1.1.5.0", ber.OCTET_STRING, b"node"), ("1.3.6.1.2.1.1.2.0", ber.OID, "1.3.6.1.4.1.2011.1"),
           ("1.3.6.1.2.1.1.9.9", ber.END_OF_MIB_VIEW, None)],
    )
    return pdu.encode_message(m)


def test_every_truncation_and_bit_flip_is_rejected_or_decoded_never_crashes():
    data = _sample_response()
    for cut in range(len(data)):
        with pytest.raises(DecodeError):
            pdu.decode_message(data[:cut])
    rng = random.Random(5)
    for _ in range(5000):
        buf = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
        try:
            pdu.decode_message(bytes(buf))
        except DecodeError:
            pass


@settings(max_examples=2000, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_never_crash_the_decoder(data):
    try:
        pdu.decode_message(data)
    except DecodeError:
        pass


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=60), st.integers(0, 300))
def test_random_splices_into_a_valid_message_never_crash(junk, at):
    data = _sample_response()
    at = min(at, len(data))
    try:
        pdu.decode_message(data[:at] + junk + data[at:])
    except DecodeError:
        pass
