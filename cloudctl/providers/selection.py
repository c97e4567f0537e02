"""Which configured providers a command works on, their credentials, and error texts without them.

Shared by ``sync``, ``plan``/``apply`` and ``config check --connect``. Nothing here imports the
HTTP stack at module level, so ``plan`` (which contacts no cloud) can choose its providers cheaply.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from cloudctl.errors import CloudctlError, ConfigError, Location, Problem, SecretError, UsageError
from cloudctl.secrets import Secret

if TYPE_CHECKING:  # pragma: no cover
    from cloudctl.config import LoadedConfig, ProviderBase


def select(loaded: LoadedConfig, names: list[str] | None) -> dict[str, ProviderBase]:
    """The providers ``names`` (default: all configured), in the config's order; unknown names are usage errors."""
    providers = loaded.config.providers
    if not providers:
        raise UsageError("no providers are configured", hint="add providers to cloudctl.yaml, or run `cloudctl sim serve --write-config cloudctl.yaml`")
    unknown = [n for n in names or () if n not in providers]
    if unknown:
        raise UsageError(f"unknown provider {', '.join(unknown)}", hint=f"configured providers: {', '.join(providers)}")
    return {n: providers[n] for n in (names or providers)}


class Redactor:
    """Reveals secrets for the drivers and remembers the values to scrub from error texts."""

    def __init__(self, loaded: LoadedConfig) -> None:
        self._loaded = loaded
        self.values: set[str] = set()

    def __call__(self, secret: Secret) -> str:
        value = self._loaded.provider_secret(secret).reveal()
        if value:
            self.values.add(value)
        return value

    def scrub(self, text: str) -> str:
        for v in sorted(self.values, key=len, reverse=True):
            text = text.replace(v, "<secret>")
        return text


def unresolved(loaded: LoadedConfig, chosen: dict[str, ProviderBase], reveal: Callable[[Secret], str]) -> list[Problem]:
    """A problem for every credential of ``chosen`` that ``reveal`` cannot resolve (it names the reference, never a value)."""
    problems = []
    for name, cfg in chosen.items():
        for fname in type(cfg).model_fields:
            value = getattr(cfg, fname)
            if isinstance(value, Secret):
                try:
                    reveal(value)
                except SecretError as exc:
                    where = Location(str(loaded.source) if loaded.source else "<config>")
                    problems.append(Problem(where, str(exc), exc.hint, f"providers.{name}.{fname}"))
    return problems


def check_secrets(loaded: LoadedConfig, chosen: dict[str, ProviderBase], redact: Redactor) -> None:
    """Resolve every credential of ``chosen`` first: a missing env var is bad input (exit 2), not a cloud failure."""
    problems = unresolved(loaded, chosen, redact)
    if problems:
        raise ConfigError(problems)


def describe_error(exc: BaseException) -> str:
    """One line for a failed cloud call: our errors as they are, transport errors with their type."""
    import httpx

    if isinstance(exc, CloudctlError):
        return str(exc)
    if isinstance(exc, httpx.HTTPError):
        return f"{type(exc).__name__}: {exc}"
    return f"unexpected response ({type(exc).__name__}: {exc})"
