"""The exception tree and the exit codes.

Every error a user can act on is a ``CloudctlError``; the CLI turns it into a message and an
exit code in exactly one place (``cloudctl.cli.main``)::

    CloudctlError                       exit 2 unless a subclass says otherwise
    ├── UsageError                      bad flag combination, unknown name        → 2
    ├── InputError                      a file the user gave us is wrong           → 2
    │   ├── ConfigError                 cloudctl.yaml / agent.yaml
    │   ├── InventoryError              inventory/*.yaml (carries many Problems)
    │   └── PolicyFileError             policies/*.yaml (carries many Problems)
    ├── SecretError                     a secret reference cannot be resolved      → 2
    ├── StoreError                      the store is missing, foreign, damaged or newer → 2
    │   ├── StoreBusy                   another sync holds the lock; lock timeout   → 1
    │   └── StoreUnavailable            disk full, read-only, unreachable, lost    → 1
    ├── PlanFileError                   a plan file that cannot be applied          → 2
    ├── AuditError                      the audit log cannot be written or read     → 2
    ├── UpstreamError                   a provider or a node failed                → 3
    │   ├── ProviderError               HTTP API of a cloud (provider, status, request id)
    │   │   ├── AuthError               credentials refused
    │   │   ├── ThrottledError          429 after all retries
    │   │   └── PaginationError         a marker repeated / a page was inconsistent
    │   └── NodeError                   SNMP node (node id, address)
    └── CheckFailed                     a check found problems (policy, drift)     → 1

Errors carry fields (``path``, ``line``, ``provider``, ``http_status``, ``request_id``...) so that
the message is built once, in ``__str__``, and never contains a secret: exception text is built
from names and locations, never from credential values.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class ExitCode(enum.IntEnum):
    """Process exit codes, the contract CI and scripts rely on (DESIGN.md)."""

    OK = 0
    PROBLEMS = 1  # a check found problems (policy violations, drift with --exit-code); the store is busy or unavailable
    INVALID = 2  # bad usage or invalid input (config, YAML, flags)
    UPSTREAM = 3  # an upstream (provider, node) failed; the result is partial
    INTERNAL = 70  # a bug in cloudctl (sysexits EX_SOFTWARE); rerun with --debug and report it
    INTERRUPTED = 130  # SIGINT / Ctrl-C


@dataclass(frozen=True, order=True)
class Location:
    """A place in a file: ``path:line:col`` (1-based; 0 means unknown)."""

    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        out = self.path
        if self.line:
            out += f":{self.line}"
            if self.col:
                out += f":{self.col}"
        return out


@dataclass(frozen=True)
class Problem:
    """One finding in an input file: where, what, and what to do."""

    location: Location
    message: str
    hint: str = ""
    field: str = ""  # dotted path inside the document, e.g. ``nodes[3].address``

    def __str__(self) -> str:
        text = f"{self.location}: "
        if self.field:
            text += f"{self.field}: "
        text += self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class CloudctlError(Exception):
    """Base of every error cloudctl reports to a user."""

    exit_code: ExitCode = ExitCode.INVALID
    hint: str = ""

    def __init__(self, message: str = "", *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        if hint:
            self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(CloudctlError):
    """Bad flags or an unknown name given on the command line."""


class InputError(CloudctlError):
    """An input file is invalid. Carries every problem found, not just the first."""

    what = "input"

    def __init__(self, problems: list[Problem] | Problem | str, *, hint: str = "") -> None:
        if isinstance(problems, str):
            problems = [Problem(Location("<input>"), problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = sorted(problems, key=lambda p: p.location)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in {self.what}"
        super().__init__(head + ":\n" + "\n".join(str(p) for p in self.problems), hint=hint)


class ConfigError(InputError):
    what = "configuration"


class InventoryError(InputError):
    what = "inventory"


class PolicyFileError(InputError):
    what = "policy files"


class SecretError(CloudctlError):
    """A secret reference (``env:NAME``, ``file:PATH``) cannot be resolved. Never holds the value."""


class StoreError(CloudctlError):
    """The store is missing, not a cloudctl store, damaged, from a newer cloudctl, or a snapshot is missing.

    Also: the store's address or credentials are wrong (authentication failed). Fix the input: exit 2.
    """


class StoreBusy(StoreError):
    """Another process holds the lock (a sync of the same provider, a long write): try again later."""

    exit_code = ExitCode.PROBLEMS


class StoreUnavailable(StoreError):
    """The environment keeps the store from working now: disk full, read-only, unreachable, connection lost.

    Nothing was lost: the previous data is intact. Exit 1 (not 70: it is not a bug in cloudctl).
    """

    exit_code = ExitCode.PROBLEMS


class PlanFileError(CloudctlError):
    """A plan file cannot be applied: edited, truncated, from another store or inventory, or stale."""


class AuditError(CloudctlError):
    """The audit log cannot be written or read (never because a check failed: that is CheckFailed)."""


class UpstreamError(CloudctlError):
    """Something outside cloudctl failed; what we have is partial."""

    exit_code = ExitCode.UPSTREAM


class ProviderError(UpstreamError):
    """A cloud API call failed."""

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        http_status: int | None = None,
        request_id: str = "",
        code: str = "",
        url: str = "",
        hint: str = "",
    ) -> None:
        self.provider = provider
        self.http_status = http_status
        self.request_id = request_id
        self.code = code
        self.url = url
        parts = [f"[{provider}]" if provider else "", message]
        detail = []
        if http_status is not None:
            detail.append(f"HTTP {http_status}")
        if code:
            detail.append(code)
        if request_id:
            detail.append(f"request-id {request_id}")
        if detail:
            parts.append("(" + ", ".join(detail) + ")")
        super().__init__(" ".join(p for p in parts if p), hint=hint)


class AuthError(ProviderError):
    """The cloud refused our credentials."""


class ThrottledError(ProviderError):
    """Still throttled (HTTP 429) after every retry."""


class PaginationError(ProviderError):
    """A list API repeated a marker or returned an inconsistent page; we stop instead of looping."""


class NodeError(UpstreamError):
    """An extranet node did not answer or answered garbage."""

    def __init__(self, message: str, *, node: str = "", address: str = "", hint: str = "") -> None:
        self.node = node
        self.address = address
        where = f"[{node}{' ' + address if address else ''}] " if node else ""
        super().__init__(where + message, hint=hint)


class CheckFailed(CloudctlError):
    """A check ran fine and found problems (policy violations, drift with ``--exit-code``)."""

    exit_code = ExitCode.PROBLEMS


@dataclass
class Warnings:
    """Non-fatal findings collected while loading (e.g. a literal secret in a config file)."""

    items: list[Problem] = field(default_factory=list)

    def add(self, location: Location, message: str, hint: str = "") -> None:
        self.items.append(Problem(location, message, hint))
