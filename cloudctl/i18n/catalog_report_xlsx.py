"""Messages of the report workbook, ``report --xlsx`` (keys start with 'report_xlsx.')."""

MESSAGES: dict[str, dict[str, str]] = {
    "report_xlsx.indicators": {"zh": "主要指标", "en": "Indicators"},
    "report_xlsx.counties": {"zh": "各县（市、区）", "en": "Counties"},
    "report_xlsx.nodes_down": {"zh": "离线节点", "en": "Nodes down"},
    "report_xlsx.villages": {"zh": "未接入的行政村", "en": "Villages not connected"},
    "report_xlsx.waves": {"zh": "上云迁移批次", "en": "Migration waves"},
    "report_xlsx.violations": {"zh": "策略违规", "en": "Policy violations"},
    "report_xlsx.village_not_connected": {"zh": "行政村未接入", "en": "village not connected"},
    "report_xlsx.node_down": {"zh": "节点离线", "en": "node down"},
    "report_xlsx.county_title": {
        "zh": "{county}：行政村接入 {connected}/{villages}（{coverage}），节点在线 {up}/{nodes}",
        "en": "{county}: villages connected {connected}/{villages} ({coverage}), nodes up {up}/{nodes}",
    },
    "report_xlsx.written": {"zh": "报告工作簿已写入：{path}", "en": "report workbook written to {path}"},
}
