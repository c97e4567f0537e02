"""Messages of the store area (keys start with 'store.'): opening, locks, faults, upgrades, retention, sync metrics."""

MESSAGES: dict[str, dict[str, str]] = {
    # -- store URL ------------------------------------------------------------------------------
    "store.url.bad": {"zh": "存储地址 {url} 无效：{what}", "en": "store URL {url} is not valid: {what}"},
    "store.url.hint": {
        "zh": "写成路径、`sqlite:///相对路径`、`sqlite:////绝对路径`，或 `postgresql://用户@主机:端口/库名?password=env:变量名`",
        "en": "write a path, sqlite:///relative/path, sqlite:////absolute/path, or postgresql://user@host:port/db?password=env:NAME",
    },
    "store.url.password_hint": {
        "zh": "密码用引用给出：`?password=env:变量名` 或 `?password=file:路径`（也可用 PGPASSWORD 或 `~/.pgpass`）",
        "en": "give the password as a reference: ?password=env:NAME or ?password=file:PATH (or PGPASSWORD / ~/.pgpass)",
    },
    "store.url.sqlite_form": {"zh": "sqlite 地址要写成 `sqlite:///路径`", "en": "a sqlite URL is sqlite:///path"},
    "store.url.scheme": {"zh": "不支持的协议 {scheme}（可用 sqlite、postgresql）", "en": "unknown scheme {scheme} (use sqlite or postgresql)"},
    "store.url.literal_password": {"zh": "地址中不能写明文密码", "en": "a literal password does not belong in the URL"},
    "store.url.param": {"zh": "未知参数 {param}（可用：{known}）", "en": "unknown parameter {param} (known: {known})"},
    "store.url.sslmode": {"zh": "sslmode={mode} 无效（可用：{modes}）", "en": "sslmode={mode} is not valid (use one of {modes})"},
    "store.url.port": {"zh": "端口必须是数字", "en": "the port must be a number"},
    "store.url.dbname": {"zh": "缺少数据库名（…/库名）", "en": "the database name is missing (…/dbname)"},
    # -- opening --------------------------------------------------------------------------------
    "store.missing": {"zh": "没有存储：{store}", "en": "no store at {store}"},
    "store.mkdir": {"zh": "无法创建存储目录 {dir}：{cause}", "en": "cannot create the store directory {dir}: {cause}"},
    "store.unreadable": {"zh": "无法读取存储 {store}：{cause}", "en": "cannot read the store {store}: {cause}"},
    "store.refused.empty": {
        "zh": "{store} 是空文件，不是 cloudctl 存储；未做任何改动",
        "en": "{store} is an empty file, not a cloudctl store; it was left untouched",
    },
    "store.refused.not-sqlite": {
        "zh": "{store} 不是 SQLite 数据库，也就不是 cloudctl 存储；未做任何改动",
        "en": "{store} is not a SQLite database, so not a cloudctl store; it was left untouched",
    },
    "store.refused.foreign": {
        "zh": "{store} 是其他程序的 SQLite 数据库，不是 cloudctl 存储；未做任何改动",
        "en": "{store} is another application's SQLite database, not a cloudctl store; it was left untouched",
    },
    "store.refused.pg_foreign": {
        "zh": "数据库 {store} 中已有其他表（{tables}），不是 cloudctl 存储；未做任何改动",
        "en": "the database {store} holds other tables ({tables}) and is not a cloudctl store; it was left untouched",
    },
    "store.no_version": {
        "zh": "存储 {store} 已损坏：meta 表中没有 schema_version",
        "en": "the store {store} is damaged: its meta table has no schema_version",
    },
    "store.bad_version": {
        "zh": "存储 {store} 已损坏：schema_version 为 {value}，不是数字",
        "en": "the store {store} is damaged: schema_version is {value}, not a number",
    },
    "store.damaged": {"zh": "存储 {store} 已损坏：{cause}", "en": "the store {store} is damaged: {cause}"},
    "store.newer": {
        "zh": "存储 {store} 的结构版本为 {version}，本 cloudctl 最高只认识 {known}",
        "en": "the store {store} has schema version {version}; this cloudctl knows up to {known}",
    },
    "store.older": {
        "zh": "存储 {store} 的结构版本为 {version}，需要升级到 {known}",
        "en": "the store {store} has schema version {version} and needs upgrading to {known}",
    },
    "store.no_snapshot": {"zh": "{store} 中没有快照 {snapshot}", "en": "no snapshot {snapshot} in {store}"},
    "store.no_data": {
        "zh": "存储 {store} 中还没有成功同步的数据",
        "en": "the store {store} holds no successful sync yet",
    },
    "store.no_data_inventory": {
        "zh": "存储 {store} 中还没有成功同步的数据，仅使用清单数据（运行 `cloudctl sync`）",
        "en": "the store {store} holds no successful sync yet; using the inventory alone (run `cloudctl sync`)",
    },
    # -- faults ---------------------------------------------------------------------------------
    "store.disk_full": {"zh": "存储 {store}：磁盘已满", "en": "store {store}: the disk is full"},
    "store.read_only": {"zh": "存储 {store} 是只读的", "en": "the store {store} is read-only"},
    "store.locked": {
        "zh": "存储 {store} 被另一个进程锁定，等待 {seconds} 秒后仍未释放",
        "en": "the store {store} is locked by another process and stayed locked for {seconds} s",
    },
    "store.io": {"zh": "存储 {store}：读写失败（{cause}）", "en": "store {store}: input/output failed ({cause})"},
    "store.lock_file": {
        "zh": "存储 {store}：无法创建锁文件 {path}（{cause}）",
        "en": "store {store}: cannot create the lock file {path} ({cause})",
    },
    "store.pg.auth": {"zh": "存储 {store}：认证失败（{cause}）", "en": "store {store}: authentication failed ({cause})"},
    "store.pg.no_database": {"zh": "存储 {store}：数据库不存在（{cause}）", "en": "store {store}: the database does not exist ({cause})"},
    "store.pg.privilege": {"zh": "存储 {store}：权限不足（{cause}）", "en": "store {store}: permission denied ({cause})"},
    "store.pg.unreachable": {"zh": "存储 {store}：无法连接数据库（{cause}）", "en": "store {store}: cannot reach the database ({cause})"},
    "store.pg.lost": {
        "zh": "存储 {store}：与数据库的连接中断（{cause}），之前的数据未受影响",
        "en": "store {store}: the connection to the database was lost ({cause}); the previous data is intact",
    },
    "store.pg.lock_timeout": {
        "zh": "存储 {store}：等待表锁超过 {timeout}",
        "en": "store {store}: waited more than {timeout} for a table lock",
    },
    # -- sync locks -----------------------------------------------------------------------------
    "store.busy": {
        "zh": "云 {provider} 正由另一个同步写入 {store}：主机 {host}，进程 {pid}，开始于 {since}{waited}",
        "en": "another sync is writing provider {provider} into {store}: host {host}, pid {pid}, since {since}{waited}",
    },
    "store.busy.unknown": {
        "zh": "云 {provider} 正由另一个同步写入 {store}{waited}",
        "en": "another sync is writing provider {provider} into {store}{waited}",
    },
    "store.busy.waited": {"zh": "（已等待 {seconds} 秒）", "en": " (waited {seconds} s)"},
    "store.run_order": {
        "zh": "云 {provider} 在 {store} 中已有比快照 {snapshot} 更新的运行（{newer}）",
        "en": "provider {provider} already has a run newer than snapshot {snapshot} in {store} ({newer})",
    },
    # -- hints ----------------------------------------------------------------------------------
    "store.hint.create": {
        "zh": "先运行 `cloudctl sync`（它会创建存储），或用 --store 指定存储",
        "en": "run `cloudctl sync` first (it creates the store), or pass --store",
    },
    "store.hint.writable": {"zh": "用 --store 指定一个可写的位置", "en": "pass --store with a writable location"},
    "store.hint.permissions": {
        "zh": "检查该文件及其目录的权限和所在文件系统",
        "en": "check the permissions of the file and its directory, and the file system it is on",
    },
    "store.hint.foreign": {
        "zh": "用 --store 指定 cloudctl 的存储文件（或一个新路径）",
        "en": "pass --store with a cloudctl store (or a new path)",
    },
    "store.hint.pg_foreign": {
        "zh": "给 cloudctl 一个专用的空数据库（createdb cloudctl）",
        "en": "give cloudctl a database of its own (createdb cloudctl)",
    },
    "store.hint.damaged": {
        "zh": "从备份恢复该存储（升级前的副本为 `<存储>.v<版本>-<时间>.bak`），或用 --store 指定新路径重新同步",
        "en": "restore the store from a backup (upgrades keep <store>.v<version>-<time>.bak), or sync into a new --store",
    },
    "store.hint.newer": {
        "zh": "升级 cloudctl，或用 --store 指定另一个存储",
        "en": "upgrade cloudctl, or pass --store with another store",
    },
    "store.hint.older": {
        "zh": "运行 `cloudctl store upgrade`（下一次 `cloudctl sync` 也会自动升级）",
        "en": "run `cloudctl store upgrade` (the next `cloudctl sync` upgrades it too)",
    },
    "store.hint.snapshots": {"zh": "用 `cloudctl snapshots` 查看现有快照", "en": "list them with `cloudctl snapshots`"},
    "store.hint.disk_full": {
        "zh": "腾出磁盘空间（或用 `cloudctl snapshots prune` 清理旧快照）后重试；已有数据未受影响",
        "en": "free disk space (or prune old snapshots with `cloudctl snapshots prune`) and retry; the data already stored is intact",
    },
    "store.hint.read_only": {
        "zh": "以有写权限的用户运行，或检查文件系统是否以只读方式挂载；读取命令（ls、diff）仍可使用",
        "en": "run as a user who may write it, or check whether its file system is mounted read-only; reading (ls, diff) still works",
    },
    "store.hint.locked": {
        "zh": "另一个进程正在长时间写入；稍后重试",
        "en": "another process is writing for a long time; retry later",
    },
    "store.hint.busy": {
        "zh": "等它完成（加 --wait 10m 可排队等待），或确认该进程是否仍在运行",
        "en": "let it finish (add --wait 10m to queue behind it), or check whether that process is still running",
    },
    "store.hint.pg_auth": {
        "zh": "检查地址中的用户名和 `password=` 引用（`env:`/`file:`），以及服务器的 `pg_hba.conf`",
        "en": "check the user in the URL, the password= reference (env:/file:) and the server's pg_hba.conf",
    },
    "store.hint.pg_database": {
        "zh": "先创建数据库：createdb -O <用户> {dbname}",
        "en": "create the database first: createdb -O <user> {dbname}",
    },
    "store.hint.pg_privilege": {
        "zh": "让数据库管理员授予该用户在此库中建表和写入的权限",
        "en": "ask the database administrator to let this user create tables and write in this database",
    },
    "store.hint.pg_read_only": {
        "zh": "该服务器是只读副本；请连接主库",
        "en": "this server is a read-only replica; connect to the primary",
    },
    "store.hint.pg_unreachable": {
        "zh": "检查主机、端口、网络和 sslmode；数据库恢复后重试",
        "en": "check host, port, network and sslmode; retry when the database is back",
    },
    # -- retention ------------------------------------------------------------------------------
    "store.prune.no_rule": {"zh": "没有给出保留规则", "en": "no retention rule given"},
    "store.prune.no_rule_hint": {
        "zh": "至少给出 --keep-last、--keep-daily 或 --keep-monthly 之一",
        "en": "give at least one of --keep-last, --keep-daily, --keep-monthly",
    },
    # -- sync metrics file -----------------------------------------------------------------------
    "store.metrics.suffix": {"zh": "指标文件 {path} 必须以 `.prom` 结尾", "en": "the metrics file {path} must end in .prom"},
    "store.metrics.suffix_hint": {
        "zh": "node_exporter 的 textfile 收集器只读取 `*.prom` 文件",
        "en": "node_exporter's textfile collector reads *.prom files only",
    },
    "store.metrics.no_dir": {"zh": "指标文件目录 {dir} 不存在", "en": "the metrics file's directory {dir} does not exist"},
    "store.metrics.dir_hint": {
        "zh": "指向 node_exporter 的 --collector.textfile.directory（Debian：/var/lib/prometheus/node-exporter）",
        "en": "point it into node_exporter's --collector.textfile.directory (Debian: /var/lib/prometheus/node-exporter)",
    },
    "store.metrics.write": {"zh": "无法写入指标文件 {path}：{cause}", "en": "cannot write the metrics file {path}: {cause}"},
    # -- snapshots, prune, upgrade ---------------------------------------------------------------
    "store.size": {
        "zh": "存储 {store}：{snapshots} 个快照，占用 {size}（{bytes} 字节）",
        "en": "store {store}: {snapshots} snapshots, {size} ({bytes} bytes)",
    },
    "store.prune.dry_run": {
        "zh": "试运行：将删除 {removed} 个快照，保留 {kept} 个（当前占用 {size}）；未做任何改动",
        "en": "dry run: would remove {removed} snapshots and keep {kept} (store now {size}); nothing changed",
    },
    "store.prune.action.keep": {"zh": "保留", "en": "keep"},
    "store.prune.action.remove": {"zh": "删除", "en": "remove"},
    "store.prune.reason.running": {"zh": "同步进行中", "en": "running"},
    "store.prune.reason.current": {"zh": "{provider} 的当前数据", "en": "current data of {provider}"},
    "store.prune.reason.last": {"zh": "最近的快照", "en": "last"},
    "store.prune.reason.daily": {"zh": "每日保留", "en": "daily"},
    "store.prune.reason.monthly": {"zh": "每月保留", "en": "monthly"},
    "store.prune.done": {"zh": "已删除 {removed} 个快照，保留 {kept} 个（现占用 {size}）", "en": "removed {removed} snapshots, kept {kept} (store now {size})"},
    "store.upgrade.dry_run": {
        "zh": "试运行：存储 {store} 有 {count} 个待执行的升级；未做任何改动",
        "en": "dry run: {count} pending migrations for {store}; nothing changed",
    },
    "store.upgrade.done": {"zh": "存储 {store} 已执行 {count} 个升级", "en": "applied {count} migrations to {store}"},
    "store.upgrade.backup": {"zh": "；升级前的副本：{path}", "en": "; the copy from before: {path}"},
    "store.upgrade.current": {"zh": "存储 {store} 已是最新结构（版本 {version}）", "en": "the store {store} is up to date (schema version {version})"},
    "store.diff.empty": {"zh": "存储 {store} 中还没有快照", "en": "the store {store} has no snapshot yet"},
    "store.diff.empty_hint": {"zh": "运行 `cloudctl sync`（两次，才有可比较的内容）", "en": "run `cloudctl sync` (twice, to have something to compare)"},
    "store.diff.no_earlier": {"zh": "快照 {snapshot} 之前没有可比较的快照", "en": "no snapshot before {snapshot} to compare with"},
    "store.diff.no_earlier_hint": {"zh": "稍后再运行一次 `cloudctl sync`，或用 --from 指定", "en": "run `cloudctl sync` again later, or pass --from"},
}
