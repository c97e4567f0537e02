"""The SNMP client the agent uses: SNMPv2c and SNMPv3 over one shared transport (one UDP
socket per address family for every target), routed by ``Target.version``.

    client = Client()
    vbs = await client.get(target, mib.SYSTEM_OIDS)
    rows = await client.walk(target, mib.IF_NAME)
    client.stats  # {"udp": {...}, "v2c": {...}, "v3": {...}} — export as metrics
    await client.close()
"""

from __future__ import annotations

from cloudctl.snmp.base import SnmpError, Target, VarBind
from cloudctl.snmp.commands import CommandGenerator
from cloudctl.snmp.transport import Transport
from cloudctl.snmp.v2c import V2cClient
from cloudctl.snmp.v3 import V3Client


class Client:
    """Implements :class:`cloudctl.snmp.base.SnmpClient` for v2c and v3 targets."""

    def __init__(self) -> None:
        self.transport = Transport()
        self.v2c = V2cClient(self.transport)
        self.v3 = V3Client(self.transport)

    def _for(self, target: Target) -> CommandGenerator:
        if target.version in ("2c", "2", "v2c"):
            return self.v2c
        if target.version in ("3", "v3"):
            return self.v3
        raise SnmpError("config", f"unsupported SNMP version {target.version!r} for {target.host} (use 2c or 3)")

    @property
    def stats(self) -> dict[str, dict[str, int]]:
        """Counters: ``udp`` for datagrams dropped before they reach a protocol (garbage,
        unknown request ids, wrong sender, too large), then per protocol (v3 once used)."""
        out = {"udp": dict(self.transport.stats), "v2c": dict(self.v2c.stats)}
        if self.v3.stats["requests"]:
            out["v3"] = dict(self.v3.stats)
        return out

    async def get(self, target: Target, oids: list[str]) -> list[VarBind]:
        return await self._for(target).get(target, oids)

    async def walk(self, target: Target, oid: str) -> list[VarBind]:
        return await self._for(target).walk(target, oid)

    async def walk_columns(self, target: Target, oids: list[str], *, max_repetitions: int | None = None) -> list[VarBind]:
        return await self._for(target).walk_columns(target, oids, max_repetitions=max_repetitions)

    async def close(self) -> None:
        self.transport.close()
