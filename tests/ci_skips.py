"""Under ``CI=true`` a skipped test fails the run, unless its reason is on the allow-list.

A skip is a test that did not run, and a green run that skipped is only as good as the tests
that ran. Locally, skips are reported (``-ra``) and the run passes; under ``CI=true`` every skip,
xfail or xpass whose reason does not match an entry of ``tests/ci_allowed_skips.yaml`` turns the
exit status into 1, and the terminal summary names each one with where it came from.

The allow-list is YAML: ``allowed: [{reason: REGEX, why: TEXT}, ...]``; ``reason`` must match the
whole skip reason (``re.fullmatch``), ``why`` says why CI may tolerate it. A different list can be
named with ``--ci-allowed-skips PATH`` (the tests of this plugin do).

tests/conftest.py imports these hooks; ``-p tests.ci_skips`` loads them into any pytest run.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

DEFAULT_ALLOW_LIST = Path(__file__).resolve().parent / "ci_allowed_skips.yaml"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@dataclass(frozen=True)
class Allowed:
    reason: re.Pattern[str]
    why: str


def load_allow_list(path: Path) -> list[Allowed]:
    """The entries of an allow-list file; a malformed file is a usage error (exit 4), not silence."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = []
    for i, entry in enumerate(doc.get("allowed") or []):
        if not isinstance(entry, dict) or not str(entry.get("reason", "")).strip() or not str(entry.get("why", "")).strip():
            raise pytest.UsageError(f"{path}: allowed[{i}] needs a non-empty 'reason' (a regular expression) and 'why'")
        out.append(Allowed(re.compile(str(entry["reason"])), str(entry["why"])))
    return out


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--ci-allowed-skips", default=str(DEFAULT_ALLOW_LIST), metavar="PATH",
                     help="allow-list of skip reasons that a CI=true run tolerates (default: tests/ci_allowed_skips.yaml)")


class CiSkips:
    """The plugin object: records every skip, xfail and xpass; fails a CI run on unlisted ones."""

    def __init__(self, allowed: list[Allowed], allow_list: str, ci: bool) -> None:
        self.allowed = allowed
        self.allow_list = allow_list
        self.ci = ci
        self.unlisted: list[tuple[str, str]] = []  # (node id, reason)

    def _record(self, where: str, reason: str) -> None:
        if not any(a.reason.fullmatch(reason) for a in self.allowed):
            self.unlisted.append((where, reason))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.skipped:  # a module-level skip or importorskip: every test in the module is gone
            self._record(report.nodeid or "<collection>", _reason(report))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        xpassed = report.when == "call" and report.passed and hasattr(report, "wasxfail")
        if report.skipped or xpassed:
            self._record(report.nodeid, _reason(report))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.ci and self.unlisted and session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter) -> None:  # noqa: ANN001
        if not (self.ci and self.unlisted):
            return
        tr = terminalreporter
        tr.section("skips that CI does not allow", sep="=", red=True, bold=True)
        for where, reason in self.unlisted:
            tr.write_line(f"SKIPPED {where}: {reason}")
        tr.write_line(f"{len(self.unlisted)} skip(s) whose reason is not on {self.allow_list}: under CI=true a skip "
                      "fails the run. Make the test run (install what it needs: .ci/run), or add the reason to the "
                      "allow-list with why CI may tolerate it.")


def _reason(report: pytest.CollectReport | pytest.TestReport) -> str:
    if hasattr(report, "wasxfail"):
        return f"xfail: {report.wasxfail}" if report.wasxfail else "xfail"
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # (path, line, "Skipped: reason")
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption("--ci-allowed-skips")
    config.pluginmanager.register(CiSkips(load_allow_list(Path(path)), path, in_ci()), "cloudctl-ci-skips")
