"""One set of output options everywhere, and listings that say what is wrong instead of printing nothing.

Specifications (#13 items 8, 14, 15, 16, 17, 19): unknown columns, --where fields, statuses,
providers, projects and sort keys are usage errors (exit 2) naming the valid names with a "did
you mean"; every command that prints records takes -o table|json|jsonl|csv|yaml|xlsx, --columns,
--out and --excel-bom; `diff | tail -1` is the summary; a listing on a terminal says how many rows
it has; an id matching several providers is an error listing them; a config written by
`sim serve` does not repeat its literal-secret warnings on every command.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cloudctl.cli.docgen import commands
from tests.conftest import ROOT
from tests.sims import sync_all

LANG_EN = ("--lang", "en")


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("output") / "store.db"
    sync_all(db, servers=300, seed=5, times=2)
    return db


def lines(text: str) -> list[str]:
    return text.splitlines()


# -- item 8: unknown names are usage errors ---------------------------------------------------------

def test_unknown_columns_name_the_valid_ones_and_a_close_match(cli, store):
    code, out, err = cli(*LANG_EN, "ls", "servers", "--store", store, "--columns", "provider,nmae,staus")
    assert (code, out) == (2, "")
    assert lines(err)[0] == "error: unknown column(s): nmae, staus"
    assert lines(err)[1].startswith("hint: did you mean name, status? valid: provider, kind, id, name, status, project, region,")
    assert "flavor" in lines(err)[1] and "tags.system-id" in lines(err)[1]


@pytest.mark.parametrize(("args", "first", "hint"), [
    (("--where", "colour=red"), "error: unknown field(s) in --where: colour", "hint: valid: provider, kind, id, name,"),
    (("--status", "bogus"), "error: unknown status: bogus",
     "hint: valid: active, building, stopped, paused, error, deleted, available, in_use, down, unknown"),
    (("--status", "actve"), "error: unknown status: actve", "hint: did you mean active? valid: active, building,"),
    (("--where", "status=stoped"), "error: unknown status: stoped", "hint: did you mean stopped? valid: active,"),
    (("--arch", "sparc"), "error: unknown architecture: sparc", "hint: valid: aarch64, x86_64"),
    (("--provider", "tainhe"), "error: unknown provider(s): tainhe", "hint: did you mean tianhe? valid: "),
    (("--project", "lvliang-czjj"), "error: no such project in the store: lvliang-czjj", "hint: did you mean lvliang-czj"),
    (("--sort", "-vcpu"), "error: unknown field(s) in --sort: vcpu", "hint: did you mean vcpus? valid: "),
    (("--system", "sys-01299"), "error: no such system in the inventory or the store: sys-01299", "hint: did you mean sys-0129"),
])
def test_unknown_filter_values_are_usage_errors(cli, store, args, first, hint):
    code, out, err = cli(*LANG_EN, "ls", "servers", "--store", store, *args)
    assert (code, out) == (2, ""), err
    assert lines(err)[0] == first
    assert lines(err)[1].startswith(hint), err


def test_valid_filters_still_filter(cli, store):
    code, out, err = cli(*LANG_EN, "ls", "servers", "--store", store, "--where", "tags.system-id=sys-0129", "--status", "active", "-o", "json")
    rows = json.loads(out)
    assert code == 0 and rows and all(r["tags"]["system-id"] == "sys-0129" and r["status"] == "active" for r in rows)


def test_a_system_of_the_inventory_without_servers_is_an_empty_answer_not_an_error(cli, store):
    from cloudctl.inventory import load_inventory

    tagged = {r["system"] for r in json.loads(cli(*LANG_EN, "ls", "servers", "--store", store, "-o", "json")[1]) if r["system"]}
    idle = sorted(set(load_inventory(ROOT / "inventory", kinds=("sites", "systems", "tenants", "waves")).systems) - tagged)[0]
    assert cli(*LANG_EN, "ls", "servers", "--store", store, "--system", idle, "-o", "json")[:2] == (0, "[]\n")


def test_unknown_names_are_usage_errors_in_chinese_too(cli, store):
    code, _, err = cli("--lang", "zh", "ls", "servers", "--store", store, "--status", "bogus")
    assert code == 2
    assert lines(err) == ["错误：未知的状态：bogus",
                          "提示：可用的有：active, building, stopped, paused, error, deleted, available, in_use, down, unknown"]


@pytest.mark.parametrize("args", [
    ("capacity", "--provider", "bogus"),
    ("show", "server", "x", "--provider", "bogus"),
    ("export", "--kind", "gadgets"),
    ("migrate", "kpis", "--no-store", "-o", "csv", "--columns", "id,valeu"),
    ("migrate", "waves", "--no-store", "--columns", "nmae"),
    ("inventory", "summary", "--columns", "county,vilages"),
    ("policy", "check", "--no-store", "-o", "csv", "--columns", "policy,severity"),
    ("snapshots", "--columns", "idd"),
    ("diff", "--columns", "chnage"),
])
def test_the_same_class_of_fault_elsewhere_is_a_usage_error(cli, store, args, monkeypatch):
    monkeypatch.chdir(ROOT)
    extra = ("--store", str(store)) if args[0] in ("capacity", "show", "export", "snapshots", "diff") else ()
    code, out, err = cli(*LANG_EN, *args, *extra)
    assert code == 2 and out == "", err
    assert lines(err)[0].startswith("error: unknown") or lines(err)[0].startswith("error: no such"), err
    assert lines(err)[1].startswith("hint: "), err


def test_show_an_id_several_providers_share_lists_them(cli, store):
    code, out, err = cli(*LANG_EN, "show", "project", "lvliang-czj", "--store", store)
    assert (code, out) == (2, "")
    first, hint = lines(err)
    assert first.startswith("error: 3 projects have the id or name lvliang-czj: huawei ")
    assert "; tianhe " in first and "; xinchuang " in first and first.endswith(" (lvliang-czj)")
    assert hint == "hint: choose one with --provider (huawei, tianhe, xinchuang) or give a unique id"
    code, out, err = cli(*LANG_EN, "show", "project", "lvliang-czj", "--store", store, "--provider", "huawei", "-o", "json")
    (row,) = json.loads(out)
    assert code == 0 and row["provider"] == "huawei" and row["name"] == "lvliang-czj"


# -- item 14: one set of options on every command that prints records ----------------------------------

def record_commands() -> list[str]:
    """Every command whose -o offers a table, i.e. prints records (config show prints one document)."""
    found = []
    for path, cmd, ctx in commands():
        opt = next((p for p in cmd.params if getattr(p, "name", "") == "output"), None)
        if opt is not None and "table" in str(cmd.get_help(ctx)).split("--output", 1)[1].split("\n", 2)[0]:
            found.append(path)
    return found


def test_every_record_command_offers_the_same_formats_and_options():
    found = record_commands()
    assert {"cloudctl ls", "cloudctl export", "cloudctl capacity", "cloudctl diff", "cloudctl migrate kpis",
            "cloudctl policy check", "cloudctl report", "cloudctl migrate status", "cloudctl migrate waves"} <= set(found)
    missing = {}
    for path, cmd, ctx in commands():
        if path not in found:
            continue
        names = {o for p in cmd.params for o in getattr(p, "opts", [])}
        usage = cmd.get_help(ctx)
        lack = [o for o in ("--columns", "--out", "--excel-bom", "-o") if o not in names]
        lack += [f for f in ("table", "json", "csv", "yaml", "xlsx") if f not in usage.split("--output", 1)[1].split("\n", 2)[0] + usage]
        if lack:
            missing[path] = lack
    assert missing == {}


def test_the_old_format_flags_still_work_hidden_and_deprecated(cli, store, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, out, err = cli(*LANG_EN, "export", "--store", store, "--kind", "server", "-f", "csv")
    assert code == 0 and out.startswith("provider,kind,id,name,status,project,region,") and "deprecated; use -o/--output" in err
    code, out, err = cli(*LANG_EN, "policy", "check", "--no-store", "--fail-on", "critical", "--format", "json")
    assert code == 0 and "summary" in json.loads(out) and "deprecated" in err
    for path, cmd, ctx in commands():
        if path in ("cloudctl export", "cloudctl policy check"):
            assert "--format" not in cmd.get_help(ctx)


def test_migrate_kpis_takes_columns_as_the_readme_shows(cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, out, err = cli(*LANG_EN, "migrate", "kpis", "--no-store", "-o", "csv", "--columns", "id,numerator,denominator,value,target,gap")
    assert code == 0, err
    assert lines(out)[0] == "id,numerator,denominator,value,target,gap"
    assert [r.split(",")[0] for r in lines(out)[1:]] == ["cloud_migration_rate", "xinchuang_rate", "new_on_cloud_rate"]


def test_report_takes_csv_and_yaml(cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, out, _ = cli(*LANG_EN, "report", "--no-store", "-o", "csv", "--columns", "id,value,target")
    assert code == 0 and lines(out)[0] == "id,value,target" and lines(out)[1].startswith("village_access,")
    code, out, _ = cli(*LANG_EN, "report", "--no-store", "-o", "yaml")
    assert code == 0 and "indicators:" in out


def test_columns_do_not_apply_to_whole_documents(cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, _, err = cli(*LANG_EN, "policy", "check", "--no-store", "-o", "sarif", "--columns", "id")
    assert code == 2 and lines(err)[0] == "error: --columns does not apply to -o sarif (it prints a whole document)"


def test_xlsx_needs_out_and_bom_needs_csv(cli, store):
    code, out, err = cli(*LANG_EN, "ls", "servers", "--store", store, "-o", "xlsx")
    assert (code, out) == (2, "") and lines(err)[0] == "error: -o xlsx needs --out FILE (a workbook cannot go to a terminal)"
    code, out, err = cli(*LANG_EN, "ls", "servers", "--store", store, "-o", "json", "--excel-bom")
    assert (code, out) == (2, "") and lines(err)[0] == "error: --excel-bom applies to -o csv only"


def test_out_writes_the_file_instead_of_stdout(cli, store, tmp_path):
    target = tmp_path / "servers.csv"
    code, out, err = cli(*LANG_EN, "ls", "servers", "--store", store, "-o", "csv", "--out", target, "--excel-bom")
    assert code == 0 and out == "" and err == f"written to {target}\n"
    assert target.read_bytes().startswith(b"\xef\xbb\xbfprovider,kind,id,")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["servers.csv"]  # no temporary file left


# -- item 15: diff summary and row counts --------------------------------------------------------------

def test_diff_table_ends_with_the_summary_and_json_stays_json(cli, store):
    code, out, err = cli(*LANG_EN, "diff", "--store", store)
    assert code == 0 and lines(out)[-1] == "0 added, 0 removed, 0 changed" and err == ""
    code, out, err = cli(*LANG_EN, "diff", "--store", store, "-o", "json")
    assert json.loads(out) == [] and err == ""
    code, out, _ = cli("--lang", "zh", "diff", "--store", store)
    assert lines(out)[-1] == "新增 0，删除 0，变更 0"


def _on_a_terminal(*args: str) -> str:
    master, slave = os.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "cloudctl", *args], stdout=slave, stderr=subprocess.DEVNULL,
                            env={**os.environ, "COLUMNS": "250"})
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(60)
    os.close(master)
    return b"".join(chunks).decode()


def test_a_listing_on_a_terminal_says_how_many_rows(store):
    shown = _on_a_terminal(*LANG_EN, "ls", "servers", "--store", str(store), "--provider", "tianhe")
    piped = subprocess.run([sys.executable, "-m", "cloudctl", *LANG_EN, "ls", "servers", "--store", str(store), "--provider", "tianhe"],
                           capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "250"}).stdout
    n = sum(1 for line in lines(piped) if line.startswith("│ tianhe"))
    plain = re.sub(r"\x1b\[[0-9;]*m", "", shown.replace("\r", ""))
    assert n > 0 and lines(plain)[-1].strip() == f"{n} rows"
    assert "rows" not in lines(piped)[-1]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", [80, 120, 160])
def test_a_wide_table_folds_its_headers_instead_of_losing_columns(cli, store, monkeypatch, lang, width):
    """capacity's 14 columns did not fit 120 or 160 columns: Rich cut the table at the terminal's
    edge, and the columns on the right (disk, utilisation) were silently missing."""
    monkeypatch.setenv("COLUMNS", str(width))
    code, out, _ = cli("--lang", lang, "capacity", "--store", store)
    from rich.cells import cell_len

    table = [line for line in lines(out) if line[:1] in "┏┃┡│└"]
    assert code == 0 and table
    assert all(line[-1] in "┓┃┩│┘" and cell_len(line) <= width for line in table), "\n".join(table[:4])


# -- item 16: a simulator-written config warns once, when written ---------------------------------------

def test_sim_written_config_does_not_repeat_its_literal_secret_warnings(cli, tmp_path):
    from cloudctl.sim import serve as runner
    from cloudctl.sim.dataset import build

    plan = runner.plan(build(None, servers=10, seed=1), {})
    for sim in plan.simulators:
        sim.url = f"http://{sim.name}.sim"
    cfg = tmp_path / "cloudctl.yaml"
    runner.write_config(cfg, runner.config_document(plan, None, tmp_path / "store.db"))
    for _ in range(2):
        code, _, err = cli(*LANG_EN, "--config", cfg, "config", "check")
        assert code == 0 and err == f"configuration is valid: {cfg}\n"
    # Edited by hand, it is an ordinary config again: its literal secrets are warned about.
    cfg.write_text(cfg.read_text() + "# changed\n")
    code, _, err = cli(*LANG_EN, "--config", cfg, "config", "check")
    assert code == 0 and sum("literal secret in config file" in line for line in lines(err)) == 4


# -- item 19: groups show examples like leaf commands ------------------------------------------------------

def test_every_group_help_has_an_example():
    groups = [(path, cmd, ctx) for path, cmd, ctx in commands() if hasattr(cmd, "list_commands") and path != "cloudctl"]
    assert {"cloudctl migrate", "cloudctl policy", "cloudctl sim", "cloudctl inventory"} <= {p for p, _, _ in groups}
    missing = [p for p, cmd, ctx in groups if "Example:  cloudctl " not in cmd.get_help(ctx)]
    assert missing == []


# -- item 13: under --lang zh every table title and header is Chinese ------------------------------------

def table_headers(out: str) -> tuple[list[str], list[str]]:
    """(titles, header cells) of every Rich table in ``out`` (a header may wrap over several lines)."""
    titles, headers, block, before = [], [], [], []
    for line in out.splitlines():
        if line.startswith("┏"):
            titles += [b.strip() for b in before if b.strip()]
            block, before = [], []
        elif line.startswith("┃"):
            block.append([c.strip() for c in line.strip("┃").split("┃")])
        elif line.startswith("┡"):
            headers += ["".join(parts).strip() for parts in zip(*block)]
            block = []
        elif not line.startswith(("│", "└", "├")):
            before = [line]
    return titles, headers


ZH_TABLES = [
    *[("ls", kind) for kind in ("servers", "volumes", "networks", "subnets", "floating_ips", "projects", "quotas", "capacity")],
    ("diff",), ("snapshots",), ("capacity",),
    ("migrate", "status"), ("migrate", "status", "--findings"), ("migrate", "kpis"), ("migrate", "waves"),
    ("policy", "list"), ("inventory", "summary"), ("report", "--no-store"),
    *[("inventory", "ls", kind) for kind in ("nodes", "sites", "systems", "tenants", "waves")],
]


@pytest.mark.parametrize("args", ZH_TABLES, ids=lambda a: " ".join(a))
def test_every_table_title_and_header_is_chinese(cli, store, monkeypatch, args):
    from tests.unit.test_i18n_catalog import punctuation_problems, untranslated

    monkeypatch.chdir(ROOT)
    extra = () if args[0] in ("policy", "inventory", "report") else ("--store", str(store))
    code, out, err = cli("--lang", "zh", *args, *extra)
    assert code == 0, err
    titles, headers = table_headers(out)
    assert headers, out
    bad = [h for h in titles + headers if untranslated(h, h) or punctuation_problems(h)]
    assert bad == []


def english_phrase(line: str) -> bool:
    """Three English words in a row, outside `code`, {fields} and paths: a sentence left untranslated."""
    from tests.unit.test_i18n_catalog import _prose

    return re.search(r"\b[A-Za-z]{2,} [a-z]{2,} [a-z]{2,}\b", _prose(line)) is not None


def test_the_header_walk_sees_an_untranslated_header():
    from tests.unit.test_i18n_catalog import untranslated

    titles, headers = table_headers("migration KPIs / 迁移指标\n┏━━━━┳━━━━━━━━━━━┓\n┃ id ┃ numerator ┃\n┡━━━━╇━━━━━━━━━━━┩\n└────┴───────────┘\n")
    assert titles == ["migration KPIs / 迁移指标"] and headers == ["id", "numerator"]
    assert [h for h in headers if untranslated(h, h)] == ["id", "numerator"]


@pytest.mark.parametrize("args", [("policy", "explain", "classified-never-on-cloud"), ("policy", "explain", "snmp-v3"),
                                  ("policy", "check", "--no-store", "--today", "2026-11-26")], ids=lambda a: " ".join(a))
def test_policy_text_is_one_language(cli, monkeypatch, args):
    from tests.unit.test_i18n_catalog import punctuation_problems, untranslated

    monkeypatch.chdir(ROOT)
    _, out, _ = cli("--lang", "zh", *args)
    words = [line for line in out.splitlines() if line.strip() and not re.match(r"\s*(—— )?\S+\.ya?ml(:\d+)*\s*$", line)]
    assert words and [w for w in words if untranslated(w, w) or english_phrase(w)] == []
    # What cloudctl itself writes (not the quoted plan, the policy files' own texts or waiver reasons)
    # takes Chinese punctuation.
    own = [w for w in words if not w.startswith(("  「", "  ——")) and "[已豁免" not in w and w.strip() != w.strip().lstrip("「")]
    assert [w for w in own if punctuation_problems(re.sub(r"（[^）]*）", "", w))] == []
    # A violation names its record in the reader's language too ("系统 sys-0040", not "system sys-0040").
    assert [w for w in words if re.match(r"\s*\S+\.ya?ml:\d+\s+[a-z_]+ ", w)] == []
    _, out, _ = cli("--lang", "en", *args)
    assert "open violations" in out or "What it checks:" in out


def test_inventory_errors_are_chinese_under_zh(cli, tmp_path):
    """The errors an engineer editing the inventory meets first: a wrong reference, a typo in a field."""
    import shutil

    inv = tmp_path / "inventory"
    shutil.copytree(ROOT / "tests" / "fixtures" / "inventory" / "minimal", inv)
    nodes = inv / "nodes.yaml"
    nodes.write_text(nodes.read_text().replace("site: lishi-xinyi,", "site: lishi-xinyii,").replace("vendor: Huawei", "vendr: Huawei"))
    code, out, err = cli("--lang", "zh", "inventory", "validate", inv)
    assert (code, out) == (2, "")
    lines_ = err.splitlines()
    assert lines_[0] == "错误：清单中有 2 处问题："
    assert lines_[1].endswith("nodes[0].vendr：未知的字段 `vendr`（检查拼写；文档列出了这类记录的全部字段）")
    assert lines_[2].endswith("nodes[lishi-xinyi-agg-01].site：地点 `lishi-xinyii` 不存在（请使用 sites 中某个地点的 id）")
    assert not [line for line in lines_ if english_phrase(line)]


def test_names_with_square_brackets_print_as_they_are(cli, tmp_path, monkeypatch):
    """Names come from the clouds and the inventory, and may hold square brackets. A table passed
    them to Rich as markup: ``[/]`` crashed the listing with exit 70 (MarkupError), ``[bold]``
    vanished and styled the rest of the cell."""
    import shutil

    inv = tmp_path / "inventory"
    shutil.copytree(ROOT / "inventory", inv)
    systems = inv / "systems.yaml"
    systems.write_text(systems.read_text(encoding="utf-8").replace("name: 一体化政务服务平台", 'name: "平台[/]甲 [bold]乙[/bold]"', 1),
                       encoding="utf-8")
    monkeypatch.setenv("COLUMNS", "250")
    code, out, err = cli(*LANG_EN, "inventory", "ls", "systems", "--inventory", inv)
    assert code == 0, err
    assert "平台[/]甲 [bold]乙[/bold]" in out
