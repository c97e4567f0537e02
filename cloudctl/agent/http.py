"""A small HTTP/1.1 server on asyncio streams: enough for Prometheus, probes and reloads.

The standard library keeps the agent's start-up small (uvicorn + starlette add ~50 ms of imports
for five fixed routes). One request per connection (``Connection: close``); bodies are ignored.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger("cloudctl.agent.http")

MAX_HEADER_BYTES = 16 * 1024
READ_TIMEOUT = 10.0
_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 413: "Payload Too Large", 500: "Internal Server Error", 503: "Service Unavailable"}
PROM_TEXT = "text/plain; version=0.0.4; charset=utf-8"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"


Handler = Callable[[Request], Awaitable[Response]]


async def _read_request(reader: asyncio.StreamReader) -> Request | Response:
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_TIMEOUT)
    except asyncio.LimitOverrunError:
        return Response(413, b"request header too large\n")
    except (asyncio.IncompleteReadError, asyncio.TimeoutError, ConnectionError):
        return Response(400, b"incomplete request\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        return Response(400, b"malformed request line\n")
    url = urlsplit(parts[1])
    return Request(parts[0].upper(), url.path, parse_qs(url.query))


async def _serve_one(handler: Handler, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        req = await _read_request(reader)
        if isinstance(req, Request):
            resp = await handler(req)
            head_only = req.method == "HEAD"
        else:
            resp, head_only = req, False
        status_line = f"HTTP/1.1 {resp.status} {_REASONS.get(resp.status, 'Unknown')}\r\n"
        headers = f"Content-Type: {resp.content_type}\r\nContent-Length: {len(resp.body)}\r\nConnection: close\r\n\r\n"
        writer.write((status_line + headers).encode("latin-1"))
        if not head_only:
            writer.write(resp.body)
        await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except ConnectionError:
            pass


async def start(handler: Handler, host: str, port: int) -> asyncio.Server:
    """Listen on host:port (0 = a free port) and serve ``handler``."""
    return await asyncio.start_server(lambda r, w: _serve_one(handler, r, w), host, port, limit=MAX_HEADER_BYTES)
