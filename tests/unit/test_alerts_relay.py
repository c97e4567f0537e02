"""cloudctl alerts relay, piece by piece: the DingTalk signature and answers, the webhook parser,
the Chinese message, the lane's rate limit / batching / retries (on a fake clock), the HTTP
endpoints (in-process) and relay.yaml. The real process against a DingTalk stand-in is in
tests/integration/test_alerts_relay_process.py; the whole chain in tests/e2e/test_alerting_e2e.py.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client.registry import CollectorRegistry

from cloudctl.alerts import config as relay_config
from cloudctl.alerts.config import DingTalkSettings, Limits, RobotCredentials
from cloudctl.alerts.dingtalk import DingTalkSender, Outcome, classify, sign, signed_url
from cloudctl.alerts.lane import Lane
from cloudctl.alerts.message import Message, render
from cloudctl.alerts.metrics import RelayCollector, RelayStats
from cloudctl.alerts.payload import BadWebhook, Notification, parse_webhook
from cloudctl.alerts.places import Places, from_inventory
from cloudctl.alerts.server import RelayState, make_app
from cloudctl.errors import ConfigError
from cloudctl.inventory.loader import load_inventory
from tests.conftest import INVENTORY, ROOT, need

ROBOT = RobotCredentials("fangshan", "tok-fangshan", "SEC-this-is-secret", ("13800000000",))
DASH = "https://grafana.egov.lvliang/d/egov-extranet/egov-extranet?orgId=1&viewPanel=10"
NOW = datetime(2026, 12, 1, 2, 12, tzinfo=timezone.utc)


def webhook(key: str = "g1", *, nodes=("fangshan-gedong-v002-acc-01",), status: str = "firing", county: str = "fangshan", **extra) -> dict:
    alerts = []
    for node in nodes:
        alerts.append({
            "status": status,
            "labels": {"alertname": "EgovNodeDown", "node": node, "county": county, "township": "fangshan-gedong", "role": "access", "severity": "warning"},
            "annotations": {"summary": f"Extranet node {node} ({county}) does not answer SNMP", "summary_zh": f"外网节点 {node}（{county}）SNMP 无响应",
                            "runbook": f"cloudctl inventory show node {node}", "dashboard": DASH},
            "startsAt": "2026-12-01T02:00:00.123456789Z",
            "endsAt": "2026-12-01T02:42:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph", "fingerprint": node[:16],
        })
    body = {"version": "4", "groupKey": key, "truncatedAlerts": 0, "status": status, "receiver": county,
            "groupLabels": {"county": county, "alertname": "EgovNodeDown"}, "commonLabels": {}, "commonAnnotations": {},
            "externalURL": "http://alertmanager:9093", "alerts": alerts}
    body.update(extra)
    return body


def note(key: str = "g1", **kw) -> Notification:  # noqa: ANN003
    return parse_webhook(json.dumps(webhook(key, **kw)).encode())


@pytest.fixture(scope="module")
def places() -> Places:
    return from_inventory(load_inventory(INVENTORY))


# --- DingTalk: signature and answers ----------------------------------------------------------------

def test_signature_is_the_documented_hmac_pinned_against_openssl():
    # printf '%s\n%s' 1577262236761 'SEC-this-is-secret' | openssl dgst -sha256 -hmac 'SEC-this-is-secret' -binary | base64
    assert sign("SEC-this-is-secret", 1577262236761) == "TZM5pj4IxLuGOv1OYKZG4/zo3406SeMaN+B+jPGdQ3Q="
    url = signed_url("https://oapi.dingtalk.com/robot/send", ROBOT, 1577262236761)
    # '+', '/' and '=' of the base64 are URL-encoded, as DingTalk requires
    assert url == ("https://oapi.dingtalk.com/robot/send?access_token=tok-fangshan&timestamp=1577262236761"
                   "&sign=TZM5pj4IxLuGOv1OYKZG4%2Fzo3406SeMaN%2BB%2BjPGdQ3Q%3D")


def test_a_private_deployment_url_keeps_its_own_query():
    url = signed_url("https://ding.egov.lvliang/robot/send?corp=lvliang", ROBOT, 1)
    assert url.startswith("https://ding.egov.lvliang/robot/send?corp=lvliang&access_token=tok-fangshan&timestamp=1&sign=")


@pytest.mark.parametrize(("status", "body", "kind", "retry"), [
    (200, {"errcode": 0, "errmsg": "ok"}, "ok", False),
    (200, {"errcode": 310000, "errmsg": "sign not match"}, "rejected", False),  # a 200 is not success
    (200, {"errcode": 300001, "errmsg": "token is not exist"}, "rejected", False),
    (200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}, "throttled", True),
    (200, {"errcode": -1, "errmsg": "系统繁忙"}, "busy", True),
    (200, {"errcode": 400105, "errmsg": "不支持的消息类型"}, "rejected", False),
    (502, {}, "http", True),
    (429, {}, "http", True),
    (404, {}, "http", False),
])
def test_dingtalk_answers_are_read_by_errcode(status, body, kind, retry):
    out = classify(status, json.dumps(body, ensure_ascii=False).encode())
    assert (out.kind, out.retry) == (kind, retry)


def test_a_200_without_json_is_a_failure_to_retry():
    assert classify(200, b"<html>proxy error</html>") == Outcome("bad_response", True, detail="HTTP 200 without a JSON errcode")


def test_sender_posts_a_signed_utf8_markdown_body():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"errcode": 0, "errmsg": "ok"})

    async def go() -> Outcome:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            sender = DingTalkSender(client, "https://oapi.dingtalk.com/robot/send", lambda: 1577262236761)
            return await sender.send(ROBOT, Message("【告警】方山县 外网节点离线", "### 正文", 1, 1), mention=True)

    assert asyncio.run(go()).ok
    req = seen[0]
    assert str(req.url).endswith("sign=TZM5pj4IxLuGOv1OYKZG4%2Fzo3406SeMaN%2BB%2BjPGdQ3Q%3D")
    assert req.headers["content-type"] == "application/json; charset=utf-8"
    body = json.loads(req.content.decode("utf-8"))
    assert body["msgtype"] == "markdown" and body["markdown"]["title"] == "【告警】方山县 外网节点离线"
    assert body["at"] == {"atMobiles": ["13800000000"], "isAtAll": False} and body["markdown"]["text"].endswith("@13800000000")


def test_network_errors_never_carry_the_url():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"connect failed for {request.url}")

    async def go() -> Outcome:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            return await DingTalkSender(client, "https://oapi.dingtalk.com/robot/send", lambda: 1).send(ROBOT, Message("t", "x", 1, 1))

    out = asyncio.run(go())
    assert (out.kind, out.retry) == ("network", True)
    assert "tok-fangshan" not in out.detail and "sign" not in out.detail


# --- the webhook ---------------------------------------------------------------------------------

def test_webhook_v4_is_parsed():
    n = note(nodes=("a", "b"), truncatedAlerts=3)
    assert (n.group_key, n.status, n.truncated, len(n.firing)) == ("g1", "firing", 3, 2)
    assert n.alerts[0].starts_at == datetime(2026, 12, 1, 2, 0, 0, 123456, tzinfo=timezone.utc)
    assert n.alerts[0].ends_at is None  # Go's zero time while firing
    assert note(status="resolved").alerts[0].ends_at == datetime(2026, 12, 1, 2, 42, tzinfo=timezone.utc)


@pytest.mark.parametrize(("body", "reason"), [
    (b"{not json", "malformed_json"),
    (b"\xff\xfe", "malformed_json"),
    (b"[" * 100_000, "malformed_json"),
    (b"[]", "invalid_payload"),
    (json.dumps({**webhook(), "version": "3"}).encode(), "invalid_payload"),
    (json.dumps({**webhook(), "alerts": []}).encode(), "invalid_payload"),
    (json.dumps({**webhook(), "alerts": [{"status": "firing", "labels": {"a": 1}}]}).encode(), "invalid_payload"),
])
def test_bad_webhooks_are_refused_with_a_reason(body, reason):
    with pytest.raises(BadWebhook) as exc:
        parse_webhook(body)
    assert exc.value.reason == reason


# --- the message -----------------------------------------------------------------------------------

def test_message_names_node_village_township_county_time_runbook_and_dashboard(places):
    m = render([note()], places, now=NOW)
    assert m.title == "【告警】方山县 外网节点离线"
    assert m.text.splitlines()[0] == "### 【告警】方山县 外网节点离线（1 条告警，0 条已恢复）"
    assert "**外网节点 fangshan-gedong-v002-acc-01（fangshan）SNMP 无响应**" in m.text
    assert "- 节点：fangshan-gedong-v002-acc-01（接入）" in m.text
    assert "- 位置：方山县 / 圪洞镇 / 大塔村" in m.text  # names from the inventory
    assert "- 开始：2026-12-01 10:00:00（北京时间），已持续 11 分钟" in m.text
    assert "- 处置：`cloudctl inventory show node fangshan-gedong-v002-acc-01`" in m.text
    assert f"- [Grafana 面板]({DASH})" in m.text


def test_a_fresh_alert_is_just_now(places):
    m = render([note()], places, now=datetime(2026, 12, 1, 2, 0, 30, tzinfo=timezone.utc))
    assert "- 开始：2026-12-01 10:00:00（北京时间），刚刚发生" in m.text


def test_resolved_message_says_when_and_how_long(places):
    m = render([note(status="resolved")], places, now=NOW)
    assert m.title.startswith("【已恢复】") and "- 恢复：2026-12-01 10:42:00，共持续 41 分钟" in m.text


def test_message_without_inventory_falls_back_to_ids_and_builds_the_runbook():
    body = webhook()
    del body["alerts"][0]["annotations"]["runbook"]
    m = render([parse_webhook(json.dumps(body).encode())], Places(), now=NOW)
    assert "- 位置：fangshan / fangshan-gedong" in m.text
    assert "- 处置：`cloudctl inventory show node fangshan-gedong-v002-acc-01`" in m.text


def test_message_in_english_when_configured(places):
    m = render([note()], places, now=NOW, lang="en")
    assert m.title == "[FIRING] 方山县 Extranet node down" and "- Location: 方山县 / 圪洞镇 / 大塔村" in m.text


def test_a_huge_group_is_cut_to_max_bytes_and_counts_the_rest(places):
    nodes = [f"fangshan-gedong-v{i:03d}-acc-01" for i in range(200)]
    m = render([note(nodes=nodes)], places, now=NOW, max_bytes=4096)
    assert len(m.text.encode()) <= 4096
    listed = m.text.count("- 节点：")
    assert 3 <= listed < 200 and f"……另有 {200 - listed} 条告警未列出" in m.text
    assert m.alerts == 200


# --- the lane: rate limit, batching, retries (fake clock) ----------------------------------------

class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float, interrupt: asyncio.Event) -> None:
        await asyncio.sleep(0)  # let others run first: they may set ``interrupt``
        if interrupt.is_set():
            return
        self.sleeps.append(seconds)
        self.t += seconds


class FakeDingTalk:
    """Answers with scripted outcomes (then ok) and records (time, message)."""

    def __init__(self, clock: FakeClock, script=()) -> None:  # noqa: ANN001
        self.clock = clock
        self.script = list(script)
        self.sent: list[tuple[float, Message]] = []

    async def __call__(self, robot: RobotCredentials, message: Message, mention: bool) -> Outcome:
        self.sent.append((self.clock.now(), message))
        return self.script.pop(0) if self.script else Outcome("ok", False, 0)


def make_lane(places: Places, script=(), stats: RelayStats | None = None, **settings) -> tuple[Lane, FakeDingTalk, FakeClock, RelayStats]:  # noqa: ANN001, ANN003
    clock = FakeClock()
    fake = FakeDingTalk(clock, script)
    stats = stats if stats is not None else RelayStats()
    limits = Limits(**{k: v for k, v in settings.items() if k in Limits.model_fields})
    ding = DingTalkSettings(**{k: v for k, v in settings.items() if k in DingTalkSettings.model_fields})
    lane = Lane(ROBOT, fake, lambda batch: render(batch, places, now=NOW, max_bytes=limits.max_message, rate_limit=ding.rate_limit),
                ding, limits, stats, clock)
    return lane, fake, clock, stats


def drain(lane: Lane) -> None:
    """Run the lane until everything queued is sent or given up (a far shutdown deadline)."""
    lane.close(deadline=1e9)  # fake clocks start at 0
    asyncio.run(lane.run())


def test_25_notifications_at_once_give_20_messages_then_one_merged_message(places):
    lane, fake, _, stats = make_lane(places)
    for i in range(25):
        assert lane.offer(note(f"g{i}", nodes=(f"fangshan-gedong-v{i:03d}-acc-01",)), 1000)
    drain(lane)
    times = [t for t, _ in fake.sent]
    assert len(fake.sent) == 21
    assert times[:20] == [0.0] * 20 and times[20] == 60.0  # the 21st waits for the window
    merged = fake.sent[20][1]
    assert merged.title == "【告警】5 组告警通知（合并发送）" and merged.notifications == 5 and merged.alerts == 5
    assert all(f"fangshan-gedong-v{i:03d}-acc-01" in merged.text for i in range(20, 25))
    assert "钉钉机器人每分钟最多发送 20 条消息" in merged.text
    assert stats.delivered["fangshan"] == 21 and stats.delivered_alerts["fangshan"] == 25 and stats.merged["fangshan"] == 5
    # never more than 20 sends in any 60 s
    assert all(sum(1 for u in times if t <= u < t + 60) <= 20 for t in times)


def test_a_merged_message_is_split_when_it_would_be_too_long(places):
    lane, fake, _, _ = make_lane(places, rate_limit=1, max_message=2048)
    for i in range(8):
        lane.offer(note(f"g{i}", nodes=(f"fangshan-gedong-v{i:03d}-acc-01",)), 1000)
    drain(lane)
    assert all(len(m.text.encode()) <= 2048 for _, m in fake.sent)
    assert sum(m.notifications for _, m in fake.sent) == 8 and len(fake.sent) < 8


def test_transient_failures_are_retried_with_doubling_backoff(places):
    script = [Outcome("network", True, detail="timed out"), Outcome("busy", True, -1), Outcome("http", True, detail="HTTP 502")]
    lane, fake, clock, stats = make_lane(places, script)
    lane.offer(note(), 1000)
    drain(lane)
    assert len(fake.sent) == 4 and clock.sleeps == [2.0, 4.0, 8.0]
    assert stats.delivered["fangshan"] == 1 and stats.failed == {}
    assert stats.attempts == {("fangshan", "network"): 1, ("fangshan", "busy"): 1, ("fangshan", "http"): 1, ("fangshan", "ok"): 1}


def test_a_refusal_is_not_retried_and_counts_as_failed(places, caplog):
    lane, fake, _, stats = make_lane(places, [Outcome("rejected", False, 310000, "errcode 310000: sign not match")])
    lane.offer(note(nodes=("a", "b")), 1000)
    drain(lane)
    assert len(fake.sent) == 1
    assert stats.failed == {("fangshan", "rejected"): 1} and stats.failed_alerts["fangshan"] == 2
    assert "310000" in caplog.text and "tok-fangshan" not in caplog.text and "SEC-this" not in caplog.text


def test_throttled_waits_the_documented_ten_minutes_and_gives_up_after_max_attempts(places):
    lane, fake, clock, stats = make_lane(places, [Outcome("throttled", True, 130101)] * 5)
    lane.offer(note(), 1000)
    drain(lane)
    assert len(fake.sent) == 5 and clock.sleeps == [600.0] * 4
    assert stats.failed == {("fangshan", "throttled"): 1}


def test_a_newer_notification_of_a_group_replaces_the_queued_one(places):
    lane, fake, _, stats = make_lane(places)
    lane.offer(note("g1"), 1000)
    lane.offer(note("g1", status="resolved"), 1000)
    assert lane.depth == (1, 1000)
    drain(lane)
    assert len(fake.sent) == 1 and fake.sent[0][1].title.startswith("【已恢复】")
    assert stats.dropped == {("fangshan", "superseded"): 1}


def test_the_queue_is_bounded_in_bytes(places):
    lane, _, _, _ = make_lane(places, max_queue=64 * 1024)
    assert lane.offer(note("a"), 40 * 1024)
    assert not lane.offer(note("b"), 30 * 1024)
    assert lane.offer(note("c"), 24 * 1024)
    assert lane.depth == (2, 64 * 1024)


def test_at_shutdown_what_cannot_be_sent_before_the_deadline_is_dropped(places):
    lane, fake, clock, stats = make_lane(places, rate_limit=1)
    for i in range(3):
        lane.offer(note(f"g{i}"), 1000)

    async def go() -> None:
        task = asyncio.create_task(lane.run())
        await asyncio.sleep(0)
        lane.close(deadline=clock.now() + 30)  # the next slot is 60 s away
        await task

    asyncio.run(go())
    assert len(fake.sent) == 1 and stats.dropped == {("fangshan", "shutdown"): 2}
    assert not lane.offer(note("late"), 10)


# --- the HTTP endpoints (in-process) ---------------------------------------------------------------

def app_state(places: Places, **settings) -> RelayState:  # noqa: ANN003
    stats = RelayStats()  # one stats object for the lane and the endpoints, as in the service
    lane, _, _, _ = make_lane(places, stats=stats, **settings)
    registry = CollectorRegistry()
    registry.register(RelayCollector(stats, ["fangshan"], lambda: {"fangshan": lane.depth}))
    return RelayState({"fangshan": lane}, stats, registry, Limits(max_body=4096), accepting=True)


def post(state: RelayState, path: str, content: bytes, content_type: str = "application/json", headers=None) -> httpx.Response:  # noqa: ANN001
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=make_app(state))
        async with httpx.AsyncClient(transport=transport, base_url="http://relay") as client:
            return await client.post(path, content=content, headers={"Content-Type": content_type, **(headers or {})})

    return asyncio.run(go())


def test_a_webhook_is_queued(places):
    state = app_state(places)
    r = post(state, "/robots/fangshan", json.dumps(webhook()).encode())
    assert r.status_code == 200 and r.json() == {"status": "queued", "robot": "fangshan", "alerts": 1}
    assert state.lanes["fangshan"].depth[0] == 1 and state.stats.received["fangshan"] == 1


@pytest.mark.parametrize(("content", "ctype", "status", "reason"), [
    (b"{oops", "application/json", 400, "malformed_json"),
    (b'{"version": "4"}', "application/json", 400, "invalid_payload"),
    (json.dumps(webhook()).encode(), "text/plain", 400, "content_type"),
    (b"x" * 5000, "application/json", 400, "too_large"),
])
def test_bad_input_is_answered_400_and_counted(places, content, ctype, status, reason):
    state = app_state(places)
    r = post(state, "/robots/fangshan", content, ctype)
    assert r.status_code == status and r.json()["reason"] == reason
    assert "/" in r.json()["error"]  # Chinese / English
    assert state.stats.rejected == {reason: 1} and state.lanes["fangshan"].depth == (0, 0)


def test_an_oversized_body_without_content_length_is_cut_off(places):
    state = app_state(places)

    async def chunks():  # noqa: ANN202
        for _ in range(100):
            yield b"x" * 1000

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=make_app(state)), base_url="http://relay") as client:
            return await client.post("/robots/fangshan", content=chunks(), headers={"Content-Type": "application/json"})

    r = asyncio.run(go())
    assert r.status_code == 400 and r.json()["reason"] == "too_large"


def test_unknown_robot_is_404_and_names_the_configured_ones(places):
    state = app_state(places)
    r = post(state, "/robots/nowhere", json.dumps(webhook()).encode())
    assert r.status_code == 404 and "fangshan" in r.json()["error"] and state.stats.rejected["unknown_robot"] == 1


def test_a_full_queue_or_a_stopping_relay_answers_503_so_alertmanager_retries(places):
    state = app_state(places, max_queue=64 * 1024)
    body = json.dumps(webhook()).encode()
    for i in range(64 * 1024 // len(body)):
        assert post(state, "/robots/fangshan", json.dumps(webhook(f"k{i}")).encode()).status_code == 200
    r = post(state, "/robots/fangshan", json.dumps(webhook("one-more")).encode())
    assert r.status_code == 503 and r.json()["reason"] == "queue_full"
    state.accepting = False
    assert post(state, "/robots/fangshan", body).json()["reason"] == "shutting_down"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_get_an_answer_never_an_error(body):
    state = app_state(Places())
    r = post(state, "/robots/fangshan", body)
    assert r.status_code in (200, 400)


def test_metrics_pass_promtool_check_metrics(places):
    state = app_state(places)
    post(state, "/robots/fangshan", b"{oops")
    post(state, "/robots/fangshan", json.dumps(webhook()).encode())

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=make_app(state)), base_url="http://relay") as client:
            return await client.get("/metrics")

    text = asyncio.run(go()).text
    assert 'cloudctl_alerts_relay_requests_rejected_total{reason="malformed_json"} 1.0' in text
    assert 'cloudctl_alerts_relay_notifications_received_total{robot="fangshan"} 1.0' in text
    assert 'cloudctl_alerts_relay_messages_delivered_total{robot="fangshan"} 0.0' in text
    assert 'cloudctl_alerts_relay_queue_notifications{robot="fangshan"} 1.0' in text
    r = subprocess.run([need("promtool"), "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and not r.stdout.strip() and not r.stderr.strip(), r.stdout + r.stderr


# --- relay.yaml -------------------------------------------------------------------------------------

def test_the_shipped_relay_yaml_is_valid_and_holds_only_references():
    loaded = relay_config.load(ROOT / "agents" / "alertmanager" / "relay.yaml")
    assert loaded.warnings == []
    cfg = loaded.config
    assert (cfg.dingtalk.rate_limit, cfg.dingtalk.rate_window, cfg.dingtalk.throttled_pause) == (20, 60.0, 600.0)
    assert cfg.limits.max_body == 1024 * 1024 and cfg.limits.max_message == 16 * 1024
    assert all(r.access_token.kind == "env" and r.secret.kind == "env" for r in cfg.robots.values())
    assert str(cfg.robots["lishi"].secret.reference) == "env:DINGTALK_LISHI_SECRET"


def test_config_problems_name_file_line_and_field(tmp_path):
    f = tmp_path / "relay.yaml"
    f.write_text("listen: 127.0.0.1:9097\ndingtalk:\n  rate_limit: 0\n  timeout: soon\nrobots:\n  lishi: {access_token: env:T, secret: env:S, colour: red}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        relay_config.load(f)
    text = str(exc.value)
    assert f"{f}:3:15: dingtalk.rate_limit" in text
    assert f"{f}:4:12: dingtalk.timeout: expected a duration" in text
    assert "robots.lishi.colour: unknown field 'colour'" in text


def test_unreadable_secrets_are_named_by_reference_never_by_value(tmp_path, monkeypatch):
    (tmp_path / "lishi.token").write_text("TOKEN-VALUE-7f3a\n", encoding="utf-8")
    (tmp_path / "empty.secret").write_text("\n", encoding="utf-8")
    f = tmp_path / "relay.yaml"
    f.write_text("robots:\n  lishi:\n    access_token: file:lishi.token\n    secret: env:LISHI_DINGTALK_SECRET\n"
                 "  fangshan:\n    access_token: file:lishi.token\n    secret: file:empty.secret\n", encoding="utf-8")
    monkeypatch.delenv("LISHI_DINGTALK_SECRET", raising=False)
    with pytest.raises(ConfigError) as exc:
        relay_config.credentials(relay_config.load(f))
    text = str(exc.value)
    assert f"{f}:4:13: robots.lishi.secret: environment variable LISHI_DINGTALK_SECRET is not set" in text
    assert f"{f}:7:13: robots.fangshan.secret: file:empty.secret is empty" in text
    assert "TOKEN-VALUE" not in text
    monkeypatch.setenv("LISHI_DINGTALK_SECRET", "SEC-planted-value")
    (tmp_path / "empty.secret").write_text("SEC-two", encoding="utf-8")
    creds = relay_config.credentials(relay_config.load(f))
    assert creds["lishi"].access_token == "TOKEN-VALUE-7f3a"  # relative to the config file, stripped
    assert "TOKEN-VALUE" not in repr(creds) and "SEC-planted" not in repr(creds)
    from cloudctl.redact import scrub

    assert scrub("posting with TOKEN-VALUE-7f3a and SEC-planted-value") == "posting with <redacted> and <redacted>"  # logs mask them


def test_literal_secrets_warn(tmp_path):
    f = tmp_path / "relay.yaml"
    f.write_text("robots:\n  lishi: {access_token: abc, secret: SECabc}\n", encoding="utf-8")
    loaded = relay_config.load(f)
    assert [w.field for w in loaded.warnings] == ["robots.lishi.access_token", "robots.lishi.secret"]


def test_cli_exit_2_for_a_missing_or_invalid_config(cli, tmp_path):
    code, _, err = cli("--lang", "en", "alerts", "relay", "--config", tmp_path / "nope.yaml")
    assert code == 2 and "relay config file does not exist" in err
    bad = tmp_path / "relay.yaml"
    bad.write_text("robots: {}\n", encoding="utf-8")
    code, _, err = cli("--lang", "en", "alerts", "relay", "--config", bad)
    assert code == 2 and f"{bad}:1:9: robots" in err


def test_durations_and_sizes(tmp_path):
    f = tmp_path / "relay.yaml"
    f.write_text("dingtalk: {rate_window: 2s, throttled_pause: 1m}\nlimits: {max_body: 512KiB, max_queue: 2MiB}\n"
                 "robots: {lishi: {access_token: env:T, secret: env:S}}\n", encoding="utf-8")
    cfg = relay_config.load(f).config
    assert (cfg.dingtalk.rate_window, cfg.dingtalk.throttled_pause, cfg.limits.max_body, cfg.limits.max_queue) == (2.0, 60.0, 512 * 1024, 2 * 1024 * 1024)


def test_message_time_is_beijing_time_whatever_the_zone_of_the_alert(places):
    body = webhook()
    body["alerts"][0]["startsAt"] = "2026-12-01T10:00:00+08:00"
    m = render([parse_webhook(json.dumps(body).encode())], places, now=NOW + timedelta(hours=1))
    assert "- 开始：2026-12-01 10:00:00（北京时间），已持续 1 小时 12 分钟" in m.text
