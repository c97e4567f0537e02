"""agents/alertmanager/: the routing every county relies on, checked with the real amtool.

- ``amtool check-config`` accepts the shipped file (Debian's Alertmanager 0.25);
- ``amtool config routes test``: every county's alerts reach that county's receiver, the city's
  nodes and city-wide figures the city, CloudctlSyncStale the cloud team; the two sides of each
  inhibition route to the same receiver;
- every county of the inventory has a route, a receiver with its three channels, a WeCom
  department (its division code) and a DingTalk robot in relay.yaml;
- the Chinese templates (``amtool template render``) stay within WeCom's 2048 bytes and name
  counties and alerts as the inventory and the relay's catalog do;
- no secret is written in the repository, by the policy the CI runs.

The inhibition itself is exercised against a running Alertmanager in
tests/integration/test_alertmanager_inhibition.py.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from cloudctl.inventory.loader import load_inventory
from tests.conftest import INVENTORY, ROOT, need

pytestmark = pytest.mark.real

AM = ROOT / "agents" / "alertmanager"
CONFIG = AM / "alertmanager.yml"
TEMPLATES = str(AM / "templates" / "*.tmpl")
RULES = ROOT / "agents" / "prometheus" / "rules" / "alerts.yml"


@pytest.fixture(scope="module")
def inventory():
    return load_inventory(INVENTORY)


@pytest.fixture(scope="module")
def am() -> dict:
    return yaml.safe_load(CONFIG.read_text(encoding="utf-8"))


def routes_test(*labels: str) -> str:
    r = subprocess.run([need("amtool"), "config", "routes", "test", f"--config.file={CONFIG}", *labels],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout.strip()


def test_amtool_check_config_accepts_the_shipped_file():
    r = subprocess.run([need("amtool"), "check-config", str(CONFIG)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SUCCESS" in r.stdout and "3 inhibit rules" in r.stdout


def test_each_county_node_alert_reaches_that_county(inventory):
    counties = sorted(s.id for s in inventory.counties())
    assert len(counties) == 13
    for county in counties:
        core = f"{county}-core-01"
        assert core in inventory.nodes
        assert routes_test("alertname=EgovNodeDown", f"county={county}", f"node={core}", "role=core", "severity=critical") == county
        assert routes_test("alertname=EgovVillageCoverageBelowTarget", f"county={county}", "level=village", "severity=warning") == county


def test_city_nodes_and_city_wide_figures_reach_the_city():
    assert routes_test("alertname=EgovNodeDown", "county=lvliang", "node=lvliang-core-01", "role=core", "severity=critical") == "lvliang"
    assert routes_test("alertname=EgovIPv6RatioFalling", "county=all", "severity=warning") == "lvliang"
    # anything without a county (the agent itself down) falls back to the city's on-call group
    assert routes_test("alertname=EgovAgentDown", "instance=agent-lishi.egov.lvliang:9877", "shard=lishi", "severity=critical") == "lvliang"


def test_stale_sync_reaches_the_cloud_team():
    # The labels of the store's rule (agents/prometheus/rules/sync.yml), plus what Prometheus adds.
    rule = next(r for g in yaml.safe_load((RULES.parent / "sync.yml").read_text(encoding="utf-8"))["groups"]
                for r in g["rules"] if r.get("alert") == "CloudctlSyncStale")
    assert rule["labels"] == {"severity": "warning", "team": "cloud"}
    labels = [f"{k}={v}" for k, v in rule["labels"].items()]
    assert routes_test("alertname=CloudctlSyncStale", *labels, "provider=tianhe", "job=node", "instance=cloudctl-sync.egov.lvliang:9100") == "cloud"
    assert routes_test("alertname=SomethingNew", "team=cloud", "county=lishi") == "cloud"  # team wins over county


def test_both_sides_of_each_inhibition_reach_the_same_receiver():
    core = routes_test("alertname=EgovNodeDown", "county=fangshan", "node=fangshan-core-01", "role=core", "severity=critical")
    agg = routes_test("alertname=EgovNodeDown", "county=fangshan", "township=fangshan-gedong", "node=fangshan-gedong-agg-01", "role=aggregation", "severity=warning")
    village = routes_test("alertname=EgovNodeDown", "county=fangshan", "township=fangshan-gedong", "node=fangshan-gedong-v002-acc-01", "role=access", "severity=warning")
    coverage = routes_test("alertname=EgovVillageCoverageBelowTarget", "county=fangshan", "level=village", "severity=warning")
    assert core == agg == village == coverage == "fangshan"


def test_critical_alerts_repeat_sooner_than_warnings(am):
    route = am["route"]
    assert route["group_by"] == ["county", "alertname"]
    assert route["repeat_interval"] == "4h"
    county_routes = [r for r in route["routes"] if r["receiver"] != "cloud"]
    for r in county_routes:
        assert r["routes"] == [{"matchers": ['severity="critical"'], "repeat_interval": "1h"}], r["receiver"]


def test_inhibitions_use_labels_the_node_alerts_carry(am, inventory):
    """The rules' labels make the inhibitions expressible: role, county, township on every node alert."""
    rules = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"][0]["rules"]
    node_down = [r for r in rules if r["alert"] == "EgovNodeDown"]
    assert {r["labels"]["severity"] for r in node_down} == {"critical", "warning"}
    assert all(re.search(r"egov_node_up\{[^}]*role(!)?=\"core\"", r["expr"]) for r in node_down)
    inhibit = am["inhibit_rules"]
    assert inhibit[0] == {"source_matchers": ['alertname="EgovNodeDown"', 'role="core"'],
                          "target_matchers": ['alertname="EgovNodeDown"', 'role=~"aggregation|access"'], "equal": ["county"]}
    assert inhibit[2]["equal"] == ["county", "township"]
    # In the inventory every village's access node has the township of an aggregation node of its county.
    aggs = {(inventory.county_of(n.site), inventory.township_of(n.site)) for n in inventory.nodes.values() if n.role == "aggregation"}
    access = [n for n in inventory.nodes.values() if n.role == "access"]
    assert access and all((inventory.county_of(n.site), inventory.township_of(n.site)) in aggs for n in access)
    assert all(inventory.township_of(n.site) is None for n in inventory.nodes.values() if n.role == "core")


def test_every_area_has_a_receiver_with_three_channels(am, inventory):
    relay = yaml.safe_load((AM / "relay.yaml").read_text(encoding="utf-8"))
    areas = {s.id: s for s in inventory.counties()} | {s.id: s for s in inventory.sites.values() if s.level == "city"}
    receivers = {r["name"]: r for r in am["receivers"]}
    assert set(receivers) == set(areas) | {"cloud"}
    assert set(relay["robots"]) == set(receivers)
    routed = {r["receiver"] for r in am["route"]["routes"]}
    assert routed == set(receivers)
    for rid, r in receivers.items():
        party = r["wechat_configs"][0]["to_party"]
        assert party == (areas[rid].division_code if rid in areas else "1411001"), rid
        assert r["webhook_configs"][0]["url"] == f"http://127.0.0.1:9097/robots/{rid}"
        assert r["email_configs"][0]["to"] == f"oncall-{rid}@egov.lvliang"
        assert all(c["send_resolved"] for k in ("wechat_configs", "webhook_configs", "email_configs") for c in r[k])
    assert relay["listen"] == "127.0.0.1:9097"


def _render(text: str, data: dict, tmp_path: Path, kind: str = "text") -> str:
    f = tmp_path / "data.json"
    f.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    r = subprocess.run([need("amtool"), "template", "render", f"--template.glob={TEMPLATES}", f"--template.text={text}",
                        f"--template.data={f}", f"--template.type={kind}"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def _alert(node: str, status: str = "firing", minutes: int = 10) -> dict:
    start = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
    return {
        "status": status,
        "labels": {"alertname": "EgovNodeDown", "node": node, "county": "fangshan", "township": "fangshan-gedong", "role": "access", "severity": "warning"},
        "annotations": {"summary": f"Extranet node {node} (fangshan) does not answer SNMP", "summary_zh": f"外网节点 {node}（fangshan）SNMP 无响应",
                        "runbook": f"cloudctl inventory show node {node}", "dashboard": "https://grafana.egov.lvliang/d/egov-extranet/egov-extranet?orgId=1&viewPanel=10"},
        "startsAt": start.isoformat().replace("+00:00", "Z"),
        "endsAt": (start + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z") if status == "resolved" else "0001-01-01T00:00:00Z",
    }


def _data(alerts: list[dict]) -> dict:
    status = "firing" if any(a["status"] == "firing" for a in alerts) else "resolved"
    return {"receiver": "fangshan", "status": status, "alerts": alerts, "groupLabels": {"county": "fangshan", "alertname": "EgovNodeDown"},
            "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://alertmanager:9093"}


def test_wecom_message_is_chinese_and_names_node_time_runbook_and_dashboard(tmp_path):
    out = _render('{{ template "egov.wechat.message" . }}', _data([_alert("fangshan-gedong-v002-acc-01"), _alert("fangshan-gedong-v003-acc-01", "resolved", 42)]), tmp_path)
    lines = out.splitlines()
    assert lines[0] == "【告警】方山县 外网节点离线（1 条告警，1 条已恢复）"
    assert "外网节点 fangshan-gedong-v002-acc-01（fangshan）SNMP 无响应" in out
    assert "处置：cloudctl inventory show node fangshan-gedong-v002-acc-01" in out
    assert "开始：2026-12-01 02:00:00 UTC" in out or "开始：2026-12-01 10:00:00 CST" in out  # Alertmanager's local zone
    assert re.search(r"恢复：2026-12-01 (02:42:00 UTC|10:42:00 CST)", out)
    assert out.rstrip().endswith("面板：https://grafana.egov.lvliang/d/egov-extranet/egov-extranet?orgId=1&viewPanel=10")


def test_wecom_message_of_a_large_group_stays_within_2048_bytes(tmp_path):
    alerts = [_alert(f"fangshan-gedong-v{i:03d}-acc-01") for i in range(40)] + [_alert(f"fangshan-gedong-v{i:03d}-acc-01", "resolved") for i in range(40, 60)]
    out = _render('{{ template "egov.wechat.message" . }}', _data(alerts), tmp_path)
    assert len(out.encode("utf-8")) <= 2048, len(out.encode("utf-8"))
    assert "告警共 40 条，列出前 5 条：" in out and "已恢复共 20 条，列出前 3 条：" in out
    assert out.count("处置：") == 8


def test_email_is_an_html_table_with_subject_in_chinese(tmp_path):
    data = _data([_alert("fangshan-gedong-v002-acc-01")])
    subject = _render('{{ template "egov.email.subject" . }}', data, tmp_path)
    html = _render('{{ template "egov.email.html" . }}', data, tmp_path, "html")
    assert subject.strip() == "【告警】方山县 外网节点离线（1 条告警）"
    assert "<td>fangshan-gedong-v002-acc-01</td><td>方山县</td>" in html
    assert "<code>cloudctl inventory show node fangshan-gedong-v002-acc-01</code>" in html
    assert "viewPanel=10" in html


def test_template_names_match_the_inventory_and_the_relay_catalog(inventory, tmp_path):
    from cloudctl.i18n import MESSAGES

    areas = [s for s in inventory.sites.values() if s.level in ("county", "city")]
    text = "".join(f'{{{{ template "egov.county_name" "{s.id}" }}}}|' for s in areas)
    assert _render(text, _data([_alert("x")]), tmp_path).split("|")[:-1] == [s.name for s in areas]
    names = sorted(k.removeprefix("alerts.name.") for k in MESSAGES if k.startswith("alerts.name."))
    rules = {r["alert"] for r in yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"][0]["rules"]}
    assert rules <= set(names)  # every shipped alert has a Chinese name
    text = "".join(f'{{{{ template "egov.alert_name" "{n}" }}}}|' for n in names)
    assert _render(text, _data([_alert("x")]), tmp_path).split("|")[:-1] == [MESSAGES[f"alerts.name.{n}"]["zh"] for n in names]


def test_rule_annotations_link_the_shipped_dashboard_and_a_runbook():
    dash = json.loads((ROOT / "agents" / "grafana" / "egov-extranet.json").read_text(encoding="utf-8"))
    panels = {p["id"]: p for p in dash["panels"]}
    for rule in yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"][0]["rules"]:
        ann = rule["annotations"]
        assert ann["summary_zh"] and re.search(r"[\u4e00-\u9fff]", ann["summary_zh"]), rule["alert"]
        m = re.fullmatch(r"https://grafana\.egov\.lvliang/d/(?P<uid>[\w-]+)/[\w-]+\?orgId=1&viewPanel=(?P<panel>\d+)", ann["dashboard"])
        assert m and m["uid"] == dash["uid"] and int(m["panel"]) in panels, rule["alert"]
        if "node" in rule["expr"] or rule["alert"] in ("EgovNodeDown", "EgovUplinkBelowGigabit"):
            assert ann["runbook"] == "cloudctl inventory show node {{ $labels.node }}"
    node_panel = panels[10]
    assert node_panel["title"] == "Nodes down" and "egov_node_up" in node_panel["targets"][0]["expr"]


def test_no_secret_is_written_in_the_alerting_files(tmp_path):
    """The policy CI runs (no-literal-secrets) passes on the shipped files and catches a literal."""
    from cloudctl.policy import repo_files

    shipped = repo_files.read([CONFIG, AM / "relay.yaml"])
    kinds = {(Path(s.file).name, s.field): s.kind for s in shipped.secrets}
    assert kinds[("alertmanager.yml", "global.wechat_api_secret")] == "template"
    assert kinds[("relay.yaml", "robots.lishi.access_token")] == "env"
    assert all(k != "literal" for k in kinds.values()), kinds
    bad = tmp_path / "alertmanager.yml"
    bad.write_text(CONFIG.read_text(encoding="utf-8").replace("""'{{ template "wecom_api_secret" . }}'""", "'{{ template \"x\" . }}abc'"), encoding="utf-8")
    assert {s.field: s.kind for s in repo_files.read([bad]).secrets}["global.wechat_api_secret"] == "literal"
    # ... and no template in the repository defines the secret the config refers to.
    for tmpl in ROOT.glob("agents/alertmanager/templates/*.tmpl"):
        assert 'define "wecom_api_secret"' not in tmpl.read_text(encoding="utf-8")


def test_prometheus_sends_its_alerts_to_alertmanager():
    prom = yaml.safe_load((ROOT / "agents" / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    assert prom["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] == ["localhost:9093"]


def test_relay_unit_is_hardened_and_reads_the_robots_from_its_env_file():
    unit = (ROOT / "agents" / "systemd" / "cloudctl-alerts-relay.service").read_text(encoding="utf-8")
    for directive in ("DynamicUser=yes", "ProtectSystem=strict", "NoNewPrivileges=yes", "CapabilityBoundingSet=\n",
                      "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "MemoryMax=", "RestartPreventExitStatus=2",
                      "EnvironmentFile=/etc/cloudctl/relay.env",
                      "ExecStart=/opt/cloudctl/bin/cloudctl alerts relay --config /etc/cloudctl/relay.yaml"):
        assert directive in unit, directive
    relay = yaml.safe_load((AM / "relay.yaml").read_text(encoding="utf-8"))
    names = {ref.removeprefix("env:") for r in relay["robots"].values() for ref in r.values()}
    assert names == {f"DINGTALK_{n.upper()}_{k}" for n in relay["robots"] for k in ("TOKEN", "SECRET")}


def test_the_guides_amtool_commands_print_what_the_guide_shows():
    """docs/guide.md, "Get alerts for my county …": its amtool commands, run on the shipped config."""
    guide = (ROOT / "docs" / "guide.md").read_text(encoding="utf-8")
    task = guide.split("## Get alerts for my county in 企业微信 or 钉钉", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```console\n(.*?)```", task, re.S)
    runs = []
    for block in blocks:
        lines = [line[3:] if line.startswith("   ") else line for line in block.splitlines()]
        for i, line in enumerate(lines):
            if line.startswith("$ amtool ") and "--alertmanager.url" not in line:
                shown = []
                for out in lines[i + 1:]:
                    if out.startswith(("$ ", "# ")):
                        break
                    shown.append(out)
                while shown and not shown[-1].strip():
                    shown.pop()
                runs.append((line[2:], shown))
    assert len(runs) == 3, runs  # two routes tests and check-config
    for command, shown in runs:
        # stdout and stderr in the order amtool writes them, as the reader's terminal shows them
        r = subprocess.run([need("amtool"), *command.split()[1:]], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=60, cwd=ROOT)
        assert r.returncode == 0, r.stdout
        printed = r.stdout.rstrip().splitlines()
        assert [line.rstrip() for line in printed] == [line.rstrip() for line in shown], command


def test_the_runbook_command_the_node_alerts_carry_works(cli, monkeypatch):
    """The on-call person pastes the alert's runbook command (in a checkout: ./inventory); it must answer."""
    rules = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"][0]["rules"]
    runbooks = {r["annotations"]["runbook"] for r in rules if "runbook" in r["annotations"]}
    assert runbooks == {"cloudctl inventory show node {{ $labels.node }}"}
    command = runbooks.pop().replace("{{ $labels.node }}", "lishi-lianhuachi-v002-acc-01").split()
    assert command[0] == "cloudctl"
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("CLOUDCTL_CONFIG", raising=False)
    code, out, err = cli("--lang", "zh", *command[1:])
    assert code == 0, err
    assert "lishi-lianhuachi-v002-acc-01" in out and "莲花池街道" in out and "崔家营村" in out
