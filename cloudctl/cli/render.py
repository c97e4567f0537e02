"""Rendering records for people (Rich tables) and for scripts and spreadsheets.

Every command that prints records calls :func:`render` with its rows and its default columns;
the options every such command shares (``-o``, ``--columns``, ``--out``, ``--excel-bom``, added by
:func:`cloudctl.cli.options.with_listing_options`) are applied here, the same way everywhere:

- ``-o table|json|jsonl|csv|yaml|xlsx``. JSON is a list of flat objects (DESIGN.md); CSV and
  XLSX flatten mapping fields into named columns (``tags.system-id``) and lists into one cell;
  XLSX needs ``--out FILE`` and keeps numbers and dates typed.
- ``--columns a,b`` picks and orders columns (``all``: every field); an unknown name is a usage
  error (exit 2) with the valid names and a "did you mean".
- ``--out FILE`` writes the output to FILE atomically instead of stdout.
- Table headers and titles are in the active language (catalog keys ``col.<field>``); on a
  terminal a table ends with its row count.

Nothing here decides *what* to show; commands pass rows and columns.
"""

from __future__ import annotations

import contextlib
import enum
import io
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TextIO


class Format(str, enum.Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    yaml = "yaml"
    xlsx = "xlsx"


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def _cell(value: Any) -> str:
    """A cell of a terminal table (short floats; the rest as in CSV)."""
    from cloudctl.sheets import text

    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, bool):
        from cloudctl.i18n import t

        return t("cli.yes") if value else t("cli.no")
    return text(value)


def header(column: str, headers: dict[str, str] | None = None) -> str:
    """What a table or workbook shows above ``column``: ``headers`` first, then the catalog."""
    from cloudctl.i18n import MESSAGES, t

    if headers and column in headers:
        return headers[column]
    if f"col.{column}" in MESSAGES:
        return t(f"col.{column}")
    head, dot, rest = column.partition(".")
    if dot and f"col.{head}" in MESSAGES:
        return f"{t(f'col.{head}')}.{rest}"
    return column


def select_columns(
    rows: Sequence[dict[str, Any]], default: Sequence[str] | None, requested: str | None, fields: Iterable[str] | None = None
) -> list[str]:
    """The columns to show: ``--columns`` (validated) or the command's default or every field."""
    from cloudctl.cli.options import unknown_names
    from cloudctl.sheets import all_columns, expand_columns

    if requested is None:
        return list(default) if default is not None else all_columns(rows)
    every = list(fields) if fields is not None else None
    if requested.strip().lower() == "all":
        return every if every is not None else all_columns(rows)
    names = [c.strip() for c in requested.split(",") if c.strip()]
    known: dict[str, None] = dict.fromkeys(every or ())
    known.update(dict.fromkeys(default or ()))
    seen = all_columns(rows)
    known.update(dict.fromkeys(seen))
    known.update(dict.fromkeys(expand_columns(rows, seen)))
    bad = [n for n in names if n not in known]
    if bad:
        raise unknown_names("column", bad, list(known) + ["all"])
    return names


def listing():  # noqa: ANN201 - cloudctl.cli.state.ListingOptions
    from cloudctl.cli.state import current

    return current.listing


@contextlib.contextmanager
def destination(out: TextIO | None = None, *, bom: bool = False) -> Iterator[TextIO]:
    """Where a command's output goes: ``--out FILE`` (written atomically at the end) or stdout."""
    opts = listing()
    if opts.out is None:
        stream = out or sys.stdout
        if bom:
            stream.write("\ufeff")
        yield stream
        return
    from cloudctl.cli.output import note
    from cloudctl.i18n import t
    from cloudctl.sheets import write_text

    buf = io.StringIO()
    yield buf
    write_text(opts.out, buf.getvalue(), bom=bom)
    note(t("cli.written", path=opts.out))


def render(
    rows: Iterable[dict[str, Any]],
    fmt: Format | str = Format.table,
    columns: Sequence[str] | None = None,
    *,
    title: str | None = None,
    out: TextIO | None = None,
    headers: dict[str, str] | None = None,
    fields: Iterable[str] | None = None,
    summary: str | None = None,
    sheet: str | None = None,
    percent: Iterable[str] = (),
    sheet_by: str | None = None,
) -> None:
    """Write ``rows`` in ``fmt``.

    ``columns``: the command's default columns (default: every field seen). ``fields``: every
    name ``--columns`` may pick (default: ``columns`` and the rows' keys). ``summary``: a closing
    line, printed under a table, or on stderr when the output went to a file (--out); a JSON or
    CSV stream on stdout carries no summary, so a pipeline's terminal shows only its result.
    ``sheet``/``percent``: the worksheet name and the ratio columns of ``-o xlsx``; ``sheet_by``:
    one worksheet per value of this field (``kind``), each with its own columns.
    """
    from cloudctl.cli.output import note
    from cloudctl.errors import UsageError
    from cloudctl.i18n import t
    from cloudctl.sheets import all_columns, expand_columns, lookup

    fmt = Format(fmt)
    opts = listing()
    rows = rows if isinstance(rows, list) else list(rows)
    cols = select_columns(rows, columns, opts.columns, fields)
    if opts.excel_bom and fmt is not Format.csv:
        raise UsageError(t("cli.bom_needs_csv"), hint=t("cli.bom_needs_csv.hint"))
    if fmt is Format.xlsx:
        if opts.out is None:
            raise UsageError(t("cli.xlsx_needs_out"), hint=t("cli.xlsx_needs_out.hint"))
        from cloudctl.sheets import Sheet, write_xlsx

        groups: dict[str, list[dict[str, Any]]] = {}
        if sheet_by is None:
            groups[sheet or title or "data"] = rows
        else:
            for r in rows:
                groups.setdefault(_sheet_label(r.get(sheet_by)), []).append(r)
        sheets = []
        for name, group in groups.items():
            own = cols if (opts.columns or columns is not None or sheet_by is None) else all_columns(group)
            own = expand_columns(group, own)
            sheets.append(Sheet(name, own, group, [header(c, headers) for c in own], set(percent)))
        write_xlsx(opts.out, sheets)
        note(t("cli.written_rows", path=opts.out, rows=len(rows)))
        if summary:
            note(summary)
        return
    # Without any column choice, each JSON/YAML object keeps exactly its own fields (resources
    # of different kinds or providers have different ones).
    own = columns is None and opts.columns is None

    def obj(r: dict[str, Any]) -> dict[str, Any]:
        return {str(k): _plain(v) for k, v in r.items()} if own else {c: _plain(lookup(r, c)) for c in cols}

    with destination(out, bom=opts.excel_bom) as stream:
        if fmt is Format.json:
            json.dump([obj(r) for r in rows], stream, ensure_ascii=False, indent=2)
            stream.write("\n")
        elif fmt is Format.jsonl:
            enc = json.JSONEncoder(ensure_ascii=False, default=str).encode
            for r in rows:
                stream.write(enc(obj(r)) + "\n")
        elif fmt is Format.yaml:
            import yaml

            data = [obj(r) for r in rows]
            stream.write(yaml.safe_dump(data, allow_unicode=True, sort_keys=False) if data else "[]\n")
        elif fmt is Format.csv:
            import csv

            from cloudctl.sheets import text

            cols = expand_columns(rows, cols)
            w = csv.writer(stream, lineterminator="\n")
            w.writerow(cols)
            for r in rows:
                w.writerow([text(lookup(r, c)) for c in cols])
        else:
            _table(rows, expand_columns(rows, cols), stream, title=title, headers=headers, summary=summary)
            return
    if summary and opts.out is not None:
        note(summary)


def _sheet_label(value: Any) -> str:
    from cloudctl.i18n import MESSAGES, t

    return t(f"cli.kind.{value}") if f"cli.kind.{value}" in MESSAGES else str(value)


def _table(rows: list[dict[str, Any]], cols: list[str], stream: TextIO, *, title: str | None, headers: dict[str, str] | None,
           summary: str | None) -> None:
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    from cloudctl.cli.console import stdout_console
    from cloudctl.i18n import t
    from cloudctl.sheets import lookup

    console = stdout_console(stream)
    # On a terminal a listing says how many rows it has; piped, the last line stays data.
    caption = t("cli.rows", rows=len(rows)) if console.is_terminal and summary is None else None
    table = Table(title=None if title is None else Text(title, style="table.title"), caption=caption, caption_justify="left", show_lines=False, header_style="bold")
    heads = [header(c, headers) for c in cols]
    # Headers unbroken where they fit; where they do not, Rich folds them rather than cutting the
    # table at the terminal's edge (a minimum width it cannot meet drops the columns on the right).
    mins = [min(cell_len(h), 16) for h in heads]
    if sum(mins) + 3 * len(heads) + 1 > console.width:
        mins = [None] * len(heads)
    for h, least in zip(heads, mins):
        table.add_column(Text(h), overflow="fold", min_width=least)
    # Cells are data (names from the clouds and the inventory), never markup: a name holding
    # "[/]" or "[bold]" prints as it is.
    for r in rows:
        table.add_row(*(Text(_cell(lookup(r, c))) for c in cols))
    console.print(table)
    if summary:
        console.print(summary, markup=False, highlight=False)


def write_json(data: Any, out: TextIO | None = None) -> None:
    """A single JSON document (for commands whose result is not a list)."""
    with destination(out) as stream:
        json.dump(_plain(data), stream, ensure_ascii=False, indent=2)
        stream.write("\n")


def write_document(content: str, out: TextIO | None = None) -> None:
    """Text a command has already formatted (policy check's text, JUnit, SARIF ...), to stdout or --out."""
    with destination(out) as stream:
        stream.write(content)
