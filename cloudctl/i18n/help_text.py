"""Chinese --help: the English help of every command, group, option and argument -> its translation.

Keyed by the English text with its whitespace collapsed (``cloudctl.cli.help_zh.key``), so an
option whose help is shared (``--store``, ``-o``, ``--inventory``) is translated once, and
changing the English leaves its old translation unused: ``tests/unit/test_help_zh.py`` names
every help text without a translation and every translation no help text uses. Loaded only
when help is rendered in Chinese. Examples and identifiers stay as they are.

Not a ``catalog_<area>`` module: its keys are English texts, not message keys, and it is not
merged into ``MESSAGES`` (which every command loads).
"""

HELP: dict[str, str] = {
    # -- cloudctl ----------------------------------------------------------------------------------------
    "Operations tool for the Lüliang government cloud (吕梁政务云) and e-government extranet (电子政务外网). One inventory across the Tianhe, Huawei and 信创 clouds; migration tracking; policy checks; the plan's indicators. Example: cloudctl inventory validate inventory/":
        "吕梁政务云与电子政务外网的运维工具。\n\n天河、华为和信创三朵云的统一清单；迁移跟踪；策略检查；规划指标。\n\n示例：  cloudctl inventory validate inventory/",
    "Config file (default: $CLOUDCTL_CONFIG, ./cloudctl.yaml, user config dir).":
        "配置文件（默认：$CLOUDCTL_CONFIG、`./cloudctl.yaml`、用户配置目录）。",
    "Show tracebacks and debug logs.":
        "显示调用栈和调试日志。",
    "Language of messages: zh or en (default: locale).":
        "消息语言：zh 或 en（默认：按 locale）。",
    "Print the version and exit.":
        "显示版本号并退出。",
    "Show this message and exit.":
        "显示本帮助并退出。",
    # -- cloudctl demo -----------------------------------------------------------------------------------
    "Run the main job end to end on the embedded simulators and write the indicator report. Starts the cloud simulators and syncs them into a store, runs the policy check, starts the SNMP fleet simulator built from the inventory, lets the agent poll every node (and, when installed, a real Prometheus scrape it), prints a summary and writes OUT/report.html. Every process it starts is stopped at the end, on Ctrl-C and on failure; ports are free loopback ports, so two demos (with two --out directories) can run side by side. Example: cloudctl demo --out out/demo --keep-running":
        "在内置模拟器上端到端运行主流程，并写出指标报告。\n\n启动云平台模拟器并同步到云资源库，运行策略检查，按清单启动 SNMP 设备群模拟器，让采集代理轮询每个节点（若已安装 Prometheus，也让真实的 Prometheus 抓取它），打印摘要并写出 OUT/report.html。它启动的每个进程都会在结束、Ctrl-C 或失败时停止；端口都是空闲的回环端口，因此两个演示（使用两个不同的 --out 目录）可以同时运行。\n\n示例：  cloudctl demo --out out/demo --keep-running",
    "Directory for the report, configs, store and logs (default: out/demo).":
        "报告、配置、云资源库和日志所在目录（默认：out/demo）。",
    "Leave simulators, agent and Prometheus up (until Ctrl-C) and print how to explore them.":
        "保持模拟器、采集代理和 Prometheus 运行（直到 Ctrl-C），并打印查看方法。",
    "Servers the cloud simulators serve (default: theirs).":
        "云平台模拟器提供的云主机数（默认：模拟器自己的数量）。",
    "Language of the summary and the report: zh or en (default: the locale for the summary, zh for the report).":
        "摘要和报告的语言：zh 或 en（默认：摘要按 locale，报告用 zh）。",
    "Inventory directory (default: config 'inventory:' or ./inventory).":
        "清单目录（默认：配置项 `inventory:` 或 `./inventory`）。",
    "Policy files or directories (default: ./policies next to the inventory).":
        "策略文件或目录（默认：清单旁边的 `./policies`）。",
    # -- cloudctl report ---------------------------------------------------------------------------------
    "The plan's indicators: village access, IPv6, gigabit backbone, 上云率, 信创 rate, waves, the 13 counties, top problems. Sources: the inventory, the cloud snapshots (unless --no-store) and the agents, read from their /metrics (--metrics, once per agent) or from Prometheus (--prometheus, the whole fleet). Nodes no agent reports on are unknown, not down: the city's extranet figures need every county, and the report says how many report. Without agent data the village rate counts villages with a planned node. -o json prints the same numbers for scripts; --html writes a printable page and --xlsx a workbook for the monthly report (Chinese by default under a zh locale). Example: cloudctl report --metrics http://127.0.0.1:9877/metrics --xlsx out/report.xlsx":
        "规划指标：行政村接入、IPv6、千兆骨干、上云率、信创率、迁移批次、13 个县（市、区）、主要问题。\n\n数据来源：清单、云资源快照（除非 --no-store）和采集代理，从代理的 /metrics 读取（--metrics，每个代理一次）或从 Prometheus 读取（--prometheus，整个设备群）。没有代理上报的节点状态为未知，而不是离线：全市外网指标需要每个县的数据，报告会注明有多少个县已上报。没有代理数据时，行政村接入率按已规划节点的行政村计算。-o json 为脚本输出同样的数字；--html 写出可打印的网页，--xlsx 写出月报用的工作簿（zh locale 下默认中文）。\n\n示例：  cloudctl report --metrics http://127.0.0.1:9877/metrics --xlsx out/report.xlsx",
    "Also write the report as one self-contained HTML file.":
        "另外把报告写成一个独立的 HTML 文件。",
    "Also write the report as an Excel workbook: indicators, counties, one sheet per county, nodes down, villages, waves, violations.":
        "另外把报告写成 Excel 工作簿：指标、各县、每县一张工作表、离线节点、行政村、迁移批次、违规项。",
    "Language of the report: zh or en (default: --lang before the command, config, locale).":
        "报告的语言：zh 或 en（默认：命令前的 --lang、配置、locale）。",
    "Prometheus server scraping the agents (adds trends), e.g. http://127.0.0.1:9090.":
        "抓取采集代理的 Prometheus 服务器（可增加趋势），例如 http://127.0.0.1:9090。",
    "An agent's /metrics URL, or a file saved from it; repeat it for several agents (one per county shard).":
        "采集代理的 /metrics 地址，或从中保存的文件；有多个代理（每县一个分片）时重复给出。",
    "Store: a SQLite file, sqlite:///path or postgresql://user@host/db (default: config 'store:' or the user data dir).":
        "云资源库：SQLite 文件、`sqlite:///path` 或 `postgresql://user@host/db`（默认：配置项 `store:` 或用户数据目录）。",
    "Use the inventory only, not the cloud snapshots.":
        "只用清单，不用云资源快照。",
    "Policy files or directories to count violations from (default: ./policies next to the inventory).":
        "统计违规项所用的策略文件或目录（默认：清单旁边的 `./policies`）。",
    "table, json or yaml (the whole report); csv or jsonl (the indicators); xlsx (the workbook, needs --out).":
        "table、json 或 yaml（整份报告）；csv 或 jsonl（各项指标）；xlsx（工作簿，需要 --out）。",
    "Comma-separated columns to show, in order ('all': every field; nested fields as tags.system-id).":
        "要显示的列，以逗号分隔，按给出的顺序（`all`：所有字段；嵌套字段写作 tags.system-id）。",
    "Write the output to this file (atomically) instead of stdout; required for -o xlsx.":
        "把输出写入此文件（原子写入）而不是标准输出；-o xlsx 时必须给出。",
    "Start CSV output with a UTF-8 BOM so Excel on Chinese Windows reads it as UTF-8.":
        "CSV 输出以 UTF-8 BOM 开头，使中文 Windows 上的 Excel 按 UTF-8 读取。",
    "How many entries each problem list shows.":
        "每个问题列表显示的条数。",
    "Report as of this date: days to the deadline, effective dates, waivers (YYYY-MM-DD; default: today).":
        "按此日期出报告：距截止日的天数、生效日期、豁免（YYYY-MM-DD；默认：今天）。",
    # -- cloudctl sync -----------------------------------------------------------------------------------
    "Fetch every provider's resources into a new snapshot of the store. All providers and kinds are fetched concurrently. A kind (or one project's listing of it) that fails keeps its previous data, marked stale, and the rest commits; the exit code is then 3 and the summary says exactly what is stale. One sync per provider at a time: a second one waits up to --wait, then exits 1 naming the holder (host, pid, since). With 'retention:' in the config, old snapshots are pruned afterwards. Example: cloudctl sync --wait 10m --metrics-file /var/lib/prometheus/node-exporter/cloudctl_sync.prom":
        "把每个云平台的资源抓取到云资源库的一个新快照中。\n\n所有云平台和资源类型并发抓取。某类资源（或某个项目的该类列表）抓取失败时保留之前的数据并标记为过期，其余部分照常提交；此时退出码为 3，摘要会准确列出哪些数据已过期。每个云平台同一时间只能有一个同步：第二个同步最多等待 --wait 指定的时间，然后以退出码 1 退出并给出持有者（主机、pid、开始时间）。配置中有 `retention:` 时，同步后会清理旧快照。\n\n\b\n示例：  cloudctl sync --wait 10m --metrics-file /var/lib/prometheus/node-exporter/cloudctl_sync.prom",
    "Only this provider (repeatable).":
        "只看此云平台（可重复）。",
    "When another sync holds a provider's lock, wait up to this long (e.g. 30s, 10m) before exit 1.":
        "另一个同步持有某云平台的锁时，最多等待这么久（例如 30s、10m），然后以退出码 1 退出。",
    "Write sync health metrics here (node_exporter textfile format; written atomically).":
        "把同步健康指标写到这里（node_exporter 文本文件格式；原子写入）。",
    "Output format: table, json, jsonl, csv, yaml or xlsx (xlsx needs --out).":
        "输出格式：table、json、jsonl、csv、yaml 或 xlsx（xlsx 需要 --out）。",
    # -- cloudctl ls -------------------------------------------------------------------------------------
    "List resources of one kind from the local store (no network). Unknown columns, --where fields, statuses, architectures, providers, projects and systems are usage errors (exit 2) that list the valid names. Machine formats show every field by default; CSV and XLSX give provider-specific fields (flavor, vcpus, tags ...) one column each. Example: cloudctl ls servers --provider huawei --arch aarch64 -o json":
        "从本地云资源库列出某一类资源（不访问网络）。\n\n未知的列、--where 字段、状态、架构、云平台、项目和系统都是用法错误（退出码 2），并会列出有效的名称。机器格式默认显示所有字段；CSV 和 XLSX 把各云平台特有的字段（flavor、vcpus、tags 等）各放一列。\n\n示例：  cloudctl ls servers --provider huawei --arch aarch64 -o json",
    "server, volume, network, subnet, floating_ip, project, quota, capacity (or plural).":
        "server、volume、network、subnet、floating_ip、project、quota、capacity（或复数形式）。",
    "Only this project (tenant / department).":
        "只看此项目（租户 / 部门）。",
    "Only this normalized status (active, stopped, error, ...).":
        "只看此规范化状态（active、stopped、error 等）。",
    "Only this architecture (x86_64, aarch64).":
        "只看此架构（x86_64、aarch64）。",
    "Only resources of this inventory system id.":
        "只看属于此清单系统 ID 的资源。",
    "KEY=VALUE filter on any field (repeatable; nested fields as tags.system-id).":
        "按任意字段过滤，写作 KEY=VALUE（可重复；嵌套字段写作 tags.system-id）。",
    "Comma-separated sort keys; prefix '-' for descending.":
        "排序字段，以逗号分隔；前缀 `-` 表示降序。",
    "Read this snapshot instead of the latest data.":
        "读取此快照而不是最新数据。",
    # -- cloudctl show -----------------------------------------------------------------------------------
    "Show every field of one resource from the local store. An id or name that matches resources of several providers (a project named the same on three clouds) is an error listing them; --provider chooses. Example: cloudctl show project lvliang-czj --provider huawei":
        "显示本地云资源库中一个资源的所有字段。\n\n若 ID 或名称匹配到多个云平台的资源（例如三朵云上同名的项目），会报错并列出它们；用 --provider 选择。\n\n示例：  cloudctl show project lvliang-czj --provider huawei",
    "Resource kind (singular or plural).":
        "资源类型（单数或复数）。",
    "Resource id (or a unique name).":
        "资源 ID（或唯一的名称）。",
    # -- cloudctl diff -----------------------------------------------------------------------------------
    "What was added, removed or changed (field by field) between two snapshots. The table ends with the summary line (`cloudctl diff | tail -1`); JSON, CSV and YAML are the changes alone. CSV and XLSX give each changed field its from/to columns. Example: cloudctl diff --exit-code":
        "两个快照之间新增、删除或（逐字段）变更了什么。\n\n表格以摘要行结尾（`cloudctl diff | tail -1`）；JSON、CSV 和 YAML 只含变更本身。CSV 和 XLSX 为每个变更的字段给出变更前 / 变更后两列。\n\n示例：  cloudctl diff --exit-code",
    "Older snapshot id (default: the one before --to).":
        "较早的快照 ID（默认：--to 之前的那个）。",
    "Newer snapshot id (default: the latest).":
        "较新的快照 ID（默认：最新的）。",
    "Exit 1 when anything changed (drift).":
        "有任何变更（漂移）时以退出码 1 退出。",
    # -- cloudctl export ---------------------------------------------------------------------------------
    "Export every resource from the local store: JSON Lines by default, or CSV, XLSX, ... CSV and XLSX give provider-specific fields (flavor, vcpus, tags ...) one column each; --columns picks them. -o xlsx --out FILE writes one sheet per kind. Example: cloudctl export -o xlsx --out resources.xlsx":
        "导出本地云资源库中的所有资源：默认为 JSON Lines，也可以是 CSV、XLSX 等。\n\nCSV 和 XLSX 把各云平台特有的字段（flavor、vcpus、tags 等）各放一列；用 --columns 选择。-o xlsx --out FILE 为每类资源写一张工作表。\n\n示例：  cloudctl export -o xlsx --out resources.xlsx",
    "Only this kind.":
        "只导出此类资源。",
    "Export this snapshot instead of the latest data.":
        "导出此快照而不是最新数据。",
    "Output format: jsonl, json, csv, yaml, xlsx (one sheet per kind; needs --out) or table.":
        "输出格式：jsonl、json、csv、yaml、xlsx（每类资源一张工作表；需要 --out）或 table。",
    "Deprecated: use -o.":
        "已弃用：请用 -o。",
    # -- cloudctl capacity -------------------------------------------------------------------------------
    "Per provider and project: vCPU / RAM / disk allocated vs quota vs physical capacity. The ``*`` row of each provider compares all allocations with the hosts' capacity (utilization ratio; the plan asks to raise it). Example: cloudctl capacity -o json":
        "按云平台和项目：已分配的 vCPU / 内存 / 磁盘与配额、物理容量的对比。\n\n每个云平台的 ``*`` 行把全部分配量与宿主机容量比较（即资源利用率；规划要求提高它）。\n\n示例：  cloudctl capacity -o json",
    # -- cloudctl plan -----------------------------------------------------------------------------------
    "Show what it takes to make the clouds match the inventory: tags, projects, quotas, stops. Compares the inventory with the latest snapshot in the store (and the changes applied since, from the audit log): every server a systems[].servers selector claims gets its system-id tag, every tenant its project and quota, retired systems' running servers are stopped. Servers no selector claims are reported, never changed. No cloud is contacted unless --refresh. Example: cloudctl plan --out plan.json --exit-code":
        "显示要让各云平台与清单一致需要做什么：标签、项目、配额、关机。\n\n把清单与云资源库中的最新快照（以及之后已应用、记在审计日志中的变更）比较：被某个 `systems[].servers` 选择器认领的云主机都会打上它的 system-id 标签，每个租户都会有自己的项目和配额，已下线系统仍在运行的云主机会被关机。没有选择器认领的云主机只报告，从不改动。除非给出 --refresh，否则不访问任何云平台。\n\n示例：  cloudctl plan --out plan.json --exit-code",
    "Write the plan to this file, to review and then `cloudctl apply`.":
        "把计划写入此文件，审阅后再执行 `cloudctl apply`。",
    "Sync the providers concerned first.":
        "先同步涉及的云平台。",
    "Exit 1 when there are changes, 0 when there is nothing to do (as diff --exit-code).":
        "有变更时以退出码 1 退出，无事可做时退出码为 0（与 diff --exit-code 相同）。",
    # -- cloudctl apply ----------------------------------------------------------------------------------
    "Carry out a reviewed plan; every change is checked against the cloud first and audited. Shows the plan and asks on a terminal (refuses without --yes otherwise). A change whose object no longer matches the plan's \"before\" is left alone as a conflict. Exit 0 when every change succeeded, 3 when some failed or conflicted, 2 for a bad plan file, 130 on Ctrl-C (the changes in flight finish; `cloudctl plan` then shows exactly what remains). Example: cloudctl apply plan.json --yes":
        "执行一份已审阅的计划；每项变更都先对照云平台检查，并记入审计日志。\n\n在终端上会显示计划并请求确认（否则没有 --yes 就拒绝执行）。对象已不符合计划中“变更前”状态的变更不会执行，记为冲突。所有变更都成功时退出码为 0，有失败或冲突时为 3，计划文件无效时为 2，Ctrl-C 时为 130（正在进行的变更会完成；之后 `cloudctl plan` 会准确显示还剩什么）。\n\n示例：  cloudctl apply plan.json --yes",
    "A plan written by `cloudctl plan --out`.":
        "由 `cloudctl plan --out` 写出的计划。",
    "Do not ask (needed when stdin is not a terminal).":
        "不请求确认（标准输入不是终端时必须给出）。",
    "Apply a plan made before the store's latest snapshot.":
        "执行在云资源库最新快照之前生成的计划。",
    "Seconds to follow a cloud's asynchronous job (a stop) before giving up on it.":
        "跟踪云平台异步任务（如关机）的秒数，超时后不再等待。",
    # -- cloudctl config ---------------------------------------------------------------------------------
    "Show and check the effective configuration. Example: cloudctl config check":
        "显示并检查生效的配置。\n\n示例：  cloudctl config check",
    # -- cloudctl config show ----------------------------------------------------------------------------
    "Print the effective configuration; every secret is shown as <secret>. Example: cloudctl --config cloudctl.yaml config show -o json":
        "打印生效的配置；所有密钥都显示为 <secret>。\n\n示例：  cloudctl --config cloudctl.yaml config show -o json",
    "yaml or json.":
        "yaml 或 json。",
    # -- cloudctl config check ---------------------------------------------------------------------------
    "Validate the configuration file (exit 2 with file:line on errors). Also resolves every secret reference, so a missing environment variable or file is reported now rather than in the middle of a sync. With --connect, logs in to every configured cloud and makes one read: OK, or what failed with the URL and the cloud's error (exit 3 if any failed). Tokens are revoked and sessions ended afterwards. Example: cloudctl --config /etc/cloudctl/cloudctl.yaml config check --connect":
        "校验配置文件（有错误时以退出码 2 退出，并给出 file:line）。\n\n同时解析每个密钥引用，因此缺少的环境变量或文件会现在就报告，而不是在同步中途才发现。加 --connect 时，登录每个已配置的云平台并做一次读取：成功显示 OK，失败则给出失败的操作、URL 和云平台返回的错误（有任何失败时退出码为 3）。结束后会撤销令牌、关闭会话。\n\n示例：  cloudctl --config /etc/cloudctl/cloudctl.yaml config check --connect",
    "Also log in to each cloud (read-only), then revoke the token.":
        "另外登录每个云平台（只读），然后撤销令牌。",
    "With --connect: only this provider (repeatable).":
        "与 --connect 一起使用：只检查此云平台（可重复）。",
    # -- cloudctl inventory ------------------------------------------------------------------------------
    "Validate, summarise and look up the inventory of record (ls, show). Example: cloudctl inventory show node lishi-core-01":
        "校验、汇总和查询登记在册的清单（ls、show）。\n\n示例：  cloudctl inventory show node lishi-core-01",
    # -- cloudctl inventory validate ---------------------------------------------------------------------
    "Validate every inventory file; report every problem as file:line:col (exit 2 if any). Checks YAML syntax and duplicate keys, then each record against its schema, then references (node.site, system.tenant, ...), unique ids and addresses. Example: cloudctl inventory validate inventory/":
        "校验每个清单文件；每个问题都以 file:line:col 报告（有问题时退出码为 2）。\n\n依次检查 YAML 语法和重复键、每条记录是否符合其模式、引用关系（node.site、system.tenant 等）、ID 和地址是否唯一。\n\n示例：  cloudctl inventory validate inventory/",
    # -- cloudctl inventory summary ----------------------------------------------------------------------
    "Counts per county: townships, villages, nodes by role, systems. Example: cloudctl inventory summary -o csv":
        "按县统计：乡镇、行政村、各角色的节点、系统。\n\n示例：  cloudctl inventory summary -o csv",
    # -- cloudctl inventory ls ---------------------------------------------------------------------------
    "List inventory records with where they are: county, township, village (no cloud access). Which node serves a village, which nodes of a township still use SNMPv2c, the systems of a county. Unknown kinds, fields, columns and values are errors (exit 2) that list the valid ones. Example: cloudctl inventory ls nodes --county lishi --where snmp=v2c-legacy -o csv":
        "列出清单记录及其所在位置：县、乡镇、行政村（不访问云平台）。\n\n某个行政村由哪个节点服务、某个乡镇还有哪些节点在用 SNMPv2c、某个县有哪些系统。未知的类型、字段、列和取值都是错误（退出码 2），并会列出有效的取值。\n\n示例：  cloudctl inventory ls nodes --county lishi --where snmp=v2c-legacy -o csv",
    "nodes, sites, systems, tenants or waves (singular or plural).":
        "nodes、sites、systems、tenants 或 waves（单数或复数）。",
    "Only this county: site id or name (离石区); the city's id for city-level records.":
        "只看此县：地点 ID 或名称（离石区）；市级记录用市的 ID。",
    "Only this township (乡镇): site id or name.":
        "只看此乡镇：地点 ID 或名称。",
    "Nodes only: core, aggregation or access.":
        "仅限节点：core、aggregation 或 access。",
    "FIELD=VALUE on any column (repeatable; true/false for flags).":
        "按任意列过滤，写作 FIELD=VALUE（可重复；开关字段用 true/false）。",
    "Comma-separated columns (default: per kind; 'all' for every one).":
        "要显示的列，以逗号分隔（默认：按类型而定；`all` 表示全部）。",
    # -- cloudctl inventory show -------------------------------------------------------------------------
    "Every field of one inventory record, and what an on-call engineer asks next. A node: its village, township and county, address, SNMP profile (and its version in the agent configs that poll it), the node upstream. A site: the nodes serving it. A system: its department, tenant and project, migration state. A tenant or wave: its systems. Example: cloudctl inventory show node lishi-core-01":
        "清单中一条记录的所有字段，以及值班工程师接下来会问的信息。\n\n节点：所在行政村、乡镇和县，地址，SNMP 配置（以及轮询它的采集代理配置中的版本），上游节点。地点：为它服务的节点。系统：所属部门、租户和项目，迁移状态。租户或迁移批次：其下的系统。\n\n示例：  cloudctl inventory show node lishi-core-01",
    "The record's id, e.g. lishi-core-01, sys-0086.":
        "记录的 ID，例如 lishi-core-01、sys-0086。",
    # -- cloudctl sim ------------------------------------------------------------------------------------
    "Run the simulators of the clouds and of the SNMP fleet. Example: cloudctl sim serve --write-config /tmp/sim/cloudctl.yaml":
        "运行云平台模拟器和 SNMP 设备群模拟器。\n\n示例：  cloudctl sim serve --write-config /tmp/sim/cloudctl.yaml",
    # -- cloudctl sim serve ------------------------------------------------------------------------------
    "Serve simulated Tianhe (OpenStack), Huawei and 信创 (ZStack) clouds on loopback until Ctrl-C / SIGTERM. Protocol-faithful: Keystone/Nova/Cinder/Neutron/Placement, Huawei AK/SK + ECS/EVS/VPC/EIP, ZStack sessions + queries; real pagination, error bodies, token expiry; deterministic data built from the inventory. Prints a line containing 'ready' once all three listen. Example: cloudctl sim serve --servers 2000 --write-config /tmp/sim/cloudctl.yaml":
        "在回环地址上模拟天河（OpenStack）、华为和信创（ZStack）云平台，直到 Ctrl-C / SIGTERM。\n\n忠实于协议：Keystone/Nova/Cinder/Neutron/Placement，华为 AK/SK + ECS/EVS/VPC/EIP，ZStack 会话 + 查询；真实的分页、错误响应体和令牌过期；数据由清单确定性生成。三个云平台都开始监听后，打印一行含 `ready` 的文字。\n\n示例：  cloudctl sim serve --servers 2000 --write-config /tmp/sim/cloudctl.yaml",
    "Total VMs across the three clouds (default: the inventory's cloud systems plus a few dozen).":
        "三朵云的云主机总数（默认：清单中的上云系统再加几十台）。",
    "Seed of the deterministic dataset.":
        "确定性数据集的随机种子。",
    "Inventory to build the dataset from (default: ./inventory when present).":
        "用于生成数据集的清单（默认：存在时用 `./inventory`）。",
    "API of the 信创 cloud: zstack or openstack.":
        "信创云的 API：zstack 或 openstack。",
    "Inject faults, e.g. 'huawei:throttle=3/20,retry_after=1' or 'error_rate=0.05' (all). Repeatable; see docs/simulators.md.":
        "注入故障，例如 `huawei:throttle=3/20,retry_after=1` 或 `error_rate=0.05`（所有云平台）。可重复；见 docs/simulators.md。",
    "Write a cloudctl.yaml (mode 0600) pointing at the simulators.":
        "写出一个指向模拟器的 cloudctl.yaml（权限 0600）。",
    # -- cloudctl sim snmp -------------------------------------------------------------------------------
    "Serve a fleet of simulated SNMP agents (v2c; v3 with --v3-user) on loopback until Ctrl-C / SIGTERM. Vendors (Huawei VRP, H3C Comware, Ruijie RGOS, ZTE), interfaces with growing counters, IPv6 on a share of nodes, and down and slow nodes — deterministic for a given --seed. Prints a line containing 'ready' once listening. Example: cloudctl sim snmp --nodes 5000 --write-inventory /tmp/sim-inventory":
        "在回环地址上模拟一群 SNMP 代理（v2c；加 --v3-user 时也支持 v3），直到 Ctrl-C / SIGTERM。\n\n厂商（华为 VRP、H3C Comware、锐捷 RGOS、中兴），计数器不断增长的接口，部分节点启用 IPv6，还有离线和响应慢的节点；给定 --seed 时结果确定。开始监听后打印一行含 `ready` 的文字。\n\n示例：  cloudctl sim snmp --nodes 5000 --write-inventory /tmp/sim-inventory",
    "Simulate the nodes of this inventory.":
        "模拟此清单中的节点。",
    "Simulate N synthetic nodes instead of an inventory.":
        "模拟 N 个合成节点，而不是清单中的节点。",
    "addresses: one 127.x.y.z per node, one socket (Linux IP_PKTINFO); ports: one port of 127.0.0.1 per node.":
        "addresses：每个节点一个 127.x.y.z 地址，共用一个套接字（Linux IP_PKTINFO）；ports：每个节点一个 127.0.0.1 上的端口。",
    "UDP port in addresses mode (0: any free port).":
        "addresses 模式下的 UDP 端口（0：任一空闲端口）。",
    "Share of nodes with a global IPv6 address.":
        "有全局 IPv6 地址的节点比例。",
    "Share of nodes with only fe80:: addresses (not IPv6-enabled).":
        "只有 `fe80::` 地址（未启用 IPv6）的节点比例。",
    "Share of nodes that never answer.":
        "从不应答的节点比例。",
    "Share of nodes that answer late.":
        "应答迟缓的节点比例。",
    "Delay of slow nodes' answers, seconds.":
        "慢节点应答的延迟，单位为秒。",
    "Share of nodes serving only the old IPV6-MIB address table.":
        "只提供旧 IPV6-MIB 地址表的节点比例。",
    "Share of nodes omitting the length in ipAddressTable indices.":
        "ipAddressTable 索引中省略长度的节点比例。",
    "Seed of the deterministic fleet data.":
        "确定性设备群数据的随机种子。",
    "SNMPv2c community the nodes accept (others get no answer).":
        "节点接受的 SNMPv2c 团体名（其他团体名不应答）。",
    "Write a copy of the inventory whose node addresses point at the simulator.":
        "写出一份清单副本，其中的节点地址指向模拟器。",
    "Also answer SNMPv3 (USM) for this user.":
        "另外为此用户提供 SNMPv3（USM）应答。",
    "md5, sha, sha224, sha256, sha384 or sha512.":
        "md5、sha、sha224、sha256、sha384 或 sha512。",
    "The user's auth password: env:NAME, file:PATH or a literal.":
        "该用户的认证密码：env:NAME、file:PATH 或明文。",
    "The user's privacy password (env:NAME, file:PATH or a literal); none: authNoPriv.":
        "该用户的加密密码（env:NAME、file:PATH 或明文）；none 表示 authNoPriv。",
    "des, aes128, aes192, aes256, aes192c or aes256c.":
        "des、aes128、aes192、aes256、aes192c 或 aes256c。",
    # -- cloudctl migrate --------------------------------------------------------------------------------
    "Migration progress and the plan's KPIs (上云迁移). Example: cloudctl migrate kpis -o csv":
        "迁移进度和规划的关键指标（上云迁移）。\n\n示例：  cloudctl migrate kpis -o csv",
    # -- cloudctl migrate status -------------------------------------------------------------------------
    "Planned vs actual migration per county, department, wave or provider. planned_cloud counts non-classified systems meant to be on a cloud; on_cloud those that are (servers tagged system-id in the store when one exists, else the inventory's deployment). Example: cloudctl migrate status --by department -o csv":
        "按县、部门、迁移批次或云平台统计计划与实际的迁移情况。\n\nplanned_cloud 统计计划上云的非涉密系统；on_cloud 统计其中已上云的（有云资源库时按打了 system-id 标签的云主机，否则按清单中的部署情况）。\n\n示例：  cloudctl migrate status --by department -o csv",
    "Group by county, department, wave or provider.":
        "按县、部门、迁移批次或云平台分组。",
    "List where cloud evidence disagrees with the inventory instead (needs a store).":
        "改为列出云上证据与清单不一致之处（需要云资源库）。",
    "Use the inventory alone, even when a store exists.":
        "只用清单，即使存在云资源库。",
    # -- cloudctl migrate kpis ---------------------------------------------------------------------------
    "The plan's migration indicators: numerator, denominator, value, target, deadline, gap. cloud_migration_rate (non-classified systems on the cloud), xinchuang_rate (indicator 7, target 80 % by 2025-12-31) and new_on_cloud_rate (systems live since 2023-01-01). Example: cloudctl migrate kpis --no-store -o json":
        "规划的迁移指标：分子、分母、值、目标、截止日期、差距。\n\ncloud_migration_rate（已上云的非涉密系统），xinchuang_rate（指标 7，目标为 2025-12-31 前达到 80 %）和 new_on_cloud_rate（2023-01-01 以来上线的系统）。\n\n示例：  cloudctl migrate kpis --no-store -o json",
    "Date to count days to the deadline from (YYYY-MM-DD).":
        "计算距截止日天数的起始日期（YYYY-MM-DD）。",
    # -- cloudctl migrate waves --------------------------------------------------------------------------
    "Progress per migration wave (迁移批次): total, migrated, in progress, remaining. remaining = systems of the wave not yet in a final state (migrated, retired, retained_on_prem); verified (with a store) = migrated systems with a live server on their planned provider. Example: cloudctl migrate waves -o yaml":
        "各迁移批次的进度：总数、已迁移、迁移中、剩余。\n\nremaining = 该批次中尚未处于最终状态（migrated、retired、retained_on_prem）的系统；verified（有云资源库时）= 在计划的云平台上有运行中云主机的已迁移系统。\n\n示例：  cloudctl migrate waves -o yaml",
    # -- cloudctl policy ---------------------------------------------------------------------------------
    "Check the inventory against the plan's policies (CI). Example: cloudctl policy check policies/ --fail-on high":
        "按规划的策略检查清单（用于 CI）。\n\n示例：  cloudctl policy check policies/ --fail-on high",
    # -- cloudctl policy check ---------------------------------------------------------------------------
    "Check the inventory (and the store, when there is one) against policy files. Exit 0 when clean, 1 when an unwaived violation at or above --fail-on exists, 2 when a policy, inventory or config file is invalid (every problem is listed as file:line:col). -o csv|xlsx|yaml|jsonl list the violations one per row (--columns picks fields). Example: cloudctl policy check policies/ --fail-on high -o sarif --out policy.sarif":
        "按策略文件检查清单（以及云资源库，若有）。\n\n没有问题时退出码为 0；存在未豁免且严重程度达到 --fail-on 的违规项时为 1；策略、清单或配置文件无效时为 2（每个问题都以 file:line:col 列出）。-o csv|xlsx|yaml|jsonl 每行列出一个违规项（用 --columns 选择字段）。\n\n示例：  cloudctl policy check policies/ --fail-on high -o sarif --out policy.sarif",
    "Policy files or directories (default: policies/).":
        "策略文件或目录（默认：policies/）。",
    "table (the grouped text), json, junit, github, sarif; or the violations as jsonl, csv, yaml, xlsx (needs --out).":
        "table（分组的文本）、json、junit、github、sarif；或以 jsonl、csv、yaml、xlsx（需要 --out）列出违规项。",
    "Deprecated: use -o (text is -o table).":
        "已弃用：请用 -o（文本即 -o table）。",
    "Exit 1 when an unwaived violation of this severity or worse exists.":
        "存在此严重程度或更严重的未豁免违规项时以退出码 1 退出。",
    "Config file the SNMP and secret policies read (repeatable; default: cloudctl.yaml, agents/, examples/ next to the inventory).":
        "SNMP 和密钥策略读取的配置文件（可重复；默认：清单旁边的 cloudctl.yaml、agents/、examples/）。",
    "Evaluate as of this date (effective dates, waiver expiry); YYYY-MM-DD.":
        "按此日期评估（生效日期、豁免到期）；YYYY-MM-DD。",
    # -- cloudctl policy list ----------------------------------------------------------------------------
    "List the policies: id, severity, resource, title, effective date. Example: cloudctl policy list -o csv":
        "列出策略：ID、严重程度、资源、标题、生效日期。\n\n示例：  cloudctl policy list -o csv",
    # -- cloudctl policy explain -------------------------------------------------------------------------
    "What a policy checks, why (quoting the plan) and how to fix a violation. Example: cloudctl policy explain classified-never-on-cloud":
        "一条策略检查什么、为什么（引用规划原文）以及如何修复违规项。\n\n示例：  cloudctl policy explain classified-never-on-cloud",
    "Policy id (see `cloudctl policy list`).":
        "策略 ID（见 `cloudctl policy list`）。",
    # -- cloudctl alerts ---------------------------------------------------------------------------------
    "Deliver alerts to DingTalk (钉钉) robots for Alertmanager. Example: cloudctl alerts relay --config agents/alertmanager/relay.yaml":
        "为 Alertmanager 把告警发送到钉钉机器人。\n\n示例：  cloudctl alerts relay --config agents/alertmanager/relay.yaml",
    # -- cloudctl alerts relay ---------------------------------------------------------------------------
    "Relay Alertmanager webhooks to DingTalk (钉钉) group robots until SIGTERM / Ctrl-C. Alertmanager posts each county's notifications to /robots/<name>; the relay writes them as Chinese markdown (node, village / township / county from the inventory, since when, the runbook command, the Grafana link), signs each request with the robot's secret, keeps every robot under DingTalk's 20 messages a minute (merging what exceeds it), retries with backoff and serves its own /metrics. Prints a line containing 'ready' once listening. Exit 0 after SIGTERM/SIGINT, 2 for an invalid config, a secret that cannot be read or a port in use. Example: cloudctl alerts relay --config agents/alertmanager/relay.yaml":
        "把 Alertmanager 的 webhook 转发到钉钉群机器人，直到 SIGTERM / Ctrl-C。\n\nAlertmanager 把每个县的通知发到 /robots/<name>；转发服务把它们写成中文 markdown（节点，来自清单的行政村 / 乡镇 / 县，开始时间，处置命令，Grafana 链接），用机器人的密钥为每个请求签名，使每个机器人保持在钉钉每分钟 20 条消息的限制以内（超出部分合并发送），失败时退避重试，并提供自己的 /metrics。开始监听后打印一行含 `ready` 的文字。收到 SIGTERM/SIGINT 后退出码为 0；配置无效、密钥无法读取或端口被占用时为 2。\n\n示例：  cloudctl alerts relay --config agents/alertmanager/relay.yaml",
    "Relay config (relay.yaml): listen address, robots, limits.":
        "转发服务的配置（relay.yaml）：监听地址、机器人、限额。",
    "debug, info, warning or error.":
        "debug、info、warning 或 error。",
    # -- cloudctl snapshots ------------------------------------------------------------------------------
    "List the snapshots in the store, each provider's status, what is stale, and the store's size. Subcommand 'prune' deletes old snapshots by retention rules. Example: cloudctl snapshots -o json":
        "列出云资源库中的快照、每个云平台的状态、哪些数据已过期，以及云资源库的大小。\n\n子命令 prune 按保留规则删除旧快照。\n\n示例：  cloudctl snapshots -o json",
    # -- cloudctl snapshots prune ------------------------------------------------------------------------
    "Delete the snapshots no retention rule keeps (the config's 'retention:' does this after each sync). A snapshot is kept when any rule keeps it; the current data of every provider and a sync still running are always kept. diff, ls --snapshot and history keep working across the pruned ranges. Example: cloudctl snapshots prune --keep-last 24 --keep-daily 30 --keep-monthly 12 --dry-run":
        "删除没有任何保留规则保留的快照（配置中的 `retention:` 会在每次同步后执行此操作）。\n\n只要有一条规则保留，快照就会保留；每个云平台的当前数据和仍在运行的同步始终保留。diff、ls --snapshot 和历史记录在被清理的区间上仍然可用。\n\n示例：  cloudctl snapshots prune --keep-last 24 --keep-daily 30 --keep-monthly 12 --dry-run",
    "Keep the N newest snapshots.":
        "保留最新的 N 个快照。",
    "Keep the newest snapshot of each of the last D days.":
        "保留最近 D 天中每天最新的快照。",
    "Keep the newest snapshot of each of the last M months.":
        "保留最近 M 个月中每月最新的快照。",
    "Show what would happen; change nothing.":
        "显示将会做什么；不做任何改动。",
    # -- cloudctl store ----------------------------------------------------------------------------------
    "The store itself: schema upgrades. Example: cloudctl store upgrade --dry-run":
        "云资源库本身：模式升级。\n\n示例：  cloudctl store upgrade --dry-run",
    # -- cloudctl store upgrade --------------------------------------------------------------------------
    "Upgrade the store's schema to this cloudctl's (sync does it too, as the first writer). SQLite: a backup copy is written next to the file first; PostgreSQL: all migrations run in one transaction. A store from a newer cloudctl is refused. Example: cloudctl store upgrade --dry-run":
        "把云资源库的模式升级到当前 cloudctl 的版本（sync 作为第一个写入者时也会这样做）。\n\nSQLite：先在文件旁边写一份备份；PostgreSQL：所有迁移在一个事务中执行。拒绝更新版本 cloudctl 创建的云资源库。\n\n示例：  cloudctl store upgrade --dry-run",
    # -- cloudctl audit ----------------------------------------------------------------------------------
    "The tamper-evident log of every change `apply` made (SM3 chain). Example: cloudctl audit verify":
        "`apply` 每项变更的防篡改日志（SM3 哈希链）。\n\n示例：  cloudctl audit verify",
    # -- cloudctl audit ls -------------------------------------------------------------------------------
    "List the audit records: who changed what, when, how it ended, the cloud's request id. Example: cloudctl audit ls -n 20 -o json":
        "列出审计记录：谁在何时改了什么、结果如何、云平台的请求 ID。\n\n示例：  cloudctl audit ls -n 20 -o json",
    "Only the last N records.":
        "只看最后 N 条记录。",
    "Audit log file (default: config 'audit_log:').":
        "审计日志文件（默认：配置项 `audit_log:`）。",
    # -- cloudctl audit verify ---------------------------------------------------------------------------
    "Check the SM3 hash chain; exit 1 naming the first record that was altered, removed or reordered. Example: cloudctl audit verify":
        "检查 SM3 哈希链；发现被篡改、删除或重排的记录时以退出码 1 退出，并指出第一条。\n\n示例：  cloudctl audit verify",
    # -- cloudctl tag ------------------------------------------------------------------------------------
    "Propose systems[].servers selectors for unclaimed servers. Example: cloudctl tag suggest -o yaml > suggestions.yaml":
        "为未被认领的云主机建议 `systems[].servers` 选择器。\n\n示例：  cloudctl tag suggest -o yaml > suggestions.yaml",
    # -- cloudctl tag suggest ----------------------------------------------------------------------------
    "Propose systems[].servers selectors for unclaimed servers, to review and paste (-o yaml). Evidence: the server's name contains a system id, or the pinyin of a system's name; or its project belongs to a tenant with only one system. Nothing is written. Example: cloudctl tag suggest -o yaml > suggestions.yaml":
        "为未被认领的云主机建议 `systems[].servers` 选择器，供审阅后粘贴（-o yaml）。\n\n依据：云主机名称包含某个系统 ID 或某个系统名称的拼音；或其项目属于只有一个系统的租户。不写入任何内容。\n\n示例：  cloudctl tag suggest -o yaml > suggestions.yaml",
}
