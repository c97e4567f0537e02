"""BER (X.690) primitives for the SNMP subset we speak: definite lengths, INTEGER, OCTET STRING,
NULL, OBJECT IDENTIFIER and the SNMP application types.

Plain Python on ``bytes`` and indices, no object per TLV: decoding a 25-varbind GETBULK response
this way is ~30x cheaper than pyasn1 (docs/snmp.md has the measurement). Decoding is strict:
every length is checked against the buffer, indefinite and over-long lengths are refused, and
any violation raises :class:`DecodeError` — never ``IndexError``.
"""

from __future__ import annotations

from cloudctl.snmp.cache import ByteBoundedCache

# Universal tags
INTEGER = 0x02
OCTET_STRING = 0x04
NULL = 0x05
OID = 0x06
SEQUENCE = 0x30
# SNMP application tags (RFC 2578 / RFC 3416)
IP_ADDRESS = 0x40
COUNTER32 = 0x41
GAUGE32 = 0x42  # also Unsigned32
TIMETICKS = 0x43
OPAQUE = 0x44
COUNTER64 = 0x46
# varbind exceptions (context-specific, primitive, empty)
NO_SUCH_OBJECT = 0x80
NO_SUCH_INSTANCE = 0x81
END_OF_MIB_VIEW = 0x82

UNSIGNED_TAGS = frozenset((COUNTER32, GAUGE32, TIMETICKS, COUNTER64))
_UNSIGNED_MAX = {COUNTER32: 0xFFFFFFFF, GAUGE32: 0xFFFFFFFF, TIMETICKS: 0xFFFFFFFF, COUNTER64: 0xFFFFFFFFFFFFFFFF}

MAX_LENGTH = 0xFFFF  # no SNMP datagram is longer; larger length fields are garbage


class DecodeError(ValueError):
    """The bytes are not a well-formed SNMP BER encoding."""


# --- decoding ---------------------------------------------------------------------------------


def read_header(data: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the TLV at ``pos``; checks it fits before ``end``."""
    if pos + 2 > end:
        raise DecodeError(f"truncated TLV header at offset {pos}")
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise DecodeError(f"multi-byte tag at offset {pos}")
    n = data[pos + 1]
    pos += 2
    if n & 0x80:
        count = n & 0x7F
        if count == 0:
            raise DecodeError(f"indefinite length at offset {pos - 1}")
        if count > 2:
            raise DecodeError(f"length field of {count} octets at offset {pos - 1}")
        if pos + count > end:
            raise DecodeError(f"truncated length at offset {pos}")
        n = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    stop = pos + n
    if stop > end:
        raise DecodeError(f"length {n} at offset {pos} runs past the end ({end})")
    return tag, pos, stop


def expect(data: bytes, pos: int, end: int, tag: int) -> tuple[int, int]:
    t, start, stop = read_header(data, pos, end)
    if t != tag:
        raise DecodeError(f"expected tag 0x{tag:02x} at offset {pos}, got 0x{t:02x}")
    return start, stop


def read_int(data: bytes, pos: int, end: int) -> tuple[int, int]:
    """An INTEGER at ``pos``: (value, next position)."""
    start, stop = expect(data, pos, end, INTEGER)
    if stop == start or stop - start > 9:
        raise DecodeError(f"INTEGER of {stop - start} octets at offset {pos}")
    return int.from_bytes(data[start:stop], "big", signed=True), stop


def decode_oid(raw: bytes) -> tuple[int, ...]:
    """The arcs of an OBJECT IDENTIFIER's content octets."""
    if not raw:
        raise DecodeError("empty OBJECT IDENTIFIER")
    if raw[-1] & 0x80:
        raise DecodeError("OBJECT IDENTIFIER ends inside a sub-identifier")
    arcs: list[int] = []
    v = 0
    fresh = True
    for b in raw:
        if fresh and b == 0x80:
            raise DecodeError("OBJECT IDENTIFIER sub-identifier with a leading 0x80 octet")
        v = (v << 7) | (b & 0x7F)
        if b & 0x80:
            fresh = False
        else:
            arcs.append(v)
            v = 0
            fresh = True
    first = arcs[0]
    if first < 40:
        head = (0, first)
    elif first < 80:
        head = (1, first - 40)
    else:
        head = (2, first - 80)
    return head + tuple(arcs[1:])


# The same column and row OIDs come back from every node: decode each encoding once. The cache
# is bounded in bytes (a hostile node choosing endless distinct OIDs only evicts older entries)
# and keeps only encodings up to OID_CACHE_MAX_KEY octets: the long ones are rare and unique.
OID_CACHE_BYTES = 16 << 20
OID_CACHE_MAX_KEY = 64


def _oid_entry_size(raw: bytes, hit: tuple[str, tuple[int, ...]]) -> int:
    # the key and the text (object headers + octets), the arcs tuple (a pointer each; arcs past
    # 256 are int objects of their own, a few per OID), the pair: ~400 B for a 12-arc column OID
    return len(raw) + len(hit[0]) + 12 * len(hit[1]) + 170


OID_CACHE: ByteBoundedCache[bytes, tuple[str, tuple[int, ...]]] = ByteBoundedCache(OID_CACHE_BYTES, _oid_entry_size)
_oid_lookup = OID_CACHE.lookup


def oid_of(raw: bytes) -> tuple[str, tuple[int, ...]]:
    """(dotted text, arcs) of an OID's content octets, memoised (bounded in bytes)."""
    hit = _oid_lookup(raw)
    if hit is None:
        arcs = decode_oid(raw)
        hit = (".".join(map(str, arcs)), arcs)
        if len(raw) <= OID_CACHE_MAX_KEY:
            OID_CACHE.put(raw, hit)
    return hit


def decode_value(tag: int, raw: bytes) -> object:
    """A varbind value from its tag and content octets (see ``base.Value`` for the mapping)."""
    if tag == INTEGER:
        if not raw or len(raw) > 9:
            raise DecodeError(f"INTEGER of {len(raw)} octets")
        return int.from_bytes(raw, "big", signed=True)
    if tag in UNSIGNED_TAGS:
        if not raw or len(raw) > 9:
            raise DecodeError(f"unsigned value of {len(raw)} octets")
        v = int.from_bytes(raw, "big", signed=True)
        if v < 0:  # a buggy agent forgot the leading zero octet; read the bits as unsigned
            v += 1 << (8 * len(raw))
        if v > _UNSIGNED_MAX[tag]:
            raise DecodeError(f"value {v} out of range for tag 0x{tag:02x}")
        return v
    if tag == OCTET_STRING or tag == OPAQUE:
        return raw
    if tag == OID:
        return oid_of(raw)[0]
    if tag == IP_ADDRESS:
        if len(raw) != 4:
            raise DecodeError(f"IpAddress of {len(raw)} octets")
        return raw
    if tag == NULL:
        if raw:
            raise DecodeError("NULL with content")
        return None
    raise DecodeError(f"unsupported value tag 0x{tag:02x}")


# --- encoding ---------------------------------------------------------------------------------


def encode_length(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    if n < 0x100:
        return bytes((0x81, n))
    if n <= 0xFFFF:
        return bytes((0x82, n >> 8, n & 0xFF))
    raise ValueError(f"length {n} is too large for SNMP")


def tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        return bytes((tag, n)) + content
    return bytes((tag,)) + encode_length(n) + content


def int_content(v: int) -> bytes:
    """Minimal two's-complement octets of ``v``."""
    return v.to_bytes((v + (v < 0)).bit_length() // 8 + 1, "big", signed=True)


def encode_int(v: int, tag: int = INTEGER) -> bytes:
    return tlv(tag, int_content(v))


def encode_oid_content(arcs: tuple[int, ...] | list[int]) -> bytes:
    if len(arcs) < 2 or arcs[0] > 2 or (arcs[0] < 2 and arcs[1] >= 40):
        raise ValueError(f"invalid OBJECT IDENTIFIER {'.'.join(map(str, arcs))}")
    out = bytearray()
    for arc in (arcs[0] * 40 + arcs[1], *arcs[2:]):
        if arc < 0:
            raise ValueError("negative OID arc")
        if arc < 0x80:
            out.append(arc)
            continue
        chunk = []
        while arc:
            chunk.append((arc & 0x7F) | 0x80)
            arc >>= 7
        chunk[0] &= 0x7F
        out.extend(reversed(chunk))
    return bytes(out)


OID_ENC_CACHE: ByteBoundedCache[str, bytes] = ByteBoundedCache(2 << 20, lambda k, v: 2 * len(k) + len(v))
_oid_enc_lookup = OID_ENC_CACHE.lookup


def encode_oid(oid: str) -> bytes:
    """The full TLV of a dotted OID (memoised, bounded in bytes: requests reuse a handful of OIDs)."""
    hit = _oid_enc_lookup(oid)
    if hit is None:
        try:
            arcs = [int(x) for x in oid.strip(".").split(".")]
        except ValueError:
            raise ValueError(f"invalid OBJECT IDENTIFIER {oid!r}") from None
        hit = tlv(OID, encode_oid_content(arcs))
        if len(oid) <= 4 * OID_CACHE_MAX_KEY:
            OID_ENC_CACHE.put(oid, hit)
    return hit


def encode_value(tag: int, value: object) -> bytes:
    """The TLV of a varbind value of the given tag."""
    if tag == INTEGER or tag in UNSIGNED_TAGS:
        return encode_int(int(value), tag)  # type: ignore[call-overload]
    if tag in (OCTET_STRING, OPAQUE, IP_ADDRESS):
        return tlv(tag, bytes(value))  # type: ignore[arg-type]
    if tag == OID:
        return encode_oid(str(value))
    if tag in (NULL, NO_SUCH_OBJECT, NO_SUCH_INSTANCE, END_OF_MIB_VIEW):
        return bytes((tag, 0))
    raise ValueError(f"unsupported value tag 0x{tag:02x}")
