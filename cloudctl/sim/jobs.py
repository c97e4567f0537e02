"""Asynchronous operations of the simulated clouds: accepted now, done a little later.

Real clouds answer a stop or (on ZStack) any write with "accepted" and finish the work in the
background: Huawei ECS hands out a ``job_id`` to poll, ZStack a job location, Nova moves the
server through ``task_state: powering-off``. A :class:`Jobs` keeps such work with the time it is
due and runs whatever is due at the start of every request (no background task, so an in-process
ASGI app and a clock passed in by a test behave exactly like the served one).
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Clock = Callable[[], float]

DEFAULT_JOB_SECONDS = 0.05


class JobFailed(Exception):
    """Raised by a job's work: the job ends in failure with this code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class Job:
    id: str
    kind: str
    work: Callable[[], Any]
    created: float
    due: float
    state: str = "running"  # running | succeeded | failed
    result: Any = None
    error: JobFailed | None = None
    finished: float | None = None
    context: dict[str, Any] = field(default_factory=dict)


class Jobs:
    """Pending and finished jobs of one simulator; ``seconds`` is how long each one takes."""

    def __init__(self, seconds: float = DEFAULT_JOB_SECONDS, clock: Clock | None = None) -> None:
        self.seconds = seconds
        self.clock = clock or time.time
        self.jobs: dict[str, Job] = {}
        self._due: list[tuple[float, int, str]] = []
        self._seq = itertools.count()

    def submit(self, job_id: str, kind: str, work: Callable[[], Any], **context: Any) -> Job:
        now = self.clock()
        job = Job(job_id, kind, work, now, now + self.seconds, context=context)
        self.jobs[job_id] = job
        heapq.heappush(self._due, (job.due, next(self._seq), job_id))
        if self.seconds <= 0:
            self.run_due()
        return job

    def run_due(self) -> None:
        """Finish every job whose time has come, in the order they were due."""
        now = self.clock()
        while self._due and self._due[0][0] <= now:
            _, _, jid = heapq.heappop(self._due)
            job = self.jobs[jid]
            try:
                job.result = job.work()
                job.state = "succeeded"
            except JobFailed as exc:
                job.error, job.state = exc, "failed"
            job.finished = now

    def get(self, job_id: str) -> Job | None:
        self.run_due()
        return self.jobs.get(job_id)
