"""The message catalog: key -> {"zh": ..., "en": ...}. Keep both languages and their {fields} in step.

Each area keeps its messages in its own module (``catalog_<area>.py``, keys prefixed with the
area); this module merges them. A test checks every key has both languages and equal fields.
"""

from cloudctl.i18n.catalog_agent import MESSAGES as _agent
from cloudctl.i18n.catalog_alerts import MESSAGES as _alerts
from cloudctl.i18n.catalog_cli import MESSAGES as _cli
from cloudctl.i18n.catalog_col import MESSAGES as _col
from cloudctl.i18n.catalog_cloud import MESSAGES as _cloud
from cloudctl.i18n.catalog_errors import MESSAGES as _errors
from cloudctl.i18n.catalog_inventory import MESSAGES as _inventory
from cloudctl.i18n.catalog_migration import MESSAGES as _migration
from cloudctl.i18n.catalog_plan import MESSAGES as _plan
from cloudctl.i18n.catalog_policy import MESSAGES as _policy
from cloudctl.i18n.catalog_report import MESSAGES as _report
from cloudctl.i18n.catalog_report_xlsx import MESSAGES as _report_xlsx
from cloudctl.i18n.catalog_security import MESSAGES as _security
from cloudctl.i18n.catalog_sim_cloud import MESSAGES as _sim_cloud
from cloudctl.i18n.catalog_sim_snmp import MESSAGES as _sim_snmp
from cloudctl.i18n.catalog_store import MESSAGES as _store

CORE: dict[str, dict[str, str]] = {
    "error": {"zh": "错误", "en": "error"},
    "warning": {"zh": "警告", "en": "warning"},
    "hint": {"zh": "提示", "en": "hint"},
    "interrupted": {"zh": "已中断", "en": "interrupted"},
    "internal_error": {
        "zh": "cloudctl 内部错误：{kind}。请加 --debug 重新运行并报告此问题",
        "en": "internal error in cloudctl: {kind}. Rerun with --debug and report it",
    },
    "inventory.valid": {
        "zh": "清单有效：{sites} 个地点，{nodes} 个节点，{systems} 个系统，{tenants} 个租户（{path}）",
        "en": "inventory is valid: {sites} sites, {nodes} nodes, {systems} systems, {tenants} tenants ({path})",
    },
    "inventory.city": {"zh": "市级", "en": "city level"},
    "inventory.total": {"zh": "合计", "en": "total"},
    "config.literal_secret": {"zh": "配置文件中含明文密钥", "en": "literal secret in config file"},
    "config.literal_secret.hint": {
        "zh": "请改用 env:NAME 或 file:PATH，让密钥不出现在文件里；明文只用于演示",
        "en": "use env:NAME or file:PATH so the value stays out of the file; literals are for demos",
    },
    "config.provider_not_in_inventory": {
        "zh": "不是清单中的云平台（{clouds}）：清单中的系统、租户和服务器选择器都无法指向它，plan、migrate 和策略检查不会把它的云主机算作任何系统的",
        "en": "not one of the inventory's clouds ({clouds}): no system, tenant or server selector of the inventory can refer to it, so plan, migrate and the policies count its servers as no system's",
    },
    "config.provider_not_in_inventory.hint": {
        "zh": "请按清单中的云平台名称命名，例如 xinchuang；若该云确实不在清单范围内，可忽略此警告",
        "en": "name the provider after its cloud in the inventory, for example xinchuang; ignore this warning if the cloud is truly outside the inventory",
    },
    "config.valid": {"zh": "配置有效：{path}", "en": "configuration is valid: {path}"},
    "config.defaults": {
        "zh": "未找到配置文件，使用默认配置",
        "en": "no config file found; using built-in defaults",
    },
}

MESSAGES: dict[str, dict[str, str]] = {
    **CORE, **_cli, **_col, **_cloud, **_policy, **_migration, **_inventory, **_agent, **_alerts, **_report, **_report_xlsx,
    **_sim_snmp, **_sim_cloud, **_errors, **_store, **_security, **_plan,
}
