"""Pagination and scheduling helpers: repeated-marker guard, priority slots, merging listings."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import httpx

from cloudctl.errors import AuthError, CloudctlError, PaginationError
from cloudctl.model import Resource

if TYPE_CHECKING:  # pragma: no cover
    from cloudctl.providers.base import Driver

Page = list[Resource]
# What a failed listing raises (besides cancellation): an API error, a transport error, a body
# that does not have the documented shape.
LISTING_ERRORS = (CloudctlError, httpx.HTTPError, KeyError, ValueError, TypeError)


class ScopeFailed:
    """A page item: the listing of one project failed. The other projects' pages still count.

    Sync keeps the previous data of that project's resources of this kind, marked stale
    (staleness is per kind, and per project where the API is per project).
    """

    __slots__ = ("project", "error")

    def __init__(self, project: str, error: BaseException) -> None:
        self.project = project
        self.error = error


async def per_project(project: str, source: AsyncIterator[Page]) -> AsyncIterator[Page]:
    """``source``'s pages; a failure becomes a one-item page ``[ScopeFailed]`` instead of ending the kind.

    Refused credentials still raise: nothing of such a run can be trusted.
    """
    try:
        async for page in source:
            yield page
    except AuthError:
        raise
    except LISTING_ERRORS as exc:
        yield [ScopeFailed(project, exc)]  # type: ignore[list-item]


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
