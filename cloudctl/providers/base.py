"""What every driver shares: HTTP with bounded retries, time and size, single-flight auth, errors.

A driver is a response parser plus a connection that adds auth headers (libcloud's habit): it
gets an ``httpx.AsyncClient`` from the caller, logs in, and yields pages of
:class:`~cloudctl.model.Resource` per kind. It never prints, never exits, and never puts a
credential into a log line or an exception.

Every request is bounded three ways, because the network between us and a cloud is not ours:

- **time**: ``timeout`` is a total deadline for one attempt (connect, send and every read);
  httpx's own timeouts only bound the gap between two reads, so a server trickling one byte
  every few seconds would otherwise hold a request for ever;
- **size**: the body is streamed and reading stops past ``max_response_bytes``;
- **attempts**: ``max_retries`` and a retry budget in seconds.

Session auth (tokens, sessions) is renewed *single-flight*: when many concurrent requests are
refused with 401 at once, one login runs and every one of them waits for it and retries.
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
from cloudctl.i18n import t
from cloudctl.providers.paging import Page, Slots
from cloudctl.providers.wire import json_of, parse_error_body, retry_after
from cloudctl.redact import remember_secret, scrub
from cloudctl.secrets import Secret

log = logging.getLogger("cloudctl.providers")

RETRY_STATUS = frozenset({429, 502, 503, 504})
REQUEST_ID_HEADERS = ("x-openstack-request-id", "x-compute-request-id", "x-request-id", "x-zstack-request-id")

FANOUT = 1  # request priority of per-item detail calls (quotas, host inventories): after page chains
MIN_REAUTHS = 3  # renewals one request may wait for after a 401 (at least; see Driver.request)


class ResponseTooLarge(Exception):
    """A body went past ``max_response_bytes``; reading stopped there."""


class Driver:
    """Base of the drivers: HTTP with retries and bounds, single-flight auth, error parsing.

    Subclasses set ``driver`` and ``kinds``, implement :meth:`login` (and :meth:`logout`),
    :meth:`needs_login`, :meth:`_auth_headers`, :meth:`pages` and :meth:`check`.
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
        self.logins = 0  # logins done through the single-flight path (renewals)
        self._slots = Slots(cfg.concurrency)  # bounded concurrency per provider, chains first
        self._auth_gen = 0  # bumped by every renewal; a request remembers the one it was sent with
        self._renewal: asyncio.Task | None = None

    def secret(self, s: Secret) -> str:
        value = self._reveal(s)
        remember_secret(value)  # masked in every log line from now on
        return value

    # -- to override -------------------------------------------------------------------------
    async def login(self) -> None:
        """Authenticate (and discover endpoints)."""

    async def logout(self) -> None:
        """End the session or revoke the token, when the protocol has one."""

    def needs_login(self) -> bool:
        """True when the session is missing or about to expire (signed requests: never)."""
        return False

    @property
    def session_auth(self) -> bool:
        """Whether a 401 can be cured by logging in again (tokens, sessions; not signatures)."""
        return False

    async def _auth_headers(self, method: str, url: httpx.URL, headers: dict[str, str], body: bytes) -> dict[str, str]:
        return headers

    async def check(self) -> str:
        """Log in and make the cheapest authenticated read; return the URL it read (``config check --connect``)."""
        raise NotImplementedError

    def pages(self, kind: str) -> AsyncIterator[Page]:
        raise NotImplementedError

    def retryable(self, resp: httpx.Response) -> bool:
        """Whether a failed response is worth another try (drivers add vendor throttle codes).

        A 500 is retried for GET only: listing is idempotent, and a transient fault of one page
        should not cost the whole provider's snapshot.
        """
        return resp.status_code in RETRY_STATUS or (resp.status_code == 500 and resp.request.method == "GET")

    # -- auth --------------------------------------------------------------------------------
    async def _renew(self, seen: int) -> None:
        """Log in again unless someone already did since generation ``seen`` (single-flight).

        The first request refused with 401 starts one login; every other request refused
        meanwhile waits for that same login (and sees its error, if it fails) instead of
        starting its own.
        """
        if seen != self._auth_gen:
            return  # renewed since this request was sent: a retry is enough
        if self._renewal is None or self._renewal.done():
            self._renewal = asyncio.get_running_loop().create_task(self._login_once())
            self._renewal.add_done_callback(lambda t: t.cancelled() or t.exception())  # retrieved even if no one waits
        await asyncio.shield(self._renewal)  # a waiter cancelled (deadline) does not cancel the others' login

    async def _login_once(self) -> None:
        await self.login()
        self.logins += 1
        self._auth_gen += 1

    async def _revoke_token(self, url: str, token: str, what: str) -> None:
        """``DELETE /v3/auth/tokens`` with the token as both caller and subject (Keystone, Huawei IAM)."""
        await self.request("DELETE", url, auth=False, ok=(401, 404), retry=False, what=what,
                           headers={"X-Auth-Token": token, "X-Subject-Token": token})

    async def _revoke_replaced(self, url: str, token: str | None, what: str) -> None:
        """Revoke a token a renewal replaced: renewed before its expiry, it would stay valid after the
        sync. Requests still in flight with it get 401 and retry with the new one (the renewal
        generation has moved on, so they log in no further). A failure here fails nothing."""
        if not token:
            return
        try:
            await self._revoke_token(url, token, what)
        except Exception as exc:  # noqa: BLE001 - the new token works; the old one expires on its own
            log.debug("%s: revoking the replaced token failed: %s", self.name, exc)

    # -- HTTP --------------------------------------------------------------------------------
    def _error(self, resp: httpx.Response, what: str) -> ProviderError:
        code, msg = parse_error_body(resp)
        msg = scrub(msg)  # some clouds echo the refused token or session id in the error body
        rid = next((resp.headers[h] for h in REQUEST_ID_HEADERS if h in resp.headers), "")
        text = f"{what}: {msg}" if msg else f"{what} failed"
        kwargs = dict(provider=self.name, http_status=resp.status_code, request_id=rid, code=code, url=_shown(resp.request.url))
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

    async def _send(self, method: str, url: httpx.URL, headers: dict[str, str], body: bytes) -> httpx.Response:
        """One attempt within the total deadline ``timeout``, reading at most ``max_response_bytes``."""
        limit = self.cfg.max_response_bytes
        async with asyncio.timeout(self.cfg.timeout):
            req = self.client.build_request(method, url, headers=headers, content=body or None, timeout=self.cfg.timeout)
            resp = await self.client.send(req, stream=True)
            try:
                declared = resp.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise ResponseTooLarge(int(declared))
                parts, size = [], 0
                async for chunk in resp.aiter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise ResponseTooLarge(size)
                    parts.append(chunk)
                resp._content = b"".join(parts)  # what Response.aread() keeps; read here under the bounds
            finally:
                await resp.aclose()
        return resp

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
        retry: bool = True,
    ) -> httpx.Response:
        """One API call with bounded retries (429/502/503/504, connection errors, deadlines, cut bodies).

        After a 401 on session auth the request waits for a single-flight renewal and is sent
        again; it does so up to ``max(3, concurrency)`` times, since with ``concurrency`` requests
        in flight a short-lived token may be used up by the others before this one gets its turn.
        ``retry=False`` makes one attempt (logout and revocation at the end of a sync).
        """
        what = what or f"{method} {httpx.URL(str(url)).path}"
        body = b"" if json_body is None else json.dumps(json_body, separators=(",", ":")).encode()
        full = httpx.URL(str(url), params=params) if params else httpx.URL(str(url))
        start = self._clock()
        reauths = 0
        max_reauths = max(MIN_REAUTHS, self.cfg.concurrency)
        attempt = 0
        while True:
            hdrs = {"Accept": "application/json", **(headers or {})}
            if body:
                hdrs["Content-Type"] = "application/json"
            gen = self._auth_gen
            if auth:
                if self.needs_login():
                    await self._renew(gen)
                    gen = self._auth_gen
                hdrs = await self._auth_headers(method, full, hdrs, body)
            self.requests += 1
            resp: httpx.Response | None = None
            problem: str
            try:
                await self._slots.acquire(priority)
                try:
                    resp = await self._send(method, full, hdrs, body)
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
                if resp.status_code == 401 and auth and self.session_auth and reauths < max_reauths:
                    reauths += 1
                    await self._renew(gen)
                    continue
                if not self.retryable(resp):
                    raise self._error(resp, what)
                problem = f"HTTP {resp.status_code}"
            except ResponseTooLarge as exc:
                raise ProviderError(
                    t("security.http.too_large", what=what, limit=self.cfg.max_response_bytes, url=f"{method} {_shown(full)}"),
                    provider=self.name, url=_shown(full),
                    hint=t("security.http.too_large_hint", provider=self.name),
                ) from exc
            except TimeoutError:
                problem = t("security.http.deadline", seconds=f"{self.cfg.timeout:g}")
                resp = None
            except httpx.TransportError as exc:
                cause = str(exc).strip()
                problem = f"{type(exc).__name__}: {cause}" if cause else type(exc).__name__
                resp = None
            except ValueError:
                problem = "truncated or invalid JSON body"
            elapsed = self._clock() - start
            delay = self._delay(attempt, resp)
            if not retry or attempt >= self.cfg.max_retries or elapsed + delay > self.retry_budget:
                if resp is not None and resp.status_code >= 400:
                    raise self._error(resp, what)
                raise ProviderError(
                    t("security.http.gave_up", what=what, problem=problem, attempts=attempt + 1, seconds=f"{elapsed:.1f}", url=f"{method} {_shown(full)}"),
                    provider=self.name, url=_shown(full),
                    hint=t("security.http.gave_up_hint", provider=self.name),
                )
            attempt += 1
            self.retries += 1
            log.debug("%s %s %s: %s, retry %d in %.2fs", self.name, method, full.path, problem, attempt, delay)
            await self._sleep(delay)

    async def get_json(self, url: str | httpx.URL, params: dict[str, Any] | None = None, what: str = "",
                       headers: dict[str, str] | None = None, priority: int = 0) -> Any:
        return json_of(await self.request("GET", url, params=params, what=what, headers=headers, priority=priority))


def _shown(url: httpx.URL) -> str:
    """A URL fit for a message: no query (it may hold filters), no user info."""
    return str(url.copy_with(query=None, userinfo=b""))
