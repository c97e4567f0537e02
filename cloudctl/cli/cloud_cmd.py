"""Cloud commands: ``sync``, ``ls``, ``show``, ``diff``, ``export``, ``capacity`` (``snapshots``: store_cmd.py).

Thin: parse, call ``cloudctl.sync`` / ``cloudctl.store`` / ``cloudctl.capacity``, render.
Everything except ``sync`` reads the local store only (no network).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from cloudctl.cli.options import OutputOpt, StoreOpt
from cloudctl.cli.render import Format

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
    from cloudctl.errors import UsageError
    from cloudctl.model import KINDS

    kind = KIND_ALIASES.get(name.lower(), name.lower())
    if kind not in KINDS:
        raise UsageError(f"unknown kind {name!r}", hint=f"use one of: {', '.join(KINDS)} (singular or plural)")
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


def _matches(row: dict, where: list[tuple[str, str]]) -> bool:
    return all(str(row.get(k) if row.get(k) is not None else "") == v for k, v in where)


def ls(
    kind: Annotated[str, typer.Argument(help="server, volume, network, subnet, floating_ip, project, quota, capacity (or plural).")],
    provider: ProviderOpt = None,
    project: Annotated[Optional[str], typer.Option("--project", help="Only this project (tenant / department).")] = None,
    status: Annotated[Optional[str], typer.Option("--status", help="Only this normalized status (active, stopped, ...).")] = None,
    arch: Annotated[Optional[str], typer.Option("--arch", help="Only this architecture (x86_64, aarch64).")] = None,
    system: Annotated[Optional[str], typer.Option("--system", help="Only resources of this inventory system id.")] = None,
    where: Annotated[Optional[list[str]], typer.Option("--where", "-w", help="KEY=VALUE filter on any field (repeatable).")] = None,
    columns: Annotated[Optional[str], typer.Option("--columns", help="Comma-separated columns (default: per kind; 'all' for every field).")] = None,
    sort: Annotated[Optional[str], typer.Option("--sort", help="Comma-separated sort keys; prefix '-' for descending.")] = None,
    snapshot: Annotated[Optional[int], typer.Option("--snapshot", help="Read this snapshot instead of the latest data.")] = None,
    store: StoreOpt = None,
    output: OutputOpt = Format.table,
) -> None:
    """List resources of one kind from the local store (no network).

    Example:  cloudctl ls servers --provider huawei --arch aarch64 -o json
    """
    from cloudctl.cli.render import render
    from cloudctl.errors import UsageError

    k = _kind(kind)
    conds: list[tuple[str, str]] = []
    for w in where or ():
        key, eq, value = w.partition("=")
        if not eq or not key:
            raise UsageError(f"--where {w!r}: expected KEY=VALUE", hint="example: --where flavor=kc1.large.2")
        conds.append((key, value))
    conds += [(f, v) for f, v in (("project", project), ("status", status), ("arch", arch), ("system", system)) if v is not None]
    provs = set(provider or ())
    with _open(store) as st:
        if output is Format.json and not (conds or sort or columns) and len(provs) <= 1:
            # Fast path (50,000 servers well under a second): JSON text straight from the store.
            lines = list(st.json_objects(k, snapshot=snapshot, provider=next(iter(provs), None)))
            sys.stdout.write("[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n")
            return
        rows = [r.flat() for r in st.resources(k, snapshot=snapshot) if not provs or r.provider in provs]
    rows = [r for r in rows if _matches(r, conds)] if conds else rows
    for key in reversed([s for s in (sort or "").split(",") if s]):
        desc, key = key.startswith("-"), key.lstrip("-")
        rows.sort(key=lambda r: (r.get(key) is None, r.get(key) if isinstance(r.get(key), (int, float)) else str(r.get(key) or "")), reverse=desc)
    if columns == "all":
        cols = None
    elif columns:
        cols = [c.strip() for c in columns.split(",") if c.strip()]
    elif output in (Format.table,):
        cols = DEFAULT_COLUMNS.get(k, BASE_COLUMNS)
    else:
        cols = None  # machine formats: every field, the base ones first
    if output is Format.json:
        _write_json(rows, cols)
    else:
        render(rows, output, cols)


def _write_json(rows: list[dict], cols: list[str] | None) -> None:
    """A JSON list of flat objects, one object per line.

    Rows from the store are already plain JSON values, so the C encoder can do the work: the
    generic renderer's indented output goes through the pure-Python encoder, which made
    `ls -o json` over 50,000 servers take several seconds.
    """
    import json

    enc = json.JSONEncoder(ensure_ascii=False, default=str).encode
    # Every row already has the common fields first (Resource.flat); without --columns each
    # object keeps its own extra fields as they are.
    lines = [enc(r) for r in rows] if cols is None else [enc({c: r.get(c) for c in cols}) for r in rows]
    sys.stdout.write("[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n")


def show(
    kind: Annotated[str, typer.Argument(help="Resource kind (singular or plural).")],
    id: Annotated[str, typer.Argument(help="Resource id (or a unique name).")],  # noqa: A002
    provider: ProviderOpt = None,
    store: StoreOpt = None,
    output: OutputOpt = Format.yaml,
) -> None:
    """Show every field of one resource from the local store.

    Example:  cloudctl show server 4d3c2b1a-0000-4000-8000-000000000001
    """
    from cloudctl.cli.render import render
    from cloudctl.errors import UsageError

    k = _kind(kind)
    provs = set(provider or ())
    with _open(store) as st:
        found = [r for r in st.resources(k) if (r.id == id or r.name == id) and (not provs or r.provider in provs)]
    if not found:
        raise UsageError(f"no {k} with id or name {id!r} in the store", hint=f"list them with `cloudctl ls {k}`; run `cloudctl sync` to refresh")
    if len(found) > 1 and not any(r.id == id for r in found):
        raise UsageError(f"{len(found)} {k}s are named {id!r}", hint="give the id instead, or add --provider")
    exact = [r for r in found if r.id == id] or found
    if output is Format.table:
        render([{"field": f, "value": v} for f, v in exact[0].flat().items()], output, ["field", "value"])
    else:
        render([r.flat() for r in exact], output)


def diff(
    from_: Annotated[Optional[int], typer.Option("--from", help="Older snapshot id (default: the one before --to).")] = None,
    to: Annotated[Optional[int], typer.Option("--to", help="Newer snapshot id (default: the latest).")] = None,
    exit_code: Annotated[bool, typer.Option("--exit-code", help="Exit 1 when anything changed (drift).")] = False,
    store: StoreOpt = None,
    output: OutputOpt = Format.table,
) -> int:
    """What was added, removed or changed (field by field) between two snapshots.

    Example:  cloudctl diff --exit-code
    """
    from cloudctl.cli.output import note
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
    render(rows, output, ["change", "provider", "kind", "id", "name", "fields"], title=t("cloud.diff.title", a=a, b=b))
    note(t("cloud.diff.summary", added=sum(c.change == "added" for c in changes), removed=sum(c.change == "removed" for c in changes),
           changed=sum(c.change == "changed" for c in changes)))
    return ExitCode.PROBLEMS if exit_code and changes else ExitCode.OK


def export(
    format: Annotated[str, typer.Option("--format", "-f", help="jsonl or csv.")] = "jsonl",  # noqa: A002
    kind: Annotated[Optional[str], typer.Option("--kind", help="Only this kind.")] = None,
    snapshot: Annotated[Optional[int], typer.Option("--snapshot", help="Export this snapshot instead of the latest data.")] = None,
    store: StoreOpt = None,
) -> None:
    """Export resources from the local store as JSON Lines or CSV on stdout.

    Example:  cloudctl export --format jsonl > resources.jsonl
    """
    import csv
    import json

    from cloudctl.errors import UsageError
    from cloudctl.model import Resource

    if format not in ("jsonl", "csv"):
        raise UsageError(f"--format {format!r}: use jsonl or csv")
    k = _kind(kind) if kind else None
    fields = [f for f in Resource.__slots__ if f != "extra"] + ["extra"]  # type: ignore[attr-defined]
    out = sys.stdout
    with _open(store) as st:
        if format == "csv":
            w = csv.writer(out, lineterminator="\n")
            w.writerow(fields)
        for r in st.resources(k, snapshot=snapshot):
            if format == "jsonl":
                out.write(json.dumps(r.flat(), ensure_ascii=False, default=str) + "\n")
            else:
                w.writerow([json.dumps(r.extra, ensure_ascii=False, default=str) if f == "extra" else getattr(r, f) for f in fields])


def capacity(provider: ProviderOpt = None, store: StoreOpt = None, output: OutputOpt = Format.table) -> None:
    """Per provider and project: vCPU / RAM / disk allocated vs quota vs physical capacity.

    The ``*`` row of each provider compares all allocations with the hosts' capacity
    (utilization ratio; the plan asks to raise it).

    Example:  cloudctl capacity -o json
    """
    from cloudctl.capacity import capacity_rows
    from cloudctl.cli.render import render

    with _open(store) as st:
        rows = capacity_rows(st)
    if provider:
        rows = [r for r in rows if r["provider"] in provider]
    cols = ["provider", "project", "vcpus", "vcpus_quota", "vcpus_capacity", "vcpus_utilization", "ram_mb", "ram_mb_quota",
            "ram_mb_capacity", "ram_mb_utilization", "disk_gb", "disk_gb_quota", "disk_gb_capacity", "disk_gb_utilization"]
    short = {c: c.replace("vcpus", "vCPU").replace("ram_mb", "RAM MiB").replace("disk_gb", "disk GiB").replace("_utilization", " util")
             .replace("_capacity", " cap").replace("_quota", " quota") for c in cols}
    render(rows, output, cols, headers=short)
