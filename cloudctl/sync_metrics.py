"""``sync --metrics-file``: sync health for node_exporter's textfile collector.

Written atomically after every sync (prometheus_client writes a temporary file beside it and
renames it over the old one, so node_exporter never reads half a file). The timestamps and
resource counts come from the store, so they cover every provider, also those this run did not
sync; ``cloudctl_sync_errors_total`` is a counter kept across runs by adding to the value in the
previous file (a deleted file restarts it at 0, which Prometheus handles as a counter reset).

    cloudctl_sync_last_success_timestamp_seconds{provider}  last committed run (0: never)
    cloudctl_sync_last_run_timestamp_seconds{provider}      last finished attempt
    cloudctl_sync_duration_seconds{provider}                duration of the last attempt
    cloudctl_sync_resources{provider,kind}                  resources in the current data
    cloudctl_sync_errors_total{provider}                    runs that failed or left something stale
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from cloudctl.errors import StoreUnavailable, UsageError
from cloudctl.i18n import t

if TYPE_CHECKING:  # pragma: no cover
    from cloudctl.store import Store
    from cloudctl.sync import SyncResult


def check_target(path: Path) -> None:
    """Fail before syncing when the metrics file cannot be written where asked (exit 2)."""
    if path.suffix != ".prom":
        raise UsageError(t("store.metrics.suffix", path=path), hint=t("store.metrics.suffix_hint"))
    if not path.parent.is_dir():
        raise UsageError(t("store.metrics.no_dir", dir=path.parent), hint=t("store.metrics.dir_hint"))


def _epoch(stamp: str | None) -> float:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp() if stamp else 0.0


def _previous(path: Path) -> tuple[dict[str, float], dict[str, float]]:
    """(errors_total, duration) per provider from the file the last run wrote; empty when unreadable."""
    from prometheus_client.parser import text_string_to_metric_families

    errors: dict[str, float] = {}
    durations: dict[str, float] = {}
    try:
        text = path.read_text(encoding="utf-8")
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                prov = sample.labels.get("provider")
                if prov is None:
                    continue
                if sample.name == "cloudctl_sync_errors_total":
                    errors[prov] = sample.value
                elif sample.name == "cloudctl_sync_duration_seconds":
                    durations[prov] = sample.value
    except (OSError, ValueError):
        return {}, {}
    return errors, durations


class _SyncHealth:
    """A collector built from the store and this run (fresh families, like every collector)."""

    def __init__(self, store: "Store", result: "SyncResult", errors: dict[str, float], durations: dict[str, float]) -> None:
        self.status = store.provider_status()
        self.counts = _current_counts(store)
        self.result = result
        self.errors = errors
        self.durations = durations

    def collect(self) -> Iterator:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        success = GaugeMetricFamily("cloudctl_sync_last_success_timestamp_seconds",
                                    "When the provider's data was last committed by cloudctl sync (0: never)", labels=["provider"])
        run = GaugeMetricFamily("cloudctl_sync_last_run_timestamp_seconds", "When cloudctl sync last finished a run of the provider", labels=["provider"])
        duration = GaugeMetricFamily("cloudctl_sync_duration_seconds", "How long the provider's last sync run took", labels=["provider"])
        resources = GaugeMetricFamily("cloudctl_sync_resources", "Resources of the provider in the store's current data", labels=["provider", "kind"])
        errors = CounterMetricFamily("cloudctl_sync_errors", "Sync runs of the provider that failed or kept stale data", labels=["provider"])
        providers = sorted({s["provider"] for s in self.status} | set(self.result.durations))
        by_name = {s["provider"]: s for s in self.status}
        for prov in providers:
            s = by_name.get(prov, {})
            success.add_metric([prov], _epoch(s.get("last_sync")))
            run.add_metric([prov], _epoch(s.get("last_attempt")))
            duration.add_metric([prov], round(self.result.durations.get(prov, self.durations.get(prov, 0.0)), 3))
            for kind, n in sorted(self.counts.get(prov, {}).items()):
                resources.add_metric([prov, kind], n)
            bad = prov in self.result.failed or prov in self.result.stale
            errors.add_metric([prov], self.errors.get(prov, 0.0) + (1 if bad else 0))
        yield from (success, run, duration, resources, errors)


def _current_counts(store: "Store") -> dict[str, dict[str, int]]:
    """Per provider, the counts of its latest committed run."""
    out: dict[str, dict[str, int]] = {}
    for info in reversed(store.snapshots()):
        for prov, status in info.providers.items():
            if status in ("ok", "partial") and prov not in out:
                out[prov] = info.counts.get(prov, {})
    return out


def write_textfile(path: Path, store: "Store", result: "SyncResult") -> None:
    """Write the sync health metrics to ``path`` atomically."""
    from prometheus_client import CollectorRegistry, write_to_textfile

    check_target(path)
    errors, durations = _previous(path)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_SyncHealth(store, result, errors, durations))  # type: ignore[arg-type]
    try:
        write_to_textfile(os.fspath(path), registry)
    except OSError as exc:
        raise StoreUnavailable(t("store.metrics.write", path=path, cause=exc.strerror), hint=t("store.metrics.dir_hint")) from None


__all__ = ["check_target", "write_textfile"]
