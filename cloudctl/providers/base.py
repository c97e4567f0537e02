"""What every driver shares: retries with backoff, error bodies, request ids, pagination guards.

A driver is a response parser plus a connection that adds auth headers (libcloud's habit): it
gets an ``httpx.AsyncClient`` from the caller, logs in, and yields pages of
:class:`~cloudctl.model.Resource` per kind. It never prints, never exits, and never puts a
credential into a log line or an exception.
"""

from __future__ import annotations

import asyncio
import email.utils
import heapq
import itertools
import json
import logging
import random
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timezone
from typing import Any

import httpx

from cloudctl.config import ProviderBase
from cloudctl.errors import AuthError, PaginationError, ProviderError, ThrottledError
from cloudctl.model import Resource
from cloudctl.secrets import Secret

log = logging.getLogger("cloudctl.providers")

RETRY_STATUS = frozenset({429, 502, 503, 504})
REQUEST_ID_HEADERS = ("x-openstack-request-id", "x-compute-request-id", "x-request-id", "x-zstack-request-id")

Page = list[Resource]
FANOUT = 1  # request priority of per-item detail calls (quotas, host inventories): after page chains


def parse_error_body(resp: httpx.Response) -> tuple[str, str]:
    """(code, message) from the error shapes the three clouds use; ("", "") when unknown.

    Shapes: ``{"error_code","error_msg"}`` (Huawei APIG), ``{"code","message"}``,
    ``{"error":{"code","message"|"description"|"details"}}`` (Huawei IAM, ZStack, Keystone),
    ``{"itemNotFound":{"code","message"}}`` (Nova/Cinder), ``{"NeutronError":{"type","message"}}``.
    """
    try:
        body = resp.json()
    except (ValueError, UnicodeDecodeError):
        return "", ""
    if not isinstance(body, dict):
        return "", ""
    if "error_code" in body or "error_msg" in body:
        return str(body.get("error_code", "")), str(body.get("error_msg", ""))
    if "code" in body and "message" in body and not isinstance(body["code"], dict):
        return str(body["code"]), str(body["message"])
    if len(body) == 1:
        key, inner = next(iter(body.items()))
        if isinstance(inner, dict):
            code = inner.get("code") or inner.get("type") or inner.get("error_code") or key
            msg = inner.get("message") or inner.get("description") or inner.get("error_msg") or inner.get("title") or ""
            details = inner.get("details")
            if details and isinstance(details, str) and details not in msg:
                msg = f"{msg}: {details}" if msg else details
            return str(code), str(msg)
        if isinstance(inner, str):
            return key, inner
    return "", ""


def json_of(resp: httpx.Response) -> Any:
    """The JSON body of a response from :meth:`Driver.request`, decoded only once."""
    try:
        return resp._cloudctl_json  # type: ignore[attr-defined]
    except AttributeError:
        return resp.json()


def retry_after(resp: httpx.Response) -> float | None:
    """Seconds to wait from ``Retry-After`` (delta-seconds or an HTTP date)."""
    value = resp.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def parse_time(value: Any) -> str | None:
    """Lenient date parsing to ISO 8601 UTC: ISO strings, epoch ms, "May 11, 2017 1:23:02 PM"."""
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        ts = value / 1000 if value > 1e11 else value
        return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = str(value).strip()
    if text.isdigit():
        return parse_time(int(text))
    # Fast paths for the shapes the APIs send most (tens of thousands per sync).
    if len(text) == 20 and text[10] == "T" and text[19] == "Z":
        return text
    if len(text) in (19, 26) and text[10] in "T " and text[4] == "-" and text[13] == ":":  # naive: UTC
        return text[:10] + "T" + text[11:19] + "Z"
    zstack = _java_medium(text)
    if zstack:
        return zstack
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        dt = None
        for fmt in ("%b %d, %Y %I:%M:%S %p", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f"):
            try:
                dt = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if dt is None:
            return text
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}


def _java_medium(text: str) -> str | None:
    """Java's medium date format ZStack uses, ``May 11, 2017 1:23:02 PM`` (UTC), without strptime."""
    parts = text.replace(",", "").split()
    if len(parts) != 5 or parts[0] not in _MONTHS or parts[4] not in ("AM", "PM"):
        return None
    try:
        day, year = int(parts[1]), int(parts[2])
        h, m, sec = (int(x) for x in parts[3].split(":"))
    except ValueError:
        return None
    h = h % 12 + (12 if parts[4] == "PM" else 0)
    return f"{year:04d}-{_MONTHS[parts[0]]:02d}-{day:02d}T{h:02d}:{m:02d}:{sec:02d}Z"


class Slots:
    """A semaphore whose waiters are served by priority (lower first), then in arrival order.

    Listing chains (page after page, each waiting for the previous) are the critical path of a
    sync; per-item fan-out requests (quotas per project, inventories per host) go second, so
    hundreds of them queued at once cannot stall the long chains behind them.
    """

    def __init__(self, size: int) -> None:
        self._free = size
        self._waiters: list[tuple[int, int, asyncio.Future]] = []
        self._seq = itertools.count()

    async def acquire(self, priority: int = 0) -> None:
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        fut = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (priority, next(self._seq), fut))
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                self.release()  # the slot was handed over just as we were cancelled
            raise

    def release(self) -> None:
        while self._waiters:
            _, _, fut = heapq.heappop(self._waiters)
            if not fut.done():
                fut.set_result(None)
                return
        self._free += 1


class MarkerGuard:
    """Remembers the markers (or page signatures) seen; a repeat raises :class:`PaginationError`."""

    def __init__(self, driver: "Driver", what: str, limit_pages: int = 100_000) -> None:
        self._seen: set[str] = set()
        self._driver = driver
        self._what = what
        self._limit = limit_pages

    def check(self, marker: str) -> None:
        if marker in self._seen or len(self._seen) >= self._limit:
            raise PaginationError(
                f"{self._what}: the API returned marker {marker!r} twice; stopping instead of looping",
                provider=self._driver.name,
                hint="this is a bug in the cloud's API; report it to the operator with the request id from --debug",
            )
        self._seen.add(marker)


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
    ) -> None:
        self.name = name
        self.cfg = cfg
        self.client = client
        self._reveal = reveal or (lambda s: s.reveal())
        self.backoff = backoff
        self.retry_budget = retry_budget
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
        start = time.monotonic()
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
            elapsed = time.monotonic() - start
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
            await asyncio.sleep(delay)

    async def get_json(self, url: str | httpx.URL, params: dict[str, Any] | None = None, what: str = "",
                       headers: dict[str, str] | None = None, priority: int = 0) -> Any:
        return json_of(await self.request("GET", url, params=params, what=what, headers=headers, priority=priority))


async def merge(sources: list[AsyncIterator[Page]], width: int = 8) -> AsyncIterator[Page]:
    """Pages of several listings (e.g. one per project) fetched concurrently, ``width`` at a time.

    A small queue keeps memory bounded; the first failure cancels the rest and is raised.
    """
    queue: asyncio.Queue = asyncio.Queue(maxsize=width * 2)
    done = object()
    pending = iter(sources)
    slots = asyncio.Semaphore(width)

    async def pump(src: AsyncIterator[Page]) -> None:
        async with slots:
            try:
                async for page in src:
                    await queue.put(page)
            except BaseException as exc:  # noqa: BLE001 - handed to the consumer, re-raised there
                await queue.put(exc)
                return
        await queue.put(done)

    tasks = [asyncio.create_task(pump(src)) for src in pending]
    remaining = len(tasks)
    try:
        while remaining:
            item = await queue.get()
            if item is done:
                remaining -= 1
            elif isinstance(item, BaseException):
                raise item
            else:
                yield item
    finally:
        for t in tasks:
            t.cancel()


def next_link(links: list[dict] | None) -> str | None:
    """The ``rel=next`` href of an OpenStack ``*_links`` list."""
    for link in links or ():
        if link.get("rel") == "next":
            return link.get("href")
    return None


def marker_of(url: str) -> str:
    return httpx.URL(url).params.get("marker", url)
