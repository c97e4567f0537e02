"""``cloudctl snapshots`` (list, prune) and ``cloudctl store`` (upgrade): the store's own housekeeping.

Thin: parse, call ``cloudctl.store``, render.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from cloudctl.cli.options import OutputOpt, StoreOpt
from cloudctl.cli.render import Format

snapshots_app = typer.Typer(rich_markup_mode=None)
store_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)

KeepOpt = Annotated[Optional[int], typer.Option(min=1, show_default=False)]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Show what would happen; change nothing.")]


def _human(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover


@snapshots_app.callback(invoke_without_command=True)
def snapshots(ctx: typer.Context, store: StoreOpt = None, output: OutputOpt = Format.table) -> None:
    """List the snapshots in the store, each provider's status, what is stale, and the store's size.

    Subcommand 'prune' deletes old snapshots by retention rules.

    Example:  cloudctl snapshots -o json
    """
    if ctx.invoked_subcommand is not None:
        return
    from cloudctl.cli.options import store_url
    from cloudctl.cli.output import note
    from cloudctl.cli.render import render
    from cloudctl.i18n import t
    from cloudctl.store import Store

    with Store.open(store_url(store)) as st:
        infos = st.snapshots()
        size = st.size_bytes()
        where = st.url.display
    rows = [{"id": s.id, "started": s.started, "finished": s.finished, "status": s.status,
             "providers": ", ".join(f"{p}={v}" for p, v in s.providers.items()),
             "resources": sum(sum(c.values()) for c in s.counts.values()),
             "stale": "; ".join(f"{p} {x['kind']}" + (f" ({x['project']})" if x.get("project") else "") for p, xs in s.stale.items() for x in xs),
             "errors": "; ".join(f"{p}: {e}" for p, e in s.errors.items())} for s in infos]
    render(rows, output, ["id", "started", "finished", "status", "providers", "resources", "stale", "errors"])
    note(t("store.size", store=where, snapshots=len(infos), size=_human(size), bytes=size))


@snapshots_app.command("prune")
def prune(
    keep_last: Annotated[Optional[int], typer.Option("--keep-last", min=1, help="Keep the N newest snapshots.", show_default=False)] = None,
    keep_daily: Annotated[Optional[int], typer.Option("--keep-daily", min=1, help="Keep the newest snapshot of each of the last D days.", show_default=False)] = None,
    keep_monthly: Annotated[Optional[int], typer.Option("--keep-monthly", min=1, help="Keep the newest snapshot of each of the last M months.", show_default=False)] = None,
    dry_run: DryRunOpt = False,
    store: StoreOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """Delete the snapshots no retention rule keeps (the config's 'retention:' does this after each sync).

    A snapshot is kept when any rule keeps it; the current data of every provider and a sync
    still running are always kept. diff, ls --snapshot and history keep working across the
    pruned ranges.

    Example:  cloudctl snapshots prune --keep-last 24 --keep-daily 30 --keep-monthly 12 --dry-run
    """
    from cloudctl.cli.options import store_url
    from cloudctl.cli.output import note
    from cloudctl.cli.render import render
    from cloudctl.i18n import t
    from cloudctl.store import Store
    from cloudctl.store.retention import Policy, decide, prune as run

    policy = Policy(keep_last, keep_daily, keep_monthly)
    with Store.open(store_url(store), upgrade=not dry_run) as st:
        infos = {s.id: s for s in st.snapshots()}
        decision = decide(list(infos.values()), policy) if dry_run else run(st, policy)
        before = st.size_bytes()
    # JSON and YAML keep the stable tokens scripts match on; what a person reads is in their language.
    words = Format(output) not in (Format.json, Format.jsonl, Format.yaml)

    def said(token: str) -> str:
        rule, _, provider = token.partition(":")
        return t(f"store.prune.reason.{rule}", provider=provider)

    rows = []
    for sid in sorted(infos):
        action = "keep" if sid in decision.reasons else "remove"
        reasons = decision.reasons.get(sid, [])
        rows.append({"id": sid, "started": infos[sid].started, "status": infos[sid].status,
                     "action": t(f"store.prune.action.{action}") if words else action,
                     "reason": t("cli.list_sep").join(map(said, reasons)) if words else ", ".join(reasons)})
    render(rows, output, ["id", "started", "status", "action", "reason"])
    key = "store.prune.dry_run" if dry_run else "store.prune.done"
    note(t(key, removed=len(decision.remove), kept=len(decision.keep), size=_human(before)))


@store_app.command("upgrade")
def upgrade(dry_run: DryRunOpt = False, store: StoreOpt = None, output: OutputOpt = Format.table) -> None:
    """Upgrade the store's schema to this cloudctl's (sync does it too, as the first writer).

    SQLite: a backup copy is written next to the file first; PostgreSQL: all migrations run in
    one transaction. A store from a newer cloudctl is refused.

    Example:  cloudctl store upgrade --dry-run
    """
    from cloudctl.cli.options import store_url
    from cloudctl.cli.output import note
    from cloudctl.cli.render import render
    from cloudctl.i18n import t
    from cloudctl.store import Store
    from cloudctl.store.upgrade import describe

    with Store.open(store_url(store), upgrade=not dry_run, any_version=dry_run) as st:
        version = st.version()
        rows = describe(version) if dry_run else st.applied
        where = st.url.display
        backup = st.backup
    render(rows, output, ["from", "to", "summary"])
    if dry_run:
        note(t("store.upgrade.dry_run", store=where, count=len(rows)))
    elif rows:
        note(t("store.upgrade.done", store=where, count=len(rows)) + (t("store.upgrade.backup", path=backup) if backup else ""))
    else:
        note(t("store.upgrade.current", store=where, version=version))
