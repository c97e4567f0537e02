"""One DingTalk robot's lane: a bounded queue, DingTalk's rate limit, batching and retries.

DingTalk lets a custom robot post 20 messages a minute and blocks it for 10 minutes beyond that.
A lane never exceeds ``rate_limit`` sends in any ``rate_window`` (every attempt counts). Each
notification goes out as its own message while the window has room; once it is full,
notifications pile up and go out merged into one message when the next slot opens — so a storm
of alerts becomes a few long messages instead of a blocked robot. A newer notification
of the same alert group replaces a queued older one (Alertmanager sends the whole group each time).

A failed attempt is retried with exponential backoff when DingTalk or the network may recover
(timeouts, 5xx, errcode -1, errcode 130101 after ``throttled_pause``); a refusal (errcode 310000,
300001, …) is not. The queue is bounded in bytes; :meth:`Lane.offer` refuses beyond it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from cloudctl.alerts.config import DingTalkSettings, Limits, RobotCredentials
from cloudctl.alerts.dingtalk import Outcome
from cloudctl.alerts.message import Message
from cloudctl.alerts.metrics import RelayStats
from cloudctl.alerts.payload import Notification
from cloudctl.i18n import t

log = logging.getLogger("cloudctl.alerts.relay")

MAX_BATCH = 50  # notifications considered for one merged message

Send = Callable[[RobotCredentials, Message, bool], Awaitable[Outcome]]
Render = Callable[[list[Notification]], Message]


class Clock:
    """Monotonic time and an interruptible sleep; tests pass a fake one."""

    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float, interrupt: asyncio.Event) -> None:
        """Sleep ``seconds``, or less when ``interrupt`` is set."""
        try:
            await asyncio.wait_for(interrupt.wait(), timeout=max(0.0, seconds))
        except asyncio.TimeoutError:
            pass


class RateWindow:
    """At most ``limit`` sends in any ``window`` seconds."""

    def __init__(self, limit: int, window: float) -> None:
        self._limit = limit
        self._window = window
        self._sent: deque[float] = deque()

    def wait(self, now: float) -> float:
        """Seconds until the next send is allowed (0: now)."""
        while self._sent and now - self._sent[0] >= self._window:
            self._sent.popleft()
        return 0.0 if len(self._sent) < self._limit else self._sent[0] + self._window - now

    def record(self, now: float) -> None:
        self._sent.append(now)


@dataclass
class _Queued:
    notification: Notification
    size: int  # bytes of the webhook body it came in


class Lane:
    def __init__(self, robot: RobotCredentials, send: Send, render: Render, settings: DingTalkSettings,
                 limits: Limits, stats: RelayStats, clock: Clock | None = None) -> None:
        self.robot = robot
        self._send = send
        self._render = render
        self._settings = settings
        self._limits = limits
        self._stats = stats
        self._clock = clock or Clock()
        self._window = RateWindow(settings.rate_limit, settings.rate_window)
        self._queue: OrderedDict[str, _Queued] = OrderedDict()
        self._bytes = 0
        self._wake = asyncio.Event()
        self._closing = asyncio.Event()
        self._never = asyncio.Event()
        self._deadline: float | None = None

    @property
    def name(self) -> str:
        return self.robot.name

    @property
    def depth(self) -> tuple[int, int]:
        """(notifications, bytes) waiting."""
        return len(self._queue), self._bytes

    def offer(self, n: Notification, size: int) -> bool:
        """Queue a notification; False when the queue would exceed ``limits.max_queue`` or the lane is closing."""
        if self._closing.is_set():
            return False
        old = self._queue.get(n.group_key)
        total = self._bytes - (old.size if old else 0) + size
        if total > self._limits.max_queue:
            return False
        if old is not None:  # the group's newer state replaces the one still waiting, in its place
            self._stats.dropped[(self.name, "superseded")] += 1
        self._queue[n.group_key] = _Queued(n, size)
        self._bytes = total
        self._stats.received[self.name] += 1
        self._wake.set()
        return True

    def close(self, deadline: float) -> None:
        """Stop taking notifications; send what is queued until ``deadline`` (monotonic), then stop."""
        self._deadline = deadline
        self._closing.set()
        self._wake.set()

    async def run(self) -> None:
        merge = False  # set after waiting for the rate window: what piled up goes out as one message
        while True:
            if not self._queue:
                if self._closing.is_set():
                    return
                merge = False
                self._wake.clear()
                await self._wake.wait()
                continue
            wait = self._window.wait(self._clock.now())
            if wait > 0:
                if not await self._pause(wait):
                    break
                merge = True
                continue
            batch = self._take(merge)
            merge = False
            if not await self._deliver(batch):
                break
        self._drop(len(self._queue))
        self._queue.clear()
        self._bytes = 0

    async def _pause(self, seconds: float) -> bool:
        """Wait ``seconds``. False when the shutdown deadline comes first (the wait is cut short)."""
        end = self._clock.now() + seconds
        while (now := self._clock.now()) < end:
            if self._deadline is None:
                await self._clock.sleep(end - now, self._closing)  # close() wakes it to apply the deadline
            elif now >= self._deadline:
                return False
            else:
                await self._clock.sleep(min(end, self._deadline) - now, self._never)
        return True

    def _take(self, merge: bool) -> list[Notification]:
        """The oldest notification; with ``merge``, as many of the oldest as fit in one message."""
        items = list(self._queue.items())[:MAX_BATCH if merge else 1]
        taken = [items[0]]
        for item in items[1:]:
            candidate = [q.notification for _, q in taken + [item]]
            if len(self._render(candidate).text.encode("utf-8")) > self._limits.max_message:
                break
            taken.append(item)
        for key, q in taken:
            del self._queue[key]
            self._bytes -= q.size
        return [q.notification for _, q in taken]

    async def _deliver(self, batch: list[Notification]) -> bool:
        """Send one message with retries. False when the shutdown deadline cut it off."""
        message = self._render(batch)
        if len(batch) > 1:
            self._stats.merged[self.name] += len(batch)
        mention = any(n.firing for n in batch)
        s = self._settings
        for attempt in range(1, s.max_attempts + 1):
            wait = self._window.wait(self._clock.now())
            if wait > 0 and not await self._pause(wait):
                self._drop(len(batch))
                return False
            self._window.record(self._clock.now())
            outcome = await self._send(self.robot, message, mention)
            self._stats.attempts[(self.name, outcome.kind)] += 1
            if outcome.ok:
                self._stats.delivered[self.name] += 1
                self._stats.delivered_alerts[self.name] += message.alerts
                return True
            if not outcome.retry or attempt == s.max_attempts:
                self._stats.failed[(self.name, outcome.kind)] += 1
                self._stats.failed_alerts[self.name] += message.alerts
                hint = t("alerts.relay.hint.rejected" if outcome.kind == "rejected" else "alerts.relay.hint.transient")
                log.error(t("alerts.relay.failed", robot=self.name, reason=outcome.detail or outcome.kind, alerts=message.alerts, hint=hint))
                return True
            backoff = s.throttled_pause if outcome.kind == "throttled" else min(s.retry_backoff * 2 ** (attempt - 1), s.retry_backoff_max)
            log.warning(t("alerts.relay.retry", robot=self.name, reason=outcome.detail or outcome.kind, seconds=round(backoff, 1), attempt=attempt + 1))
            if not await self._pause(backoff):
                self._drop(len(batch))
                return False
        return True  # pragma: no cover - the loop always returns

    def _drop(self, n: int) -> None:
        if n:
            self._stats.dropped[(self.name, "shutdown")] += n
            log.warning(t("alerts.relay.dropped", robot=self.name, n=n))
