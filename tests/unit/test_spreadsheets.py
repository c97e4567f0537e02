"""Spreadsheets (#15): -o xlsx and CSV wherever records are printed, and the report workbook.

Every workbook is read back with openpyxl (an implementation independent of xlsxwriter, which
writes them) and compared, cell by cell, with the JSON output of the same command: one typed
column per field (numbers as numbers, dates as dates, booleans as booleans), mappings flattened
into named columns, lists in one cell, a frozen header row, an auto-filter over the data, column
widths, and Chinese headers under --lang zh.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import openpyxl
import pytest

from cloudctl.i18n import t
from cloudctl.sheets import atomic_path, expand_columns
from tests.conftest import ROOT
from tests.sims import sync_all

EN = ("--lang", "en")
REPORT_FIX = ROOT / "tests" / "fixtures" / "report"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("sheets") / "store.db"
    sync_all(db, servers=240, seed=11)
    return db


def expected_cell(value):
    """What a JSON value becomes in a workbook cell."""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or None
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            if len(value) == 10:
                return dt.datetime.fromisoformat(value)  # openpyxl reads a date cell as a datetime
            d = dt.datetime.fromisoformat(value)
            return d.astimezone(dt.timezone.utc).replace(tzinfo=None) if d.tzinfo else d
        except ValueError:
            return value
    if value == "":
        return None  # an empty string is an empty cell
    return value


def read(path: Path, sheet: str | None = None) -> tuple[openpyxl.worksheet.worksheet.Worksheet, list[str], list[tuple]]:
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet] if sheet else wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    return ws, list(rows[0]), rows[1:]


def flatten(row: dict, columns: list[str]) -> list:
    from cloudctl.sheets import lookup

    return [expected_cell(lookup(row, c)) for c in columns]


def assert_matches_json(path: Path, json_rows: list[dict], sheet: str | None = None) -> list[str]:
    ws, header, rows = read(path, sheet)
    columns = expand_columns(json_rows, list(dict.fromkeys(k for r in json_rows for k in r)))
    assert header == columns
    assert len(rows) == len(json_rows)
    for got, want in zip(rows, json_rows):
        assert list(got) == flatten(want, columns)
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(columns))}{len(rows) + 1}"
    assert all(ws.column_dimensions[openpyxl.utils.get_column_letter(i + 1)].width >= 8 for i in range(len(columns)))
    return columns


def test_ls_servers_xlsx_is_the_json_with_typed_columns(cli, store, tmp_path):
    out = tmp_path / "servers.xlsx"
    code, stdout, err = cli(*EN, "ls", "servers", "--store", store, "-o", "xlsx", "--out", out)
    _, js, _ = cli(*EN, "ls", "servers", "--store", store, "-o", "json")
    assert code == 0 and stdout == "" and err == f"{len(json.loads(js))} rows written to {out}\n"
    columns = assert_matches_json(out, json.loads(js))
    # provider-specific fields are named columns, typed: no JSON blob anywhere
    assert {"flavor", "vcpus", "ram_mb", "tags.system-id", "addresses"} <= set(columns) and "tags" not in columns
    _, _, rows = read(out)
    vcpus, created = columns.index("vcpus"), columns.index("created")
    assert all(isinstance(r[vcpus], int) for r in rows)
    assert all(isinstance(r[created], dt.datetime) for r in rows if r[created] is not None)
    assert not any(isinstance(v, str) and v.startswith(("{", "[")) for r in rows for v in r)


def test_headers_are_chinese_under_lang_zh(cli, store, tmp_path):
    out = tmp_path / "云主机.xlsx"
    code, _, err = cli("--lang", "zh", "ls", "servers", "--store", store, "-o", "xlsx", "--out", out, "--columns", "provider,name,vcpus,tags.system-id")
    assert code == 0 and err.startswith(f"已写入 {out}（") and err.endswith(" 行）\n")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["云主机"]
    assert [c.value for c in wb.active[1]] == ["云平台", "名称", "vCPU 数", "标签.system-id"]


def test_export_xlsx_has_one_sheet_per_kind_matching_jsonl(cli, store, tmp_path):
    out = tmp_path / "all.xlsx"
    code, _, err = cli(*EN, "export", "--store", store, "-o", "xlsx", "--out", out)
    assert code == 0, err
    _, jl, _ = cli(*EN, "export", "--store", store)
    rows = [json.loads(line) for line in jl.splitlines()]
    wb = openpyxl.load_workbook(out)
    assert set(wb.sheetnames) == {"server", "volume", "network", "subnet", "floating IP", "project", "quota", "capacity"}
    for kind, sheet in (("volume", "volume"), ("floating_ip", "floating IP"), ("quota", "quota")):
        assert_matches_json(out, [r for r in rows if r["kind"] == kind], sheet)


def test_csv_flattens_extra_fields_into_named_columns(cli, store):
    _, js, _ = cli(*EN, "ls", "servers", "--store", store, "-o", "json")
    want = json.loads(js)
    code, out, _ = cli(*EN, "ls", "servers", "--store", store, "-o", "csv", "--columns", "name,flavor,vcpus,tags.system-id,addresses")
    got = list(csv.reader(io.StringIO(out)))
    assert code == 0 and got[0] == ["name", "flavor", "vcpus", "tags.system-id", "addresses"]
    assert got[1:] == [[r["name"], r.get("flavor") or "", str(r["vcpus"]), (r.get("tags") or {}).get("system-id", ""),
                        ", ".join(r.get("addresses") or [])] for r in want]
    code, out, _ = cli(*EN, "export", "--store", store, "--kind", "server", "-o", "csv")
    header = out.splitlines()[0].split(",")
    assert "extra" not in header and {"flavor", "vcpus", "tags.system-id"} <= set(header)


def test_excel_bom_starts_the_csv_with_a_utf8_bom(cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, out, _ = cli("--lang", "zh", "migrate", "kpis", "--no-store", "-o", "csv", "--excel-bom")
    assert code == 0 and out.startswith("\ufeffid,title_zh,title_en,")


@pytest.mark.parametrize("command", [("migrate", "kpis"), ("migrate", "waves"), ("migrate", "status", "--by", "wave")])
def test_migrate_workbooks_match_json(cli, tmp_path, monkeypatch, command):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "m.xlsx"
    code, _, err = cli(*EN, *command, "--no-store", "-o", "xlsx", "--out", out)
    assert code == 0, err
    _, js, _ = cli(*EN, *command, "--no-store", "-o", "json")
    columns = assert_matches_json(out, json.loads(js))
    _, _, rows = read(out)
    for name, kind in (("deadline", dt.datetime), ("start", dt.datetime), ("value", float), ("total", int)):
        if name in columns:
            assert all(isinstance(r[columns.index(name)], kind) for r in rows), name


def test_policy_check_and_capacity_workbooks_match_json(cli, store, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "violations.xlsx"
    code, _, _ = cli(*EN, "policy", "check", "--no-store", "-o", "xlsx", "--out", out, "--today", "2026-11-26")
    assert code == 1 and out.exists()
    _, js, _ = cli(*EN, "policy", "check", "--no-store", "-o", "json", "--today", "2026-11-26")
    assert_matches_json(out, json.loads(js)["violations"])
    out = tmp_path / "capacity.xlsx"
    assert cli(*EN, "capacity", "--store", store, "-o", "xlsx", "--out", out)[0] == 0
    _, js, _ = cli(*EN, "capacity", "--store", store, "-o", "json")
    columns = assert_matches_json(out, json.loads(js))
    ws = openpyxl.load_workbook(out).active
    util = [c for c in ws.iter_cols(min_col=columns.index("vcpus_utilization") + 1, max_col=columns.index("vcpus_utilization") + 1,
                                    min_row=2)][0]
    assert any(c.value is not None for c in util) and all(c.number_format == "0.0%" for c in util if c.value is not None)


def test_report_workbook_for_the_monthly_report(cli, tmp_path):
    out = tmp_path / "月报.xlsx"
    args = ("report", "-i", REPORT_FIX / "inventory", "--no-store", "--metrics", REPORT_FIX / "metrics.prom",
            "--policies", REPORT_FIX / "policies", "--top", "1")
    code, _, err = cli("--lang", "zh", *args, "--xlsx", out)
    assert code == 0 and f"报告工作簿已写入：{out}" in err
    _, js, _ = cli("--lang", "zh", *args[:-1], "1000", "-o", "json")
    doc = json.loads(js)
    wb = openpyxl.load_workbook(out)
    counties = [c["name"] for c in doc["counties"]]
    assert wb.sheetnames == ["主要指标", "各县（市、区）", *counties, "离线节点", "未接入的行政村", "上云迁移批次", "策略违规"]
    ind = wb["主要指标"]
    assert ind["A1"].value.startswith("吕梁市数字政府建设指标报告") and ind.freeze_panes == "A4"
    header = [c.value for c in ind[3]]
    assert header[:4] == ["ID", "名称", "规划指标", "值"] and "目标" in header and "差距" in header
    by_id = {r[0]: dict(zip(header, r)) for r in ind.iter_rows(min_row=4, values_only=True)}
    for i in doc["indicators"]:
        row = by_id[i["id"]]
        assert (row["值"], row["目标"], row["差距"]) == (i["value"], i["target"], i["gap"])
        assert row["期限"] == (dt.datetime.fromisoformat(i["deadline"]) if i["deadline"] else None)
    assert ind.cell(4, header.index("值") + 1).number_format == "0.0%"
    # every problem, not the report's --top 1
    down = list(wb["离线节点"].iter_rows(min_row=2, values_only=True))
    assert len(down) == doc["problems"]["nodes_down_total"] == 3
    villages = list(wb["未接入的行政村"].iter_rows(min_row=2, values_only=True))
    assert len(villages) == doc["problems"]["villages_unconnected_total"]
    assert len(list(wb["上云迁移批次"].iter_rows(min_row=2))) == len(doc["waves"])
    lishi = wb["离石区"]
    assert lishi["A1"].value.startswith("离石区：行政村接入 ")
    assert [c.value for c in lishi[3]] == ["问题", "乡镇", "名称", "原因", "最后在线", "离线天数"]
    assert any(r[0] == "节点离线" and r[2] == "lishi-t1-v2-acc" and isinstance(r[4], dt.datetime) and r[5] > 0
               for r in lishi.iter_rows(min_row=4, values_only=True))


def test_report_o_xlsx_is_the_workbook_and_needs_out(cli, tmp_path):
    out = tmp_path / "r.xlsx"
    args = ("report", "-i", REPORT_FIX / "inventory", "--no-store")
    assert cli(*EN, *args, "-o", "xlsx")[0] == 2
    code, stdout, _ = cli(*EN, *args, "-o", "xlsx", "--out", out)
    assert code == 0 and stdout == "" and openpyxl.load_workbook(out).sheetnames[0] == "Indicators"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "report.xlsx"
    target.write_bytes(b"last month")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half a workbo")
        raise RuntimeError("interrupted")
    assert target.read_bytes() == b"last month"
    assert [p.name for p in tmp_path.iterdir()] == ["report.xlsx"]


def test_out_where_no_file_can_be_is_a_clear_usage_error(cli, store, tmp_path):
    (tmp_path / "a-file").write_text("x")
    target = tmp_path / "a-file" / "s.xlsx"
    code, out, err = cli(*EN, "ls", "servers", "--store", store, "-o", "xlsx", "--out", target)
    assert (code, out) == (2, "")
    assert err.splitlines()[0] in (f"error: cannot write {target}: File exists", f"error: cannot write {target}: Not a directory")
    code, _, _ = cli(*EN, "ls", "servers", "--store", store, "-o", "csv", "--out", tmp_path / "new" / "dir" / "s.csv")
    assert code == 0 and (tmp_path / "new" / "dir" / "s.csv").read_text().startswith("provider,")


def test_header_catalog_covers_the_report_workbook():
    from cloudctl.report import xlsx

    assert xlsx.RATIOS <= {k.removeprefix("col.") for k in __import__("cloudctl.i18n", fromlist=["MESSAGES"]).MESSAGES}
    assert t("col.coverage", "zh") == "接入率"
