"""``--help`` in Chinese: the reader's language decides the help text, as it does every message.

The English help stays in the code (docstrings, ``help=``; docs/cli.md is generated from it).
Under zh, :func:`in_chinese` gives every command of the tree a context whose formatter speaks
Chinese (用法、选项、命令、参数, ``（默认：table）``) and wraps by display width (a Chinese
character takes two columns). The first time that formatter is made, the whole tree's help,
short help and option help are replaced from ``cloudctl.i18n.help_text`` — so the catalog is
loaded only when help (or a usage line) is actually printed in Chinese. A text without a
translation stays English; ``tests/unit/test_help_zh.py`` keeps there being none.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any

HEADINGS = {"Options": "选项", "Commands": "命令", "Arguments": "参数"}
EXTRAS = {"default": "默认", "env var": "环境变量", "required": "必填", "deprecated": "已弃用"}
EXAMPLE = "示例："  # an example paragraph is shown as written: a reader copies it
_WIDE = "\u2e80-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
# A line never starts with a closing mark nor ends with an opening one.
_TOKEN = re.compile(rf"(\s*)([（“‘《]*(?:[^\s{_WIDE}]+|[{_WIDE}])[，。：；、）”’》！？]*)")


def key(text: str) -> str:
    """The catalog key of a help text: the English with its whitespace (and ``\\b`` marks) collapsed."""
    return " ".join(text.replace("\b", " ").split())


def in_chinese(root: Any) -> None:
    """Make ``root`` (a click command tree) print its help in Chinese."""
    classes: dict[type, type] = {}
    done: list[bool] = []

    def chinese(base: type) -> type:
        if base not in classes:
            formatter = type("ChineseHelpFormatter", (_ChineseFormatter, base.formatter_class), {})

            def make_formatter(ctx: Any) -> Any:
                if not done:
                    done.append(True)
                    translate(root)
                return base.make_formatter(ctx)

            classes[base] = type("ChineseContext", (base,), {"formatter_class": formatter, "make_formatter": make_formatter})
        return classes[base]

    for cmd in _tree(root):
        cmd.context_class = chinese(cmd.context_class)


def translate(root: Any) -> list[str]:
    """Put the tree's help into Chinese; return ``path: text`` of each help text with no translation."""
    from cloudctl.cli.docgen import commands
    from cloudctl.i18n.help_text import HELP

    missing: list[str] = []
    for path, cmd, ctx in list(commands(root)):

        def zh(text: str | None, where: str = path) -> str | None:
            if not text:
                return text
            found = HELP.get(key(text))
            if found is None:
                missing.append(f"{where}: {key(text)}")
                return text
            return found

        cmd.help = zh(cmd.help)
        cmd.short_help = zh(cmd.short_help) if cmd.short_help else _first_paragraph(cmd.help)
        cmd.epilog = zh(cmd.epilog)
        for param in cmd.get_params(ctx):
            if getattr(param, "help", None):
                param.help = zh(param.help, f"{path} {param.name}")
    return missing


def _tree(cmd: Any) -> Iterator[Any]:
    yield cmd
    for sub in getattr(cmd, "commands", {}).values():
        yield from _tree(sub)


def _first_paragraph(text: str | None) -> str | None:
    return text.strip().split("\n\n")[0] if text else text


def width(text: str) -> int:
    """Columns ``text`` takes on a terminal (wide and full-width characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, columns: int, indent: str = "") -> str:
    """Paragraphs of ``text`` filled to ``columns`` by display width, as click's wrap_text does.

    Latin words (option names, paths, URLs) are never split; a paragraph after a ``\\b`` line
    or an example is kept as written.
    """
    out = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        lines = paragraph.splitlines()
        if lines[0].strip() == "\b":
            out.append("\n".join(indent + line for line in lines[1:]))
        elif paragraph.startswith(EXAMPLE):
            out.append("\n".join(indent + line for line in lines))
        else:
            out.append(_fill(" ".join(line.strip() for line in lines), columns, indent))
    return "\n\n".join(out)


def _fill(text: str, columns: int, indent: str) -> str:
    lines, line = [], indent
    for m in _TOKEN.finditer(text):
        space, token = m.groups()
        sep = " " if space and line.strip() else ""
        if line.strip() and width(line) + len(sep) + width(token) > columns:
            lines.append(line.rstrip())
            line = indent + token
        else:
            line += sep + token
    lines.append(line)
    return "\n".join(lines)


def _extras(text: str) -> str:
    """``help  [default: table; x>=1]`` -> ``help（默认：table；x>=1）``."""
    m = re.fullmatch(r"(.*?)(?:^|  )\[([^\[\]]*)\]", text, re.S)
    if m is None:
        return text
    items = []
    for item in m.group(2).split("; "):
        name, colon, value = item.partition(": ")
        items.append(f"{EXTRAS[name]}：{value}" if colon and name in EXTRAS else EXTRAS.get(item, item))
    return f"{m.group(1)}（{'；'.join(items)}）"


class _ChineseFormatter:
    """Click's help formatter in Chinese: its own words, and wrapping by display width."""

    width: int
    current_indent: int
    write: Any  # click's HelpFormatter.write

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "用法：" if prefix is None else prefix)  # type: ignore[misc]

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{HEADINGS.get(heading, heading)}：\n")

    def write_text(self, text: str) -> None:
        self.write(wrap(text, self.width, " " * self.current_indent) + "\n")

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [(first, _extras(second)) for first, second in rows]
        first_col = min(max((width(first) for first, _ in rows), default=0), col_max) + col_spacing
        indent = self.current_indent
        for first, second in rows:
            self.write(f"{'':>{indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - width(first)))
            else:
                self.write("\n" + " " * (first_col + indent))
            lines = wrap(second, max(self.width - first_col - 2, 10)).splitlines() or [""]
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + indent}}{line}\n" if line else "\n")
