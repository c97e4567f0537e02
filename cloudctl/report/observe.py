"""What the agents saw: per-node observations from ``/metrics`` text or the Prometheus HTTP API.

Both sources become the same :class:`Observations` (node id → up, IPv6, uplink speed, last
success), so the report computes every ratio once, from the inventory plus these observations —
the same definition the agent uses (a site is connected when any of its nodes is up). Per-node
series are used rather than the agent's aggregates because Prometheus merges the county shards
per node, and the county table needs the per-node detail anyway.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from cloudctl.errors import InputError, Location, Problem, UpstreamError

UP = "egov_node_up"
IPV6 = "egov_node_ipv6_enabled"
UPLINK = "egov_node_uplink_speed_bytes"
LAST_SUCCESS = "egov_node_last_success_timestamp_seconds"
# The village trend, summed over every agent shard (each agent counts the sites it owns); a point
# counts for the city only when the shards' villages add up to the inventory's (report/data.py).
VILLAGES_CONNECTED = 'sum(egov_sites_connected{level="village",county="all"})'
VILLAGES_COUNTED = 'sum(egov_sites{level="village",county="all"})'
NODE_METRICS = (UP, IPV6, UPLINK, LAST_SUCCESS)


@dataclass
class NodeObservation:
    up: bool = False
    ipv6: bool | None = None
    uplink_bps: float | None = None  # bits per second
    last_success: float | None = None  # unix seconds; None = never


@dataclass
class Observations:
    source: str  # "metrics" | "prometheus"
    origin: str  # the URL or file read
    nodes: dict[str, NodeObservation] = field(default_factory=dict)
    # series name -> [(unix seconds, value)], from Prometheus range queries ("villages_connected",
    # "villages_counted": sums over the shards)
    trends: dict[str, list[tuple[float, float]]] = field(default_factory=dict)


def _apply(obs: Observations, metric: str, node: str, value: float) -> None:
    if math.isnan(value):
        return
    n = obs.nodes.setdefault(node, NodeObservation())
    # Shards could overlap while being resharded: any "up" wins, the newest success wins.
    if metric == UP:
        n.up = n.up or value >= 1
    elif metric == IPV6:
        n.ipv6 = bool(n.ipv6) or value >= 1
    elif metric == UPLINK:
        n.uplink_bps = max(n.uplink_bps or 0.0, value * 8)
    elif metric == LAST_SUCCESS and value > 0:
        n.last_success = max(n.last_success or 0.0, value)


def merge(parts: list[Observations]) -> Observations:
    """Several agents' observations as one (``--metrics`` given once per agent).

    A node reported by two agents (overlapping shards while resharding) follows the same rule as
    Prometheus' merge in :func:`_apply`: any "up" wins, the newest success wins.
    """
    if len(parts) == 1:
        return parts[0]
    out = Observations(parts[0].source, ", ".join(p.origin for p in parts))
    for part in parts:
        for node, o in part.nodes.items():
            _apply(out, UP, node, 1.0 if o.up else 0.0)
            if o.ipv6 is not None:
                _apply(out, IPV6, node, 1.0 if o.ipv6 else 0.0)
            if o.uplink_bps is not None:
                _apply(out, UPLINK, node, o.uplink_bps / 8)
            if o.last_success is not None:
                _apply(out, LAST_SUCCESS, node, o.last_success)
        for key, points in part.trends.items():
            out.trends.setdefault(key, points)
    return out


def _node_lines(text: str) -> str:
    """Only the lines of the four per-node families (and their HELP/TYPE): an agent's /metrics is
    mostly interface counters and info series, and the parser is the slow part."""
    keep = tuple(f"{m}{c}" for m in NODE_METRICS for c in "{ ") + tuple(f"# {k} {m} " for m in NODE_METRICS for k in ("HELP", "TYPE"))
    return "\n".join(line for line in text.split("\n") if line.startswith(keep)) + "\n"


def parse_metrics(text: str, origin: str) -> Observations:
    """Observations from the agent's Prometheus text exposition."""
    from prometheus_client.parser import text_string_to_metric_families

    obs = Observations("metrics", origin)
    try:
        for family in text_string_to_metric_families(_node_lines(text)):
            for sample in family.samples:
                node = sample.labels.get("node")
                if sample.name in NODE_METRICS and node:
                    _apply(obs, sample.name, node, float(sample.value))
    except ValueError as exc:
        raise InputError(
            Problem(Location(origin), f"not Prometheus text exposition format: {exc}"),
            hint="pass the agent's /metrics URL or a file saved from it",
        ) from None
    return obs


def load_metrics(url_or_file: str, client: httpx.Client | None = None) -> Observations:
    """Read ``/metrics`` from an http(s) URL or a file."""
    if url_or_file.startswith(("http://", "https://")):
        own = client is None
        client = client or httpx.Client(timeout=10.0)
        try:
            resp = client.get(url_or_file)
            resp.raise_for_status()
        except httpx.HTTPError as exc:
            raise UpstreamError(
                f"cannot read agent metrics from {url_or_file}: {type(exc).__name__}: {exc}",
                hint="is cloudctl-agent running? check its listen address (agent.yaml 'listen:')",
            ) from None
        finally:
            if own:
                client.close()
        return parse_metrics(resp.text, url_or_file)
    path = Path(url_or_file)
    try:
        # bytes, not read_text(): universal newlines would split label values holding a raw CR
        # (sysDescr of some switches), which the exposition format allows
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        raise InputError(Problem(Location(str(path)), f"cannot read metrics file: {exc.strerror}"), hint="pass a file saved from the agent's /metrics or its URL") from None
    return parse_metrics(text, str(path))


class PrometheusAPI:
    """The few calls of the Prometheus HTTP API the report needs (instant and range queries)."""

    def __init__(self, url: str, client: httpx.Client) -> None:
        self.url = url.rstrip("/")
        self.client = client

    def _get(self, path: str, params: dict[str, str]) -> dict:
        try:
            resp = self.client.get(self.url + path, params=params)
            body = resp.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise UpstreamError(
                f"Prometheus at {self.url} did not answer {path}: {type(exc).__name__}: {exc}",
                hint="check --prometheus URL (e.g. http://127.0.0.1:9090)",
            ) from None
        if resp.status_code != 200 or body.get("status") != "success":
            raise UpstreamError(
                f"Prometheus at {self.url} refused the query {params.get('query')!r}: HTTP {resp.status_code} {body.get('errorType', '')} {body.get('error', '')}".rstrip(),
                hint="check that this is a Prometheus server scraping cloudctl-agent",
            )
        return body["data"]

    def query(self, expr: str, at: float | None = None) -> list[dict]:
        params = {"query": expr}
        if at is not None:
            params["time"] = f"{at:.3f}"
        return self._get("/api/v1/query", params)["result"]

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[dict]:
        params = {"query": expr, "start": f"{start:.3f}", "end": f"{end:.3f}", "step": f"{step:g}"}
        return self._get("/api/v1/query_range", params)["result"]


def query_prometheus(
    url: str,
    client: httpx.Client | None = None,
    *,
    now: dt.datetime | None = None,
    trend_window: dt.timedelta = dt.timedelta(days=7),
) -> Observations:
    """Observations from a Prometheus that scrapes the agents, plus trends from range queries."""
    own = client is None
    client = client or httpx.Client(timeout=15.0)
    api = PrometheusAPI(url, client)
    at = (now or dt.datetime.now(dt.timezone.utc)).timestamp()
    obs = Observations("prometheus", api.url)
    try:
        for metric in NODE_METRICS:
            for series in api.query(metric, at):
                node = series["metric"].get("node")
                if node:
                    _apply(obs, metric, node, float(series["value"][1]))
        window = trend_window.total_seconds()
        step = max(1.0, round(window / 120))
        for name, expr in (("villages_connected", VILLAGES_CONNECTED), ("villages_counted", VILLAGES_COUNTED)):
            for series in api.query_range(expr, at - window, at, step):  # sum(): one series at most
                obs.trends[name] = [(float(ts), float(v)) for ts, v in series["values"]]
    finally:
        if own:
            client.close()
    return obs
