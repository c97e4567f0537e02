"""``cloudctl migrate``: migration progress and the plan's KPIs, from the inventory and the store."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from cloudctl.cli.options import InventoryOpt, OutputOpt, StoreOpt
from cloudctl.cli.render import Format

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)

NoStoreOpt = Annotated[bool, typer.Option("--no-store", help="Use the inventory alone, even when a store exists.")]


class By(str, enum.Enum):
    county = "county"
    department = "department"
    wave = "wave"
    provider = "provider"


def open_evidence(store: str | None, no_store: bool):  # noqa: ANN201 - a Store or None
    """The store to take cloud evidence from, or None.

    ``--no-store``: None. An explicit ``--store`` that is missing is an error (exit 2); a missing
    default store, or one without any successful sync, is fine: one line on stderr says the
    inventory alone is used.
    """
    if no_store:
        if store is not None:
            from cloudctl.errors import UsageError

            raise UsageError("--store and --no-store exclude each other")
        return None
    from cloudctl.cli.options import store_url
    from cloudctl.cli.output import note
    from cloudctl.i18n import t
    from cloudctl.store import Store, exists

    url = store_url(store)
    if store is None and not exists(url):
        note(t("policy.no_store", path=url.display))
        return None
    st = Store.open(url)
    if st.latest_snapshot() is None:  # every sync failed so far: no evidence, not "0 found"
        note(t("store.no_data_inventory", store=url.display))
        st.close()
        return None
    return st


def platforms(store: object | None) -> dict[str, str | None] | None:
    """Provider name -> ``platform:`` of the effective cloudctl.yaml (which clouds are 信创); only
    read with a store: without one the inventory decides and the config need not be loaded."""
    if store is None:
        return None
    from cloudctl.cli.state import current

    return current.config().platforms


def _inventory(inventory: Path | None):  # noqa: ANN202
    from cloudctl.cli.options import inventory_dir
    from cloudctl.inventory import load_inventory

    return load_inventory(inventory_dir(inventory))


@app.command("status")
def status(
    by: Annotated[By, typer.Option("--by", help="Group by county, department, wave or provider.", case_sensitive=False)] = By.county,
    findings: Annotated[bool, typer.Option("--findings", help="List where cloud evidence disagrees with the inventory instead (needs a store).")] = False,
    inventory: InventoryOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
    output: OutputOpt = Format.table,
) -> None:
    """Planned vs actual migration per county, department, wave or provider.

    planned_cloud counts non-classified systems meant to be on a cloud; on_cloud those that are
    (servers tagged system-id in the store when one exists, else the inventory's deployment).

    Example:  cloudctl migrate status --by department -o csv
    """
    from cloudctl import migration
    from cloudctl.cli import render

    inv = _inventory(inventory)
    st = open_evidence(store, no_store)
    try:
        if findings:
            if st is None:
                from cloudctl.errors import UsageError

                raise UsageError("--findings needs a store", hint="run `cloudctl sync` first or pass --store FILE")
            rows = [f.row() for f in migration.findings(inv, st)]
            render.render(rows, output, ["kind", "system", "message", "location", "resources"], title="migration findings / 迁移核查")
            return
        rows = migration.status(inv, st, by=by.value)
        if st is not None:
            n = len(migration.findings(inv, st))
            if n:
                from cloudctl.cli.output import note
                from cloudctl.i18n import t

                note(t("policy.migrate.findings", count=n))
    finally:
        if st is not None:
            st.close()
    render.render(rows, output, title=f"migration by {by.value} / 迁移进度")


@app.command("kpis")
def kpis(
    inventory: InventoryOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
    today: Annotated[Optional[str], typer.Option("--today", help="Date to count days to the deadline from (YYYY-MM-DD).", show_default=False)] = None,
    output: OutputOpt = Format.table,
) -> None:
    """The plan's migration indicators: numerator, denominator, value, target, deadline, gap.

    cloud_migration_rate (non-classified systems on the cloud), xinchuang_rate (indicator 7,
    target 80 % by 2025-12-31) and new_on_cloud_rate (systems live since 2023-01-01).

    Example:  cloudctl migrate kpis --no-store -o json
    """
    from cloudctl import migration
    from cloudctl.cli import render

    day = _date(today)
    inv = _inventory(inventory)
    st = open_evidence(store, no_store)
    try:
        figures = migration.kpis(inv, st, today=day, platforms=platforms(st))
    finally:
        if st is not None:
            st.close()
    rows = [k.row() for k in figures]
    if any(k.notes for k in figures):
        from cloudctl.cli.output import warn

        for message in dict.fromkeys(n.text() for k in figures for n in k.notes):
            warn(message)
    cols = ["id", "title_zh", "numerator", "denominator", "value", "target", "gap", "met", "deadline", "days_left", "source"]
    if output != Format.table:
        cols.insert(2, "title_en")
    render.render(rows, output, cols, title="migration KPIs / 迁移指标")


@app.command("waves")
def waves(
    inventory: InventoryOpt = None,
    store: StoreOpt = None,
    no_store: NoStoreOpt = False,
    output: OutputOpt = Format.table,
) -> None:
    """Progress per migration wave (迁移批次): total, migrated, in progress, remaining.

    remaining = systems of the wave not yet in a final state (migrated, retired, retained_on_prem);
    verified (with a store) = migrated systems with a live server on their planned provider.

    Example:  cloudctl migrate waves -o yaml
    """
    from cloudctl import migration
    from cloudctl.cli import render

    inv = _inventory(inventory)
    st = open_evidence(store, no_store)
    try:
        rows = [w.row() for w in migration.wave_progress(inv, st)]
    finally:
        if st is not None:
            st.close()
    cols = ["id", "name", "start", "end", "status", "total", "migrated", "in_progress", "remaining"]
    if st is not None:
        cols.append("verified")
    render.render(rows, output, cols, title="migration waves / 迁移批次")


def _date(value: str | None):  # noqa: ANN202
    if value is None:
        return None
    import datetime as dt

    from cloudctl.errors import UsageError

    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--today: bad date {value!r}", hint="write YYYY-MM-DD") from None
