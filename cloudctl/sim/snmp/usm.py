"""SNMPv3 for the simulated agents: the authoritative side of RFC 3412 and the RFC 3414
User-based Security Model, with every protocol the client speaks (MD5, SHA-1, SHA-2; DES,
AES-128, AES-192/256 in both key extensions) from :mod:`cloudctl.snmp.usm` and
:mod:`cloudctl.snmp.v3msg`.

It behaves as net-snmp's ``snmpd`` does (``tests/integration/test_sim_snmp.py`` and
``test_snmpd.py`` check both the same way):

- a request for another engine ID (discovery sends an empty one) gets a ``usmStatsUnknownEngineIDs``
  Report with this engine's ID, boots and time; an unknown user ``usmStatsUnknownUserNames``; a
  level the user has no keys for ``usmStatsUnsupportedSecLevels``; a bad digest
  ``usmStatsWrongDigests`` — all unauthenticated;
- the time window is enforced (RFC 3414 §3.2 step 7a): another engine boots, or a time more than
  150 s away, gets an *authenticated* ``usmStatsNotInTimeWindows`` Report carrying the right ones;
- privacy parameters of the wrong size get ``usmStatsDecryptionErrors``; a scoped PDU that does
  not decrypt into one (another privacy key or protocol) is dropped silently, like snmpd;
- a user with a privacy key must use authPriv (snmpd's ``rouser NAME priv``): a request at a
  lower level is answered with error-status authorizationError;
- :meth:`UsmAgent.reboot` raises engine boots and restarts the engine time, as a device reboot.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from cloudctl.snmp import ber, pdu, usm, v3msg
from cloudctl.snmp.ber import DecodeError
from cloudctl.snmp.v3msg import FLAG_AUTH, FLAG_PRIV, FLAG_REPORTABLE, REPORT_OIDS

VERSION_3 = v3msg.VERSION_3
AUTH = usm.AUTH  # the auth protocols a simulated user may have
PRIV = usm.PRIV
TIME_WINDOW = 150
AUTHORIZATION_ERROR = 16
_INT_MAX = 0x7FFFFFFF

# kept for readers of the counters: the usmStats OIDs
UNSUPPORTED_SEC_LEVELS = REPORT_OIDS["unsupportedSecLevel"]
NOT_IN_TIME_WINDOWS = REPORT_OIDS["notInTimeWindow"]
UNKNOWN_USER_NAMES = REPORT_OIDS["unknownUserName"]
UNKNOWN_ENGINE_IDS = REPORT_OIDS["unknownEngineID"]
WRONG_DIGESTS = REPORT_OIDS["wrongDigest"]
DECRYPTION_ERRORS = REPORT_OIDS["decryptionError"]


@dataclass(frozen=True)
class UsmUser:
    """A v3 user the simulated agents accept: authNoPriv without a privacy password, authPriv with one."""

    name: str
    auth_protocol: str
    auth_password: str
    priv_password: str | None = None
    priv_protocol: str = "aes128"

    def master_keys(self) -> tuple[bytes, bytes | None]:
        """(Ku auth, Ku priv): the RFC 3414 A.2 hash of each password (~2 ms each: compute once)."""
        auth = usm.auth_protocol(self.auth_protocol)
        ku_priv = usm.password_to_key(self.priv_password.encode(), auth) if self.priv_password else None
        return usm.password_to_key(self.auth_password.encode(), auth), ku_priv


@dataclass
class _Keys:
    user: UsmUser
    user_tlv: bytes
    auth: usm.Authenticator
    priv: usm.Privacy | None


class UsmAgent:
    """The SNMPv3 side of one simulated agent (one engine ID)."""

    def __init__(self, engine_id: bytes, users: dict[str, tuple[UsmUser, bytes, bytes | None]], *,
                 started: float | None = None, clock: Callable[[], float] = time.time, boots: int = 1) -> None:
        self.engine_id = engine_id
        self._engine_tlv = ber.tlv(ber.OCTET_STRING, engine_id)
        self._clock = clock
        self._started = clock() if started is None else started
        self.boots = boots
        self._users: dict[bytes, _Keys] = {}
        for name, (user, ku_auth, ku_priv) in users.items():
            a = usm.auth_protocol(user.auth_protocol)
            priv = None
            if ku_priv is not None:
                p = usm.priv_protocol(user.priv_protocol)
                priv = usm.Privacy(p, usm.localized_priv_key(p, a, ku_priv, engine_id))
            self._users[name.encode()] = _Keys(user, ber.tlv(ber.OCTET_STRING, name.encode()), usm.Authenticator(a, usm.localize(ku_auth, engine_id, a)), priv)
        self.counters = dict.fromkeys(REPORT_OIDS.values(), 0)
        self.counters["asn_parse_errors"] = 0
        self._salt = int.from_bytes(os.urandom(8), "big")

    def time(self) -> int:
        return int(self._clock() - self._started) & _INT_MAX

    def reboot(self) -> None:
        """A device reboot: engine boots + 1, engine time from zero."""
        self.boots += 1
        self._started = self._clock()

    def handle(self, data: bytes, respond_pdu: Callable[..., bytes | None]) -> bytes | None:
        """The datagram to send back for an SNMPv3 request, or None to stay silent.
        Raises :class:`DecodeError` for a datagram that is not an SNMPv3/USM message."""
        m = v3msg.parse(data)
        if m.engine_id != self.engine_id:
            return self._report(m, "unknownEngineID", data)
        keys = self._users.get(m.user)
        if keys is None:
            return self._report(m, "unknownUserName", data)
        level = m.level
        if level & FLAG_PRIV and keys.priv is None:
            return self._report(m, "unsupportedSecLevel", data)
        if level & FLAG_AUTH:
            if not keys.auth.verify(data, m.auth_start, m.auth_stop):
                return self._report(m, "wrongDigest", data)
            now = self.time()
            if m.boots != self.boots or self.boots == _INT_MAX or abs(m.time - now) > TIME_WINDOW:
                return self._report(m, "notInTimeWindow", data, keys=keys)
        if level & FLAG_PRIV:
            try:
                plain = keys.priv.decrypt(data[m.content_start:m.data_stop], m.boots, m.time, m.priv_params)
            except usm.PrivacyError:
                return self._report(m, "decryptionError", data)
            try:
                _, _, req = v3msg.decode_scoped(plain, 0, len(plain), padded=keys.priv.protocol.cipher == "des")
            except DecodeError:
                self.counters["asn_parse_errors"] += 1  # snmpd: snmpInASNParseErrs, no answer
                return None
        else:
            _, _, req = v3msg.decode_scoped(data, m.data_start, m.data_stop)
        required = FLAG_AUTH | FLAG_PRIV if keys.priv is not None else FLAG_AUTH
        if level & required != required:  # VACM (snmpd's "rouser NAME priv|auth"): access at the user's full level only
            body: bytes | None = pdu.encode_pdu(pdu.RESPONSE, req.request_id, AUTHORIZATION_ERROR, 0, b"")
        else:
            body = respond_pdu(req, overhead=220 + len(m.user) + len(self.engine_id), max_size=m.max_size)
        if body is None:
            return None
        return self._message(m, level, body, keys)

    def _request_id(self, data: bytes, m: v3msg.Parsed) -> int:
        """The request-id of a plaintext scoped PDU (0 when it is encrypted or unreadable)."""
        if m.data_tag != ber.SEQUENCE:
            return 0
        try:
            return v3msg.decode_scoped(data, m.data_start, m.data_stop)[2].request_id
        except DecodeError:
            return 0

    def _report(self, m: v3msg.Parsed, kind: str, data: bytes, keys: _Keys | None = None) -> bytes | None:
        oid = REPORT_OIDS[kind]
        self.counters[oid] += 1
        if not m.flags & FLAG_REPORTABLE:
            return None
        vb = pdu.encode_varbind(ber.encode_oid(oid), ber.encode_value(ber.COUNTER32, self.counters[oid]))
        body = pdu.encode_pdu(pdu.REPORT, self._request_id(data, m), 0, 0, [vb])
        # a notInTimeWindow report is authenticated (RFC 3414 §3.2 step 7a), the others are not
        return self._message(m, FLAG_AUTH if keys is not None else 0, body, keys)

    def _message(self, m: v3msg.Parsed, level: int, body: bytes, keys: _Keys | None) -> bytes:
        boots, now = self.boots, self.time()
        scoped = v3msg.scoped_pdu(self.engine_id, b"", body)
        priv_params = b""
        if level & FLAG_PRIV:
            self._salt = (self._salt + 1) & 0xFFFFFFFFFFFFFFFF
            ciphertext, priv_params = keys.priv.encrypt(scoped, boots, now, self._salt)
            msg_data = ber.tlv(ber.OCTET_STRING, ciphertext)
        else:
            msg_data = scoped
        user_tlv = keys.user_tlv if keys is not None else ber.tlv(ber.OCTET_STRING, m.user)
        return v3msg.encode(m.msg_id, level, self._engine_tlv, boots, now, user_tlv, keys.auth if level & FLAG_AUTH else None,
                            priv_params, msg_data)


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
