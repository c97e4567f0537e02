"""Messages of the SNMP fleet simulator (keys start with 'sim_snmp.')."""

MESSAGES: dict[str, dict[str, str]] = {
    "sim_snmp.ready": {
        "zh": "ready：正在模拟 {nodes} 个 SNMP 节点（{down} 个离线，{slow} 个慢响应，{ipv6} 个启用 IPv6），模式 {mode}，端口 {port}",
        "en": "ready: simulating {nodes} SNMP nodes ({down} down, {slow} slow, {ipv6} IPv6-enabled), mode {mode}, port {port}",
    },
    "sim_snmp.inventory_written": {
        "zh": "指向模拟器的清单已写入 {path}",
        "en": "inventory pointing at the simulator written to {path}",
    },
    "sim_snmp.stopped": {
        "zh": "模拟器已停止：收到 {received} 个请求，应答 {answered} 个",
        "en": "simulator stopped: {received} requests received, {answered} answered",
    },
}
