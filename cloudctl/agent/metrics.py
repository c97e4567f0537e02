"""Prometheus collectors: fresh metric families built from the agent's state on every scrape.

Collectors are registered on a registry passed in (never the global default one). The names are
a contract read by rules, the dashboard and the report; ``docs/agent.md`` lists them all.
"""

from __future__ import annotations

import platform
from collections import Counter
from collections.abc import Callable, Iterable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from cloudctl import __version__
from cloudctl.agent.aggregates import Aggregates
from cloudctl.agent.state import AgentCounters, NodeInfo, NodeResult

NODE_LABELS = ["node", "county", "township", "role"]


class NodeCollector(Collector):
    """Per-node metrics for the (info, result) pairs given by ``source``."""

    def __init__(self, source: Callable[[], Iterable[tuple[NodeInfo, NodeResult]]]) -> None:
        self._source = source

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        g = GaugeMetricFamily
        up = g("egov_node_up", "1 if the node answered the last SNMP poll, else 0", labels=NODE_LABELS)
        v6 = g("egov_node_ipv6_enabled", "1 if the node has a global IPv6 unicast address (IP-MIB/IPV6-MIB)", labels=NODE_LABELS)
        fwd = g("egov_node_ipv6_forwarding", "1 if ipv6IpForwarding is forwarding(1), 0 if notForwarding(2)", labels=NODE_LABELS)
        speed = g("egov_node_uplink_speed_bytes", "Speed of the uplink interface in bytes per second (ifHighSpeed)", labels=NODE_LABELS + ["interface"])
        uplink_up = g("egov_node_uplink_up", "1 if the uplink interface is operationally up (ifOperStatus)", labels=NODE_LABELS + ["interface"])
        uptime = g("egov_node_uptime_seconds", "Time since the SNMP agent of the node started (sysUpTime)", labels=NODE_LABELS)
        rx = CounterMetricFamily("egov_node_interface_receive_bytes", "Octets received on the uplink (ifHCInOctets)", labels=NODE_LABELS + ["interface"])
        tx = CounterMetricFamily("egov_node_interface_transmit_bytes", "Octets sent on the uplink (ifHCOutOctets)", labels=NODE_LABELS + ["interface"])
        info = g("egov_node_info", "Identity of the node as it reports it (sysName, sysDescr) and its vendor", labels=NODE_LABELS + ["sysname", "sysdescr", "vendor"])
        last = g("egov_node_last_success_timestamp_seconds", "Unix time of the last successful poll", labels=NODE_LABELS)
        dur = g("egov_node_poll_duration_seconds", "Duration of the last poll of the node", labels=NODE_LABELS)
        errs = CounterMetricFamily("egov_node_poll_errors", "Failed polls of the node by kind (timeout, auth, decode, ...)", labels=NODE_LABELS + ["kind"])
        for ni, r in self._source():
            labels = [ni.node_id, ni.county, ni.township, ni.role]
            up.add_metric(labels, 1.0 if r.up else 0.0)
            dur.add_metric(labels, r.duration)
            if r.last_success is not None:
                last.add_metric(labels, r.last_success)
            for kind, n in r.errors.items():
                errs.add_metric(labels + [kind], n)
            st = r.static
            if st is not None:
                v6.add_metric(labels, 1.0 if st.ipv6_enabled else 0.0)
                info.add_metric(labels + [st.sysname, st.sysdescr, st.vendor], 1.0)
            if r.ipv6_forwarding is not None:
                fwd.add_metric(labels, 1.0 if r.ipv6_forwarding else 0.0)
            if not r.up:
                continue
            if r.uptime_seconds is not None:
                uptime.add_metric(labels, r.uptime_seconds)
            if st is not None and st.uplink is not None:
                il = labels + [st.uplink.name]
                if r.uplink_speed_mbps is not None:
                    speed.add_metric(il, r.uplink_speed_mbps * 1_000_000 / 8)
                if r.uplink_up is not None:
                    uplink_up.add_metric(il, 1.0 if r.uplink_up else 0.0)
                if r.rx_bytes is not None:
                    rx.add_metric(il, r.rx_bytes)
                if r.tx_bytes is not None:
                    tx.add_metric(il, r.tx_bytes)
        yield from (up, v6, fwd, speed, uplink_up, uptime, rx, tx, info, last, dur, errs)


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
