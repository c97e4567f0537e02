"""Rendering rows for people (Rich tables) and for scripts (JSON, CSV, YAML).

JSON is a list of flat objects (the machine-readable contract in DESIGN.md). Nothing here
decides *what* to show; commands pass rows and columns.
"""

from __future__ import annotations

import csv
import enum
import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any, TextIO


class Format(str, enum.Enum):
    table = "table"
    json = "json"
    csv = "csv"
    yaml = "yaml"


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
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return ",".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def render(
    rows: Iterable[dict[str, Any]],
    fmt: Format | str = Format.table,
    columns: Sequence[str] | None = None,
    *,
    title: str | None = None,
    out: TextIO | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Write ``rows`` in ``fmt``. ``columns`` selects and orders the fields (default: all seen)."""
    fmt = Format(fmt)
    out = out or sys.stdout
    rows = list(rows)
    if columns is None:
        seen: dict[str, None] = {}
        for r in rows:
            for k in r:
                seen.setdefault(k, None)
        columns = list(seen)
    if fmt is Format.json:
        data = [{c: _plain(r.get(c)) for c in columns} for r in rows]
        json.dump(data, out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif fmt is Format.yaml:
        import yaml

        data = [{c: _plain(r.get(c)) for c in columns} for r in rows]
        out.write(yaml.safe_dump(data, allow_unicode=True, sort_keys=False) if data else "[]\n")
    elif fmt is Format.csv:
        w = csv.writer(out, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([_cell(r.get(c)) for c in columns])
    else:
        from rich.table import Table

        from cloudctl.cli.console import stdout_console

        table = Table(title=title, show_lines=False, header_style="bold")
        for c in columns:
            table.add_column((headers or {}).get(c, c), overflow="fold", min_width=min(len(c), 12))
        for r in rows:
            table.add_row(*(_cell(r.get(c)) for c in columns))
        stdout_console(out).print(table)


def write_json(data: Any, out: TextIO | None = None) -> None:
    """A single JSON document (for commands whose result is not a list)."""
    out = out or sys.stdout
    json.dump(_plain(data), out, ensure_ascii=False, indent=2)
    out.write("\n")
