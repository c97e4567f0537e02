"""The deployable assets in agents/: shard configs cover the inventory exactly once, rules pass
promtool (check + unit tests), and every metric the rules and the dashboard read is one the agent exports."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
from pathlib import Path

import pytest

from cloudctl.agent import config as agent_config
from cloudctl.agent.core import Agent, make_plan
from cloudctl.agent.config import LoadedAgentConfig
from cloudctl.inventory.loader import load_inventory
from cloudctl.snmp.base import DictClient
from tests.conftest import INVENTORY, ROOT, need
from tests.unit.test_agent_helpers import UNREACHABLE, fleet_tables, write_config, write_inventory

AGENTS = ROOT / "agents"
CONFIGS = sorted((AGENTS / "configs").glob("*.yaml"))
SECRET_ENV = {"SNMP_AUTH_KEY": "a" * 12, "SNMP_PRIV_KEY": "p" * 12, "SNMP_COMMUNITY_LEGACY": "c", "SNMP_COMMUNITY_PUBLIC": "d"}


@pytest.fixture(scope="module")
def inventory():
    return load_inventory(INVENTORY)


def test_one_config_per_county_plus_the_city(inventory):
    areas = {s.id for s in inventory.counties()} | {s.id for s in inventory.sites.values() if s.level == "city"}
    assert {p.stem for p in CONFIGS} == areas
    assert len(areas) == 14


def test_shard_configs_poll_snmpv3_with_sha256_and_aes128_by_default():
    """#12: the shipped profiles are authPriv SHA-256/AES-128; the v3 profile most nodes use is that."""
    for path in CONFIGS:
        cfg = agent_config.load(path).config
        v3 = {name: p for name, p in cfg.profiles.items() if p.version == "3"}
        assert v3, path
        for name, p in v3.items():
            assert (p.security_level, p.auth_protocol, p.priv_protocol) == ("authPriv", "sha256", "aes128"), (path, name)
            assert str(p.auth_key) == str(p.priv_key) == "<secret>" and p.auth_key.kind == p.priv_key.kind == "env"


def test_shard_configs_cover_every_node_exactly_once(inventory, monkeypatch):
    for k, v in SECRET_ENV.items():
        monkeypatch.setenv(k, v)
    seen: dict[str, str] = {}
    for path in CONFIGS:
        loaded = agent_config.load(path)
        text = path.read_text()
        assert "env:" in text and loaded.warnings == []  # no literal secrets shipped
        pinned = LoadedAgentConfig(loaded.config.model_copy(update={"inventory": INVENTORY}), path)
        plan = make_plan(pinned, inventory)
        for nid in plan.scope.nodes:
            assert nid not in seen, f"{nid} in {path.name} and {seen[nid]}"
            seen[nid] = path.name
    assert set(seen) == set(inventory.nodes)


def test_rules_pass_promtool_check_and_unit_tests():
    promtool = need("promtool")
    rules = sorted((AGENTS / "prometheus" / "rules").glob("*.yml"))
    r = subprocess.run([promtool, "check", "rules", *map(str, rules)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    tests = sorted((AGENTS / "prometheus" / "tests").glob("*.yml"))
    assert tests
    r = subprocess.run([promtool, "test", "rules", *map(str, tests)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SUCCESS" in r.stdout


def test_scrape_config_passes_promtool_check_config():
    promtool = need("promtool")
    r = subprocess.run([promtool, "check", "config", str(AGENTS / "prometheus" / "prometheus.yml")], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


def _exported_names(tmp_path: Path, monkeypatch) -> set[str]:
    monkeypatch.setenv("TEST_SNMP_COMMUNITY", "x")
    write_inventory(tmp_path / "inventory")
    agent = Agent(make_plan(agent_config.load(write_config(tmp_path / "agent.yaml")), load_inventory(tmp_path / "inventory")), DictClient(fleet_tables(), UNREACHABLE))
    asyncio.run(agent.sweep())
    return {line.split("{")[0].split(" ")[0] for line in agent.render().decode().splitlines() if line and not line.startswith("#")}


def test_rules_and_dashboard_read_only_metrics_that_exist(tmp_path, monkeypatch):
    exported = _exported_names(tmp_path, monkeypatch)
    recorded = set(re.findall(r"record: (\S+)", (AGENTS / "prometheus" / "rules" / "recording.yml").read_text()))
    texts = [p.read_text() for p in (AGENTS / "prometheus" / "rules").glob("*.yml")]
    dash = json.loads((AGENTS / "grafana" / "egov-extranet.json").read_text())
    texts += [t["expr"] for p in dash["panels"] for t in p["targets"]]
    used = {m for text in texts for m in re.findall(r"\begov[_:][a-z0-9_:]+", text)}
    used = {m for m in used if not m.startswith("egov-")}
    assert used, "no metric found in rules/dashboard"
    missing = sorted(m for m in used if m not in exported and m not in recorded)
    assert missing == []


def test_systemd_unit_is_hardened():
    unit = (AGENTS / "systemd" / "cloudctl-agent.service").read_text()
    for directive in ("DynamicUser=yes", "ProtectSystem=strict", "NoNewPrivileges=yes", "CapabilityBoundingSet=\n",
                      "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "MemoryMax=", "ExecReload=/bin/kill -HUP $MAINPID"):
        assert directive in unit


def test_demo_and_lab_configs_are_valid(monkeypatch):
    demo = agent_config.load(AGENTS / "demo.yaml")
    assert set(demo.config.profiles) >= {"v3-default", "v2c-legacy", "v2c-public", "sim"}
    assert demo.warnings == []  # references, not literals: the repository holds no secrets
    assert {str(p.community.reference) for p in demo.config.profiles.values()} == {"env:SIM_COMMUNITY"}
    monkeypatch.setenv("SNMP_COMMUNITY", "x")
    lab = agent_config.load(AGENTS / "lab" / "agent.yaml")
    plan = make_plan(lab, load_inventory(lab.inventory_dir))
    assert list(plan.scope.nodes) == ["lab-snmpd-01"]
