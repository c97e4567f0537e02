"""Messages of the policy and migration area (keys start with 'policy.')."""

MESSAGES: dict[str, dict[str, str]] = {
    # the record kinds of the inventory, as a violation names its record ("system sys-0040")
    "policy.kind.system": {"zh": "系统", "en": "system"},
    "policy.kind.node": {"zh": "节点", "en": "node"},
    "policy.kind.site": {"zh": "地点", "en": "site"},
    "policy.kind.tenant": {"zh": "租户", "en": "tenant"},
    "policy.kind.wave": {"zh": "迁移批次", "en": "wave"},
    "policy.kind.secret": {"zh": "密钥", "en": "secret"},
    "policy.text.count": {"zh": "{open} 项未豁免，{waived} 项已豁免", "en": "{open} open, {waived} waived"},
    "policy.text.waived": {"zh": "已豁免：{waiver}", "en": "waived: {waiver}"},
    "policy.text.skipped": {"zh": "已跳过 {policy}：{reason}", "en": "skipped {policy}: {reason}"},
    "policy.text.unverified": {
        "zh": "未能核实 {policy}：{count} 个 {kind} 的 {field} 在此处为 {value}（{references} 在此处无法解析；请在设置了探针密钥的环境中运行检查）",
        "en": "not verified {policy}: {count} {kind}(s) have {field}={value} here ({references} does not resolve where the check runs; run it where the agents' secrets are set)",
    },
    "policy.text.summary": {
        "zh": "已检查 {policies} 条策略；未豁免的违规：{counts}；已豁免 {waived} 项",
        "en": "{policies} policies checked; open violations: {counts}; {waived} waived",
    },
    "policy.waiver.expired": {
        "zh": "{where}：策略 {policy} 对 {records} 的豁免已于 {expires} 到期（审批人：{approver}），不再生效",
        "en": "{where}: the waiver of {policy} for {records} expired on {expires} (approved by {approver}); it no longer waives anything",
    },
    "policy.waiver.unused": {
        "zh": "{where}：策略 {policy} 对 {records} 的豁免（至 {expires}，审批人：{approver}）未匹配任何违规，可以删除",
        "en": "{where}: the waiver of {policy} for {records} (until {expires}, approved by {approver}) matches no violation; remove it",
    },
    "policy.no_store": {
        "zh": "未找到云资源库 {path}，仅使用清单数据（运行 `cloudctl sync` 以加入云上证据）",
        "en": "no store at {path}; using the inventory alone (run `cloudctl sync` to add cloud evidence)",
    },
    "policy.result.failed": {
        "zh": "策略检查未通过：有 {count} 项“{fail_on}”及以上级别的违规",
        "en": "policy check failed: {count} violation(s) at or above {fail_on}",
    },
    "policy.result.passed": {
        "zh": "策略检查通过（阈值：{fail_on}）：{summary}",
        "en": "policy check passed (threshold {fail_on}): {summary}",
    },
    "policy.explain.checks": {"zh": "检查内容：", "en": "What it checks:"},
    "policy.explain.violates": {"zh": "`{resource}` 满足以下条件即违规：`{conditions}`", "en": "a {resource} violates it when: {conditions}"},
    "policy.explain.ratio": {
        "zh": "`{of}`：满足 `{numerator}` 的占 `{denominator}` 的比例须 ≥ {target}",
        "en": "{of}: the share matching {numerator} among {denominator} must be ≥ {target}",
    },
    "policy.explain.effective": {"zh": "自 {date} 起检查", "en": "checked from {date} on"},
    "policy.explain.why": {"zh": "依据（规划原文）：", "en": "Why (the plan):"},
    "policy.explain.fix": {"zh": "整改方法：", "en": "How to fix:"},
    "policy.explain.waivers": {"zh": "豁免：", "en": "Waivers:"},
    "policy.explain.waiver": {
        "zh": "{records}：有效期至 {expires}，{reason}（审批人：{approver}）",
        "en": "{records} until {expires} — {reason} ({approver})",
    },
    "policy.msg.record": {"zh": "{label}：{title}", "en": "{label}: {title}"},
    "policy.msg.record_facts": {"zh": "{label}：{title}——现为 {facts}", "en": "{label}: {title} — has {facts}"},
    "policy.msg.kpi": {
        "zh": "{id}：{value}（{num}/{den} 个 {of}）低于目标 {target}（差 {gap}）",
        "en": "{id}: {value} ({num}/{den} {of}s) is below the target {target} (gap {gap})",
    },
    "policy.msg.waiver": {"zh": "{reason}（{approver}，有效期至 {expires}）", "en": "{reason} ({approver}, until {expires})"},
    "policy.skip.effective": {"zh": "自 {date} 起生效", "en": "effective from {date}"},
    "policy.skip.needs_store": {"zh": "需要云资源库", "en": "needs a store"},
    "policy.load.missing": {"zh": "文件或目录不存在", "en": "no such file or directory"},
    "policy.load.missing.hint": {"zh": "请给出策略文件，或 `policies/` 这样的目录", "en": "pass policy files or a directory like policies/"},
    "policy.load.hint": {
        "zh": "修正上面的文件；`cloudctl policy explain ID` 和 docs/policies.md 说明了策略语言",
        "en": "fix the files above; `cloudctl policy explain ID` and docs/policies.md describe the language",
    },
    "policy.migrate.findings": {
        "zh": "云上证据与清单不一致 {count} 处（见 `cloudctl migrate status --findings`）",
        "en": "{count} finding(s) where cloud evidence disagrees with the inventory (see `cloudctl migrate status --findings`)",
    },
}
