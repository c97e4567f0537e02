"""The README flow as a new user runs it, with real processes on loopback sockets:

`cloudctl sim serve` → sync → plan → apply --yes → sync; then every server a selector claims carries
its system's tag — read back with the official clients, openstacksdk and Huawei's SDK — and the
policy `cloud-servers-tagged` lists only servers no selector claims; `audit verify` is green and
catches a one-byte edit. An apply interrupted with SIGINT exits 130 and the next plan shows
exactly what remains.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from cloudctl.inventory import load_inventory
from tests.conftest import INVENTORY, ROOT, run_cloudctl

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::Warning:openstack.*")]


def _serve(tmp: Path, *extra: str) -> tuple[subprocess.Popen, Path]:
    cfg = tmp / "cloudctl.yaml"
    proc = subprocess.Popen([sys.executable, "-m", "cloudctl", "sim", "serve", "--inventory", str(INVENTORY), "--write-config", str(cfg), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    line = proc.stdout.readline()
    assert "ready" in line, proc.stderr.read()
    return proc, cfg


def _stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGINT)
    proc.wait(15)


@pytest.fixture
def sims(tmp_path):
    proc, cfg = _serve(tmp_path)
    yield cfg
    _stop(proc)


def cc(cfg: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    return run_cloudctl("--config", cfg, "--lang", "en", *args, env={"COLUMNS": "250"}, cwd=ROOT, **kw)


def _claimed(cfg: Path) -> dict[tuple[str, str], str]:
    """(provider, server id) -> the system whose selector claims it, from the store after sync."""
    out = cc(cfg, "ls", "servers", "-o", "json")
    assert out.returncode == 0, out.stderr
    servers = json.loads(out.stdout)
    inv = load_inventory(INVENTORY)
    from fnmatch import fnmatchcase

    claims = {}
    for s in inv.systems.values():
        for sel in s.servers:
            for r in servers:
                if r["provider"] == sel.provider and r["project"] == sel.project and fnmatchcase(r["name"], sel.name):
                    claims[(r["provider"], r["id"])] = s.id
    return claims


def test_sync_plan_apply_sync_tags_every_claimed_server_and_the_official_clients_see_it(sims, tmp_path):
    cfg = sims
    assert cc(cfg, "sync").returncode == 0
    claims = _claimed(cfg)
    before = {(r["provider"], r["id"]): r["system"] for r in json.loads(cc(cfg, "ls", "servers", "-o", "json").stdout)}
    wrong = {k for k, sid in claims.items() if before[k] != sid}
    assert len(wrong) > 20  # the simulators' dataset leaves part of each system's servers untagged or mis-tagged

    plan = cc(cfg, "plan", "--out", tmp_path / "plan.json", "--exit-code")
    assert plan.returncode == 1, plan.stderr
    assert "tags to set or correct" in plan.stderr and "correct tag" in plan.stdout and "create project" in plan.stdout
    applied = cc(cfg, "apply", tmp_path / "plan.json", "--yes")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "0 conflicts, 0 failed" in applied.stderr
    assert cc(cfg, "sync").returncode == 0
    again = cc(cfg, "plan", "--exit-code")
    assert again.returncode == 0 and "No changes" in again.stderr, again.stdout + again.stderr

    after = {(r["provider"], r["id"]): r for r in json.loads(cc(cfg, "ls", "servers", "-o", "json").stdout)}
    assert claims and all(after[k]["system"] == sid for k, sid in claims.items())
    # the policy lists only servers no selector claims
    check = cc(cfg, "policy", "check", "--format", "json", "--fail-on", "critical")
    findings = [f for f in json.loads(check.stdout)["violations"] if f["policy_id"] == "cloud-servers-tagged"]
    flagged = {tuple(f["record_id"].split("/", 1)) for f in findings}
    assert flagged and not flagged & set(claims)

    doc = yaml.safe_load(cfg.read_text())
    _openstacksdk_sees(doc["providers"]["tianhe"], {k[1]: v for k, v in claims.items() if k[0] == "tianhe"})
    _huawei_sdk_sees(doc["providers"]["huawei"], {k[1]: v for k, v in claims.items() if k[0] == "huawei"},
                     {k[1]: r["project_id"] for k, r in after.items() if k[0] == "huawei"})

    audit = Path(doc["audit_log"])
    ok = cc(cfg, "audit", "verify")
    assert ok.returncode == 0 and "intact" in ok.stderr
    data = bytearray(audit.read_bytes())
    i = data.index(b'"result":"ok"') + len(b'"result":"')
    data[i] = ord("O")  # one byte
    audit.write_bytes(bytes(data))
    bad = cc(cfg, "audit", "verify")
    assert bad.returncode == 1 and "altered" in bad.stderr and "line " in bad.stderr


def _openstacksdk_sees(p: dict, claims: dict[str, str]) -> None:
    import openstack

    conn = openstack.connect(auth_url=p["auth_url"], username=p["username"], password=p["password"], project_name="admin",
                             user_domain_name="Default", project_domain_name="Default", load_yaml_config=False, load_envvars=False)
    try:
        seen = {s.id: s.metadata.get("system-id") for s in conn.compute.servers(all_projects=True)}
    finally:
        conn.close()
    assert claims and {sid: seen[sid] for sid in claims} == claims


def _huawei_sdk_sees(p: dict, claims: dict[str, str], projects: dict[str, str]) -> None:
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkecs.v2 import EcsClient, ShowServerTagsRequest

    assert claims
    for sid, system in claims.items():
        client = (EcsClient.new_builder().with_credentials(BasicCredentials(p["ak"], p["sk"], projects[sid]))
                  .with_endpoints([p["endpoints"]["ecs"]]).build())
        tags = {t.key: t.value for t in client.show_server_tags(ShowServerTagsRequest(server_id=sid)).tags}
        assert tags.get("system-id") == system


def test_ctrl_c_during_apply_exits_130_and_the_next_plan_shows_exactly_what_remains(tmp_path):
    proc, cfg = _serve(tmp_path, "--fault", "latency=40", "--fault", "job_seconds=0.2")
    try:
        assert cc(cfg, "sync").returncode == 0
        assert cc(cfg, "plan", "--out", tmp_path / "plan.json").returncode == 0
        total = len(json.loads((tmp_path / "plan.json").read_text())["changes"])
        audit = Path(yaml.safe_load(cfg.read_text())["audit_log"])
        apply = subprocess.Popen([sys.executable, "-m", "cloudctl", "--config", str(cfg), "apply", str(tmp_path / "plan.json"), "--yes"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                                 env={**os.environ, "COLUMNS": "200"})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not audit.exists() or audit.read_text().count('"result":"ok"') < 5):
            time.sleep(0.02)
        apply.send_signal(signal.SIGINT)
        out, err = apply.communicate(timeout=60)
        assert apply.returncode == 130, err
        done = [json.loads(line) for line in audit.read_text().splitlines()]
        finished = {(r["provider"], r["id"], r["action"]) for r in done if r["result"] == "ok"}
        started = {(r["provider"], r["id"], r["action"]) for r in done if r["result"] == "started"}
        assert started == finished  # every change that was begun was finished and recorded
        assert 5 <= len(finished) < total
        remaining = cc(cfg, "plan", "-o", "json")
        rows = json.loads(remaining.stdout)
        assert len(rows) == total - len(finished)
        assert not {(r["provider"], r["id"], r["action"]) for r in rows} & finished
        assert cc(cfg, "audit", "verify").returncode == 0
    finally:
        _stop(proc)
