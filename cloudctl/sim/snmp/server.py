"""Serving the simulated fleet on loopback.

Two modes:

- ``addresses``: every node has its own address in 127.0.0.0/8 and the same port. ONE socket
  bound to 0.0.0.0 learns each datagram's destination with ``IP_PKTINFO`` and answers from
  that address (Linux), so 5,000 nodes cost one file descriptor. Datagrams to addresses
  outside 127/8 are ignored.
- ``ports``: every node listens on its own port of 127.0.0.1 (one socket each).

A down node never answers; a slow node answers after ``slow_delay`` seconds; a request with
the wrong community is dropped silently, as real agents do.
"""

from __future__ import annotations

import asyncio
import ipaddress
import resource
import socket
import struct
from dataclasses import dataclass

from cloudctl.sim.snmp.fleet import NodeSpec, build_view
from cloudctl.sim.snmp.mibview import MibView
from cloudctl.sim.snmp.usm import UsmAgent, UsmUser, engine_id_for, is_v3
from cloudctl.snmp import pdu
from cloudctl.snmp.ber import DecodeError
from cloudctl.snmp.v2c import grow_buffers

IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)  # Linux value; Python does not export it
_PKTINFO = struct.Struct("=i4s4s")  # struct in_pktinfo {ifindex; spec_dst; addr}
_CMSG_SPACE = socket.CMSG_SPACE(_PKTINFO.size)
_LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")

MODES = ("addresses", "ports")


def loopback_address(i: int) -> str:
    """The i-th node's address in addresses mode: 127.1.0.1, 127.1.0.2, … (no .0 / .255 hosts)."""
    host = 1 + i % 254
    mid = (i // 254) % 256
    top = 1 + i // (254 * 256)
    if top > 254:
        raise ValueError("too many nodes for 127.0.0.0/8")
    return f"127.{top}.{mid}.{host}"


@dataclass
class _Node:
    spec: NodeSpec
    host: str
    index: int
    port: int = 0
    view: MibView | None = None
    usm: UsmAgent | None = None


class FleetServer:
    """Serve ``specs`` over SNMPv2c on loopback until :meth:`close`."""

    def __init__(self, specs: list[NodeSpec], *, mode: str = "addresses", community: str = "public",
                 seed: int = 0, slow_delay: float = 0.8, port: int = 0, v3_users: list[UsmUser] = ()) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        self.mode = mode
        self.community = community.encode()
        self.seed = seed
        self.slow_delay = slow_delay
        self.port = port
        self.nodes = [_Node(s, loopback_address(i) if mode == "addresses" else "127.0.0.1", i) for i, s in enumerate(specs)]
        # Master keys once (1 MiB of hashing each); every node localizes them to its engine ID.
        self._v3_keys = {u.name: (u, *u.master_keys()) for u in v3_users}
        self._by_host = {n.host: n for n in self.nodes} if mode == "addresses" else {}
        self._socks: list[socket.socket] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self.stats = dict.fromkeys(("received", "answered", "down", "wrong_community", "garbage", "unknown_address", "send_failed"), 0)

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self, *, prebuild: bool = True) -> None:
        """Bind the socket(s); with ``prebuild``, build every node's MIB first (in slices, so the
        loop stays responsive) so the first sweep is not slowed by lazy construction."""
        self._loop = asyncio.get_running_loop()
        if prebuild:
            for i, n in enumerate(self.nodes):
                if n.view is None and not n.spec.down:
                    n.view = build_view(n.spec, seed=self.seed)
                if i % 200 == 199:
                    await asyncio.sleep(0)
        if self.mode == "addresses":
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
            grow_buffers(sock, 16 << 20, send=True)  # room for a burst of thousands of polls
            sock.bind(("0.0.0.0", self.port))
            sock.setblocking(False)
            self.port = sock.getsockname()[1]
            for n in self.nodes:
                n.port = self.port
            self._socks.append(sock)
            self._loop.add_reader(sock.fileno(), self._drain_pktinfo, sock)
            return
        _raise_fd_limit(len(self.nodes) + 64)
        for n in self.nodes:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind((n.host, 0))
            sock.setblocking(False)
            n.port = sock.getsockname()[1]
            self._socks.append(sock)
            self._loop.add_reader(sock.fileno(), self._drain_plain, sock, n)

    def close(self) -> None:
        for sock in self._socks:
            if self._loop is not None:
                self._loop.remove_reader(sock.fileno())
            sock.close()
        self._socks.clear()

    def addresses(self) -> dict[str, str]:
        """node id → ``host:port`` where the simulator serves it."""
        return {n.spec.id: f"{n.host}:{n.port}" for n in self.nodes}

    # --- receive and answer ----------------------------------------------------------------------

    def _drain_pktinfo(self, sock: socket.socket) -> None:
        for _ in range(256):  # bounded, so one busy socket cannot starve the loop
            try:
                data, anc, _flags, addr = sock.recvmsg(65535, _CMSG_SPACE)
            except (BlockingIOError, InterruptedError):
                return
            dest = None
            for level, kind, cdata in anc:
                if level == socket.IPPROTO_IP and kind == IP_PKTINFO and len(cdata) >= _PKTINFO.size:
                    dest = socket.inet_ntoa(_PKTINFO.unpack(cdata[: _PKTINFO.size])[2])
            node = self._by_host.get(dest) if dest else None
            self.stats["received"] += 1
            if node is None:
                self.stats["unknown_address"] += 1
                continue
            self._handle(sock, node, data, addr, dest)

    def _drain_plain(self, sock: socket.socket, node: _Node) -> None:
        for _ in range(64):
            try:
                data, addr = sock.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            self.stats["received"] += 1
            self._handle(sock, node, data, addr, None)

    def _handle(self, sock: socket.socket, node: _Node, data: bytes, addr: tuple, source: str | None) -> None:
        if node.spec.down:
            self.stats["down"] += 1
            return
        if node.view is None:
            node.view = build_view(node.spec, seed=self.seed)
        try:
            if self._v3_keys and is_v3(data):
                if node.usm is None:
                    node.usm = UsmAgent(engine_id_for(node.index), self._v3_keys)
                reply = node.usm.handle(data, node.view.respond_pdu)
            else:
                req = pdu.decode_message(data)
                if req.version != pdu.VERSION_2C or req.community != self.community:
                    self.stats["wrong_community"] += 1
                    return
                reply = node.view.respond(req)
        except DecodeError:
            self.stats["garbage"] += 1
            return
        if reply is None:
            return
        if node.spec.slow and self._loop is not None:
            self._loop.call_later(self.slow_delay, self._send, sock, reply, addr, source)
        else:
            self._send(sock, reply, addr, source)

    def _send(self, sock: socket.socket, reply: bytes, addr: tuple, source: str | None) -> None:
        if sock.fileno() < 0:
            return  # closed while a slow answer was pending
        try:
            if source is None:
                sock.sendto(reply, addr)
            else:
                info = _PKTINFO.pack(0, socket.inet_aton(source), b"\0\0\0\0")
                sock.sendmsg([reply], [(socket.IPPROTO_IP, IP_PKTINFO, info)], 0, addr)
            self.stats["answered"] += 1
        except OSError:
            self.stats["send_failed"] += 1


def _raise_fd_limit(wanted: int) -> None:
    """Ports mode needs one descriptor per node: lift the soft limit towards the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= wanted:
        return
    new = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
    if new < wanted:
        raise OSError(24, f"ports mode needs {wanted} file descriptors, the hard limit is {hard}; use --mode addresses")
