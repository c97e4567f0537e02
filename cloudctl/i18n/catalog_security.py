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
}
