"""Consoles for stdout (results) and stderr (messages, progress). Imported lazily: Rich is heavy."""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import TextIO


@lru_cache(maxsize=None)
def _console(stream: TextIO):  # noqa: ANN202
    from rich.console import Console

    return Console(file=stream, highlight=False, soft_wrap=False)


def stdout_console(stream: TextIO | None = None):  # noqa: ANN201
    s = stream or sys.stdout
    return _console(s)


def stderr_console():  # noqa: ANN201
    return _console(sys.stderr)
