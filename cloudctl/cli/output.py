"""Messages to stderr: errors, warnings, notes. Plain text; no Rich needed for these."""

from __future__ import annotations

import sys

from cloudctl.i18n import t


def warn(message: str) -> None:
    print(f"{t('warning')}: {message}", file=sys.stderr)


def note(message: str) -> None:
    print(message, file=sys.stderr)


def error(message: str, hint: str = "") -> None:
    print(f"{t('error')}: {message}", file=sys.stderr)
    if hint:
        print(f"{t('hint')}: {hint}", file=sys.stderr)
