"""Records as spreadsheet columns: flattening nested fields, typing cells, writing files atomically.

What the CLI prints as CSV and XLSX, and what the report workbook holds, goes through here so
that every spreadsheet follows the same rules:

- one column per field; a field whose values are mappings (``tags``, ``fields`` of a diff)
  becomes one column per key, named ``field.key`` (``--columns tags.system-id`` picks one);
- lists become one text cell (``10.0.0.1, 10.0.0.2``), never a JSON blob;
- in a workbook numbers stay numbers, booleans booleans, and ISO dates and timestamps become
  Excel dates (timestamps are UTC; Excel has no time zones);
- a file is written to a temporary name next to the target and renamed into place, so a failure
  never leaves half a file where the user expects a whole one.

XlsxWriter (``constant_memory`` mode) writes the workbooks; it is imported only when one is
written (docs/architecture.md, "Dependencies", says why this library).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# 2024-01-02, 2024-01-02T03:04:05Z, 2024-01-02 03:04:05.123+08:00 ...
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?")
MAX_WIDTH = 60  # characters; longer cells wrap in Excel's own way
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


def lookup(row: dict[str, Any], column: str) -> Any:
    """``row[column]``; for a flattened name ``a.b`` that is not a key, the nested ``row[a][b]``.

    Keys may contain dots themselves (OpenStack quotas: ``compute.cores.limit``), so every split
    point whose prefix holds a mapping is tried.
    """
    if column in row:
        return row[column]
    start = 0
    while (i := column.find(".", start)) > 0:
        value = row.get(column[:i])
        if isinstance(value, dict):
            found = lookup(value, column[i + 1:])
            if found is not None:
                return found
        start = i + 1
    return None


def all_columns(rows: Iterable[dict[str, Any]]) -> list[str]:
    """Every key of ``rows``, in first-seen order."""
    seen: dict[str, None] = {}
    for r in rows:
        for k in r:
            if k not in seen:
                seen[k] = None
    return list(seen)


def expand_columns(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> list[str]:
    """``columns`` with each mapping-valued one replaced by its keys (``tags`` -> ``tags.system-id``).

    One pass over the rows' own keys; only a flattened name that is not a key itself (``a.b``)
    is looked up row by row. A mapping that is empty in every row adds no column.
    """
    wanted = set(columns)
    keys: set[str] = set()
    subs: dict[str, dict[str, None]] = {}
    for r in rows:
        keys.update(r)
        for k in wanted.intersection(r):
            v = r[k]
            if isinstance(v, dict):
                found = subs.setdefault(k, {})
                for sub in v:
                    found.setdefault(str(sub), None)
    out: list[str] = []
    for c in columns:
        if c not in subs and c not in keys and "." in c:
            inner: dict[str, None] = {}
            nested = False
            for r in rows:
                v = lookup(r, c)
                if isinstance(v, dict):
                    nested = True
                    inner.update(dict.fromkeys(map(str, v)))
            if nested:
                subs[c] = inner
        if c in subs:
            if subs[c]:
                out.extend(expand_columns(rows, [f"{c}.{k}" for k in subs[c]]))
        else:
            out.append(c)
    return out


def text(value: Any) -> str:
    """One cell as text (CSV, terminal tables): lists joined, mappings as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return format(value, ".15g")
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, (list, tuple, set)):
        return ", ".join(text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def typed(value: Any) -> Any:
    """One cell for a workbook: None, bool, int, float, date, datetime or str."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        if not value:
            return None  # an empty cell, as Excel has it
        if 10 <= len(value) <= 32 and value[4:5] == "-" and _DATE.fullmatch(value):
            return as_date(value)
        return value
    if isinstance(value, enum.Enum):
        return typed(value.value)
    return text(value) or None


def as_date(value: str) -> dt.date | dt.datetime | str:
    """An ISO date or timestamp as a date / naive UTC datetime (the string itself when invalid)."""
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value)
        d = dt.datetime.fromisoformat(value.replace(" ", "T", 1))
    except ValueError:
        return value
    return d.astimezone(dt.timezone.utc).replace(tzinfo=None) if d.tzinfo else d


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path next to ``path``, renamed onto it when the block succeeds, removed if not.

    Missing folders are made; a path that cannot be written is a usage error (exit 2).
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    try:
        directory.mkdir(parents=True, exist_ok=True)  # like report --html: the folder is made
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o644 & ~_umask())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _cannot_write(path, exc) from None
        raise


def _cannot_write(path: Path, exc: OSError):  # noqa: ANN202 - a UsageError
    from cloudctl.errors import UsageError
    from cloudctl.i18n import t

    return UsageError(t("errors.cannot_write", path=path, reason=exc.strerror or type(exc).__name__), hint=t("errors.cannot_write.hint"))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@dataclass
class Sheet:
    """One worksheet: ``columns`` are keys into ``rows``, ``headers`` what the first row shows."""

    name: str
    columns: list[str]
    rows: Sequence[dict[str, Any]]
    headers: list[str] | None = None
    percent: set[str] = field(default_factory=set)  # columns holding ratios (0..1), shown as 12.3 %
    title: str | None = None  # a line above the header row (the report's sheets)


def sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique worksheet name: at most 31 characters, none of ``[]:*?/\\``."""
    base = _SHEET_NAME_BAD.sub("_", name).strip("'")[:31] or "Sheet"
    candidate, n = base, 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def _width(value: Any) -> int:
    s = text(value)
    # CJK characters take two columns in Excel's default fonts.
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in s[:MAX_WIDTH])


_INF = (float("inf"), float("-inf"))


def _put(ws: Any, i: int, j: int, v: Any, pct: Any, fmt_time: Any, fmt_date: Any) -> None:
    """One typed cell that is not a plain string or number (those have a fast path)."""
    if isinstance(v, str):
        ws._write_string(i, j, v)
    elif isinstance(v, bool):
        ws._write_boolean(i, j, v)
    elif isinstance(v, (int, float)):
        if v != v or v in _INF:
            ws._write_string(i, j, str(v))
        else:
            ws._write_number(i, j, v, pct)
    elif isinstance(v, dt.datetime):
        ws._write_datetime(i, j, v, fmt_time)
    else:
        ws._write_datetime(i, j, dt.datetime(v.year, v.month, v.day), fmt_date)


def write_xlsx(path: Path, sheets: Sequence[Sheet]) -> Path:
    """Write ``sheets`` as one workbook at ``path`` (atomically). Returns ``path``."""
    import xlsxwriter

    path = Path(path)
    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "tmpdir": str(tmp.parent),
                                            "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False})
        bold = wb.add_format({"bold": True})
        fmt_title = wb.add_format({"bold": True, "font_size": 13})
        fmt_date = wb.add_format({"num_format": "yyyy-mm-dd"})
        fmt_time = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        fmt_pct = wb.add_format({"num_format": "0.0%"})
        taken: set[str] = set()
        for sh in sheets:
            ws = wb.add_worksheet(sheet_name(sh.name, taken))
            headers = sh.headers or sh.columns
            top = 0
            if sh.title:
                ws.write_string(0, 0, sh.title, fmt_title)
                top = 2
            # Widths from the header and the first rows (a sample keeps 50,000 rows fast).
            widths = [max(8, _width(h) + 2) for h in headers]
            for r in sh.rows[:500]:
                for j, c in enumerate(sh.columns):
                    widths[j] = max(widths[j], _width(lookup(r, c)) + 1)
            for j, w in enumerate(widths):
                ws.set_column(j, j, min(w, MAX_WIDTH))
            ws.write_row(top, 0, headers, bold)
            ws.freeze_panes(top + 1, 0)
            ws.autofilter(top, 0, top + max(len(sh.rows), 1), max(len(headers) - 1, 0))
            pct = [c in sh.percent for c in sh.columns]
            # The row/col entry points of xlsxwriter parse A1 notation on every call; with 50,000
            # rows x 25 columns that wrapper alone costs seconds, so the row/column forms are
            # called directly (xlsxwriter is pinned in constraints.txt; the tests read every
            # workbook back with openpyxl).
            put_str, put_num = ws._write_string, ws._write_number
            columns = list(enumerate(sh.columns))
            for i, r in enumerate(sh.rows, start=top + 1):
                for j, c in columns:
                    v = r[c] if c in r else lookup(r, c)
                    kind = type(v)
                    if kind is str:
                        if not v:
                            continue
                        if len(v) < 10 or v[4] != "-" or not _DATE.fullmatch(v):
                            put_str(i, j, v)
                            continue
                        v = as_date(v)
                    elif kind is int or kind is float:
                        if pct[j]:
                            put_num(i, j, v, fmt_pct)
                        elif v == v and v not in _INF:
                            put_num(i, j, v)
                        else:
                            put_str(i, j, str(v))
                        continue
                    elif v is None:
                        continue
                    else:
                        v = typed(v)
                        if v is None:
                            continue
                    _put(ws, i, j, v, fmt_pct if pct[j] else None, fmt_time, fmt_date)
        wb.close()
    return path


def write_text(path: Path, content: str, *, bom: bool = False) -> Path:
    """Write text (UTF-8, optionally with a BOM for Excel) atomically."""
    with atomic_path(Path(path)) as tmp:
        tmp.write_text(("\ufeff" if bom else "") + content, encoding="utf-8", newline="")
    return Path(path)
