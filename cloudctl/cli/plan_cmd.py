"""``plan`` and ``apply``: manage the clouds from the inventory of record, Terraform-style.

Thin: parse, call ``cloudctl.plan``, render. ``plan`` reads the store (``--refresh`` syncs first);
only ``apply`` writes to the clouds, after showing the plan and asking.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from cloudctl.cli.options import InventoryOpt, OutputOpt, StoreOpt
from cloudctl.cli.render import Format

UNCLAIMED_SHOWN = 30  # the table shows the first ones; the plan file (--out) and `tag suggest` have them all
ProviderOpt = Annotated[Optional[list[str]], typer.Option("--provider", "-p", help="Only this provider (repeatable).", show_default=False)]


def _escaped(rows: list[dict]) -> list[dict]:
    """Table cells are Rich markup: ``systems[sys-0001]`` must not be taken for a style tag."""
    from rich.markup import escape

    return [{k: escape(v) if isinstance(v, str) else v for k, v in r.items()} for r in rows]


def _show(plan, output: Format) -> None:  # noqa: ANN001
    from cloudctl.cli.output import note, warn
    from cloudctl.cli.render import render
    from cloudctl.i18n import t
    from cloudctl.plan import rows

    table = output is Format.table
    if table:
        if plan.changes:
            render(_escaped(rows.change_rows(plan.changes, True)), output, rows.TABLE_COLUMNS, title=t("plan.title", snapshot=plan.snapshot),
                   headers=rows.headers())
        if plan.unsupported:
            render(_escaped(rows.change_rows(plan.unsupported, True)), output, rows.TABLE_COLUMNS, title=t("plan.unsupported.title"), headers=rows.headers())
        if plan.unclaimed:
            shown = plan.unclaimed[:UNCLAIMED_SHOWN]
            render(_escaped(shown), output, ["provider", "project", "name", "id", "status", "system"], title=t("plan.unclaimed.title"))
            if len(plan.unclaimed) > len(shown):
                note(t("plan.unclaimed.more", n=len(plan.unclaimed) - len(shown)))
    else:
        render(rows.change_rows(plan.changes, False), output, rows.MACHINE_COLUMNS)
    for w in plan.warnings:
        warn(w)
    if plan.journal:
        note(t("plan.journal", n=plan.journal))
    note(rows.summary(plan) if plan.changes or plan.unsupported or plan.unclaimed else t("plan.nothing"))
    if not plan.changes and (plan.unsupported or plan.unclaimed):
        note(t("plan.nothing"))


def plan(
    inventory: InventoryOpt = None,
    provider: ProviderOpt = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Write the plan to this file, to review and then `cloudctl apply`.", show_default=False)] = None,
    refresh: Annotated[bool, typer.Option("--refresh", help="Sync the providers concerned first.")] = False,
    exit_code: Annotated[bool, typer.Option("--exit-code", help="Exit 1 when there are changes, 0 when there is nothing to do (as diff --exit-code).")] = False,
    store: StoreOpt = None,
    output: OutputOpt = Format.table,
) -> int:
    """Show what it takes to make the clouds match the inventory: tags, projects, quotas, stops.

    Compares the inventory with the latest snapshot in the store (and the changes applied since,
    from the audit log): every server a systems[].servers selector claims gets its system-id tag,
    every tenant its project and quota, retired systems' running servers are stopped. Servers no
    selector claims are reported, never changed. No cloud is contacted unless --refresh.

    Example:  cloudctl plan --out plan.json --exit-code
    """
    from cloudctl.cli.options import inventory_dir, store_url
    from cloudctl.cli.output import note
    from cloudctl.cli.state import current
    from cloudctl.errors import ExitCode
    from cloudctl.i18n import t
    from cloudctl.plan import make_plan, planfile
    from cloudctl.store import Store

    loaded = current.config()
    root = inventory_dir(inventory)
    with Store.open(store_url(store), create=refresh) as st:
        result = make_plan(loaded, st, root, provider, refresh=refresh)
    _show(result, output)
    if out is not None:
        digest = planfile.write(result, out)
        note(t("plan.written", path=out, digest=digest[:19] + "…"))
    return ExitCode.PROBLEMS if exit_code and result.changes else ExitCode.OK


def apply(
    plan_file: Annotated[Path, typer.Argument(help="A plan written by `cloudctl plan --out`.", metavar="PLAN.json")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask (needed when stdin is not a terminal).")] = False,
    allow_stale_plan: Annotated[bool, typer.Option("--allow-stale-plan", help="Apply a plan made before the store's latest snapshot.")] = False,
    provider: ProviderOpt = None,
    job_timeout: Annotated[float, typer.Option("--job-timeout", min=1, help="Seconds to follow a cloud's asynchronous job (a stop) before giving up on it.")] = 300.0,
    inventory: InventoryOpt = None,
    store: StoreOpt = None,
    output: OutputOpt = Format.table,
) -> int:
    """Carry out a reviewed plan; every change is checked against the cloud first and audited.

    Shows the plan and asks on a terminal (refuses without --yes otherwise). A change whose object
    no longer matches the plan's "before" is left alone as a conflict. Exit 0 when every change
    succeeded, 3 when some failed or conflicted, 2 for a bad plan file, 130 on Ctrl-C (the
    changes in flight finish; `cloudctl plan` then shows exactly what remains).

    Example:  cloudctl apply plan.json --yes
    """
    import signal
    import threading

    from cloudctl.cli.console import stderr_console
    from cloudctl.cli.options import inventory_dir, store_url
    from cloudctl.cli.output import note
    from cloudctl.cli.render import render
    from cloudctl.cli.state import current
    from cloudctl.errors import ExitCode, UsageError
    from cloudctl.i18n import t
    from cloudctl.plan import planfile, rows
    from cloudctl.plan.apply import apply as run
    from cloudctl.plan.audit import AuditLog
    from cloudctl.store import Store

    loaded = current.config()
    the_plan = planfile.read(plan_file)
    with Store.open(store_url(store)) as st:
        planfile.check(the_plan, store=st, inventory_dir=inventory_dir(inventory), allow_stale=allow_stale_plan)
    unknown = sorted(set(provider or ()) - set(the_plan.providers))
    if unknown:
        raise UsageError(f"provider {', '.join(unknown)} is not in the plan", hint=f"the plan covers: {', '.join(the_plan.providers)}")
    if provider:
        the_plan.changes = [c for c in the_plan.changes if c.provider in provider]
    _show(the_plan, Format.table if output is Format.table else output)
    if not the_plan.changes:
        return ExitCode.OK
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError("refusing to apply without --yes: stdin is not a terminal", hint="review the plan, then run `cloudctl apply PLAN.json --yes`")
        if input(t("plan.apply.confirm")).strip() != "yes":
            note(t("plan.apply.cancelled"))
            return ExitCode.OK
    stop = threading.Event()

    def on_sigint(signum, frame):  # noqa: ANN001, ARG001 - first Ctrl-C: finish what is in flight; second: quit
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        note(t("plan.apply.stopping"))

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        if sys.stderr.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=stderr_console(), transient=True)
            task = bar.add_task("apply", total=len(the_plan.changes))
            with bar:
                result = run(the_plan, loaded, AuditLog(loaded.audit_log_path), providers=provider, stop=stop, job_timeout=job_timeout,
                             progress=lambda o: bar.advance(task))
        else:
            result = run(the_plan, loaded, AuditLog(loaded.audit_log_path), providers=provider, stop=stop, job_timeout=job_timeout)
    finally:
        signal.signal(signal.SIGINT, previous)
    table = output is Format.table
    problems = rows.outcome_rows(result, table, only_problems=table)
    if problems or not table:
        render(_escaped(problems) if table else problems, output, rows.OUTCOME_COLUMNS if table else None, title=t("plan.apply.title"), headers=rows.headers())
    note(t("plan.apply.summary", **rows.counts(result)))
    if result.exit_code != ExitCode.OK:
        note(t("plan.apply.remaining"))
    return result.exit_code
