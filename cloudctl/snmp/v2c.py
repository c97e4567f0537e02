"""The SNMPv2c client: one UDP socket per address family for every target, request-id dispatch.

Each request registers a future under its request-id; the socket's receive callback decodes
the datagram with our own codec and completes the matching future — only if the reply comes
from the address the request went to, carries the same community and is a Response. Anything
else is dropped and counted in :attr:`V2cClient.stats` (the agent exports these as metrics).
Timeouts are timer callbacks, not tasks, so a dead node costs one timer per attempt and never
delays another node.
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
import socket

from cloudctl.snmp import ber, pdu
from cloudctl.snmp.base import (
    END_OF_MIB_VIEW,
    NO_SUCH_INSTANCE,
    NO_SUCH_OBJECT,
    SnmpError,
    Target,
    VarBind,
)
from cloudctl.snmp.ber import DecodeError

_NO_VALUE = {ber.NO_SUCH_OBJECT: NO_SUCH_OBJECT, ber.NO_SUCH_INSTANCE: NO_SUCH_INSTANCE, ber.END_OF_MIB_VIEW: END_OF_MIB_VIEW}

# Counters exposed in ``stats`` (a fixed set of keys, so the map stays bounded).
STAT_KEYS = (
    "requests",  # request PDUs sent, retries included
    "retries",  # attempts after the first
    "timeouts",  # requests that got no answer after all retries
    "responses",  # responses accepted
    "garbage",  # datagrams that are not well-formed SNMPv1/v2c
    "unknown_request_id",  # no request waiting under that id (late, duplicate or forged)
    "wrong_address",  # the id matches but the sender is not the target
    "wrong_community",
    "unexpected_pdu",  # a well-formed message that is not a Response
    "too_big",  # tooBig answers (GETBULK max-repetitions halved)
    "non_increasing",  # walks stopped because the agent returned a non-increasing OID
    "error_status",  # responses with another non-zero error-status
    "send_errors",  # the kernel refused a datagram (buffer full, no route)
)

MAX_WALK_REQUESTS = 10_000  # a walk that never ends is an agent bug, not a reason to run forever


class _Socket:
    """A non-blocking UDP socket read by draining it on readiness.

    asyncio's datagram transport reads one datagram per event-loop iteration; under a sweep
    thousands of answers queue up, and draining them in one callback saves an epoll round and
    a loop iteration per answer (about a third of the client's CPU per request).
    """

    def __init__(self, family: int, on_datagram) -> None:  # noqa: ANN001
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            self.sock.setblocking(False)
            self.sock.bind(("0.0.0.0", 0) if family == socket.AF_INET else ("::", 0))
            grow_buffers(self.sock)
        except OSError:
            self.sock.close()
            raise
        self._on_datagram = on_datagram
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self.sock.fileno(), self._drain)

    def _drain(self) -> None:
        recv = self.sock.recvfrom
        handle = self._on_datagram
        for _ in range(512):  # bounded: a flood cannot starve the loop
            try:
                data, addr = recv(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # e.g. ICMP errors reported on the socket; nothing to read
                return
            handle(data, addr)

    def sendto(self, data: bytes, addr: tuple) -> bool:
        try:
            self.sock.sendto(data, addr)
            return True
        except OSError:  # buffer full, unreachable: the request times out and is retried
            return False

    def sockname(self) -> tuple:
        return self.sock.getsockname()

    def close(self) -> None:
        if self.sock.fileno() >= 0:
            self._loop.remove_reader(self.sock.fileno())
            self.sock.close()


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


def _expire(waiter: asyncio.Future) -> None:
    if not waiter.done():
        waiter.set_result(None)


class V2cClient:
    """SNMPv2c GET/WALK for any number of targets over one socket per address family."""

    def __init__(self, *, max_walk_requests: int = MAX_WALK_REQUESTS) -> None:
        self.max_walk_requests = max_walk_requests
        self.stats: dict[str, int] = dict.fromkeys(STAT_KEYS, 0)
        # request-id → (waiter, host, port, community)
        self._pending: dict[int, tuple[asyncio.Future, str, int, bytes]] = {}
        self._transports: dict[int, _Socket] = {}
        self._hosts: dict[str, tuple[int, str]] = {}
        self._next_id = random.randrange(1, 2**30)

    @property
    def pending(self) -> int:
        """Requests waiting for an answer right now (bounded by the caller's concurrency)."""
        return len(self._pending)

    def local_address(self, family: int = socket.AF_INET) -> tuple | None:
        """The (address, port) the shared socket of ``family`` is bound to, once opened."""
        tr = self._transports.get(family)
        return tr.sockname() if tr is not None else None

    # --- sockets ------------------------------------------------------------------------------

    def _open(self, family: int) -> _Socket:
        tr = self._transports.get(family)
        if tr is None:
            try:
                tr = self._transports[family] = _Socket(family, self._on_datagram)
            except OSError as exc:
                raise SnmpError("socket", f"cannot open a UDP socket: {exc.strerror}") from None
        return tr

    async def _resolve(self, host: str) -> tuple[int, str]:
        """(address family, canonical address text) — how replies' source addresses look."""
        hit = self._hosts.get(host)
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
        self._hosts[host] = hit
        return hit

    # --- receive path ---------------------------------------------------------------------------

    def _on_datagram(self, data: bytes, addr: tuple) -> None:
        stats = self.stats
        try:
            msg = pdu.decode_message(data)
        except DecodeError:
            stats["garbage"] += 1
            return
        entry = self._pending.get(msg.request_id)
        if entry is None:
            stats["unknown_request_id"] += 1
            return
        waiter, host, port, community = entry
        if addr[1] != port or addr[0] != host:
            stats["wrong_address"] += 1
            return
        if msg.community != community:
            stats["wrong_community"] += 1
            return
        if msg.pdu_type != pdu.RESPONSE:
            stats["unexpected_pdu"] += 1
            return
        if waiter.done():  # a duplicate answer (we retried, both came back)
            stats["unknown_request_id"] += 1
            return
        stats["responses"] += 1
        waiter.set_result(msg)

    # --- requests -----------------------------------------------------------------------------

    def _new_id(self) -> int:
        rid = self._next_id
        while rid in self._pending:
            rid = rid % (2**31 - 1) + 1
        self._next_id = rid % (2**31 - 1) + 1
        return rid

    async def _request(self, target: Target, community: bytes, pdu_type: int, oids: list[str], a: int = 0, b: int = 0) -> pdu.Message:
        resolved = self._hosts.get(target.host)  # fast path: no coroutine for a known host
        family, host = resolved if resolved is not None else await self._resolve(target.host)
        transport = self._transports.get(family) or self._open(family)
        loop = asyncio.get_running_loop()
        rid = self._new_id()
        data = pdu.encode_request(pdu_type, community, rid, oids, a, b)
        dest = (host, target.port)
        stats = self.stats
        try:
            for attempt in range(max(0, target.retries) + 1):
                waiter = loop.create_future()
                # The same request-id on every attempt: a late answer to an earlier one still counts.
                self._pending[rid] = (waiter, host, target.port, community)
                stats["requests"] += 1
                if attempt:
                    stats["retries"] += 1
                if not transport.sendto(data, dest):
                    stats["send_errors"] += 1
                timer = loop.call_later(target.timeout, _expire, waiter)
                try:
                    msg = await waiter
                finally:
                    timer.cancel()
                if msg is not None:
                    return msg
        finally:
            self._pending.pop(rid, None)
        stats["timeouts"] += 1
        raise SnmpError("timeout", f"no response from {target.host}:{target.port} after {target.retries + 1} attempt(s)")

    def _check_status(self, msg: pdu.Message, target: Target) -> None:
        if msg.error_status:
            name = pdu.ERROR_NAMES.get(msg.error_status, f"error{msg.error_status}")
            self.stats["error_status"] += 1
            raise SnmpError(name, f"{target.host}:{target.port} answered {name} (index {msg.error_index})")

    @staticmethod
    def _community(target: Target) -> bytes:
        if target.community is None:
            raise SnmpError("config", f"no community configured for {target.host}:{target.port}")
        return target.community.reveal().encode()

    async def get(self, target: Target, oids: list[str]) -> list[VarBind]:
        msg = await self._request(target, self._community(target), pdu.GET, oids)
        if msg.error_status == pdu.TOO_BIG:
            self.stats["too_big"] += 1
        self._check_status(msg, target)
        if len(msg.varbinds) != len(oids):
            raise SnmpError("decode", f"{target.host}:{target.port} answered {len(msg.varbinds)} varbinds for {len(oids)} OIDs")
        oid_of = ber.oid_of
        return [(oid_of(raw)[0], _NO_VALUE[tag] if tag in _NO_VALUE else value) for raw, tag, value in msg.varbinds]

    async def walk(self, target: Target, oid: str) -> list[VarBind]:
        community = self._community(target)
        try:
            root = tuple(int(x) for x in oid.strip(".").split("."))
            root_raw = ber.encode_oid_content(root)
        except ValueError:
            raise SnmpError("config", f"cannot walk {oid!r}: not a dotted OID of at least two arcs") from None
        n_root = len(root_raw)
        last = root
        cursor = oid
        reps = max(1, target.max_repetitions)
        out: list[VarBind] = []
        oid_of = ber.oid_of
        for _ in range(self.max_walk_requests):
            msg = await self._request(target, community, pdu.GET_BULK, [cursor], 0, reps)
            if msg.error_status == pdu.TOO_BIG and reps > 1:
                self.stats["too_big"] += 1
                reps = max(1, reps // 2)
                continue
            self._check_status(msg, target)
            if not msg.varbinds:
                return out
            for raw, tag, value in msg.varbinds:
                if tag == ber.END_OF_MIB_VIEW or len(raw) <= n_root or not raw.startswith(root_raw):
                    return out
                text, arcs = oid_of(raw)
                if arcs <= last:
                    self.stats["non_increasing"] += 1
                    err = SnmpError(
                        "nonIncreasing", f"{target.host}:{target.port} returned {text} after {'.'.join(map(str, last))} walking {oid}"
                    )
                    err.partial = out  # type: ignore[attr-defined]
                    raise err
                last = arcs
                cursor = text
                if tag not in _NO_VALUE:
                    out.append((text, value))
        err = SnmpError("walkTooLong", f"{target.host}:{target.port}: walking {oid} took more than {self.max_walk_requests} requests")
        err.partial = out  # type: ignore[attr-defined]
        raise err

    async def close(self) -> None:
        for waiter, *_ in list(self._pending.values()):
            if not waiter.done():
                waiter.set_result(None)
        for tr in self._transports.values():
            tr.close()
        self._transports.clear()
