"""`cloudctl report`: the numbers, computed by hand from tests/fixtures/report/.

The fixture: 13 counties with one township each and 16 villages (3 in 离石区, 2 in 孝义市, 1
elsewhere); 23 nodes — a core node per county (石楼/方山/交口 expected at 100 Mbit/s), aggregation
nodes at two townships, access nodes at 8 villages. metrics.prom (what an agent exports): three
nodes down (fangshan-core never answered, lishi-t1-v2-acc last seen 1700000000,
xingxian-t1-v1-acc last seen 1750000000), 9 nodes with IPv6, core uplinks at 1 Gbit/s except
liulin, shilou and jiaokou (100 Mbit/s). 10 systems: 1 classified, 1 retired, 5 on the cloud of
which 3 on 信创; waves w1..w3.
"""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import httpx
import pytest

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "report"
INV = FIX / "inventory"
METRICS = FIX / "metrics.prom"
COUNTIES = ["lishi", "xiaoyi", "fenyang", "wenshui", "jiaocheng", "xingxian", "linxian", "liulin", "shilou",
            "lanxian", "fangshan", "zhongyang", "jiaokou"]  # inventory order


def _report(cli, *args: str) -> dict:
    code, out, err = cli("report", "-i", INV, "--no-store", "-o", "json", *args)
    assert code == 0, err
    return json.loads(out)


def _ind(doc: dict, ident: str) -> dict:
    return next(i for i in doc["indicators"] if i["id"] == ident)


def test_indicators_from_agent_metrics_match_hand_computed_numbers(cli):
    doc = _report(cli, "--metrics", METRICS)
    village = _ind(doc, "village_access")
    # villages with a node up: 离石1村, 孝义1村, 汾阳, 文水, 交城, 临县 = 6 of 16 (离石2村, 兴县 nodes are down)
    assert (village["numerator"], village["denominator"], village["value"]) == (6, 16, 0.375)
    assert (village["target"], village["deadline"], village["plan_ref"], village["source"]) == (1.0, "2025-12-31", 5, "metrics")
    assert village["gap"] == 0.625 and village["met"] is False
    ipv6 = _ind(doc, "ipv6_nodes")  # among the 20 nodes up (the agent's definition)
    assert (ipv6["numerator"], ipv6["denominator"], ipv6["value"]) == (9, 20, 0.45)
    backbone = _ind(doc, "backbone_gigabit")
    # 13 core uplinks: fangshan is down (speed unknown), liulin/shilou/jiaokou report 100 Mbit/s → 9 of 12
    assert (backbone["numerator"], backbone["denominator"], backbone["value"]) == (9, 12, 0.75)
    assert doc["sources"]["nodes_observed"] == "23/23"


def test_without_agent_data_village_rate_counts_villages_with_a_planned_node(cli):
    doc = _report(cli)
    village = _ind(doc, "village_access")
    assert (village["numerator"], village["denominator"], village["value"]) == (8, 16, 0.5)
    assert village["source"] == "inventory_planned"
    ipv6 = _ind(doc, "ipv6_nodes")
    assert ipv6["value"] is None and ipv6["met"] is None and ipv6["gap"] is None and ipv6["source"] == "none"
    backbone = _ind(doc, "backbone_gigabit")  # expected uplink_mbps: all but shilou, fangshan, jiaokou
    assert (backbone["numerator"], backbone["denominator"], backbone["source"]) == (10, 13, "inventory")
    assert [n["id"] for n in doc["notes"]] == ["no_metrics"]
    assert doc["problems"]["nodes_down_total"] is None


def test_cloud_migration_and_xinchuang_rates(cli):
    doc = _report(cli)
    cloud = _ind(doc, "cloud_migration")  # 9 non-classified, 1 retired → 8; 5 on the cloud
    assert (cloud["numerator"], cloud["denominator"], cloud["value"], cloud["target"]) == (5, 8, 0.625, 1.0)
    xc = _ind(doc, "xinchuang")  # 3 of the 5 cloud deployments on 信创, target 80 % (indicator 7)
    assert (xc["numerator"], xc["denominator"], xc["value"], xc["target"], xc["plan_ref"]) == (3, 5, 0.6, 0.8, 7)
    assert xc["gap"] == 0.2 and xc["deadline"] == "2025-12-31"


def test_waves_progress(cli):
    doc = _report(cli)
    waves = {w["id"]: (w["total"], w["migrated"], w["in_progress"], w["remaining"]) for w in doc["waves"]}
    assert waves == {"w1": (2, 2, 0, 0), "w2": (3, 2, 1, 1), "w3": (2, 0, 1, 2)}
    assert [w["id"] for w in doc["waves"]] == ["w1", "w2", "w3"]


def test_county_table_has_the_13_counties_with_hand_computed_rows(cli):
    doc = _report(cli, "--metrics", METRICS)
    rows = {r["county"]: r for r in doc["counties"]}
    assert len(doc["counties"]) == 13
    assert rows["lishi"]["name"] == "离石区"
    lishi = rows["lishi"]
    assert (lishi["villages"], lishi["villages_connected"], lishi["nodes"], lishi["nodes_up"]) == (3, 1, 4, 3)
    assert (lishi["ipv6_nodes"], lishi["ipv6_known"], lishi["ipv6_ratio"]) == (3, 3, 1.0)  # of the nodes up
    assert (lishi["core_uplink_mbps"], lishi["gigabit"], lishi["systems"], lishi["systems_on_cloud"]) == (1000, True, 1, 1)
    assert (rows["fenyang"]["systems"], rows["fenyang"]["systems_on_cloud"], rows["fenyang"]["migration_ratio"]) == (1, 0, 0.0)
    assert (rows["liulin"]["core_uplink_mbps"], rows["liulin"]["gigabit"]) == (100, False)
    fangshan = rows["fangshan"]  # its only node is down: nothing known
    assert (fangshan["nodes_up"], fangshan["ipv6_ratio"], fangshan["core_uplink_mbps"], fangshan["gigabit"]) == (0, None, None, None)
    assert sum(r["villages_connected"] for r in doc["counties"]) == 6


def test_top_problems_nodes_down_longest_first_and_unconnected_villages(cli):
    doc = _report(cli, "--metrics", METRICS)
    p = doc["problems"]
    assert p["nodes_down_total"] == 3
    assert [d["node"] for d in p["nodes_down"]] == ["fangshan-core", "lishi-t1-v2-acc", "xingxian-t1-v1-acc"]
    assert p["nodes_down"][0]["last_success"] is None
    assert p["nodes_down"][1]["last_success"].startswith("2023-11-14T22:13:20")
    assert p["villages_unconnected_total"] == 10
    reasons = {v["village"]: v["reason"] for v in p["villages_unconnected"]}
    assert reasons["lishi-t1-v2"] == "node_down" and reasons["lishi-t1-v3"] == "no_node"
    assert reasons["xingxian-t1-v1"] == "node_down"
    doc = _report(cli, "--metrics", METRICS, "--top", "2")
    assert len(doc["problems"]["nodes_down"]) == 2 and doc["problems"]["nodes_down_total"] == 3
    assert len(doc["problems"]["villages_unconnected"]) == 2 and doc["problems"]["villages_unconnected_total"] == 10


def test_policy_violations_by_severity_leave_out_waived_ones(cli):
    # the default policy location is ./policies next to the inventory: tests/fixtures/report/policies
    doc = _report(cli)
    p = doc["problems"]
    assert p["violations_by_severity"] == {"critical": 0, "high": 2, "medium": 2, "low": 0}
    assert [(v["policy_id"], v["record_id"]) for v in p["violations"]] == [
        ("mlps3-dr-backup", "sys-0006"),
        ("mlps3-dr-backup", "sys-0008"),
        ("core-uplink-gigabit", "fangshan-core"),
        ("core-uplink-gigabit", "shilou-core"),
    ]
    assert p["violations"][0]["location"].endswith("systems.yaml:17:5")


def _prometheus_handler(samples: dict[str, list[tuple[dict, float]]], ranges: dict[str, list[tuple[float, str]]]):
    def handle(request: httpx.Request) -> httpx.Response:
        query = request.url.params["query"]
        if request.url.path == "/api/v1/query":
            result = [{"metric": {"__name__": query, **labels}, "value": [1764000000.0, str(v)]} for labels, v in samples.get(query, [])]
            return httpx.Response(200, json={"status": "success", "data": {"resultType": "vector", "result": result}})
        if request.url.path == "/api/v1/query_range":
            result = [{"metric": {}, "values": [[ts, v] for ts, v in ranges[query]]}]  # sum(): one series
            return httpx.Response(200, json={"status": "success", "data": {"resultType": "matrix", "result": result}})
        return httpx.Response(404, json={"status": "error", "errorType": "not_found", "error": "no such path"})

    return handle


def test_prometheus_source_gives_the_same_numbers_and_a_trend():
    from prometheus_client.parser import text_string_to_metric_families

    from cloudctl.inventory import load_inventory
    from cloudctl.report import build_report, load_metrics, query_prometheus

    samples: dict[str, list] = {}
    for fam in text_string_to_metric_families(METRICS.read_text()):
        for s in fam.samples:
            samples.setdefault(s.name, []).append((s.labels, s.value))
    # villages connected and counted, summed over the shards; at 1763992500 one shard (2 villages)
    # was not scraped: that instant is left out, not drawn as the city's rate
    ts = (1763990000.0, 1763992500.0, 1763995000.0, 1764000000.0)
    ranges = {
        'sum(egov_sites_connected{level="village",county="all"})': list(zip(ts, ("4", "4", "5", "6"))),
        'sum(egov_sites{level="village",county="all"})': list(zip(ts, ("16", "14", "16", "16"))),
    }
    client = httpx.Client(transport=httpx.MockTransport(_prometheus_handler(samples, ranges)))
    inv = load_inventory(INV)
    from_prom = build_report(inv, observations=query_prometheus("http://prom.test:9090", client)).to_dict()
    from_text = build_report(inv, observations=load_metrics(str(METRICS))).to_dict()
    for key in ("indicators", "counties"):
        assert [{k: v for k, v in i.items() if k != "source"} for i in from_prom[key]] == [
            {k: v for k, v in i.items() if k != "source"} for i in from_text[key]
        ]
    assert _ind(from_prom, "village_access")["source"] == "prometheus"
    assert [p["value"] for p in from_prom["trends"]["village_access"]] == [0.25, 0.3125, 0.375]


def test_prometheus_error_body_becomes_an_upstream_error():
    from cloudctl.errors import UpstreamError
    from cloudctl.report import query_prometheus

    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"status": "error", "errorType": "bad_data", "error": "parse error"})

    client = httpx.Client(transport=httpx.MockTransport(refuse))
    with pytest.raises(UpstreamError, match="bad_data parse error"):
        query_prometheus("http://prom.test:9090", client)


def test_label_values_with_a_raw_carriage_return_are_read(cli, tmp_path):
    """Some switches' sysDescr holds CR LF; the agent escapes the LF, the CR stays (the format allows it)."""
    text = METRICS.read_bytes() + b'egov_node_info{node="lishi-core",sysdescr="H3C Comware\r\\nVersion 7.1"} 1\n'
    saved = tmp_path / "metrics.prom"
    saved.write_bytes(text)
    doc = _report(cli, "--metrics", saved)
    assert _ind(doc, "village_access")["numerator"] == 6


def test_metrics_and_prometheus_together_is_a_usage_error(cli):
    code, _, err = cli("report", "-i", INV, "--no-store", "--metrics", METRICS, "--prometheus", "http://127.0.0.1:1")
    assert code == 2
    assert "--metrics" in err and "--prometheus" in err


def test_unreachable_agent_is_exit_3_with_a_hint(cli):
    with socket.socket() as s:  # a free loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, out, err = cli("report", "-i", INV, "--no-store", "--metrics", f"http://127.0.0.1:{port}/metrics")
    assert code == 3
    assert f"127.0.0.1:{port}" in err and "cloudctl-agent" in err
    assert "Traceback" not in err


def test_a_file_that_is_not_metrics_is_exit_2_naming_it(cli, tmp_path):
    bad = tmp_path / "metrics.txt"
    bad.write_text('egov_node_up{node="x" 1\n')
    code, _, err = cli("report", "-i", INV, "--no-store", "--metrics", bad)
    assert code == 2
    assert str(bad) in err


def test_terminal_output_in_chinese_and_english(cli):
    code, out, _ = cli("report", "-i", INV, "--no-store", "--lang", "zh", "--metrics", METRICS)
    assert code == 0
    assert "吕梁市数字政府建设指标报告" in out and "行政村电子" in out
    assert all(name in out for name in ("离石区", "交口县", "方山县"))
    assert "fangshan-core" in out
    code, out, _ = cli("report", "-i", INV, "--no-store", "--lang", "en", "--metrics", METRICS)
    assert code == 0
    assert "Lüliang Digital Government Indicator Report" in out and "Nodes down longest (3 down)" in out


def _store_with_servers(path: Path):
    from cloudctl.model import Resource
    from cloudctl.store import Store

    st = Store.open(path, create=True)
    snap = st.begin_snapshot()
    servers = {
        "tianhe": [Resource("tianhe", "server", "t1", "sys-0002-a", "active", arch="x86_64", system="sys-0002")],
        "huawei": [
            Resource("huawei", "server", "h1", "sys-0001-a", "active", arch="x86_64", system="sys-0001"),
            Resource("huawei", "server", "h2", "untagged", "active", arch="x86_64"),
        ],
        "xinchuang": [
            Resource("xinchuang", "server", "x1", "sys-0003-a", "active", arch="aarch64", system="sys-0003"),
            Resource("xinchuang", "server", "x2", "sys-0004-a", "active", arch="aarch64", system="sys-0004"),
        ],
    }
    for provider, rows in servers.items():
        w = snap.provider(provider)
        w.add(rows)
        w.commit()
    snap.finish()
    snap = st.begin_snapshot()  # a second sync where huawei fails: its data stays, marked stale
    snap.provider("huawei").fail("HTTP 503")
    for provider in ("tianhe", "xinchuang"):
        w = snap.provider(provider)
        w.add(servers[provider])
        w.commit()
    snap.finish()
    st.close()
    return path


def test_with_a_store_the_cloud_numbers_come_from_the_servers_found(cli, tmp_path):
    store = _store_with_servers(tmp_path / "store.db")
    code, out, err = cli("report", "-i", INV, "--store", store, "-o", "json")
    assert code == 0, err
    doc = json.loads(out)
    # servers tagged with a system: sys-0001..0004 (sys-0005 is "cloud" in the inventory but has none)
    cloud = _ind(doc, "cloud_migration")
    assert (cloud["numerator"], cloud["denominator"], cloud["source"]) == (4, 8, "store")
    xc = _ind(doc, "xinchuang")  # of the 4 on the cloud, sys-0003 and sys-0004 on 信创
    assert (xc["numerator"], xc["denominator"], xc["value"]) == (2, 4, 0.5)
    # the county table counts "on a cloud" as the KPI does: 离石区's sys-0005 is "cloud" in the
    # inventory but has no server, 孝义市's sys-0004 has one
    rows = {r["county"]: r for r in doc["counties"]}
    assert (rows["lishi"]["systems_on_cloud"], rows["lishi"]["systems"]) == (0, 1)
    assert (rows["xiaoyi"]["systems_on_cloud"], rows["xiaoyi"]["systems"]) == (1, 1)
    clouds = {c["provider"]: (c["servers"], c["aarch64"], c["stale"]) for c in doc["clouds"]}
    assert clouds == {"huawei": (2, 0, True), "tianhe": (1, 0, False), "xinchuang": (2, 2, False)}
    assert doc["sources"]["store"].endswith("store.db")


def test_a_missing_store_named_on_the_command_line_is_an_error(cli, tmp_path):
    code, _, err = cli("report", "-i", INV, "--store", tmp_path / "nope.db")
    assert code == 2
    assert "nope.db" in err


def test_json_speaks_words_not_catalog_keys_and_every_indicator_has_its_titles(cli):
    """`report -o json` printed "notes": ["report.note.no_metrics"] and null titles for the network indicators."""
    import re

    for lang, sample in (("en", "No agent data"), ("zh", "未提供探针数据")):
        code, out, err = cli("--lang", lang, "report", "-i", INV, "--no-store", "-o", "json")
        assert code == 0, err
        assert not re.search(r'"report\.[a-z_.]+"', out), "a catalog key leaked into the JSON"
        doc = json.loads(out)
        assert [n["id"] for n in doc["notes"]] == ["no_metrics"] and doc["notes"][0]["text"].startswith(sample)
        for ind in doc["indicators"]:
            assert ind["title_zh"] and ind["title_en"], ind["id"]
    village = _ind(doc, "village_access")
    assert (village["title_zh"], village["title_en"]) == ("行政村电子政务外网接入率", "Villages on the e-government extranet")


def _split_metrics(tmp_path: Path) -> tuple[Path, Path]:
    """METRICS as two county agents would export it: 离石区 alone, and the twelve other counties."""
    lishi, rest = [], []
    for line in METRICS.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("#"):
            lishi.append(line)
            rest.append(line)
        elif 'county="lishi"' in line:
            lishi.append(line)
        elif line.startswith("egov_node_"):
            rest.append(line)
    (tmp_path / "lishi.prom").write_text("".join(lishi), encoding="utf-8")
    (tmp_path / "rest.prom").write_text("".join(rest), encoding="utf-8")
    return tmp_path / "lishi.prom", tmp_path / "rest.prom"


def test_one_county_agent_is_not_the_citys_picture(cli, tmp_path):
    """The documented per-county set-up gave "village access 4.7 %" and every node of the other
    counties as "never answered": a node no agent reports on is unknown, not down."""
    lishi, _ = _split_metrics(tmp_path)
    doc = _report(cli, "--metrics", lishi)
    for ident in ("village_access", "ipv6_nodes", "backbone_gigabit"):  # each misses the other counties
        ind = _ind(doc, ident)
        assert (ind["value"], ind["numerator"], ind["denominator"], ind["met"], ind["gap"]) == (None, None, None, None, None), ident
        assert ind["reporting"] == {"counties_reporting": 1, "counties": 13, "nodes_observed": 4, "nodes": 23,
                                    "counties_missing": [c for c in COUNTIES if c != "lishi"]}
    p = doc["problems"]
    assert [d["node"] for d in p["nodes_down"]] == ["lishi-t1-v2-acc"]  # not fangshan-core: nobody polls 方山县
    assert (p["nodes_down_total"], p["nodes_unknown_total"]) == (1, 19)
    # 离石区's village without a node is known unconnected; every other village with a node is unknown
    assert {v["village"]: v["reason"] for v in p["villages_unconnected"]}["lishi-t1-v2"] == "node_down"
    assert p["villages_unknown_total"] == 6  # of the 8 villages with an access node, 2 are in 离石区
    rows = {r["county"]: r for r in doc["counties"]}
    assert (rows["lishi"]["villages_connected"], rows["lishi"]["nodes_up"], rows["lishi"]["nodes_observed"]) == (1, 3, 4)
    assert (rows["fangshan"]["villages_connected"], rows["fangshan"]["nodes_up"], rows["fangshan"]["nodes_observed"]) == (None, None, 0)
    assert [n["id"] for n in doc["notes"]] == ["partial_metrics"]
    code, out, _ = cli("--lang", "en", "report", "-i", INV, "--no-store", "--metrics", lishi)
    assert code == 0
    assert "1 of 13 counties, 4 of 23 nodes reporting" in out and "never answered" not in out


def test_metrics_given_once_per_agent_are_merged(cli, tmp_path):
    """--metrics repeated kept only the last agent; merged, two county agents are the whole city."""
    lishi, rest = _split_metrics(tmp_path)
    merged = _report(cli, "--metrics", lishi, "--metrics", rest)
    whole = _report(cli, "--metrics", METRICS)
    for doc in (merged, whole):  # seconds down count from the time of each run
        for d in doc["problems"]["nodes_down"]:
            d.pop("down_seconds")
    for key in ("indicators", "counties", "problems"):
        assert merged[key] == whole[key], key
    assert _ind(merged, "village_access")["reporting"]["counties_reporting"] == 13
    assert merged["sources"]["metrics"] == f"{lishi}, {rest}" and merged["notes"] == []
    code, out, _ = cli("--lang", "en", "report", "-i", INV, "--no-store", "--metrics", lishi, "--metrics", rest)
    assert "13 of 13 counties reporting" in out


# Syncs of three months (report fixture systems): no sync in August; October's failed everywhere;
# one after the report's day. Hand-computed: 上云率 counts the 8 non-classified, non-retired systems.
MONTHS = [
    ("2026-07-05T12:00:00Z", [{"provider": "huawei", "id": "h1", "status": "active", "system": "sys-0001"},
                              {"provider": "tianhe", "id": "t1", "status": "active", "system": "sys-0002"}]),
    ("2026-07-25T12:00:00Z", [{"provider": "huawei", "id": "h1", "status": "active", "system": "sys-0001"},
                              {"provider": "tianhe", "id": "t1", "status": "active", "system": "sys-0002"},
                              {"provider": "xinchuang", "id": "x3", "status": "active", "system": "sys-0003"}]),
    ("2026-09-12T12:00:00Z", [{"provider": "huawei", "id": "h1", "status": "active", "system": "sys-0001"},
                              {"provider": "tianhe", "id": "t1", "status": "active", "system": "sys-0002"},
                              {"provider": "xinchuang", "id": "x3", "status": "active", "system": "sys-0003"},
                              {"provider": "xinchuang", "id": "x4", "status": "active", "system": "sys-0004"},
                              {"provider": "xinchuang", "id": "x6", "status": "active", "system": "sys-0006"}]),  # moving
    ("2026-10-03T12:00:00Z", None),
    ("2026-12-01T12:00:00Z", [{"provider": "huawei", "id": "h1", "status": "active", "system": "sys-0001"}]),
]
PLATFORMS_CONFIG = (
    "providers:\n"
    "  huawei: {driver: huawei, platform: general, region: r, project_id: p, ak: env:AK, sk: env:SK}\n"
    "  tianhe: {driver: openstack, platform: general, auth_url: 'http://127.0.0.1:1/v3', username: u, password: env:PW}\n"
    "  xinchuang: {driver: zstack, platform: xinchuang, endpoint: 'http://127.0.0.1:1', account: a, password: env:PW}\n"
)


def monthly_store(tmp_path, monkeypatch) -> Path:
    from tests.unit.test_policy_support import make_dated_store

    (tmp_path / "cloudctl.yaml").write_text(PLATFORMS_CONFIG, encoding="utf-8")
    monkeypatch.setenv("CLOUDCTL_CONFIG", str(tmp_path / "cloudctl.yaml"))
    return make_dated_store(tmp_path / "store.db", MONTHS)


def test_migration_kpis_month_by_month_from_the_store_without_prometheus(cli, tmp_path, monkeypatch):
    store = monthly_store(tmp_path, monkeypatch)
    code, out, err = cli("report", "-i", INV, "--store", store, "--today", "2026-11-26", "-o", "json")
    assert code == 0, err
    trends = json.loads(out)["trends"]
    got = {k: [(p["month"], p["numerator"], p["denominator"], p["snapshot"]) for p in trends[k]] for k in ("cloud_migration", "xinchuang")}
    # July: its last sync (snapshot 2); no point for August (no sync), October (failed), December (after the day)
    assert got["cloud_migration"] == [("2026-07", 3, 8, 2), ("2026-09", 5, 8, 3)]
    # 信创: sys-0003/0004 flagged, sys-0006 on a platform: xinchuang cloud before its flag is set
    assert got["xinchuang"] == [("2026-07", 1, 3, 2), ("2026-09", 3, 5, 3)]
    assert [p["value"] for p in trends["cloud_migration"]] == [0.375, 0.625]
    assert "village_access" not in trends  # that one needs Prometheus
    code, out, _ = cli("--lang", "en", "report", "-i", INV, "--store", store, "--today", "2026-11-26")
    assert code == 0
    assert re.search(r"2026-07\s.*37\.5% \(3/8\).*33\.3% \(1/3\)", out) and re.search(r"2026-09\s.*62\.5% \(5/8\).*60\.0% \(3/5\)", out)


def test_no_store_no_migration_trend(cli):
    doc = _report(cli)
    assert "cloud_migration" not in doc["trends"] and "xinchuang" not in doc["trends"]
