"""The indicator report as an Excel workbook (``cloudctl report --xlsx FILE``), for the monthly report.

One sheet per subject, each a filterable table with typed cells (ratios as percentages, dates
as dates): the indicators with target and gap, the 13 counties, one sheet per county with its
problems (villages not connected, nodes down), every node down, every village not connected,
the migration waves and the policy violations. Headers are in the report's language.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from cloudctl.i18n import t
from cloudctl.report import text
from cloudctl.report.model import CountyRow, Report
from cloudctl.sheets import Sheet, write_xlsx

RATIOS = {"value", "target", "gap", "coverage", "ipv6_ratio", "migration_ratio"}


def _sheet(name: str, columns: list[str], rows: list[dict[str, Any]], lang: str, title: str | None = None) -> Sheet:
    return Sheet(name, columns, rows, [t(f"col.{c}", lang) for c in columns], RATIOS & set(columns), title)


def _r(x: float | None) -> float | None:
    """Ratios rounded as the report's JSON rounds them (6 places), so the workbook says the same."""
    return None if x is None else round(x, 6)


def indicator_rows(rep: Report, lang: str) -> list[dict[str, Any]]:
    """The indicators as records (also ``report -o csv``)."""
    return [
        {"id": i.id, "title": text.title(i, lang), "plan_ref": i.plan_ref, "value": _r(i.value), "numerator": i.numerator,
         "denominator": i.denominator, "target": _r(i.target), "gap": _r(i.gap), "met": i.met, "deadline": i.deadline,
         "days_left": None if i.deadline is None else (i.deadline - rep.today).days, "source": text.source(i.source, lang)}
        for i in rep.indicators
    ]


def _county_title(c: CountyRow, lang: str) -> str:
    return t("report_xlsx.county_title", lang, county=text.county(c, lang), connected=c.villages_connected, villages=c.villages,
             coverage=text.pct(c.coverage), up="—" if c.nodes_up is None else c.nodes_up, nodes=c.nodes)


def sheets(rep: Report, lang: str) -> list[Sheet]:
    """Every sheet of the workbook, in order."""
    p = rep.problems
    out = [_sheet(t("report_xlsx.indicators", lang),
                  ["id", "title", "plan_ref", "value", "numerator", "denominator", "target", "gap", "met", "deadline", "days_left", "source"],
                  indicator_rows(rep, lang), lang, f"{t('report.title', lang)}  {rep.today.isoformat()}")]
    counties = [{**{k: _r(v) if isinstance(v, float) else v for k, v in dataclasses.asdict(c).items()}, "name": text.county(c, lang)}
                for c in rep.counties]
    out.append(_sheet(t("report_xlsx.counties", lang),
                      ["county", "name", "villages", "villages_connected", "coverage", "nodes", "nodes_up", "ipv6_nodes", "ipv6_known",
                       "ipv6_ratio", "core_uplink_mbps", "gigabit", "systems", "systems_on_cloud", "migration_ratio"], counties, lang))
    villages = [{"county": v.county, "township": v.township, "village": v.name, "site": v.village, "reason": t(f"report.reason.{v.reason}", lang)}
                for v in p.villages_unconnected]
    down = [{"county": d.county, "node": d.node, "site": d.site, "role": d.role, "last_success": d.last_success,
             "down_days": None if d.down_seconds is None else round(d.down_seconds / 86400, 1)} for d in p.nodes_down]
    never = t("report.problems.never", lang)
    for c in rep.counties:
        rows = [{"problem": t("report_xlsx.village_not_connected", lang), "township": v["township"], "name": v["village"],
                 "reason": v["reason"], "last_success": None, "down_days": None} for v in villages if v["county"] == c.name]
        rows += [{"problem": t("report_xlsx.node_down", lang), "township": d["site"], "name": d["node"],
                  "reason": never if d["last_success"] is None else "", "last_success": d["last_success"], "down_days": d["down_days"]}
                 for d in down if d["county"] == c.name]
        out.append(_sheet(text.county(c, lang, short=True), ["problem", "township", "name", "reason", "last_success", "down_days"],
                          rows, lang, _county_title(c, lang)))
    out.append(_sheet(t("report_xlsx.nodes_down", lang), ["county", "node", "site", "role", "last_success", "down_days"], down, lang,
                      None if p.nodes_down_total is not None else t("report.problems.nodes_down_unknown", lang)))
    out.append(_sheet(t("report_xlsx.villages", lang), ["county", "township", "village", "site", "reason"], villages, lang))
    out.append(_sheet(t("report_xlsx.waves", lang),
                      ["id", "name", "start", "end", "status", "total", "migrated", "in_progress", "remaining", "verified"],
                      [{**w.row(), "status": t(f"report.wave.{w.status}", lang)} for w in rep.waves], lang))
    violations = [{"policy_id": v.policy_id, "severity": t(f"report.severity.{v.severity}", lang),
                   "title": v.title_zh if lang == "zh" else v.title_en, "record_id": v.record_id, "location": v.location,
                   "message": v.message} for v in p.violations]
    out.append(_sheet(t("report_xlsx.violations", lang), ["policy_id", "severity", "title", "record_id", "location", "message"], violations,
                      lang, None if p.violations_by_severity is not None else t("report.problems.violations_not_run", lang)))
    return out


def write_workbook(rep: Report, path: Path, lang: str) -> Path:
    """Write the report workbook atomically; ``rep`` should be built with every problem (no ``top`` cut)."""
    return write_xlsx(Path(path), sheets(rep, lang))
