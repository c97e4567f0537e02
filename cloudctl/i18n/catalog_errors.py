"""Headers of the errors that carry many problems (keys start with 'errors.')."""

MESSAGES: dict[str, dict[str, str]] = {
    "errors.problems.one": {"zh": "{what}中有 1 处问题：", "en": "1 problem in {what}:"},
    "errors.problems.many": {"zh": "{what}中有 {n} 处问题：", "en": "{n} problems in {what}:"},
    "errors.what.input": {"zh": "输入", "en": "input"},
    "errors.what.configuration": {"zh": "配置", "en": "configuration"},
    "errors.what.inventory": {"zh": "清单", "en": "inventory"},
    "errors.what.policy_files": {"zh": "策略文件", "en": "policy files"},
    "errors.cannot_write": {"zh": "无法写入 {path}：{reason}", "en": "cannot write {path}: {reason}"},
    "errors.cannot_write.hint": {"zh": "检查目录是否存在、是否可写；原有文件保持不变", "en": "check that the directory exists and is writable; any existing file is unchanged"},
    "errors.inventory_missing": {"zh": "清单目录不存在", "en": "inventory directory does not exist"},
    "errors.inventory_missing.hint": {
        "zh": "用 --inventory 指定目录，或在 cloudctl.yaml 中设置 `inventory:`",
        "en": "pass --inventory DIR or set 'inventory:' in cloudctl.yaml",
    },
}
