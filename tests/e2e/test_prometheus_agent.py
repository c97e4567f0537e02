"""End to end: the fleet simulator (real process) serves the shipped inventory's nodes, the agent
(real process) polls them, Debian's Prometheus scrapes the agent and evaluates agents/ rules, and
PromQL answers the coverage and IPv6 ratios computed here from the simulator's deterministic data.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

import pytest

from cloudctl.inventory.loader import load_inventory
from cloudctl.sim.snmp.fleet import IPV6_GLOBAL, Shares  # the simulator's deterministic ground truth
from cloudctl.sim.snmp.inventory import specs_from_inventory
from tests.conftest import INVENTORY, ROOT, need

pytestmark = [pytest.mark.real, pytest.mark.slow]

SEED = 7
SHARES = Shares(ipv6=0.6, link_local_only=0.1, down=0.05, slow=0.02, ipv6_mib_only=0.1, no_length_index=0.1)
COMMUNITY = "e2e-community"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url: str, timeout: float = 5) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310 - loopback only
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError:
        return 0, ""


def wait_for(what: str, check, timeout: float, procs=()) -> object:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for p in procs:
            if p.poll() is not None:
                pytest.fail(f"{what}: a process exited early with {p.returncode}: {p.stderr.read() if p.stderr else ''}")
        got = check()
        if got:
            return got
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}")


def expected_figures() -> tuple[dict, dict]:
    """Coverage per (level, county) and IPv6 ratio per county, from the inventory + simulator specs."""
    inv = load_inventory(INVENTORY)
    specs = {s.id: s for s in specs_from_inventory(inv, seed=SEED, shares=SHARES)}
    city = {s.id for s in inv.sites.values() if s.level == "city"}

    def area(site_id: str) -> str:
        return inv.county_of(site_id) or (site_id if site_id in city else "")

    up_sites = {n.site for n in inv.nodes.values() if not specs[n.id].down}
    cov: dict = defaultdict(lambda: [0, 0])
    for s in inv.sites.values():
        if s.level in ("county", "township", "village"):
            for c in (area(s.id), "all"):
                cov[(s.level, c)][0] += s.id in up_sites
                cov[(s.level, c)][1] += 1
    v6: dict = defaultdict(lambda: [0, 0])
    for n in inv.nodes.values():
        sp = specs[n.id]
        if not sp.down:
            for c in (area(n.site), "all"):
                v6[c][0] += sp.ipv6 == IPV6_GLOBAL
                v6[c][1] += 1
    return {k: a / b for k, (a, b) in cov.items()}, {k: a / b for k, (a, b) in v6.items()}


def query(prom: str, expr: str) -> dict[tuple, float]:
    status, body = http_get(f"{prom}/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
    if status != 200:
        return {}
    out = {}
    for r in json.loads(body)["data"]["result"]:
        m = r["metric"]
        out[(m.get("level", ""), m.get("county", ""))] = float(r["value"][1])
    return out


@pytest.fixture
def fleet(tmp_path):
    sim_inv = tmp_path / "sim-inventory"
    sim = subprocess.Popen(
        [sys.executable, "-m", "cloudctl", "sim", "snmp", "--inventory", str(INVENTORY), "--write-inventory", str(sim_inv),
         "--seed", str(SEED), "--community", COMMUNITY, "--ipv6-share", "0.6", "--link-local-share", "0.1", "--down-share", "0.05",
         "--slow-share", "0.02", "--slow-delay", "0.3", "--ipv6-mib-share", "0.1", "--no-length-share", "0.1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )
    try:
        line = wait_for("simulator ready", lambda: sim.stdout.readline().strip(), 60, [sim])  # its first line
        assert "ready" in line
        yield sim_inv
    finally:
        sim.send_signal(signal.SIGTERM)
        sim.wait(15)


def test_prometheus_scrapes_coverage_and_ipv6_ratios(fleet, tmp_path):
    prometheus = need("prometheus")
    agent_port, prom_port = free_port(), free_port()
    profile = "{version: 2c, community: \"env:E2E_COMMUNITY\", timeout: 2s, retries: 1}"
    config = tmp_path / "agent.yaml"
    config.write_text(
        f"inventory: {fleet}\nlisten: 127.0.0.1:{agent_port}\ninterval: 5s\nconcurrency: 512\nprofiles:\n"
        f"  v3-default: {profile}\n  v2c-legacy: {profile}\n  v2c-public: {profile}\n  sim: {profile}\n"
    )
    agent = subprocess.Popen([sys.executable, "-m", "cloudctl.agent.main", "--config", str(config)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "E2E_COMMUNITY": COMMUNITY})
    rules = ROOT / "agents" / "prometheus" / "rules"
    (tmp_path / "prometheus.yml").write_text(
        "global: {scrape_interval: 2s, evaluation_interval: 2s}\n"
        f"rule_files: ['{rules}/recording.yml', '{rules}/alerts.yml']\n"
        "scrape_configs:\n"
        f"  - job_name: egov-agents\n    scrape_timeout: 2s\n    static_configs: [{{targets: ['127.0.0.1:{agent_port}'], labels: {{shard: all}}}}]\n"
    )
    prom = None
    try:
        base = f"http://127.0.0.1:{agent_port}"
        wait_for("agent ready", lambda: http_get(base + "/-/ready")[0] == 200, 45, [agent])
        prom = subprocess.Popen(
            [prometheus, f"--config.file={tmp_path / 'prometheus.yml'}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{prom_port}", "--log.level=warn"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        api = f"http://127.0.0.1:{prom_port}"
        coverage, ipv6 = expected_figures()

        got_cov = wait_for("coverage in Prometheus", lambda: query(api, "egov_coverage_ratio"), 30, [agent, prom])
        assert set(got_cov) == set(coverage)
        for key, value in coverage.items():
            assert got_cov[key] == pytest.approx(value), key
        got_v6 = {c: v for (_, c), v in query(api, "egov_ipv6_ratio").items()}
        assert got_v6 == pytest.approx(ipv6)
        assert 0 < coverage[("village", "all")] < 1  # the shipped inventory has villages without a node

        # the recording rules merge shards into the same figures
        recorded = wait_for("recording rules", lambda: query(api, 'egov:coverage_ratio{level="village",county="all"}'), 20, [agent, prom])
        assert recorded[("village", "all")] == pytest.approx(coverage[("village", "all")])
        rec_v6 = wait_for("ipv6 rules", lambda: (lambda got: got if "all" in got else None)({c: v for (_, c), v in query(api, "egov:ipv6_ratio").items()}), 20, [agent, prom])
        assert rec_v6["all"] == pytest.approx(ipv6["all"])

        # the real /metrics of the real process (2,700 nodes of simulator data) is promtool-clean
        status, text = http_get(base + "/metrics")
        assert status == 200
        lint = subprocess.run([need("promtool"), "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
        assert lint.returncode == 0 and not lint.stdout.strip() and not lint.stderr.strip(), lint.stdout + lint.stderr

        # SIGHUP reloads in place; SIGTERM stops cleanly with exit 0
        agent.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        assert http_get(base + "/-/ready")[0] == 200
    finally:
        if prom is not None:
            prom.terminate()
            prom.wait(15)
        agent.send_signal(signal.SIGTERM)
        try:
            code = agent.wait(15)
        finally:
            if agent.poll() is None:
                agent.kill()
        err = agent.stderr.read()
    assert code == 0, err
    assert "reloaded" in err or "重新加载" in err
    assert COMMUNITY not in err
