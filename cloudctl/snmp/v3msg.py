"""SNMPv3 messages: the RFC 3412 §6 layout with RFC 3414 §2.4 USM security parameters.

```
SEQUENCE {
  msgVersion 3,
  msgGlobalData SEQUENCE { msgID, msgMaxSize, msgFlags OCTET STRING (1), msgSecurityModel 3 },
  msgSecurityParameters OCTET STRING containing SEQUENCE {
      msgAuthoritativeEngineID, msgAuthoritativeEngineBoots, msgAuthoritativeEngineTime,
      msgUserName, msgAuthenticationParameters, msgPrivacyParameters },
  msgData: ScopedPDU SEQUENCE { contextEngineID, contextName, PDU } (plaintext)
           | OCTET STRING (the encrypted ScopedPDU)
}
```

:func:`parse` returns positions and the few small fields, not a decoded tree: the receiver checks
who sent it and the digest (over the raw octets) before it decrypts or decodes the scoped PDU.
:func:`encode` builds a whole message and fills in the HMAC; both the client and the simulated
agents use it.
"""

from __future__ import annotations

from dataclasses import dataclass

from cloudctl.snmp import ber, pdu
from cloudctl.snmp.ber import DecodeError
from cloudctl.snmp.usm import Authenticator

VERSION_3 = 3
USM_SECURITY_MODEL = 3
FLAG_AUTH, FLAG_PRIV, FLAG_REPORTABLE = 0x01, 0x02, 0x04
MAX_MESSAGE_SIZE = 65_507
MAX_ENGINE_ID = 32  # RFC 3411 SnmpEngineID (SIZE(5..32)); empty only in discovery
MAX_USER_NAME = 32  # RFC 3414 msgUserName (SIZE(0..32))
_INT_MAX = 0x7FFFFFFF

# The usmStats report OIDs (RFC 3414 §5) and the error kind each one becomes.
USM_STATS = "1.3.6.1.6.3.15.1.1"
REPORT_KINDS = {
    USM_STATS + ".1.0": "unsupportedSecLevel",
    USM_STATS + ".2.0": "notInTimeWindow",
    USM_STATS + ".3.0": "unknownUserName",
    USM_STATS + ".4.0": "unknownEngineID",
    USM_STATS + ".5.0": "wrongDigest",
    USM_STATS + ".6.0": "decryptionError",
}
REPORT_OIDS = {kind: oid for oid, kind in REPORT_KINDS.items()}

_HEADER_TAIL = ber.encode_int(MAX_MESSAGE_SIZE)  # msgMaxSize, the same in every message we send
_MODEL = ber.encode_int(USM_SECURITY_MODEL)
_VERSION = ber.encode_int(VERSION_3)
_FLAGS = [ber.tlv(ber.OCTET_STRING, bytes((f,))) for f in range(8)]


@dataclass(slots=True)
class Parsed:
    """An SNMPv3 message, located but not yet authenticated, decrypted or decoded."""

    msg_id: int
    max_size: int
    flags: int
    engine_id: bytes
    boots: int
    time: int
    user: bytes
    auth_start: int  # msgAuthenticationParameters is data[auth_start:auth_stop]
    auth_stop: int
    priv_params: bytes
    data_tag: int  # SEQUENCE (plaintext scoped PDU) or OCTET STRING (encrypted)
    data_start: int  # the TLV of msgData starts here ...
    content_start: int  # ... its content here ...
    data_stop: int  # ... and both end here (the end of the datagram)

    @property
    def level(self) -> int:
        return self.flags & (FLAG_AUTH | FLAG_PRIV)


def _header(data: bytes, pos: int, end: int, tag: int, what: str) -> tuple[int, int]:
    """(content start, content stop) of the ``tag`` TLV at ``pos`` inside ``data[:end]``."""
    if pos + 2 > end or data[pos] != tag:
        raise DecodeError(f"{what}: expected tag 0x{tag:02x} at offset {pos}")
    n = data[pos + 1]
    if n < 0x80:
        start = pos + 2
    elif n == 0x81 and pos + 3 <= end:
        n, start = data[pos + 2], pos + 3
    elif n == 0x82 and pos + 4 <= end:
        n, start = (data[pos + 2] << 8) | data[pos + 3], pos + 4
    else:
        raise DecodeError(f"{what}: bad length at offset {pos + 1}")
    if start + n > end:
        raise DecodeError(f"{what}: length {n} at offset {start} runs past the end ({end})")
    return start, start + n


def _uint31(data: bytes, pos: int, end: int, what: str) -> tuple[int, int]:
    """A non-negative INTEGER that fits in 31 bits (msgID, boots, time...) and the next position."""
    start, stop = _header(data, pos, end, ber.INTEGER, what)
    if not 0 < stop - start <= 5 or data[start] & 0x80:
        raise DecodeError(f"{what} out of range")
    v = int.from_bytes(data[start:stop], "big")
    if v > _INT_MAX:
        raise DecodeError(f"{what} {v} out of range")
    return v, stop


def parse(data: bytes) -> Parsed:
    """Locate the parts of an SNMPv3/USM message. Raises :class:`DecodeError` when malformed.

    The client runs this first on every answer: it reads the header fields with one small helper
    each and slices out only the engine ID, user name and privacy parameters (≤ 32 octets each).
    """
    end = len(data)
    s0, s1 = _header(data, 0, end, ber.SEQUENCE, "message")
    if s1 != end:
        raise DecodeError(f"{end - s1} trailing octets after the message")
    version, pos = _uint31(data, s0, s1, "msgVersion")
    if version != VERSION_3:
        raise DecodeError(f"not SNMPv3 (version field {version})")
    g0, g1 = _header(data, pos, s1, ber.SEQUENCE, "msgGlobalData")
    msg_id, p = _uint31(data, g0, g1, "msgID")
    max_size, p = _uint31(data, p, g1, "msgMaxSize")
    f0, f1 = _header(data, p, g1, ber.OCTET_STRING, "msgFlags")
    if f1 - f0 != 1:
        raise DecodeError("msgFlags must be one octet")
    flags = data[f0]
    if flags & FLAG_PRIV and not flags & FLAG_AUTH:
        raise DecodeError("msgFlags: privacy without authentication")
    model, p = _uint31(data, f1, g1, "msgSecurityModel")
    if model != USM_SECURITY_MODEL or p != g1:
        raise DecodeError(f"not the User-based Security Model (msgSecurityModel {model})")
    o0, o1 = _header(data, g1, s1, ber.OCTET_STRING, "msgSecurityParameters")
    u0, u1 = _header(data, o0, o1, ber.SEQUENCE, "UsmSecurityParameters")
    if u1 != o1:
        raise DecodeError("octets after the USM security parameters")
    e0, e1 = _header(data, u0, u1, ber.OCTET_STRING, "msgAuthoritativeEngineID")
    if e1 - e0 > MAX_ENGINE_ID:
        raise DecodeError(f"msgAuthoritativeEngineID of {e1 - e0} octets")
    boots, p = _uint31(data, e1, u1, "msgAuthoritativeEngineBoots")
    engine_time, p = _uint31(data, p, u1, "msgAuthoritativeEngineTime")
    n0, n1 = _header(data, p, u1, ber.OCTET_STRING, "msgUserName")
    if n1 - n0 > MAX_USER_NAME:
        raise DecodeError(f"msgUserName of {n1 - n0} octets")
    a0, a1 = _header(data, n1, u1, ber.OCTET_STRING, "msgAuthenticationParameters")
    v0, v1 = _header(data, a1, u1, ber.OCTET_STRING, "msgPrivacyParameters")
    if v1 != u1:
        raise DecodeError("octets after msgPrivacyParameters")
    if o1 >= s1:
        raise DecodeError("no msgData")
    tag = data[o1]
    if tag != (ber.OCTET_STRING if flags & FLAG_PRIV else ber.SEQUENCE):
        raise DecodeError("msgData does not match the privacy flag")
    d0, d1 = _header(data, o1, s1, tag, "msgData")
    if d1 != s1:
        raise DecodeError("octets after msgData")
    return Parsed(msg_id, max_size, flags, data[e0:e1], boots, engine_time, data[n0:n1], a0, a1, data[v0:v1], tag, o1, d0, d1)


def scoped_pdu(context_engine_id: bytes, context_name: bytes, pdu_tlv: bytes) -> bytes:
    return ber.tlv(ber.SEQUENCE, ber.tlv(ber.OCTET_STRING, context_engine_id) + ber.tlv(ber.OCTET_STRING, context_name) + pdu_tlv)


def decode_scoped(data: bytes, start: int, stop: int, *, padded: bool = False) -> tuple[bytes, bytes, pdu.Message]:
    """(contextEngineID, contextName, PDU) of the scoped PDU at ``data[start:stop]``. With
    ``padded`` (decrypted DES), up to 7 octets of padding may follow the SEQUENCE."""
    s0, s1 = ber.expect(data, start, stop, ber.SEQUENCE)
    if s1 != stop and not (padded and stop - s1 < 8):
        raise DecodeError("octets after the scoped PDU")
    c0, c1 = ber.expect(data, s0, s1, ber.OCTET_STRING)
    if c1 - c0 > MAX_ENGINE_ID:
        raise DecodeError(f"contextEngineID of {c1 - c0} octets")
    n0, n1 = ber.expect(data, c1, s1, ber.OCTET_STRING)
    if n1 - n0 > MAX_USER_NAME:
        raise DecodeError(f"contextName of {n1 - n0} octets")
    return data[c0:c1], data[n0:n1], pdu.decode_pdu(data, n1, s1)


def encode(msg_id: int, flags: int, engine_id_tlv: bytes, boots: int, engine_time: int, user_tlv: bytes,
           auth: Authenticator | None, priv_params: bytes, msg_data: bytes, max_size: int = MAX_MESSAGE_SIZE) -> bytes:
    """A whole message; with ``auth`` its msgAuthenticationParameters hold the HMAC (RFC 3414
    §6.3.1: computed over the message with that field zeroed, then written in place).
    ``engine_id_tlv`` and ``user_tlv`` are the encoded OCTET STRINGs (callers keep them per session);
    ``msg_data`` is the scoped PDU SEQUENCE or the OCTET STRING of its ciphertext; ``max_size``
    the largest answer the sender accepts (msgMaxSize: an agent trims a GETBULK answer to fit)."""
    head = engine_id_tlv + ber.encode_int(boots) + ber.encode_int(engine_time) + user_tlv
    auth_tlv = ber.tlv(ber.OCTET_STRING, auth.zeros) if auth is not None else b"\x04\x00"
    content = head + auth_tlv + ber.tlv(ber.OCTET_STRING, priv_params)
    usm_seq = ber.tlv(ber.SEQUENCE, content)
    usm = ber.tlv(ber.OCTET_STRING, usm_seq)
    size = _HEADER_TAIL if max_size == MAX_MESSAGE_SIZE else ber.encode_int(max_size)
    header = ber.tlv(ber.SEQUENCE, ber.encode_int(msg_id) + size + _FLAGS[flags & 7] + _MODEL)
    body = _VERSION + header + usm + msg_data
    whole = ber.tlv(ber.SEQUENCE, body)
    if auth is None:
        return whole
    # where the zeros are: the outer TLV header, version, msgGlobalData, the OCTET STRING and
    # SEQUENCE headers around the USM parameters, the fields before msgAuthenticationParameters
    # and its own two-octet header (a digest is at most 48 octets: short form)
    at = (len(whole) - len(body)) + len(_VERSION) + len(header) + (len(usm) - len(usm_seq)) + (len(usm_seq) - len(content)) + len(head) + 2
    return whole[:at] + auth.sign(whole) + whole[at + auth.length:]
