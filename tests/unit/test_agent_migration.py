"""Optional migration metrics: systems by state/provider and the plan's KPIs, as cloudctl.migration computes them."""

from __future__ import annotations

import subprocess

import pytest

from cloudctl.agent import config as agent_config
from cloudctl.agent.core import Agent, make_plan
from cloudctl.inventory.loader import load_inventory
from cloudctl.migration import kpis
from cloudctl.snmp.base import DictClient
from tests.conftest import INVENTORY, need


def agent_for(tmp_path, monkeypatch, migration: str) -> Agent:
    monkeypatch.setenv("C", "x")
    (tmp_path / "agent.yaml").write_text(
        f"inventory: {INVENTORY}\ncounties: [jiaokou]\n{migration}profiles:\n"
        "  v3-default: {version: 2c, community: env:C}\n  v2c-legacy: {version: 2c, community: env:C}\n  v2c-public: {version: 2c, community: env:C}\n"
    )
    loaded = agent_config.load(tmp_path / "agent.yaml")
    return Agent(make_plan(loaded, load_inventory(INVENTORY)), DictClient({}))


def test_no_migration_metrics_unless_configured(tmp_path, monkeypatch):
    assert b"egov_migration" not in agent_for(tmp_path, monkeypatch, "").render()


def test_migration_kpis_and_counts_from_the_inventory(tmp_path, monkeypatch):
    agent = agent_for(tmp_path, monkeypatch, "migration: {store: no-such-store.db}\n")  # missing store: inventory only
    reg = agent.registry
    inv = load_inventory(INVENTORY)
    expected = kpis(inv)
    assert expected
    for k in expected:
        assert reg.get_sample_value("egov_migration_kpi_target_ratio", {"kpi": k.id}) == k.target
        if k.value is not None:
            assert reg.get_sample_value("egov_migration_kpi_ratio", {"kpi": k.id, "source": "inventory"}) == pytest.approx(k.value)
    text = agent.render().decode()
    total = sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith("egov_migration_systems{"))
    assert total == len(inv.systems)
    r = subprocess.run([need("promtool"), "check", "metrics"], input=agent.render(), capture_output=True, timeout=30)
    assert r.returncode == 0, r.stderr


def test_the_xinchuang_kpi_from_a_store_follows_the_configured_platforms(tmp_path, monkeypatch):
    """Which cloud is 信创 comes from `migration.platforms`, not from a provider called 'xinchuang'."""
    from tests.unit.test_policy_support import make_store

    inv = load_inventory(INVENTORY)
    deployed_xc = next(s for s in inv.systems.values() if s.deployment == "cloud" and not s.xinchuang and not s.classified)
    make_store(tmp_path / "store.db", [{"provider": "xc-cloud", "id": "vm-1", "status": "active", "system": deployed_xc.id}]).close()
    ratios = {}
    for name, platforms in (("declared", "  platforms: {xc-cloud: xinchuang}\n"), ("undeclared", "")):
        sub = tmp_path / name
        sub.mkdir()
        agent = agent_for(sub, monkeypatch, f"migration:\n  store: {tmp_path / 'store.db'}\n{platforms}")
        ratios[name] = agent.registry.get_sample_value("egov_migration_kpi_ratio", {"kpi": "xinchuang_rate", "source": "store"})
    assert ratios == {"declared": 1.0, "undeclared": 0.0}  # the one deployment runs on the 信创 cloud


def test_migration_store_may_be_a_postgresql_url(tmp_path, monkeypatch, pg_url):
    """The county agents read the team's PostgreSQL store (cloud evidence) like a SQLite file."""
    from cloudctl.model import Resource
    from cloudctl.store import Store

    inv = load_inventory(INVENTORY)
    system = next(s for s in inv.systems.values() if not s.classified)
    st = Store.open(pg_url, create=True)
    snap = st.begin_snapshot(["tianhe"])
    w = snap.provider("tianhe")
    w.add([Resource("tianhe", "server", "vm-1", "vm-1", "active", system=system.id)])
    w.commit()
    snap.finish()
    agent = agent_for(tmp_path, monkeypatch, f"migration: {{store: '{pg_url}'}}\n")
    expected = kpis(inv, st)
    st.close()
    sources = {k.source for k in expected}
    assert "store" in sources
    for k in expected:
        if k.value is not None:
            assert agent.registry.get_sample_value("egov_migration_kpi_ratio", {"kpi": k.id, "source": k.source}) == pytest.approx(k.value)


def test_a_bad_migration_store_url_is_a_config_error_with_its_line(tmp_path, monkeypatch):
    from cloudctl.errors import ConfigError

    with pytest.raises(ConfigError, match=r"agent.yaml:3:20: migration.store: .*unknown scheme"):
        agent_for(tmp_path, monkeypatch, "migration: {store: 'mysql://db/x'}\n")
