"""Messages of the cloud area (keys start with 'cloud.')."""

MESSAGES: dict[str, dict[str, str]] = {
    "cloud.sync.title": {"zh": "同步结果 (快照 {snapshot})", "en": "sync result (snapshot {snapshot})"},
    "cloud.sync.done": {"zh": "同步完成: 快照 {snapshot}", "en": "sync complete: snapshot {snapshot}"},
    "cloud.sync.partial": {
        "zh": "部分同步: {providers} 失败, 保留其上一次数据并标记为过期",
        "en": "partial sync: {providers} failed; their previous data is kept and marked stale",
    },
    "cloud.diff.title": {"zh": "快照 {a} → {b} 的变化", "en": "changes from snapshot {a} to {b}"},
    "cloud.diff.summary": {
        "zh": "新增 {added}, 删除 {removed}, 变更 {changed}",
        "en": "{added} added, {removed} removed, {changed} changed",
    },
    "cloud.sync.stale": {
        "zh": "部分同步：以下数据未能更新，保留上一次数据并标记为过期：{scopes}",
        "en": "partial sync: these kept their previous data, marked stale: {scopes}",
    },
    "cloud.sync.pruned": {
        "zh": "按保留规则删除了 {count} 个旧快照（保留 {kept} 个）",
        "en": "retention: pruned {count} old snapshots ({kept} kept)",
    },
}
