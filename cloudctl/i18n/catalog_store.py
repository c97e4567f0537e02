"""Messages of the local store (keys start with 'store.')."""

MESSAGES: dict[str, dict[str, str]] = {
    "store.missing": {"zh": "云资源库 {path} 不存在", "en": "no store at {path}"},
    "store.missing.hint": {
        "zh": "先运行 `cloudctl sync`（它会创建云资源库），或用 --store 指定文件",
        "en": "run `cloudctl sync` first (it creates the store), or pass --store PATH",
    },
    "store.no_snapshot_yet": {"zh": "云资源库中还没有快照", "en": "the store has no snapshot yet"},
    "store.no_snapshot_yet.hint": {
        "zh": "运行 `cloudctl sync`（要比较，需运行两次）",
        "en": "run `cloudctl sync` (twice, to have something to compare)",
    },
    "store.nothing_before": {"zh": "快照 {snapshot} 之前没有可比较的快照", "en": "no snapshot before {snapshot} to compare with"},
    "store.nothing_before.hint": {"zh": "稍后再运行一次 `cloudctl sync`，或用 --from 指定", "en": "run `cloudctl sync` again later, or pass --from"},
    "store.no_such_snapshot": {"zh": "{path} 中没有快照 {snapshot}", "en": "no snapshot {snapshot} in {path}"},
    "store.no_such_snapshot.hint": {"zh": "用 `cloudctl snapshots` 列出快照", "en": "list them with `cloudctl snapshots`"},
}
