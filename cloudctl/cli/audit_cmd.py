"""``audit ls`` and ``audit verify``: the tamper-evident record of every change ``apply`` attempted."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from cloudctl.cli.options import OutputOpt
from cloudctl.cli.render import Format

app = typer.Typer(no_args_is_help=True)
AuditLogOpt = Annotated[Optional[Path], typer.Option("--audit-log", help="Audit log file (default: config 'audit_log:').", show_default=False)]


def _path(explicit: Path | None) -> Path:
    if explicit is not None:
        return explicit
    from cloudctl.cli.state import current

    return current.config().audit_log_path


@app.command("ls")
def ls(
    limit: Annotated[Optional[int], typer.Option("--limit", "-n", min=1, help="Only the last N records.", show_default=False)] = None,
    provider: Annotated[Optional[list[str]], typer.Option("--provider", "-p", help="Only this provider (repeatable).", show_default=False)] = None,
    audit_log: AuditLogOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """List the audit records: who changed what, when, how it ended, the cloud's request id.

    Example:  cloudctl audit ls -n 20 -o json
    """
    import json

    from cloudctl.cli.output import note
    from cloudctl.cli.render import render
    from cloudctl.i18n import t
    from cloudctl.plan.audit import records
    from cloudctl.plan.rows import AUDIT_COLUMNS, headers

    path = _path(audit_log)
    rows = [r for r in records(path) if not provider or r.get("provider") in provider]
    if limit:
        rows = rows[-limit:]
    if not rows:
        note(t("plan.audit.empty", path=path))
    if output is Format.table:
        from rich.markup import escape

        compact = {"before", "after"}
        rows = [{k: escape(json.dumps(v, ensure_ascii=False)) if k in compact and v is not None else v for k, v in r.items()} for r in rows]
        for r in rows:  # the words in the operator's language; -o json/csv/yaml keep the recorded values
            if r.get("action"):
                r["action"] = t(f"plan.action.{r['action']}")
            if r.get("result"):
                r["result"] = t(f"plan.result.{r['result']}")
        render(rows, output, AUDIT_COLUMNS, headers=headers())
        return
    render(rows, output, AUDIT_COLUMNS)


@app.command("verify")
def verify(audit_log: AuditLogOpt = None) -> int:
    """Check the SM3 hash chain; exit 1 naming the first record that was altered, removed or reordered.

    Example:  cloudctl audit verify
    """
    from cloudctl.cli.output import note
    from cloudctl.errors import CheckFailed, ExitCode
    from cloudctl.i18n import t
    from cloudctl.plan.audit import verify as check

    path = _path(audit_log)
    verdict = check(path)
    if not verdict.intact:
        raise CheckFailed(t("plan.audit.broken", path=path, line=verdict.bad_line, reason=verdict.reason),
                          hint="keep the file as evidence; the records before that line are intact")
    note(t("plan.audit.intact", records=verdict.records, head=verdict.head))
    return ExitCode.OK
