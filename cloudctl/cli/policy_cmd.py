"""``cloudctl policy``: check the inventory against the plan's policies; list and explain them."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from cloudctl.cli.migrate_cmd import NoStoreOpt
from cloudctl.cli.options import InventoryOpt, OutputOpt, StoreOpt
from cloudctl.cli.render import Format

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)

PathsArg = Annotated[
    Optional[list[Path]],
    typer.Argument(help="Policy files or directories (default: policies/).", show_default=False),
]


class CheckFormat(str, enum.Enum):
    text = "text"
    json = "json"
    junit = "junit"
    github = "github"
    sarif = "sarif"


class Severity(str, enum.Enum):
    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"


def _paths(paths: list[Path] | None) -> list[Path]:
    return list(paths) if paths else [Path("policies")]


def _load_both(paths: list[Path] | None, inventory: Path | None):  # noqa: ANN202
    """Policies and inventory, reporting the problems of both at once (one CI run shows all)."""
    from cloudctl.cli.migrate_cmd import _inventory
    from cloudctl.errors import InputError, InventoryError, PolicyFileError
    from cloudctl.policy import load_policies

    errors: list[InputError] = []
    pset = inv = None
    try:
        pset = load_policies(_paths(paths))
    except PolicyFileError as exc:
        errors.append(exc)
    try:
        inv = _inventory(inventory)
    except InventoryError as exc:
        errors.append(exc)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InputError([p for e in errors for p in e.problems], hint=errors[0].hint)
    return pset, inv


@app.command("check")
def check(
    paths: PathsArg = None,
    inventory: InventoryOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
    fmt: Annotated[CheckFormat, typer.Option("--format", "-f", help="text, json, junit, github or sarif.", case_sensitive=False)] = CheckFormat.text,
    fail_on: Annotated[Severity, typer.Option("--fail-on", help="Exit 1 when an unwaived violation of this severity or worse exists.", case_sensitive=False)] = Severity.low,
    config_file: Annotated[
        Optional[list[Path]],
        typer.Option("--config-file", help="Config file the SNMP and secret policies read (repeatable; default: cloudctl.yaml, agents/, examples/ next to the inventory).", show_default=False),
    ] = None,
    today: Annotated[Optional[str], typer.Option("--today", help="Evaluate as of this date (effective dates, waiver expiry); YYYY-MM-DD.", show_default=False)] = None,
) -> None:
    """Check the inventory (and the store, when there is one) against policy files.

    Exit 0 when clean, 1 when an unwaived violation at or above --fail-on exists, 2 when a
    policy, inventory or config file is invalid (every problem is listed as file:line:col).

    Example:  cloudctl policy check policies/ --fail-on high --format sarif > policy.sarif
    """
    from cloudctl.cli.migrate_cmd import _date, open_evidence, platforms
    from cloudctl.cli.output import note
    from cloudctl.i18n import t
    from cloudctl.policy import run_check
    from cloudctl.policy.check import DISCOVER
    from cloudctl.policy.formats import RENDERERS

    pset, inv = _load_both(paths, inventory)
    st = open_evidence(store, no_store)
    try:
        result = run_check([], inv, st, today=_date(today), config_files=config_file or DISCOVER, policies=pset, platforms=platforms(st))
    finally:
        if st is not None:
            st.close()
    sys.stdout.write(RENDERERS[fmt.value](result))
    code = result.exit_code(fail_on.value)
    counts = result.by_severity()
    if code:
        failing = sum(n for s, n in counts.items() if list(counts).index(s) <= list(counts).index(fail_on.value))
        note(t("policy.result.failed", count=failing, fail_on=fail_on.value))
    elif fmt is not CheckFormat.text:
        note(t("policy.result.passed", fail_on=fail_on.value, summary=", ".join(f"{s} {n}" for s, n in counts.items())))
    raise typer.Exit(code)


@app.command("list")
def list_(paths: PathsArg = None, output: OutputOpt = Format.table) -> None:
    """List the policies: id, severity, resource, title, effective date.

    Example:  cloudctl policy list -o csv
    """
    from cloudctl.cli import render
    from cloudctl.policy import load_policies

    pset = load_policies(_paths(paths))
    rows = [
        {"id": lp.id, "severity": lp.policy.severity, "resource": lp.policy.resource,
         "title_zh": lp.policy.title.zh, "title_en": lp.policy.title.en,
         "effective": lp.policy.effective, "file": str(lp.location)}
        for lp in pset.policies
    ]
    render.render(rows, output, title="policies / 策略")


@app.command("explain")
def explain(
    policy_id: Annotated[str, typer.Argument(metavar="ID", help="Policy id (see `cloudctl policy list`).")],
    paths: Annotated[Optional[list[Path]], typer.Option("--policies", "-p", help="Policy files or directories (default: policies/).", show_default=False)] = None,
) -> None:
    """What a policy checks, why (quoting the plan) and how to fix a violation.

    Example:  cloudctl policy explain classified-never-on-cloud
    """
    from cloudctl.errors import UsageError
    from cloudctl.i18n import language, t
    from cloudctl.policy import load_policies
    from cloudctl.policy.compile import describe

    pset = load_policies(_paths(paths))
    lp = pset.get(policy_id)
    if lp is None:
        raise UsageError(t("policy.unknown_id", id=policy_id), hint="ids: " + ", ".join(p.id for p in pset.policies))
    p = lp.policy
    zh = language() == "zh"
    out = [f"{p.id}  [{p.severity}]  {p.title.zh} / {p.title.en}", f"  {lp.location}", ""]
    out.append(t("policy.explain.checks") + ":")
    if p.ratio is not None:
        out.append("  " + t("policy.explain.ratio", of=p.ratio.of, numerator=describe(p.ratio.numerator),
                            denominator=describe(p.ratio.denominator), target=f"{p.target:.0%}"))
    else:
        out.append("  " + t("policy.explain.violates", resource=p.resource, conditions=describe(p.filters)))
    if p.effective:
        out.append("  " + t("policy.explain.effective", date=p.effective))
    out += ["", t("policy.explain.why") + ":", f"  「{p.rationale.zh}」", f"  {p.rationale.en}", f"  — {p.rationale.source}"]
    out += ["", t("policy.explain.fix") + ":", f"  {p.remediation.zh if zh else p.remediation.en}"]
    waivers = [lw for lw in pset.waivers if lw.waiver.policy == p.id]
    if waivers:
        out += ["", t("policy.explain.waivers") + ":"]
        out += [f"  {', '.join(lw.waiver.records)} until {lw.waiver.expires} — {lw.waiver.reason} ({lw.waiver.approver})" for lw in waivers]
    sys.stdout.write("\n".join(out) + "\n")
