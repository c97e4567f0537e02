"""The HTML report in a real browser (Debian's headless Chromium): it renders, shows the 13 county
rows and the charts, and loads nothing from any network.

Chromium itself phones home (update checks, accounts) even with the background-networking flags;
those requests carry no page initiator. Requests *made by the page* carry the file:// page's
isolation key — a control page with an <img> and a stylesheet on http(s) proves the net-log
check sees them, so a clean result for the report means something.
"""

from __future__ import annotations

import json
import re
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from tests.conftest import need, run_cloudctl

pytestmark = [pytest.mark.real, pytest.mark.slow]

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "report"
WIDTH, HEIGHT = 1280, 2800


def _chromium(binary: str, profile: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    cmd = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--host-resolver-rules=MAP * ~NOTFOUND",  # nothing this test starts may reach the outside
        f"--user-data-dir={profile}",
        "--hide-scrollbars",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def _page_requests(netlog: Path) -> list[str]:
    """URLs of requests started on behalf of a file:// page (not Chromium's own background traffic)."""
    log = json.loads(netlog.read_text())
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for ev in log["events"]:
        p = ev.get("params") or {}
        if ev["type"] != start_job or "url" not in p:
            continue
        if "file://" in str(p.get("network_isolation_key", "")) or p.get("initiator") not in (None, "not an origin"):
            urls.append(p["url"])
    return urls


def _png_size_and_rows(data: bytes) -> tuple[int, int, int]:
    """(width, height, distinct scanlines) of a PNG — a blank page has a handful of distinct rows."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", chunk[:8])
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = len(raw) // height
    rows = {raw[i * stride : (i + 1) * stride] for i in range(height)}
    return width, height, len(rows)


@pytest.fixture(scope="module")
def report_html(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    proc = run_cloudctl(
        "report", "-i", FIX / "inventory", "--no-store", "--metrics", FIX / "metrics.prom", "--html", out, "--lang", "zh", "-o", "json", timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return out


def test_screenshot_renders_a_full_page(report_html, tmp_path):
    chromium = need("chromium")
    shot = tmp_path / "report.png"
    proc = _chromium(chromium, tmp_path / "profile", f"--window-size={WIDTH},{HEIGHT}", f"--screenshot={shot}", report_html.as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = shot.read_bytes()
    width, height, distinct_rows = _png_size_and_rows(data)
    assert (width, height) == (WIDTH, HEIGHT)
    assert len(data) > 50_000, "a rendered report with text and charts is not a tiny PNG"
    assert distinct_rows > 600, f"only {distinct_rows} distinct pixel rows: the page looks blank"


def test_rendered_dom_has_13_county_rows_and_the_charts(report_html, tmp_path):
    chromium = need("chromium")
    proc = _chromium(chromium, tmp_path / "profile", "--dump-dom", report_html.as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    assert len(re.findall(r"<tr data-county=", dom)) == 13
    charts = re.findall(r'<svg class="chart" data-chart="([a-z_]+)"', dom)
    assert {"coverage", "progress", "burndown"} <= set(charts)
    assert "吕梁市数字政府建设指标报告" in dom
    assert len(re.findall(r'class="bar"', dom)) >= 13  # bars were drawn, not just empty frames


def test_the_report_makes_no_network_request_and_the_check_would_see_one(report_html, tmp_path):
    chromium = need("chromium")
    control = tmp_path / "control.html"
    control.write_text(
        '<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/pixel.png">'
        '<link rel="stylesheet" href="https://fonts.example.invalid/a.css"></body></html>'
    )
    seen = {}
    for name, page in (("control", control), ("report", report_html)):
        netlog = tmp_path / f"{name}.netlog.json"
        proc = _chromium(chromium, tmp_path / f"profile-{name}", f"--log-net-log={netlog}", "--window-size=800,600", f"--screenshot={tmp_path / name}.png", page.as_uri())
        assert proc.returncode == 0, proc.stderr[-2000:]
        seen[name] = _page_requests(netlog)
    assert "http://127.0.0.1:9/pixel.png" in seen["control"] and any("fonts.example.invalid" in u for u in seen["control"])
    assert [u for u in seen["report"] if not u.startswith(("file:", "data:"))] == []


@pytest.fixture(scope="module")
def report_with_store_html(tmp_path_factory) -> Path:
    """A report without Prometheus but with a store synced month after month (July–September)."""
    from tests.unit.test_policy_support import make_dated_store
    from tests.unit.test_report import MONTHS, PLATFORMS_CONFIG

    tmp = tmp_path_factory.mktemp("trend")
    (tmp / "cloudctl.yaml").write_text(PLATFORMS_CONFIG, encoding="utf-8")
    august = ("2026-08-20T12:00:00Z", MONTHS[1][1])
    store = make_dated_store(tmp / "store.db", [*MONTHS[:2], august, *MONTHS[2:]])
    out = tmp / "report.html"
    proc = run_cloudctl("report", "-i", FIX / "inventory", "--store", store, "--today", "2026-11-26", "--html", out, "--lang", "zh",
                        "-o", "json", env={"CLOUDCTL_CONFIG": str(tmp / "cloudctl.yaml")}, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return out


def test_migration_trend_from_the_store_renders_as_lines(report_with_store_html, tmp_path):
    chromium = need("chromium")
    proc = _chromium(chromium, tmp_path / "profile", "--dump-dom", report_with_store_html.as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    chart = re.search(r'<svg class="chart" data-chart="migration_trend".*?</svg>', proc.stdout, re.S)
    assert chart, "the month-by-month migration chart is not in the rendered page"
    lines = re.findall(r'<polyline data-series="([^"]+)" points="([^"]+)"', chart.group(0))
    assert {name for name, _ in lines} == {"非涉密系统上云率", "国产化(信创)政务云平台部署率"}
    assert all(len(points.split()) == 3 for _, points in lines)  # July, August, September
    shot = tmp_path / "trend.png"
    proc = _chromium(chromium, tmp_path / "profile2", f"--window-size={WIDTH},{HEIGHT}", f"--screenshot={shot}", report_with_store_html.as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert _png_size_and_rows(shot.read_bytes())[2] > 600, "the page with the trend looks blank"
