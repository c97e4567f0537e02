"""``cloudctl sim serve`` as a real process: ready line, a valid 0600 config, faults wired, clean SIGTERM."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from cloudctl import config as cfgmod
from tests.unit.test_sim_dataset import write_inventory


def start(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen, str, Path]:
    inv = write_inventory(tmp_path / "inventory")
    cfg = tmp_path / "sim" / "cloudctl.yaml"
    proc = subprocess.Popen(
        [sys.executable, "-m", "cloudctl", "--lang", "en", "sim", "serve", "--inventory", str(inv), "--servers", "300",
         "--write-config", str(cfg), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 20
    line = ""
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if "ready" in line or not line:
            break
    if "ready" not in line:
        proc.kill()
        pytest.fail(f"no ready line; stderr: {proc.stderr.read()}")
    return proc, line, cfg


def stop(proc: subprocess.Popen) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(15)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_serve_writes_a_valid_private_config_and_exits_0_on_sigterm(tmp_path):
    proc, line, cfg = start(tmp_path)
    try:
        assert stat.S_IMODE(os.stat(cfg).st_mode) == 0o600
        loaded = cfgmod.load(cfg)
        providers = loaded.config.providers
        assert {n: p.driver for n, p in providers.items()} == {"tianhe": "openstack", "huawei": "huawei", "xinchuang": "zstack"}
        assert loaded.platforms == {"tianhe": "general", "huawei": "general", "xinchuang": "xinchuang"}  # indicator 7
        assert loaded.inventory_dir == (tmp_path / "inventory").resolve()
        assert loaded.store_path.parent == cfg.parent.resolve()
        for p in providers.values():
            url = getattr(p, "auth_url", None) or getattr(p, "endpoint", None) or p.endpoints["ecs"]
            assert url.split("/identity")[0] in line  # every URL is announced on the ready line
        tianhe = providers["tianhe"]
        body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": tianhe.username, "domain": {"name": tianhe.user_domain}, "password": tianhe.password.reveal()}}},
            "scope": {"project": {"name": tianhe.project, "domain": {"name": tianhe.project_domain}}}}}
        r = httpx.post(f"{tianhe.auth_url}/auth/tokens", json=body)
        assert r.status_code == 201 and r.headers["x-subject-token"]
    finally:
        code = stop(proc)
    assert code == 0
    assert "stopped" in proc.stderr.read()


def test_fault_flag_reaches_the_simulator(tmp_path):
    proc, _, cfg = start(tmp_path, "--fault", "huawei:throttle=1/1,retry_after=4")
    try:
        huawei = cfgmod.load(cfg).config.providers["huawei"]
        r = httpx.get(f"{huawei.endpoints['ecs']}/v1/{huawei.project_id}/cloudservers/detail")
        assert r.status_code == 429 and r.headers["retry-after"] == "4" and r.json()["error_code"] == "APIGW.0308"
    finally:
        assert stop(proc) == 0


def test_bad_fault_spec_is_a_usage_error(tmp_path):
    r = subprocess.run([sys.executable, "-m", "cloudctl", "--lang", "en", "sim", "serve", "--fault", "nosuch:error_rate=1"],
                       capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert r.returncode == 2 and "unknown simulator 'nosuch'" in r.stderr and "Traceback" not in r.stderr
