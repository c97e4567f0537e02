"""The shipped inhibit rules, in Debian's real Alertmanager: alerts are posted with the real
``amtool alert add`` and Alertmanager's API says which ones it inhibits and by what.

The config under test is agents/alertmanager/alertmanager.yml with its route and inhibit rules
verbatim; only the receivers are emptied (nothing is sent anywhere) and the templates dropped.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, need

pytestmark = pytest.mark.real

CONFIG = ROOT / "agents" / "alertmanager" / "alertmanager.yml"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def alertmanager(tmp_path: Path):
    shipped = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    config = {"route": shipped["route"], "inhibit_rules": shipped["inhibit_rules"],
              "receivers": [{"name": r["name"]} for r in shipped["receivers"]]}
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    port = free_port()
    proc = subprocess.Popen([need("prometheus-alertmanager"), f"--config.file={path}", f"--storage.path={tmp_path / 'data'}",
                             f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=", "--log.level=warn"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "/-/ready", timeout=2) as r:  # noqa: S310 - loopback
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"alertmanager did not start: {proc.stderr.read() if proc.poll() is not None else 'timeout'}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(15)


def add(url: str, **labels: str) -> None:
    args = [f"{k}={v}" for k, v in labels.items()]
    r = subprocess.run([need("amtool"), "alert", "add", f"--alertmanager.url={url}", *args, "--annotation=summary=test"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr


def node_down(url: str, node: str, county: str, role: str, township: str = "") -> None:
    labels = {"alertname": "EgovNodeDown", "node": node, "county": county, "role": role, "job": "egov-agents",
              "severity": "critical" if role == "core" else "warning"}
    if township:
        labels["township"] = township
    add(url, **labels)


def states(url: str, expect: int) -> dict[str, bool]:
    """alert (node or alertname) → inhibited, once Alertmanager holds ``expect`` alerts and its
    inhibitor has seen them (it learns about new alerts asynchronously)."""
    deadline = time.monotonic() + 20
    last: dict[str, bool] = {}
    while time.monotonic() < deadline:
        with urllib.request.urlopen(url + "/api/v2/alerts", timeout=5) as r:  # noqa: S310
            alerts = json.load(r)
        got = {a["labels"].get("node") or a["labels"]["alertname"]: bool(a["status"]["inhibitedBy"]) for a in alerts}
        if len(got) == expect and got == last:
            return got
        last = got
        time.sleep(0.5)
    return last


def test_county_core_down_inhibits_its_townships_and_villages_only(alertmanager):
    url = alertmanager
    node_down(url, "fangshan-core-01", "fangshan", "core")
    node_down(url, "fangshan-gedong-agg-01", "fangshan", "aggregation", "fangshan-gedong")
    node_down(url, "fangshan-gedong-v002-acc-01", "fangshan", "access", "fangshan-gedong")
    node_down(url, "fangshan-mafang-v001-acc-01", "fangshan", "access", "fangshan-mafang")
    add(url, alertname="EgovVillageCoverageBelowTarget", county="fangshan", level="village", severity="warning")
    # another county is not affected
    node_down(url, "xiaoyi-core-01", "xiaoyi", "core")
    node_down(url, "lishi-core-01-neighbour-acc", "lishi", "access", "lishi-x")
    got = states(url, 7)
    assert got == {
        "fangshan-core-01": False,  # the cause is reported
        "fangshan-gedong-agg-01": True,
        "fangshan-gedong-v002-acc-01": True,
        "fangshan-mafang-v001-acc-01": True,
        "EgovVillageCoverageBelowTarget": True,
        "xiaoyi-core-01": False,
        "lishi-core-01-neighbour-acc": False,
    }


def test_township_node_down_inhibits_only_that_townships_villages(alertmanager):
    url = alertmanager
    node_down(url, "xiaoyi-duizhen-agg-01", "xiaoyi", "aggregation", "xiaoyi-duizhen")
    node_down(url, "xiaoyi-duizhen-v001-acc-01", "xiaoyi", "access", "xiaoyi-duizhen")
    node_down(url, "xiaoyi-duizhen-v002-acc-01", "xiaoyi", "access", "xiaoyi-duizhen")
    node_down(url, "xiaoyi-other-v001-acc-01", "xiaoyi", "access", "xiaoyi-other")
    # same township id in another county (ids are unique in practice; equal: [county, township] guards it)
    node_down(url, "lishi-duizhen-v001-acc-01", "lishi", "access", "xiaoyi-duizhen")
    got = states(url, 5)
    assert got == {
        "xiaoyi-duizhen-agg-01": False,
        "xiaoyi-duizhen-v001-acc-01": True,
        "xiaoyi-duizhen-v002-acc-01": True,
        "xiaoyi-other-v001-acc-01": False,
        "lishi-duizhen-v001-acc-01": False,
    }


def test_village_alerts_alone_are_not_inhibited(alertmanager):
    url = alertmanager
    node_down(url, "fangshan-gedong-v002-acc-01", "fangshan", "access", "fangshan-gedong")
    add(url, alertname="EgovVillageCoverageBelowTarget", county="fangshan", level="village", severity="warning")
    assert states(url, 2) == {"fangshan-gedong-v002-acc-01": False, "EgovVillageCoverageBelowTarget": False}
