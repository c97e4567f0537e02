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
    """``-o`` of ``policy check``: the record formats every listing has, plus the CI formats."""

    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    yaml = "yaml"
    xlsx = "xlsx"
    junit = "junit"
    github = "github"
    sarif = "sarif"


# Whole documents: --columns does not apply (JSON keeps its summary + violations shape for CI).
DOCUMENTS = {CheckFormat.table: "text", CheckFormat.json: "json", CheckFormat.junit: "junit", CheckFormat.github: "github", CheckFormat.sarif: "sarif"}


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
    output: Annotated[CheckFormat, typer.Option("--output", "-o", help="table (the grouped text), json, junit, github, sarif; or the violations as jsonl, csv, yaml, xlsx (needs --out).", case_sensitive=False)] = CheckFormat.table,
    fmt: Annotated[Optional[str], typer.Option("--format", "-f", hidden=True, help="Deprecated: use -o (text is -o table).")] = None,
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
    -o csv|xlsx|yaml|jsonl list the violations one per row (--columns picks fields).

    Example:  cloudctl policy check policies/ --fail-on high -o sarif --out policy.sarif
    """
    from cloudctl.cli import render
    from cloudctl.cli.migrate_cmd import _date, open_evidence, platforms
    from cloudctl.cli.output import note, warn
    from cloudctl.errors import UsageError
    from cloudctl.i18n import t
    from cloudctl.policy import run_check
    from cloudctl.policy.check import DISCOVER
    from cloudctl.policy.formats import RENDERERS, records

    if fmt is not None:
        warn(t("cli.format_deprecated", option="-f/--format"))
        try:
            output = CheckFormat("table" if fmt.lower() == "text" else fmt.lower())
        except ValueError:
            from cloudctl.cli.options import unknown_names

            raise unknown_names("format", [fmt], ["text", *(f.value for f in CheckFormat)]) from None
    if output in DOCUMENTS and render.listing().columns:
        raise UsageError(t("cli.columns_not_here", fmt=output.value), hint=t("cli.columns_not_here.hint", formats="csv|yaml|jsonl|xlsx"))

    pset, inv = _load_both(paths, inventory)
    st = open_evidence(store, no_store)
    try:
        result = run_check([], inv, st, today=_date(today), config_files=config_file or DISCOVER, policies=pset, platforms=platforms(st))
    finally:
        if st is not None:
            st.close()
    if output in DOCUMENTS:
        render.write_document(RENDERERS[DOCUMENTS[output]](result))
    else:
        render.render(records(result), render.Format(output.value), sheet=t("cli.title.violations"))
    code = result.exit_code(fail_on.value)
    counts = result.by_severity()
    severity = t(f"report.severity.{fail_on.value}")
    if code:
        failing = sum(n for s, n in counts.items() if list(counts).index(s) <= list(counts).index(fail_on.value))
        note(t("policy.result.failed", count=failing, fail_on=severity))
    elif output is not CheckFormat.table:
        note(t("policy.result.passed", fail_on=severity, summary=t("cli.list_sep").join(f"{t('report.severity.' + s)} {n}" for s, n in counts.items())))
    raise typer.Exit(code)


@app.command("list")
def list_(paths: PathsArg = None, output: OutputOpt = Format.table) -> None:
    """List the policies: id, severity, resource, title, effective date.

    Example:  cloudctl policy list -o csv
    """
    from cloudctl.cli import render
    from cloudctl.i18n import language, t
    from cloudctl.policy import load_policies

    pset = load_policies(_paths(paths))
    rows = [
        {"id": lp.id, "severity": lp.policy.severity, "resource": lp.policy.resource,
         "title_zh": lp.policy.title.zh, "title_en": lp.policy.title.en,
         "effective": lp.policy.effective, "file": str(lp.location)}
        for lp in pset.policies
    ]
    cols = None
    if output is Format.table:
        # People read one language: the title and the severity in theirs.
        rows = [{**r, "title": r[f"title_{language()}"], "severity": t(f"report.severity.{r['severity']}")} for r in rows]
        cols = ["id", "severity", "resource", "title", "effective", "file"]
    render.render(rows, output, cols, title=t("cli.title.policies"))


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
        from cloudctl.cli.options import unknown_names

        raise unknown_names("policy", [policy_id], [p.id for p in pset.policies])
    p = lp.policy
    zh = language() == "zh"
    title = p.title.zh if zh else p.title.en
    out = [f"{p.id}  [{t('report.severity.' + p.severity)}]  {title}", f"  {lp.location}", ""]
    out.append(t("policy.explain.checks"))
    if p.ratio is not None:
        out.append("  " + t("policy.explain.ratio", of=p.ratio.of, numerator=describe(p.ratio.numerator),
                            denominator=describe(p.ratio.denominator), target=f"{p.target:.0%}"))
    else:
        out.append("  " + t("policy.explain.violates", resource=p.resource, conditions=describe(p.filters)))
    if p.effective:
        out.append("  " + t("policy.explain.effective", date=p.effective))
    # The plan is quoted in its own words (Chinese); English readers also get the translation.
    out += ["", t("policy.explain.why"), f"  「{p.rationale.zh}」"]
    out += [f"  —— {p.rationale.source}"] if zh else [f"  {p.rationale.en}", f"  — {p.rationale.source}"]
    out += ["", t("policy.explain.fix"), f"  {p.remediation.zh if zh else p.remediation.en}"]
    waivers = [lw for lw in pset.waivers if lw.waiver.policy == p.id]
    if waivers:
        out += ["", t("policy.explain.waivers")]
        out += ["  " + t("policy.explain.waiver", records=", ".join(lw.waiver.records), expires=lw.waiver.expires, reason=lw.waiver.reason,
                         approver=lw.waiver.approver) for lw in waivers]
    sys.stdout.write("\n".join(out) + "\n")
