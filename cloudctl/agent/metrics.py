"""Prometheus collectors: fresh metric families built from the agent's state on every scrape.

Collectors are registered on a registry passed in (never the global default one). The names are
a contract read by rules, the dashboard and the report; ``docs/agent.md`` lists them all.
"""

from __future__ import annotations

import platform
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from cloudctl import __version__
from cloudctl.agent.aggregates import Aggregates
from cloudctl.agent.state import AgentCounters, NodeInfo, NodeResult, escape

NODE_LABELS = ["node", "county", "township", "role"]

# One node's samples of one metric: [(extra label values, value), ...]
Extract = Callable[[NodeResult], list[tuple[tuple[str, ...], float]]]


@dataclass(frozen=True)
class NodeMetric:
    """A per-node metric: the single definition both renderers (collect and text) read."""

    name: str  # without the ``_total`` of counters
    kind: str  # gauge | counter
    help: str
    extract: Extract
    extra_labels: tuple[str, ...] = ()

    @property
    def sample_name(self) -> str:
        return self.name + "_total" if self.kind == "counter" else self.name


def _uplink(r: NodeResult, value: float | int | bool | None) -> list:
    st = r.static
    if not r.up or value is None or st is None or st.uplink is None:
        return []
    return [((st.uplink.name,), float(value))]


NODE_METRICS: tuple[NodeMetric, ...] = (
    NodeMetric("egov_node_up", "gauge", "1 if the node answered the last SNMP poll, else 0", lambda r: [((), 1.0 if r.up else 0.0)]),
    NodeMetric("egov_node_ipv6_enabled", "gauge", "1 if the node has a global IPv6 unicast address (IP-MIB/IPV6-MIB)",
               lambda r: [] if r.static is None else [((), 1.0 if r.static.ipv6_enabled else 0.0)]),
    NodeMetric("egov_node_ipv6_forwarding", "gauge", "1 if ipv6IpForwarding is forwarding(1), 0 if notForwarding(2)",
               lambda r: [] if r.ipv6_forwarding is None else [((), 1.0 if r.ipv6_forwarding else 0.0)]),
    NodeMetric("egov_node_uplink_speed_bytes", "gauge", "Speed of the uplink interface in bytes per second (ifHighSpeed)",
               lambda r: _uplink(r, None if r.uplink_speed_mbps is None else r.uplink_speed_mbps * 125_000), ("interface",)),
    NodeMetric("egov_node_uplink_up", "gauge", "1 if the uplink interface is operationally up (ifOperStatus)",
               lambda r: _uplink(r, r.uplink_up), ("interface",)),
    NodeMetric("egov_node_uptime_seconds", "gauge", "Time since the SNMP agent of the node started (sysUpTime)",
               lambda r: [((), r.uptime_seconds)] if r.up and r.uptime_seconds is not None else []),
    NodeMetric("egov_node_interface_receive_bytes", "counter", "Octets received on the uplink (ifHCInOctets)",
               lambda r: _uplink(r, r.rx_bytes), ("interface",)),
    NodeMetric("egov_node_interface_transmit_bytes", "counter", "Octets sent on the uplink (ifHCOutOctets)",
               lambda r: _uplink(r, r.tx_bytes), ("interface",)),
    NodeMetric("egov_node_info", "gauge", "Identity of the node as it reports it (sysName, sysDescr) and its vendor",
               lambda r: [] if r.static is None else [((r.static.sysname, r.static.sysdescr, r.static.vendor), 1.0)],
               ("sysname", "sysdescr", "vendor")),
    NodeMetric("egov_node_last_success_timestamp_seconds", "gauge", "Unix time of the last successful poll",
               lambda r: [] if r.last_success is None else [((), r.last_success)]),
    NodeMetric("egov_node_poll_duration_seconds", "gauge", "Duration of the last poll of the node", lambda r: [((), r.duration)]),
    NodeMetric("egov_node_poll_errors", "counter", "Failed polls of the node by kind (timeout, auth, decode, ...)",
               lambda r: [((kind,), float(n)) for kind, n in sorted(r.errors.items())], ("kind",)),
)


class NodeCollector(Collector):
    """Per-node metrics for the (info, result) pairs given by ``source``."""

    def __init__(self, source: Callable[[], Iterable[tuple[NodeInfo, NodeResult]]]) -> None:
        self._source = source

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        pairs = list(self._source())
        for m in NODE_METRICS:
            cls = CounterMetricFamily if m.kind == "counter" else GaugeMetricFamily
            fam = cls(m.name, m.help, labels=NODE_LABELS + list(m.extra_labels))
            for ni, r in pairs:
                base = [ni.node_id, ni.county, ni.township, ni.role]
                for extra, value in m.extract(r):
                    fam.add_metric(base + list(extra), value)
            yield fam

    def render_text(self) -> str:
        """The same samples as :meth:`collect`, written straight to the text format.

        prometheus_client's generic writer needs ~2 s for 5,000 nodes on this machine. Here each
        node's lines are formatted once per poll result (``NodeResult.text``, dropped with the
        result) and a scrape only joins them, grouped by metric as the format requires.
        """
        pairs = list(self._source())
        for ni, r in pairs:
            if r.text is None:
                r.text = node_lines(ni, r)
        out: list[str] = []
        for i, m in enumerate(NODE_METRICS):
            out.append(f"# HELP {m.sample_name} {m.help}\n# TYPE {m.sample_name} {m.kind}\n")
            out.extend(r.text[i] for _, r in pairs)
        return "".join(out)


def node_lines(ni: NodeInfo, r: NodeResult) -> list[str]:
    """One node's sample lines, one string per entry of :data:`NODE_METRICS`."""
    lines = []
    for m in NODE_METRICS:
        name, extra_names, text = m.sample_name, m.extra_labels, ""
        for extra, value in m.extract(r):
            extra_text = "".join(f',{k}="{escape(v)}"' for k, v in zip(extra_names, extra))
            text += f"{name}{{{ni.labels}{extra_text}}} {float(value)!r}\n"
        lines.append(text)
    return lines


class AggregateCollector(Collector):
    """Coverage, IPv6 and backbone indicators (see :mod:`cloudctl.agent.aggregates`)."""

    def __init__(self, source: Callable[[], Aggregates]) -> None:
        self._source = source

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        agg = self._source()
        g = GaugeMetricFamily
        cov = g("egov_coverage_ratio", "Share of sites with at least one node up (level village = plan indicator 5)", labels=["level", "county"])
        conn = g("egov_sites_connected", "Sites with at least one node up", labels=["level", "county"])
        total = g("egov_sites", "Sites in the inventory counted by this agent (not egov_sites_total: promtool reserves _total for counters)", labels=["level", "county"])
        for (level, county), ratio in sorted(agg.sites.items()):
            conn.add_metric([level, county], ratio.num)
            total.add_metric([level, county], ratio.den)
            if ratio.den:
                cov.add_metric([level, county], ratio.num / ratio.den)
        v6 = g("egov_ipv6_ratio", "IPv6-enabled nodes / nodes polled up", labels=["county"])
        for county, ratio in sorted(agg.ipv6.items()):
            if ratio.den:
                v6.add_metric([county], ratio.num / ratio.den)
        gig = g("egov_backbone_gigabit_ratio", "County core nodes with an uplink of at least 1 Gbit/s / county core nodes with a known uplink", labels=["county"])
        for county, ratio in sorted(agg.gigabit.items()):
            if ratio.den:
                gig.add_metric([county], ratio.num / ratio.den)
        yield from (cov, conn, total, v6, gig)


class SelfCollector(Collector):
    """The agent's own health: sweeps, their duration, errors by kind, nodes by state."""

    def __init__(self, counters: AgentCounters, node_states: Callable[[], Counter], shard: Callable[[], str] = lambda: "1/1") -> None:
        self._c = counters
        self._states = node_states
        self._shard = shard

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        c = self._c
        sweeps = CounterMetricFamily("egov_agent_sweeps", "Completed polling sweeps over all nodes of the shard", value=c.sweeps)
        dur = GaugeMetricFamily("egov_agent_sweep_duration_seconds", "Duration of the last completed sweep", value=c.last_sweep_duration)
        errs = CounterMetricFamily("egov_agent_errors", "Failed node polls by kind", labels=["kind"])
        for kind, n in sorted(c.errors.items()):
            errs.add_metric([kind], n)
        nodes = GaugeMetricFamily("egov_agent_nodes", "Nodes of this agent by state of their last poll (up, down, unknown)", labels=["state"])
        states = self._states()
        for state in ("up", "down", "unknown"):
            nodes.add_metric([state], states.get(state, 0))
        build = GaugeMetricFamily("egov_agent_build_info", "Version of cloudctl-agent; value is always 1", labels=["version", "python", "shard"])
        build.add_metric([__version__, platform.python_version(), self._shard()], 1.0)
        yield from (sweeps, dur, errs, nodes, build)


class SnmpClientCollector(Collector):
    """What the shared SNMP client saw: requests, retries, timeouts, and the datagrams it dropped
    (garbage, unknown request ids, wrong sender or community) — hostile or broken agents show here."""

    def __init__(self, stats: Callable[[], dict[str, dict[str, int]]]) -> None:
        self._stats = stats

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        events = CounterMetricFamily(
            "egov_agent_snmp_events",
            "SNMP client events by protocol: requests, retries, timeouts, responses, dropped datagrams by reason",
            labels=["protocol", "event"],
        )
        for protocol, counters in sorted(self._stats().items()):
            for event, n in sorted(counters.items()):
                events.add_metric([protocol, event], n)
        yield events
