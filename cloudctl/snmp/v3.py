"""SNMPv3 (USM: SHA-2 authentication, AES privacy) through pysnmp 7.1's asyncio hlapi.

One shared ``SnmpEngine`` for every target, MIB lookups off (``lookupMib=False``: resolving
names is most of pysnmp's cost and we only need numeric OIDs). pysnmp is imported lazily, so
an agent that polls only v2c nodes never pays for it. Keys are revealed at send time and only
handed to pysnmp; they never appear in errors or logs.
"""

from __future__ import annotations

from typing import Any

from cloudctl.snmp.base import (
    END_OF_MIB_VIEW,
    NO_SUCH_INSTANCE,
    NO_SUCH_OBJECT,
    SnmpError,
    Target,
    Value,
    VarBind,
)

AUTH_PROTOCOLS = {
    "md5": "usmHMACMD5AuthProtocol",
    "sha": "usmHMACSHAAuthProtocol",
    "sha224": "usmHMAC128SHA224AuthProtocol",
    "sha256": "usmHMAC192SHA256AuthProtocol",
    "sha384": "usmHMAC256SHA384AuthProtocol",
    "sha512": "usmHMAC384SHA512AuthProtocol",
}
# AES-192/256 with the key extension net-snmp and most vendors use (draft-blumenthal).
PRIV_PROTOCOLS = {
    "des": "usmDESPrivProtocol",
    "aes": "usmAesCfb128Protocol",
    "aes128": "usmAesCfb128Protocol",
    "aes192": "usmAesBlumenthalCfb192Protocol",
    "aes256": "usmAesBlumenthalCfb256Protocol",
}
MAX_WALK_REQUESTS = 10_000  # a walk that never ends is an agent bug, not a reason to run forever


def _value(v: Any) -> Value:
    """pyasn1/pysnmp value → our plain ``Value``."""
    name = type(v).__name__
    if name == "NoSuchObject":
        return NO_SUCH_OBJECT
    if name == "NoSuchInstance":
        return NO_SUCH_INSTANCE
    if name == "EndOfMibView":
        return END_OF_MIB_VIEW
    if name == "Null":
        return None
    if name == "ObjectIdentifier" or name == "ObjectName":
        return str(v)
    if hasattr(v, "asOctets"):  # OctetString, Opaque, IpAddress
        return bytes(v.asOctets())
    return int(v)


class V3Client:
    """GET/WALK over SNMPv3 with one shared pysnmp engine."""

    def __init__(self) -> None:
        self._hl: Any = None
        self._engine: Any = None
        self._transports: dict[tuple, Any] = {}
        self.stats: dict[str, int] = {"requests": 0, "timeouts": 0, "auth_errors": 0, "responses": 0, "non_increasing": 0}

    def _lib(self) -> Any:
        if self._hl is None:
            import warnings

            # pysnmp 7.1 uses cryptography's CFB from its old place; the warning is pysnmp's to fix
            # and would otherwise land on the agent's stderr at the first v3 poll.
            warnings.filterwarnings("ignore", message="CFB has been moved", module="pysnmp")
            import pysnmp.hlapi.v3arch.asyncio as hl

            self._hl = hl
            self._engine = hl.SnmpEngine()
        return self._hl

    def _auth(self, target: Target) -> Any:
        hl = self._lib()
        if not target.user:
            raise SnmpError("config", f"no SNMPv3 user configured for {target.host}:{target.port}")
        kwargs: dict[str, Any] = {}
        # (key, protocol name, table, default, pysnmp keyword prefix); keys revealed only here
        for key, name, table, default, prefix in (
            (target.auth_key, target.auth_protocol, AUTH_PROTOCOLS, "sha256", "auth"),
            (target.priv_key, target.priv_protocol, PRIV_PROTOCOLS, "aes128", "priv"),
        ):
            if key is None:
                continue
            proto = table.get((name or default).lower())
            if proto is None:
                raise SnmpError("config", f"unknown {prefix} protocol {name!r} (use one of {', '.join(table)})")
            kwargs[f"{prefix}Key"] = key.reveal()
            kwargs[f"{prefix}Protocol"] = getattr(hl, proto)
        return hl.UsmUserData(target.user, **kwargs)

    async def _transport(self, target: Target) -> Any:
        key = (target.host, target.port, target.timeout, target.retries)
        hit = self._transports.get(key)
        if hit is not None:  # creating one resolves the address in a thread: once per target
            return hit
        hl = self._lib()
        cls = hl.Udp6TransportTarget if ":" in target.host else hl.UdpTransportTarget
        from pysnmp.error import PySnmpError

        try:
            hit = self._transports[key] = await cls.create((target.host, target.port), timeout=target.timeout, retries=target.retries)
            return hit
        except PySnmpError as exc:
            raise SnmpError("resolve", f"bad address {target.host}:{target.port}: {type(exc).__name__}") from None

    def _check(self, target: Target, indication: Any, status: Any, index: Any) -> None:
        if indication:
            text = str(indication)
            if "timeout" in text.lower() or "No SNMP response" in text:
                self.stats["timeouts"] += 1
                raise SnmpError("timeout", f"no response from {target.host}:{target.port}")
            self.stats["auth_errors"] += 1
            raise SnmpError("auth", f"{target.host}:{target.port}: {text}")
        if status and int(status):
            name = status.prettyPrint() if hasattr(status, "prettyPrint") else str(status)
            raise SnmpError(name, f"{target.host}:{target.port} answered {name} (index {int(index)})")

    async def get(self, target: Target, oids: list[str]) -> list[VarBind]:
        hl = self._lib()
        auth = self._auth(target)
        transport = await self._transport(target)
        self.stats["requests"] += 1
        indication, status, index, vbs = await hl.get_cmd(
            self._engine, auth, transport, hl.ContextData(),
            *(hl.ObjectType(hl.ObjectIdentity(o)) for o in oids), lookupMib=False,
        )
        self._check(target, indication, status, index)
        self.stats["responses"] += 1
        return [(str(name), _value(val)) for name, val in vbs]

    async def walk(self, target: Target, oid: str) -> list[VarBind]:
        hl = self._lib()
        auth = self._auth(target)
        transport = await self._transport(target)
        root = tuple(int(x) for x in oid.strip(".").split("."))
        last = root
        cursor = oid
        reps = max(1, target.max_repetitions)
        out: list[VarBind] = []
        for _ in range(MAX_WALK_REQUESTS):
            self.stats["requests"] += 1
            indication, status, index, vbs = await hl.bulk_cmd(
                self._engine, auth, transport, hl.ContextData(), 0, reps,
                hl.ObjectType(hl.ObjectIdentity(cursor)), lookupMib=False, ignoreNonIncreasingOid=True,
            )
            if status and int(status) == 1 and reps > 1:  # tooBig
                reps = max(1, reps // 2)
                continue
            self._check(target, indication, status, index)
            self.stats["responses"] += 1
            if not vbs:
                return out
            for name, val in vbs:
                arcs = tuple(name)
                value = _value(val)
                if value is END_OF_MIB_VIEW or arcs[: len(root)] != root or len(arcs) == len(root):
                    return out
                text = str(name)
                if arcs <= last:
                    self.stats["non_increasing"] += 1
                    err = SnmpError("nonIncreasing", f"{target.host}:{target.port} returned {text} walking {oid}")
                    err.partial = out  # type: ignore[attr-defined]
                    raise err
                last = arcs
                cursor = text
                if value is not NO_SUCH_OBJECT and value is not NO_SUCH_INSTANCE:
                    out.append((text, value))
        err = SnmpError("walkTooLong", f"{target.host}:{target.port}: walking {oid} took more than {MAX_WALK_REQUESTS} requests")
        err.partial = out  # type: ignore[attr-defined]
        raise err

    async def close(self) -> None:
        if self._engine is not None:
            dispatcher = getattr(self._engine, "transport_dispatcher", None)
            if dispatcher is not None:
                dispatcher.close_dispatcher()
            self._engine = None
            self._hl = None
            self._transports.clear()
