"""Option declarations reused by many commands (one place for names, help and defaults).

Every command whose ``-o/--output`` offers ``xlsx`` prints records; :func:`apply_listing_options`
(called once by ``cloudctl.cli.main`` on the whole command tree) gives each of them the same
``--columns``, ``--out`` and ``--excel-bom`` options, so a new command gets them by declaring
``output: OutputOpt`` and calling ``render.render()``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from cloudctl.cli.render import Format

OutputOpt = Annotated[
    Format,
    typer.Option("--output", "-o", help="Output format: table, json, jsonl, csv, yaml or xlsx (xlsx needs --out).", case_sensitive=False),
]
ColumnsOpt = Annotated[
    Optional[str],
    typer.Option("--columns", help="Comma-separated columns to show, in order ('all': every field; nested fields as tags.system-id).", show_default=False),
]
OutFileOpt = Annotated[
    Optional[Path],
    typer.Option("--out", help="Write the output to this file (atomically) instead of stdout; required for -o xlsx.", show_default=False),
]
ExcelBomOpt = Annotated[
    bool,
    typer.Option("--excel-bom", help="Start CSV output with a UTF-8 BOM so Excel on Chinese Windows reads it as UTF-8."),
]
InventoryOpt = Annotated[
    Optional[Path],
    typer.Option("--inventory", "-i", help="Inventory directory (default: config 'inventory:' or ./inventory).", show_default=False),
]
StoreOpt = Annotated[
    Optional[str],
    typer.Option("--store", help="Store: a SQLite file, sqlite:///path or postgresql://user@host/db (default: config 'store:' or the user data dir).",
                 show_default=False),
]

# name -> (annotation, default) of the options every record-printing command shares.
LISTING_OPTIONS: dict[str, tuple[Any, Any]] = {
    "columns": (ColumnsOpt, None),
    "out": (OutFileOpt, None),
    "excel_bom": (ExcelBomOpt, False),
}


def _prints_records(sig: inspect.Signature) -> bool:
    param = sig.parameters.get("output")
    if param is None:
        return False
    kind = getattr(param.annotation, "__origin__", param.annotation)
    return isinstance(kind, type) and "xlsx" in getattr(kind, "__members__", {})


def with_listing_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` with ``--columns``, ``--out`` and ``--excel-bom`` after its ``--output``.

    The values are kept for this invocation in ``cloudctl.cli.state.current.listing`` where
    :func:`cloudctl.cli.render.render` applies them. A command that declares a parameter of the
    same name keeps it for itself (``plan --out`` is the plan file): that option is not added and
    render() does not see it. Commands without an ``-o`` offering xlsx are returned unchanged.
    """
    if getattr(func, "__listing__", False):
        return func
    sig = inspect.signature(func, eval_str=True)
    if not _prints_records(sig):
        return func
    params = list(sig.parameters.values())
    added = [n for n in LISTING_OPTIONS if n not in sig.parameters]
    at = [p.name for p in params].index("output") + 1
    extra = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=LISTING_OPTIONS[n][1], annotation=LISTING_OPTIONS[n][0])
             for n in added]
    # After the new options every parameter becomes keyword-only (Typer passes keywords anyway);
    # Typer lists the options in this order in --help.
    kw = inspect.Parameter.KEYWORD_ONLY
    new = params[:at] + extra + [p.replace(kind=kw) if p.kind is not inspect.Parameter.VAR_KEYWORD else p for p in params[at:]]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from cloudctl.cli.state import ListingOptions, current

        # An option the command declares itself is its own (plan's --out is the plan file).
        values = {n: kwargs.pop(n) if n in added else LISTING_OPTIONS[n][1] for n in LISTING_OPTIONS}
        current.listing = ListingOptions(columns=values["columns"], out=values["out"], excel_bom=bool(values["excel_bom"]))
        return func(*args, **kwargs)

    wrapper.__signature__ = sig.replace(parameters=new)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in new if p.annotation is not inspect.Parameter.empty}
    wrapper.__listing__ = True  # type: ignore[attr-defined]
    return wrapper


def apply_listing_options(app: typer.Typer) -> None:
    """Give every record-printing command of ``app`` (and its groups, recursively) the shared options."""
    for info in app.registered_commands:
        if info.callback is not None:
            info.callback = with_listing_options(info.callback)
    # A group whose callback prints records itself (`cloudctl snapshots`, with `snapshots prune`).
    if app.registered_callback is not None and app.registered_callback.callback is not None:
        app.registered_callback.callback = with_listing_options(app.registered_callback.callback)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            apply_listing_options(group.typer_instance)


def unknown_names(what: str, names: Sequence[str], valid: Sequence[str]):  # noqa: ANN201 - a UsageError
    """The usage error (exit 2) for unknown names: which, the valid ones, and a "did you mean"."""
    import difflib

    from cloudctl.errors import UsageError
    from cloudctl.i18n import t

    valid = list(dict.fromkeys(valid))
    close = [m for n in names if (m := _closest(n, valid, difflib))]
    hint = t("cli.hint.valid", names=", ".join(valid))
    if close:
        hint = t("cli.hint.did_you_mean_valid", names=", ".join(dict.fromkeys(close)), valid=hint)
    return UsageError(t(f"cli.unknown.{what}", names=", ".join(names)), hint=hint)


def _closest(name: str, valid: Sequence[str], difflib) -> str | None:  # noqa: ANN001
    """The valid name most like ``name`` (ties: the longer common prefix), or None."""
    import os.path

    scored = [(difflib.SequenceMatcher(None, name, v).ratio(), len(os.path.commonprefix([name, v])), v) for v in valid]
    best = max(scored, default=None, key=lambda s: (s[0], s[1]))
    return best[2] if best is not None and best[0] >= 0.6 else None


def inventory_dir(explicit: Path | None) -> Path:
    """``--inventory`` if given, else the config's inventory location."""
    if explicit is not None:
        return explicit
    from cloudctl.cli.state import current

    return current.config().inventory_dir


def store_url(explicit: str | None):  # noqa: ANN201 - a cloudctl.store.StoreURL
    """``--store`` if given (relative to the working directory), else the config's store."""
    if explicit is not None:
        from cloudctl.store.url import parse

        return parse(explicit)
    from cloudctl.cli.state import current

    return current.config().store_url


def parse_wait(text: str) -> float:
    """``--wait``: 0 (do not wait) or a duration such as 30s, 10m, 1h."""
    if text.strip() in ("0", "0s"):
        return 0.0
    from cloudctl.agent.config import parse_duration
    from cloudctl.errors import UsageError
    from cloudctl.i18n import t

    try:
        return parse_duration(text)
    except ValueError:
        raise UsageError(t("cli.bad_duration", option="--wait", value=text), hint=t("cli.bad_duration.hint", option="--wait")) from None
