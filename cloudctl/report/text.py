"""How report numbers read in words (one place for both the terminal and the HTML renderers)."""

from __future__ import annotations

from cloudctl.i18n import MESSAGES, t
from cloudctl.report.model import CountyRow, Coverage, Indicator


def pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def count(num: int | None, den: int | None) -> str:
    if num is None or den is None:
        return "—"
    return f"{num}/{den}"


def title(ind: Indicator, lang: str) -> str:
    """The indicator's title: the catalog's, else the one its defining module gave."""
    key = f"report.ind.{ind.id}"
    if key in MESSAGES:
        return t(key, lang)
    return (ind.title_zh if lang == "zh" else ind.title_en) or ind.id


def plan_ref(ind: Indicator, lang: str) -> str:
    return t("report.plan_ref", lang, n=ind.plan_ref) if ind.plan_ref else ""


def status(ind: Indicator, lang: str) -> str:
    if ind.met is None:
        return t("report.no_data", lang)
    return t("report.met" if ind.met else "report.not_met", lang)


def gap(ind: Indicator, lang: str) -> str:
    if ind.gap is None:
        return "—"
    if ind.gap == 0:
        return t("report.met", lang)
    return t("report.gap_points", lang, gap=f"{ind.gap * 100:.1f}")


def deadline(ind: Indicator, lang: str, *, short: bool = False) -> str:
    """"2025-12-31 (N days left)" or "(N days past the deadline)" while not met; ``short`` for tables.

    N is the indicator's ``days_left`` (negative once the deadline has passed), the number
    ``migrate kpis`` prints.
    """
    if ind.deadline is None:
        return "—"
    text = ind.deadline.isoformat()
    if ind.met is not False or ind.days_left is None:  # met, or no data to judge
        return text
    days = ind.days_left
    key = ("report.days_left" if days >= 0 else "report.overdue") + ("_short" if short else "")
    return f"{text} ({t(key, lang, days=abs(days))})"


def source(name: str, lang: str) -> str:
    key = f"report.source.{name}"
    return t(key, lang) if key in MESSAGES else name


def reporting(cov: Coverage | None, lang: str) -> str:
    """"13 of 13 counties reporting" (with the nodes when some are missing); "" without agent data."""
    if cov is None:
        return ""
    if cov.complete:
        return t("report.reporting", lang, reporting=cov.counties_reporting, counties=cov.counties)
    return t("report.reporting_nodes", lang, reporting=cov.counties_reporting, counties=cov.counties,
             observed=cov.nodes_observed, nodes=cov.nodes)


def indicator_source(ind: Indicator, lang: str) -> str:
    """Where an indicator's number comes from, and what the agent data behind it covers."""
    cov = reporting(ind.reporting, lang)
    return source(ind.source, lang) + (f" · {cov}" if cov else "")


def duration(seconds: float | None, lang: str) -> str:
    if seconds is None:
        return t("report.problems.never", lang)
    s = int(seconds)
    d, h, m = s // 86400, (s % 86400) // 3600, (s % 3600) // 60
    if d:
        return t("report.duration.days", lang, d=d, h=h)
    if h:
        return t("report.duration.hours", lang, h=h, m=m)
    return t("report.duration.minutes", lang, m=m)


def down_for(seconds: float | None, lang: str) -> str:
    if seconds is None:
        return t("report.problems.never", lang)
    return t("report.problems.down_for", lang, duration=duration(seconds, lang))


def mbps(value: int | None) -> str:
    if value is None:
        return "—"
    return f"{value // 1000} Gbit/s" if value >= 1000 and value % 1000 == 0 else f"{value} Mbit/s"


def county(row: "CountyRow", lang: str, *, short: bool = False) -> str:
    """离石区 in Chinese; "Lishi Qu 离石区" in English (just "Lishi Qu" where space is short)."""
    if lang == "zh" or not row.pinyin:
        return row.name
    return row.pinyin if short else f"{row.pinyin} {row.name}"
