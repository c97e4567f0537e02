"""The SNMP client the agent uses: routes each target by ``Target.version`` to the SNMPv2c
client (our own codec, one socket per address family) or the SNMPv3 client (pysnmp, one
shared engine, created on first use).

    client = Client()
    vbs = await client.get(target, mib.SYSTEM_OIDS)
    rows = await client.walk(target, mib.IF_NAME)
    client.stats  # {"v2c": {...counters...}, "v3": {...}} — export as metrics
    await client.close()
"""

from __future__ import annotations

from cloudctl.snmp.base import SnmpError, Target, VarBind
from cloudctl.snmp.v2c import V2cClient


class Client:
    """Implements :class:`cloudctl.snmp.base.SnmpClient` for v1/v2c and v3 targets."""

    def __init__(self) -> None:
        self.v2c = V2cClient()
        self._v3 = None

    @property
    def v3(self):  # noqa: ANN201 - V3Client, imported lazily (pysnmp is heavy)
        if self._v3 is None:
            from cloudctl.snmp.v3 import V3Client

            self._v3 = V3Client()
        return self._v3

    def _for(self, target: Target):  # noqa: ANN202
        if target.version in ("2c", "2", "v2c"):
            return self.v2c
        if target.version in ("3", "v3"):
            return self.v3
        raise SnmpError("config", f"unsupported SNMP version {target.version!r} for {target.host} (use 2c or 3)")

    @property
    def stats(self) -> dict[str, dict[str, int]]:
        """Counters by protocol and kind (garbage, unknown_request_id, timeouts, ...)."""
        out = {"v2c": dict(self.v2c.stats)}
        if self._v3 is not None:
            out["v3"] = dict(self._v3.stats)
        return out

    async def get(self, target: Target, oids: list[str]) -> list[VarBind]:
        return await self._for(target).get(target, oids)

    async def walk(self, target: Target, oid: str) -> list[VarBind]:
        return await self._for(target).walk(target, oid)

    async def close(self) -> None:
        await self.v2c.close()
        if self._v3 is not None:
            await self._v3.close()
