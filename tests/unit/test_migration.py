"""Migration tracking on a ten-system fixture whose numbers are worked out by hand below.

tests/fixtures/migration/basic/inventory/systems.yaml:
  s01 lishi  cloud huawei       migrated  w1     s06 city   cloud tianhe, go-live 2023-01-01, no migration block
  s02 lishi  cloud 信创, 2023    migrated  w1     s07 lishi  on_prem retired            w1
  s03 xiaoyi on_prem            migrating w2     s08 lishi  on_prem retained_on_prem
  s04 xiaoyi on_prem, 2024      planned   w2     s09 xiaoyi on_prem blocked            w2
  s05 city   on_prem classified (no block)       s10 xiaoyi on_prem preparing          w2
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from cloudctl import migration
from cloudctl.inventory import load_inventory
from tests.unit.test_policy_support import FIXTURES, make_store

INV_DIR = FIXTURES / "migration" / "basic" / "inventory"
INV = load_inventory(INV_DIR)
# Cloud evidence: s01 on huawei; s02 on huawei although planned on 信创; s03 already runs on 信创;
# a server tagged with an unknown system; a deleted server of s04 (ignored). s06 has no server.
SERVERS = [
    {"provider": "huawei", "id": "vm-1", "status": "active", "system": "s01"},
    {"provider": "huawei", "id": "vm-2", "status": "active", "system": "s02"},
    {"provider": "xinchuang", "id": "vm-3", "status": "stopped", "system": "s03"},
    {"provider": "tianhe", "id": "vm-4", "status": "active", "system": "s99"},
    {"provider": "tianhe", "id": "vm-5", "status": "deleted", "system": "s04"},
    {"provider": "tianhe", "id": "vm-6", "status": "active"},
]


@pytest.fixture
def store(tmp_path: Path):  # noqa: ANN201
    s = make_store(tmp_path / "store.db", SERVERS)
    yield s
    s.close()


# platform: of each provider in cloudctl.yaml (which clouds are 信创)
PLATFORMS = {"tianhe": "general", "huawei": "general", "xinchuang": "xinchuang"}


def _kpis(store=None, platforms=PLATFORMS) -> dict:  # noqa: ANN001
    return {k.id: k for k in migration.kpis(INV, store, today=dt.date(2025, 12, 1), platforms=platforms)}


def test_kpis_from_the_inventory() -> None:
    k = _kpis()
    # non-classified, non-retired: s01 s02 s03 s04 s06 s08 s09 s10 = 8; on the cloud: s01 s02 s06 = 3
    assert (k["cloud_migration_rate"].numerator, k["cloud_migration_rate"].denominator) == (3, 8)
    assert k["cloud_migration_rate"].value == pytest.approx(0.375)
    assert k["cloud_migration_rate"].gap == pytest.approx(0.625)
    # cloud deployments s01 s02 s06 = 3; on 信创: s02 = 1
    assert (k["xinchuang_rate"].numerator, k["xinchuang_rate"].denominator, k["xinchuang_rate"].target) == (1, 3, 0.80)
    assert k["xinchuang_rate"].deadline == dt.date(2025, 12, 31) and k["xinchuang_rate"].met is False
    # live since 2023-01-01 (inclusive), non-classified: s02 s04 s06 = 3; on the cloud: s02 s06 = 2
    assert (k["new_on_cloud_rate"].numerator, k["new_on_cloud_rate"].denominator) == (2, 3)
    assert all(x.source == "inventory" and x.days_left == 30 for x in k.values())


def test_kpis_from_store_evidence(store) -> None:  # noqa: ANN001
    k = _kpis(store)
    # on the cloud = has a live server: s01 s02 s03 (s06 has none; s04's server is deleted)
    assert (k["cloud_migration_rate"].numerator, k["cloud_migration_rate"].denominator) == (3, 8)
    # deployments s01 s02 s03; 信创: s02 (flag) and s03 (server on the 信创 cloud) = 2
    assert (k["xinchuang_rate"].numerator, k["xinchuang_rate"].denominator) == (2, 3)
    # new systems s02 s04 s06: only s02 has a server
    assert (k["new_on_cloud_rate"].numerator, k["new_on_cloud_rate"].denominator) == (1, 3)
    assert all(x.source == "store" and not x.notes for x in k.values())


def test_which_clouds_are_xinchuang_is_configuration_not_the_provider_name(cli, tmp_path: Path, monkeypatch) -> None:
    """A config that names its 信创 cloud otherwise (here 'lvliang-xc') counted 0 信创 servers."""
    renamed = [{**s, "provider": {"xinchuang": "lvliang-xc"}.get(s["provider"], s["provider"])} for s in SERVERS]
    st = make_store(tmp_path / "store.db", renamed)
    st.close()
    cfg = tmp_path / "cloudctl.yaml"
    providers = (
        "providers:\n"
        "  huawei: {driver: huawei, platform: general, region: r, project_id: p, ak: env:AK, sk: env:SK}\n"
        "  lvliang-xc: {driver: zstack, platform: xinchuang, endpoint: 'http://127.0.0.1:1', account: a, password: env:PW}\n"
    )
    cfg.write_text(providers, encoding="utf-8")
    monkeypatch.setenv("CLOUDCTL_CONFIG", str(cfg))
    code, out, err = cli("--lang", "en", "migrate", "kpis", "--inventory", INV_DIR, "--store", tmp_path / "store.db", "-o", "json")
    assert code == 0, err
    xc = {r["id"]: r for r in json.loads(out)}["xinchuang_rate"]
    assert (xc["numerator"], xc["denominator"]) == (2, 3)  # s02 (flag) and s03 (server on lvliang-xc)
    assert "platform" not in err  # every provider with servers says what it is
    # the same store with a config that does not say which cloud is 信创: counted as not, and said so
    cfg.write_text(providers.replace("platform: xinchuang, ", ""), encoding="utf-8")
    code, out, err = cli("--lang", "en", "migrate", "kpis", "--inventory", INV_DIR, "--store", tmp_path / "store.db", "-o", "json")
    xc = {r["id"]: r for r in json.loads(out)}["xinchuang_rate"]
    assert (code, xc["numerator"], xc["denominator"]) == (0, 1, 3)
    assert "lvliang-xc" in err and "platform: xinchuang" in err
    # an unknown platform is a config error naming the place and the choices
    cfg.write_text(providers.replace("platform: xinchuang", "platform: domestic"), encoding="utf-8")
    code, _, err = cli("--lang", "en", "migrate", "kpis", "--inventory", INV_DIR, "--store", tmp_path / "store.db")
    assert code == 2
    assert f"{cfg}:3:" in err and "providers.lvliang-xc.platform" in err and "'xinchuang' or 'general'" in err


def test_kpi_with_no_denominator_has_no_value(tmp_path: Path) -> None:
    empty = load_inventory(FIXTURES / "policy" / "classified-never-on-cloud" / "pass" / "inventory")
    k = {x.id: x for x in migration.kpis(empty)}
    assert k["new_on_cloud_rate"].denominator == 0
    assert (k["new_on_cloud_rate"].value, k["new_on_cloud_rate"].gap, k["new_on_cloud_rate"].met) == (None, None, None)


def test_wave_progress(store) -> None:  # noqa: ANN001
    w = {x.id: x for x in migration.wave_progress(INV)}
    assert (w["w1"].total, w["w1"].migrated, w["w1"].in_progress, w["w1"].remaining) == (3, 2, 0, 0)  # s07 retired counts as done
    assert (w["w2"].total, w["w2"].migrated, w["w2"].in_progress, w["w2"].remaining) == (4, 0, 2, 4)  # s03 migrating, s10 preparing
    assert w["w1"].verified is None
    # verified: migrated with a live server on the planned provider — s01 on huawei; s02 is planned
    # on 信创 but its only server is on huawei (a provider_mismatch finding), so it is not verified
    assert {x.id: x.verified for x in migration.wave_progress(INV, store)} == {"w1": 1, "w2": 0}


def test_status_by_county() -> None:
    rows = {r["county"]: r for r in migration.status(INV, by="county")}
    assert set(rows) == {"city", "lishi 离石区", "xiaoyi 孝义市"}
    assert (rows["city"]["systems"], rows["city"]["planned_cloud"], rows["city"]["on_cloud"]) == (2, 1, 1)  # s05 classified
    assert rows["city"]["retained_on_prem"] == 1  # a classified system without a plan stays where it is
    assert (rows["lishi 离石区"]["planned_cloud"], rows["lishi 离石区"]["on_cloud"], rows["lishi 离石区"]["rate"]) == (2, 2, 1.0)
    assert (rows["xiaoyi 孝义市"]["planned_cloud"], rows["xiaoyi 孝义市"]["on_cloud"], rows["xiaoyi 孝义市"]["rate"]) == (4, 0, 0.0)
    assert (rows["xiaoyi 孝义市"]["blocked"], rows["xiaoyi 孝义市"]["migrating"], rows["xiaoyi 孝义市"]["preparing"]) == (1, 1, 1)


def test_status_by_department_wave_and_provider(store) -> None:  # noqa: ANN001
    dept = {r["department"]: r for r in migration.status(INV, by="department")}
    assert {d: (r["systems"], r["planned_cloud"], r["on_cloud"]) for d, r in dept.items()} == {
        "市A局": (4, 4, 2), "市B局": (3, 2, 0), "市C局": (3, 1, 1)}
    wave = {r["wave"]: r["systems"] for r in migration.status(INV, by="wave")}
    assert wave == {"w1": 3, "w2": 4, "-": 3}
    prov = {r["provider"]: r for r in migration.status(INV, store, by="provider")}
    # planned providers: huawei s01 s09; xinchuang s02 s03 s10; tianhe s04 s06
    assert (prov["huawei"]["systems"], prov["huawei"]["on_cloud"], prov["huawei"]["on_planned_provider"]) == (2, 1, 1)
    assert (prov["xinchuang"]["on_cloud"], prov["xinchuang"]["on_planned_provider"]) == (2, 1)  # s02 runs on huawei
    assert prov["tianhe"]["on_cloud"] == 0  # s06 has no server; s04's is deleted


def test_findings_from_store_evidence(store) -> None:  # noqa: ANN001
    found = sorted((f.kind, f.system) for f in migration.findings(INV, store))
    assert found == [("migrated_without_vm", "s06"), ("provider_mismatch", "s02"), ("unknown_system_tag", "s99")]
    mismatch = next(f for f in migration.findings(INV, store) if f.kind == "provider_mismatch")
    assert mismatch.resources == ("huawei/vm-2",) and str(mismatch.location).endswith("systems.yaml:6:5")


def _with_systems(tmp_path: Path, extra: str) -> Path:
    """A copy of the basic inventory with more systems appended (flow-style YAML lines)."""
    import shutil

    root = tmp_path / "inventory"
    shutil.copytree(INV_DIR, root)
    with (root / "systems.yaml").open("a", encoding="utf-8") as f:
        f.write(extra)
    return root


WAITING = """\
  - {id: s11, name: 待迁系统, department: 市C局, classified: false, mlps_level: 2, deployment: cloud, provider: tianhe, tenant: c-tianhe,
     go_live: 2015-01-01, migration: {state: planned, wave: w2, target_provider: xinchuang}}
  - {id: s12, name: 迁移中系统, department: 市C局, classified: false, mlps_level: 2, deployment: cloud, provider: tianhe, tenant: c-tianhe,
     go_live: 2015-01-01, migration: {state: migrating, wave: w2, target_provider: xinchuang}}
  - {id: s13, name: 错云系统, department: 市C局, classified: false, mlps_level: 2, deployment: cloud, provider: tianhe, tenant: c-tianhe,
     go_live: 2015-01-01, migration: {state: planned, wave: w2, target_provider: xinchuang}}
  - {id: s14, name: 已下线系统, department: 市C局, classified: false, mlps_level: 2, deployment: on_prem,
     go_live: 2010-01-01, migration: {state: retired, wave: w1, strategy: retire}}
"""


def test_systems_waiting_for_their_wave_run_where_they_are_without_a_provider_mismatch(tmp_path: Path) -> None:
    """sys-0086 on the shipped data: planned to move to 信创 in w2026b, still on tianhe — not a finding."""
    inv = load_inventory(_with_systems(tmp_path, WAITING))
    servers = SERVERS + [
        {"provider": "tianhe", "id": "vm-11", "status": "active", "system": "s11"},  # waits on its current cloud
        {"provider": "tianhe", "id": "vm-12a", "status": "active", "system": "s12"},  # parallel running:
        {"provider": "xinchuang", "id": "vm-12b", "status": "active", "system": "s12"},  # old and new cloud
        {"provider": "huawei", "id": "vm-13", "status": "active", "system": "s13"},  # neither current nor target
        {"provider": "tianhe", "id": "vm-13b", "status": "active", "system": "s13"},
        {"provider": "huawei", "id": "vm-14", "status": "active", "system": "s14"},  # retired, still running
    ]
    store = make_store(tmp_path / "store.db", servers)
    try:
        found = {(f.kind, f.system): f for f in migration.findings(inv, store)}
        by_provider = {r["provider"]: r for r in migration.status(inv, store, by="provider")}
    finally:
        store.close()
    assert sorted(found) == [("migrated_without_vm", "s06"), ("provider_mismatch", "s02"), ("provider_mismatch", "s13"),
                             ("unexpected_vm", "s14"), ("unknown_system_tag", "s99")]
    assert found[("provider_mismatch", "s13")].resources == ("huawei/vm-13",)  # only the servers on the wrong cloud
    message = found[("provider_mismatch", "s13")].message  # names both expected clouds and the wrong one
    assert all(p in message for p in ("tianhe", "xinchuang", "huawei"))
    assert found[("unexpected_vm", "s14")].resources == ("huawei/vm-14",)
    # s12 runs on its target already (next to its old servers): on its planned provider
    assert by_provider["xinchuang"]["on_planned_provider"] == 2  # s03 and s12


def test_migrate_commands_answer_from_the_inventory_alone(cli) -> None:
    code, out, err = cli("migrate", "kpis", "--inventory", INV_DIR, "--no-store", "-o", "json")
    assert code == 0 and err == ""
    k = {r["id"]: r for r in json.loads(out)}
    assert (k["xinchuang_rate"]["numerator"], k["xinchuang_rate"]["denominator"], k["xinchuang_rate"]["target"]) == (1, 3, 0.8)
    assert k["xinchuang_rate"]["title_en"] and k["xinchuang_rate"]["deadline"] == "2025-12-31"
    code, out, _ = cli("migrate", "waves", "--inventory", INV_DIR, "--no-store", "-o", "csv")
    assert out.splitlines() == [
        "id,name,start,end,status,total,migrated,in_progress,remaining",
        "w1,第一批,2023-03-01,2023-09-30,done,3,2,0,0",
        "w2,第二批,2026-03-01,2026-12-31,active,4,0,2,4",
    ]
    code, out, _ = cli("migrate", "status", "--by", "department", "--inventory", INV_DIR, "--no-store", "-o", "yaml")
    assert code == 0 and "department: 市A局" in out


def test_migrate_commands_use_the_store(cli, store) -> None:  # noqa: ANN001
    code, out, err = cli("--lang", "en", "migrate", "kpis", "--inventory", INV_DIR, "--store", store.path, "-o", "json")
    assert code == 0
    assert {r["id"]: r["source"] for r in json.loads(out)} == dict.fromkeys(("cloud_migration_rate", "xinchuang_rate", "new_on_cloud_rate"), "store")
    code, out, err = cli("--lang", "en", "migrate", "status", "--inventory", INV_DIR, "--store", store.path, "-o", "json")
    assert code == 0 and "3 finding(s)" in err
    code, out, _ = cli("migrate", "status", "--findings", "--inventory", INV_DIR, "--store", store.path, "-o", "json")
    assert sorted(r["kind"] for r in json.loads(out)) == ["migrated_without_vm", "provider_mismatch", "unknown_system_tag"]
    code, out, _ = cli("migrate", "waves", "--inventory", INV_DIR, "--store", store.path, "-o", "json")
    assert [r["verified"] for r in json.loads(out)] == [1, 0]


def test_migrate_rejects_bad_flags(cli, tmp_path: Path) -> None:
    assert cli("migrate", "status", "--by", "town", "--inventory", INV_DIR, "--no-store")[0] == 2
    code, _, err = cli("migrate", "status", "--findings", "--inventory", INV_DIR, "--no-store")
    assert code == 2 and "needs a store" in err
    code, _, err = cli("migrate", "kpis", "--inventory", INV_DIR, "--no-store", "--store", tmp_path / "x.db")
    assert code == 2 and "exclude each other" in err
    code, _, err = cli("migrate", "kpis", "--inventory", INV_DIR, "--store", tmp_path / "missing.db")
    assert code == 2 and "missing.db" in err


def test_migrate_says_in_one_line_when_the_default_store_is_missing(cli, tmp_path: Path, monkeypatch) -> None:
    cfg = tmp_path / "cloudctl.yaml"
    cfg.write_text(f"store: {tmp_path / 'none.db'}\n", encoding="utf-8")
    monkeypatch.setenv("CLOUDCTL_CONFIG", str(cfg))
    code, out, err = cli("--lang", "en", "migrate", "waves", "--inventory", INV_DIR, "-o", "json")
    assert code == 0 and [r["id"] for r in json.loads(out)] == ["w1", "w2"]
    assert err == f"no store at {tmp_path / 'none.db'}; using the inventory alone (run `cloudctl sync` to add cloud evidence)\n"


def test_findings_need_a_store() -> None:
    from cloudctl.errors import UsageError

    with pytest.raises(UsageError):
        migration.findings(INV, None)


def test_days_left_and_gap_mean_the_same_in_migrate_kpis_and_the_report(cli, tmp_path: Path) -> None:
    """`migrate kpis` left days_left empty without --today while the report said "超期 334 天", and
    its gap went negative for a met target where the report says 0."""
    # nine more systems on 信创 make the 信创 rate 10/12, above its 80 % target
    extra = "".join(
        f"  - {{id: x{i:02d}, name: 信创系统{i}, department: 市A局, classified: false, mlps_level: 2, deployment: cloud,"
        f" provider: xinchuang, tenant: a-xinchuang, xinchuang: true, go_live: 2019-01-01}}\n"
        for i in range(9)
    )
    root = _with_systems(tmp_path, extra)
    before = dt.date.today()
    code, out, err = cli("migrate", "kpis", "--inventory", root, "--no-store", "-o", "json")
    after = dt.date.today()
    assert code == 0, err
    kpi = {r["id"]: r for r in json.loads(out)}
    overdue = {(dt.date(2025, 12, 31) - d).days for d in (before, after)}
    assert all(r["days_left"] in overdue for r in kpi.values())  # counted from today, negative once overdue
    xc = kpi["xinchuang_rate"]
    assert (xc["numerator"], xc["denominator"], xc["met"], xc["gap"]) == (10, 12, True, 0)  # met: no shortfall
    code, out, err = cli("migrate", "kpis", "--inventory", root, "--no-store", "--today", "2026-11-26", "-o", "json")
    kpi = {r["id"]: r for r in json.loads(out)}
    code, out, err = cli("report", "--inventory", root, "--no-store", "--today", "2026-11-26", "-o", "json")
    assert code == 0, err
    report = {i["id"]: i for i in json.loads(out)["indicators"]}
    for kid, rid in (("cloud_migration_rate", "cloud_migration"), ("xinchuang_rate", "xinchuang")):
        assert kpi[kid]["days_left"] == report[rid]["days_left"] == -330
        assert kpi[kid]["met"] == report[rid]["met"]
        assert kpi[kid]["gap"] == pytest.approx(report[rid]["gap"], abs=1e-4)
    assert all(i["days_left"] == -330 for i in report.values())  # the network indicators too


def test_the_xinchuang_policy_counts_like_migrate_kpis(store) -> None:  # noqa: ANN001
    """The policy xinchuang-deployment-rate read the inventory's provider where migrate kpis reads
    the servers: s03 runs on the 信创 cloud already but was not counted by the policy."""
    from cloudctl.policy import run_check
    from tests.unit.test_policy_support import POLICIES

    kpi = _kpis(store)["xinchuang_rate"]
    result = run_check([POLICIES / "plan.yaml"], INV, store, today=dt.date(2026, 6, 1), config_files=[], platforms=PLATFORMS)
    [violation] = [v for v in result.violations if v.policy_id == "xinchuang-deployment-rate"]
    assert f"({kpi.numerator}/{kpi.denominator} systems)" in violation.message
    assert (kpi.numerator, kpi.denominator) == (2, 3)


def test_a_kpi_has_one_title_in_migrate_kpis_and_the_report(cli) -> None:
    """new_on_cloud_rate was "New systems (go-live since 2023-01-01) on the cloud" in migrate kpis
    and "New systems on the cloud" in the report."""
    code, out, _ = cli("migrate", "kpis", "--inventory", INV_DIR, "--no-store", "-o", "json")
    kpis = {r["id"]: r for r in json.loads(out)}
    code, out, err = cli("report", "--inventory", INV_DIR, "--no-store", "-o", "json")
    assert code == 0, err
    report = {i["id"]: i for i in json.loads(out)["indicators"]}
    for kid, rid in (("cloud_migration_rate", "cloud_migration"), ("xinchuang_rate", "xinchuang"), ("new_on_cloud_rate", "new_on_cloud_rate")):
        assert (kpis[kid]["title_zh"], kpis[kid]["title_en"]) == (report[rid]["title_zh"], report[rid]["title_en"])
