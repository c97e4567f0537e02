"""Messages of the policy and migration area (keys start with 'policy.')."""

MESSAGES: dict[str, dict[str, str]] = {
    "policy.text.count": {"zh": "{open} 项未豁免, {waived} 项已豁免", "en": "{open} open, {waived} waived"},
    "policy.text.waived": {"zh": "已豁免", "en": "waived"},
    "policy.text.skipped": {"zh": "已跳过 {policy}: {reason}", "en": "skipped {policy}: {reason}"},
    "policy.text.unverified": {
        "zh": "未能核实 {policy}：{count} 个 {kind} 的 {field} 在此处为 {value}（{references} 在此处无法解析；请在设置了探针密钥的环境中运行检查）",
        "en": "not verified {policy}: {count} {kind}(s) have {field}={value} here ({references} does not resolve where the check runs; run it where the agents' secrets are set)",
    },
    "policy.text.summary": {
        "zh": "已检查 {policies} 条策略; 未豁免的违规: {counts}; 已豁免 {waived} 项",
        "en": "{policies} policies checked; open violations: {counts}; {waived} waived",
    },
    "policy.waiver.expired": {
        "zh": "{where}: 策略 {policy} 的豁免 ({records}) 已于 {expires} 到期 (审批人 {approver}), 不再生效",
        "en": "{where}: the waiver of {policy} for {records} expired on {expires} (approved by {approver}); it no longer waives anything",
    },
    "policy.waiver.unused": {
        "zh": "{where}: 策略 {policy} 的豁免 ({records}, 至 {expires}, 审批人 {approver}) 未匹配任何违规, 可以删除",
        "en": "{where}: the waiver of {policy} for {records} (until {expires}, approved by {approver}) matches no violation; remove it",
    },
    "policy.no_store": {
        "zh": "未找到云资源库 {path}, 仅使用清单数据 (运行 `cloudctl sync` 以加入云上证据)",
        "en": "no store at {path}; using the inventory alone (run `cloudctl sync` to add cloud evidence)",
    },
    "policy.result.failed": {
        "zh": "策略检查未通过: {count} 项 {fail_on} 及以上级别的违规",
        "en": "policy check failed: {count} violation(s) at or above {fail_on}",
    },
    "policy.result.passed": {
        "zh": "策略检查通过 (阈值 {fail_on}): {summary}",
        "en": "policy check passed (threshold {fail_on}): {summary}",
    },
    "policy.unknown_id": {"zh": "没有 id 为 '{id}' 的策略", "en": "no policy with id '{id}'"},
    "policy.explain.checks": {"zh": "检查内容", "en": "What it checks"},
    "policy.explain.violates": {"zh": "{resource} 满足以下条件即违规: {conditions}", "en": "a {resource} violates it when: {conditions}"},
    "policy.explain.ratio": {
        "zh": "{of}: 满足 {numerator} 的占 {denominator} 的比例须 ≥ {target}",
        "en": "{of}: the share matching {numerator} among {denominator} must be ≥ {target}",
    },
    "policy.explain.effective": {"zh": "自 {date} 起检查", "en": "checked from {date} on"},
    "policy.explain.why": {"zh": "依据 (规划原文)", "en": "Why (the plan)"},
    "policy.explain.fix": {"zh": "整改方法", "en": "How to fix"},
    "policy.explain.waivers": {"zh": "豁免", "en": "Waivers"},
    "policy.migrate.findings": {
        "zh": "云上证据与清单不一致 {count} 处 (见 `cloudctl migrate status --findings`)",
        "en": "{count} finding(s) where cloud evidence disagrees with the inventory (see `cloudctl migrate status --findings`)",
    },
}
