"""The policy language: every operator, and every class of bad policy file → exit 2 with file:line."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from cloudctl.errors import PolicyFileError
from cloudctl.inventory import load_inventory
from cloudctl.policy import load_policies, run_check
from tests.unit.test_policy_support import FIXTURES

REPO = FIXTURES / "policy" / "new-systems-on-cloud" / "fail"  # sys-0001 (cloud, 信创), sys-0002 (classified), sys-0003 (new, on_prem)
INV = load_inventory(REPO / "inventory")

HEAD = """\
policies:
  - id: t
    title: {zh: 测试, en: test}
    severity: low
    resource: system
    rationale: {zh: 引文, en: quote, source: test}
    remediation: {zh: 修复, en: fix}
"""


def _file(tmp_path: Path, body: str, name: str = "p.yaml") -> Path:
    f = tmp_path / name
    f.write_text(body, encoding="utf-8")
    return f


def _matches(tmp_path: Path, filters: str) -> list[str]:
    f = _file(tmp_path, HEAD + textwrap.indent(textwrap.dedent(filters), "    "))
    result = run_check([f], INV, today=dt.date(2026, 1, 1), config_files=[])
    return sorted(v.record_id for v in result.violations)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ('filters: [{field: deployment, op: "==", value: cloud}]', ["sys-0001"]),
        ('filters: [{field: deployment, op: "!=", value: cloud}]', ["sys-0002", "sys-0003"]),
        ("filters: [{field: mlps_level, op: in, value: [3, 4]}]", ["sys-0002"]),
        ('filters: [{field: mlps_level, op: "<", value: 3}]', ["sys-0001", "sys-0003"]),
        ('filters: [{field: mlps_level, op: "<=", value: 2}]', ["sys-0001", "sys-0003"]),
        ('filters: [{field: mlps_level, op: ">", value: 2}]', ["sys-0002"]),
        ('filters: [{field: mlps_level, op: ">=", value: 3}]', ["sys-0002"]),
        ("filters: [{field: provider, op: exists}]", ["sys-0001"]),
        ("filters: [{field: provider, op: exists, value: false}]", ["sys-0002", "sys-0003"]),
        ("filters: [{field: name, op: regex, value: '^涉密'}]", ["sys-0002"]),
        ("filters: [{field: go_live, op: before, value: 2016-01-01}]", ["sys-0002"]),
        ("filters: [{field: go_live, op: after, value: '2019-05-01'}]", ["sys-0003"]),  # strictly after; dates may be quoted
        ('filters: [{and: [{field: classified, op: "==", value: false}, {field: deployment, op: "==", value: on_prem}]}]', ["sys-0003"]),
        ('filters: [{or: [{field: classified, op: "==", value: true}, {field: xinchuang, op: "==", value: true}]}]', ["sys-0001", "sys-0002"]),
        ('filters: [{not: {field: classified, op: "==", value: true}}]', ["sys-0001", "sys-0003"]),
        ('filters: [{field: migration.state, op: "==", value: planned}]', []),  # no migration block: absent, never equal
    ],
)
def test_operator(tmp_path: Path, filters: str, expected: list[str]) -> None:
    assert _matches(tmp_path, filters) == expected


def test_effective_date_in_the_future_skips_the_policy(tmp_path: Path) -> None:
    f = _file(tmp_path, HEAD + '    effective: 2030-01-01\n    filters: [{field: classified, op: "==", value: true}]\n')
    result = run_check([f], INV, today=dt.date(2026, 1, 1), config_files=[])
    assert result.violations == []
    assert [(s.policy_id, s.reason) for s in result.skipped] == [("t", "effective from 2030-01-01")]
    later = run_check([f], INV, today=dt.date(2030, 1, 1), config_files=[])
    assert [v.record_id for v in later.violations] == ["sys-0002"]


BAD = {
    "bad-yaml": (HEAD + "    filters: field: classified\n", 8, "invalid YAML"),
    "unknown-operator": (HEAD + "    filters: [{field: classified, op: '=~', value: true}]\n", 8, "unknown operator '=~'"),
    "unknown-field": (HEAD + "    filters: [{field: clasified, op: '==', value: true}]\n", 8, "unknown field 'clasified'"),
    "unknown-policy-key": (HEAD + "    filter: [{field: classified, op: '==', value: true}]\n", 8, "unknown field 'filter'"),
    "wrong-type": (HEAD + "    filters: [{field: mlps_level, op: '>=', value: three}]\n", 8, "wrong type for 'mlps_level'"),
    "wrong-type-severity": (HEAD.replace("severity: low", "severity: 5") + "    filters: [{field: classified, op: '==', value: true}]\n", 4, "severity"),
    "bad-date": (HEAD + "    filters: [{field: go_live, op: after, value: 2023-13-01}]\n", 8, "bad date '2023-13-01'"),
    "bad-date-string": (HEAD + "    filters: [{field: go_live, op: after, value: 'next year'}]\n", 8, "bad date 'next year'"),
    "bad-value": (HEAD + "    filters: [{field: deployment, op: '==', value: clod}]\n", 8, "'clod' is not a value of 'deployment'"),
    "bad-regex": (HEAD + "    filters: [{field: name, op: regex, value: '(['}]\n", 8, "bad regular expression"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_policy_file_exits_2_with_file_and_line(cli, tmp_path: Path, case: str) -> None:
    body, line, message = BAD[case]
    f = _file(tmp_path, body)
    code, out, err = cli("policy", "check", f, "--inventory", REPO / "inventory", "--no-store")
    assert code == 2, err
    assert f"{f}:{line}" in err, err
    assert message in err
    assert "Traceback" not in err and out == ""


def test_duplicate_policy_id_across_files_names_both_places(cli, tmp_path: Path) -> None:
    body = HEAD + "    filters: [{field: classified, op: '==', value: true}]\n"
    a, b = _file(tmp_path, body, "a.yaml"), _file(tmp_path, body, "b.yaml")
    code, _, err = cli("policy", "check", a, b, "--inventory", REPO / "inventory", "--no-store")
    assert code == 2
    assert f"{b}:2" in err and f"duplicate policy id 't' (first defined at {a}:2" in err


def test_every_problem_of_every_file_is_reported_at_once(tmp_path: Path) -> None:
    a = _file(tmp_path, BAD["unknown-field"][0], "a.yaml")
    b = _file(tmp_path, BAD["bad-date"][0], "b.yaml")
    c = _file(tmp_path, "waivers:\n  - {policy: nope, records: [x], reason: r, approver: a, expires: 2027-01-01}\n", "c.yaml")
    with pytest.raises(PolicyFileError) as info:
        load_policies([tmp_path])
    where = [(p.location.path, p.location.line) for p in info.value.problems]
    assert (str(a), 8) in where and (str(b), 8) in where and (str(c), 2) in where


def test_a_kpi_policy_needs_ratio_and_target(tmp_path: Path) -> None:
    f = _file(tmp_path, HEAD.replace("resource: system", "resource: kpi"))
    with pytest.raises(PolicyFileError, match="needs 'ratio' and 'target'"):
        load_policies([f])


def test_unknown_resource_is_named(tmp_path: Path) -> None:
    f = _file(tmp_path, HEAD.replace("resource: system", "resource: systems") + "    filters: [{field: id, op: exists}]\n")
    with pytest.raises(PolicyFileError, match="unknown resource 'systems'"):
        load_policies([f])


def test_missing_policy_path_is_an_input_error(cli, tmp_path: Path) -> None:
    code, _, err = cli("policy", "check", tmp_path / "nope", "--inventory", REPO / "inventory", "--no-store")
    assert code == 2 and "no such file or directory" in err


def test_policy_and_inventory_problems_are_reported_together(cli, tmp_path: Path) -> None:
    import shutil

    inv = tmp_path / "inventory"
    shutil.copytree(REPO / "inventory", inv)
    (inv / "waves.yaml").write_text("waves:\n  - {id: w1, name: x, start: 2026-01-01, end: 2025-01-01, status: active}\n", encoding="utf-8")
    f = _file(tmp_path, BAD["unknown-operator"][0])
    code, _, err = cli("policy", "check", f, "--inventory", inv, "--no-store")
    assert code == 2
    assert f"{f}:8" in err and "waves.yaml:2" in err
