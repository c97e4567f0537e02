"""`policy check` behaviour: thresholds, waivers, store evidence, secrets, and the CI scenario."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from cloudctl.inventory import load_inventory
from cloudctl.policy import run_check
from tests.conftest import INVENTORY, ROOT
from tests.unit.test_policy_support import FIXTURES, POLICIES, copy_repo, edit_yaml, make_store

GOLDEN = FIXTURES / "policy" / "_golden"  # breaks most policies at once; two waivers (one expired on 2026-01-31)
CHECK = ("--lang", "en", "policy", "check", POLICIES / "plan.yaml", GOLDEN / "waivers.yaml", "--inventory", GOLDEN / "inventory", "--no-store")


@pytest.mark.parametrize(("fail_on", "code"), [("critical", 1), ("high", 1), ("medium", 1), ("low", 1)])
def test_fail_on_thresholds_with_critical_findings(cli, fail_on: str, code: int) -> None:
    assert cli(*CHECK, "--today", "2026-06-01", "--fail-on", fail_on)[0] == code


@pytest.mark.parametrize(("fail_on", "code"), [("critical", 0), ("high", 0), ("medium", 1), ("low", 1)])
def test_fail_on_counts_only_the_threshold_and_above(fail_on: str, code: int) -> None:
    # only the county-uplink finding (medium) and nothing worse
    inv = load_inventory(FIXTURES / "policy" / "county-core-gigabit" / "fail" / "inventory")
    result = run_check([POLICIES], inv, today=dt.date(2026, 6, 1))
    assert result.by_severity() == {"critical": 0, "high": 0, "medium": 1, "low": 0}
    assert result.exit_code(fail_on) == code


def test_active_waiver_waives_and_expired_waiver_is_reported_and_stops_waiving() -> None:
    inv = load_inventory(GOLDEN / "inventory")
    paths = [POLICIES / "plan.yaml", GOLDEN / "waivers.yaml"]
    before = run_check(paths, inv, today=dt.date(2026, 1, 31))  # the expiry day itself still waives
    by = {(v.policy_id, v.record_id): v for v in before.violations}
    assert by[("new-systems-on-cloud", "sys-0003")].waived
    assert by[("mlps3-dr-backup", "sys-0004")].waived
    assert before.expired_waivers == []

    after = run_check(paths, inv, today=dt.date(2026, 2, 1))
    by = {(v.policy_id, v.record_id): v for v in after.violations}
    assert by[("new-systems-on-cloud", "sys-0003")].waived
    assert not by[("mlps3-dr-backup", "sys-0004")].waived
    assert [w.waiver.policy for w in after.expired_waivers] == ["mlps3-dr-backup"]
    assert after.by_severity()["high"] == before.by_severity()["high"] + 1


def test_expired_waiver_is_printed_with_its_location(cli, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    code, out, _ = cli(*CHECK, "--today", "2026-06-01", "--fail-on", "critical")
    assert code == 1
    assert "tests/fixtures/policy/_golden/waivers.yaml:8: the waiver of mlps3-dr-backup for sys-0004 expired on 2026-01-31" in out


def test_ci_simulation_classified_system_put_on_the_cloud_fails_the_check(cli, tmp_path: Path, monkeypatch) -> None:
    """The issue's done-when: the CI job fails on an MR putting a classified system on the cloud."""
    repo = tmp_path / "repo"
    repo.mkdir()
    copy_repo(INVENTORY, repo / "inventory")
    copy_repo(POLICIES, repo / "policies")
    monkeypatch.chdir(repo)
    ci = ("policy", "check", "--inventory", "inventory", "--no-store", "--fail-on", "high", "--format", "github")
    code, out, err = cli(*ci)
    assert code == 0, out + err  # the clean copy passes

    def classify_first_cloud_system(data: dict) -> None:
        target = next(s for s in data["systems"] if s["deployment"] == "cloud" and not s["classified"])
        target["classified"] = True

    edit_yaml(repo / "inventory" / "systems.yaml", classify_first_cloud_system)
    code, out, _ = cli(*ci)
    assert code == 1
    assert out.startswith("::error file=inventory/systems.yaml,line=")
    assert "classified-never-on-cloud" in out


def test_store_evidence_finds_a_classified_system_running_on_the_cloud(tmp_path: Path) -> None:
    inv = load_inventory(FIXTURES / "policy" / "classified-never-on-cloud" / "pass" / "inventory")
    store = make_store(tmp_path / "s.db", [{"provider": "tianhe", "id": "vm-9", "status": "active", "system": "sys-0002"}])
    try:
        with_store = run_check([POLICIES / "plan.yaml"], inv, store, today=dt.date(2026, 6, 1))
    finally:
        store.close()
    without = run_check([POLICIES / "plan.yaml"], inv, today=dt.date(2026, 6, 1))
    assert ("classified-never-on-cloud", "sys-0002") in {(v.policy_id, v.record_id) for v in with_store.violations}
    assert "classified-never-on-cloud" not in {v.policy_id for v in without.violations}
    assert "cloud-servers-tagged" in {s.policy_id for s in without.skipped}
    assert "cloud-servers-tagged" not in {s.policy_id for s in with_store.skipped}


def test_cli_uses_the_store_when_given_and_says_so_when_the_default_is_missing(cli, tmp_path: Path, monkeypatch) -> None:
    repo = FIXTURES / "policy" / "cloud-servers-tagged" / "fail"
    store = make_store(tmp_path / "s.db", [{"provider": "huawei", "id": "vm-2", "status": "active", "system": "sys-9999"}])
    store.close()
    code, out, err = cli("--lang", "en", "policy", "check", POLICIES, "--inventory", repo / "inventory", "--store", tmp_path / "s.db", "--fail-on", "low")
    assert code == 1 and "store:server/huawei/vm-2" in out
    assert "no store" not in err
    monkeypatch.setenv("CLOUDCTL_CONFIG", str(_config(tmp_path, tmp_path / "absent.db")))
    code, out, err = cli("--lang", "en", "policy", "check", POLICIES, "--inventory", repo / "inventory", "--fail-on", "high")
    assert code == 0
    assert err.count("\n") == 1 and f"no store at {tmp_path / 'absent.db'}; using the inventory alone" in err
    code, _, err = cli("policy", "check", POLICIES, "--inventory", repo / "inventory", "--store", tmp_path / "absent.db")
    assert code == 2 and "absent.db" in err  # an explicit store that is missing is an error


def _config(tmp_path: Path, store: Path) -> Path:
    f = tmp_path / "cloudctl.yaml"
    f.write_text(f"store: {store}\n", encoding="utf-8")
    return f


def test_literal_secrets_are_found_by_field_name_and_never_printed(cli, tmp_path: Path) -> None:
    repo = copy_repo(FIXTURES / "policy" / "no-literal-secrets" / "pass", tmp_path / "repo")
    (repo / "cloudctl.yaml").write_text(
        "providers:\n  - {name: huawei, type: huawei, ak: AKIDEXAMPLE, sk: 'SkLiteral-Value-123', region: cn-north-4}\n"
        "  - {name: tianhe, type: openstack, password: 'env:TIANHE_PASSWORD'}\n", encoding="utf-8")
    code, out, _ = cli("--lang", "en", "policy", "check", POLICIES, "--inventory", repo / "inventory", "--no-store", "--fail-on", "critical", "--format", "json")
    assert code == 1
    assert "SkLiteral-Value-123" not in out
    assert f"{repo / 'cloudctl.yaml'}#providers[0].sk" in out
    assert "providers[1].password" not in out  # a reference is fine


def test_config_files_can_be_named_explicitly(tmp_path: Path) -> None:
    repo = FIXTURES / "policy" / "snmp-community-not-public" / "fail"
    inv = load_inventory(repo / "inventory")
    named = run_check([POLICIES / "plan.yaml"], inv, today=dt.date(2026, 6, 1), config_files=[repo / "agents" / "agent.yaml"])
    none = run_check([POLICIES / "plan.yaml"], inv, today=dt.date(2026, 6, 1), config_files=[])
    assert "snmp-community-not-public" in {v.policy_id for v in named.violations}
    # without the agent config nothing defines 'v2c-legacy': its version is unknown (snmp-v3 flags
    # it: it cannot be shown to be v3) and its community is not known to be public
    assert "snmp-community-not-public" not in {v.policy_id for v in none.violations}
    assert "snmp-v3" in {v.policy_id for v in none.violations}


def test_shipped_policies_cover_every_record_of_their_kind_and_read_the_store_per_kind_not_per_policy(tmp_path: Path) -> None:
    # The deterministic part of "the shipped check is fast" (the time itself: bench/bench_policy.py).
    from collections import Counter

    inv = load_inventory(INVENTORY)
    store = make_store(tmp_path / "s.db", [{"provider": "tianhe", "id": f"s{i}", "name": f"vm{i}", "status": "active",
                                            "project": "p", "region": "r", "system": "sys-0001"} for i in range(50)])
    reads: Counter = Counter()

    class CountingStore:
        def resources(self, kind=None, **kw):  # noqa: ANN001, ANN003, ANN202
            reads[kind] += 1
            return store.resources(kind, **kw)

    result = run_check([POLICIES], inv, CountingStore(), today=dt.date(2026, 6, 1), config_files=[])
    records = {"system": len(inv.systems), "node": len(inv.nodes), "site": len(inv.sites), "server": 50, "secret": 0}
    for lp in result.policies:
        p = lp.policy
        expected = 1 if p.ratio is not None else records[p.resource]  # a KPI is one record
        assert result.evaluated[p.id] == expected, p.id
    assert set(reads) == {"server"} and reads["server"] <= 2  # the migration evidence and the records


def test_check_runs_from_the_repository_root_with_defaults(cli, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    code, out, _ = cli("policy", "check", "--no-store", "--fail-on", "high", "--format", "json")
    assert code == 0 and '"violations"' in out


@pytest.mark.parametrize(
    ("name", "profile", "env", "expected"),
    [
        ("v2c-lab", {"version": "2c", "community": "public"}, {}, ("2c", "public")),  # the literal well-known value
        # the value decides, not the names: a profile called ...public with another community is fine,
        ("v2c-public", {"version": "2c", "community": "env:COMMUNITY_X"}, {"COMMUNITY_X": "n0t-the-default"}, ("2c", "other")),
        # and a harmless-looking name hiding the community public is not
        ("v2c-legacy", {"version": "2c", "community": "env:COMMUNITY_X"}, {"COMMUNITY_X": "public"}, ("2c", "public")),
        ("v2c-lab", {"version": "2c", "community": "file:community.txt"}, {}, ("2c", "public")),  # relative to the config
        ("v2c-lab", {"version": "2c", "community": "env:COMMUNITY_UNSET"}, {}, ("2c", "unresolved")),  # CI holds no secrets
        ("v2c-lab", {"version": "2c", "community": "s3cr3t-community"}, {}, ("2c", "other")),
        ("v3-default", {"version": "2c", "community": "public"}, {}, ("2c", "public")),  # version: says 2c, the name says v3
        ("lab", {"version": 3, "user": "u"}, {}, ("3", None)),
    ],
)
def test_snmp_profile_is_judged_by_its_version_and_resolved_community_not_its_name(tmp_path: Path, monkeypatch, name, profile, env, expected) -> None:  # noqa: ANN001
    from cloudctl.policy import repo_files

    monkeypatch.delenv("COMMUNITY_UNSET", raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    (tmp_path / "community.txt").write_text("public\n", encoding="utf-8")
    f = tmp_path / "agent.yaml"
    f.write_text(yaml.safe_dump({"inventory": "inv", "profiles": {name: profile}}), encoding="utf-8")
    got = repo_files.read([f], inventory_root=tmp_path / "inv").profile(name, "lishi")
    assert (got.version, got.community) == expected
    assert repo_files.read([f], inventory_root=tmp_path / "inv").profile("v3-undefined", "lishi").version == "unknown"  # never guessed
    assert repo_files.read([f], inventory_root=tmp_path / "other").profile(name, "lishi").defined is False  # another inventory's agent
