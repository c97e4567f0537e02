"""What the agent knows: the last poll result of each node and its own counters.

Plain dataclasses; the scheduler writes them, the collectors read them on every scrape.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Interface:
    """One interface as the agent reports it (the uplink)."""

    index: int
    name: str
    alias: str = ""
    speed_mbps: int = 0  # ifHighSpeed
    up: bool = False  # ifOperStatus == up(1)


@dataclass
class StaticData:
    """Slow-changing facts of a node, refreshed every ``static_interval``."""

    sysname: str = ""
    sysdescr: str = ""
    sysobjectid: str = ""
    vendor: str = ""
    uplink: Interface | None = None
    ipv6_enabled: bool = False
    fetched_at: float = 0.0  # monotonic
    if_rows: int = 0  # rows of the interface and address tables at this poll: the next full
    ip_rows: int = 0  # poll asks GETBULK for that many (+1) instead of max_repetitions


@dataclass
class NodeResult:
    """The latest poll of one node. A failed poll is data (``up=False``, ``error_kind``), not an exception."""

    node_id: str
    up: bool = False
    error_kind: str = ""
    error: str = ""
    uptime_seconds: float | None = None
    ipv6_forwarding: bool | None = None
    static: StaticData | None = None
    rx_bytes: int | None = None  # uplink ifHCInOctets
    tx_bytes: int | None = None  # uplink ifHCOutOctets
    uplink_up: bool | None = None
    uplink_speed_mbps: int | None = None
    last_success: float | None = None  # unix time of the last successful poll
    duration: float = 0.0
    errors: Counter = field(default_factory=Counter)  # kind -> count, over the node's life
    text: list[str] | None = field(default=None, repr=False)  # this result's /metrics lines, once rendered

    @property
    def polled(self) -> bool:
        return self.up or bool(self.error_kind)


def escape(value: str) -> str:
    """A label value in the Prometheus text exposition format."""
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


@dataclass
class NodeInfo:
    """Labels of a node, from the inventory."""

    node_id: str
    site: str
    county: str  # county site id; the city's site id for city-level nodes
    township: str  # township site id; "" for county/city nodes
    role: str
    level: str  # level of the node's site
    labels: str = field(init=False, repr=False)  # the label set, pre-formatted for /metrics

    def __post_init__(self) -> None:
        self.labels = f'node="{escape(self.node_id)}",county="{escape(self.county)}",township="{escape(self.township)}",role="{escape(self.role)}"'


@dataclass
class AgentCounters:
    sweeps: int = 0
    last_sweep_duration: float = 0.0
    errors: Counter = field(default_factory=Counter)  # kind -> count
    ready: bool = False
