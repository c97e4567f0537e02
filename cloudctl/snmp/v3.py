"""The SNMPv3 client: RFC 3412 message processing and the manager side of the RFC 3414
User-based Security Model, over the shared transport and our own codec.

Per node (address and port) the client keeps an :class:`Engine`: the authoritative engine ID
learned by discovery (a request with an empty engine ID, answered by a
``usmStatsUnknownEngineIDs`` Report) and its boots/time, kept current from authenticated
messages as RFC 3414 §3.2 step 7b says. Per (user, protocols, keys, engine ID) it keeps a
:class:`Session`: the localized keys with their HMAC pads and cipher, computed once — key
localization never runs on the per-poll path.

What comes back is checked in this order, and dropped (counted in :attr:`V3Client.stats`) at
the first failure, so a forged or broken answer costs no decryption or decoding (#11, #12):
the transport's size, msgID and sender checks; the header; for authenticated messages the engine
ID, user and digest; the time window; only then decryption and decoding of the scoped PDU.

Reports become error kinds (``egov_node_poll_errors_total{kind=...}``): ``unknownUserName``,
``wrongDigest``, ``unsupportedSecLevel``, ``decryptionError``, ``unknownEngineID``,
``notInTimeWindow``. Two of them are first used to recover, once per request: a new engine ID
(the device was replaced) is learned and the request sent again; an authenticated
``notInTimeWindow`` (the device rebooted: engine boots went up) resynchronises boots/time and
the request is sent again. A request that times out marks its engine for rediscovery. A node that
discovers fine, then ignores our encrypted request but answers the same request unencrypted, has
another privacy key or protocol than ours (net-snmp drops such requests silently): kind
``decryptionError``.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from dataclasses import dataclass, field
from cloudctl.snmp import ber, pdu, usm, v3msg
from cloudctl.snmp.base import AUTH_NO_PRIV, AUTH_PRIV, NO_AUTH_NO_PRIV, SnmpError, Target
from cloudctl.snmp.ber import DecodeError
from cloudctl.snmp.cache import ByteBoundedCache
from cloudctl.snmp.commands import COMMON_STATS, CommandGenerator
from cloudctl.snmp.transport import Request, Transport
from cloudctl.snmp.v3msg import FLAG_AUTH, FLAG_PRIV, FLAG_REPORTABLE

STAT_KEYS = COMMON_STATS + (
    "garbage",  # matched an outstanding request but is not a well-formed SNMPv3/USM message
    "wrong_user",  # authenticated for another engine ID or user than the request's
    "wrong_digest",  # msgAuthenticationParameters do not verify: dropped before decryption
    "wrong_level",  # a response at another security level than the request's
    "not_in_time_window",  # an authenticated answer outside the engine's time window (RFC 3414 §3.2.7)
    "decryption_errors",  # the encrypted scoped PDU did not decrypt into a scoped PDU
    "reports",  # Report PDUs received, discovery included
    "discoveries",  # engine discoveries (requests with an empty engine ID)
    "resyncs",  # notInTimeWindow reports followed by a retry at the engine's time
    "key_localizations",  # (user, engine) keys localized: once per pair, never per poll
)

LEVELS = {NO_AUTH_NO_PRIV: 0, AUTH_NO_PRIV: FLAG_AUTH, AUTH_PRIV: FLAG_AUTH | FLAG_PRIV}
TIME_WINDOW = 150  # seconds (RFC 3414 §2.2.3)
_INT_MAX = 0x7FFFFFFF
_SYS_UPTIME = ber.encode_oid("1.3.6.1.2.1.1.3.0")
_PROBE_VARBINDS = pdu.encode_varbind(_SYS_UPTIME, b"\x05\x00")
_EMPTY = b"\x04\x00"

REPORT_TEXT = {
    "unknownUserName": "the node does not know this SNMPv3 user (usmStatsUnknownUserNames): check the profile's user",
    "wrongDigest": "the node rejected our authentication (usmStatsWrongDigests): check auth_key and auth_protocol",
    "unsupportedSecLevel": "the node does not allow this user at this security level (usmStatsUnsupportedSecLevels): "
                           "check security_level and whether the user has a privacy key there",
    "decryptionError": "the node could not decrypt our request (usmStatsDecryptionErrors): check priv_key and priv_protocol",
    "unknownEngineID": "the node kept rejecting our engine ID (usmStatsUnknownEngineIDs)",
    "notInTimeWindow": "the node kept rejecting our time (usmStatsNotInTimeWindows) after a resynchronisation",
}


@dataclass
class Engine:
    """What this manager knows of one authoritative engine, per node address and port."""

    engine_id: bytes
    boots: int = 0
    time: int = 0
    synced: float = 0.0  # time.monotonic() at which ``time`` was the engine's time
    latest: int = 0  # latestReceivedEngineTime (RFC 3414 §2.3)
    trusted: bool = False  # boots/time came from an authenticated message
    stale: bool = False  # rediscover before the next request (a request timed out)

    def clock(self, now: float) -> tuple[int, int]:
        """(boots, time) to put in a message sent now."""
        return self.boots, min(_INT_MAX, self.time + int(now - self.synced))

    def adopt(self, boots: int, engine_time: int, now: float, *, trusted: bool) -> None:
        self.boots, self.time, self.synced, self.latest, self.trusted = boots, engine_time, now, engine_time, trusted

    def timely(self, boots: int, engine_time: int, now: float) -> bool:
        """RFC 3414 §3.2 step 7b for an authenticated message: update what we know, and say
        whether the message is inside the time window."""
        if not self.trusted or boots > self.boots or (boots == self.boots and engine_time > self.latest):
            self.adopt(boots, engine_time, now, trusted=True)
            return True
        if self.boots == _INT_MAX or boots < self.boots:
            return False
        return not (boots == self.boots and engine_time < self.clock(now)[1] - TIME_WINDOW)


class Session:
    """One principal's keys localized to one engine, and the encoded pieces every message reuses."""

    __slots__ = ("engine_id", "user", "flags", "level", "auth", "priv", "engine_tlv", "user_tlv", "scoped_prefix")

    def __init__(self, engine_id: bytes, user: bytes, level: int, auth: usm.Authenticator | None, priv: usm.Privacy | None) -> None:
        self.engine_id = engine_id
        self.user = user
        self.level = level
        self.flags = level | FLAG_REPORTABLE
        self.auth = auth
        self.priv = priv
        self.engine_tlv = ber.tlv(ber.OCTET_STRING, engine_id)
        self.user_tlv = ber.tlv(ber.OCTET_STRING, user)
        self.scoped_prefix = self.engine_tlv + _EMPTY  # contextEngineID = the engine, contextName ""


@dataclass(frozen=True)
class Principal:
    """The credentials of one GET/WALK: the target's secrets, revealed once for the call."""

    user: bytes
    level: int
    auth: usm.AuthProtocol | None
    priv: usm.PrivProtocol | None
    auth_password: bytes = field(default=b"", repr=False)  # never in a repr, log or exception
    priv_password: bytes = field(default=b"", repr=False)
    fingerprint: bytes = b""  # a keyed hash of the passwords: notices a rotated key, reveals nothing
    session_key: tuple = field(init=False, repr=False, compare=False)

    def key(self, level: int | None = None) -> tuple:
        lv = self.level if level is None else level
        return (self.user, lv, self.auth.name if self.auth else "", self.priv.name if self.priv and lv & FLAG_PRIV else "", self.fingerprint)

    def __post_init__(self) -> None:
        object.__setattr__(self, "session_key", self.key())  # key() at its own level, once


class Report:
    """A Report PDU as the request that provoked it sees it."""

    __slots__ = ("kind", "oid", "engine_id", "boots", "time", "authenticated")

    def __init__(self, kind: str, oid: str, engine_id: bytes, boots: int, engine_time: int, authenticated: bool) -> None:
        self.kind, self.oid, self.engine_id = kind, oid, engine_id
        self.boots, self.time, self.authenticated = boots, engine_time, authenticated


def _report(msg: pdu.Message, m: v3msg.Parsed) -> Report:
    oid = ber.oid_of(msg.varbinds[0][0])[0] if msg.varbinds else ""
    return Report(v3msg.REPORT_KINDS.get(oid, "report"), oid, m.engine_id, m.boots, m.time, bool(m.flags & FLAG_AUTH))


class V3Client(CommandGenerator):
    """SNMPv3 GET/WALK for any number of targets over the shared transport."""

    def __init__(self, transport: Transport | None = None, *, clock=time.monotonic) -> None:  # noqa: ANN001
        self.transport = transport or Transport()
        self._own_transport = transport is None
        self.stats: dict[str, int] = dict.fromkeys(STAT_KEYS, 0)
        self._clock = clock
        # Every cache is bounded in bytes (#11). Targets come from the config, so these hold at
        # most one entry per node (and per principal); the bounds only matter if that is huge.
        self._engines: ByteBoundedCache[tuple[str, int], Engine] = ByteBoundedCache(8 << 20, lambda k, v: len(k[0]) + len(v.engine_id) + 200)
        self._sessions: ByteBoundedCache[tuple, Session] = ByteBoundedCache(32 << 20, lambda k, v: 2 * len(v.engine_id) + 2 * len(v.user) + 1200)
        self._master_keys: ByteBoundedCache[tuple, bytes] = ByteBoundedCache(1 << 20, lambda k, v: len(k[1]) + len(v))
        # id(target) → (target, the secrets as revealed, principal); the target is kept, so its id
        # cannot be reused by another object while the entry lives
        self._principals: ByteBoundedCache[int, tuple] = ByteBoundedCache(4 << 20, lambda k, v: 600)
        self._discovering: dict[tuple[str, int], asyncio.Future] = {}
        self._fingerprint_key = os.urandom(32)
        self._salt = int.from_bytes(os.urandom(8), "big")

    @property
    def pending(self) -> int:
        return sum(1 for r in self.transport.pending.values() if r.v3)

    def engine(self, host: str, port: int) -> Engine | None:
        """What the client knows of the engine at ``host``:``port`` (canonical address)."""
        return self._engines.lookup((host, port))

    # --- credentials and keys ----------------------------------------------------------------------

    def _session(self, target: Target) -> Principal:
        """The principal of one GET/WALK: the secrets are revealed on every call (a rotated key is
        used at once), the rest is reused while they stay the same."""
        auth_pw = target.auth_key.reveal() if target.auth_key is not None and target.security_level != NO_AUTH_NO_PRIV else None
        priv_pw = target.priv_key.reveal() if target.priv_key is not None and target.security_level == AUTH_PRIV else None
        hit = self._principals.lookup(id(target))
        if hit is not None and hit[0] is target and hit[1] == auth_pw and hit[2] == priv_pw:
            return hit[3]
        p = self._principal(target)
        self._principals.put(id(target), (target, auth_pw, priv_pw, p))
        return p

    def _principal(self, target: Target) -> Principal:
        where = f"{target.host}:{target.port}"
        if not target.user:
            raise SnmpError("config", f"no SNMPv3 user configured for {where}")
        level = LEVELS.get(target.security_level)
        if level is None:
            raise SnmpError("config", f"unknown security_level {target.security_level!r} for {where} (use {', '.join(LEVELS)})")
        auth = priv = None
        auth_pw = priv_pw = b""
        try:
            if level & FLAG_AUTH:
                auth = usm.auth_protocol(target.auth_protocol or "")
                if target.auth_key is None:
                    raise SnmpError("config", f"security_level {target.security_level} needs an auth_key for {where}")
                auth_pw = target.auth_key.reveal().encode()
            if level & FLAG_PRIV:
                priv = usm.priv_protocol(target.priv_protocol or "")
                if target.priv_key is None:
                    raise SnmpError("config", f"security_level {target.security_level} needs a priv_key for {where}")
                priv_pw = target.priv_key.reveal().encode()
        except ValueError as exc:
            raise SnmpError("config", f"{where}: {exc}") from None
        if (level & FLAG_AUTH and not auth_pw) or (level & FLAG_PRIV and not priv_pw):
            raise SnmpError("config", f"{where}: an SNMPv3 key resolves to an empty value")
        fp = hashlib.blake2b(auth_pw + b"\0" + priv_pw, key=self._fingerprint_key, digest_size=16).digest() if level else b""
        return Principal(target.user.encode(), level, auth, priv, auth_pw, priv_pw, fp)

    def _master_key(self, password: bytes, auth: usm.AuthProtocol) -> bytes:
        key = (auth.name, hashlib.blake2b(password, key=self._fingerprint_key, digest_size=16).digest())
        ku = self._master_keys.lookup(key)
        if ku is None:
            ku = self._master_keys.put(key, usm.password_to_key(password, auth))
        return ku

    def _session_for(self, p: Principal, engine_id: bytes, level: int | None = None) -> Session:
        lv = p.level if level is None else level
        key = (engine_id, p.session_key if level is None else p.key(lv))
        s = self._sessions.lookup(key)
        if s is not None:
            return s
        auth = priv = None
        if lv & FLAG_AUTH:
            auth = usm.Authenticator(p.auth, usm.localize(self._master_key(p.auth_password, p.auth), engine_id, p.auth))
        if lv & FLAG_PRIV:
            ku = self._master_key(p.priv_password, p.auth)
            priv = usm.Privacy(p.priv, usm.localized_priv_key(p.priv, p.auth, ku, engine_id))
        self.stats["key_localizations"] += 1
        return self._sessions.put(key, Session(engine_id, p.user, lv, auth, priv))

    # --- receive ---------------------------------------------------------------------------------

    def _accept(self, data: bytes, req: Request) -> pdu.Message | Report | None:
        stats = self.stats
        engine, session = req.context
        try:
            m = v3msg.parse(data)
        except DecodeError:
            stats["garbage"] += 1
            return None
        level = m.flags & (FLAG_AUTH | FLAG_PRIV)
        timely = True
        if level:
            if session.auth is None or m.engine_id != session.engine_id or m.user != session.user:
                stats["wrong_user"] += 1
                return None
            if not session.auth.verify(data, m.auth_start, m.auth_stop):
                stats["wrong_digest"] += 1
                return None
            timely = engine.timely(m.boots, m.time, self._clock())
        if level & FLAG_PRIV:
            if session.priv is None:
                stats["wrong_level"] += 1
                return None
            try:
                plain = session.priv.decrypt(data[m.content_start:m.data_stop], m.boots, m.time, m.priv_params)
                _, _, msg = v3msg.decode_scoped(plain, 0, len(plain), padded=session.priv.protocol.cipher == "des")
            except (usm.PrivacyError, DecodeError):
                stats["decryption_errors"] += 1
                return None
        else:
            try:
                _, _, msg = v3msg.decode_scoped(data, m.data_start, m.data_stop)
            except DecodeError:
                stats["garbage"] += 1
                return None
        if msg.pdu_type == pdu.REPORT:
            stats["reports"] += 1
            return _report(msg, m)
        if msg.pdu_type != pdu.RESPONSE or msg.request_id != m.msg_id:
            stats["unexpected_pdu"] += 1
            return None
        if level != session.level:
            stats["wrong_level"] += 1
            return None
        if not timely:
            stats["not_in_time_window"] += 1
            return None
        stats["responses"] += 1
        return msg

    def _accept_discovery(self, data: bytes, req: Request) -> Report | None:
        stats = self.stats
        try:
            m = v3msg.parse(data)
            if m.flags & (FLAG_AUTH | FLAG_PRIV):
                raise DecodeError("an authenticated answer to a discovery")
            _, _, msg = v3msg.decode_scoped(data, m.data_start, m.data_stop)
        except DecodeError:
            stats["garbage"] += 1
            return None
        if msg.pdu_type != pdu.REPORT:
            stats["unexpected_pdu"] += 1
            return None
        stats["reports"] += 1
        return _report(msg, m)

    # --- requests --------------------------------------------------------------------------------

    @staticmethod
    def _max_bytes(target: Target) -> int:
        return min(target.max_response_bytes, v3msg.MAX_MESSAGE_SIZE)

    async def _discover(self, target: Target, family: int, host: str) -> Engine:
        """RFC 3414 §4: a noAuthNoPriv request with an empty engine ID; the Report names the engine."""
        endpoint = (host, target.port)
        running = self._discovering.get(endpoint)
        if running is not None:  # another poll of the same node is discovering it: share the answer
            return await asyncio.shield(running)
        fut = self._discovering[endpoint] = asyncio.get_running_loop().create_future()
        try:
            engine = await self._discover_once(target, family, host)
        except asyncio.CancelledError:
            fut.cancel()
            raise
        except SnmpError as exc:
            fut.set_exception(exc)
            fut.exception()  # mark it retrieved: nobody else may be waiting
            raise
        else:
            fut.set_result(engine)
            return engine
        finally:
            if not fut.done():  # anything else: the polls sharing this discovery fail too, not hang
                fut.set_exception(SnmpError("internal", f"the engine discovery of {target.host}:{target.port} failed"))
                fut.exception()
            del self._discovering[endpoint]

    async def _discover_once(self, target: Target, family: int, host: str) -> Engine:
        where = f"{target.host}:{target.port}"
        rid = self.transport.new_id()
        self.stats["discoveries"] += 1
        scoped = v3msg.scoped_pdu(b"", b"", pdu.encode_pdu(pdu.GET, rid, 0, 0, b""))
        data = v3msg.encode(rid, FLAG_REPORTABLE, _EMPTY, 0, 0, _EMPTY, None, b"", scoped, self._max_bytes(target))
        req = Request(host, target.port, True, self._max_bytes(target), self._accept_discovery, None)
        report = await self.transport.exchange(rid, req, family, data, target.timeout, target.retries, self.stats, where)
        if not 5 <= len(report.engine_id) <= v3msg.MAX_ENGINE_ID:
            raise SnmpError("decode", f"{where} answered the engine discovery with an engine ID of {len(report.engine_id)} octets")
        engine = Engine(report.engine_id)
        # The discovery Report is not authenticated: its boots/time are a first estimate only
        # (what net-snmp and pysnmp use too); an authenticated message confirms or corrects them.
        engine.adopt(report.boots, report.time, self._clock(), trusted=False)
        self._engines.put((host, target.port), engine)
        return engine

    async def _send(self, target: Target, family: int, host: str, engine: Engine, session: Session,
                    pdu_type: int, varbinds: bytes, a: int, b: int, *, retries: int | None = None) -> pdu.Message | Report:
        transport = self.transport
        rid = transport.new_id()
        boots, etime = engine.clock(self._clock())
        scoped = ber.tlv(ber.SEQUENCE, session.scoped_prefix + pdu.encode_pdu(pdu_type, rid, a, b, varbinds))
        if session.priv is not None:
            self._salt = (self._salt + 1) & 0xFFFFFFFFFFFFFFFF
            ciphertext, priv_params = session.priv.encrypt(scoped, boots, etime, self._salt)
            msg_data = ber.tlv(ber.OCTET_STRING, ciphertext)
        else:
            priv_params, msg_data = b"", scoped
        max_bytes = self._max_bytes(target)
        data = v3msg.encode(rid, session.flags, session.engine_tlv, boots, etime, session.user_tlv, session.auth, priv_params, msg_data, max_bytes)
        req = Request(host, target.port, True, max_bytes, self._accept, (engine, session))
        return await transport.exchange(rid, req, family, data, target.timeout, target.retries if retries is None else retries,
                                        self.stats, f"{target.host}:{target.port}")

    async def _exchange(self, target: Target, principal: Principal, pdu_type: int, varbinds: bytes, a: int, b: int) -> pdu.Message:
        transport = self.transport
        resolved = transport.known_host(target.host)
        family, host = resolved if resolved is not None else await transport.resolve(target.host)
        where = f"{target.host}:{target.port}"
        endpoint = (host, target.port)
        engine = self._engines.lookup(endpoint)
        discovered = engine is None or engine.stale
        if discovered:
            engine = await self._discover(target, family, host)
        rediscovered = resynced = False
        while True:
            session = self._session_for(principal, engine.engine_id)
            try:
                result = await self._send(target, family, host, engine, session, pdu_type, varbinds, a, b)
            except SnmpError as exc:
                if exc.kind == "timeout":
                    engine.stale = True
                    if discovered and principal.level & FLAG_PRIV and await self._answers_unencrypted(target, family, host, engine, principal):
                        raise SnmpError("decryptionError", f"{where} answers authenticated requests but not encrypted ones "
                                                           "(net-snmp drops what it cannot decrypt): check priv_key and priv_protocol") from None
                raise
            if isinstance(result, pdu.Message):
                return result
            kind = result.kind
            if kind == "unknownEngineID" and not rediscovered and 5 <= len(result.engine_id) <= v3msg.MAX_ENGINE_ID \
                    and result.engine_id != engine.engine_id:
                # the device was replaced (or reinstalled): a new engine ID, new keys, same request
                engine = Engine(result.engine_id)
                engine.adopt(result.boots, result.time, self._clock(), trusted=False)
                self._engines.put(endpoint, engine)
                rediscovered = discovered = True
                self.stats["discoveries"] += 1
                continue
            if kind == "notInTimeWindow" and not resynced and result.authenticated:
                # the device rebooted (engine boots went up) or our clock estimate drifted: the
                # authenticated report carries its boots/time; adopt them and send again, once
                engine.adopt(result.boots, result.time, self._clock(), trusted=True)
                resynced = True
                self.stats["resyncs"] += 1
                continue
            text = REPORT_TEXT.get(kind, f"the node answered with a Report ({result.oid})")
            raise SnmpError(kind, f"{where}: {text}")

    async def _answers_unencrypted(self, target: Target, family: int, host: str, engine: Engine, p: Principal) -> bool:
        """After an authPriv request timed out on a node that answered discovery: does the same
        user get an authenticated answer without privacy? Then our privacy key or protocol is wrong."""
        session = self._session_for(p, engine.engine_id, FLAG_AUTH)
        try:
            result = await self._send(target, family, host, engine, session, pdu.GET, _PROBE_VARBINDS, 0, 0, retries=0)
        except SnmpError:
            return False
        return isinstance(result, pdu.Message)

    async def close(self) -> None:
        if self._own_transport:
            self.transport.close()

