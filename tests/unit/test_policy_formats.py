"""Every output format of `policy check` against a golden file; SARIF against the official schema.

The tests never write the goldens. Regenerate them deliberately with ``make goldens``
(tools/goldens.py) and review the diff. Paths are relative to the repository root.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from tests.conftest import ROOT
from tests.unit.test_policy_support import FIXTURES
from tools.goldens import ARGS, EXPECTED_EXIT, REPO, SUFFIX, golden_path, normalize


def _run(cli, monkeypatch, fmt: str) -> str:
    monkeypatch.chdir(ROOT)
    code, out, err = cli(*ARGS, "--format", fmt)
    assert code == EXPECTED_EXIT, err  # critical findings in the golden repository
    return normalize(out)


@pytest.mark.parametrize("fmt", sorted(SUFFIX))
def test_golden(cli, monkeypatch, fmt: str) -> None:
    golden = golden_path(fmt)
    assert golden.exists(), f"missing {golden}: run `make goldens` and review the diff"
    assert _run(cli, monkeypatch, fmt) == golden.read_text(encoding="utf-8"), "a deliberate change? `make goldens`, then review the diff"


def test_the_regeneration_command_writes_the_committed_goldens(tmp_path) -> None:
    # `make goldens` on an unchanged tree is a no-op: the tool and the test mean the same output
    subprocess.run([sys.executable, str(ROOT / "tools" / "goldens.py"), "--out", str(tmp_path)], check=True, capture_output=True, timeout=300)
    for fmt in SUFFIX:
        assert golden_path(fmt, tmp_path).read_bytes() == golden_path(fmt).read_bytes(), fmt


def test_sarif_is_valid_against_the_official_sarif_2_1_0_schema(cli, monkeypatch) -> None:
    schema = json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    doc = json.loads(_run(cli, monkeypatch, "sarif"))
    validator = jsonschema.validators.validator_for(schema)(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert errors == [], [f"{list(e.path)}: {e.message}" for e in errors]
    results = doc["runs"][0]["results"]
    waived = [r for r in results if r.get("suppressions")]
    assert [r["ruleId"] for r in waived] == ["new-systems-on-cloud"]
    loc = next(r for r in results if r["ruleId"] == "classified-never-on-cloud")["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == f"{REPO}/inventory/systems.yaml" and loc["region"]["startLine"] == 13


def test_sarif_schema_rejects_a_broken_log() -> None:
    # the validator is not vacuous: a result without a message is invalid SARIF
    schema = json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "r"}]}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validators.validator_for(schema)(schema).validate(bad)


def test_junit_has_one_testcase_per_policy_and_record_class(cli, monkeypatch) -> None:
    root = ET.fromstring(_run(cli, monkeypatch, "junit"))
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert len(suites) == 11  # one per shipped policy
    failing = suites["snmp-v3"].findall("testcase")
    assert [c.get("name") for c in failing] == [f"node in {REPO}/inventory/nodes.yaml"]
    assert failing[0].find("failure").get("type") == "low"
    assert suites["cloud-servers-tagged"].find("testcase/skipped") is not None
    assert suites["no-new-private-networks"].find("testcase/failure") is None  # passing policy: a passing testcase
    assert int(root.get("failures")) == sum(int(s.get("failures")) for s in suites.values()) == 7


def test_github_annotations_levels_and_escaping(cli, monkeypatch) -> None:
    lines = _run(cli, monkeypatch, "github").splitlines()
    assert lines[0].startswith(f"::error file={REPO}/inventory/systems.yaml,line=13,col=3,title=classified-never-on-cloud [critical]::")
    assert any(line.startswith("::warning ") and "county-core-gigabit" in line for line in lines)
    assert any(line.startswith("::notice ") and "snmp-v3" in line for line in lines)
    assert not any("sys-0003" in line for line in lines)  # waived: no annotation
    assert any("expired waiver" in line for line in lines)
    # ',' and ':' inside a property would end it early; they are escaped
    secret = next(line for line in lines if "no-literal-secrets" in line)
    assert "%3A" not in secret.split("::")[1].split("title=")[0]  # plain path, nothing to escape
    from cloudctl.policy.formats import _gh_prop

    assert _gh_prop("a,b:c%\n") == "a%2Cb%3Ac%25%0A"


def test_json_is_for_scripts(cli, monkeypatch) -> None:
    doc = json.loads(_run(cli, monkeypatch, "json"))
    assert doc["summary"]["violations"] == {"critical": 2, "high": 2, "medium": 2, "low": 1}
    assert doc["summary"]["waived"] == 1
    v = next(v for v in doc["violations"] if v["policy_id"] == "classified-never-on-cloud")
    assert (v["file"], v["line"], v["record_id"], v["waived"]) == (f"{REPO}/inventory/systems.yaml", 13, "sys-0002", False)
    assert [w["policy"] for w in doc["expired_waivers"]] == ["mlps3-dr-backup"]
