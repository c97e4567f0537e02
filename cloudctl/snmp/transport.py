"""The shared UDP transport: one socket per address family for every target and both SNMP
versions, and the matching of each datagram to an outstanding request on its first octets.

A datagram is read into one preallocated buffer. Before anything is copied or decoded it must
pass, in this order (#11):

1. size: at most :data:`MAX_DATAGRAM` octets (and at most the target's ``max_response_bytes``);
2. its first octets: a SEQUENCE, the version, then the request-id (SNMPv1/v2c, after the
   community) or the msgID (SNMPv3, first field of msgGlobalData) — read in place by :func:`peek`;
3. an outstanding request under that id, of the same SNMP version;
4. the sender: the exact address and port the request went to.

Only then is the datagram copied out of the buffer and handed to the request's ``accept``
function (the protocol's own checks: community, digest, decryption, PDU decoding), which returns
the result or None to drop it. Every drop is counted in :attr:`Transport.stats` by reason.
Timeouts are timer callbacks, not tasks: a dead node costs one timer per attempt.
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
import socket
from collections.abc import Callable
from typing import Any

from cloudctl.snmp.base import SnmpError
from cloudctl.snmp.cache import ByteBoundedCache

# RFC 3417 transport over IPv4 UDP carries at most 65,507 octets; nothing longer is SNMP.
MAX_DATAGRAM = 65_507
_BUFFER = 65_536  # one more than any UDP payload over IPv4 and loopback IPv6 can hold here

STAT_KEYS = (
    "datagrams",  # datagrams read from the shared sockets
    "garbage",  # not even an SNMP message header (SEQUENCE, version, request-id / msgID)
    "unknown_request_id",  # no request waiting under that id (late, duplicate or forged)
    "wrong_version",  # the id is pending, but for another SNMP version
    "wrong_address",  # the id matches but the sender is not the target
    "too_large",  # over MAX_DATAGRAM or the target's max_response_bytes: dropped unread
    "send_errors",  # the kernel refused a datagram (buffer full, no route)
)

RECEIVE_BUFFER = 4 << 20  # thousands of answers can land at once; the 208 KiB default drops them


def grow_buffers(sock: socket.socket, size: int = RECEIVE_BUFFER, *, send: bool = False) -> None:
    """Enlarge a UDP socket's receive (and optionally send) buffer; the FORCE options pass
    ``net.core.rmem_max`` when running as root, the plain ones are capped by it."""
    pairs = [("SO_RCVBUFFORCE", "SO_RCVBUF")] + ([("SO_SNDBUFFORCE", "SO_SNDBUF")] if send else [])
    for force, plain in pairs:
        for name in (force, plain):
            option = getattr(socket, name, None)
            if option is None:
                continue
            try:
                sock.setsockopt(socket.SOL_SOCKET, option, size)
                break
            except OSError:
                continue


def _length(buf: Any, pos: int, end: int) -> tuple[int, int]:
    """(content length, content start) of the BER length at ``pos``; (-1, 0) when malformed."""
    if pos >= end:
        return -1, 0
    n = buf[pos]
    if n < 0x80:
        return n, pos + 1
    if n == 0x81 and pos + 1 < end:
        return buf[pos + 1], pos + 2
    if n == 0x82 and pos + 2 < end:
        return (buf[pos + 1] << 8) | buf[pos + 2], pos + 3
    return -1, 0


def _small_int(buf: Any, pos: int, end: int) -> tuple[int, int]:
    """(value, next position) of a non-negative INTEGER of 1-5 octets at ``pos``; (-1, 0) otherwise."""
    if pos + 2 > end or buf[pos] != 0x02:
        return -1, 0
    n = buf[pos + 1]
    pos += 2
    if not 1 <= n <= 5 or pos + n > end or buf[pos] & 0x80:
        return -1, 0
    v = 0
    for i in range(pos, pos + n):
        v = (v << 8) | buf[i]
    return v, pos + n


def peek(buf: Any, end: int) -> tuple[int, int] | None:
    """(SNMP version field, request-id or msgID) read in place from the first octets of a
    datagram (``buf[:end]``, any buffer type); None when they are not an SNMP message header."""
    if end < 8 or buf[0] != 0x30:
        return None
    n, pos = _length(buf, 1, end)
    if n < 0 or pos + n != end:
        return None
    version, pos = _small_int(buf, pos, end)
    if version == 3:  # msgGlobalData: SEQUENCE { msgID, ... }
        if pos >= end or buf[pos] != 0x30:
            return None
        n, pos = _length(buf, pos + 1, end)
        if n < 0:
            return None
        msg_id, _ = _small_int(buf, pos, end)
        return None if msg_id < 0 else (3, msg_id)
    if version not in (0, 1):
        return None
    if pos >= end or buf[pos] != 0x04:  # community
        return None
    n, pos = _length(buf, pos + 1, end)
    if n < 0:
        return None
    pos += n
    if pos >= end or buf[pos] & 0xE0 != 0xA0:  # a context-specific constructed PDU tag
        return None
    n, pos = _length(buf, pos + 1, end)
    if n < 0:
        return None
    request_id, _ = _small_int(buf, pos, end)
    return None if request_id < 0 else (version, request_id)


# accept(datagram, request) -> the request's result, or None to drop the datagram (and keep waiting)
Accept = Callable[[bytes, "Request"], Any]


class Request:
    """One outstanding request: who must answer, how big the answer may be, who checks it."""

    __slots__ = ("waiter", "host", "port", "v3", "max_bytes", "accept", "context", "oversize")

    def __init__(self, host: str, port: int, v3: bool, max_bytes: int, accept: Accept, context: Any) -> None:
        self.waiter: asyncio.Future | None = None
        self.host = host
        self.port = port
        self.v3 = v3
        self.max_bytes = max_bytes
        self.accept = accept
        self.context = context
        self.oversize = 0  # size of the last matching datagram dropped as too large


class _Socket:
    """A non-blocking UDP socket drained on readiness into one preallocated buffer.

    asyncio's datagram transport reads one datagram per event-loop iteration and allocates a
    64 KiB bytes object for each; under a sweep thousands of answers queue up, and draining them
    in one callback saves an epoll round and a loop iteration per answer.
    """

    def __init__(self, family: int, on_readable: Callable[[socket.socket], None]) -> None:
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            self.sock.setblocking(False)
            self.sock.bind(("0.0.0.0", 0) if family == socket.AF_INET else ("::", 0))
            grow_buffers(self.sock)
        except OSError:
            self.sock.close()
            raise
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self.sock.fileno(), on_readable, self.sock)

    def sendto(self, data: bytes, addr: tuple) -> bool:
        try:
            self.sock.sendto(data, addr)
            return True
        except OSError:  # buffer full, unreachable: the request times out and is retried
            return False

    def close(self) -> None:
        if self.sock.fileno() >= 0:
            self._loop.remove_reader(self.sock.fileno())
            self.sock.close()


def _expire(waiter: asyncio.Future) -> None:
    if not waiter.done():
        waiter.set_result(None)


class Transport:
    """The shared sockets, the outstanding requests by id, and the datagram-level counters."""

    def __init__(self) -> None:
        self.stats: dict[str, int] = dict.fromkeys(STAT_KEYS, 0)
        self.pending: dict[int, Request] = {}
        self._sockets: dict[int, _Socket] = {}
        # host text → (family, canonical address); bounded in bytes like every cache here
        self._hosts: ByteBoundedCache[str, tuple[int, str]] = ByteBoundedCache(1 << 20, lambda k, v: 2 * len(k) + len(v[1]))
        self.known_host = self._hosts.lookup  # host → (family, address) once resolved, else None (no coroutine)
        self._buffer = bytearray(_BUFFER)
        self._view = memoryview(self._buffer)
        self._next_id = random.randrange(1, 2**30)

    def local_address(self, family: int = socket.AF_INET) -> tuple | None:
        """The (address, port) the shared socket of ``family`` is bound to, once opened."""
        s = self._sockets.get(family)
        return s.sock.getsockname() if s is not None else None

    # --- sockets and addresses -------------------------------------------------------------------

    def _open(self, family: int) -> _Socket:
        s = self._sockets.get(family)
        if s is None:
            try:
                s = self._sockets[family] = _Socket(family, self._drain)
            except OSError as exc:
                raise SnmpError("socket", f"cannot open a UDP socket: {exc.strerror}") from None
        return s

    async def resolve(self, host: str) -> tuple[int, str]:
        """(address family, canonical address text) — how replies' source addresses look."""
        hit = self._hosts.lookup(host)
        if hit is not None:
            return hit
        try:
            ip = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_DGRAM)
            except socket.gaierror as exc:
                raise SnmpError("resolve", f"cannot resolve {host}: {exc.strerror}") from None
            ip = ipaddress.ip_address(infos[0][4][0])
        hit = (socket.AF_INET if ip.version == 4 else socket.AF_INET6, str(ip))
        self._hosts.put(host, hit)
        return hit

    def new_id(self) -> int:
        """A request-id / msgID not outstanding now (1 … 2^31-1)."""
        rid = self._next_id
        while rid in self.pending:
            rid = rid % (2**31 - 1) + 1
        self._next_id = rid % (2**31 - 1) + 1
        return rid

    # --- receive path ------------------------------------------------------------------------------

    def _drain(self, sock: socket.socket) -> None:
        recv = sock.recvfrom_into
        buf, view, stats, pending = self._buffer, self._view, self.stats, self.pending
        for _ in range(512):  # bounded: a flood cannot starve the loop
            try:
                n, addr = recv(buf)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # e.g. ICMP errors reported on the socket; nothing to read
                return
            stats["datagrams"] += 1
            if n > MAX_DATAGRAM:
                stats["too_large"] += 1
                continue
            ids = peek(buf, n)
            if ids is None:
                stats["garbage"] += 1
                continue
            req = pending.get(ids[1])
            if req is None or req.waiter is None or req.waiter.done():
                stats["unknown_request_id"] += 1
                continue
            if req.v3 != (ids[0] == 3):
                stats["wrong_version"] += 1
                continue
            if addr[1] != req.port or addr[0] != req.host:
                stats["wrong_address"] += 1
                continue
            if n > req.max_bytes:
                stats["too_large"] += 1
                req.oversize = n
                continue
            result = req.accept(bytes(view[:n]), req)
            if result is not None:
                req.waiter.set_result(result)

    # --- requests ------------------------------------------------------------------------------------

    async def exchange(self, rid: int, req: Request, family: int, data: bytes, timeout: float, retries: int,
                       stats: dict[str, int], what: str) -> Any:
        """Send ``data`` (retrying with the same id and bytes, so a late answer to an earlier
        attempt still counts) until ``req.accept`` returns a result. Raises ``SnmpError`` with
        kind ``timeout`` — or ``limits`` when the only answers were over the size limit."""
        sock = self._sockets.get(family) or self._open(family)
        loop = asyncio.get_running_loop()
        dest = (req.host, req.port)
        pending = self.pending
        try:
            for attempt in range(max(0, retries) + 1):
                waiter = req.waiter = loop.create_future()
                pending[rid] = req
                stats["requests"] += 1
                if attempt:
                    stats["retries"] += 1
                if not sock.sendto(data, dest):
                    self.stats["send_errors"] += 1
                timer = loop.call_later(timeout, _expire, waiter)
                try:
                    result = await waiter
                finally:
                    timer.cancel()
                if result is not None:
                    return result
        finally:
            if pending.get(rid) is req:
                del pending[rid]
        stats["timeouts"] += 1
        if req.oversize:
            raise SnmpError("limits", f"{what} answered with a datagram of {req.oversize} octets, over max_response_bytes ({req.max_bytes})")
        raise SnmpError("timeout", f"no response from {what} after {retries + 1} attempt(s)")

    def close(self) -> None:
        for req in list(self.pending.values()):
            if req.waiter is not None and not req.waiter.done():
                req.waiter.set_result(None)
        for s in self._sockets.values():
            s.close()
        self._sockets.clear()
