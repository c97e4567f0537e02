"""Secret references: ``env:NAME``, ``file:PATH``, or (for demos) a literal value.

A :class:`Secret` keeps the reference, not the value; ``reveal()`` resolves it at the moment a
driver or the SNMP engine needs it. ``str()``/``repr()`` print ``<secret>``, so a secret can sit
in a model that is logged, dumped or put into an exception without leaking.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cloudctl.errors import SecretError

REDACTED = "<secret>"


class Secret:
    """A reference to a secret value. Compare and hash by reference, never print the value."""

    __slots__ = ("_ref", "_base")

    def __init__(self, ref: str, base: Path | None = None) -> None:
        self._ref = ref
        self._base = base  # directory that relative ``file:`` paths are resolved against

    @property
    def kind(self) -> str:
        """``env``, ``file`` or ``literal``."""
        if self._ref.startswith("env:"):
            return "env"
        if self._ref.startswith("file:"):
            return "file"
        return "literal"

    @property
    def reference(self) -> str:
        """The reference as written, safe to show (``<literal>`` for literals)."""
        return self._ref if self.kind != "literal" else "<literal>"

    def reveal(self) -> str:
        """Resolve the reference. Raises :class:`SecretError` naming the reference, not the value."""
        kind = self.kind
        if kind == "env":
            name = self._ref[4:]
            value = os.environ.get(name)
            if value is None:
                raise SecretError(
                    f"environment variable {name} is not set",
                    hint=f"export {name}=... or change the reference",
                )
            return value
        if kind == "file":
            path = Path(os.path.expanduser(self._ref[5:]))
            if not path.is_absolute() and self._base is not None:
                path = self._base / path
            try:
                return path.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise SecretError(f"cannot read secret file {path}: {exc.strerror}") from None
        return self._ref

    def __str__(self) -> str:
        return REDACTED

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._ref == self._ref

    def __hash__(self) -> int:
        return hash(("Secret", self._ref))

    # pydantic v2 integration: accept a string, keep a Secret, serialize as <secret>.
    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        def validate(value: Any) -> "Secret":
            if isinstance(value, Secret):
                return value
            if not isinstance(value, str) or not value:
                raise ValueError("must be a non-empty string: env:NAME, file:PATH or a literal")
            if value in ("env:", "file:"):
                raise ValueError("reference has no name after the prefix")
            return cls(value)

        return core_schema.no_info_plain_validator_function(
            validate,
            serialization=core_schema.plain_serializer_function_ser_schema(lambda v: REDACTED),
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: Any, handler: Any) -> dict:
        return {"type": "string", "description": "env:NAME, file:PATH, or a literal (warns)"}


def with_base(secret: Secret, base: Path) -> Secret:
    """The same reference, with relative ``file:`` paths resolved against ``base``."""
    return Secret(secret._ref, base)  # noqa: SLF001 - same class


def redact(text: str, secrets: Iterable[Secret | None]) -> str:
    """``text`` with the value of each resolvable secret replaced by ``<secret>``.

    For messages that come from elsewhere (a library's exception, a peer's answer) and may quote
    a credential the caller used; longest values first, so one value inside another is not left
    half-shown.
    """
    values = set()
    for s in secrets:
        if s is None:
            continue
        try:
            value = s.reveal()
        except SecretError:
            continue  # unresolvable: it cannot be in a message either
        if value:
            values.add(value)
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, REDACTED)
    return text
