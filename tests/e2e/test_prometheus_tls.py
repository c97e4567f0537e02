"""Debian's real Prometheus scrapes the agent over TLS with basic auth (issue #11), configured the
way agents/prometheus/prometheus-tls.yml and agents/web-config.yml ship: the right password gets
the metrics (up == 1), a wrong one gets 401 (up == 0, and the target's error says so).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import urllib.parse
import urllib.request

import bcrypt
import pytest
import yaml

from tests.certs import make_certs
from tests.conftest import ROOT, need
from tests.e2e.test_prometheus_agent import free_port, wait_for
from tests.unit.test_agent_helpers import write_config, write_inventory

pytestmark = [pytest.mark.real, pytest.mark.slow]

PASSWORD = "Planted-Scrape-Pw-c41d"


def https_get(url: str, ca, auth: tuple[str, str] | None) -> int:
    req = urllib.request.Request(url)
    if auth:
        req.add_header("Authorization", "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=10, context=ssl.create_default_context(cafile=str(ca))) as r:  # noqa: S310 - loopback
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:  # not listening yet
        return 0


def targets(api: str) -> dict[str, dict]:
    with urllib.request.urlopen(f"{api}/api/v1/targets", timeout=5) as r:  # noqa: S310 - loopback
        active = json.load(r)["data"]["activeTargets"]
    return {t["labels"]["job"]: t for t in active}


def test_real_prometheus_scrapes_the_agent_over_tls_with_basic_auth(tmp_path, monkeypatch):
    prometheus = need("prometheus")
    certs = make_certs(tmp_path / "tls")
    write_inventory(tmp_path / "inventory")
    agent_port, prom_port = free_port(), free_port()
    config = write_config(tmp_path / "agent.yaml")
    config.write_text(config.read_text().replace("listen: 127.0.0.1:0", f"listen: 127.0.0.1:{agent_port}"))

    # the shipped web config, with this test's certificates and a known password's hash
    web = yaml.safe_load((ROOT / "agents" / "web-config.yml").read_text())
    web["basic_auth_users"] = {"prometheus": bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(10)).decode()}
    (tmp_path / "web-config.yml").write_text(yaml.safe_dump(web))  # tls/agent.crt and tls/agent.key are relative to it

    # the shipped scrape config, pointed at this agent; a second job with a wrong password
    prom_cfg = yaml.safe_load((ROOT / "agents" / "prometheus" / "prometheus-tls.yml").read_text())
    job = prom_cfg["scrape_configs"][0]
    assert job["scheme"] == "https" and "basic_auth" in job and "tls_config" in job
    (tmp_path / "password").write_text(PASSWORD)
    (tmp_path / "wrong").write_text("not-" + PASSWORD)
    job.update(scrape_interval="1s", scrape_timeout="1s", static_configs=[{"targets": [f"127.0.0.1:{agent_port}"], "labels": {"shard": "all"}}])
    job["basic_auth"]["password_file"] = str(tmp_path / "password")
    job["tls_config"]["ca_file"] = str(certs.ca)
    wrong = json.loads(json.dumps(job))
    wrong.update(job_name="wrong-password")
    wrong["basic_auth"]["password_file"] = str(tmp_path / "wrong")
    prom_cfg.update({"global": {"scrape_interval": "1s", "evaluation_interval": "1s"}, "rule_files": [], "scrape_configs": [job, wrong]})
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(prom_cfg))

    agent = subprocess.Popen([sys.executable, "-m", "cloudctl.agent.main", "--config", str(config), "--web.config.file", str(tmp_path / "web-config.yml")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "TEST_SNMP_COMMUNITY": "c0mmunity-value"})
    prom = None
    base = f"https://127.0.0.1:{agent_port}"
    try:
        wait_for("agent over TLS", lambda: https_get(base + "/-/healthy", certs.ca, ("prometheus", PASSWORD)) == 200, 45, [agent])
        assert https_get(base + "/metrics", certs.ca, ("prometheus", "wrong")) == 401
        assert https_get(base + "/metrics", certs.ca, None) == 401
        assert https_get(base + "/-/reload", certs.ca, None) in (401, 405)
        prom = subprocess.Popen([prometheus, f"--config.file={tmp_path / 'prometheus.yml'}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                                 f"--web.listen-address=127.0.0.1:{prom_port}", "--log.level=warn"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        api = f"http://127.0.0.1:{prom_port}"

        def scraped():
            try:
                got = targets(api)
            except OSError:
                return None
            done = all(got.get(j, {}).get("health") in ("up", "down") for j in ("egov-agents", "wrong-password"))
            return got if done else None

        got = wait_for("both jobs scraped", scraped, 60, [agent, prom])
        assert got["egov-agents"]["health"] == "up", got["egov-agents"]["lastError"]
        assert got["wrong-password"]["health"] == "down" and "401" in got["wrong-password"]["lastError"]
        query = urllib.parse.urlencode({"query": 'egov_agent_nodes{job="egov-agents"}'})
        series = wait_for("agent metrics in Prometheus", lambda: json.load(urllib.request.urlopen(f"{api}/api/v1/query?{query}", timeout=5))["data"]["result"], 30, [agent, prom])  # noqa: S310
        assert sum(float(s["value"][1]) for s in series) == 9  # the nine nodes of the test inventory, by state
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
    assert "https://" in err and PASSWORD not in err
    shutil.rmtree(tmp_path / "tsdb", ignore_errors=True)
