"""Under CI=true a skip fails the run unless its reason is on the allow-list (tests/ci_skips.py).

Each case runs a real pytest process on a small test file with only this plugin loaded.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

SKIPS = '''
import pytest

def test_runs():
    assert True

def test_skips_in_the_body():
    pytest.skip("no IPv6 loopback here")

@pytest.mark.skipif(True, reason="inventory/ is not in this checkout yet")
def test_skipif():
    pass

@pytest.mark.xfail(reason="known bug")
def test_xfails():
    assert False

@pytest.mark.xfail(reason="fixed meanwhile")
def test_xpasses():
    pass
'''

MODULE_SKIP = '''
import pytest

somelib = pytest.importorskip("no_such_module_for_ci_skips")

def test_never_collected():
    pass
'''


def run(tmp_path: Path, source: str, *, ci: bool, allowed: list[dict] | None = None) -> subprocess.CompletedProcess:
    (tmp_path / "test_case.py").write_text(source)
    allow = tmp_path / "allowed.yaml"
    allow.write_text(yaml.safe_dump({"allowed": allowed or []}))
    env = {k: v for k, v in os.environ.items() if k != "CI"} | ({"CI": "true"} if ci else {})
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.ci_skips", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
         "-c", os.devnull, "--ci-allowed-skips", str(allow), str(tmp_path / "test_case.py")],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
    )


def test_without_ci_skips_are_reported_and_the_run_passes(tmp_path):
    r = run(tmp_path, SKIPS, ci=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "skips that CI does not allow" not in r.stdout


def test_under_ci_every_unlisted_skip_xfail_and_xpass_fails_the_run_and_is_named(tmp_path):
    r = run(tmp_path, SKIPS, ci=True)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "1 passed, 2 skipped, 1 xfailed, 1 xpassed" in r.stdout
    named = [line for line in r.stdout.splitlines() if line.startswith("SKIPPED test_case.py::")]
    assert named == [
        "SKIPPED test_case.py::test_skips_in_the_body: no IPv6 loopback here",
        "SKIPPED test_case.py::test_skipif: inventory/ is not in this checkout yet",
        "SKIPPED test_case.py::test_xfails: xfail: known bug",
        "SKIPPED test_case.py::test_xpasses: xfail: fixed meanwhile",
    ]
    assert "4 skip(s) whose reason is not on" in r.stdout


def test_under_ci_a_module_level_importorskip_fails_the_run(tmp_path):
    r = run(tmp_path, MODULE_SKIP, ci=True)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "SKIPPED test_case.py: could not import 'no_such_module_for_ci_skips'" in r.stdout


def test_under_ci_skips_on_the_allow_list_pass_and_the_others_still_fail(tmp_path):
    everything = [{"reason": "no IPv6 loopback here", "why": "test"}, {"reason": "inventory/ .*", "why": "test"},
                  {"reason": "xfail: .*", "why": "test"}]
    assert run(tmp_path, SKIPS, ci=True, allowed=everything).returncode == 0
    partial = run(tmp_path, SKIPS, ci=True, allowed=everything[:2])
    assert partial.returncode == 1
    assert "SKIPPED test_case.py::test_xfails: xfail: known bug" in partial.stdout
    assert "no IPv6 loopback here" not in partial.stdout.split("skips that CI does not allow")[1]


def test_a_reason_must_match_whole_not_in_part(tmp_path):
    r = run(tmp_path, SKIPS, ci=True, allowed=[{"reason": "no IPv6", "why": "test"}])
    assert "SKIPPED test_case.py::test_skips_in_the_body: no IPv6 loopback here" in r.stdout


@pytest.mark.parametrize("entry", [{"reason": "x"}, {"why": "because"}, {"reason": " ", "why": "because"}])
def test_an_allow_list_entry_without_reason_or_why_is_a_usage_error(tmp_path, entry):
    r = run(tmp_path, SKIPS, ci=True, allowed=[entry])
    assert r.returncode == pytest.ExitCode.USAGE_ERROR, r.stdout + r.stderr
    assert "needs a non-empty 'reason'" in r.stderr


def test_the_shipped_allow_list_gives_a_why_for_every_entry():
    from tests.ci_skips import DEFAULT_ALLOW_LIST, load_allow_list

    for entry in load_allow_list(DEFAULT_ALLOW_LIST):
        assert len(entry.why.split()) >= 5, f"{entry.reason.pattern}: say why CI may tolerate this skip"
