"""The simulators' listening socket: connections they accept send small responses without Nagle's delay."""

from __future__ import annotations

import asyncio
import socket

from cloudctl.sim.serve import bind_free_port


def test_accepted_connections_have_tcp_nodelay():
    """asyncio sets TCP_NODELAY only when the listening socket's proto is IPPROTO_TCP (not 0).

    Without it every small response on a kept-alive connection waited ~40 ms for the client's
    delayed ACK, and the sync benchmark measured that wait rather than the clients.
    """
    async def main() -> list[int]:
        sock = bind_free_port()
        seen: list[int] = []

        async def accepted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            seen.append(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(accepted, sock=sock)
        async with server:
            _, writer = await asyncio.open_connection(*sock.getsockname()[:2])
            for _ in range(200):
                if seen:
                    break
                await asyncio.sleep(0.01)
            writer.close()
        return seen

    assert asyncio.run(main()) == [1]
