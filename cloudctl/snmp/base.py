"""The SNMP boundary: what a poller needs from SNMP, and nothing else (snmp_exporter's scraper).

Collectors depend on :class:`SnmpClient` only. The real implementation lives in this package
(our own BER codec, SNMPv2c and SNMPv3 with USM over one shared socket); tests can use
:class:`DictClient`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Union

from cloudctl.secrets import Secret

# A decoded SNMP value: int (INTEGER, Counter32/64, Gauge32, TimeTicks, Unsigned32), bytes
# (OCTET STRING, Opaque, IpAddress as its 4 raw bytes), str (OBJECT IDENTIFIER, dotted), or None
# for NULL. ``NoValue`` marks noSuchObject / noSuchInstance / endOfMibView on a GET.
Value = Union[int, bytes, str, None]


class NoValue(str):
    """noSuchObject / noSuchInstance / endOfMibView, as returned by GET."""


NO_SUCH_OBJECT = NoValue("noSuchObject")
NO_SUCH_INSTANCE = NoValue("noSuchInstance")
END_OF_MIB_VIEW = NoValue("endOfMibView")

VarBind = tuple[str, Value]  # ("1.3.6.1.2.1.1.3.0", 12345)


# Security levels of SNMPv3 (RFC 3411 SnmpSecurityLevel), as written in the agent config.
NO_AUTH_NO_PRIV, AUTH_NO_PRIV, AUTH_PRIV = "noAuthNoPriv", "authNoPriv", "authPriv"
SECURITY_LEVELS = (NO_AUTH_NO_PRIV, AUTH_NO_PRIV, AUTH_PRIV)


@dataclass(frozen=True)
class Target:
    """Where and how to reach one node. Credentials are references, resolved by the client."""

    host: str
    port: int = 161
    version: str = "2c"  # "2c" | "3"
    community: Secret | None = None
    user: str | None = None
    security_level: str = AUTH_PRIV  # noAuthNoPriv | authNoPriv | authPriv
    auth_protocol: str | None = None  # md5 | sha | sha224 | sha256 | sha384 | sha512
    auth_key: Secret | None = None
    priv_protocol: str | None = None  # des | aes128 | aes192 | aes256 | aes192c | aes256c
    priv_key: Secret | None = None
    timeout: float = 2.0
    retries: int = 1
    max_repetitions: int = 10
    # Limits against hostile or broken nodes (#11); exceeding one fails the poll with kind "limits".
    max_response_bytes: int = 65_507  # larger datagrams are dropped unread
    max_walk_varbinds: int = 10_000  # varbinds in one walk
    max_walk_bytes: int = 1 << 20  # octets of OIDs and values in one walk
    max_oid_length: int = 128  # sub-identifiers of an OID in a walk (RFC 2578 §3.5 allows 128)


class SnmpError(Exception):
    """A poll failed. ``kind`` is a short label for metrics: timeout, limits, decode, tooBig, the
    USM report kinds (unknownUserName, wrongDigest, ...). The message names the target, never a
    community or key."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class SnmpClient(Protocol):
    """GET and WALK over one shared socket/engine for every target."""

    async def get(self, target: Target, oids: list[str]) -> list[VarBind]:
        """GET the exact OIDs; missing ones come back as a :class:`NoValue`."""
        ...

    async def walk(self, target: Target, oid: str) -> list[VarBind]:
        """All varbinds under ``oid`` in order (GETBULK), stopping at the subtree's end."""
        ...

    async def walk_columns(self, target: Target, oids: list[str], *, max_repetitions: int | None = None) -> list[VarBind]:
        """``walk`` of each of ``oids`` (columns of one table), concatenated in that order; the
        real client reads them together, one GETBULK for all columns still open, asking for at
        most ``max_repetitions`` rows per request (default: the target's)."""
        ...

    async def close(self) -> None: ...


class DictClient:
    """A dictionary-backed fake for collector tests: ``{host: {oid: value}}``."""

    def __init__(self, data: dict[str, dict[str, Value]], unreachable: set[str] = frozenset()) -> None:
        self._data = data
        self._down = set(unreachable)

    def _table(self, target: Target) -> dict[str, Value]:
        if target.host in self._down or target.host not in self._data:
            raise SnmpError("timeout", f"no response from {target.host}:{target.port}")
        return self._data[target.host]

    async def get(self, target: Target, oids: list[str]) -> list[VarBind]:
        table = self._table(target)
        return [(o, table.get(o, NO_SUCH_OBJECT)) for o in oids]

    async def walk(self, target: Target, oid: str) -> list[VarBind]:
        table = self._table(target)
        prefix = oid + "."
        keys = sorted((k for k in table if k.startswith(prefix)), key=lambda s: tuple(int(x) for x in s.split(".")))
        return [(k, table[k]) for k in keys]

    async def walk_columns(self, target: Target, oids: list[str], *, max_repetitions: int | None = None) -> list[VarBind]:
        out: list[VarBind] = []
        for oid in oids:
            out += await self.walk(target, oid)
        return out

    async def close(self) -> None:
        return None
