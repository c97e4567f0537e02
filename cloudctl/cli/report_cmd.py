"""``cloudctl report``: the plan's indicators in the terminal, as JSON, or as one HTML file."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from cloudctl.cli.options import InventoryOpt, StoreOpt
from cloudctl.cli.render import Format

if TYPE_CHECKING:  # pragma: no cover
    from cloudctl.report.model import Report

# Whole documents: --columns does not apply (jsonl and csv are the indicators, one per row).
DOCUMENTS = (Format.table, Format.json, Format.yaml, Format.xlsx)


class Lang(str, enum.Enum):
    zh = "zh"
    en = "en"


def report(
    html: Annotated[Optional[Path], typer.Option("--html", help="Also write the report as one self-contained HTML file.", show_default=False)] = None,
    xlsx: Annotated[Optional[Path], typer.Option("--xlsx", help="Also write the report as an Excel workbook: indicators, counties, one sheet per county, nodes down, villages, waves, violations.", show_default=False)] = None,
    lang: Annotated[Optional[Lang], typer.Option("--lang", help="Language of the report: zh or en (default: --lang before the command, config, locale).", show_default=False)] = None,
    prometheus: Annotated[Optional[str], typer.Option("--prometheus", help="Prometheus server scraping the agents (adds trends), e.g. http://127.0.0.1:9090.", show_default=False)] = None,
    metrics: Annotated[Optional[list[str]], typer.Option("--metrics", help="An agent's /metrics URL, or a file saved from it; repeat it for several agents (one per county shard).", show_default=False)] = None,
    store: StoreOpt = None,
    no_store: Annotated[bool, typer.Option("--no-store", help="Use the inventory only, not the cloud snapshots.")] = False,
    policies: Annotated[Optional[list[Path]], typer.Option("--policies", help="Policy files or directories to count violations from (default: ./policies next to the inventory).", show_default=False)] = None,
    inventory: InventoryOpt = None,
    output: Annotated[Format, typer.Option("--output", "-o", help="table, json or yaml (the whole report); csv or jsonl (the indicators); xlsx (the workbook, needs --out).", case_sensitive=False)] = Format.table,
    top: Annotated[int, typer.Option("--top", min=1, help="How many entries each problem list shows.")] = 10,
    today: Annotated[Optional[str], typer.Option("--today", help="Report as of this date: days to the deadline, effective dates, waivers (YYYY-MM-DD; default: today).", show_default=False)] = None,
) -> None:
    """The plan's indicators: village access, IPv6, gigabit backbone, 上云率, 信创 rate, waves, the 13 counties, top problems.

    Sources: the inventory, the cloud snapshots (unless --no-store) and the agents, read from
    their /metrics (--metrics, once per agent) or from Prometheus (--prometheus, the whole
    fleet). Nodes no agent reports on are unknown, not down: the city's extranet figures need
    every county, and the report says how many report. Without agent data the village rate
    counts villages with a planned node. -o json prints the same numbers for scripts; --html
    writes a printable page and --xlsx a workbook for the monthly report (Chinese by default
    under a zh locale).

    Example:  cloudctl report --metrics http://127.0.0.1:9877/metrics --xlsx out/report.xlsx
    """
    from cloudctl import i18n
    from cloudctl.cli import render
    from cloudctl.cli.migrate_cmd import _date, platforms
    from cloudctl.cli.options import inventory_dir
    from cloudctl.cli.output import note
    from cloudctl.errors import UsageError
    from cloudctl.i18n import t
    from cloudctl.inventory import load_inventory
    from cloudctl.report import build_report, load_metrics, query_prometheus
    from cloudctl.report.observe import merge
    from cloudctl.report.html import write_html

    if metrics and prometheus:
        raise UsageError(t("report.err.metrics_and_prometheus"), hint=t("report.hint.metrics_and_prometheus"))
    opts = render.listing()
    if output in DOCUMENTS and opts.columns:
        raise UsageError(t("cli.columns_not_here", fmt=output.value), hint=t("cli.columns_not_here.hint", formats="csv|jsonl"))
    if output is Format.xlsx:
        if opts.out is None:
            raise UsageError(t("cli.xlsx_needs_out"), hint=t("cli.xlsx_needs_out.hint"))
        xlsx = opts.out
    day = _date(today)
    language = lang.value if lang else i18n.language()
    root = inventory_dir(inventory)
    inv = load_inventory(root)
    observations = None
    if metrics:
        observations = merge([load_metrics(m) for m in metrics])
    elif prometheus:
        observations = query_prometheus(prometheus)
    policy_paths = policies if policies else _default_policies(root)
    st = None if no_store else _open_store(store, note)
    try:
        rep = build_report(inv, observations=observations, store=st, policy_paths=policy_paths, top=top, today=day, platforms=platforms(st))
        # The workbook lists every problem, not the top few.
        full = (build_report(inv, observations=observations, store=st, policy_paths=policy_paths, top=10**9, today=day, platforms=platforms(st))
                if xlsx is not None else None)
    finally:
        if st is not None:
            st.close()
    if output is Format.json:
        render.write_json(rep.to_dict(language))
    elif output is Format.yaml:
        import yaml

        render.write_document(yaml.safe_dump(rep.to_dict(language), allow_unicode=True, sort_keys=False))
    elif output in (Format.csv, Format.jsonl):
        from cloudctl.report.xlsx import indicator_rows

        render.render(indicator_rows(rep, language), output)
    elif output is Format.table:
        _print(rep, language)
    if html is not None:
        path = write_html(rep, html, language)
        note(t("report.written", language, path=path))
    if full is not None and xlsx is not None:
        from cloudctl.report.xlsx import write_workbook

        note(t("report_xlsx.written", language, path=write_workbook(full, xlsx, language)))


def _default_policies(inventory_root: Path) -> list[Path] | None:
    candidate = inventory_root.resolve().parent / "policies"
    return [candidate] if candidate.is_dir() else None


def _open_store(explicit: str | None, note: Any) -> Any:
    """The store the user named (must exist), else the configured one if it exists, else None."""
    from cloudctl.cli.options import store_url
    from cloudctl.i18n import t
    from cloudctl.store import Store, exists

    url = store_url(explicit)
    if explicit is None and not exists(url):
        note(t("report.store_missing", path=url.display))
        return None
    return Store.open(url)


def _print(rep: "Report", lang: str) -> None:
    """The report for a terminal: indicators, counties, waves and problems as Rich tables."""
    from rich.markup import escape
    from rich.table import Table

    from cloudctl.cli.console import stdout_console
    from cloudctl.i18n import t
    from cloudctl.report import text

    console = stdout_console()
    console.print(f"[bold]{t('report.title', lang)}[/bold]  {rep.today.isoformat()}")
    if rep.reporting is not None:
        style = "green" if rep.reporting.complete else "yellow"
        console.print(f"[{style}]{escape(text.reporting(rep.reporting, lang))}[/{style}]")

    ind = Table(title=t("report.section.indicators", lang), title_justify="left", header_style="bold")
    for key in ("indicator", "value", "count", "target", "deadline", "gap", "source"):
        ind.add_column(t(f"report.col.{key}", lang), overflow="fold", no_wrap=key in ("value", "count", "target", "deadline"))
    for i in rep.indicators:
        ref = text.plan_ref(i, lang)
        style = "green" if i.met else ("dim" if i.met is None else "red")
        ind.add_row(
            escape(text.title(i, lang) + (text.paren(ref, lang) if ref else "")),
            f"[{style}]{text.pct(i.value)}[/{style}]",
            text.count(i.numerator, i.denominator),
            text.pct(i.target, 0),
            text.deadline(i, lang, short=True),
            text.gap(i, lang),
            text.indicator_source(i, lang),
        )
    console.print(ind)

    counties = Table(title=t("report.section.counties", lang), title_justify="left", header_style="bold")
    keys = ["name", "villages", "nodes_up", "ipv6", "uplink", "systems"] + (["reporting"] if rep.reporting else [])
    for key in keys:
        counties.add_column(t(f"report.county.{key}", lang), justify="left" if key == "name" else "right")
    for c in rep.counties:
        cells = [
            escape(text.county(c, lang)),
            "—" if c.villages_connected is None else f"{c.villages_connected}/{c.villages} ({text.pct(c.coverage, 0)})",
            "—" if c.nodes_up is None else f"{c.nodes_up}/{c.nodes}",
            "—" if c.ipv6_nodes is None else f"{c.ipv6_nodes}/{c.ipv6_known} ({text.pct(c.ipv6_ratio, 0)})",
            text.mbps(c.core_uplink_mbps) if c.gigabit is not False else f"[red]{text.mbps(c.core_uplink_mbps)}[/red]",
            f"{c.systems_on_cloud}/{c.systems}" if c.systems else "—",
        ]
        if rep.reporting:
            cells.append(f"{c.nodes_observed}/{c.nodes}" if c.nodes_observed == c.nodes else f"[yellow]{c.nodes_observed}/{c.nodes}[/yellow]")
        counties.add_row(*cells)
    console.print(counties)

    if rep.waves:
        waves = Table(title=t("report.section.waves", lang), title_justify="left", header_style="bold")
        for key in ("name", "period", "status", "total", "migrated", "in_progress", "remaining"):
            waves.add_column(t(f"report.wave.{key}", lang))
        for w in rep.waves:
            waves.add_row(escape(w.name), f"{w.start}–{w.end}", t(f"report.wave.{w.status}", lang), str(w.total), str(w.migrated), str(w.in_progress), str(w.remaining))
        console.print(waves)

    _print_trend(rep, lang, console)

    p = rep.problems
    console.print(f"[bold]{t('report.section.problems', lang)}[/bold]")
    if p.nodes_down_total is None:
        console.print(f"  {t('report.problems.nodes_down_unknown', lang)}")
    else:
        console.print(f"  [bold]{t('report.problems.nodes_down', lang, total=p.nodes_down_total)}[/bold]")
        for d in p.nodes_down:
            console.print(f"    {d.node}{text.paren(d.county, lang)}{text.colon(lang)}{text.down_for(d.down_seconds, lang)}", markup=False)
        if p.nodes_unknown_total:
            console.print(f"    {t('report.problems.nodes_unknown', lang, n=p.nodes_unknown_total)}", markup=False)
    console.print(f"  [bold]{t('report.problems.villages', lang, total=p.villages_unconnected_total)}[/bold]")
    for v in p.villages_unconnected:
        console.print(f"    {v.county} {v.township} {v.name}{text.colon(lang)}{t('report.reason.' + v.reason, lang)}", markup=False)
    if p.villages_unknown_total:
        console.print(f"    {t('report.problems.villages_unknown', lang, n=p.villages_unknown_total)}", markup=False)
    console.print(f"  [bold]{t('report.problems.violations', lang)}[/bold]")
    if p.violations_by_severity is None:
        console.print(f"    {t('report.problems.violations_not_run', lang)}")
    else:
        console.print("    " + t("cli.list_sep", lang).join(f"{t('report.severity.' + s, lang)} {n}" for s, n in p.violations_by_severity.items()))
        for v in p.violations:
            severity = t(f"report.severity.{v.severity}", lang)
            title = v.title_zh if lang == "zh" else v.title_en
            console.print(f"    [{severity}] {v.policy_id} {v.record_id}{text.colon(lang)}{title}{text.paren(v.location, lang)}", markup=False)
    for n in rep.notes:
        console.print(n.text(lang), style="dim", markup=False)


def _print_trend(rep: "Report", lang: str, console: Any) -> None:
    """上云率 and 信创率 month by month (from the store's snapshots), when there are any."""
    from rich.table import Table

    from cloudctl.i18n import t
    from cloudctl.report import text
    from cloudctl.report.systems import TRENDS

    months: dict[str, dict[str, Any]] = {}
    for key in TRENDS:
        for p in rep.trends.get(key, ()):
            if p.month:
                months.setdefault(p.month, {"snapshot": p.snapshot})[key] = p
    if not months:
        return
    table = Table(title=t("report.section.trend", lang), title_justify="left", header_style="bold")
    table.add_column(t("report.trend.month", lang))
    for key in TRENDS:
        table.add_column(text.title(rep.indicator(key), lang), justify="right")
    table.add_column(t("report.trend.snapshot", lang), justify="right")
    for month in sorted(months):
        row = months[month]
        cells = [f"{text.pct(row[k].value)} ({text.count(row[k].numerator, row[k].denominator)})" if k in row else "—" for k in TRENDS]
        table.add_row(month, *cells, str(row["snapshot"]))
    console.print(table)
