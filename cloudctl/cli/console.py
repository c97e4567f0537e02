"""Consoles for stdout (results) and stderr (messages, progress). Imported lazily: Rich is heavy."""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from typing import TextIO


@lru_cache(maxsize=None)
def _console(stream: TextIO):  # noqa: ANN202
    from rich.console import Console

    # Piped or redirected output has no terminal width; Rich would assume 80 columns and wrap
    # every wide table. Give it room instead (COLUMNS still wins when set).
    width = None if stream.isatty() or os.environ.get("COLUMNS") else 200
    return Console(file=stream, highlight=False, soft_wrap=False, width=width)


def stdout_console(stream: TextIO | None = None):  # noqa: ANN201
    s = stream or sys.stdout
    return _console(s)


def stderr_console():  # noqa: ANN201
    return _console(sys.stderr)
