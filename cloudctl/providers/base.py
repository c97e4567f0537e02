"""What every driver shares: HTTP with bounded retries, auth hooks, request ids, error mapping.

A driver is a response parser plus a connection that adds auth headers (libcloud's habit): it
gets an ``httpx.AsyncClient`` from the caller, logs in, and yields pages of
:class:`~cloudctl.model.Resource` per kind. It never prints, never exits, and never puts a
credential into a log line or an exception.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx

from cloudctl.config import ProviderBase
from cloudctl.errors import AuthError, ProviderError, ThrottledError
from cloudctl.providers.paging import Page, Slots
from cloudctl.providers.wire import json_of, parse_error_body, retry_after
from cloudctl.secrets import Secret

log = logging.getLogger("cloudctl.providers")

RETRY_STATUS = frozenset({429, 502, 503, 504})
REQUEST_ID_HEADERS = ("x-openstack-request-id", "x-compute-request-id", "x-request-id", "x-zstack-request-id")

FANOUT = 1  # request priority of per-item detail calls (quotas, host inventories): after page chains


class Driver:
    """Base of the drivers: HTTP with retries, auth hooks, error parsing.

    Subclasses set ``driver`` and ``kinds``, implement :meth:`login` (and :meth:`logout`),
    :meth:`_auth_headers` and :meth:`pages`.
    """

    driver = ""
    kinds: tuple[str, ...] = ()

    def __init__(
        self,
        name: str,
        cfg: ProviderBase,
        client: httpx.AsyncClient,
        *,
        reveal: Callable[[Secret], str] | None = None,
        backoff: float = 0.5,
        retry_budget: float = 60.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.cfg = cfg
        self.client = client
        self._reveal = reveal or (lambda s: s.reveal())
        self.backoff = backoff
        self.retry_budget = retry_budget
        # The waits between retries and the clock that bounds them (tests pass their own to
        # check a wait without spending it).
        self._sleep = sleep
        self._clock = clock
        self.requests = 0
        self.retries = 0
        self._slots = Slots(cfg.concurrency)  # bounded concurrency per provider, chains first

    def secret(self, s: Secret) -> str:
        return self._reveal(s)

    # -- to override -------------------------------------------------------------------------
    async def login(self) -> None:
        """Authenticate (and discover endpoints)."""

    async def logout(self) -> None:
        """End the session, when the protocol has one."""

    async def _auth_headers(self, method: str, url: httpx.URL, headers: dict[str, str], body: bytes) -> dict[str, str]:
        return headers

    async def _reauth(self, sent: dict[str, str]) -> bool:
        """Called after a 401 with the headers that were refused; True retries the request.

        Drivers renew the token only when ``sent`` still carries the current one: under
        concurrency another request may already have renewed it, and then a retry is enough.
        """
        return False

    def pages(self, kind: str) -> AsyncIterator[Page]:
        raise NotImplementedError

    def retryable(self, resp: httpx.Response) -> bool:
        """Whether a failed response is worth another try (drivers add vendor throttle codes).

        A 500 is retried for GET only: listing is idempotent, and a transient fault of one page
        should not cost the whole provider's snapshot.
        """
        return resp.status_code in RETRY_STATUS or (resp.status_code == 500 and resp.request.method == "GET")

    # -- HTTP --------------------------------------------------------------------------------
    def _error(self, resp: httpx.Response, what: str) -> ProviderError:
        code, msg = parse_error_body(resp)
        rid = next((resp.headers[h] for h in REQUEST_ID_HEADERS if h in resp.headers), "")
        text = f"{what}: {msg}" if msg else f"{what} failed"
        kwargs = dict(provider=self.name, http_status=resp.status_code, request_id=rid, code=code, url=str(resp.request.url.copy_with(query=None)))
        if resp.status_code in (401, 403):
            return AuthError(text, hint=f"check the credentials of provider '{self.name}' in the config", **kwargs)
        if resp.status_code == 429:
            return ThrottledError(text, hint="the cloud is throttling; retry later or lower 'concurrency' for this provider", **kwargs)
        return ProviderError(text, **kwargs)

    def _delay(self, attempt: int, resp: httpx.Response | None) -> float:
        jitter = random.uniform(0, min(10.0, self.backoff * 2**attempt))  # full jitter
        hinted = retry_after(resp) if resp is not None else None
        # Retry-After is a minimum: concurrent requests told "0" must not all come back at once.
        return max(hinted, jitter) if hinted is not None else jitter

    async def request(
        self,
        method: str,
        url: str | httpx.URL,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        what: str = "",
        auth: bool = True,
        ok: tuple[int, ...] = (),
        priority: int = 0,
    ) -> httpx.Response:
        """One API call with bounded retries (429/502/503/504, connection errors, cut bodies)."""
        what = what or f"{method} {httpx.URL(str(url)).path}"
        body = b"" if json_body is None else json.dumps(json_body, separators=(",", ":")).encode()
        full = httpx.URL(str(url), params=params) if params else httpx.URL(str(url))
        start = self._clock()
        reauths = 0  # one renewal after a 401; a few more when other requests renewed meanwhile
        attempt = 0
        while True:
            hdrs = {"Accept": "application/json", **(headers or {})}
            if body:
                hdrs["Content-Type"] = "application/json"
            if auth:
                hdrs = await self._auth_headers(method, full, hdrs, body)
            self.requests += 1
            resp: httpx.Response | None = None
            problem: str
            try:
                await self._slots.acquire(priority)
                try:
                    resp = await self.client.request(method, full, headers=hdrs, content=body or None, timeout=self.cfg.timeout)
                    await resp.aread()
                finally:
                    self._slots.release()
                rid = next((resp.headers[h] for h in REQUEST_ID_HEADERS if h in resp.headers), "-")
                log.debug("%s %s %s -> %s request-id=%s", self.name, method, full.path, resp.status_code, rid)
                if resp.status_code < 400 or resp.status_code in ok:
                    if resp.status_code != 204 and resp.content and "json" in resp.headers.get("content-type", "json"):
                        # Parsed once here (a truncated body is a transient failure: retry it)
                        # and kept on the response for json_of(); decoding twice cost a third of sync's CPU.
                        resp._cloudctl_json = resp.json()  # type: ignore[attr-defined]
                    return resp
                if resp.status_code == 401 and auth and reauths < 3:
                    reauths += 1
                    if await self._reauth(hdrs):
                        continue
                if not self.retryable(resp):
                    raise self._error(resp, what)
                problem = f"HTTP {resp.status_code}"
            except httpx.TransportError as exc:
                problem = type(exc).__name__
                resp = None
            except ValueError:
                problem = "truncated or invalid JSON body"
            elapsed = self._clock() - start
            delay = self._delay(attempt, resp)
            if attempt >= self.cfg.max_retries or elapsed + delay > self.retry_budget:
                if resp is not None and resp.status_code >= 400:
                    raise self._error(resp, what)
                raise ProviderError(
                    f"{what}: {problem} after {attempt + 1} attempts",
                    provider=self.name,
                    hint=f"is the endpoint reachable? raise 'timeout' or 'max_retries' for provider '{self.name}' if the cloud is slow",
                )
            attempt += 1
            self.retries += 1
            log.debug("%s %s %s: %s, retry %d in %.2fs", self.name, method, full.path, problem, attempt, delay)
            await self._sleep(delay)

    async def get_json(self, url: str | httpx.URL, params: dict[str, Any] | None = None, what: str = "",
                       headers: dict[str, str] | None = None, priority: int = 0) -> Any:
        return json_of(await self.request("GET", url, params=params, what=what, headers=headers, priority=priority))
