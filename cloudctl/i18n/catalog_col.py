"""Column headers of tables and workbooks (keys 'col.<field>'). English keeps the field name.

``--columns``, CSV and JSON use the field names themselves; only what people read (terminal
tables, XLSX header rows) shows these. A field without an entry is shown by its name (a provider's
own field such as ``compute.cores.limit``).
"""


def _cols(pairs: dict[str, str]) -> dict[str, dict[str, str]]:
    return {f"col.{name}": {"zh": zh, "en": name} for name, zh in pairs.items()}


MESSAGES: dict[str, dict[str, str]] = {
    **_cols({
        # the common resource fields
        "provider": "云平台", "kind": "类型", "id": "ID", "name": "名称", "status": "状态", "project": "项目（租户）",
        "region": "区域", "raw_status": "原始状态", "arch": "架构", "os": "操作系统", "system": "所属系统", "created": "创建时间",
        # provider-specific fields the drivers keep
        "project_id": "项目 ID", "flavor": "规格", "vcpus": "vCPU 数", "ram_mb": "内存（MiB）", "disk_gb": "磁盘（GiB）",
        "availability_zone": "可用区", "addresses": "IP 地址", "tags": "标签", "host": "宿主机", "image": "镜像",
        "instance_offering": "计算规格", "type": "类别", "enterprise_project_id": "企业项目 ID", "size_gb": "容量（GiB）",
        "volume_type": "云硬盘类型", "bootable": "可启动", "attached_to": "挂载到", "primary_storage": "主存储", "enabled": "已启用",
        "address": "地址", "fixed_ip": "内网 IP", "port_id": "端口 ID", "bandwidth_mbit": "带宽（Mbit/s）", "network_id": "网络 ID",
        "vm_nic": "云主机网卡", "vip": "虚拟 IP", "cidr": "网段", "cidrs": "网段", "shared": "共享", "external": "外部网络",
        "subnets": "子网", "mtu": "MTU", "l2_network": "二层网络", "category": "分类", "gateway_ip": "网关", "ip_version": "IP 版本",
        "ipv6_enable": "已启用 IPv6", "start_ip": "起始 IP", "end_ip": "结束 IP", "resource_provider": "资源提供者",
        "vcpus_used": "vCPU 已用", "vcpus_limit": "vCPU 配额", "vcpus_total": "vCPU 总量", "vcpus_physical": "物理 CPU 核",
        "ram_mb_used": "内存已用（MiB）", "ram_mb_limit": "内存配额（MiB）", "ram_mb_total": "内存总量（MiB）",
        "ram_mb_physical": "物理内存（MiB）", "disk_gb_used": "磁盘已用（GiB）", "disk_gb_limit": "磁盘配额（GiB）",
        "disk_gb_total": "磁盘总量（GiB）", "disk_gb_physical": "物理磁盘（GiB）", "instances_limit": "实例配额",
        "instances_used": "实例已用",
        # sync, show, diff, snapshots
        "count": "数量", "duration_s": "用时（秒）", "error": "错误", "field": "字段", "value": "值", "change": "变化",
        "fields": "变更字段", "started": "开始时间", "finished": "结束时间", "providers": "各云平台", "resources": "资源数",
        "errors": "错误",
        # capacity
        "vcpus_quota": "vCPU 配额", "vcpus_capacity": "vCPU 容量", "vcpus_utilization": "vCPU 利用率",
        "ram_mb_quota": "内存配额（MiB）", "ram_mb_capacity": "内存容量（MiB）", "ram_mb_utilization": "内存利用率",
        "disk_gb_quota": "磁盘配额（GiB）", "disk_gb_capacity": "磁盘容量（GiB）", "disk_gb_utilization": "磁盘利用率",
        # migration
        "county": "县（市、区）", "department": "部门", "wave": "批次", "systems": "系统数", "planned_cloud": "计划上云",
        "on_cloud": "已上云", "rate": "比例", "planned": "计划中", "preparing": "准备中", "migrating": "迁移中", "migrated": "已迁移",
        "blocked": "受阻", "retained_on_prem": "保留本地", "retired": "已下线", "on_planned_provider": "在计划云平台上",
        "source": "数据来源", "title": "名称", "title_zh": "中文名称", "title_en": "英文名称", "numerator": "分子",
        "denominator": "分母", "target": "目标", "gap": "差距", "met": "达标", "deadline": "期限", "days_left": "剩余天数",
        "start": "开始", "end": "结束", "total": "合计", "in_progress": "进行中", "remaining": "未完成", "verified": "已核实",
        "message": "说明", "location": "位置",
        # policies
        "policy_id": "策略", "severity": "严重程度", "resource": "对象类型", "effective": "生效日期", "file": "文件",
        "record_id": "记录", "line": "行", "column": "列", "waived": "已豁免", "waiver": "豁免", "reason": "原因",
        "approver": "审批人", "expires": "到期",
        # inventory
        "townships": "乡镇", "villages": "行政村", "core": "核心节点", "aggregation": "汇聚节点", "access": "接入节点",
        "site": "地点", "role": "角色", "level": "级别", "parent": "上级", "snmp": "SNMP 配置", "township": "乡镇",
        "village": "行政村", "tenant": "租户", "classified": "涉密", "deployment": "部署方式", "xinchuang": "信创",
        "node": "节点",
        # snapshots, snapshots prune, store upgrade
        "stale": "已过期", "action": "操作", "from": "从", "to": "到", "summary": "概要",
        # inventory ls
        "site_name": "地点", "township_name": "乡镇", "county_name": "县（市、区）", "vendor": "厂商", "model": "型号",
        "uplink_mbps": "上联（Mbit/s）", "migration_state": "迁移状态",
        # tag suggest
        "selector": "选择器", "servers": "云主机", "system_name": "系统名称", "where": "依据",
        # config check --connect
        "driver": "驱动", "url": "地址（URL）",
        # the report workbook
        "plan_ref": "规划指标", "villages_connected": "已接入行政村", "coverage": "接入率", "nodes": "节点数",
        "nodes_up": "在线节点", "ipv6_nodes": "IPv6 节点", "ipv6_known": "已知 IPv6 状态的节点", "ipv6_ratio": "IPv6 比例",
        "core_uplink_mbps": "骨干上联（Mbit/s）", "gigabit": "千兆", "systems_on_cloud": "已上云系统", "migration_ratio": "上云率",
        "problem": "问题", "last_success": "最后在线", "down_days": "离线天数", "pinyin": "拼音",
    }),
}
