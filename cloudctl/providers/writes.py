"""What the drivers' write verbs share: their result, quota field names, following a job.

The verbs are small and symmetric with the reads (Terraform's habit): each driver can read one
object back (``read_server``, ``read_project``, ``read_quota``) and change it (``tag_server``,
``stop_server``, ``create_project``, ``set_quota``); it knows nothing of plans. A driver lists
what it can change in ``writes``; the plan engine marks anything else *unsupported* rather than
guessing an endpoint.

Verbs raise :class:`~cloudctl.errors.ProviderError` (with the cloud's request id) on failure and
follow the clouds' asynchronous jobs to the end, or until ``deadline`` (``time.monotonic()``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from cloudctl.errors import ProviderError

# The quota fields a tenant may declare (inventory tenants[].quota), in one unit each.
QUOTA_FIELDS = ("instances", "vcpus", "ram_mb", "volumes", "volume_gb")
WRITE_VERBS = ("tag", "stop", "project", "quota")
REQUEST_ID_HEADERS = ("x-openstack-request-id", "x-compute-request-id", "x-request-id", "x-zstack-request-id")

T = TypeVar("T")


@dataclass
class WriteResult:
    """What one change did: the cloud's request ids (the write, then the job polls) and its job."""

    request_ids: list[str] = field(default_factory=list)
    job: str = ""
    detail: dict[str, Any] = field(default_factory=dict)  # e.g. the id of a project just created

    @property
    def request_id(self) -> str:
        return self.request_ids[0] if self.request_ids else ""

    def add(self, resp: httpx.Response) -> httpx.Response:
        rid = request_id_of(resp)
        if rid:
            self.request_ids.append(rid)
        return resp


def request_id_of(resp: httpx.Response) -> str:
    return next((resp.headers[h] for h in REQUEST_ID_HEADERS if h in resp.headers), "")


async def follow(provider: str, what: str, poll: Callable[[], Awaitable[T | None]], deadline: float,
                 first: float = 0.05, longest: float = 2.0) -> T:
    """Call ``poll`` until it returns a value (the job finished), backing off, until ``deadline``.

    The first poll waits ``first``: a job just accepted is seldom done at once, and every early
    poll is a request the cloud must answer.
    """
    delay = first
    await asyncio.sleep(first)
    while True:
        done = await poll()
        if done is not None:
            return done
        left = deadline - time.monotonic()
        if left <= 0:
            raise ProviderError(f"{what}: not finished by the deadline", provider=provider,
                                hint="the cloud is still working on it; run `cloudctl plan --refresh` later to see whether it completed, "
                                     "or raise --job-timeout")
        await asyncio.sleep(min(delay, left))
        delay = min(longest, delay * 1.6)
