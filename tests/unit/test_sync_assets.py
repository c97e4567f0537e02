"""Sync as a service: the systemd unit and timer, the cron example, the alert rule and dashboard panel.

The unit is hardened like the agent's, systemd-analyze accepts both files, the command line the
unit and cron run is one cloudctl accepts, and every cloudctl_sync_* metric the rule and the
dashboard read is one `sync --metrics-file` writes.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess

from cloudctl.model import Resource
from cloudctl.store import Store
from tests.conftest import ROOT, need

SYSTEMD = ROOT / "agents" / "systemd"
# Directives the sync unit sets differently from the agent's, on purpose (commented in the unit).
DIFFERENT = {"UMask", "ReadOnlyPaths", "MemoryMax", "ExecStart", "ExecReload", "EnvironmentFile", "Restart", "RestartSec",
             "RestartPreventExitStatus", "TimeoutStopSec", "Type", "Description", "Documentation"}


def _directives(text: str) -> set[str]:
    return {line.strip() for line in text.splitlines() if "=" in line and not line.lstrip().startswith("#")}


def test_sync_unit_is_hardened_like_the_agents():
    agent = _directives((SYSTEMD / "cloudctl-agent.service").read_text())
    sync = _directives((SYSTEMD / "cloudctl-sync.service").read_text())
    missing = sorted(d for d in agent - sync if d.split("=", 1)[0] not in DIFFERENT and not d.startswith("WantedBy"))
    assert missing == []
    assert "Type=oneshot" in sync and "SuccessExitStatus=3" in sync and "OnCalendar=*:00/30" in (SYSTEMD / "cloudctl-sync.timer").read_text()


def test_systemd_analyze_accepts_the_unit_and_the_timer(tmp_path):
    analyze = need("systemd-analyze")
    unit = (SYSTEMD / "cloudctl-sync.service").read_text().replace("/opt/cloudctl/bin/cloudctl", "/bin/true")
    unit = unit.replace("EnvironmentFile=/etc/cloudctl/sync.env", "EnvironmentFile=-/etc/cloudctl/sync.env")
    (tmp_path / "cloudctl-sync.service").write_text(unit)
    (tmp_path / "cloudctl-sync.timer").write_text((SYSTEMD / "cloudctl-sync.timer").read_text())
    r = subprocess.run([analyze, "verify", "cloudctl-sync.service", "cloudctl-sync.timer"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    problems = [line for line in (r.stdout + r.stderr).splitlines() if "cloudctl-sync" in line]
    assert r.returncode == 0 and problems == [], r.stdout + r.stderr


def _unit_argv() -> list[str]:
    line = next(x for x in (SYSTEMD / "cloudctl-sync.service").read_text().splitlines() if x.startswith("ExecStart="))
    return shlex.split(line.removeprefix("ExecStart="))


def test_the_timer_and_cron_run_a_command_line_cloudctl_accepts(cli, tmp_path):
    argv = _unit_argv()
    cron = (ROOT / "agents" / "cron" / "cloudctl-sync").read_text()
    cron_args = re.search(r"; cloudctl (--config .*?) >/dev/null", cron)
    assert cron_args and shlex.split(cron_args.group(1)) == argv[1:]  # cron and the timer run the same sync
    args = [a.replace("/etc/cloudctl/cloudctl.yaml", str(tmp_path / "cloudctl.yaml"))
             .replace("/var/lib/prometheus/node-exporter", str(tmp_path)) for a in argv[1:]]
    (tmp_path / "cloudctl.yaml").write_text(f"store: {tmp_path / 'store.db'}\n")
    code, _, err = cli("--lang", "en", *args)
    assert code == 2 and "no providers are configured" in err  # every option parsed; the config has no cloud


def test_rule_and_dashboard_read_only_metrics_sync_writes(tmp_path):
    from cloudctl.sync import SyncResult
    from cloudctl.sync_metrics import write_textfile

    store = Store.open(tmp_path / "store.db", create=True)
    snap = store.begin_snapshot(["tianhe"])
    w = snap.provider("tianhe")
    w.add([Resource("tianhe", "server", "s1")])
    w.commit()
    result = SyncResult(snapshot=snap.finish(), durations={"tianhe": 1.5})
    write_textfile(tmp_path / "m.prom", store, result)
    written = {line.split("{")[0].split(" ")[0] for line in (tmp_path / "m.prom").read_text().splitlines() if line and not line.startswith("#")}
    rules = (ROOT / "agents" / "prometheus" / "rules" / "sync.yml").read_text()
    dash = json.loads((ROOT / "agents" / "grafana" / "egov-extranet.json").read_text())
    texts = [rules] + [t["expr"] for p in dash["panels"] for t in p["targets"]]
    used = {m for text in texts for m in re.findall(r"\bcloudctl_sync_[a-z_]+", text)}
    assert {"cloudctl_sync_last_success_timestamp_seconds", "cloudctl_sync_errors_total"} <= used
    assert used <= written
    assert written == {"cloudctl_sync_last_success_timestamp_seconds", "cloudctl_sync_last_run_timestamp_seconds",
                       "cloudctl_sync_duration_seconds", "cloudctl_sync_resources", "cloudctl_sync_errors_total"}
    assert 'CloudctlSyncStale' in rules and 'severity: warning' in rules and 'team: cloud' in rules
