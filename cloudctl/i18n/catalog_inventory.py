"""Messages of the inventory look-ups (keys start with 'inventory.'): `cloudctl inventory ls|show`."""

MESSAGES: dict[str, dict[str, str]] = {
    "inventory.err.kind": {"zh": "未知的清单类别 {kind!r}", "en": "unknown inventory kind {kind!r}"},
    "inventory.hint.kinds": {"zh": "可用：{choices}", "en": "use one of: {choices}"},
    "inventory.hint.did_you_mean": {"zh": "是否想输入 {close}？", "en": "did you mean {close}?"},
    "inventory.err.filter_kind": {"zh": "--{option} 不适用于 {kind}", "en": "--{option} does not apply to {kind}"},
    "inventory.hint.filters": {"zh": "{kind} 可用的筛选：{filters}；任意字段可用 --where 字段=值", "en": "{kind} take {filters}; any field takes --where FIELD=VALUE"},
    "inventory.none": {"zh": "无", "en": "none"},
    "inventory.err.site": {"zh": "{option} {given!r}：清单中没有这个 id 或名称的{level}", "en": "{option} {given!r}: no {level} with that id or name in the inventory"},
    "inventory.level.county": {"zh": "县（市、区）", "en": "county"},
    "inventory.level.township": {"zh": "乡镇（街道）", "en": "township"},
    "inventory.hint.site_list": {"zh": "用 `cloudctl inventory ls sites --where level={level}` 列出", "en": "list them with `cloudctl inventory ls sites --where level={level}`"},
    "inventory.err.role": {"zh": "--role {role!r} 不是节点角色", "en": "--role {role!r}: not a node role"},
    "inventory.err.field": {"zh": "`--where {field}=...`：{kind} 没有字段 {field!r}", "en": "--where {field}=...: {kind} have no field {field!r}"},
    "inventory.err.column": {"zh": "--columns：{kind} 没有列 {column!r}", "en": "--columns: {kind} have no column {column!r}"},
    "inventory.hint.fields": {"zh": "字段：{choices}", "en": "fields: {choices}"},
    "inventory.err.where": {"zh": "--where {item!r}：应为 字段=值", "en": "--where {item!r}: expected FIELD=VALUE"},
    "inventory.hint.where": {"zh": "例如 --where snmp=v2c-legacy", "en": "example: --where snmp=v2c-legacy"},
    "inventory.err.record": {"zh": "清单（{root}）中没有 {kind} {id!r}", "en": "no {kind} {id!r} in the inventory ({root})"},
    "inventory.hint.record": {"zh": "用 `cloudctl inventory ls {kind}` 列出", "en": "list them with `cloudctl inventory ls {kind}`"},
    "inventory.title.ls": {"zh": "{kind}（{count} 条）", "en": "{kind} ({count})"},
}
