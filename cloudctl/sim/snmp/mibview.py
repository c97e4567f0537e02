"""One simulated agent's MIB and how it answers GET / GETNEXT / GETBULK (RFC 3416 §4.2).

A :class:`MibView` keeps its objects sorted by OID with each varbind pre-encoded; only values
that change (counters, uptime) are encoded per request. Answers are built with the project's
own codec and follow what net-snmp does: noSuchObject/noSuchInstance on GET, endOfMibView past
the end, GETBULK responses trimmed to fit ``max_size`` (never tooBig), tooBig for a GET that
does not fit.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable

from cloudctl.snmp import ber, pdu
from cloudctl.snmp.cache import ByteBoundedCache

# A value is either fixed (tag, value) or dynamic: a callable returning (tag, value) now.
Dynamic = Callable[[], tuple[int, object]]

_END = b"\x82\x00"
_NO_SUCH_OBJECT = b"\x80\x00"
_NO_SUCH_INSTANCE = b"\x81\x00"


# Column and scalar OIDs repeat across thousands of nodes: parse and encode each once (bounded in
# bytes, like every cache of the SNMP code).
_OIDS: ByteBoundedCache[str, tuple[tuple[int, ...], bytes, bytes]] = ByteBoundedCache(
    32 << 20, lambda k, v: 2 * len(k) + 2 * len(v[1]) + 12 * len(v[0]) + 150)


def _oid(oid: str) -> tuple[tuple[int, ...], bytes, bytes]:
    """(arcs, content octets, full TLV) of a dotted OID."""
    hit = _OIDS.lookup(oid)
    if hit is None:
        arcs = tuple(map(int, oid.split(".")))
        raw = ber.encode_oid_content(arcs)
        hit = _OIDS.put(oid, (arcs, raw, ber.tlv(ber.OID, raw)))
    return hit


class MibView:
    """The objects one agent serves."""

    def __init__(self, objects: dict[str, tuple[int, object] | Dynamic], *, max_size: int = 1472,
                 too_big_over_repetitions: int | None = None) -> None:
        items = sorted(((_oid(o), v) for o, v in objects.items()), key=lambda t: t[0][0])
        self.keys: list[tuple[int, ...]] = [o[0] for o, _ in items]
        self._oid_raw: list[bytes] = [o[1] for o, _ in items]
        self._oid_tlv: list[bytes] = [o[2] for o, _ in items]
        # Pre-encoded varbind for fixed values, the callable for dynamic ones.
        self._vb: list[bytes | Dynamic] = [
            v if callable(v) else pdu.encode_varbind(o[2], ber.encode_value(*v)) for o, v in items
        ]
        self._index = {k: i for i, k in enumerate(self.keys)}
        self._tables = {k[:-1] for k in self.keys}  # column prefixes: GET of a missing row → noSuchInstance
        self.max_size = max_size
        self.too_big_over_repetitions = too_big_over_repetitions

    def __len__(self) -> int:
        return len(self.keys)

    def _varbind(self, i: int) -> bytes:
        v = self._vb[i]
        if isinstance(v, bytes):
            return v
        return pdu.encode_varbind(self._oid_tlv[i], ber.encode_value(*v()))

    def _next(self, arcs: tuple[int, ...]) -> int:
        """Index of the first object strictly after ``arcs`` (len(self) when none)."""
        return bisect.bisect_right(self.keys, arcs)

    def respond(self, req: pdu.Message) -> bytes | None:
        """The encoded v1/v2c Response message to a request, or None for PDUs an agent ignores."""
        body = self.respond_pdu(req, overhead=60 + len(req.community))
        return None if body is None else pdu.wrap(req.version, req.community, body)

    def respond_pdu(self, req: pdu.Message, *, overhead: int = 60, max_size: int | None = None) -> bytes | None:
        """The Response PDU alone (what SNMPv3 wraps in a scoped PDU); ``overhead`` is what the
        wrapping adds, so that the whole message fits in ``max_size`` — the view's own, or the
        requester's if smaller (SNMPv3's msgMaxSize, RFC 3412 §6.1)."""
        n = len(self.keys)
        budget = min(self.max_size, max_size or self.max_size) - overhead
        names = [ber.oid_of(raw) for raw, _, _ in req.varbinds]
        out: list[bytes] = []
        if req.pdu_type == pdu.GET:
            for raw, (_, arcs) in zip((r for r, _, _ in req.varbinds), names):
                i = self._index.get(arcs)
                if i is not None:
                    out.append(self._varbind(i))
                else:
                    missing = _NO_SUCH_INSTANCE if arcs[:-1] in self._tables else _NO_SUCH_OBJECT
                    out.append(pdu.encode_varbind(ber.tlv(ber.OID, raw), missing))
        elif req.pdu_type == pdu.GET_NEXT:
            for raw, (_, arcs) in zip((r for r, _, _ in req.varbinds), names):
                i = self._next(arcs)
                out.append(self._varbind(i) if i < n else pdu.encode_varbind(ber.tlv(ber.OID, raw), _END))
        elif req.pdu_type == pdu.GET_BULK:
            out = self._bulk(req, names, budget)
            if out is None:
                return pdu.encode_pdu(pdu.RESPONSE, req.request_id, pdu.TOO_BIG, 0, [])
        else:
            return None
        if req.pdu_type != pdu.GET_BULK and sum(map(len, out)) > budget:
            return pdu.encode_pdu(pdu.RESPONSE, req.request_id, pdu.TOO_BIG, 0, [])
        return pdu.encode_pdu(pdu.RESPONSE, req.request_id, 0, 0, out)

    def _bulk(self, req: pdu.Message, names: list, budget: int) -> list[bytes] | None:
        """GETBULK varbinds, trimmed from the end to fit ``max_size`` (RFC 3416 §4.2.3: fewer
        varbinds rather than tooBig); None for tooBig (not even one fits, or the test knob)."""
        n = len(self.keys)
        raws = [r for r, _, _ in req.varbinds]
        non_rep = max(0, min(req.error_status, len(names)))
        reps = max(0, req.error_index)
        if self.too_big_over_repetitions is not None and reps > self.too_big_over_repetitions:
            return None
        out: list[bytes] = []
        size = 0

        def add(vb: bytes) -> bool:
            nonlocal size
            if size + len(vb) > budget:
                return False
            out.append(vb)
            size += len(vb)
            return True

        def at(i: int, raw: bytes) -> bytes:
            return self._varbind(i) if i < n else pdu.encode_varbind(ber.tlv(ber.OID, raw), _END)

        for raw, (_, arcs) in zip(raws[:non_rep], names[:non_rep]):
            if not add(at(self._next(arcs), raw)):
                return out or None
        cursors = [(self._next(arcs), raw) for raw, (_, arcs) in zip(raws[non_rep:], names[non_rep:])]
        for _ in range(reps):
            if not cursors:
                break
            for i, raw in cursors:
                if not add(at(i, raw)):
                    return out or None
            if all(i >= n for i, _ in cursors):
                break
            cursors = [(i + 1, self._oid_raw[i]) if i < n else (i, raw) for i, raw in cursors]
        return out
