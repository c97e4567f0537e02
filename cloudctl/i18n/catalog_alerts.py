"""Messages of the alerting area (keys start with 'alerts.'): the DingTalk message texts and the relay's log lines.

The alert names under ``alerts.name.`` are the same as in ``agents/alertmanager/templates/egov.tmpl``
(企业微信 and e-mail); a test keeps the two in step.
"""

MESSAGES: dict[str, dict[str, str]] = {
    # --- the DingTalk message -------------------------------------------------------------------
    "alerts.msg.firing": {"zh": "告警", "en": "FIRING"},
    "alerts.msg.resolved": {"zh": "已恢复", "en": "RESOLVED"},
    "alerts.msg.count": {"zh": "{firing} 条告警，{resolved} 条已恢复", "en": "{firing} firing, {resolved} resolved"},
    "alerts.msg.node": {"zh": "节点", "en": "Node"},
    "alerts.msg.location": {"zh": "位置", "en": "Location"},
    "alerts.msg.since": {"zh": "开始", "en": "Since"},
    "alerts.msg.lasting": {"zh": "已持续 {duration}", "en": "for {duration}"},
    "alerts.msg.just_now": {"zh": "刚刚发生", "en": "just now"},
    "alerts.msg.ended": {"zh": "恢复", "en": "Resolved at"},
    "alerts.msg.lasted": {"zh": "共持续 {duration}", "en": "lasted {duration}"},
    "alerts.msg.lasted_moment": {"zh": "持续不到 1 分钟", "en": "lasted under a minute"},
    "alerts.msg.runbook": {"zh": "处置", "en": "Runbook"},
    "alerts.msg.dashboard": {"zh": "Grafana 面板", "en": "Grafana dashboard"},
    "alerts.msg.timezone": {"zh": "北京时间", "en": "UTC+8"},
    "alerts.msg.minutes": {"zh": "{n} 分钟", "en": "{n} min"},
    "alerts.msg.hours": {"zh": "{h} 小时 {m} 分钟", "en": "{h} h {m} min"},
    "alerts.msg.days": {"zh": "{d} 天 {h} 小时", "en": "{d} d {h} h"},
    "alerts.msg.more_alerts": {
        "zh": "……另有 {n} 条告警未列出，请查看 Grafana 或 Alertmanager。",
        "en": "… {n} more alerts not listed; see Grafana or Alertmanager.",
    },
    "alerts.msg.truncated": {
        "zh": "Alertmanager 另截去 {n} 条告警（max_alerts）。",
        "en": "Alertmanager left out {n} more alerts (max_alerts).",
    },
    "alerts.msg.batch_title": {"zh": "{n} 组告警通知（合并发送）", "en": "{n} alert notifications (merged)"},
    "alerts.msg.batch_note": {
        "zh": "钉钉机器人每分钟最多发送 {limit} 条消息，以下通知合并为一条发送。",
        "en": "A DingTalk robot may send at most {limit} messages a minute; these notifications were merged into one.",
    },
    "alerts.role.core": {"zh": "核心", "en": "core"},
    "alerts.role.aggregation": {"zh": "汇聚", "en": "aggregation"},
    "alerts.role.access": {"zh": "接入", "en": "access"},
    "alerts.name.EgovNodeDown": {"zh": "外网节点离线", "en": "Extranet node down"},
    "alerts.name.EgovVillageCoverageBelowTarget": {"zh": "行政村接入率未达标", "en": "Village coverage below target"},
    "alerts.name.EgovIPv6RatioFalling": {"zh": "IPv6 占比下降", "en": "IPv6 ratio falling"},
    "alerts.name.EgovUplinkBelowGigabit": {"zh": "核心上联未达千兆", "en": "Core uplink below gigabit"},
    "alerts.name.EgovAgentDown": {"zh": "监测探针离线", "en": "Monitoring agent down"},
    "alerts.name.CloudctlSyncStale": {"zh": "云资源同步过期", "en": "Cloud sync stale"},
    "alerts.all_counties": {"zh": "全市", "en": "whole city"},
    # --- the relay process -----------------------------------------------------------------------
    "alerts.relay.ready": {
        "zh": "ready：钉钉告警转发已启动，地址 {url}，{robots} 个机器人（{names}）",
        "en": "ready: DingTalk alert relay on {url}, {robots} robots ({names})",
    },
    "alerts.relay.no_inventory": {
        "zh": "未配置 inventory：消息中只显示节点编号，不显示村、乡镇名称",
        "en": "no inventory configured: messages show node ids without village and township names",
    },
    "alerts.relay.literal_secret": {
        "zh": "{where}：配置文件中含明文密钥；请改用 env:NAME 或 file:PATH",
        "en": "{where}: literal secret in the config file; use env:NAME or file:PATH",
    },
    "alerts.relay.port_in_use": {
        "zh": "无法监听 {listen}：{reason}",
        "en": "cannot listen on {listen}: {reason}",
    },
    "alerts.relay.port_hint": {
        "zh": "换一个 listen 端口，或停止占用该端口的进程",
        "en": "choose another listen port, or stop the process that holds it",
    },
    "alerts.relay.stopping": {
        "zh": "收到 {signal}：不再接收告警，{seconds} 秒内发出队列中的消息",
        "en": "received {signal}: no longer accepting alerts; sending what is queued within {seconds}s",
    },
    "alerts.relay.stopped": {
        "zh": "已停止：送达 {delivered} 条消息，失败 {failed} 条，丢弃 {dropped} 条通知",
        "en": "stopped: {delivered} messages delivered, {failed} failed, {dropped} notifications dropped",
    },
    "alerts.relay.retry": {
        "zh": "机器人 {robot}：发送失败（{reason}），{seconds} 秒后第 {attempt} 次尝试",
        "en": "robot {robot}: sending failed ({reason}); attempt {attempt} in {seconds}s",
    },
    "alerts.relay.failed": {
        "zh": "机器人 {robot}：消息未送达（{reason}），放弃其中 {alerts} 条告警；{hint}",
        "en": "robot {robot}: message not delivered ({reason}); {alerts} alerts given up; {hint}",
    },
    "alerts.relay.lane_failed": {
        "zh": "机器人 {robot} 的发送循环因内部错误中止，1 秒后重启（请报告此问题）",
        "en": "the sending loop of robot {robot} stopped on an internal error; restarting it in 1 s (please report this)",
    },
    "alerts.relay.dropped": {
        "zh": "机器人 {robot}：停止时仍有 {n} 组通知未发送，已丢弃",
        "en": "robot {robot}: {n} notifications still queued at shutdown were dropped",
    },
    "alerts.relay.hint.rejected": {
        "zh": "检查机器人的 access_token、加签密钥和安全设置（errcode 310000：签名不符、关键词或 IP 不符；300001/300005：token 无效）",
        "en": "check the robot's access_token, signing secret and security settings (errcode 310000: sign, keywords or IP do not match; 300001/300005: token invalid)",
    },
    "alerts.relay.hint.transient": {
        "zh": "钉钉或网络暂时不可用，Alertmanager 会在 repeat_interval 后再次通知",
        "en": "DingTalk or the network was unavailable; Alertmanager notifies again after repeat_interval",
    },
    # --- answers to bad requests (HTTP 4xx/5xx bodies) ---------------------------------------------
    "alerts.http.malformed_json": {"zh": "请求体不是合法的 JSON", "en": "the body is not valid JSON"},
    "alerts.http.invalid_payload": {"zh": "请求体不是 Alertmanager webhook（version 4）", "en": "the body is not an Alertmanager webhook (version 4)"},
    "alerts.http.too_large": {"zh": "请求体超过 {limit} 字节", "en": "the body is larger than {limit} bytes"},
    "alerts.http.content_type": {"zh": "Content-Type 必须是 application/json", "en": "Content-Type must be application/json"},
    "alerts.http.incomplete": {"zh": "请求体未在 {seconds} 秒内发完", "en": "the body was not sent within {seconds}s"},
    "alerts.http.unknown_robot": {
        "zh": "未配置机器人 {robot}（已配置：{names}）",
        "en": "no robot named {robot} (configured: {names})",
    },
    "alerts.http.queue_full": {
        "zh": "机器人 {robot} 的待发送队列已满，请稍后重试",
        "en": "the queue of robot {robot} is full; retry later",
    },
    "alerts.http.shutting_down": {"zh": "转发服务正在停止", "en": "the relay is shutting down"},
}
