"""SNMPv3 for the simulated agents: the RFC 3412 message, the RFC 3414 User-based Security Model
with SHA-2 authentication (RFC 7860) and AES-128 privacy (RFC 3826).

Enough of an authoritative engine for a manager (pysnmp, net-snmp's tools) to discover it and
poll it: engine-ID discovery answers with a ``usmStatsUnknownEngineIDs`` Report, unknown users
and bad digests with their Reports, like net-snmp's agent. The time window is not enforced.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from cloudctl.snmp import ber, pdu
from cloudctl.snmp.ber import DecodeError

VERSION_3 = 3
USM_SECURITY_MODEL = 3
FLAG_AUTH, FLAG_PRIV, FLAG_REPORTABLE = 1, 2, 4

_STATS = "1.3.6.1.6.3.15.1.1"
UNSUPPORTED_SEC_LEVELS = _STATS + ".1.0"
UNKNOWN_USER_NAMES = _STATS + ".3.0"
UNKNOWN_ENGINE_IDS = _STATS + ".4.0"
WRONG_DIGESTS = _STATS + ".5.0"
DECRYPTION_ERRORS = _STATS + ".6.0"

# auth protocol → (hash, length of the truncated HMAC in msgAuthenticationParameters)
AUTH = {
    "md5": (hashlib.md5, 12),
    "sha": (hashlib.sha1, 12),
    "sha224": (hashlib.sha224, 16),
    "sha256": (hashlib.sha256, 24),
    "sha384": (hashlib.sha384, 32),
    "sha512": (hashlib.sha512, 48),
}


def password_to_key(password: bytes, hash_fn) -> bytes:  # noqa: ANN001
    """RFC 3414 A.2: hash of 1 MiB of the repeated password."""
    if not password:
        raise ValueError("empty SNMPv3 password")
    stream = (password * (1_048_576 // len(password) + 1))[:1_048_576]
    return hash_fn(stream).digest()


def localize(key: bytes, engine_id: bytes, hash_fn) -> bytes:  # noqa: ANN001
    return hash_fn(key + engine_id + key).digest()


def _aes_cfb(key: bytes, iv: bytes, data: bytes, *, encrypt: bool) -> bytes:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

    try:
        from cryptography.hazmat.decrepit.ciphers.modes import CFB
    except ImportError:  # cryptography < 43
        from cryptography.hazmat.primitives.ciphers.modes import CFB
    cipher = Cipher(algorithms.AES(key), CFB(iv))
    op = cipher.encryptor() if encrypt else cipher.decryptor()
    return op.update(data) + op.finalize()


@dataclass(frozen=True)
class UsmUser:
    """A v3 user the simulated agents accept (authPriv with AES-128, or authNoPriv)."""

    name: str
    auth_protocol: str
    auth_password: str
    priv_password: str | None = None  # AES-128 when set

    def master_keys(self) -> tuple[bytes, bytes | None]:
        hash_fn = AUTH[self.auth_protocol][0]
        auth = password_to_key(self.auth_password.encode(), hash_fn)
        priv = password_to_key(self.priv_password.encode(), hash_fn) if self.priv_password else None
        return auth, priv


@dataclass
class _Parsed:
    msg_id: int
    flags: int
    engine_id: bytes
    boots: int
    engine_time: int
    user: bytes
    auth_params: tuple[int, int]  # start, stop inside the datagram
    priv_params: bytes
    scoped: tuple[int, int, int, int]  # tag, TLV start, content start, stop


def _parse(data: bytes) -> _Parsed:
    end = len(data)
    s0, s1 = ber.expect(data, 0, end, ber.SEQUENCE)
    if s1 != end:
        raise DecodeError("trailing octets")
    version, pos = ber.read_int(data, s0, s1)
    if version != VERSION_3:
        raise DecodeError("not SNMPv3")
    g0, g1 = ber.expect(data, pos, s1, ber.SEQUENCE)
    msg_id, p = ber.read_int(data, g0, g1)
    _max_size, p = ber.read_int(data, p, g1)
    f0, f1 = ber.expect(data, p, g1, ber.OCTET_STRING)
    if f1 - f0 != 1:
        raise DecodeError("msgFlags must be one octet")
    model, _ = ber.read_int(data, f1, g1)
    if model != USM_SECURITY_MODEL:
        raise DecodeError("not USM")
    o0, o1 = ber.expect(data, g1, s1, ber.OCTET_STRING)
    u0, u1 = ber.expect(data, o0, o1, ber.SEQUENCE)
    e0, e1 = ber.expect(data, u0, u1, ber.OCTET_STRING)
    boots, p = ber.read_int(data, e1, u1)
    engine_time, p = ber.read_int(data, p, u1)
    n0, n1 = ber.expect(data, p, u1, ber.OCTET_STRING)
    a0, a1 = ber.expect(data, n1, u1, ber.OCTET_STRING)
    v0, v1 = ber.expect(data, a1, u1, ber.OCTET_STRING)
    tag, d0, d1 = ber.read_header(data, o1, s1)
    if d1 != s1 or tag not in (ber.SEQUENCE, ber.OCTET_STRING):
        raise DecodeError("bad msgData")
    return _Parsed(msg_id, data[f0], data[e0:e1], boots, engine_time, data[n0:n1], (a0, a1), data[v0:v1], (tag, o1, d0, d1))


class UsmAgent:
    """The SNMPv3 side of one simulated agent (one engine ID)."""

    def __init__(self, engine_id: bytes, users: dict[str, tuple[UsmUser, bytes, bytes | None]], *,
                 started: float | None = None, clock=time.time) -> None:
        self.engine_id = engine_id
        self._clock = clock
        self._started = clock() if started is None else started
        self.boots = 1
        # user name → (user, localized auth key, localized priv key)
        self._users = {}
        for name, (user, ku_auth, ku_priv) in users.items():
            hash_fn = AUTH[user.auth_protocol][0]
            self._users[name.encode()] = (
                user, localize(ku_auth, engine_id, hash_fn), localize(ku_priv, engine_id, hash_fn)[:16] if ku_priv else None,
            )
        self.counters = dict.fromkeys((UNSUPPORTED_SEC_LEVELS, UNKNOWN_USER_NAMES, UNKNOWN_ENGINE_IDS, WRONG_DIGESTS, DECRYPTION_ERRORS), 0)
        self._salt = int.from_bytes(os.urandom(8), "big")

    def _time(self) -> int:
        return int(self._clock() - self._started) & 0x7FFFFFFF

    def handle(self, data: bytes, respond_pdu: Callable[..., bytes | None]) -> bytes | None:
        """The datagram to send back for an SNMPv3 request, or None to stay silent."""
        m = _parse(data)
        tag, t0, d0, d1 = m.scoped
        if m.engine_id != self.engine_id:
            return self._report(m, UNKNOWN_ENGINE_IDS, self._plain_request_id(data, m))
        entry = self._users.get(m.user)
        if entry is None:
            return self._report(m, UNKNOWN_USER_NAMES, self._plain_request_id(data, m))
        user, auth_key, priv_key = entry
        wants_priv = bool(m.flags & FLAG_PRIV)
        if not m.flags & FLAG_AUTH or (wants_priv and priv_key is None):
            return self._report(m, UNSUPPORTED_SEC_LEVELS, self._plain_request_id(data, m))
        hash_fn, n = AUTH[user.auth_protocol]
        a0, a1 = m.auth_params
        zeroed = data[:a0] + bytes(a1 - a0) + data[a1:]
        if a1 - a0 != n or not hmac.compare_digest(hmac.new(auth_key, zeroed, hash_fn).digest()[:n], data[a0:a1]):
            return self._report(m, WRONG_DIGESTS, 0)
        if wants_priv:
            if tag != ber.OCTET_STRING or len(m.priv_params) != 8:
                return self._report(m, DECRYPTION_ERRORS, 0)
            iv = m.boots.to_bytes(4, "big") + m.engine_time.to_bytes(4, "big") + m.priv_params
            scoped = _aes_cfb(priv_key, iv, data[d0:d1], encrypt=False)
            try:
                req = self._scoped_pdu(scoped, 0, len(scoped))
            except DecodeError:
                return self._report(m, DECRYPTION_ERRORS, 0)
        else:
            if tag != ber.SEQUENCE:
                raise DecodeError("plaintext scoped PDU expected")
            req = self._scoped_pdu(data, t0, d1)
        body = respond_pdu(req, overhead=200 + len(m.user) + len(self.engine_id))
        if body is None:
            return None
        return self._message(m, m.flags & (FLAG_AUTH | FLAG_PRIV), body, (auth_key, priv_key, hash_fn, n))

    @staticmethod
    def _scoped_pdu(data: bytes, start: int, stop: int) -> pdu.Message:
        s0, s1 = ber.expect(data, start, stop, ber.SEQUENCE)
        _, c1 = ber.expect(data, s0, s1, ber.OCTET_STRING)  # contextEngineID
        _, n1 = ber.expect(data, c1, s1, ber.OCTET_STRING)  # contextName
        return pdu.decode_pdu(data, n1, s1)

    def _plain_request_id(self, data: bytes, m: _Parsed) -> int:
        tag, t0, _, d1 = m.scoped
        if tag != ber.SEQUENCE:
            return 0
        try:
            return self._scoped_pdu(data, t0, d1).request_id
        except DecodeError:
            return 0

    def _report(self, m: _Parsed, counter_oid: str, request_id: int) -> bytes | None:
        self.counters[counter_oid] += 1
        if not m.flags & FLAG_REPORTABLE:
            return None
        vb = pdu.encode_varbind(ber.encode_oid(counter_oid), ber.encode_value(ber.COUNTER32, self.counters[counter_oid]))
        body = pdu.encode_pdu(pdu.REPORT, request_id, 0, 0, [vb])
        return self._message(m, 0, body, None)

    def _message(self, m: _Parsed, level: int, body: bytes, keys: tuple | None) -> bytes:
        scoped = ber.tlv(ber.SEQUENCE, ber.tlv(ber.OCTET_STRING, self.engine_id) + ber.tlv(ber.OCTET_STRING, b"") + body)
        boots, now = self.boots, self._time()
        priv_params = b""
        auth_len = 0
        if keys is not None:
            auth_key, priv_key, hash_fn, auth_len = keys
            if level & FLAG_PRIV:
                self._salt = (self._salt + 1) & 0xFFFFFFFFFFFFFFFF
                priv_params = self._salt.to_bytes(8, "big")
                iv = boots.to_bytes(4, "big") + now.to_bytes(4, "big") + priv_params
                msg_data = ber.tlv(ber.OCTET_STRING, _aes_cfb(priv_key, iv, scoped, encrypt=True))
            else:
                msg_data = scoped
        else:
            msg_data = scoped
        placeholder = bytes(auth_len)
        usm = ber.tlv(ber.SEQUENCE, ber.tlv(ber.OCTET_STRING, self.engine_id) + ber.encode_int(boots) + ber.encode_int(now)
                      + ber.tlv(ber.OCTET_STRING, m.user) + ber.tlv(ber.OCTET_STRING, placeholder) + ber.tlv(ber.OCTET_STRING, priv_params))
        header = ber.tlv(ber.SEQUENCE, ber.encode_int(m.msg_id) + ber.encode_int(65507) + ber.tlv(ber.OCTET_STRING, bytes((level,)))
                         + ber.encode_int(USM_SECURITY_MODEL))
        usm_tlv = ber.tlv(ber.OCTET_STRING, usm)
        out = ber.tlv(ber.SEQUENCE, ber.encode_int(VERSION_3) + header + usm_tlv + msg_data)
        if keys is None:
            return out
        # msgAuthenticationParameters is computed over the message with itself zeroed, then filled in.
        usm_at = out.index(usm_tlv)
        auth_at = usm_at + usm_tlv.index(ber.tlv(ber.OCTET_STRING, m.user) + ber.tlv(ber.OCTET_STRING, placeholder)) + len(ber.tlv(ber.OCTET_STRING, m.user)) + 2
        digest = hmac.new(keys[0], out, keys[2]).digest()[:auth_len]
        return out[:auth_at] + digest + out[auth_at + auth_len:]


def is_v3(data: bytes) -> bool:
    """Cheap peek: does the datagram claim SNMP version 3?"""
    try:
        s0, s1 = ber.expect(data, 0, len(data), ber.SEQUENCE)
        version, _ = ber.read_int(data, s0, s1)
    except DecodeError:
        return False
    return version == VERSION_3


def engine_id_for(index: int) -> bytes:
    """RFC 3411 engine ID: enterprise 8072 (net-snmp), format 4 (text), unique per node."""
    return b"\x80\x00\x1f\x88\x04" + f"cloudctl-sim-{index}".encode()
