"""The agent's state machine: scope, targets, sweeps, probes, reloads and the metrics registry.

I/O comes in through collaborators: the SNMP client (one for all nodes) and the loaded config +
inventory. The HTTP server and the scheduler loop (:mod:`cloudctl.agent.service`) drive it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.registry import Collector

from cloudctl.agent import aggregates
from cloudctl.agent.config import LoadedAgentConfig, V2cProfile, V3Profile, check_secrets
from cloudctl.agent.metrics import AggregateCollector, NodeCollector, SelfCollector, SnmpClientCollector
from cloudctl.agent.poller import poll_node
from cloudctl.agent.scope import Scope, build_scope
from cloudctl.agent.state import AgentCounters, NodeInfo, NodeResult
from cloudctl.inventory.address import parse_address
from cloudctl.inventory.loader import Inventory
from cloudctl.snmp.base import SnmpClient, Target

log = logging.getLogger("cloudctl.agent")


@dataclass(frozen=True)
class Plan:
    """Everything derived from one config + inventory: what to poll and how.

    The inventory itself is not kept: with its YAML positions it is most of the agent's memory.
    """

    loaded: LoadedAgentConfig
    scope: Scope
    migration: Collector | None
    targets: dict[str, Target]
    uplink_hints: dict[str, str | None]


def make_plan(loaded: LoadedAgentConfig, inv: Inventory) -> Plan:
    """Scope the inventory and build a Target per node. Raises ConfigError (exit 2) when inconsistent."""
    cfg = loaded.config
    scope = build_scope(inv, cfg, str(loaded.source))
    check_secrets(loaded, {inv.nodes[n].snmp for n in scope.nodes})
    targets: dict[str, Target] = {}
    for nid in scope.nodes:
        node = inv.nodes[nid]
        addr = parse_address(node.address)
        prof = cfg.profiles[node.snmp]
        common = {"host": addr.host, "port": addr.port, "timeout": prof.timeout, "retries": prof.retries,
                  "max_repetitions": prof.max_repetitions, "max_response_bytes": prof.max_response_bytes,
                  "max_walk_varbinds": prof.max_walk_varbinds, "max_walk_bytes": prof.max_walk_bytes, "max_oid_length": prof.max_oid_length}
        if isinstance(prof, V2cProfile):
            targets[nid] = Target(version="2c", community=loaded.secret(prof.community), **common)
        else:
            assert isinstance(prof, V3Profile)
            targets[nid] = Target(
                version="3", user=prof.user, security_level=prof.security_level, auth_protocol=prof.auth_protocol,
                auth_key=None if prof.auth_key is None else loaded.secret(prof.auth_key), priv_protocol=prof.priv_protocol,
                priv_key=None if prof.priv_key is None else loaded.secret(prof.priv_key), **common,
            )
    hints = {nid: inv.nodes[nid].uplink_interface for nid in scope.nodes}
    migration = None
    if cfg.migration is not None:
        from cloudctl.agent.migration_metrics import MigrationCollector, systems_only

        from cloudctl.store.url import parse as parse_store

        store = None if cfg.migration.store is None else parse_store(cfg.migration.store, loaded.base_dir)
        migration = MigrationCollector(systems_only(inv), store, cfg.migration.platforms)
    return Plan(loaded, scope, migration, targets, hints)


class _Delegate(Collector):
    """Collects from whatever collector the current plan has (the plan changes on reload)."""

    def __init__(self, current) -> None:  # noqa: ANN001 - Callable[[], Collector | None]
        self._current = current

    def describe(self) -> list:
        return []

    def collect(self):  # noqa: ANN201
        c = self._current()
        return iter(()) if c is None else c.collect()


class Agent:
    """Polls the nodes of one plan and keeps their last results; survives reloads."""

    def __init__(self, plan: Plan, client: SnmpClient) -> None:
        self.plan = plan
        self.client = client
        self.results: dict[str, NodeResult] = {}
        self.counters = AgentCounters()
        self._lock = asyncio.Lock()  # one sweep at a time
        # ``registry`` holds everything (for get_sample_value and other readers); /metrics writes the
        # per-node part with the fast text renderer and the rest through ``_summary``.
        self._nodes = NodeCollector(self._node_pairs)
        self._summary = CollectorRegistry(auto_describe=False)
        self._summary.register(AggregateCollector(self._aggregates))
        self._summary.register(SelfCollector(self.counters, self.node_states, lambda: str(self.plan.loaded.config.shard)))
        self._summary.register(SnmpClientCollector(lambda: getattr(self.client, "stats", {})))
        self._summary.register(_Delegate(lambda: self.plan.migration))
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self._nodes)
        self.registry.register(self._summary)

    # -- reading state -------------------------------------------------------------------------
    def _node_pairs(self) -> list[tuple[NodeInfo, NodeResult]]:
        nodes = self.plan.scope.nodes
        return [(nodes[nid], r) for nid, r in self.results.items() if nid in nodes]

    def _aggregates(self) -> aggregates.Aggregates:
        return aggregates.compute(self.plan.scope, self.results)

    def node_states(self) -> Counter:
        states: Counter = Counter()
        for nid in self.plan.scope.nodes:
            r = self.results.get(nid)
            states["unknown" if r is None else "up" if r.up else "down"] += 1
        return states

    def render(self) -> bytes:
        """The Prometheus text exposition of everything this agent knows."""
        return self._nodes.render_text().encode() + generate_latest(self._summary)

    # -- polling ---------------------------------------------------------------------------------
    async def _poll(self, nid: str) -> NodeResult | None:
        plan = self.plan
        if nid not in plan.targets:  # removed by a reload while it waited for its turn
            return None
        r = await poll_node(self.client, nid, plan.targets[nid], plan.uplink_hints[nid], self.results.get(nid), plan.loaded.static_interval)
        if r.error_kind:
            self.counters.errors[r.error_kind] += 1
            log.debug("node %s: %s (%s)", nid, r.error, r.error_kind)
        if nid in self.plan.scope.nodes:  # a reload may have dropped it meanwhile
            self.results[nid] = r
        return r

    async def sweep(self) -> float:
        """Poll every node once with bounded concurrency; return the sweep's duration."""
        async with self._lock:
            start = time.monotonic()
            sem = asyncio.Semaphore(self.plan.loaded.config.concurrency)

            async def one(nid: str) -> None:
                async with sem:
                    await self._poll(nid)

            await asyncio.gather(*(one(nid) for nid in list(self.plan.scope.nodes)))
            duration = time.monotonic() - start
            self.counters.sweeps += 1
            self.counters.last_sweep_duration = duration
            self.counters.ready = True
            return duration

    async def probe(self, nid: str) -> bytes | None:
        """Poll one node now and render only its metrics (the multi-target pattern); None if unknown."""
        info = self.plan.scope.nodes.get(nid)
        if info is None:
            return None
        r = await self._poll(nid)
        if r is None:
            return None
        # the /metrics fast path for one node: the same text prometheus_client writes (tested)
        return NodeCollector(lambda: [(info, r)]).render_text().encode()

    def reload(self, plan: Plan) -> tuple[int, int]:
        """Switch to a new plan, keeping the results of nodes still present. Returns (kept, dropped)."""
        keep = {nid: r for nid, r in self.results.items() if nid in plan.scope.nodes}
        for nid, r in keep.items():
            r.text = None  # labels (county, role...) may have changed with the inventory
            if r.static is not None and plan.targets[nid] != self.plan.targets.get(nid):
                r.static.fetched_at = 0.0  # moved or new credentials: re-read its static data
        dropped = len(self.results) - len(keep)
        self.plan = plan
        self.results = keep
        return len(keep), dropped
