"""The HTML report: one self-contained, printable file (inline CSS and SVG; no scripts, fonts or
images from anywhere), in Chinese or English, written atomically."""

from __future__ import annotations

import os
import tempfile
from html import escape
from pathlib import Path

from cloudctl.errors import CloudctlError
from cloudctl.i18n import t
from cloudctl.report import svg, text
from cloudctl.report.model import Indicator, Report
from cloudctl.report.systems import TRENDS

CSS = """
:root { --ink:#1d2733; --muted:#5b6675; --line:#dde2e8; --green:#2e7d32; --amber:#ef8f00; --red:#c62828; --blue:#1f5fa8; }
* { box-sizing: border-box; }
body { margin:0; background:#f3f5f8; color:var(--ink);
  font-family:"Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei","Microsoft YaHei","PingFang SC",system-ui,sans-serif;
  font-size:14px; line-height:1.45; -webkit-print-color-adjust:exact; print-color-adjust:exact; }
.page { max-width:1120px; margin:0 auto; padding:24px 28px 40px; background:#fff; }
header { border-bottom:4px solid var(--blue); padding-bottom:10px; margin-bottom:18px; }
h1 { margin:0; font-size:28px; letter-spacing:1px; color:var(--blue); }
.sub { margin:4px 0 0; color:var(--muted); }
.meta { margin:2px 0 0; color:var(--muted); font-size:13px; }
h2 { font-size:18px; margin:22px 0 10px; padding-left:8px; border-left:4px solid var(--blue); }
.cards { display:grid; grid-template-columns:repeat(3, 1fr); gap:12px; }
.card { border:1px solid var(--line); border-top:5px solid var(--amber); border-radius:6px; padding:10px 12px; break-inside:avoid; }
.card.met { border-top-color:var(--green); } .card.miss-far { border-top-color:var(--red); } .card.nodata { border-top-color:#9aa3ad; }
.card-title { font-weight:bold; font-size:14px; min-height:2.6em; }
.ref { display:inline-block; font-weight:normal; font-size:11px; color:var(--blue); border:1px solid var(--blue); border-radius:3px; padding:0 4px; margin-left:4px; }
.card-value { font-size:32px; font-weight:bold; margin-top:2px; }
.card-count { color:var(--muted); font-size:13px; margin-left:6px; font-weight:normal; }
.meter { position:relative; height:10px; background:#e3e7ec; border-radius:5px; margin:6px 0 8px; }
.meter .fill { position:absolute; left:0; top:0; bottom:0; border-radius:5px; background:var(--amber); }
.card.met .meter .fill { background:var(--green); } .card.miss-far .meter .fill { background:var(--red); }
.meter .tick { position:absolute; top:-4px; bottom:-4px; width:2px; background:var(--ink); }
.card-line { font-size:12.5px; color:var(--muted); }
.card-gap { font-size:13px; font-weight:bold; margin-top:2px; }
.card.met .card-gap { color:var(--green); } .card .card-gap { color:var(--red); } .card.nodata .card-gap { color:var(--muted); }
.charts { display:grid; grid-template-columns:1fr 1fr; gap:14px; }
figure { margin:0; border:1px solid var(--line); border-radius:6px; padding:8px 10px; break-inside:avoid; }
figcaption { font-weight:bold; margin-bottom:4px; }
table { width:100%; border-collapse:collapse; font-size:13px; break-inside:auto; }
th, td { border-bottom:1px solid var(--line); padding:5px 8px; text-align:right; white-space:nowrap; }
th:first-child, td:first-child { text-align:left; }
thead th { background:#eef2f7; font-weight:bold; }
tfoot td { font-weight:bold; border-top:2px solid var(--ink); }
tr { break-inside:avoid; }
td.bad { color:var(--red); font-weight:bold; } td.good { color:var(--green); }
.problems { display:grid; grid-template-columns:repeat(3, 1fr); gap:12px; }
.problem { border:1px solid var(--line); border-radius:6px; padding:8px 10px; break-inside:avoid; }
.problem h3 { font-size:14px; margin:0 0 6px; color:var(--red); }
.problem table td, .problem table th { padding:3px 4px; font-size:12px; white-space:normal; }
.problem table.detail td { text-align:left; }
.headline { margin:8px 0 0; font-size:15px; font-weight:bold; }
.headline span { margin-right:16px; } .headline .bad { color:var(--red); } .headline .good { color:var(--green); }
.sev { display:inline-block; min-width:3em; text-align:center; border-radius:3px; color:#fff; padding:0 4px; font-size:12px; }
.sev-critical { background:#8e0000; } .sev-high { background:var(--red); } .sev-medium { background:var(--amber); } .sev-low { background:#7b8794; }
footer { margin-top:24px; border-top:1px solid var(--line); padding-top:8px; color:var(--muted); font-size:12px; }
footer dl { display:grid; grid-template-columns:max-content 1fr; gap:2px 12px; margin:4px 0; }
footer dt { font-weight:bold; } footer dd { margin:0; word-break:break-all; }
@page { size:A4; margin:12mm; }
@media screen and (max-width:760px) { .cards, .charts, .problems { grid-template-columns:1fr; } }
@media print {
  body { background:#fff; font-size:11px; }
  .page { max-width:none; padding:0; }
  h1 { font-size:22px; } h2 { font-size:15px; margin:14px 0 8px; }
  .cards { grid-template-columns:repeat(3, 1fr); gap:8px; }
  .card-value { font-size:24px; }
  .charts { grid-template-columns:1fr 1fr; gap:8px; }
  .problems { grid-template-columns:repeat(3, 1fr); gap:8px; }
  th, td { padding:3px 5px; }
  section { break-inside:auto; }
  h2 { break-after:avoid; }
}
"""


VIOLATIONS_SHOWN = 6  # the page lists the most severe few; -o json has up to --top


def _e(value: object) -> str:
    return escape(str(value))


def _card(ind: Indicator, report: Report, lang: str) -> str:
    if ind.met is None:
        cls = "nodata"
    elif ind.met:
        cls = "met"
    else:
        cls = "miss-far" if (ind.value or 0) < ind.target * 0.6 else "miss"
    ref = text.plan_ref(ind, lang)
    fill = 0 if ind.value is None else min(ind.value, 1.0) * 100
    return (
        f'<div class="card {cls}" data-indicator="{_e(ind.id)}">'
        f'<div class="card-title">{_e(text.title(ind, lang))}{f" <span class=ref>{_e(ref)}</span>" if ref else ""}</div>'
        f'<div class="card-value">{_e(text.pct(ind.value))}<span class="card-count">{_e(text.count(ind.numerator, ind.denominator))}</span></div>'
        f'<div class="meter"><div class="fill" style="width:{fill:.1f}%"></div><div class="tick" style="left:{ind.target * 100:.1f}%"></div></div>'
        f'<div class="card-line">{_e(t("report.target_by", lang, target=text.pct(ind.target, 0), deadline=text.deadline(ind, lang)))}</div>'
        f'<div class="card-gap">{_e(text.status(ind, lang))}{"" if not ind.gap else " · " + _e(text.gap(ind, lang))}</div>'
        f'<div class="card-line">{_e(t("report.col.source", lang))}: {_e(text.indicator_source(ind, lang))}</div>'
        "</div>"
    )


def _charts(report: Report, lang: str) -> str:
    figs = []
    title = t("report.chart.coverage", lang)
    rows = [(text.county(c, lang, short=True), c.coverage) for c in report.counties]
    figs.append((title, svg.bars("coverage", title, rows, target=1.0, target_label=t("report.chart.target", lang) + " 100%")))
    title = t("report.chart.progress", lang)
    items = [svg.Progress(text.title(i, lang), i.value, i.target) for i in report.indicators]
    figs.append((title, svg.progress("progress", title, items)))
    if report.waves:
        figs.append(_burndown(report, lang))
    migration = _migration_trend(report, lang)
    if migration is not None:
        figs.append(migration)
    trend = report.trends.get("village_access")
    if trend and len(trend) >= 2:
        title = t("report.chart.trend", lang)
        fmt = "%m-%d %H:%M" if (trend[-1].at - trend[0].at).days >= 1 else "%H:%M:%S"
        points = [(p.at.strftime(fmt), p.value) for p in trend]
        figs.append((title, svg.trend("trend", title, points)))
    return '<div class="charts">' + "".join(f"<figure><figcaption>{_e(c)}</figcaption>{s}</figure>" for c, s in figs) + "</div>"


def _month_range(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` (YYYY-MM), so a month without a sync is a visible gap."""
    y, m = map(int, first.split("-"))
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _migration_trend(report: Report, lang: str) -> tuple[str, str] | None:
    """上云率 and 信创率 month by month from the store's snapshots (two months at least)."""
    series = {k: {p.month: p.value for p in report.trends.get(k, ()) if p.month} for k in TRENDS}
    seen = sorted({m for values in series.values() for m in values})
    if len(seen) < 2:
        return None
    months = _month_range(seen[0], seen[-1])
    colors = {"cloud_migration": svg.BLUE, "xinchuang": svg.GREEN}
    lines = [svg.Series(text.title(report.indicator(k), lang), [series[k].get(m) for m in months], report.indicator(k).target, colors[k])
             for k in TRENDS if series[k]]
    title = t("report.chart.migration_trend", lang)
    return title, svg.monthly("migration_trend", title, months, lines, t("report.chart.target", lang))


def _ratio_cell(num: int | None, den: int, ratio: float | None, target: float = 1.0) -> str:
    if num is None:
        return "<td>—</td>"
    cls = "good" if ratio is not None and ratio >= target else ("bad" if ratio is not None and ratio < 0.6 * target else "")
    return f'<td class="{cls}">{num}/{den} ({_e(text.pct(ratio, 0))})</td>'


def _counties(report: Report, lang: str) -> str:
    cols = ["report.county.name", "report.county.villages", "report.county.nodes_up", "report.county.ipv6", "report.county.uplink", "report.county.systems"]
    if report.reporting is not None:
        cols.append("report.county.reporting")
    head = "".join(f"<th>{_e(t(c, lang))}</th>" for c in cols)
    body = []
    for c in report.counties:
        uplink_cls = "" if c.gigabit is None else ("good" if c.gigabit else "bad")
        body.append(
            f'<tr data-county="{_e(c.county)}"><td>{_e(text.county(c, lang))}</td>'
            + _ratio_cell(c.villages_connected, c.villages, c.coverage)
            + ("<td>—</td>" if c.nodes_up is None else f"<td>{c.nodes_up}/{c.nodes}</td>")
            + _ratio_cell(c.ipv6_nodes, c.ipv6_known or 0, c.ipv6_ratio)
            + f'<td class="{uplink_cls}">{_e(text.mbps(c.core_uplink_mbps))}</td>'
            + (f"<td>{c.systems_on_cloud}/{c.systems}</td>" if c.systems else "<td>—</td>")
            + ("" if report.reporting is None else f'<td class="{"" if c.nodes_observed == c.nodes else "bad"}">{c.nodes_observed}/{c.nodes}</td>')
            + "</tr>"
        )
    cs = report.counties
    vt = sum(c.villages for c in cs)
    vc = None if any(c.villages_connected is None for c in cs) else sum(c.villages_connected or 0 for c in cs)
    nt = sum(c.nodes for c in cs)
    up = None if any(c.nodes_up is None for c in cs) else sum(c.nodes_up or 0 for c in cs)
    v6 = None if any(c.ipv6_nodes is None for c in cs) else sum(c.ipv6_nodes or 0 for c in cs)
    v6_known = sum(c.ipv6_known or 0 for c in cs)
    st, so = sum(c.systems for c in cs), sum(c.systems_on_cloud for c in cs)
    gig = sum(1 for c in cs if c.gigabit)
    observed = sum(c.nodes_observed or 0 for c in cs)
    foot = (
        f"<tr><td>{_e(t('report.county.total', lang))}</td>"
        + _ratio_cell(vc, vt, vc / vt if vc is not None and vt else None)
        + ("<td>—</td>" if up is None else f"<td>{up}/{nt}</td>")
        + _ratio_cell(v6, v6_known, v6 / v6_known if v6 is not None and v6_known else None)
        + f"<td>≥1 Gbit/s: {gig}/{len(cs)}</td>"
        + f"<td>{so}/{st}</td>"
        + ("" if report.reporting is None else f"<td>{observed}/{nt}</td>")
        + "</tr>"
    )
    return f'<table class="counties"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody><tfoot>{foot}</tfoot></table>'


def _waves(report: Report, lang: str) -> str:
    cols = ["report.wave.name", "report.wave.period", "report.wave.status", "report.wave.total", "report.wave.migrated", "report.wave.in_progress", "report.wave.remaining"]
    head = "".join(f"<th>{_e(t(c, lang))}</th>" for c in cols)
    rows = "".join(
        f'<tr data-wave="{_e(w.id)}"><td>{_e(w.name)}</td><td>{w.start.isoformat()} – {w.end.isoformat()}</td>'
        f"<td>{_e(t('report.wave.' + w.status, lang))}</td><td>{w.total}</td><td>{w.migrated}</td><td>{w.in_progress}</td>"
        f'<td class="{"bad" if w.remaining and w.status == "done" else ""}">{w.remaining}</td></tr>'
        for w in report.waves
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _short(name: str) -> str:
    """A wave's name without its parenthesised remark, for chart labels: 第一批迁移（2023年上半年） → 第一批迁移."""
    for sep in ("（", "("):
        name = name.split(sep, 1)[0]
    return name.strip()


def _burndown(report: Report, lang: str) -> tuple[str, str]:
    title = t("report.chart.burndown", lang)
    bars = [svg.WaveBar(_short(w.name), w.migrated, w.in_progress, max(0, w.remaining - w.in_progress)) for w in report.waves]
    legend = [t("report.wave.migrated", lang), t("report.wave.in_progress", lang), t("report.wave.remaining", lang)]
    return title, svg.burndown("burndown", title, bars, legend, t("report.chart.remaining_line", lang))


def _more(total: int | None, shown: int, lang: str) -> str:
    if total is None or total <= shown:
        return ""
    return f'<p class="card-line">{_e(t("report.problems.more", lang, n=total - shown))}</p>'


def _unknown(key: str, n: int | None, lang: str) -> str:
    return f'<p class="card-line" data-unknown>{_e(t(key, lang, n=n))}</p>' if n else ""


def _problems(report: Report, lang: str) -> str:
    p = report.problems
    none = f'<p class="card-line">{_e(t("report.problems.none", lang))}</p>'
    # nodes down
    if p.nodes_down_total is None:
        nodes = f'<div class="problem"><h3>{_e(t("report.problems.nodes_down_unknown", lang))}</h3><p class="card-line">{_e(t("report.source.none", lang))}</p></div>'
    else:
        rows = "".join(
            f"<tr><td>{_e(d.node)}<br><small>{_e(d.county)}</small></td><td>{_e(text.down_for(d.down_seconds, lang))}</td></tr>" for d in p.nodes_down
        )
        nodes = (
            f'<div class="problem" data-problem="nodes_down"><h3>{_e(t("report.problems.nodes_down", lang, total=p.nodes_down_total))}</h3>'
            + (f"<table>{rows}</table>" if rows else none)
            + _more(p.nodes_down_total, len(p.nodes_down), lang)
            + _unknown("report.problems.nodes_unknown", p.nodes_unknown_total, lang)
            + "</div>"
        )
    rows = "".join(
        f"<tr><td>{_e(v.name)}<br><small>{_e(v.county)} {_e(v.township)}</small></td><td>{_e(t('report.reason.' + v.reason, lang))}</td></tr>"
        for v in p.villages_unconnected
    )
    villages = (
        f'<div class="problem" data-problem="villages"><h3>{_e(t("report.problems.villages", lang, total=p.villages_unconnected_total))}</h3>'
        + (f"<table>{rows}</table>" if rows else none)
        + _more(p.villages_unconnected_total, len(p.villages_unconnected), lang)
        + _unknown("report.problems.villages_unknown", p.villages_unknown_total, lang)
        + "</div>"
    )
    if p.violations_by_severity is None:
        body = f'<p class="card-line">{_e(t("report.problems.violations_not_run", lang))}</p>'
    else:
        counts = "".join(
            f'<tr><td><span class="sev sev-{_e(s)}">{_e(t("report.severity." + s, lang))}</span></td><td>{n}</td></tr>'
            for s, n in p.violations_by_severity.items()
        )
        top = "".join(
            f'<tr><td><span class="sev sev-{_e(v.severity)}">{_e(t("report.severity." + v.severity, lang))}</span></td>'
            f"<td>{_e(v.title_zh if lang == 'zh' else v.title_en)}<br><small>{_e(v.record_id)} · {_e(v.location)}</small></td></tr>"
            for v in p.violations[:VIOLATIONS_SHOWN]
        )
        body = f"<table>{counts}</table>" + (f'<table class="detail">{top}</table>' if top else "")
        body += _more(sum(p.violations_by_severity.values()), min(len(p.violations), VIOLATIONS_SHOWN), lang)
    violations = f'<div class="problem" data-problem="violations"><h3>{_e(t("report.problems.violations", lang))}</h3>{body}</div>'
    return f'<div class="problems">{nodes}{villages}{violations}</div>'


def _clouds(report: Report, lang: str) -> str:
    cols = ["report.cloud.provider", "report.cloud.servers", "report.cloud.aarch64", "report.cloud.synced"]
    head = "".join(f"<th>{_e(t(c, lang))}</th>" for c in cols)
    rows = "".join(
        f"<tr><td>{_e(c.provider)}</td><td>{c.servers}</td><td>{c.aarch64}</td>"
        f"<td>{_e(c.synced_at or '—')}{' ' + _e(t('report.cloud.stale', lang)) if c.stale else ''}</td></tr>"
        for c in report.clouds
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _footer(report: Report, lang: str) -> str:
    items = "".join(f"<dt>{_e(text.source(k, lang))}</dt><dd>{_e(v)}</dd>" for k, v in report.sources.items())
    notes = "".join(f"<li>{_e(n.text(lang))}</li>" for n in report.notes)
    return (
        f"<footer><strong>{_e(t('report.sources', lang))}</strong><dl>{items}</dl>"
        + (f"<strong>{_e(t('report.notes', lang))}</strong><ul>{notes}</ul>" if notes else "")
        + f"<p>{_e(t('report.footer', lang))}</p></footer>"
    )


def _headline(report: Report, lang: str) -> str:
    """One line a manager reads first: targets met, nodes down, villages off the network, violations."""
    known = [i for i in report.indicators if i.met is not None]
    met = sum(1 for i in known if i.met)
    p = report.problems
    parts = [("good" if met == len(known) else "bad", t("report.headline.met", lang, met=met, total=len(known)))]
    if report.reporting is not None:
        parts.append(("good" if report.reporting.complete else "bad", text.reporting(report.reporting, lang)))
    if p.nodes_down_total is not None:
        parts.append(("bad" if p.nodes_down_total else "good", t("report.headline.nodes_down", lang, n=p.nodes_down_total)))
    parts.append(("bad" if p.villages_unconnected_total else "good", t("report.headline.villages", lang, n=p.villages_unconnected_total)))
    if p.violations_by_severity is not None:
        n = sum(p.violations_by_severity.values())
        parts.append(("bad" if n else "good", t("report.headline.violations", lang, n=n)))
    return '<p class="headline">' + "".join(f'<span class="{c}">{_e(x)}</span>' for c, x in parts) + "</p>"


def render_html(report: Report, lang: str) -> str:
    """The whole page as one string."""
    when = report.generated_at.astimezone().strftime("%Y-%m-%d %H:%M %Z")
    sections = [
        ("indicators", t("report.section.indicators", lang), '<div class="cards">' + "".join(_card(i, report, lang) for i in report.indicators) + "</div>"),
        ("charts", t("report.section.charts", lang), _charts(report, lang)),
        ("counties", t("report.section.counties", lang), _counties(report, lang)),
        ("problems", t("report.section.problems", lang), _problems(report, lang)),
    ]
    if report.waves:
        sections.append(("waves", t("report.section.waves", lang), _waves(report, lang)))
    if report.clouds:
        sections.append(("clouds", t("report.section.clouds", lang), _clouds(report, lang)))
    body = "".join(f'<section id="{sid}"><h2>{_e(title)}</h2>{html}</section>' for sid, title, html in sections)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(t('report.title', lang))} {report.today.isoformat()}</title><style>{CSS}</style></head>"
        '<body><main class="page"><header>'
        f"<h1>{_e(t('report.title', lang))}</h1>"
        f'<p class="sub">{_e(t("report.subtitle", lang))}</p>'
        f'<p class="meta">{_e(t("report.generated", lang, time=when))}</p>'
        f"{_headline(report, lang)}</header>{body}{_footer(report, lang)}</main></body></html>\n"
    )


def write_html(report: Report, path: str | os.PathLike[str], lang: str) -> Path:
    """Write the page atomically (temp file in the same directory, then rename): never half a report."""
    path = Path(path)
    page = render_html(report, lang)
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(page)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise CloudctlError(
            f"cannot write the report to {path}: {exc.strerror or exc}", hint="choose a writable file path for --html"
        ) from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return path
