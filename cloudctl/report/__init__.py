"""The plan's indicators as a report: data (``data.py``), terminal (in the CLI) and HTML (``html.py``).

    report = build_report(inv, observations=load_metrics(url), store=store, policy_paths=[...])
    write_html(report, path, lang="zh")
"""

from cloudctl.report.data import build_report
from cloudctl.report.model import Indicator, Report
from cloudctl.report.observe import Observations, load_metrics, parse_metrics, query_prometheus

__all__ = ["Indicator", "Observations", "Report", "build_report", "load_metrics", "parse_metrics", "query_prometheus"]
