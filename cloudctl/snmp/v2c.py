"""The SNMPv2c client: ``SEQUENCE { version, community, PDU }`` over the shared transport.

The transport matches an answer to its request on the first octets (request-id, sender); this
client then checks the community on the raw octets, decodes the PDU with our codec and accepts
only a Response. Anything else is dropped and counted in :attr:`V2cClient.stats` (the agent
exports these as metrics), and the request keeps waiting until its timeout.
"""

from __future__ import annotations

import socket

from cloudctl.snmp import pdu
from cloudctl.snmp.base import SnmpError, Target
from cloudctl.snmp.ber import DecodeError
from cloudctl.snmp.commands import COMMON_STATS, MAX_WALK_REQUESTS, CommandGenerator
from cloudctl.snmp.transport import Request, Transport, grow_buffers  # noqa: F401 - grow_buffers: the simulator's too

# Counters exposed in ``stats`` (a fixed set of keys, so the map stays bounded).
STAT_KEYS = COMMON_STATS + (
    "garbage",  # matched an outstanding request but is not a well-formed SNMPv1/v2c message
    "wrong_community",
)


class V2cClient(CommandGenerator):
    """SNMPv2c GET/WALK for any number of targets over the shared transport."""

    def __init__(self, transport: Transport | None = None, *, max_walk_requests: int = MAX_WALK_REQUESTS) -> None:
        self.transport = transport or Transport()
        self._own_transport = transport is None
        self.max_walk_requests = max_walk_requests
        self.stats: dict[str, int] = dict.fromkeys(STAT_KEYS, 0)

    @property
    def pending(self) -> int:
        """Requests of this protocol waiting for an answer right now."""
        return sum(1 for r in self.transport.pending.values() if not r.v3)

    def local_address(self, family: int = socket.AF_INET) -> tuple | None:
        return self.transport.local_address(family)

    def _session(self, target: Target) -> bytes:
        if target.community is None:
            raise SnmpError("config", f"no community configured for {target.host}:{target.port}")
        return target.community.reveal().encode()

    def _accept(self, data: bytes, req: Request) -> pdu.Message | None:
        stats = self.stats
        try:
            _, c0, c1, pos = pdu.decode_header(data)
            community = req.context
            if c1 - c0 != len(community) or not data.startswith(community, c0):
                stats["wrong_community"] += 1
                return None
            msg = pdu.decode_pdu(data, pos, len(data))
        except DecodeError:
            stats["garbage"] += 1
            return None
        if msg.pdu_type != pdu.RESPONSE:
            stats["unexpected_pdu"] += 1
            return None
        stats["responses"] += 1
        return msg

    async def _exchange(self, target: Target, community: bytes, pdu_type: int, varbinds: bytes, a: int, b: int) -> pdu.Message:
        transport = self.transport
        resolved = transport.known_host(target.host)
        family, host = resolved if resolved is not None else await transport.resolve(target.host)
        rid = transport.new_id()
        data = pdu.wrap(pdu.VERSION_2C, community, pdu.encode_pdu(pdu_type, rid, a, b, varbinds))
        req = Request(host, target.port, False, min(target.max_response_bytes, 65_507), self._accept, community)
        return await transport.exchange(rid, req, family, data, target.timeout, target.retries, self.stats, f"{target.host}:{target.port}")

    async def close(self) -> None:
        if self._own_transport:
            self.transport.close()
