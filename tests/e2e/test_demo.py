"""`cloudctl demo` as a user runs it: a real process that starts real processes, and leaves none.

Every child the demo starts has the demo's --out directory in its command line (configs and
inventories are written there), so "no stray process" is checked by scanning /proc for it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import INVENTORY, ROOT, need

pytestmark = [pytest.mark.real, pytest.mark.slow]

FIXTURE_INVENTORY = ROOT / "tests" / "fixtures" / "report" / "inventory"


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit() or int(d.name) == os.getpid():
            continue
        try:
            cmdline = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(f"{d.name}: {cmdline}")
    return found


def _ignore_sigint() -> None:  # how a shell starts a background job (`cloudctl demo &`)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _start(out: Path, *args: str, inventory: Path = INVENTORY, sigint_ignored: bool = False) -> tuple[subprocess.Popen, Path, Path]:
    stdout, stderr = out.parent / f"{out.name}.stdout", out.parent / f"{out.name}.stderr"
    proc = subprocess.Popen(
        [sys.executable, "-m", "cloudctl", "demo", "--out", str(out), "-i", str(inventory), *args],
        stdout=open(stdout, "w"),  # noqa: SIM115 - closed with the process
        stderr=open(stderr, "w"),  # noqa: SIM115
        env={**os.environ, "COLUMNS": "160", "CLOUDCTL_LANG": "en"},  # the summary in English; the report stays zh
        cwd=ROOT,
        preexec_fn=_ignore_sigint if sigint_ignored else None,  # noqa: PLW1509
    )
    return proc, stdout, stderr


def _wait_for(path: Path, pattern: str, proc: subprocess.Popen, timeout: float) -> re.Match:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = re.search(pattern, path.read_text(encoding="utf-8", errors="replace"))
        if m:
            return m
        assert proc.poll() is None, f"demo exited with {proc.returncode}: {path.read_text()[-2000:]}"
        time.sleep(0.1)
    raise AssertionError(f"{pattern!r} did not appear in {path} within {timeout} s")


def test_demo_runs_the_whole_job_on_the_shipped_inventory_and_leaves_no_process(tmp_path):
    need("prometheus")
    out = tmp_path / "demo-full"
    # how long it takes (target: under 60 s) is measured by bench/bench_report.py --demo, not here
    proc = subprocess.run(
        [sys.executable, "-m", "cloudctl", "demo", "--out", str(out), "--lang", "en"],
        capture_output=True, text=True, timeout=150, cwd=ROOT, env={**os.environ, "COLUMNS": "160"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "<h1>Lüliang Digital Government Indicator Report</h1>" in (out / "report.html").read_text(encoding="utf-8")
    # every step ran for real (nothing skipped: all pieces have landed and prometheus is installed)
    for step in ("Validate the inventory", "Start the cloud simulators", "Sync the clouds", "Plan and apply from the inventory", "Policy check",
                 "Start the SNMP fleet simulator", "Agent sweep", "Prometheus scrape", "Write the report"):
        assert re.search(rf"{re.escape(step)}\s+│ ok", proc.stdout), f"{step} did not run: {proc.stdout}"
    assert "village access" in proc.stdout
    report = out / "report.html"
    assert f"report: {report}" in proc.stdout
    page = report.read_text(encoding="utf-8")
    assert page.count("<tr data-county=") == 13
    doc = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert doc["sources"]["prometheus"].startswith("http://127.0.0.1:")
    seen, total = doc["sources"]["nodes_observed"].split("/")
    assert seen == total  # Prometheus has every node of the shipped inventory
    assert {c["provider"] for c in doc["clouds"]} == {"tianhe", "huawei", "xinchuang"}
    assert len(doc["trends"]["village_access"]) >= 2  # Prometheus range query: the trend chart has a line
    assert 'data-chart="trend"' in page
    assert doc["problems"]["violations_by_severity"] is not None
    assert _processes_mentioning(str(out)) == []
    assert not (out / ".demo.pid").exists()


@pytest.mark.parametrize("sigint_ignored", [False, True], ids=["foreground", "inherited-SIG_IGN"])
def test_ctrl_c_half_way_stops_every_process(tmp_path, sigint_ignored):
    out = tmp_path / "demo-interrupted"
    proc, _, stderr = _start(out, "--lang", "en", inventory=FIXTURE_INVENTORY, sigint_ignored=sigint_ignored)
    try:
        _wait_for(stderr, r"Start the SNMP fleet simulator", proc, 60)  # simulators up, agent starting
        assert _processes_mentioning(str(out)), "the demo's children should be running now"
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 130
    assert "interrupted" in stderr.read_text()
    assert _processes_mentioning(str(out)) == []
    assert not (out / ".demo.pid").exists()


def test_keep_running_serves_until_sigterm_and_two_demos_run_side_by_side(tmp_path):
    outs = [tmp_path / "demo-a", tmp_path / "demo-b"]
    procs = [_start(outs[0], "--keep-running", "--lang", "en", inventory=FIXTURE_INVENTORY),
             _start(outs[1], "--keep-running", inventory=FIXTURE_INVENTORY)]
    try:
        agents = []
        for proc, stdout, _ in procs:
            _wait_for(stdout, r"Try, in another terminal:[\s\S]*policy check", proc, 90)
            agents.append(_wait_for(stdout, r"agent\s+(http://127\.0\.0\.1:\d+/metrics)", proc, 5).group(1))
            assert re.search(r"cloudctl --config \S+cloudctl.yaml ls servers --store \S+store.db", stdout.read_text())
        assert agents[0] != agents[1]
        # the report is for Lüliang's managers: Chinese unless --lang en
        assert "<h1>Lüliang Digital Government Indicator Report</h1>" in (outs[0] / "report.html").read_text(encoding="utf-8")
        assert "<h1>吕梁市数字政府建设指标报告</h1>" in (outs[1] / "report.html").read_text(encoding="utf-8")
        for url, out in zip(agents, outs):  # both agents answer, on their own ports ...
            body = httpx.get(url, timeout=10).text
            agent_ratio = float(re.search(r'^egov_coverage_ratio\{county="all",level="village"\} (\S+)$', body, re.M).group(1))
            doc = json.loads((out / "report.json").read_text(encoding="utf-8"))
            village = next(i for i in doc["indicators"] if i["id"] == "village_access")
            assert village["value"] == pytest.approx(agent_ratio, abs=1e-6)  # ... and the report agrees with the agent
        for proc, _, _ in procs:
            proc.send_signal(signal.SIGTERM)
        codes = [proc.wait(timeout=30) for proc, _, _ in procs]
    finally:
        for proc, _, _ in procs:
            if proc.poll() is None:
                proc.kill()
    assert codes == [0, 0]
    for out in outs:
        assert _processes_mentioning(str(out)) == []


def test_a_second_demo_on_the_same_directory_is_refused(tmp_path):
    out = tmp_path / "demo-busy"
    out.mkdir()
    (out / ".demo.pid").write_text(str(os.getpid()))  # a live process holds it
    proc = subprocess.run([sys.executable, "-m", "cloudctl", "demo", "--out", str(out), "--lang", "en", "-i", str(FIXTURE_INVENTORY)],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 2
    assert "in use by another demo" in proc.stderr and "--out" in proc.stderr
    assert _processes_mentioning(str(out)) == []


def test_a_failure_half_way_stops_every_process_and_says_where(tmp_path):
    out = tmp_path / "demo-failing"
    bad = tmp_path / "policies"
    bad.mkdir()
    (bad / "broken.yaml").write_text("policies:\n  - id: x\n    severity: [not, a, severity\n")
    # the policy check runs after both simulators and the agent have started
    proc, _, stderr = _start(out, "--lang", "en", "--policies", str(bad), inventory=FIXTURE_INVENTORY)
    code = proc.wait(timeout=90)
    err = stderr.read_text()
    assert code == 2, err
    assert re.search(re.escape(str(bad / "broken.yaml")) + r":\d+:\d+: invalid YAML", err)
    assert "Start the SNMP fleet simulator" in err  # it did get half-way
    assert _processes_mentioning(str(out)) == []


def test_children_stop_even_when_the_demo_is_killed(tmp_path):
    """SIGKILL leaves no chance to clean up: the children get SIGTERM from the kernel (PR_SET_PDEATHSIG)."""
    out = tmp_path / "demo-killed"
    proc, _, stderr = _start(out, "--lang", "en", inventory=FIXTURE_INVENTORY)
    try:
        _wait_for(stderr, r"Start the SNMP fleet simulator", proc, 60)
        assert _processes_mentioning(str(out))
        proc.kill()
        proc.wait(timeout=10)
        deadline = time.monotonic() + 15
        while _processes_mentioning(str(out)) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _processes_mentioning(str(out)) == []


def test_children_that_ignore_sigterm_are_killed_with_their_whole_process_group(tmp_path):
    from cloudctl.demo.procs import Children

    marker = f"demo-grandchild-{os.getpid()}-{time.monotonic_ns()}"
    script = (
        "import signal, subprocess, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        f"subprocess.Popen([sys.executable, '-c', 'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)', '{marker}'])\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    children = Children(tmp_path / "logs", grace=0.5)
    child = children.start("stubborn", [sys.executable, "-c", script])
    children.wait_for_line(child, r"ready", 20)
    assert _processes_mentioning(marker)
    children.stop_all()
    assert child.proc.returncode == -signal.SIGKILL  # killed after the grace, not waited for (it sleeps 60 s)
    deadline = time.monotonic() + 5  # the grandchild is killed with the group (reaped by init)
    while _processes_mentioning(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_mentioning(marker) == []


def test_without_prometheus_the_report_reads_the_agent_directly(tmp_path):
    out = tmp_path / "demo-no-prometheus"
    bin_dir = tmp_path / "bin"  # a PATH without prometheus (the demo starts everything else via python)
    bin_dir.mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "cloudctl", "demo", "--out", str(out), "--lang", "en", "-i", str(FIXTURE_INVENTORY)],
        capture_output=True, text=True, timeout=120, cwd=ROOT, env={**os.environ, "PATH": str(bin_dir), "CLOUDCTL_LANG": "en"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "prometheus is not installed; the report reads the agent's /metrics" in proc.stderr
    doc = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert doc["sources"]["metrics"].startswith("http://127.0.0.1:") and doc["sources"]["metrics"].endswith("/metrics")
    assert doc["indicators"][0]["source"] == "metrics"
    assert _processes_mentioning(str(out)) == []
