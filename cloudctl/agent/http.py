"""A small HTTP/1.1 server on asyncio streams: enough for Prometheus, probes and reloads.

The standard library keeps the agent's start-up small (uvicorn + starlette add ~50 ms of imports
for five fixed routes). One request per connection (``Connection: close``); bodies are ignored.

With a web config (:mod:`cloudctl.agent.webconfig`) the server speaks TLS and every request
passes, before any handler runs: the rate limit (429), ``client_allowed_sans`` (403) and basic
auth (401; bcrypt runs in a worker thread, at most two at a time, so a flood of wrong passwords
cannot stall ``/metrics``). Time and size are bounded per connection: the TLS handshake and the
request head must arrive within ``READ_TIMEOUT``, the head within ``MAX_HEADER_BYTES``, and at
most ``MAX_CONNECTIONS`` are served at once.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:  # pragma: no cover - imported when a web config is given (pydantic models cost start-up)
    from cloudctl.agent.webconfig import WebConfig

log = logging.getLogger("cloudctl.agent.http")

MAX_HEADER_BYTES = 16 * 1024
READ_TIMEOUT = 10.0
MAX_CONNECTIONS = 256
_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
            413: "Payload Too Large", 429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}
PROM_TEXT = "text/plain; version=0.0.4; charset=utf-8"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str] = field(default_factory=dict)  # names in lower case
    user: str = ""  # the basic-auth user, once authenticated


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request], Awaitable[Response]]
WebSource = Callable[[], "WebConfig | None"]  # the web config in force (it changes on reload)


class TokenBucket:
    """``burst`` requests at once, then one per ``interval`` seconds (thread-safe, monotonic clock)."""

    def __init__(self, interval: float, burst: int, clock=time.monotonic) -> None:  # noqa: ANN001
        self.interval, self.burst, self._clock = interval, burst, clock
        self._tokens, self._at = float(burst), clock()
        self._lock = threading.Lock()

    def take(self) -> float:
        """0 if allowed now, else the seconds until the next request would be."""
        if self.interval <= 0:
            return 0.0
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._at) / self.interval)
            self._at = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) * self.interval


async def _read_request(reader: asyncio.StreamReader) -> Request | Response:
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_TIMEOUT)
    except asyncio.LimitOverrunError:
        return Response(413, b"request header too large\n")
    except (asyncio.IncompleteReadError, asyncio.TimeoutError, ConnectionError, OSError):
        return Response(400, b"incomplete request\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        return Response(400, b"malformed request line\n")
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    url = urlsplit(parts[1])
    return Request(parts[0].upper(), url.path, parse_qs(url.query), headers)


class Server:
    """Serves ``handler`` behind the guards of the current web config."""

    def __init__(self, handler: Handler, web: WebSource) -> None:
        self.handler = handler
        self.web = web
        self.active = 0
        self._bcrypt = asyncio.Semaphore(2)

    async def _guard(self, req: Request, writer: asyncio.StreamWriter, web: "WebConfig") -> Response | None:
        from cloudctl.agent.webconfig import BasicAuth, peer_allowed

        if web.limiter is not None:
            wait = web.limiter.take()
            if wait:
                return Response(429, b"too many requests\n", headers={"Retry-After": str(max(1, round(wait)))})
        if web.ssl_context is not None and not peer_allowed(writer.get_extra_info("peercert"), web.allowed_sans):
            return Response(403, b"client certificate not allowed\n")
        if web.auth is not None:
            creds = BasicAuth.parse_header(req.headers.get("authorization", ""))
            ok = False
            if creds is not None:
                async with self._bcrypt:
                    ok = await asyncio.to_thread(web.auth.check, *creds)
            if not ok:
                return Response(401, b"Unauthorized\n", headers={"WWW-Authenticate": 'Basic realm="cloudctl-agent", charset="UTF-8"'})
            req.user = creds[0]  # type: ignore[index]
        return None

    async def serve_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.active += 1
        web = self.web()
        try:
            if self.active > MAX_CONNECTIONS:
                resp, head_only = Response(503, b"too many connections\n"), False
            else:
                req = await _read_request(reader)
                if isinstance(req, Request):
                    resp = (await self._guard(req, writer, web) if web else None) or await self.handler(req)
                    head_only = req.method == "HEAD"
                else:
                    resp, head_only = req, False
            extra = {**(web.headers if web else {}), **resp.headers}
            lines = [f"HTTP/1.1 {resp.status} {_REASONS.get(resp.status, 'Unknown')}", f"Content-Type: {resp.content_type}",
                     f"Content-Length: {len(resp.body)}", "Connection: close", *(f"{k}: {v}" for k, v in extra.items())]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
            if not head_only:
                writer.write(resp.body)
            await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self.active -= 1
            writer.close()
            try:
                await writer.wait_closed()
            except (ConnectionError, OSError):
                pass


async def start(handler: Handler, host: str, port: int, web: "WebSource | WebConfig | None" = None) -> asyncio.Server:
    """Listen on host:port (0 = a free port) and serve ``handler`` (over TLS when the web config says so).

    Raises OSError when the address cannot be bound (in use, not local, privileged port).
    """
    source: WebSource = web if callable(web) else (lambda: web)  # type: ignore[assignment,return-value]
    first = source()
    ctx = first.ssl_context if first is not None else None
    server = Server(handler, source)
    return await asyncio.start_server(server.serve_one, host, port, limit=MAX_HEADER_BYTES, ssl=ctx,
                                      ssl_handshake_timeout=READ_TIMEOUT if ctx else None)
