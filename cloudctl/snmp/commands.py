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
        return await self.walk_columns(target, [oid])

    async def walk_columns(self, target: Target, oids: list[str], *, max_repetitions: int | None = None) -> list[VarBind]:
        """Every varbind under each of ``oids``, column after column.

        The columns of one table are walked together: each GETBULK carries one varbind per
        column not yet finished, so the answer holds max-repetitions rows of all of them (RFC
        3416 §4.2.3, the way net-snmp's snmptable reads a table) — one request where a walk per
        column would send one each. A column ends where its OIDs leave its subtree.
        ``max_repetitions`` (e.g. the table's size last time, plus one) lowers the target's.
        """
        session = self._session(target)
        where = f"{target.host}:{target.port}"
        columns = [_Column(oid) for oid in oids]
        reps = max(1, min(target.max_repetitions, max_repetitions or target.max_repetitions))
        max_arcs, max_varbinds, max_bytes = target.max_oid_length, target.max_walk_varbinds, target.max_walk_bytes
        seen = octets = 0
        oid_of = ber.oid_of
        stats = self.stats
        for _ in range(self.max_walk_requests):
            todo = [c for c in columns if not c.done]
            if not todo:
                return _rows(columns)
            body = b"".join([pdu.encode_varbind(c.cursor, _NULL) for c in todo])
            msg = await self._exchange(target, session, pdu.GET_BULK, body, 0, reps)
            if msg.error_status == pdu.TOO_BIG and reps > 1:
                stats["too_big"] += 1
                reps = max(1, reps // 2)
                continue
            self._check_status(msg, target)
            if not msg.varbinds:
                return _rows(columns)
            k = len(todo)
            for i, (raw, tag, value) in enumerate(msg.varbinds):
                c = todo[i % k]  # the answer is row after row of the columns asked for
                if c.done:
                    continue
                if tag == ber.END_OF_MIB_VIEW or len(raw) <= c.n_root or not raw.startswith(c.root_raw):
                    c.done = True
                    continue
                text, arcs = oid_of(raw)
                seen += 1
                octets += len(raw) + (len(value) if isinstance(value, (bytes, str)) else 8)
                if len(arcs) > max_arcs or seen > max_varbinds or octets > max_bytes:
                    stats["limits"] += 1
                    limit = (f"an OID of {len(arcs)} sub-identifiers (max_oid_length {max_arcs})" if len(arcs) > max_arcs
                             else f"more than {max_varbinds} varbinds (max_walk_varbinds)" if seen > max_varbinds
                             else f"more than {max_bytes} octets (max_walk_bytes)")
                    raise SnmpError("limits", f"{where} returned {limit} walking {c.oid}")
                if arcs <= c.last:
                    stats["non_increasing"] += 1
                    err = SnmpError("nonIncreasing", f"{where} returned {text} after {'.'.join(map(str, c.last))} walking {c.oid}")
                    err.partial = _rows(columns)  # type: ignore[attr-defined]
                    raise err
                c.last = arcs
                c.cursor_raw = raw
                if tag not in _NO_VALUE:
                    c.rows.append((text, value))
            for c in todo:
                if not c.done and c.cursor_raw is not None:
                    c.cursor = ber.tlv(ber.OID, c.cursor_raw)
                    c.cursor_raw = None
        err = SnmpError("walkTooLong", f"{where}: walking {', '.join(oids)} took more than {self.max_walk_requests} requests")
        err.partial = _rows(columns)  # type: ignore[attr-defined]
        raise err


class _Column:
    """One subtree being walked: where it starts, how far it got, what it read."""

    __slots__ = ("oid", "root_raw", "n_root", "last", "cursor", "cursor_raw", "rows", "done")

    def __init__(self, oid: str) -> None:
        try:
            self.cursor = ber.encode_oid(oid)  # memoised: the same columns are walked on every node
        except ValueError:
            raise SnmpError("config", f"cannot walk {oid!r}: not a dotted OID of at least two arcs") from None
        _, start, _ = ber.read_header(self.cursor, 0, len(self.cursor))
        self.root_raw = self.cursor[start:]
        self.oid = oid
        self.n_root = len(self.root_raw)
        self.last = ber.oid_of(self.root_raw)[1]
        self.cursor_raw: bytes | None = None
        self.rows: list[VarBind] = []
        self.done = False


def _rows(columns: list[_Column]) -> list[VarBind]:
    return [vb for c in columns for vb in c.rows]
