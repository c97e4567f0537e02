"""Generate the CLI reference (docs/cli.md) from every command's ``--help``.

Walks the click command tree behind the Typer app (so a new command appears without touching
this file) and adds ``cloudctl-agent --help``. The width is fixed so the output does not depend
on the terminal. ``tests/unit/test_cli_reference.py`` fails when docs/cli.md is stale.

    python -m cloudctl.cli.docgen > docs/cli.md      (make docs)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import Any

import typer

WIDTH = 100

HEADER = """# CLI reference

Generated from `--help` by `python -m cloudctl.cli.docgen > docs/cli.md` (`make docs`).
Do not edit by hand: `tests/unit/test_cli_reference.py` fails when this file is stale.
Task-by-task examples are in [guide.md](guide.md).
"""


def commands(root: Any = None) -> Iterator[tuple[str, Any, Any]]:
    """Every command and group as (full name, command, context), depth first, in registry order.

    ``root`` is a click command tree (default: the cloudctl app's). Typer ships its own copy of
    click, so groups are recognised by ``list_commands`` and contexts made with the command's
    own ``context_class``.
    """
    if root is None:
        from cloudctl.cli.main import app

        root = typer.main.get_command(app)

    def context(cmd: Any, name: str, parent: Any) -> Any:
        return cmd.context_class(cmd, info_name=name, parent=parent, terminal_width=WIDTH, max_content_width=WIDTH)

    def walk(cmd: Any, ctx: Any) -> Iterator[tuple[str, Any, Any]]:
        yield ctx.command_path, cmd, ctx
        if hasattr(cmd, "list_commands"):
            for name in cmd.list_commands(ctx):
                sub = cmd.get_command(ctx, name)
                if sub is not None and not sub.hidden:
                    yield from walk(sub, context(sub, name, ctx))

    yield from walk(root, context(root, "cloudctl", None))


def _agent_help() -> str:
    from cloudctl.agent.main import _parser

    parser = _parser()
    parser.formatter_class = lambda prog: argparse.HelpFormatter(prog, width=WIDTH)
    return parser.format_help()


def generate() -> str:
    parts = [HEADER]
    for path, cmd, ctx in commands():
        parts.append(f"\n## `{path}`\n\n```text\n{cmd.get_help(ctx).rstrip()}\n```\n")
    parts.append(f"\n## `cloudctl-agent`\n\n```text\n{_agent_help().rstrip()}\n```\n")
    return "".join(parts)


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(generate())
