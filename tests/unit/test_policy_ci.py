"""The CI examples, run as written: they fail on a merge request that puts a classified system on
the cloud and pass on a clean one (the issue's done-when)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import INVENTORY, ROOT
from tests.unit.test_policy_support import POLICIES, edit_yaml

CI = ROOT / "examples" / "ci"


def _github_commands() -> list[str]:
    wf = yaml.safe_load((CI / "github-actions.yml").read_text(encoding="utf-8"))
    steps = wf["jobs"]["policy"]["steps"]
    return [s["run"] for s in steps if "run" in s and "pip install" not in s["run"]], wf["env"]


def _gitlab_commands() -> list[str]:
    job = yaml.safe_load((CI / "gitlab-ci.yml").read_text(encoding="utf-8"))["policy-check"]
    assert {"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'} in job["rules"]
    assert job["artifacts"]["reports"]["junit"] == "policy-junit.xml"
    return [c for c in job["script"] if "pip install" not in c], job["variables"]


def _run_job(commands: list[str], env: dict, repo: Path) -> int:
    """Run the job's shell lines in order, stopping at the first failure, as the CI runners do."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"  # the venv's `cloudctl`
    for cmd in commands:
        proc = subprocess.run(["bash", "-eo", "pipefail", "-c", cmd], cwd=repo, env={**os.environ, **env, "PATH": path, "CLOUDCTL_LANG": "en"},
                              capture_output=True, text=True, timeout=120)
        if proc.returncode:
            return proc.returncode
    return 0


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    r = tmp_path / "repo"
    r.mkdir()
    shutil.copytree(INVENTORY, r / "inventory")
    shutil.copytree(POLICIES, r / "policies")
    shutil.copytree(ROOT / "agents", r / "agents")
    return r


def _put_a_classified_system_on_the_cloud(repo: Path) -> None:
    def edit(data: dict) -> None:
        target = next(s for s in data["systems"] if s["classified"] and s["deployment"] == "on_prem")
        target.update(deployment="cloud", provider="huawei",
                      tenant=next(t for t in yaml.safe_load((repo / "inventory" / "tenants.yaml").read_text(encoding="utf-8"))["tenants"] if t["provider"] == "huawei")["id"])

    edit_yaml(repo / "inventory" / "systems.yaml", edit)


@pytest.mark.slow
@pytest.mark.parametrize("which", ["github", "gitlab"])
def test_ci_job_passes_a_clean_merge_request_and_fails_a_classified_system_on_the_cloud(repo: Path, which: str) -> None:
    commands, env = _github_commands() if which == "github" else _gitlab_commands()
    assert any("policy check" in c for c in commands)
    assert _run_job(commands, env, repo) == 0
    if which == "github":
        assert '"version": "2.1.0"' in (repo / "policy.sarif").read_text(encoding="utf-8")
    else:
        assert "<testsuites" in (repo / "policy-junit.xml").read_text(encoding="utf-8")
    _put_a_classified_system_on_the_cloud(repo)
    assert _run_job(commands, env, repo) == 1
    if which == "gitlab":
        assert 'classname="policy.classified-never-on-cloud"' in (repo / "policy-junit.xml").read_text(encoding="utf-8")
