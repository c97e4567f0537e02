"""The SNMP boundary: what a poller needs from SNMP, and nothing else (snmp_exporter's scraper).

Collectors depend on :class:`SnmpClient` only. The real implementations live in this package
(a fast SNMPv2c codec of our own, pysnmp for SNMPv3); tests can use :class:`DictClient`.
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


@dataclass(frozen=True)
class Target:
    """Where and how to reach one node. Credentials are references, resolved by the client."""

    host: str
    port: int = 161
    version: str = "2c"  # "2c" | "3"
    community: Secret | None = None
    user: str | None = None
    auth_protocol: str | None = None  # sha | sha224 | sha256 | sha384 | sha512 | md5
    auth_key: Secret | None = None
    priv_protocol: str | None = None  # aes128 | aes192 | aes256 | des
    priv_key: Secret | None = None
    timeout: float = 2.0
    retries: int = 1
    max_repetitions: int = 10


class SnmpError(Exception):
    """A poll failed. ``kind`` is a short label for metrics: timeout, auth, decode, tooBig, ..."""

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

    async def close(self) -> None:
        return None
