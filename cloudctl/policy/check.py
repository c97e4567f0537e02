"""``run_check``: evaluate policies on the inventory (and store, and repo config files); apply waivers."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cloudctl.errors import Location
from cloudctl.i18n import MESSAGES, language, t
from cloudctl.inventory.loader import Inventory
from cloudctl.model import KINDS as CLOUD_KINDS
from cloudctl.policy import compile as comp
from cloudctl.policy import repo_files
from cloudctl.policy.loader import LoadedPolicy, LoadedWaiver, PolicySet, display, load_policies
from cloudctl.policy.fields import lookup
from cloudctl.policy.model import SEVERITIES
from cloudctl.policy.records import Sources

DISCOVER = "discover"  # config_files default: look for them next to the inventory (its parent dir)


@dataclass(slots=True)  # not frozen: a frozen init costs a third of the check at 70,000 violations
class Violation:
    policy_id: str
    severity: str
    title_zh: str
    title_en: str
    kind: str  # the resource kind of the record (system, node, ..., kpi)
    record_id: str
    location: Location
    message: str
    waived: bool = False
    waiver: str = ""  # "reason (approver, until YYYY-MM-DD)" when waived


@dataclass(frozen=True)
class Skipped:
    policy_id: str
    reason: str  # "effective from YYYY-MM-DD" | "needs a store"


@dataclass(frozen=True)
class Unverified:
    """Records a policy could not decide here: a field it reads has its "cannot tell" value."""

    policy_id: str
    kind: str
    count: int
    field: str
    value: str  # e.g. "unresolved"
    references: tuple[str, ...] = ()  # what would decide it (env:NAME, file:PATH), never a secret's value


@dataclass
class CheckResult:
    policies: list[LoadedPolicy]
    violations: list[Violation] = field(default_factory=list)
    expired_waivers: list[LoadedWaiver] = field(default_factory=list)
    unused_waivers: list[LoadedWaiver] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    unverified: list[Unverified] = field(default_factory=list)
    evaluated: dict[str, int] = field(default_factory=dict)  # policy id -> records looked at
    today: dt.date = field(default_factory=dt.date.today)

    def by_severity(self) -> dict[str, int]:
        """Unwaived violations per severity (every severity present, most severe first)."""
        c = Counter(v.severity for v in self.violations if not v.waived)
        return {s: c.get(s, 0) for s in SEVERITIES}

    def exit_code(self, fail_on: str = "low") -> int:
        """1 when an unwaived violation at or above ``fail_on`` exists, else 0."""
        if fail_on not in SEVERITIES:
            raise ValueError(f"unknown severity {fail_on!r}")
        limit = SEVERITIES.index(fail_on)
        return int(any(not v.waived and SEVERITIES.index(v.severity) <= limit for v in self.violations))


def _kpi(lp: LoadedPolicy, rows: list[dict]) -> tuple[int, list[Violation]]:
    p = lp.policy
    assert p.ratio is not None and p.target is not None
    ratio = p.ratio
    den = comp.predicate(ratio.denominator, ratio.of)(rows)
    num = comp.predicate(ratio.numerator, ratio.of)(den)
    if not den:
        return 0, []
    value = len(num) / len(den)
    if value >= p.target:
        return 1, []
    msg = t("policy.msg.kpi", id=p.id, value=f"{value:.1%}", num=len(num), den=len(den), of=ratio.of, target=f"{p.target:.0%}",
            gap=f"{p.target - value:.1%}")
    return 1, [Violation(p.id, p.severity, p.title.zh, p.title.en, "kpi", p.id, lp.target_location, msg)]


def _needs(policies: list[LoadedPolicy]) -> dict[str, set[str]]:
    """Per record kind, every field any policy names: each kind's records are built once."""
    needs: dict[str, set[str]] = defaultdict(set)
    for lp in policies:
        p = lp.policy
        if p.ratio is not None:
            needs[p.ratio.of] |= comp.used_fields(p.ratio.denominator) | comp.used_fields(p.ratio.numerator)
        else:
            needs[p.resource] |= comp.used_fields(p.filters)
    return needs


def _unverified(p: Any, kind: str, rows: list[dict], flagged: list[dict]) -> list[Unverified]:
    """Per field with a "cannot tell" value (FieldSpec.unknown): the records not flagged that have it."""
    out = []
    hit = {id(r) for r in flagged}
    for name in sorted(comp.used_fields(p.filters)):
        spec = lookup(kind, name)
        if spec is None or spec.unknown is None:
            continue
        undecided = [r for r in rows if r.get(name) == spec.unknown and id(r) not in hit]
        if undecided:
            refs = tuple(sorted({str(r[f"{name}_ref"]) for r in undecided if r.get(f"{name}_ref")}))
            out.append(Unverified(p.id, kind, len(undecided), name, spec.unknown, refs))
    return out


def _evaluate(policies: list[LoadedPolicy], src: Sources, result: CheckResult) -> tuple[list[Violation], dict[str, int]]:
    tables = {kind: src.build(kind, names) for kind, names in _needs(policies).items()}
    out: list[Violation] = []
    counted: dict[str, int] = {}
    for lp in policies:
        p = lp.policy
        if p.ratio is not None:
            counted[p.id], found = _kpi(lp, tables[p.ratio.of].rows)
            out += found
            continue
        kind, table = p.resource, tables[p.resource]
        kind_word = t(f"policy.kind.{kind}") if f"policy.kind.{kind}" in MESSAGES else t(f"cli.kind.{kind}")
        counted[p.id] = len(table.rows)
        shown = sorted(comp.used_fields(p.filters) - {"id"})
        flagged = comp.predicate(p.filters, kind)(table.rows)
        result.unverified += _unverified(p, kind, table.rows, flagged)
        for r in flagged:
            rid = r["id"]
            name = table.name(rid)
            zh = language() == "zh"
            label = f"{kind_word} {rid}" + ((f"（{name}）" if zh else f" ({name})") if name and name != rid else "")
            facts = t("cli.list_sep").join([f"{f}={_show(r[f])}" for f in shown])
            title = p.title.zh if zh else p.title.en
            msg = t("policy.msg.record_facts", label=label, title=title, facts=facts) if facts else t("policy.msg.record", label=label, title=title)
            out.append(Violation(p.id, p.severity, p.title.zh, p.title.en, kind, rid, table.locate(rid), msg))
    return out, counted


_SHOWN = {None: "none", True: "true", False: "false"}


def _show(value: Any) -> str:
    if value is None or value is True or value is False:
        return _SHOWN[value]
    return str(value)


def _apply_waivers(violations: list[Violation], waivers: list[LoadedWaiver], today: dt.date, result: CheckResult) -> list[Violation]:
    active: dict[tuple[str, str], LoadedWaiver] = {}
    for lw in waivers:
        w = lw.waiver
        if w.expires < today:
            result.expired_waivers.append(lw)
            continue
        for rid in w.records:
            active.setdefault((w.policy, rid), lw)
    used: set[int] = set()
    out = []
    for v in violations:
        lw = active.get((v.policy_id, v.record_id))
        if lw is None:
            out.append(v)
            continue
        used.add(id(lw))
        w = lw.waiver
        out.append(dataclasses.replace(v, waived=True, waiver=t("policy.msg.waiver", reason=w.reason, approver=w.approver, expires=w.expires)))
    undecided = {u.policy_id for u in result.unverified}  # a waiver there may be needed: we could not tell
    result.unused_waivers = [lw for lw in waivers if id(lw) not in used and lw not in result.expired_waivers and lw.waiver.policy not in undecided]
    return out


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Evaluation allocates many small acyclic objects next to a large inventory; the cyclic GC
    would rescan that inventory over and over (a third of the CPU time at 10,000 systems)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def run_check(
    paths: list[Path],
    inv: Inventory,
    store: Any = None,
    *,
    today: dt.date | None = None,
    config_files: list[Path] | str = DISCOVER,
    policies: PolicySet | None = None,
    platforms: Mapping[str, str | None] | None = None,
) -> CheckResult:
    """Load the policies in ``paths`` and evaluate them.

    ``store``: anything with ``resources(kind=...)`` (cloud evidence; policies on cloud kinds are
    skipped without it). ``config_files``: the repository's config files that the SNMP and secret
    policies read; by default those matching ``repo_files.DEFAULT_GLOBS`` in the inventory's
    parent directory (the repository root). ``today`` decides effective dates and waiver expiry.
    ``platforms``: provider name -> ``platform:`` of cloudctl.yaml (which clouds are 信创; the
    derived field ``on_xinchuang`` reads it).
    Raises ``PolicyFileError`` (invalid policy files) or ``ConfigError`` (unreadable config files).
    """
    today = today or dt.date.today()
    pset = policies or load_policies(paths)
    result = CheckResult(pset.policies, today=today)
    runnable = []
    for lp in pset.policies:
        p = lp.policy
        if p.effective and today < p.effective:
            result.skipped.append(Skipped(p.id, t("policy.skip.effective", date=p.effective)))
        elif p.resource in CLOUD_KINDS and store is None:
            result.skipped.append(Skipped(p.id, t("policy.skip.needs_store")))
        else:
            runnable.append(lp)
    repo = None
    if any(lp.policy.resource in ("node", "secret") for lp in runnable):
        files = repo_files.discover(inv.root.resolve().parent) if config_files == DISCOVER else list(config_files)
        repo = repo_files.read(files, {f: display(f) for f in files}, inv.root)
    with _gc_paused():
        violations, result.evaluated = _evaluate(runnable, Sources(inv, store, repo, platforms=dict(platforms or {})), result)
    result.violations = _apply_waivers(violations, pset.waivers, today, result)
    order = {s: i for i, s in enumerate(SEVERITIES)}
    result.violations.sort(key=lambda v: (order[v.severity], v.policy_id, v.location.path, v.location.line, v.location.col, v.record_id))
    return result

