"""The HTML report: one self-contained, printable file, 13 county rows, the charts, zh or en."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "report"
INV = FIX / "inventory"
METRICS = FIX / "metrics.prom"


class _Page(HTMLParser):
    """Collects what the tests look at: county rows, charts, indicator cards, tags, attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.counties: list[str] = []
        self.charts: list[str] = []
        self.cards: list[str] = []
        self.tags: set[str] = set()
        self.attrs: list[tuple[str, str]] = []
        self.lang = ""

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        a = dict(attrs)
        self.tags.add(tag)
        self.attrs.extend((k, v or "") for k, v in attrs)
        if tag == "html":
            self.lang = a.get("lang", "")
        if tag == "tr" and "data-county" in a:
            self.counties.append(a["data-county"])
        if tag == "svg":
            self.charts.append(a.get("data-chart", ""))
        if tag == "div" and "data-indicator" in a:
            self.cards.append(a["data-indicator"])


def _write(cli, tmp_path: Path, *args: str) -> tuple[str, _Page]:
    out = tmp_path / "report.html"
    code, _, err = cli("report", "-i", INV, "--no-store", "--metrics", METRICS, "--html", out, *args)
    assert code == 0, err
    assert str(out) in err  # the path is printed
    page = out.read_text(encoding="utf-8")
    parsed = _Page()
    parsed.feed(page)
    return page, parsed


def test_page_has_the_13_counties_the_cards_and_the_charts(cli, tmp_path):
    _, page = _write(cli, tmp_path, "--lang", "zh")
    assert page.counties == ["lishi", "xiaoyi", "fenyang", "wenshui", "jiaocheng", "xingxian", "linxian", "liulin", "shilou", "lanxian", "fangshan", "zhongyang", "jiaokou"]
    assert {"coverage", "progress", "burndown"} <= set(page.charts)
    assert page.cards[:5] == ["village_access", "ipv6_nodes", "backbone_gigabit", "cloud_migration", "xinchuang"]


def test_page_is_self_contained(cli, tmp_path):
    text, page = _write(cli, tmp_path)
    assert not re.search(r"https?:|//[a-z0-9]", text, re.I), "the page must not reference anything on a network"
    assert not ({"script", "link", "img", "iframe", "object", "embed"} & page.tags)
    assert not [k for k, _ in page.attrs if k in ("src", "href", "srcset")]
    assert "url(" not in text and "@import" not in text and "@font-face" not in text


def test_page_is_printable(cli, tmp_path):
    text, _ = _write(cli, tmp_path)
    assert "@page { size:A4" in text
    # on A4 (about 700 CSS px wide) the page keeps 3 cards and 2 charts a row: the one-column
    # layout for narrow screens must not apply to print
    print_css = text[text.index("@media print {"):]
    assert ".cards { grid-template-columns:repeat(3, 1fr)" in print_css and ".charts { grid-template-columns:1fr 1fr" in print_css
    assert "@media screen and (max-width:760px)" in text and "@media (max-width" not in text


def test_chinese_by_default_under_a_zh_locale_and_english_on_request(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.delenv("CLOUDCTL_LANG", raising=False)
    text, page = _write(cli, tmp_path)
    assert page.lang == "zh-CN"
    assert "<h1>吕梁市数字政府建设指标报告</h1>" in text and "行政村电子政务外网接入率" in text
    text, page = _write(cli, tmp_path, "--lang", "en")
    assert page.lang == "en"
    assert "<h1>Lüliang Digital Government Indicator Report</h1>" in text and "Villages on the e-government extranet" in text
    assert "行政村电子政务外网接入率" not in text
    assert "<td>Lishi Qu 离石区</td>" in text  # county names with their pinyin for English readers


def test_writing_replaces_the_file_atomically_and_leaves_no_temp_file(cli, tmp_path):
    target = tmp_path / "report.html"
    target.write_text("old report")
    code, _, err = cli("report", "-i", INV, "--no-store", "--html", target)
    assert code == 0, err
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_an_unwritable_path_is_exit_2_and_leaves_nothing_behind(cli, tmp_path):
    target = tmp_path / "a-directory"
    (target / "inside").mkdir(parents=True)  # os.replace cannot put a file over a non-empty directory
    code, _, err = cli("report", "-i", INV, "--no-store", "--html", target)
    assert code == 2
    assert "cannot write the report" in err and str(target) in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-directory"]


def test_page_with_one_county_agent_says_what_it_covers_and_shows_no_city_figure(cli, tmp_path):
    lishi = tmp_path / "lishi.prom"
    lishi.write_text("".join(line for line in METRICS.read_text(encoding="utf-8").splitlines(keepends=True)
                             if line.startswith("#") or 'county="lishi"' in line), encoding="utf-8")
    out = tmp_path / "report.html"
    code, _, err = cli("--lang", "en", "report", "-i", INV, "--no-store", "--metrics", lishi, "--html", out)
    assert code == 0, err
    page = out.read_text(encoding="utf-8")
    card = re.search(r'<div class="card nodata" data-indicator="village_access">.*?</div></div>', page)
    assert card, "the village card has no figure for the city"
    assert "1 of 13 counties, 4 of 23 nodes reporting" in page  # headline and cards
    assert re.search(r'<tr data-county="fangshan">(?:<td[^>]*>[^<]*</td>){6}<td class="bad">0/1</td></tr>', page)  # nobody polls 方山县
    assert "never answered" not in page


def test_page_draws_the_migration_kpis_month_by_month_from_the_store(cli, tmp_path, monkeypatch):
    from tests.unit.test_report import monthly_store

    store = monthly_store(tmp_path, monkeypatch)
    out = tmp_path / "report.html"
    code, _, err = cli("--lang", "zh", "report", "-i", INV, "--store", store, "--today", "2026-11-26", "--html", out)
    assert code == 0, err
    page = out.read_text(encoding="utf-8")
    chart = re.search(r'<svg class="chart" data-chart="migration_trend".*?</svg>', page)
    assert chart, "no month-by-month chart"
    svg = chart.group(0)
    assert "上云率与信创部署率（按月，来自云资源快照）" in page
    assert "非涉密系统上云率" in svg and "国产化(信创)政务云平台部署率" in svg  # the legend
    assert svg.count("<circle") == 4  # July and September, two KPIs; August has no sync
    assert "<polyline" not in svg  # the gap is not bridged: no line from July to September
    assert ">2026-07<" in svg and ">2026-09<" in svg and ">62%<" in svg  # 5/8 in September
