"""Messages to stderr: errors, warnings, notes. Plain text; no Rich needed for these."""

from __future__ import annotations

import sys

from cloudctl.i18n import t


def warn(message: str) -> None:
    print(t("cli.warning", message=message), file=sys.stderr)


def note(message: str) -> None:
    print(message, file=sys.stderr)


def error(message: str, hint: str = "") -> None:
    print(t("cli.error", message=message), file=sys.stderr)
    if hint:
        print(t("cli.hint", message=hint), file=sys.stderr)
