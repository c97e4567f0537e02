"""The shipped inventory of record (inventory/): valid, shaped like Lüliang, and regenerable.

The planted policy findings listed in inventory/README.md are asserted here too, so a change to
the generator that silently removes one (and leaves a policy check with nothing to find) fails.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from cloudctl.inventory import load_inventory
from cloudctl.inventory.address import parse_address
from tests.conftest import INVENTORY, ROOT

TODAY = dt.date(2026, 11, 26)  # the data's "now" (tools/gen_inventory.py TODAY)
NEW = dt.date(2023, 1, 1)  # systems live from this date on are "new" and belong on the cloud

REAL_COUNTIES = {  # name → (id, division code), from the national administrative division list
    "离石区": ("lishi", "141102"), "文水县": ("wenshui", "141121"), "交城县": ("jiaocheng", "141122"),
    "兴县": ("xingxian", "141123"), "临县": ("linxian", "141124"), "柳林县": ("liulin", "141125"),
    "石楼县": ("shilou", "141126"), "岚县": ("lanxian", "141127"), "方山县": ("fangshan", "141128"),
    "中阳县": ("zhongyang", "141129"), "交口县": ("jiaokou", "141130"), "孝义市": ("xiaoyi", "141181"),
    "汾阳市": ("fenyang", "141182"),
}


@pytest.fixture(scope="module")
def inv():
    return load_inventory(INVENTORY)


def _of_level(inv, level):
    return [s for s in inv.sites.values() if s.level == level]


def test_shipped_inventory_validates_with_exit_0_and_prints_counts(cli, inv):
    code, out, err = cli("inventory", "validate", str(INVENTORY))
    assert code == 0, err
    for n, kind in ((len(inv.sites), "sites"), (len(inv.nodes), "nodes"), (len(inv.systems), "systems")):
        assert f"{n} {kind}" in out + err


def test_city_and_thirteen_real_counties(inv):
    (city,) = _of_level(inv, "city")
    assert (city.id, city.name, city.division_code) == ("lvliang", "吕梁市", "141100")
    counties = {s.name: (s.id, s.division_code) for s in _of_level(inv, "county")}
    assert counties == REAL_COUNTIES
    assert all(s.parent == "lvliang" and not s.synthetic for s in _of_level(inv, "county"))


def test_every_county_has_at_least_three_townships_mostly_real(inv):
    per_county = Counter(s.parent for s in _of_level(inv, "township"))
    assert set(per_county) == {cid for cid, _ in REAL_COUNTIES.values()}
    assert min(per_county.values()) >= 3
    real = Counter(s.parent for s in _of_level(inv, "township") if not s.synthetic)
    assert min(real.values()) >= 3
    for t in _of_level(inv, "township"):
        assert t.name.endswith(("乡", "镇", "街道")), t
        assert t.id.startswith(t.parent + "-"), t


def test_villages_are_about_three_thousand_synthetic_and_unique_per_township(inv):
    villages = _of_level(inv, "village")
    assert 2500 <= len(villages) <= 3500
    assert all(v.synthetic and v.name.endswith("村") for v in villages)
    names = Counter((v.parent, v.name) for v in villages)
    assert max(names.values()) == 1
    # mountain counties have more villages per township than the city district
    per_town = Counter(v.parent for v in villages)
    avg = lambda cid: sum(n for t, n in per_town.items() if t.startswith(cid + "-")) / sum(1 for t in per_town if t.startswith(cid + "-"))  # noqa: E731
    assert avg("linxian") > avg("lishi")


def test_nodes_follow_the_network_shape(inv):
    nodes = list(inv.nodes.values())
    assert len(nodes) >= 800
    cores = [n for n in nodes if n.role == "core"]
    assert sorted(n.site for n in cores if n.site != "lvliang") == sorted(cid for cid, _ in REAL_COUNTIES.values())
    assert sum(n.site == "lvliang" for n in cores) == 2
    agg_sites = Counter(n.site for n in nodes if n.role == "aggregation")
    assert set(agg_sites) == {s.id for s in _of_level(inv, "township")}
    access = [n for n in nodes if n.role == "access"]
    assert all(inv.sites[n.site].level == "village" for n in access)
    coverage = len({n.site for n in access}) / len(_of_level(inv, "village"))
    assert 0.8 <= coverage < 0.9  # indicator 5 (every village connected) is not met yet


def test_node_addresses_are_unique_and_some_are_ipv6_or_ported(inv):
    parsed = [parse_address(n.address) for n in inv.nodes.values()]
    assert len({(a.host, a.port) for a in parsed}) == len(parsed)
    v6 = sum(a.version == 6 for a in parsed)
    assert 0.02 <= v6 / len(parsed) <= 0.05
    assert {a.port for a in parsed} == {161, 1161}
    assert any(a.version == 6 and a.port == 1161 for a in parsed)


def test_planted_network_findings(inv):
    slow_cores = sorted(n.site for n in inv.nodes.values() if n.role == "core" and n.uplink_mbps < 1000)
    assert slow_cores == ["jiaokou", "shilou"]
    snmp = Counter(n.snmp for n in inv.nodes.values())
    assert set(snmp) == {"v3-default", "v2c-legacy", "v2c-public"}
    assert 1 <= snmp["v2c-public"] <= 3
    assert 0.03 <= snmp["v2c-legacy"] / len(inv.nodes) <= 0.07


def test_systems_and_tenants_are_consistent(inv):
    systems = list(inv.systems.values())
    assert len(systems) >= 150
    for s in systems:
        if s.classified:
            assert s.deployment == "on_prem" and s.migration.state == "retained_on_prem", s.id
        if s.deployment == "cloud":
            assert inv.tenants[s.tenant].provider == s.provider
            assert s.xinchuang or s.provider != "xinchuang", s.id
    classified = sum(s.classified for s in systems) / len(systems)
    assert 0.05 <= classified <= 0.10


def test_migration_state_and_history_agree(inv):
    for s in inv.systems.values():
        m = s.migration
        assert m is not None, s.id
        if m.state == "migrated":
            assert s.deployment == "cloud", s.id
        if s.deployment == "on_prem":
            assert m.state != "migrated", s.id
        if s.deployment == "cloud" and m.state != "migrated":  # a cloud-to-cloud (信创) move in flight
            assert m.target_provider not in (None, s.provider), s.id
        h = m.history
        assert h and h[-1].state == m.state, s.id
        assert [e.date for e in h] == sorted(e.date for e in h), s.id
        assert s.go_live <= h[0].date and h[-1].date <= TODAY, s.id
        if m.target_tenant:
            assert inv.tenants[m.target_tenant].provider == m.target_provider, s.id


def test_waves_status_matches_today(inv):
    for w in inv.waves.values():
        expected = "done" if w.end < TODAY else ("active" if w.start <= TODAY else "planned")
        assert w.status == expected, w.id
    assert Counter(w.status for w in inv.waves.values())["active"] == 1


def test_planted_system_findings(inv):
    systems = list(inv.systems.values())
    new_on_prem = [s for s in systems if s.go_live >= NEW and s.deployment == "on_prem" and not s.classified]
    assert len(new_on_prem) == 2
    new_private = [s for s in systems if s.go_live >= NEW and s.network == "private"]
    assert len(new_private) == 1
    assert sum(s.mlps_level == 3 and not s.dr_backup for s in systems) == 3
    level4 = [s for s in systems if s.mlps_level == 4]
    assert level4 and all(s.dr_backup for s in level4)
    cloud = [s for s in systems if s.deployment == "cloud"]
    share = sum(s.xinchuang for s in cloud) / len(cloud)
    assert 0.55 <= share <= 0.65  # plan indicator 7 wants 80 %: the KPI must show a gap
    on_cloud = len(cloud) / sum(not s.classified for s in systems)
    assert 0.6 <= on_cloud <= 0.8


def test_generator_is_deterministic_and_matches_committed_files(tmp_path: Path):
    for out in (tmp_path / "a", tmp_path / "b"):
        subprocess.run([sys.executable, str(ROOT / "tools" / "gen_inventory.py"), "--out", str(out)], check=True, capture_output=True, timeout=60)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.yaml"))
    assert len(files) == 2 * 14 + 3
    for rel in files:
        first = (tmp_path / "a" / rel).read_bytes()
        assert first == (tmp_path / "b" / rel).read_bytes(), rel
        assert first == (INVENTORY / rel).read_bytes(), f"inventory/{rel} differs from the generator's output: rerun tools/gen_inventory.py"
    committed = sorted(p.relative_to(INVENTORY) for p in INVENTORY.rglob("*.yaml"))
    assert committed == files
