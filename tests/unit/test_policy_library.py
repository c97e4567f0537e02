"""The shipped policy library: complete, cited, each policy proven by a passing and a failing fixture."""

from __future__ import annotations

import json

import datetime as dt
import re
from pathlib import Path

import pytest

from cloudctl.inventory import load_inventory
from cloudctl.policy import load_policies, run_check
from cloudctl.policy.loader import PolicySet
from tests.conftest import INVENTORY, ROOT
from tests.unit.test_policy_support import FIXTURES, POLICIES, store_from_fixture

SHIPPED = load_policies([POLICIES])
IDS = [lp.id for lp in SHIPPED.policies]
TODAY = dt.date(2026, 6, 1)  # after the 信创 target's effective date (2025-12-31)
# The plan's full text lives in the repository (docs/plan/README.md names its source), so a clone
# alone can check what the policies quote.
PLAN = (ROOT / "docs" / "plan" / "lvliang-digital-government-plan-2023-2025.txt").read_text(encoding="utf-8")
PLAN_LINES = PLAN.splitlines()

REQUIRED = {
    "classified-never-on-cloud", "new-systems-on-cloud", "mlps3-dr-backup", "xinchuang-deployment-rate",
    "no-new-private-networks", "county-core-gigabit", "snmp-v3", "snmp-community-not-public", "no-literal-secrets",
}


def test_the_library_encodes_every_rule_of_the_issue() -> None:
    assert REQUIRED <= set(IDS)


@pytest.mark.parametrize("pid", IDS)
def test_each_policy_has_both_titles_a_cited_rationale_and_a_remediation(pid: str) -> None:
    p = SHIPPED.get(pid).policy
    assert p.title.zh.strip() and p.title.en.strip()
    assert p.remediation.zh.strip() and p.remediation.en.strip()
    assert p.rationale.zh in PLAN, f"{pid}: rationale.zh must quote the plan (docs/plan/) verbatim"
    cited = re.search(r"seed line (\d+)", p.rationale.source)
    assert cited, f"{pid}: rationale.source must name the plan's line: 'seed line N'"
    line = int(cited.group(1))
    assert 1 <= line <= len(PLAN_LINES) and p.rationale.zh in PLAN_LINES[line - 1], (
        f"{pid}: the quote is not on line {line} of the plan; it is on line(s) "
        f"{[i + 1 for i, text in enumerate(PLAN_LINES) if p.rationale.zh in text]}"
    )


def _only(pid: str) -> PolicySet:
    return PolicySet([SHIPPED.get(pid)], [])


def _fixture_dirs() -> list[Path]:
    return sorted(p for p in (FIXTURES / "policy").iterdir() if p.is_dir() and not p.name.startswith("_"))


def test_every_fixture_directory_belongs_to_a_shipped_policy() -> None:
    assert {p.name for p in _fixture_dirs()} <= set(IDS)


@pytest.mark.parametrize("pid", IDS)
def test_each_shipped_policy_passes_its_pass_fixture_and_fails_its_fail_fixture(pid: str, tmp_path: Path) -> None:
    root = FIXTURES / "policy" / pid
    assert (root / "pass" / "inventory").is_dir() and (root / "fail" / "inventory").is_dir(), (
        f"policy {pid} needs tests/fixtures/policy/{pid}/pass/ and fail/ (see make_fixtures.py)"
    )
    found = {}
    for case in ("pass", "fail"):
        repo = root / case
        workdir = tmp_path / case
        workdir.mkdir()
        store = store_from_fixture(repo, workdir)
        try:
            result = run_check([], load_inventory(repo / "inventory"), store, today=TODAY, policies=_only(pid))
        finally:
            if store is not None:
                store.close()
        assert not result.skipped, result.skipped
        found[case] = [v for v in result.violations if v.policy_id == pid]
    assert found["pass"] == [], found["pass"]
    assert found["fail"], f"{pid}: the fail fixture does not violate the policy"


def test_shipped_inventory_passes_ci_at_high_with_the_documented_waivers(cli, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    # where the agents' secrets are set (an agent host): the community behind env:SNMP_COMMUNITY_PUBLIC is public
    monkeypatch.setenv("SNMP_COMMUNITY_PUBLIC", "public")
    monkeypatch.setenv("SNMP_COMMUNITY_LEGACY", "Lg-7q-not-the-default")
    code, out, err = cli("--lang", "en", "policy", "check", "--inventory", INVENTORY, "--no-store", "--fail-on", "high")
    assert code == 0, out + err
    assert "Lg-7q-not-the-default" not in out + err  # the value decides, and is never printed
    # the planted high findings are there, and waived, not silently absent
    lines = {line.split(" ")[0]: line for line in out.splitlines() if "waived" in line and not line.startswith(" ")}
    assert lines["snmp-community-not-public"].endswith("0 open, 3 waived")  # three access switches
    assert lines["new-systems-on-cloud"].endswith("0 open, 2 waived")
    assert lines["no-new-private-networks"].endswith("0 open, 1 waived")
    assert "critical 0, high 0" in out


def test_shipped_inventory_shows_the_planted_findings_below_the_threshold(cli, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    code, out, _ = cli("--lang", "en", "policy", "check", "--inventory", INVENTORY, "--no-store", "--fail-on", "medium", "--today", "2026-11-26")
    assert code == 1
    assert "county-core-gigabit [medium]" in out and "xinchuang-deployment-rate [medium]" in out


def test_policy_list_and_explain(cli, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    code, out, _ = cli("policy", "list", "-o", "csv")
    assert code == 0
    assert out.splitlines()[0].startswith("id,severity,resource")
    assert len(out.strip().splitlines()) == len(IDS) + 1
    code, out, _ = cli("--lang", "en", "policy", "explain", "classified-never-on-cloud")
    assert code == 0
    assert "classified == true and (deployment == cloud or cloud_vms > 0)" in out
    assert "加快推进各级各部门非涉密政务信息系统向政务云平台迁移" in out
    assert "How to fix" in out
    code, _, err = cli("policy", "explain", "no-such-policy")
    assert code == 2 and "no-such-policy" in err


def test_without_the_agents_secrets_the_community_policy_says_what_it_could_not_verify(cli, monkeypatch) -> None:
    """CI holds no secrets: the communities behind env: references cannot be judged there. The check
    says so (and keeps the waivers), rather than passing those nodes or judging them by name."""
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("SNMP_COMMUNITY_PUBLIC", raising=False)
    monkeypatch.delenv("SNMP_COMMUNITY_LEGACY", raising=False)
    code, out, err = cli("--lang", "en", "policy", "check", "--inventory", INVENTORY, "--no-store", "--fail-on", "high", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    [u] = [u for u in doc["unverified"] if u["policy_id"] == "snmp-community-not-public"]  # 136 v2c-legacy + 3 v2c-public nodes
    assert (u["records"], u["value"], u["references"]) == (139, "unresolved", ["env:SNMP_COMMUNITY_LEGACY", "env:SNMP_COMMUNITY_PUBLIC"])
    assert not [w for w in doc["unused_waivers"] if w["policy"] == "snmp-community-not-public"]
