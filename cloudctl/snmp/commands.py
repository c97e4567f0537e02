"""GET and WALK (an RFC 3413 command generator) on top of any SNMP message exchange.

:class:`CommandGenerator` holds what SNMPv2c and SNMPv3 share: building the varbind list,
checking the error-status, and the walk — GETBULK from the last OID received until the subtree
ends, halving max-repetitions on tooBig, refusing non-increasing OIDs, and the per-walk limits
of the target (varbinds, octets, OID length) beyond which the node is reported with kind
``limits`` instead of being allowed to grow the agent's memory (#11). A subclass implements
``_session`` (credentials, revealed once per GET/WALK) and ``_exchange`` (one request/response).
"""

from __future__ import annotations

from typing import Any

from cloudctl.snmp import ber, pdu
from cloudctl.snmp.base import END_OF_MIB_VIEW, NO_SUCH_INSTANCE, NO_SUCH_OBJECT, SnmpError, Target, VarBind

_NO_VALUE = {ber.NO_SUCH_OBJECT: NO_SUCH_OBJECT, ber.NO_SUCH_INSTANCE: NO_SUCH_INSTANCE, ber.END_OF_MIB_VIEW: END_OF_MIB_VIEW}
_NULL = b"\x05\x00"

MAX_WALK_REQUESTS = 10_000  # a walk that never ends is an agent bug, not a reason to run forever

# Counters every protocol keeps (a fixed set of keys, so the metric's label set stays bounded).
COMMON_STATS = (
    "requests",  # request messages sent, retries included
    "retries",  # attempts after the first
    "timeouts",  # requests that got no answer after all retries
    "responses",  # responses accepted
    "unexpected_pdu",  # a well-formed message that is not a Response (or Report)
    "too_big",  # tooBig answers (GETBULK max-repetitions halved)
    "non_increasing",  # walks stopped because the agent returned a non-increasing OID
    "error_status",  # responses with another non-zero error-status
    "limits",  # walks stopped by the target's limits (varbinds, octets, OID length)
)


def _varbinds(oids: list[str]) -> bytes:
    encode = ber.encode_oid
    return b"".join(pdu.encode_varbind(encode(o), _NULL) for o in oids)


class CommandGenerator:
    """``get`` and ``walk`` for one SNMP version; see the module docstring."""

    stats: dict[str, int]
    max_walk_requests: int = MAX_WALK_REQUESTS

    def _session(self, target: Target) -> Any:
        """What every request of one GET/WALK needs (secrets revealed here, once)."""
        raise NotImplementedError

    async def _exchange(self, target: Target, session: Any, pdu_type: int, varbinds: bytes, a: int, b: int) -> pdu.Message:
        """Send one request PDU and return the Response."""
        raise NotImplementedError

    def _check_status(self, msg: pdu.Message, target: Target) -> None:
        if msg.error_status:
            name = pdu.ERROR_NAMES.get(msg.error_status, f"error{msg.error_status}")
            self.stats["error_status"] += 1
            raise SnmpError(name, f"{target.host}:{target.port} answered {name} (index {msg.error_index})")

    async def get(self, target: Target, oids: list[str]) -> list[VarBind]:
        session = self._session(target)
        msg = await self._exchange(target, session, pdu.GET, _varbinds(oids), 0, 0)
        if msg.error_status == pdu.TOO_BIG:
            self.stats["too_big"] += 1
        self._check_status(msg, target)
        if len(msg.varbinds) != len(oids):
            raise SnmpError("decode", f"{target.host}:{target.port} answered {len(msg.varbinds)} varbinds for {len(oids)} OIDs")
        oid_of = ber.oid_of
        return [(oid_of(raw)[0], _NO_VALUE[tag] if tag in _NO_VALUE else value) for raw, tag, value in msg.varbinds]

    async def walk(self, target: Target, oid: str) -> list[VarBind]:
        session = self._session(target)
        try:
            root = tuple(int(x) for x in oid.strip(".").split("."))
            root_raw = ber.encode_oid_content(root)
        except ValueError:
            raise SnmpError("config", f"cannot walk {oid!r}: not a dotted OID of at least two arcs") from None
        where = f"{target.host}:{target.port}"
        n_root = len(root_raw)
        last = root
        cursor = ber.tlv(ber.OID, root_raw)
        reps = max(1, target.max_repetitions)
        max_arcs, max_varbinds, max_bytes = target.max_oid_length, target.max_walk_varbinds, target.max_walk_bytes
        seen = octets = 0
        out: list[VarBind] = []
        oid_of = ber.oid_of
        stats = self.stats
        for _ in range(self.max_walk_requests):
            msg = await self._exchange(target, session, pdu.GET_BULK, pdu.encode_varbind(cursor, _NULL), 0, reps)
            if msg.error_status == pdu.TOO_BIG and reps > 1:
                stats["too_big"] += 1
                reps = max(1, reps // 2)
                continue
            self._check_status(msg, target)
            if not msg.varbinds:
                return out
            for raw, tag, value in msg.varbinds:
                if tag == ber.END_OF_MIB_VIEW or len(raw) <= n_root or not raw.startswith(root_raw):
                    return out
                text, arcs = oid_of(raw)
                seen += 1
                octets += len(raw) + (len(value) if isinstance(value, (bytes, str)) else 8)
                if len(arcs) > max_arcs or seen > max_varbinds or octets > max_bytes:
                    stats["limits"] += 1
                    limit = (f"an OID of {len(arcs)} sub-identifiers (max_oid_length {max_arcs})" if len(arcs) > max_arcs
                             else f"more than {max_varbinds} varbinds (max_walk_varbinds)" if seen > max_varbinds
                             else f"more than {max_bytes} octets (max_walk_bytes)")
                    raise SnmpError("limits", f"{where} returned {limit} walking {oid}")
                if arcs <= last:
                    stats["non_increasing"] += 1
                    err = SnmpError("nonIncreasing", f"{where} returned {text} after {'.'.join(map(str, last))} walking {oid}")
                    err.partial = out  # type: ignore[attr-defined]
                    raise err
                last = arcs
                if tag not in _NO_VALUE:
                    out.append((text, value))
            cursor = ber.tlv(ber.OID, raw)
        err = SnmpError("walkTooLong", f"{where}: walking {oid} took more than {self.max_walk_requests} requests")
        err.partial = out  # type: ignore[attr-defined]
        raise err
