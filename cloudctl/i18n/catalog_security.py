"""Messages of the hostile-network area: HTTP bounds, connection checks, agent web security.

Keys start with ``security.`` (``security.http.``, ``security.connect.``, ``security.web.``).
"""

MESSAGES: dict[str, dict[str, str]] = {
    "security.http.deadline": {
        "zh": "{seconds} 秒内未收到完整响应",
        "en": "no complete response within {seconds} s",
    },
    "security.http.gave_up": {
        "zh": "{what}：{problem}，已尝试 {attempts} 次，共 {seconds} 秒（{url}）",
        "en": "{what}: {problem}; tried {attempts} times in {seconds} s ({url})",
    },
    "security.http.gave_up_hint": {
        "zh": "地址是否可达？云平台较慢时可调大提供方 '{provider}' 的 timeout 或 max_retries",
        "en": "is the endpoint reachable? raise 'timeout' or 'max_retries' for provider '{provider}' if the cloud is slow",
    },
    "security.http.too_large": {
        "zh": "{what}：响应超过 {limit} 字节的上限，已停止读取（{url}）",
        "en": "{what}: the response is larger than the limit of {limit} bytes; stopped reading ({url})",
    },
    "security.http.too_large_hint": {
        "zh": "如果该云的分页确实这么大，请调大提供方 '{provider}' 的 max_response_bytes，或调小 page_size",
        "en": "if the cloud's pages really are that large, raise 'max_response_bytes' for provider '{provider}' or lower 'page_size'",
    },
    "security.http.provider_deadline": {
        "zh": "超过提供方的同步期限 {seconds} 秒，已停止；保留上一次的数据",
        "en": "the provider's sync deadline of {seconds} s passed; stopped, and its previous data is kept",
    },
    "security.connect.title": {"zh": "云平台连接检查", "en": "cloud connection check"},
    "security.connect.ok": {"zh": "正常", "en": "OK"},
    "security.connect.failed": {"zh": "失败", "en": "failed"},
    "security.connect.summary_ok": {
        "zh": "{n} 个云平台均可登录，令牌已注销",
        "en": "all {n} clouds accepted the login; the tokens were revoked",
    },
    "security.connect.summary_failed": {
        "zh": "{failed}/{n} 个云平台连接失败：{providers}",
        "en": "{failed} of {n} clouds failed: {providers}",
    },
    "security.web.reload_busy": {
        "zh": "已有一次重新加载正在进行，本次忽略",
        "en": "a reload is already running; this one is ignored",
    },
    "security.web.restart_needed": {
        "zh": "web 配置中 TLS 的开关在重新加载时改变，需重启 agent 才能生效；证书、用户和响应头已更新",
        "en": "turning TLS on or off in the web config needs a restart of the agent; certificates, users and headers were updated",
    },
    "security.web.auth_on": {
        "zh": "已启用 HTTP 基本认证（{users} 个用户）",
        "en": "HTTP basic authentication is on ({users} users)",
    },
    "security.web.addr_in_use": {
        "zh": "地址已被占用：{addr}",
        "en": "address already in use: {addr}",
    },
    "security.web.addr_in_use_hint": {
        "zh": "另一个进程（也许是另一个 agent）正在监听该端口；停止它，或修改 agent 配置中的 listen:",
        "en": "another process (another agent?) listens there; stop it or change listen: in the agent config",
    },
    "security.web.bind_failed": {
        "zh": "无法监听 {addr}：{reason}",
        "en": "cannot listen on {addr}: {reason}",
    },
    "security.web.bind_failed_hint": {
        "zh": "使用本机的地址和 1024 以上的端口（或 0 表示任意空闲端口）",
        "en": "use an address of this host and a port above 1024 (or 0 for any free port)",
    },
    "security.web.no_inventory": {
        "zh": "清单目录 {path} 不存在",
        "en": "inventory directory {path} does not exist",
    },
    "security.web.no_inventory_hint": {
        "zh": "修改 agent 配置中的 inventory:（相对于该配置文件所在目录）",
        "en": "fix inventory: in the agent config (relative to the config file's directory)",
    },
}
