"""End to end: a node goes down and the county's on-call group hears of it, in Chinese, in 企业微信,
钉钉 and e-mail — and only of the cause when a county core node takes its villages with it.

Real processes: the SNMP fleet simulator (`cloudctl sim snmp`, the shipped inventory), the agent,
Debian's Prometheus (the shipped recording and alerting rules), Debian's Alertmanager (the shipped
alertmanager.yml and templates; only addresses, timings and the secret files' paths changed) and
`cloudctl alerts relay`. Stand-ins on loopback for the unreachable services check the documented
request formats (tests/standins.py): the WeCom API (gettoken + message/send), DingTalk robots
(signature recomputed) and an SMTP server (AUTH PLAIN checked).

Nodes are taken down the way a cut link looks to the agent: their addresses in the simulator's
inventory copy are pointed where the simulator serves nothing and the agent reloads (SIGHUP);
restoring them brings the resolved notifications.
"""

from __future__ import annotations

import email
import email.header
import email.policy
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cloudctl.inventory.loader import load_inventory
from tests.conftest import INVENTORY, ROOT, need
from tests.e2e.test_prometheus_agent import free_port, http_get, wait_for
from tests.standins import DingTalkRobots, Smtp, WeCom

pytestmark = [pytest.mark.real, pytest.mark.slow]

COMMUNITY = "e2e-alerting-community"
# Planted secrets: each must reach its service and never appear in any output.
WECOM_CORP, WECOM_AGENT, WECOM_SECRET = "ww-e2e-corp-7d1e", "1000042", "wecom-planted-secret-5a9c"
SMTP_USER, SMTP_PASSWORD = "alertmanager@egov.lvliang", "smtp-planted-password-e2b4"
ROBOTS = {  # robot (= receiver) -> (access_token, signing secret)
    "fangshan": ("ding-token-fangshan-31f7", "SEC-planted-fangshan-0b6d"),
    "xiaoyi": ("ding-token-xiaoyi-8c2a", "SEC-planted-xiaoyi-44e1"),
    "cloud": ("ding-token-cloud-9e05", "SEC-planted-cloud-d3c8"),
}
PLANTED = [WECOM_SECRET, SMTP_PASSWORD] + [v for pair in ROBOTS.values() for v in pair]

# What goes down: fangshan's county core node with nodes behind it, and in xiaoyi one township
# node with two of its villages and one village of another township.
FANGSHAN_CORE = "fangshan-core-01"
FANGSHAN_BEHIND = ["fangshan-gedong-agg-01", "fangshan-gedong-v002-acc-01", "fangshan-gedong-v003-acc-01", "fangshan-mafang-v001-acc-01"]


def _xiaoyi_nodes(inv: dict) -> tuple[str, list[str], str]:
    """An aggregation node of xiaoyi, two access nodes of its township, an access node of another township."""
    nodes = inv["nodes"]
    agg = next(n for n in nodes if n["role"] == "aggregation")
    township = agg["site"]
    villages = [n["id"] for n in nodes if n["role"] == "access" and n["site"].startswith(township + "-")][:2]
    other = next(n["id"] for n in nodes if n["role"] == "access" and not n["site"].startswith(township + "-"))
    return agg["id"], villages, other


def _set_addresses(sim_inv: Path, changes: dict[str, str]) -> dict[str, str]:
    """Rewrite node addresses in the simulator's inventory copy; return the previous ones."""
    before = {}
    for f in (sim_inv / "nodes").glob("*.yaml"):
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
        touched = False
        for n in data["nodes"]:
            if n["id"] in changes:
                before[n["id"]] = n["address"]
                n["address"] = changes[n["id"]]
                touched = True
        if touched:
            f.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=200), encoding="utf-8")
    assert set(before) == set(changes)
    return before


def _alertmanager_config(tmp: Path, wecom: WeCom, smtp: Smtp, relay_url: str) -> Path:
    """The shipped config with only the addresses, the test's timings and the secrets' paths changed."""
    am = tmp / "alertmanager"
    shutil.copytree(ROOT / "agents" / "alertmanager" / "templates", am / "templates")
    secrets = tmp / "secrets"
    secrets.mkdir()
    (secrets / "wecom.tmpl").write_text(
        f'{{{{ define "wecom_corp_id" }}}}{WECOM_CORP}{{{{ end }}}}\n{{{{ define "wecom_agent_id" }}}}{WECOM_AGENT}{{{{ end }}}}\n'
        f'{{{{ define "wecom_api_secret" }}}}{WECOM_SECRET}{{{{ end }}}}\n', encoding="utf-8")
    (secrets / "smtp-password").write_text(SMTP_PASSWORD, encoding="utf-8")  # no newline: Alertmanager sends the bytes as they are
    text = (ROOT / "agents" / "alertmanager" / "alertmanager.yml").read_text(encoding="utf-8")
    replace = [
        ("https://qyapi.weixin.qq.com/cgi-bin/", wecom.api_url),
        ("mail.egov.lvliang:587", f"127.0.0.1:{smtp.port}"),
        ("smtp_require_tls: true", "smtp_require_tls: false"),
        ("/etc/prometheus/secrets/", f"{secrets}/"),
        ("http://127.0.0.1:9097/robots/", f"{relay_url}/robots/"),
        ("group_wait: 30s", "group_wait: 6s"),
        ("group_interval: 5m", "group_interval: 2s"),
    ]
    for old, new in replace:
        assert old in text, old
        text = text.replace(old, new)
    path = am / "alertmanager.yml"
    path.write_text(text, encoding="utf-8")
    check = subprocess.run([need("amtool"), "check-config", str(path)], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    return path


class Procs:
    def __init__(self) -> None:
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, args: list[str], **kw) -> subprocess.Popen:  # noqa: ANN003
        p = subprocess.Popen(args, text=True, **kw)
        self.procs.append((name, p))
        return p

    def stop_all(self) -> None:
        for _, p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
        for _, p in self.procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)


@pytest.fixture
def procs():
    ps = Procs()
    try:
        yield ps
    finally:
        ps.stop_all()


def _relay_config(tmp: Path, ding: DingTalkRobots) -> Path:
    lines = [f"listen: 127.0.0.1:0\ninventory: {INVENTORY}\n", f"dingtalk: {{url: '{ding.url}/robot/send'}}\n", "robots:\n"]
    for robot, (token, secret) in ROBOTS.items():
        (tmp / f"{robot}.token").write_text(token, encoding="utf-8")
        (tmp / f"{robot}.secret").write_text(secret, encoding="utf-8")
        lines.append(f"  {robot}: {{access_token: 'file:{robot}.token', secret: 'file:{robot}.secret'}}\n")
    path = tmp / "relay.yaml"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _mail_subject_and_html(raw: str) -> tuple[str, str]:
    msg = email.message_from_string(raw, policy=email.policy.default)
    subject = str(email.header.make_header(email.header.decode_header(msg["Subject"])))
    html = next(p for p in msg.walk() if p.get_content_type() == "text/html").get_content()
    return subject, html


def test_a_node_down_reaches_its_countys_on_call_group_in_wecom_dingtalk_and_email(tmp_path, procs):
    prometheus, alertmanager = need("prometheus"), need("prometheus-alertmanager")
    sim_inv = tmp_path / "sim-inventory"
    sim = procs.start("sim", [sys.executable, "-m", "cloudctl", "sim", "snmp", "--inventory", str(INVENTORY), "--write-inventory", str(sim_inv),
                              "--community", COMMUNITY, "--down-share", "0", "--slow-share", "0"],
                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert "ready" in wait_for("simulator ready", lambda: sim.stdout.readline().strip(), 60, [sim])
    xiaoyi = yaml.safe_load((sim_inv / "nodes" / "xiaoyi.yaml").read_text(encoding="utf-8"))
    xiaoyi_agg, xiaoyi_villages, xiaoyi_other = _xiaoyi_nodes(xiaoyi)

    with DingTalkRobots({t: s for t, s in ROBOTS.values()}) as ding, WeCom(WECOM_CORP, WECOM_SECRET) as wecom, Smtp(SMTP_USER, SMTP_PASSWORD) as smtp:
        # relay
        relay = procs.start("relay", [sys.executable, "-m", "cloudctl", "--lang", "en", "alerts", "relay", "--config", str(_relay_config(tmp_path, ding))],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
        line = wait_for("relay ready", lambda: relay.stderr.readline().strip(), 30, [relay])
        relay_url = re.search(r"http://127\.0\.0\.1:\d+", line).group(0)

        # agent, scoped to the two counties of the scenario
        agent_port, prom_port, am_port = free_port(), free_port(), free_port()
        profile = "{version: 2c, community: \"env:E2E_COMMUNITY\", timeout: 500ms, retries: 0}"
        (tmp_path / "agent.yaml").write_text(
            f"inventory: {sim_inv}\nlisten: 127.0.0.1:{agent_port}\ninterval: 2s\ncounties: [fangshan, xiaoyi]\nprofiles:\n"
            f"  v3-default: {profile}\n  v2c-legacy: {profile}\n  v2c-public: {profile}\n", encoding="utf-8")
        agent = procs.start("agent", [sys.executable, "-m", "cloudctl.agent.main", "--config", str(tmp_path / "agent.yaml")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "E2E_COMMUNITY": COMMUNITY})
        wait_for("agent ready", lambda: http_get(f"http://127.0.0.1:{agent_port}/-/ready")[0] == 200, 45, [agent])

        # Alertmanager (the shipped config) and Prometheus (the shipped rules; node-down after 2 s instead of 5 m)
        am_config = _alertmanager_config(tmp_path, wecom, smtp, relay_url)
        am = procs.start("alertmanager", [alertmanager, f"--config.file={am_config}", f"--storage.path={tmp_path / 'am-data'}",
                                          f"--web.listen-address=127.0.0.1:{am_port}", "--cluster.listen-address=", "--log.level=warn"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        am_url = f"http://127.0.0.1:{am_port}"
        wait_for("alertmanager ready", lambda: http_get(am_url + "/-/ready")[0] == 200, 30, [am])
        rules = ROOT / "agents" / "prometheus" / "rules"
        alerts_copy = tmp_path / "alerts.yml"
        alerts_copy.write_text((rules / "alerts.yml").read_text(encoding="utf-8").replace("for: 5m", "for: 2s"), encoding="utf-8")
        (tmp_path / "prometheus.yml").write_text(
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            f"rule_files: ['{rules / 'recording.yml'}', '{alerts_copy}']\n"
            f"alerting: {{alertmanagers: [{{static_configs: [{{targets: ['127.0.0.1:{am_port}']}}]}}]}}\n"
            "scrape_configs:\n"
            f"  - job_name: egov-agents\n    scrape_timeout: 1s\n    static_configs: [{{targets: ['127.0.0.1:{agent_port}'], labels: {{shard: e2e}}}}]\n",
            encoding="utf-8")
        prom = procs.start("prometheus", [prometheus, f"--config.file={tmp_path / 'prometheus.yml'}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                                          f"--web.listen-address=127.0.0.1:{prom_port}", "--log.level=warn"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        live = [sim, relay, agent, am, prom]
        wait_for("prometheus sees the nodes up", lambda: (lambda s, b: s == 200 and '"result":[{' in b)(
            *http_get(f"http://127.0.0.1:{prom_port}/api/v1/query?query=egov_node_up%3D%3D1")), 30, live)

        # 1. the links go down
        down = [FANGSHAN_CORE, *FANGSHAN_BEHIND, xiaoyi_agg, *xiaoyi_villages, xiaoyi_other]
        port = yaml.safe_load((sim_inv / "nodes" / "fangshan.yaml").read_text(encoding="utf-8"))["nodes"][0]["address"].rsplit(":", 1)[1]
        before = _set_addresses(sim_inv, {n: f"127.254.254.{i + 1}:{port}" for i, n in enumerate(down)})  # nothing answers there
        agent.send_signal(signal.SIGHUP)
        # the cloud team's alert comes from the store's rule in production; here it is posted to Alertmanager directly
        add = subprocess.run([need("amtool"), "alert", "add", f"--alertmanager.url={am_url}", "alertname=CloudctlSyncStale", "severity=warning",
                              "team=cloud", "provider=tianhe", "--annotation=summary=cloudctl sync of tianhe has not succeeded for 2 hours",
                              "--annotation=summary_zh=天河政务云 的同步已超过 2 小时未成功"], capture_output=True, text=True, timeout=30)
        assert add.returncode == 0, add.stderr

        fangshan_token, xiaoyi_token, cloud_token = (ROBOTS[r][0] for r in ("fangshan", "xiaoyi", "cloud"))
        wait_for("DingTalk messages for fangshan, xiaoyi and the cloud team",
                 lambda: all(ding.posts_for(t) for t in (fangshan_token, xiaoyi_token, cloud_token)), 90, live)
        wait_for("WeCom and e-mail", lambda: wecom.messages_to("141128") and wecom.messages_to("141181") and wecom.messages_to("1411001")
                 and smtp.mails_to("oncall-fangshan@egov.lvliang") and smtp.mails_to("oncall-xiaoyi@egov.lvliang"), 60, live)

        # 钉钉: signed (the stand-in recomputed every signature), Chinese, with names from the inventory
        assert ding.errors == [] and ding.refused == []
        fangshan = ding.posts_for(fangshan_token)[0]
        assert fangshan.title == "【告警】方山县 外网节点离线"
        assert "（1 条告警，0 条已恢复）" in fangshan.text  # the core only: what is behind it is inhibited
        assert "- 节点：fangshan-core-01（核心）" in fangshan.text and "- 位置：方山县" in fangshan.text
        assert "- 处置：`cloudctl inventory show node fangshan-core-01`" in fangshan.text
        assert "viewPanel=10" in fangshan.text and "北京时间" in fangshan.text
        assert not any(n in p.text for p in ding.posts_for(fangshan_token) for n in FANGSHAN_BEHIND)
        runbook = re.search(r"- 处置：`(cloudctl [^`]+)`", fangshan.text).group(1).split()
        shown = subprocess.run([sys.executable, "-m", "cloudctl", "--lang", "zh", *runbook[1:]], capture_output=True, text=True, timeout=60, cwd=ROOT)
        assert shown.returncode == 0 and "fangshan-core-01" in shown.stdout and "方山县" in shown.stdout, shown.stderr  # the runbook works
        xiaoyi_text = "\n".join(p.text for p in ding.posts_for(xiaoyi_token))
        assert xiaoyi_agg in xiaoyi_text and xiaoyi_other in xiaoyi_text
        assert not any(v in xiaoyi_text for v in xiaoyi_villages)  # their township node is down: inhibited
        inv = load_inventory(INVENTORY)
        village = inv.sites[inv.nodes[xiaoyi_other].site]
        assert f"- 位置：孝义市 / {inv.sites[village.parent].name} / {village.name}" in xiaoyi_text  # names from the inventory
        cloud = ding.posts_for(cloud_token)[0]
        assert cloud.title == "【告警】云资源同步过期" and "天河政务云 的同步已超过 2 小时未成功" in cloud.text

        # 企业微信: Alertmanager's own notifier, with corp id, agent id and secret from the site template file
        assert wecom.errors == [] and wecom.token_requests >= 1
        wf = wecom.messages_to("141128")[0]
        assert (wf.msgtype, wf.agentid) == ("text", WECOM_AGENT)
        assert wf.content.startswith("【告警】方山县 外网节点离线（1 条告警）")
        assert "核心节点 fangshan-core-01（fangshan）SNMP 无响应" in wf.content and "处置：cloudctl inventory show node fangshan-core-01" in wf.content
        assert not any(n in wf.content for n in FANGSHAN_BEHIND)
        assert wecom.messages_to("1411001")[0].content.startswith("【告警】云资源同步过期")

        # e-mail: AUTH PLAIN with the password from the file, Chinese subject, HTML table
        assert smtp.auth_failures == 0
        mail = smtp.mails_to("oncall-fangshan@egov.lvliang")[0]
        assert mail.auth_user == SMTP_USER and mail.mail_from == "alertmanager@egov.lvliang"
        subject, html = _mail_subject_and_html(mail.data)
        assert subject == "【告警】方山县 外网节点离线（1 条告警）"
        assert "<td>fangshan-core-01</td><td>方山县</td>" in html and "fangshan-gedong" not in html

        # 2. the links come back: resolved notifications
        _set_addresses(sim_inv, before)
        agent.send_signal(signal.SIGHUP)
        wait_for("resolved in DingTalk and WeCom", lambda: any(p.title.startswith("【已恢复】方山县") for p in ding.posts_for(fangshan_token))
                 and any(m.content.startswith("【已恢复】方山县") for m in wecom.messages_to("141128")), 90, live)
        resolved = next(p for p in ding.posts_for(fangshan_token) if p.title.startswith("【已恢复】"))
        assert re.search(r"- 恢复：\d{4}-\d\d-\d\d \d\d:\d\d:\d\d，(共持续 \d+ 分钟|持续不到 1 分钟)", resolved.text), resolved.text

        # the relay's own account, and no secret anywhere
        _, metrics = http_get(relay_url + "/metrics")
        assert not re.search(r"^cloudctl_alerts_relay_messages_failed_total\{", metrics, re.M)  # nothing failed
        assert re.search(r'cloudctl_alerts_relay_messages_delivered_total\{robot="fangshan"\} [2-9]', metrics)
        assert 'cloudctl_alerts_relay_requests_rejected_total{reason="unknown_robot"} 0.0' in metrics  # nothing routed elsewhere
        relay.send_signal(signal.SIGTERM)
        assert relay.wait(20) == 0
        relay_err = relay.stderr.read()
        for planted in PLANTED:
            assert planted not in relay_err and planted not in metrics, "a secret leaked"
        assert json.loads(http_get(am_url + "/api/v2/status")[1])["config"]["original"].count(WECOM_SECRET) == 0
