"""Our SNMPv3 USM against pysnmp as the oracle, and against hostile bytes.

- keys: RFC 3414 A.3 test vectors, and every auth × priv localized key equal to pysnmp's
  (AES-192/256 in both key extensions);
- whole messages: for every auth × priv combination (and authNoPriv, noAuthNoPriv) the request
  we encode is byte for byte the one pysnmp's USM encodes with the same msgID, engine boots/time
  and salt; and a Response pysnmp encodes is accepted and decoded by our client to the same values;
- the digest is checked before anything is decrypted: a flipped bit anywhere is dropped and
  counted as a wrong digest, never decrypted or decoded;
- fuzzing (hypothesis): no byte string, truncation or bit flip makes an exception escape the
  client's receive path.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudctl.snmp import ber, pdu, usm, v3msg
from cloudctl.snmp.transport import Request, peek
from cloudctl.snmp.v3 import Engine, Session, V3Client

# pysnmp 7.1 (the oracle) still takes CFB from its old place in cryptography: its warning, not ours
pytestmark = pytest.mark.filterwarnings("ignore:CFB has been moved")

ENGINE = bytes.fromhex("80001f8880e9630000d61ff449")
AUTH_PW, PRIV_PW = b"auth-pass-123", b"priv-pass-456"
BOOTS, TIME = 7, 123_456
SYS_NAME = "1.3.6.1.2.1.1.5.0"


def _pysnmp_protocols():
    import pysnmp.hlapi.v3arch.asyncio as hl

    auth = {"md5": hl.usmHMACMD5AuthProtocol, "sha": hl.usmHMACSHAAuthProtocol, "sha224": hl.usmHMAC128SHA224AuthProtocol,
            "sha256": hl.usmHMAC192SHA256AuthProtocol, "sha384": hl.usmHMAC256SHA384AuthProtocol, "sha512": hl.usmHMAC384SHA512AuthProtocol}
    # pysnmp names the Blumenthal variants "Blumenthal" and the Reeder (Cisco) ones plain
    priv = {"des": hl.usmDESPrivProtocol, "aes128": hl.usmAesCfb128Protocol, "aes192": hl.usmAesBlumenthalCfb192Protocol,
            "aes256": hl.usmAesBlumenthalCfb256Protocol, "aes192c": hl.usmAesCfb192Protocol, "aes256c": hl.usmAesCfb256Protocol}
    return auth, priv, hl.usmNoAuthProtocol, hl.usmNoPrivProtocol


PY_AUTH, PY_PRIV, PY_NO_AUTH, PY_NO_PRIV = _pysnmp_protocols()
COMBOS = [(a, p) for a in usm.AUTH for p in usm.PRIV] + [(a, None) for a in usm.AUTH] + [(None, None)]


def _session(auth_name: str | None, priv_name: str | None) -> Session:
    a = usm.AUTH[auth_name] if auth_name else None
    auth = usm.Authenticator(a, usm.localize(usm.password_to_key(AUTH_PW, a), ENGINE, a)) if a else None
    priv = None
    if priv_name:
        p = usm.PRIV[priv_name]
        priv = usm.Privacy(p, usm.localized_priv_key(p, a, usm.password_to_key(PRIV_PW, a), ENGINE))
    level = (v3msg.FLAG_AUTH if auth else 0) | (v3msg.FLAG_PRIV if priv else 0)
    return Session(ENGINE, b"egov", level, auth, priv)


class Oracle:
    """pysnmp's USM with user ``egov`` known for ENGINE at engine boots/time BOOTS/TIME."""

    def __init__(self, auth_name: str | None, priv_name: str | None) -> None:
        from pyasn1.type import univ
        from pysnmp.entity import config, engine
        from pysnmp.proto.secmod.rfc3414 import service

        self.engine = engine.SnmpEngine()
        self.priv_proto = PY_PRIV[priv_name] if priv_name else PY_NO_PRIV
        config.add_v3_user(self.engine, "egov", PY_AUTH[auth_name] if auth_name else PY_NO_AUTH, AUTH_PW.decode() if auth_name else None,
                           self.priv_proto, PRIV_PW.decode() if priv_name else None, securityEngineId=univ.OctetString(ENGINE))
        self.usm = self.engine.security_models[3]
        self.usm._SnmpUSMSecurityModel__timeline[univ.OctetString(ENGINE)] = (BOOTS, TIME, TIME, 0)  # noqa: SLF001 - fixed boots/time
        self.priv_service = service.SnmpUSMSecurityModel.PRIV_SERVICES.get(self.priv_proto)
        self.level = 1 + (auth_name is not None) + (priv_name is not None)

    def next_salt(self) -> int:
        """The counter pysnmp's privacy service puts in the next message (read, never set)."""
        return int(self.priv_service.local_int) if self.priv_service is not None and hasattr(self.priv_service, "local_int") else 0

    def encode(self, msg_id: int, pdu_obj, flags: int) -> bytes:  # noqa: ANN001
        from pyasn1.type import univ
        from pysnmp.proto.mpmod import rfc3412

        msg = rfc3412.SNMPv3Message()
        msg["msgVersion"] = 3
        hd = msg["msgGlobalData"]
        hd["msgID"], hd["msgMaxSize"], hd["msgFlags"], hd["msgSecurityModel"] = msg_id, 65507, bytes((flags,)), 3
        scoped = rfc3412.ScopedPDU()
        scoped["contextEngineId"], scoped["contextName"] = ENGINE, b""
        scoped["data"].setComponentByType(pdu_obj.tagSet, pdu_obj)
        _, whole = self.usm.generate_request_message(self.engine, 3, msg, 65507, 3, univ.OctetString(ENGINE), univ.OctetString(b"egov"),
                                                     self.level, scoped)
        return bytes(whole)

    def close(self) -> None:
        self.engine.close_dispatcher()


def _py_pdu(cls_name: str, request_id: int, varbinds: list):  # noqa: ANN202
    from pysnmp.proto.api import v2c

    p = getattr(v2c, cls_name)()
    v2c.apiPDU.set_defaults(p)
    v2c.apiPDU.set_request_id(p, request_id)
    v2c.apiPDU.set_varbinds(p, varbinds)
    return p


def _our_request(s: Session, msg_id: int, salt: int) -> bytes:
    scoped = ber.tlv(ber.SEQUENCE, s.scoped_prefix + pdu.encode_pdu(pdu.GET, msg_id, 0, 0, pdu.encode_varbind(ber.encode_oid(SYS_NAME), b"\x05\x00")))
    if s.priv is not None:
        ciphertext, params = s.priv.encrypt(scoped, BOOTS, TIME, salt)
        data = ber.tlv(ber.OCTET_STRING, ciphertext)
    else:
        params, data = b"", scoped
    return v3msg.encode(msg_id, s.flags, s.engine_tlv, BOOTS, TIME, s.user_tlv, s.auth, params, data)


# --- keys -------------------------------------------------------------------------------------------


def test_key_localization_matches_rfc_3414_appendix_a3():
    engine = bytes.fromhex("000000000000000000000002")
    md5, sha = usm.AUTH["md5"], usm.AUTH["sha"]
    ku = usm.password_to_key(b"maplesyrup", md5)
    assert ku.hex() == "9faf3283884e92834ebc9847d8edd963"
    assert usm.localize(ku, engine, md5).hex() == "526f5eed9fcce26f8964c2930787d82b"
    ku = usm.password_to_key(b"maplesyrup", sha)
    assert ku.hex() == "9fb5cc0381497b3793528939ff788d5d79145211"
    assert usm.localize(ku, engine, sha).hex() == "6695febc9288e36282235fc7151f128497b38f3f"


@pytest.mark.parametrize(("auth_name", "priv_name"), list(itertools.product(usm.AUTH, usm.PRIV)))
def test_localized_keys_equal_pysnmps(auth_name, priv_name):
    from pyasn1.type import univ
    from pysnmp.proto.secmod.rfc3414.service import SnmpUSMSecurityModel as Usm

    a, p = usm.AUTH[auth_name], usm.PRIV[priv_name]
    auth_service, priv_service = Usm.AUTH_SERVICES[PY_AUTH[auth_name]], Usm.PRIV_SERVICES[PY_PRIV[priv_name]]
    theirs_auth = auth_service.localize_key(auth_service.hash_passphrase(univ.OctetString(AUTH_PW)), univ.OctetString(ENGINE))
    assert usm.localize(usm.password_to_key(AUTH_PW, a), ENGINE, a) == bytes(theirs_auth)
    ku = priv_service.hash_passphrase(PY_AUTH[auth_name], univ.OctetString(PRIV_PW))
    theirs_priv = priv_service.localize_key(PY_AUTH[auth_name], ku, univ.OctetString(ENGINE))
    assert usm.localized_priv_key(p, a, usm.password_to_key(PRIV_PW, a), ENGINE) == bytes(theirs_priv)


def test_blumenthal_and_reeder_extensions_differ_where_the_hash_is_short():
    sha = usm.AUTH["sha"]  # 20 octets: AES-192/256 keys must be extended
    ku = usm.password_to_key(PRIV_PW, sha)
    blumenthal = usm.localized_priv_key(usm.PRIV["aes256"], sha, ku, ENGINE)
    reeder = usm.localized_priv_key(usm.PRIV["aes256c"], sha, ku, ENGINE)
    assert blumenthal[:20] == reeder[:20] == usm.localize(ku, ENGINE, sha)
    assert blumenthal[20:] != reeder[20:]
    sha512 = usm.AUTH["sha512"]  # 64 octets: no extension, the two are the same key
    ku = usm.password_to_key(PRIV_PW, sha512)
    assert usm.localized_priv_key(usm.PRIV["aes256"], sha512, ku, ENGINE) == usm.localized_priv_key(usm.PRIV["aes256c"], sha512, ku, ENGINE)


@pytest.mark.parametrize("auth_name", list(usm.AUTH))
def test_authenticator_is_the_truncated_hmac_of_the_standard_library(auth_name):
    a = usm.AUTH[auth_name]
    key = usm.localize(usm.password_to_key(AUTH_PW, a), ENGINE, a)
    auth = usm.Authenticator(a, key)
    n = a.digest_length
    zeroed = bytes(range(100)) + bytes(n) + bytes(range(256)) * 3  # the message with its auth field zeroed
    expected = hmac.new(key, zeroed, getattr(hashlib, a.hash_name)).digest()[:n]
    assert auth.sign(zeroed) == expected
    assert n == {"md5": 12, "sha": 12, "sha224": 16, "sha256": 24, "sha384": 32, "sha512": 48}[auth_name]
    signed = zeroed[:100] + expected + zeroed[100 + n:]
    assert auth.verify(signed, 100, 100 + n)
    tampered = bytearray(signed)
    tampered[7] ^= 1
    assert not auth.verify(bytes(tampered), 100, 100 + n)
    assert not auth.verify(signed, 100, 100 + n - 1)  # a field of the wrong length
    other = usm.Authenticator(a, usm.localize(usm.password_to_key(b"another-pass", a), ENGINE, a))
    assert not other.verify(signed, 100, 100 + n)


# --- whole messages against pysnmp -------------------------------------------------------------------


@pytest.mark.parametrize(("auth_name", "priv_name"), COMBOS, ids=[f"{a}-{p}" for a, p in COMBOS])
def test_requests_are_byte_identical_to_pysnmps(auth_name, priv_name):
    from pysnmp.proto.api import v2c

    oracle = Oracle(auth_name, priv_name)
    try:
        for msg_id in (4242, 0x7FFFFFFE):
            salt = oracle.next_salt()
            level = (v3msg.FLAG_AUTH if auth_name else 0) | (v3msg.FLAG_PRIV if priv_name else 0)
            theirs = oracle.encode(msg_id, _py_pdu("GetRequestPDU", msg_id, [(v2c.ObjectIdentifier(SYS_NAME), v2c.null)]),
                                   level | v3msg.FLAG_REPORTABLE)
            ours = _our_request(_session(auth_name, priv_name), msg_id, salt)
            assert ours == theirs
    finally:
        oracle.close()


def _accept(client: V3Client, session: Session, data: bytes, engine: Engine | None = None):  # noqa: ANN202
    req = Request("127.0.0.1", 161, True, 65507, client._accept, (engine or Engine(ENGINE), session))  # noqa: SLF001
    return client._accept(data, req)  # noqa: SLF001


@pytest.mark.parametrize(("auth_name", "priv_name"), COMBOS, ids=[f"{a}-{p}" for a, p in COMBOS])
def test_we_accept_and_decode_responses_pysnmp_encodes(auth_name, priv_name):
    from pysnmp.proto.api import v2c

    oracle = Oracle(auth_name, priv_name)
    try:
        level = (v3msg.FLAG_AUTH if auth_name else 0) | (v3msg.FLAG_PRIV if priv_name else 0)
        varbinds = [(v2c.ObjectIdentifier(SYS_NAME), v2c.OctetString(b"lishi-core-01")),
                    (v2c.ObjectIdentifier("1.3.6.1.2.1.1.3.0"), v2c.TimeTicks(4242)),
                    (v2c.ObjectIdentifier("1.3.6.1.2.1.31.1.1.1.6.1"), v2c.Counter64(2**40 + 7))]
        data = oracle.encode(9001, _py_pdu("ResponsePDU", 9001, varbinds), level)
    finally:
        oracle.close()
    client = V3Client()
    engine = Engine(ENGINE)
    got = _accept(client, _session(auth_name, priv_name), data, engine)
    assert isinstance(got, pdu.Message), client.stats
    assert got.pdu_type == pdu.RESPONSE and got.request_id == 9001
    assert [(ber.oid_of(raw)[0], value) for raw, _, value in got.varbinds] == [
        (SYS_NAME, b"lishi-core-01"), ("1.3.6.1.2.1.1.3.0", 4242), ("1.3.6.1.2.1.31.1.1.1.6.1", 2**40 + 7)]
    if auth_name:  # an authenticated answer sets what we know of the engine's clock (pysnmp puts its own boots/time in)
        m = v3msg.parse(data)
        assert (engine.boots, engine.latest, engine.trusted) == (m.boots, m.time, True)


# --- the receive path's order and hostile bytes -------------------------------------------------------


def _response(s: Session, request_id: int = 77, boots: int = BOOTS, engine_time: int = TIME) -> bytes:
    vb = pdu.encode_varbind(ber.encode_oid(SYS_NAME), ber.encode_value(ber.OCTET_STRING, b"node"))
    scoped = ber.tlv(ber.SEQUENCE, s.scoped_prefix + pdu.encode_pdu(pdu.RESPONSE, request_id, 0, 0, vb))
    ciphertext, params = s.priv.encrypt(scoped, boots, engine_time, 99)
    return v3msg.encode(request_id, s.level, s.engine_tlv, boots, engine_time, s.user_tlv, s.auth, params, ber.tlv(ber.OCTET_STRING, ciphertext))


def test_every_flipped_bit_is_rejected_before_decryption():
    s = _session("sha256", "aes128")
    good = _response(s)
    client = V3Client()
    assert isinstance(_accept(client, s, good), pdu.Message)
    rejected = 0
    for i in range(len(good) * 8):
        bad = bytearray(good)
        bad[i // 8] ^= 1 << (i % 8)
        assert _accept(client, s, bytes(bad)) is None
        rejected += 1
    st_ = client.stats
    assert rejected == len(good) * 8
    # nothing that fails the digest was decrypted or decoded: the flips inside the encrypted
    # scoped PDU all count as wrong digests, none as decryption errors
    assert st_["decryption_errors"] == 0 and st_["responses"] == 1
    assert st_["wrong_digest"] >= len(good) * 8 // 2
    assert st_["garbage"] + st_["wrong_digest"] + st_["wrong_user"] == rejected


def test_a_response_from_an_older_engine_boot_is_outside_the_time_window():
    s = _session("sha256", "aes128")
    client = V3Client()
    engine = Engine(ENGINE)
    assert isinstance(_accept(client, s, _response(s, boots=BOOTS)), pdu.Message)
    engine.adopt(BOOTS, TIME, client._clock(), trusted=True)  # noqa: SLF001
    assert _accept(client, s, _response(s, boots=BOOTS - 1), engine) is None  # a replayed answer from before a reboot
    assert _accept(client, s, _response(s, engine_time=TIME - 151), engine) is None  # older than the window
    assert client.stats["not_in_time_window"] == 2
    assert isinstance(_accept(client, s, _response(s, boots=BOOTS + 1, engine_time=3), engine), pdu.Message)  # rebooted
    assert (engine.boots, engine.time) == (BOOTS + 1, 3)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_never_escape_the_v3_receive_path(data):
    client = V3Client()
    s = _session("sha512", "aes256c")
    assert _accept(client, s, data) is None
    req = Request("127.0.0.1", 161, True, 65507, client._accept_discovery, None)  # noqa: SLF001
    assert client._accept_discovery(data, req) is None  # noqa: SLF001
    got = peek(data, len(data))
    assert got is None or (isinstance(got, tuple) and len(got) == 2)


_GOOD = {name: _response(_session(*name)) for name in (("sha256", "aes128"), ("md5", "des"), ("sha", "aes192c"))}


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(sorted(_GOOD)), st.data())
def test_truncations_splices_and_flips_never_escape_the_v3_receive_path(name, data):
    good = _GOOD[name]
    cut = data.draw(st.integers(0, len(good)))
    junk = data.draw(st.binary(max_size=40))
    flips = data.draw(st.lists(st.integers(0, len(good) * 8 - 1), max_size=4))
    b = bytearray(good[:cut] + junk + good[cut:])
    for f in flips:
        if f // 8 < len(b):
            b[f // 8] ^= 1 << (f % 8)
    client = V3Client()
    got = _accept(client, _session(*name), bytes(b))
    assert got is None or isinstance(got, pdu.Message)
    if got is not None:  # only an unmodified message may pass the digest
        assert bytes(b) == good
