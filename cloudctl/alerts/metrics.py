"""The relay's own ``/metrics``: what arrived, what was refused, delivered, failed and dropped.

Plain counters in :class:`RelayStats` (the lanes and the server write them); :class:`RelayCollector`
builds fresh metric families from them on every scrape, on a registry passed in. Names start with
``cloudctl_alerts_relay_`` and pass ``promtool check metrics`` (tested on the real endpoint).
Every robot's series exist from the start (at 0), so ``rate()`` and absence alerts work at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

P = "cloudctl_alerts_relay_"
REJECT_REASONS = ("malformed_json", "invalid_payload", "too_large", "content_type", "incomplete", "unknown_robot", "queue_full", "shutting_down")


@dataclass
class RelayStats:
    received: Counter = field(default_factory=Counter)  # robot -> notifications queued
    rejected: Counter = field(default_factory=Counter)  # reason -> requests refused
    attempts: Counter = field(default_factory=Counter)  # (robot, result) -> HTTP attempts to DingTalk
    delivered: Counter = field(default_factory=Counter)  # robot -> messages DingTalk took (errcode 0)
    delivered_alerts: Counter = field(default_factory=Counter)  # robot -> alerts in them
    failed: Counter = field(default_factory=Counter)  # (robot, reason) -> messages given up
    failed_alerts: Counter = field(default_factory=Counter)  # robot -> alerts in them
    dropped: Counter = field(default_factory=Counter)  # (robot, reason) -> notifications never sent
    merged: Counter = field(default_factory=Counter)  # robot -> notifications sent merged with others


class RelayCollector(Collector):
    def __init__(self, stats: RelayStats, robots: list[str], queues: Callable[[], dict[str, tuple[int, int]]]) -> None:
        self._s = stats
        self._robots = sorted(robots)
        self._queues = queues  # robot -> (notifications, bytes)

    def describe(self) -> list[Metric]:
        return []

    def _per_robot(self, name: str, doc: str, counts: Counter) -> CounterMetricFamily:
        fam = CounterMetricFamily(P + name, doc, labels=["robot"])
        for r in self._robots:
            fam.add_metric([r], counts.get(r, 0))
        return fam

    def collect(self) -> Iterator[Metric]:
        s = self._s
        yield self._per_robot("notifications_received", "Alertmanager notifications accepted and queued, by robot", s.received)
        rej = CounterMetricFamily(P + "requests_rejected", "Webhook requests refused, by reason (bad input is answered 400)", labels=["reason"])
        for reason in sorted(set(REJECT_REASONS) | set(s.rejected)):
            rej.add_metric([reason], s.rejected.get(reason, 0))
        yield rej
        att = CounterMetricFamily(P + "send_attempts", "HTTP requests to DingTalk, by robot and result (ok, throttled, busy, rejected, http, network, bad_response)", labels=["robot", "result"])
        for (robot, result), n in sorted(s.attempts.items()):
            att.add_metric([robot, result], n)
        yield att
        yield self._per_robot("messages_delivered", "DingTalk messages posted (errcode 0), by robot", s.delivered)
        yield self._per_robot("alerts_delivered", "Alerts in the messages posted, by robot", s.delivered_alerts)
        failed = CounterMetricFamily(P + "messages_failed", "DingTalk messages given up after the last attempt, by robot and reason of the last failure", labels=["robot", "reason"])
        for (robot, reason), n in sorted(s.failed.items()):
            failed.add_metric([robot, reason], n)
        yield failed
        yield self._per_robot("alerts_failed", "Alerts in the messages given up, by robot", s.failed_alerts)
        dropped = CounterMetricFamily(P + "notifications_dropped", "Notifications never sent: superseded by a newer one of the same group while queued, or still queued at shutdown", labels=["robot", "reason"])
        for (robot, reason), n in sorted(s.dropped.items()):
            dropped.add_metric([robot, reason], n)
        yield dropped
        yield self._per_robot("notifications_merged", "Notifications sent merged with others into one message (rate limit), by robot", s.merged)
        queues = self._queues()
        qn = GaugeMetricFamily(P + "queue_notifications", "Notifications waiting to be sent, by robot", labels=["robot"])
        qb = GaugeMetricFamily(P + "queue_bytes", "Webhook bytes waiting to be sent, by robot (bounded by limits.max_queue)", labels=["robot"])
        for r in self._robots:
            n, b = queues.get(r, (0, 0))
            qn.add_metric([r], n)
            qb.add_metric([r], b)
        yield qn
        yield qb
