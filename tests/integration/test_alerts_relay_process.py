"""`cloudctl alerts relay` as a real process against a DingTalk robot stand-in on loopback.

The stand-in (tests/standins.py) checks every request as DingTalk documents it — the signature is
recomputed there — and records what it accepted. The relay must: deliver signed Chinese markdown
messages, keep under its rate limit, refuse bad input with 400 and a counter without ever dying,
count DingTalk's refusals, stop cleanly on SIGTERM, and never show a secret.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import INVENTORY, ROOT, need
from tests.standins import DingTalkRobots

pytestmark = [pytest.mark.real]

TOKEN, SECRET = "tok-4c0ffee-fangshan", "SEC9b1d-planted-signing-secret"


def webhook(key: str, node: str = "fangshan-gedong-v002-acc-01", status: str = "firing") -> bytes:
    return json.dumps({
        "version": "4", "groupKey": key, "status": status, "receiver": "fangshan", "truncatedAlerts": 0,
        "groupLabels": {"county": "fangshan", "alertname": "EgovNodeDown"}, "commonLabels": {}, "commonAnnotations": {},
        "externalURL": "http://am", "alerts": [{
            "status": status, "labels": {"alertname": "EgovNodeDown", "node": node, "county": "fangshan", "township": "fangshan-gedong", "role": "access"},
            "annotations": {"summary_zh": f"外网节点 {node}（fangshan）SNMP 无响应", "runbook": f"cloudctl inventory show node {node}"},
            "startsAt": "2026-12-01T02:00:00Z", "endsAt": "0001-01-01T00:00:00Z"}],
    }, ensure_ascii=False).encode()


def post(url: str, body: bytes, ctype: str = "application/json") -> tuple[int, dict]:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": ctype}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310 - loopback
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:  # noqa: S310
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def wait_until(check, timeout: float = 20):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.1)
    return check()


def start_relay(tmp_path: Path, ding: DingTalkRobots, dingtalk: str, limits: str) -> tuple[str, subprocess.Popen]:
    """Start the relay for robot 'fangshan' (credentials in files); return its URL and process."""
    (tmp_path / "fangshan.token").write_text(TOKEN + "\n", encoding="utf-8")
    (tmp_path / "fangshan.secret").write_text(SECRET, encoding="utf-8")
    cfg = tmp_path / "relay.yaml"
    cfg.write_text(
        f"listen: 127.0.0.1:0\ninventory: {INVENTORY}\n"
        f"dingtalk: {{url: '{ding.url}/robot/send', {dingtalk}}}\nlimits: {{{limits}}}\n"
        "robots:\n  fangshan: {access_token: 'file:fangshan.token', secret: 'file:fangshan.secret'}\n", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "cloudctl", "--lang", "en", "alerts", "relay", "--config", str(cfg)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env={**os.environ, "LANG": "C.UTF-8"})
    line = proc.stderr.readline()
    m = re.search(r"ready: .* on (http://127\.0\.0\.1:\d+)", line)
    if not m:
        proc.kill()
        pytest.fail(line + (proc.stderr.read() if proc.poll() is not None else ""))
    return m.group(1), proc


@pytest.fixture
def relay(tmp_path: Path):
    with DingTalkRobots({TOKEN: SECRET}) as ding:
        url, proc = start_relay(tmp_path, ding, "rate_limit: 3, rate_window: 2s, retry_backoff: 100ms, max_attempts: 2",
                                "max_body: 64KiB, shutdown_timeout: 1s")
        try:
            yield url, ding, proc
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)


def stop(proc: subprocess.Popen) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(20)
    return code, proc.stderr.read()


def test_delivers_signed_chinese_markdown_and_stops_cleanly(relay):
    url, ding, proc = relay
    status, body = post(url + "/robots/fangshan", webhook("g1"))
    assert (status, body["status"]) == (200, "queued")
    posts = wait_until(lambda: ding.posts_for(TOKEN))
    assert len(posts) == 1 and ding.errors == []
    msg = posts[0]
    assert msg.title == "【告警】方山县 外网节点离线"
    assert "- 位置：方山县 / 圪洞镇 / 大塔村" in msg.text
    assert "- 处置：`cloudctl inventory show node fangshan-gedong-v002-acc-01`" in msg.text
    _, metrics = get(url + "/metrics")
    assert 'cloudctl_alerts_relay_messages_delivered_total{robot="fangshan"} 1.0' in metrics
    lint = subprocess.run([need("promtool"), "check", "metrics"], input=metrics, capture_output=True, text=True, timeout=60)
    assert lint.returncode == 0 and not lint.stdout.strip(), lint.stdout + lint.stderr
    code, err = stop(proc)
    assert code == 0, err
    assert "stopped: 1 messages delivered, 0 failed, 0 notifications dropped" in err
    for planted in (TOKEN, SECRET):
        assert planted not in err and planted not in metrics


def test_bad_input_is_400_counted_and_the_relay_lives_on(relay):
    url, ding, proc = relay
    cases = [
        (b"{not json", "application/json", "malformed_json"),
        (b"[" * 50_000, "application/json", "malformed_json"),
        (json.dumps({"version": "4", "alerts": "x"}).encode(), "application/json", "invalid_payload"),
        (webhook("g1"), "application/x-www-form-urlencoded", "content_type"),
        (b"{" + b" " * (200 * 1024) + b"}", "application/json", "too_large"),
        (os.urandom(4096), "application/json", "malformed_json"),
    ]
    for body, ctype, reason in cases:
        status, answer = post(url + "/robots/fangshan", body, ctype)
        assert (status, answer.get("reason")) == (400, reason), (reason, status, answer)
    assert post(url + "/robots/elsewhere", webhook("g1"))[0] == 404
    assert get(url + "/-/healthy")[0] == 200 and proc.poll() is None
    _, metrics = get(url + "/metrics")
    for reason, n in (("malformed_json", 3), ("invalid_payload", 1), ("content_type", 1), ("too_large", 1), ("unknown_robot", 1)):
        assert f'cloudctl_alerts_relay_requests_rejected_total{{reason="{reason}"}} {float(n)}' in metrics
    assert ding.posts == []  # nothing bad reached DingTalk
    assert post(url + "/robots/fangshan", webhook("g2"))[0] == 200  # and it still works
    assert wait_until(lambda: ding.posts_for(TOKEN))
    assert stop(proc)[0] == 0


def test_stays_under_the_rate_limit_and_merges_the_rest(relay):
    url, ding, proc = relay
    for i in range(7):
        assert post(url + "/robots/fangshan", webhook(f"g{i}", f"fangshan-gedong-v{i:03d}-acc-01"))[0] == 200
    posts = wait_until(lambda: (lambda p: p if sum(x.text.count("- 节点：") for x in p) == 7 else None)(ding.posts_for(TOKEN)))
    assert posts, ding.posts
    # rate_limit 3 per window: three messages go out at once, the other four wait and go out as one
    assert ["合并发送" in p.title for p in posts] == [False, False, False, True], [p.title for p in posts]
    assert posts[3].title == "【告警】4 组告警通知（合并发送）"
    assert ding.errors == []
    assert stop(proc)[0] == 0


def test_dingtalk_refusals_are_failures_and_transient_errors_are_retried(relay):
    url, ding, proc = relay
    ding.script = [-1, 0, 310000]  # busy, then accepted on the retry; then refused (not retried)
    assert post(url + "/robots/fangshan", webhook("g1"))[0] == 200
    assert wait_until(lambda: len(ding.posts_for(TOKEN)) == 1)
    assert post(url + "/robots/fangshan", webhook("g2", "fangshan-gedong-v003-acc-01"))[0] == 200
    assert wait_until(lambda: len(ding.refused) == 2)
    _, metrics = wait_until(lambda: (lambda m: m if 'messages_failed_total{reason="rejected",robot="fangshan"} 1.0' in m[1] else None)(get(url + "/metrics")))
    assert 'cloudctl_alerts_relay_send_attempts_total{result="busy",robot="fangshan"} 1.0' in metrics
    assert 'cloudctl_alerts_relay_alerts_failed_total{robot="fangshan"} 1.0' in metrics
    code, err = stop(proc)
    assert code == 0 and "errcode 310000" in err and TOKEN not in err and SECRET not in err


def test_sigterm_with_a_backlog_stops_within_the_shutdown_timeout_and_counts_what_it_drops(relay):
    url, ding, proc = relay
    for i in range(12):
        post(url + "/robots/fangshan", webhook(f"g{i}", f"fangshan-gedong-v{i:03d}-acc-01"))
    wait_until(lambda: len(ding.posts_for(TOKEN)) >= 3)
    code, err = stop(proc)  # the next window opens in ~2 s, the shutdown timeout is 1 s
    assert code == 0, err
    m = re.search(r"stopped: (\d+) messages delivered, 0 failed, (\d+) notifications dropped", err)
    assert m and int(m.group(1)) >= 3 and int(m.group(2)) >= 1, err
    delivered = sum(p.text.count("- 节点：") for p in ding.posts_for(TOKEN))
    assert delivered + int(m.group(2)) == 12


def test_a_port_in_use_is_exit_2_naming_the_listen_line(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        cfg = tmp_path / "relay.yaml"
        cfg.write_text(f"listen: 127.0.0.1:{port}\nrobots:\n  lishi: {{access_token: env:T, secret: env:S}}\n", encoding="utf-8")
        r = subprocess.run([sys.executable, "-m", "cloudctl", "--lang", "en", "alerts", "relay", "--config", str(cfg)],
                           capture_output=True, text=True, timeout=60, cwd=ROOT, env={**os.environ, "T": "t", "S": "s"})
    assert r.returncode == 2, r.stderr
    assert f"{cfg}:1:9: listen: cannot listen on 127.0.0.1:{port}" in r.stderr and "Traceback" not in r.stderr


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_a_flood_is_refused_beyond_the_queue_bound_and_memory_stays_bounded(tmp_path):
    """One robot blocked by its rate window; 400 webhooks of ~60 KB arrive: the queue keeps at most
    max_queue bytes, the rest get 503 (Alertmanager retries them), the process stays small."""
    big = [f"fangshan-gedong-v{i:03d}-acc-01" for i in range(150)]
    with DingTalkRobots({TOKEN: SECRET}) as ding:
        url, proc = start_relay(tmp_path, ding, "rate_limit: 1, rate_window: 10m", "max_body: 256KiB, max_queue: 1MiB, shutdown_timeout: 1s")
        try:
            before = rss_kib(proc.pid)
            statuses = [post(url + "/robots/fangshan", webhook_many(f"flood-{i}", big))[0] for i in range(400)]
            assert set(statuses) == {200, 503} and statuses[0] == 200
            _, metrics = get(url + "/metrics")
            queued = float(re.search(r'cloudctl_alerts_relay_queue_bytes\{robot="fangshan"\} (\S+)', metrics).group(1))
            assert 0 < queued <= 1024 * 1024
            refused = float(re.search(r'requests_rejected_total\{reason="queue_full"\} (\S+)', metrics).group(1))
            assert refused == statuses.count(503) > 300
            grown = rss_kib(proc.pid) - before
            assert grown < 16 * 1024, f"RSS grew by {grown} KiB"  # 400 bodies of ~60 KB (24 MB) went through
            code, err = stop(proc)
            assert code == 0 and re.search(r"stopped: 1 messages delivered, 0 failed, \d+ notifications dropped", err), err
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)


def webhook_many(key: str, nodes: list[str]) -> bytes:
    one = json.loads(webhook(key))
    alert = one["alerts"][0]
    one["alerts"] = [{**alert, "labels": {**alert["labels"], "node": n}} for n in nodes]
    return json.dumps(one, ensure_ascii=False).encode()
