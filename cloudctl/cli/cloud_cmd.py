"""Cloud commands: ``sync``, ``ls``, ``show``, ``diff``, ``export``, ``capacity`` (``snapshots``: store_cmd.py).

Thin: parse, call ``cloudctl.sync`` / ``cloudctl.store`` / ``cloudctl.capacity``, render.
Everything except ``sync`` reads the local store only (no network).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from cloudctl.cli.options import OutputOpt, StoreOpt
from cloudctl.cli.render import Format

if TYPE_CHECKING:  # pragma: no cover
    from cloudctl.store import Store

ProviderOpt = Annotated[Optional[list[str]], typer.Option("--provider", "-p", help="Only this provider (repeatable).", show_default=False)]
KIND_ALIASES = {"servers": "server", "vms": "server", "volumes": "volume", "networks": "network", "subnets": "subnet",
                "floating_ips": "floating_ip", "floating-ips": "floating_ip", "fips": "floating_ip", "eips": "floating_ip",
                "projects": "project", "quotas": "quota", "capacities": "capacity", "floating-ip": "floating_ip"}
DEFAULT_COLUMNS = {
    "server": ["provider", "project", "id", "name", "status", "arch", "os", "system", "vcpus", "ram_mb", "region"],
    "volume": ["provider", "project", "id", "name", "status", "size_gb", "system", "region"],
    "floating_ip": ["provider", "project", "id", "address", "status", "fixed_ip", "region"],
    "quota": ["provider", "project", "id", "vcpus_used", "vcpus_limit", "ram_mb_used", "ram_mb_limit", "disk_gb_used", "disk_gb_limit"],
    "capacity": ["provider", "id", "name", "vcpus_used", "vcpus_total", "ram_mb_used", "ram_mb_total", "disk_gb_used", "disk_gb_total"],
}
BASE_COLUMNS = ["provider", "kind", "id", "name", "status", "project", "region"]


def _kind(name: str) -> str:
    from cloudctl.model import KINDS

    kind = KIND_ALIASES.get(name.lower(), name.lower())
    if kind not in KINDS:
        from cloudctl.cli.options import unknown_names

        raise unknown_names("kind", [name], [*KINDS, *KIND_ALIASES])
    return kind


def _open(store: str | None, *, need_data: bool = True):  # noqa: ANN202
    """The store to read (``--store`` or the config's); with ``need_data`` it must hold a committed sync."""
    from cloudctl.cli.options import store_url
    from cloudctl.errors import StoreError
    from cloudctl.i18n import t
    from cloudctl.store import Store

    st = Store.open(store_url(store))
    if need_data and st.latest_snapshot() is None:
        st.close()
        raise StoreError(t("store.no_data", store=st.url.display), hint=t("store.hint.create"))
    return st


WaitOpt = Annotated[
    str, typer.Option("--wait", help="When another sync holds a provider's lock, wait up to this long (e.g. 30s, 10m) before exit 1.")
]
MetricsFileOpt = Annotated[
    Optional[Path],
    typer.Option("--metrics-file", help="Write sync health metrics here (node_exporter textfile format; written atomically).", show_default=False),
]


def sync(
    provider: ProviderOpt = None,
    store: StoreOpt = None,
    wait: WaitOpt = "0",
    metrics_file: MetricsFileOpt = None,
    output: OutputOpt = Format.table,
) -> int:
    """Fetch every provider's resources into a new snapshot of the store.

    All providers and kinds are fetched concurrently. A kind (or one project's listing of it)
    that fails keeps its previous data, marked stale, and the rest commits; the exit code is
    then 3 and the summary says exactly what is stale. One sync per provider at a time: a
    second one waits up to --wait, then exits 1 naming the holder (host, pid, since). With
    'retention:' in the config, old snapshots are pruned afterwards.

    \b
    Example:  cloudctl sync --wait 10m --metrics-file /var/lib/prometheus/node-exporter/cloudctl_sync.prom
    """
    from cloudctl.cli.console import stderr_console
    from cloudctl.cli.options import parse_wait, store_url
    from cloudctl.cli.output import note
    from cloudctl.cli.render import render
    from cloudctl.cli.state import current
    from cloudctl.errors import ExitCode
    from cloudctl.i18n import t
    from cloudctl.store import Store
    from cloudctl.sync import prepare, sync as run

    loaded = current.config()
    if provider:
        _check_names("provider", provider, list(loaded.config.providers))
    seconds = parse_wait(wait)
    prepare(loaded, provider)  # bad input ends here, before a store is created
    if metrics_file is not None:
        from cloudctl.sync_metrics import check_target

        check_target(metrics_file)
    url = store_url(store)
    progress = None
    with Store.open(url, create=True, upgrade=True) as st:
        if sys.stderr.isatty():
            from rich.progress import Progress, SpinnerColumn, TextColumn

            bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed:>8.0f}"), console=stderr_console(), transient=True)
            tasks: dict[str, int] = {}

            def progress(prov: str, kind: str, n: int) -> None:
                key = f"{prov} {kind}"
                if key not in tasks:
                    tasks[key] = bar.add_task(key, total=None)
                bar.advance(tasks[key], n)

            with bar:
                result = run(loaded, st, provider, progress=progress, wait=seconds)
        else:
            result = run(loaded, st, provider, wait=seconds)
        if metrics_file is not None:
            from cloudctl.sync_metrics import write_textfile

            write_textfile(metrics_file, st, result)
        if loaded.config.retention is not None:
            from cloudctl.store.retention import Policy, prune

            r = loaded.config.retention
            decision = prune(st, Policy(r.keep_last, r.keep_daily, r.keep_monthly))
            if decision.remove:
                note(t("cloud.sync.pruned", count=len(decision.remove), kept=len(decision.keep)))
    rows = [{"provider": k.provider, "kind": k.kind, "count": k.count, "duration_s": round(k.duration, 2), "error": k.problem} for k in result.kinds]
    render(rows, output, ["provider", "kind", "count", "duration_s", "error"], title=t("cloud.sync.title", snapshot=result.snapshot.id))
    if result.partial:
        note(t("cloud.sync.stale", scopes="; ".join(result.stale_scopes())))
        return ExitCode.UPSTREAM
    note(t("cloud.sync.done", snapshot=result.snapshot.id))
    return ExitCode.OK


def _check_names(what: str, given: list[str] | tuple[str, ...], valid: list[str]) -> None:
    from cloudctl.cli.options import unknown_names

    bad = [g for g in given if g not in valid]
    if bad:
        raise unknown_names(what, bad, valid)


def _store_providers(st: "Store") -> list[str]:
    return [p["provider"] for p in st.provider_status()]


# Filters whose values come from a closed set: a value outside it is a typo, not an empty answer.
def _closed_values(field: str, rows: list[dict], st: "Store") -> list[str] | None:
    from cloudctl.model import Status

    if field == "status":
        return list(Status.__args__)  # type: ignore[attr-defined]
    if field == "provider":
        return _store_providers(st)
    if field == "arch":
        return sorted({"x86_64", "aarch64"} | {r["arch"] for r in rows if r.get("arch")})
    if field == "project":
        return sorted({r["project"] for r in rows if r.get("project")})
    if field == "kind":
        from cloudctl.model import KINDS

        return list(KINDS)
    if field == "system":
        return _known_systems(rows)
    return None


def _known_systems(rows: list[dict]) -> list[str] | None:
    """The inventory's system ids and those tagged on the clouds; None without a readable inventory to judge by."""
    from cloudctl.cli.options import inventory_dir
    from cloudctl.errors import InventoryError
    from cloudctl.inventory import load_inventory

    try:
        inv = load_inventory(inventory_dir(None), kinds=("sites", "systems", "tenants", "waves"))
    except InventoryError:
        return None
    return sorted(set(inv.systems) | {r["system"] for r in rows if r.get("system")})


def ls(
    kind: Annotated[str, typer.Argument(help="server, volume, network, subnet, floating_ip, project, quota, capacity (or plural).")],
    provider: ProviderOpt = None,
    project: Annotated[Optional[str], typer.Option("--project", help="Only this project (tenant / department).")] = None,
    status: Annotated[Optional[str], typer.Option("--status", help="Only this normalized status (active, stopped, error, ...).")] = None,
    arch: Annotated[Optional[str], typer.Option("--arch", help="Only this architecture (x86_64, aarch64).")] = None,
    system: Annotated[Optional[str], typer.Option("--system", help="Only resources of this inventory system id.")] = None,
    where: Annotated[Optional[list[str]], typer.Option("--where", "-w", help="KEY=VALUE filter on any field (repeatable; nested fields as tags.system-id).")] = None,
    sort: Annotated[Optional[str], typer.Option("--sort", help="Comma-separated sort keys; prefix '-' for descending.")] = None,
    snapshot: Annotated[Optional[int], typer.Option("--snapshot", help="Read this snapshot instead of the latest data.")] = None,
    store: StoreOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """List resources of one kind from the local store (no network).

    Unknown columns, --where fields, statuses, architectures, providers, projects and systems
    are usage errors (exit 2) that list the valid names. Machine formats show every field by default;
    CSV and XLSX give provider-specific fields (flavor, vcpus, tags ...) one column each.

    Example:  cloudctl ls servers --provider huawei --arch aarch64 -o json
    """
    from cloudctl.cli.render import destination, listing, render
    from cloudctl.errors import UsageError
    from cloudctl.i18n import t
    from cloudctl.sheets import all_columns, expand_columns, lookup

    k = _kind(kind)
    conds: list[tuple[str, str]] = []
    for w in where or ():
        key, eq, value = w.partition("=")
        if not eq or not key:
            raise UsageError(t("cli.where_syntax", value=w), hint=t("cli.where_syntax.hint"))
        conds.append((key, value))
    if arch is not None:
        from cloudctl.providers.wire import normalize_arch

        arch = normalize_arch(arch) or arch  # arm64 -> aarch64, amd64 -> x86_64, as the drivers store them
    conds += [(f, v) for f, v in (("project", project), ("status", status), ("arch", arch), ("system", system)) if v is not None]
    provs = list(dict.fromkeys(provider or ()))
    opts = listing()
    with _open(store) as st:
        if provs:
            _check_names("provider", provs, _store_providers(st))
        if output is Format.json and not (conds or sort or opts.columns or opts.excel_bom) and len(provs) <= 1:
            # Fast path (50,000 servers well under a second): JSON text straight from the store.
            lines = list(st.json_objects(k, snapshot=snapshot, provider=next(iter(provs), None)))
            with destination() as out:
                out.write("[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n")
            return
        rows = [r.flat() for r in st.resources(k, snapshot=snapshot)]
        fields: list[str] | None = None
        if conds or sort or opts.columns:
            from cloudctl.model import Resource

            common = [f for f in Resource.__slots__ if f != "extra"]  # type: ignore[attr-defined]
            fields = list(dict.fromkeys(common + expand_columns(rows, all_columns(rows))))
            keys = [c for c, _ in conds] + [s.strip().lstrip("-") for s in (sort or "").split(",") if s.strip()]
            _check_names("field", [c for c, _ in conds], fields)
            if sort:
                from cloudctl.cli.options import unknown_names

                bad = [s for s in keys[len(conds):] if s not in fields]
                if bad:
                    raise unknown_names("sort_key", bad, fields)
            for key, value in conds:
                closed = _closed_values(key, rows, st)
                if closed is not None:
                    _check_names(key, [value], closed)
    if provs:
        rows = [r for r in rows if r["provider"] in provs]
    if conds:
        rows = [r for r in rows if all(_text(lookup(r, key)) == v for key, v in conds)]
    for key in reversed([s for s in (sort or "").split(",") if s.strip()]):
        desc, key = key.strip().startswith("-"), key.strip().lstrip("-")
        rows.sort(key=lambda r: (lookup(r, key) is None, v if isinstance(v := lookup(r, key), (int, float)) else str(v or "")), reverse=desc)
    # Tables show a few columns per kind; machine formats and spreadsheets every field.
    cols = DEFAULT_COLUMNS.get(k, BASE_COLUMNS) if output is Format.table else None
    if output is Format.json and not (opts.columns or opts.excel_bom) and opts.out is None:
        _write_json(rows)
    else:
        render(rows, output, cols, fields=fields, sheet=t(f"cli.kind.{k}"))


def _text(value: object) -> str:
    from cloudctl.sheets import text

    return "" if value is None else text(value) if not isinstance(value, bool) else str(value).lower()


def _write_json(rows: list[dict]) -> None:
    """A JSON list of flat objects, one object per line.

    Rows from the store are already plain JSON values, so the C encoder can do the work: the
    generic renderer's indented output goes through the pure-Python encoder, which made
    `ls -o json` over 50,000 servers take several seconds.
    """
    import json

    enc = json.JSONEncoder(ensure_ascii=False, default=str).encode
    # Every row already has the common fields first (Resource.flat); each object keeps its own
    # extra fields as they are (--columns goes through the generic renderer).
    lines = [enc(r) for r in rows]
    sys.stdout.write("[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n")


def show(
    kind: Annotated[str, typer.Argument(help="Resource kind (singular or plural).")],
    id: Annotated[str, typer.Argument(help="Resource id (or a unique name).")],  # noqa: A002
    provider: ProviderOpt = None,
    store: StoreOpt = None,
    output: OutputOpt = Format.yaml,
) -> None:
    """Show every field of one resource from the local store.

    An id or name that matches resources of several providers (a project named the same on
    three clouds) is an error listing them; --provider chooses.

    Example:  cloudctl show project lvliang-czj --provider huawei
    """
    from cloudctl.cli.render import listing, render, select_columns
    from cloudctl.errors import UsageError
    from cloudctl.i18n import t
    from cloudctl.sheets import expand_columns, lookup

    k = _kind(kind)
    provs = list(dict.fromkeys(provider or ()))
    with _open(store) as st:
        if provs:
            _check_names("provider", provs, _store_providers(st))
        found = [r for r in st.resources(k) if (r.id == id or r.name == id) and (not provs or r.provider in provs)]
    what = t(f"cli.kind.{k}")
    if not found:
        raise UsageError(t("cli.show.none", id=id, kind=what), hint=t("cli.show.none.hint", kind_id=k))
    if len(found) > 1:
        candidates = "; ".join(f"{r.provider} {r.id} ({r.name})" for r in found)
        raise UsageError(t("cli.show.ambiguous", count=len(found), kind=what, id=id, candidates=candidates),
                         hint=t("cli.show.ambiguous.hint", providers=", ".join(sorted({r.provider for r in found}))))
    flat = found[0].flat()
    if output is Format.table:
        opts = listing()
        names = select_columns([flat], expand_columns([flat], list(flat)), opts.columns)
        opts.columns = None  # used up: the table lists the fields as rows
        render([{"field": f, "value": lookup(flat, f)} for f in names], output, ["field", "value"])
    else:
        render([flat], output, sheet=what)


def diff(
    from_: Annotated[Optional[int], typer.Option("--from", help="Older snapshot id (default: the one before --to).")] = None,
    to: Annotated[Optional[int], typer.Option("--to", help="Newer snapshot id (default: the latest).")] = None,
    exit_code: Annotated[bool, typer.Option("--exit-code", help="Exit 1 when anything changed (drift).")] = False,
    store: StoreOpt = None,
    output: OutputOpt = Format.table,
) -> int:
    """What was added, removed or changed (field by field) between two snapshots.

    The table ends with the summary line (`cloudctl diff | tail -1`); JSON, CSV and YAML are
    the changes alone. CSV and XLSX give each changed field its from/to columns.

    Example:  cloudctl diff --exit-code
    """
    from cloudctl.cli.render import render
    from cloudctl.errors import ExitCode
    from cloudctl.i18n import t
    from cloudctl.store import diff as compute, resolve_pair

    with _open(store) as st:
        a, b = resolve_pair(st, from_, to)
        changes = compute(st, a, b)
    if output is Format.table:
        rows = [{**c.flat(), "fields": ", ".join(f"{k}: {x!r} → {y!r}" for k, (x, y) in c.fields.items())} for c in changes]
    else:
        rows = [c.flat() for c in changes]
    summary = t("cloud.diff.summary", added=sum(c.change == "added" for c in changes), removed=sum(c.change == "removed" for c in changes),
                changed=sum(c.change == "changed" for c in changes))
    # Under a table the summary is the last line of stdout (`cloudctl diff | tail -1`); a JSON or
    # CSV stream has none (the rows are the answer), a file written with --out gets it on stderr.
    render(rows, output, ["change", "provider", "kind", "id", "name", "fields"], title=t("cloud.diff.title", a=a, b=b), summary=summary)
    return ExitCode.PROBLEMS if exit_code and changes else ExitCode.OK


ExportOutputOpt = Annotated[
    Format,
    typer.Option("--output", "-o", help="Output format: jsonl, json, csv, yaml, xlsx (one sheet per kind; needs --out) or table.", case_sensitive=False),
]


def export(
    kind: Annotated[Optional[str], typer.Option("--kind", help="Only this kind.")] = None,
    snapshot: Annotated[Optional[int], typer.Option("--snapshot", help="Export this snapshot instead of the latest data.")] = None,
    store: StoreOpt = None,
    output: ExportOutputOpt = Format.jsonl,
    format_: Annotated[Optional[str], typer.Option("--format", "-f", hidden=True, help="Deprecated: use -o.")] = None,
) -> None:
    """Export every resource from the local store: JSON Lines by default, or CSV, XLSX, ...

    CSV and XLSX give provider-specific fields (flavor, vcpus, tags ...) one column each;
    --columns picks them. -o xlsx --out FILE writes one sheet per kind.

    Example:  cloudctl export -o xlsx --out resources.xlsx
    """
    from cloudctl.cli.output import warn
    from cloudctl.cli.render import render
    from cloudctl.i18n import t

    if format_ is not None:
        # The old -f/--format jsonl|csv keeps working for scripts written against it.
        warn(t("cli.format_deprecated", option="-f/--format"))
        output = _format(format_)
    k = _kind(kind) if kind else None
    with _open(store) as st:
        rows = [r.flat() for r in st.resources(k, snapshot=snapshot)]
    render(rows, output, sheet_by="kind")


def _format(value: str) -> Format:
    try:
        return Format(value.lower())
    except ValueError:
        from cloudctl.cli.options import unknown_names

        raise unknown_names("format", [value], [f.value for f in Format]) from None


def capacity(provider: ProviderOpt = None, store: StoreOpt = None, output: OutputOpt = Format.table) -> None:
    """Per provider and project: vCPU / RAM / disk allocated vs quota vs physical capacity.

    The ``*`` row of each provider compares all allocations with the hosts' capacity
    (utilization ratio; the plan asks to raise it).

    Example:  cloudctl capacity -o json
    """
    from cloudctl.capacity import capacity_rows
    from cloudctl.cli.render import render
    from cloudctl.i18n import t

    with _open(store) as st:
        if provider:
            _check_names("provider", provider, _store_providers(st))
        rows = capacity_rows(st)
    if provider:
        rows = [r for r in rows if r["provider"] in provider]
    cols = ["provider", "project", "vcpus", "vcpus_quota", "vcpus_capacity", "vcpus_utilization", "ram_mb", "ram_mb_quota",
            "ram_mb_capacity", "ram_mb_utilization", "disk_gb", "disk_gb_quota", "disk_gb_capacity", "disk_gb_utilization"]
    render(rows, output, cols, sheet=t("cli.title.capacity"), percent=[c for c in cols if c.endswith("_utilization")])
