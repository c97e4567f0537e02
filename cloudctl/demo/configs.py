"""Config files the demo writes for its children: the agent's agent.yaml and prometheus.yml."""

from __future__ import annotations

from pathlib import Path

import yaml

from cloudctl.inventory import Inventory

COMMUNITY_ENV = "CLOUDCTL_DEMO_SNMP_COMMUNITY"


def agent_config(path: Path, inventory: Path, inv: Inventory, *, interval: str = "30s") -> Path:
    """An agent.yaml polling every node of the simulator's inventory.

    The fleet simulator speaks SNMPv2c with one community, so every profile the nodes name
    (v3-default, v2c-legacy, ...) is mapped to v2c with that community — passed as an
    environment reference, as a deployment would. Timeouts are short: the simulator is local.
    """
    profiles = {
        name: {"version": "2c", "community": f"env:{COMMUNITY_ENV}", "timeout": "1.5s", "retries": 0, "max_repetitions": 10}
        for name in sorted({n.snmp for n in inv.nodes.values()})
    }
    data = {
        "inventory": str(inventory),
        "listen": "127.0.0.1:0",
        "interval": interval,
        "concurrency": 256,
        "profiles": profiles,
    }
    path.write_text("# Written by `cloudctl demo`: the agent polls the SNMP fleet simulator.\n" + yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def prometheus_config(path: Path, agent: str, *, interval: str = "1s") -> Path:
    """A prometheus.yml scraping the agent (``host:port``) every ``interval``."""
    data = {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "scrape_configs": [
            {"job_name": "egov-agent", "scrape_timeout": interval, "static_configs": [{"targets": [agent], "labels": {"shard": "demo"}}]}
        ],
    }
    path.write_text("# Written by `cloudctl demo`.\n" + yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
