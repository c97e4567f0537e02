"""SNMPv1/v2c messages: ``SEQUENCE { version, community, PDU }`` (RFC 3416 PDUs).

:func:`decode_message` returns a :class:`Message` whose varbinds keep the raw OID octets and
the value tag, so the client can test subtree membership on bytes and the simulator can
answer without re-encoding; :func:`encode_message` builds any PDU from typed varbinds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cloudctl.snmp import ber
from cloudctl.snmp.ber import DecodeError

VERSION_1 = 0
VERSION_2C = 1

GET = 0xA0
GET_NEXT = 0xA1
RESPONSE = 0xA2
SET = 0xA3
GET_BULK = 0xA5
INFORM = 0xA6
TRAP_V2 = 0xA7
REPORT = 0xA8
PDU_TYPES = frozenset((GET, GET_NEXT, RESPONSE, SET, GET_BULK, INFORM, TRAP_V2, REPORT))

# error-status values (RFC 3416 §3)
ERROR_NAMES = {
    0: "noError", 1: "tooBig", 2: "noSuchName", 3: "badValue", 4: "readOnly", 5: "genErr",
    6: "noAccess", 7: "wrongType", 8: "wrongLength", 9: "wrongEncoding", 10: "wrongValue",
    11: "noCreation", 12: "inconsistentValue", 13: "resourceUnavailable", 14: "commitFailed",
    15: "undoFailed", 16: "authorizationError", 17: "notWritable", 18: "inconsistentName",
}
TOO_BIG = 1

# A decoded varbind: (OID content octets, value tag, value). Values follow ``base.Value``;
# for the three exception tags the value is None.
RawVarBind = tuple[bytes, int, object]


@dataclass
class Message:
    version: int
    community: bytes
    pdu_type: int
    request_id: int
    error_status: int = 0  # non-repeaters for GETBULK
    error_index: int = 0  # max-repetitions for GETBULK
    varbinds: list[RawVarBind] = field(default_factory=list)


_VALUE_TAGS = frozenset(
    (ber.INTEGER, ber.OCTET_STRING, ber.NULL, ber.OID, ber.IP_ADDRESS, ber.COUNTER32, ber.GAUGE32,
     ber.TIMETICKS, ber.OPAQUE, ber.COUNTER64)
)
_EXCEPTION_TAGS = frozenset((ber.NO_SUCH_OBJECT, ber.NO_SUCH_INSTANCE, ber.END_OF_MIB_VIEW))


def decode_header(data: bytes) -> tuple[int, int, int, int]:
    """(version, community start, community stop, PDU position) of a v1/v2c message, checking
    the outer SEQUENCE covers the datagram exactly. Raises :class:`DecodeError`."""
    end = len(data)
    start, stop = ber.expect(data, 0, end, ber.SEQUENCE)
    if stop != end:
        raise DecodeError(f"{end - stop} trailing octets after the message")
    version, pos = ber.read_int(data, start, stop)
    if version not in (VERSION_1, VERSION_2C):
        raise DecodeError(f"not SNMPv1/v2c (version field {version})")
    c0, c1 = ber.expect(data, pos, stop, ber.OCTET_STRING)
    return version, c0, c1, c1


def decode_message(data: bytes) -> Message:
    """Decode one datagram. Raises :class:`DecodeError` on anything malformed, incl. trailing bytes."""
    if not isinstance(data, bytes):
        data = bytes(data)
    version, c0, c1, pos = decode_header(data)
    msg = decode_pdu(data, pos, len(data))
    msg.version = version
    msg.community = data[c0:c1]
    return msg


def decode_pdu(data: bytes, pos: int, end: int) -> Message:
    """The PDU TLV at ``pos`` that must end exactly at ``end`` (SNMPv3 scoped PDUs use this too);
    the result's version and community are placeholders for the caller to fill."""
    read = ber.read_header
    pdu_type, p0, p1 = read(data, pos, end)
    if pdu_type not in PDU_TYPES:
        raise DecodeError(f"unknown PDU tag 0x{pdu_type:02x}")
    if p1 != end:
        raise DecodeError("octets after the PDU")
    request_id, pos = ber.read_int(data, p0, p1)
    error_status, pos = ber.read_int(data, pos, p1)
    error_index, pos = ber.read_int(data, pos, p1)
    l0, l1 = ber.expect(data, pos, p1, ber.SEQUENCE)
    if l1 != p1:
        raise DecodeError("octets after the varbind list")
    varbinds: list[RawVarBind] = []
    append = varbinds.append
    oid_known, oid_of, decode_value = ber.OID_CACHE.lookup, ber.oid_of, ber.decode_value
    seq, oid_tag, octets, integer = ber.SEQUENCE, ber.OID, ber.OCTET_STRING, ber.INTEGER
    pos = l0
    # Hot loop (every varbind of every answer): short-form lengths are read inline, long forms
    # through read_header; every index is checked against the bounds first, so malformed input
    # raises DecodeError, never IndexError.
    while pos < l1:
        if pos + 2 > l1 or data[pos] != seq:
            raise DecodeError(f"varbind at offset {pos} is not a SEQUENCE")
        n = data[pos + 1]
        if n < 0x80:
            v0, v1 = pos + 2, pos + 2 + n
            if v1 > l1:
                raise DecodeError(f"length {n} at offset {v0} runs past the end ({l1})")
        else:
            _, v0, v1 = read(data, pos, l1)
        if v0 + 2 > v1 or data[v0] != oid_tag:
            raise DecodeError(f"varbind name at offset {v0} is not an OID")
        n = data[v0 + 1]
        if n < 0x80:
            o0, o1 = v0 + 2, v0 + 2 + n
            if o1 > v1:
                raise DecodeError(f"length {n} at offset {o0} runs past the end ({v1})")
        else:
            _, o0, o1 = read(data, v0, v1)
        if o1 + 2 > v1:
            raise DecodeError(f"truncated TLV header at offset {o1}")
        tag = data[o1]
        n = data[o1 + 1]
        if n < 0x80:
            x0, x1 = o1 + 2, o1 + 2 + n
        else:
            tag, x0, x1 = read(data, o1, v1)
        if x1 != v1:
            raise DecodeError(f"varbind at offset {pos} has extra octets")
        oid_raw = data[o0:o1]
        if oid_known(oid_raw) is None:
            oid_of(oid_raw)  # validates (and caches) the OID
        if tag == octets:
            append((oid_raw, tag, data[x0:x1]))
        elif tag == integer:
            if x0 == x1 or x1 - x0 > 9:
                raise DecodeError(f"INTEGER of {x1 - x0} octets")
            append((oid_raw, tag, int.from_bytes(data[x0:x1], "big", signed=True)))
        elif tag in _EXCEPTION_TAGS:
            if x1 != x0:
                raise DecodeError("exception value with content")
            append((oid_raw, tag, None))
        elif tag in _VALUE_TAGS:
            append((oid_raw, tag, decode_value(tag, data[x0:x1])))
        else:
            raise DecodeError(f"unsupported value tag 0x{tag:02x} at offset {o1}")
        pos = v1
    return Message(VERSION_2C, b"", pdu_type, request_id, error_status, error_index, varbinds)


def encode_varbind(oid_tlv: bytes, value_tlv: bytes) -> bytes:
    """A varbind from the already-encoded OID and value TLVs."""
    return ber.tlv(ber.SEQUENCE, oid_tlv + value_tlv)


def encode_pdu(pdu_type: int, request_id: int, a: int, b: int, encoded_varbinds: list[bytes] | bytes) -> bytes:
    body = encoded_varbinds if isinstance(encoded_varbinds, bytes) else b"".join(encoded_varbinds)
    return ber.tlv(
        pdu_type,
        ber.encode_int(request_id) + ber.encode_int(a) + ber.encode_int(b) + ber.tlv(ber.SEQUENCE, body),
    )


def wrap(version: int, community: bytes, pdu: bytes) -> bytes:
    return ber.tlv(ber.SEQUENCE, ber.encode_int(version) + ber.tlv(ber.OCTET_STRING, community) + pdu)


def encode_message(msg: Message) -> bytes:
    """Encode a message whose varbinds are ``(oid, tag, value)`` with ``oid`` dotted text or raw octets."""
    vbs = []
    for oid, tag, value in msg.varbinds:
        oid_tlv = ber.tlv(ber.OID, oid) if isinstance(oid, bytes) else ber.encode_oid(oid)
        vbs.append(encode_varbind(oid_tlv, ber.encode_value(tag, value)))
    return wrap(msg.version, msg.community, encode_pdu(msg.pdu_type, msg.request_id, msg.error_status, msg.error_index, vbs))


_NULL_TLV = b"\x05\x00"


def encode_request(pdu_type: int, community: bytes, request_id: int, oids: list[str], a: int = 0, b: int = 0) -> bytes:
    """A v2c GET / GETNEXT / GETBULK request for ``oids`` (values NULL). ``a``/``b`` are
    non-repeaters/max-repetitions for GETBULK."""
    body = b"".join(encode_varbind(ber.encode_oid(o), _NULL_TLV) for o in oids)
    return wrap(VERSION_2C, community, encode_pdu(pdu_type, request_id, a, b, body))

