"""Messages of migration tracking (keys start with 'migration.'): findings, deadlines, 信创 platforms, trends."""

MESSAGES: dict[str, dict[str, str]] = {
    # -- the KPIs' titles (one source for `migrate kpis`, the report and the agent) -------------
    "migration.kpi.cloud_migration_rate": {"zh": "非涉密系统上云率", "en": "Non-classified systems on the cloud"},
    "migration.kpi.xinchuang_rate": {"zh": "国产化(信创)政务云平台部署率", "en": "Cloud deployments on the 信创 platform"},
    "migration.kpi.new_on_cloud_rate": {"zh": "新建系统上云率", "en": "New systems (go-live since 2023-01-01) on the cloud"},
    # -- findings (cloudctl migrate status --findings) -----------------------------------------
    "migration.finding.migrated_without_vm": {
        "zh": "系统 {system}（{name}）标记为已迁移，但没有任何云主机带有 system-id={system}",
        "en": "system {system} ({name}) is marked migrated but no server on any cloud carries system-id={system}",
    },
    "migration.finding.provider_mismatch": {
        "zh": "系统 {system}（{name}）当前状态为 {state}，应在 {expected} 上运行，实际运行在 {actual}",
        "en": "system {system} ({name}) is expected on {expected} ({state}) but runs on {actual}",
    },
    "migration.finding.unexpected_vm": {
        "zh": "系统 {system}（{name}）状态为 {state}，但云上仍有 {count} 台云主机带有 system-id={system}",
        "en": "system {system} ({name}) is {state} but {count} server(s) on a cloud carry system-id={system}",
    },
    "migration.finding.unknown_system_tag": {
        "zh": "{count} 台云主机带有 system-id={system}，清单中没有这个系统",
        "en": "{count} server(s) carry system-id={system}, which is not a system in the inventory",
    },
    "migration.or": {"zh": "或", "en": "or"},
    # -- 信创 platforms (platform: in cloudctl.yaml) -------------------------------------------
    "migration.note.platform_unset": {
        "zh": "cloudctl.yaml 没有说明 {providers} 是否为信创平台（platform: xinchuang 或 platform: general），这些云上的系统按非信创计入信创部署率",
        "en": "cloudctl.yaml does not say whether {providers} is a 信创 platform (platform: xinchuang or platform: general); systems there count as not on 信创 in the 信创 rate",
    },
}
