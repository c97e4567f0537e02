"""What every cloud simulator shares: request ids, fault injection, tokens, JSON and paging helpers.

A simulator is a Starlette app wrapped in :class:`SimLayer`, a plain ASGI middleware that stamps
a request id on every response, applies the configured :class:`Faults` and renders injected
errors in the simulator's own error shape. ``GET /_sim/stats`` (a path no cloud API uses) answers
what the simulator served: API requests answered by path, and faults fired by kind.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from cloudctl.sim.faults import Faults

STATS_PATH = "/_sim/stats"
Clock = Callable[[], float]
# (status, message, path, request id) -> error body in the simulator's shape
ErrorShape = Callable[[int, str, str, str], dict]


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(data, status, headers=headers, media_type="application/json")


def request_id(request: Request) -> str:
    return request.scope.get("state", {}).get("request_id", "")


class SimLayer:
    """ASGI middleware: request id header, latency, 429 bursts, 5xx errors, truncated bodies."""

    def __init__(
        self,
        app: Callable,
        faults: Faults,
        *,
        request_id_header: str,
        make_request_id: Callable[[], str],
        error_shape: ErrorShape,
        is_auth: Callable[[str, str], bool],
        tokens: TokenStore | None = None,
    ) -> None:
        self.app = app
        self.tokens = tokens  # the simulator's tokens/sessions, for tests that check revocation
        self.faults = faults
        self.header = request_id_header.lower().encode()
        self.make_request_id = make_request_id
        self.error_shape = error_shape
        self.is_auth = is_auth
        self.answered: Counter = Counter()  # "METHOD /path" -> requests passed to the API (not faulted)

    def stats(self) -> dict:
        """What ``GET /_sim/stats`` answers."""
        return {"answered": dict(self.answered), "faults": dict(self.faults.fired)}

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == STATS_PATH and scope["method"] == "GET":
            await json_response(self.stats())(scope, receive, send)
            return
        rid = self.make_request_id()
        scope.setdefault("state", {})["request_id"] = rid
        delay = self.faults.latency()
        if delay:
            await asyncio.sleep(delay)
            self.faults.fired["latency"] += 1
        exempt = self.is_auth(scope["method"], scope["path"])
        fate = None if exempt else self.faults.next_request(scope["path"])
        if fate is not None:
            status = 429 if fate == "throttle" else self.faults.error_status()
            message = "Rate limit exceeded, retry later." if status == 429 else "The server has either erred or is incapable of performing the requested operation."
            headers = {"Retry-After": _seconds(self.faults.retry_after)} if status == 429 else {}
            response = json_response(self.error_shape(status, message, scope["path"], rid), status, headers)
            await response(scope, receive, self._stamp(send, rid, truncate=False))
            self.faults.fired[fate] += 1
            return
        truncate = not exempt and self.faults.truncate()
        self.answered[f"{scope['method']} {scope['path']}"] += 1
        await self.app(scope, receive, self._stamp(send, rid, truncate))

    def _stamp(self, send: Callable, rid: str, truncate: bool) -> Callable[[dict], Awaitable[None]]:
        start: dict | None = None

        async def wrapped(message: dict) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (self.header, rid.encode())]
                if truncate and message["status"] == 200:
                    start = message  # hold until the body is known
                    return
            elif message["type"] == "http.response.body" and start is not None:
                body = message.get("body", b"")
                cut = body[: max(1, len(body) // 2)]
                start["headers"] = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
                start["headers"].append((b"content-length", str(len(cut)).encode()))
                await send(start)
                start = None
                message = {"type": "http.response.body", "body": cut, "more_body": False}
                self.faults.fired["truncate"] += 1
            await send(message)

        return wrapped


def _seconds(s: float) -> str:
    return str(int(s)) if float(s).is_integer() else str(max(1, round(s)))


@dataclass
class Token:
    value: str
    expires_at: float
    context: dict[str, Any]
    uses: int = 0


@dataclass
class TokenStore:
    """Issued tokens/sessions; they expire by time (``token_ttl``) or use count (``token_uses``).

    ``issued`` and ``revoked`` record every value handed out and every one revoked, in order, so
    tests can assert that a client revokes what it creates; a revoked value is refused.
    """

    faults: Faults
    clock: Clock = time.time
    tokens: dict[str, Token] = field(default_factory=dict)
    issued: list[str] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)

    def issue(self, **context: Any) -> Token:
        tok = Token(secrets.token_hex(16), self.clock() + self.faults.token_ttl, context)
        self.tokens[tok.value] = tok
        self.issued.append(tok.value)
        return tok

    def check(self, value: str | None, *, count: bool = True) -> tuple[Token | None, str]:
        """The live token, or None and why not (``missing``, ``unknown``, ``revoked``, ``expired``).

        ``count=False`` does not spend one of the token's uses (revocation itself).
        """
        if not value:
            return None, "missing"
        tok = self.tokens.get(value)
        if tok is None:
            return None, "revoked" if value in self.revoked else "unknown"
        if count:
            tok.uses += 1
        if self.clock() >= tok.expires_at or (self.faults.token_uses and tok.uses > self.faults.token_uses):
            self.faults.fired["token_expired"] += 1
            return None, "expired"
        return tok, ""

    def revoke(self, value: str) -> bool:
        found = self.tokens.pop(value, None) is not None
        if found:
            self.revoked.append(value)
        return found

    def live(self) -> list[str]:
        """Values issued and not revoked (expired ones included: they were never ended)."""
        return [v for v in self.issued if v in self.tokens]


def new_uuid() -> str:
    return str(uuid.uuid4())


class Fail(Exception):
    """Raised by a handler to answer with an error body in the simulator's shape."""

    def __init__(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


async def fail_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Fail)
    return json_response(exc.body, exc.status, exc.headers)


class MarkerError(LookupError):
    """The marker names no item of the listing."""


def marker_page(items: Sequence, marker: str | None, limit: int, key: Callable[[Any], str] = lambda x: x.id) -> tuple[list, bool]:
    """One page after ``marker``: (items, more_remain). Raises :class:`MarkerError`."""
    start = 0
    if marker:
        for i, item in enumerate(items):
            if key(item) == marker:
                start = i + 1
                break
        else:
            raise MarkerError(marker)
    page = list(items[start : start + limit])
    return page, start + limit < len(items)


class Rendered:
    """Memo of rendered API objects: each view of each revision of an item renders once.

    Items changed through a write API bump their ``rev``, so the next read renders them anew.
    """

    def __init__(self) -> None:
        self._memo: dict[tuple, dict] = {}

    def __call__(self, render: Callable[..., dict], item: Any, *view: Any) -> dict:
        key = (id(render.__func__) if hasattr(render, "__func__") else id(render), item.id, getattr(item, "rev", 0), *view)
        out = self._memo.get(key)
        if out is None:
            out = self._memo[key] = render(item, *view)
        return out


def int_param(request: Request, name: str, default: int, lo: int = 0, hi: int | None = None) -> int:
    """An integer query parameter; ValueError with a readable message when bad."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"Invalid {name} value '{raw}': must be an integer") from None
    if value < lo or (hi is not None and value > hi):
        raise ValueError(f"Invalid {name} value {value}: must be between {lo} and {hi if hi is not None else 'unbounded'}")
    return value


def iso(d) -> str:  # noqa: ANN001
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def base_url(request: Request) -> str:
    """scheme://host:port of this request, for links the client should follow."""
    return f"{request.url.scheme}://{request.url.netloc}"
