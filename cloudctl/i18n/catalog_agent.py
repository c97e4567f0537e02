"""Messages of the agent area (keys start with 'agent.')."""

MESSAGES: dict[str, dict[str, str]] = {
    "agent.started": {
        "zh": "开始轮询 {nodes} 个节点（分片 {shard}），计数器每 {interval} 秒，静态数据每 {static} 秒",
        "en": "polling {nodes} nodes (shard {shard}): counters every {interval}s, static data every {static}s",
    },
    "agent.listening": {"zh": "HTTP 服务监听于 {url}", "en": "serving HTTP on {url}"},
    "agent.sweep_done": {
        "zh": "第 {n} 轮轮询完成：{up} 个在线，{down} 个离线，用时 {seconds} 秒",
        "en": "sweep {n} done: {up} up, {down} down in {seconds}s",
    },
    "agent.sweep_failed": {
        "zh": "本轮轮询因内部错误中止，下一轮照常进行（请报告此问题）",
        "en": "sweep aborted by an internal error; the next one runs as scheduled (please report this)",
    },
    "agent.reloaded": {
        "zh": "已重新加载：{nodes} 个节点（保留 {kept} 个结果，丢弃 {dropped} 个）",
        "en": "reloaded: {nodes} nodes ({kept} results kept, {dropped} dropped)",
    },
    "agent.reload_failed": {
        "zh": "重新加载失败，继续使用原配置：{error}",
        "en": "reload failed; keeping the previous configuration: {error}",
    },
    "agent.listen_changed": {
        "zh": "监听地址已改为 {listen}，需重启 agent 才能生效",
        "en": "listen address changed to {listen}; restart the agent to apply it",
    },
    "agent.stopping": {"zh": "收到信号 {signal}，正在停止", "en": "received {signal}; stopping"},
    "agent.once_partial": {
        "zh": "{down}/{total} 个节点未响应（退出码 3：结果不完整）",
        "en": "{down} of {total} nodes did not answer (exit 3: the result is partial)",
    },
    "agent.literal_secret": {
        "zh": "{where}：配置文件中含明文密钥；请改用 env:NAME 或 file:PATH",
        "en": "{where}: literal secret in the config file; use env:NAME or file:PATH",
    },
}
