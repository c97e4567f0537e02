"""The agent's ``agent.yaml``: what to poll, how, and where to serve metrics.

Validated strictly (pydantic, ``extra="forbid"``); every problem is reported with ``file:line``
through :mod:`cloudctl.yamlfile`. Relative paths (``inventory``, ``file:`` secrets) are resolved
against the config file's directory. Credentials are :class:`~cloudctl.secrets.Secret` references.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import Discriminator, Field, Tag, ValidationError, field_validator, model_validator

from cloudctl import yamlfile
from cloudctl.config import Strict, literal_secret_warnings, unresolved_secrets  # shared with cloudctl.yaml
from cloudctl.errors import ConfigError, Location, Problem
from cloudctl.inventory.address import parse_address
from cloudctl.secrets import Secret, with_base

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h)?$")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def parse_duration(value: Any) -> float:
    """``"60s"``, ``"5m"``, ``"1h"``, ``"500ms"`` or a number of seconds → seconds."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 60s, 5m or 1h")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str) and (m := _DURATION.match(value.strip())):
        seconds = float(m.group(1)) * _UNIT[m.group(2)]
    else:
        raise ValueError("expected a duration such as 60s, 5m or 1h")
    if seconds <= 0:
        raise ValueError("a duration must be positive")
    return seconds


class ProfileBase(Strict):
    timeout: float = Field(2.0, gt=0, le=60, description="Seconds to wait for one response")
    retries: int = Field(1, ge=0, le=5, description="Resends after a timeout")
    max_repetitions: int = Field(10, ge=1, le=100, description="GETBULK max-repetitions (halved on tooBig)")
    # Limits against hostile or broken nodes: beyond one, the node is down with kind="limits".
    max_response_bytes: int = Field(65507, ge=484, le=65507, description="Larger answers are dropped unread (484: RFC 3417 minimum)")
    max_walk_varbinds: int = Field(10_000, ge=10, le=1_000_000, description="Varbinds in one walk")
    max_walk_bytes: int = Field(1 << 20, ge=4096, le=64 << 20, description="Octets of OIDs and values in one walk")
    max_oid_length: int = Field(128, ge=16, le=128, description="Sub-identifiers of one OID (RFC 2578 allows 128)")

    @field_validator("timeout", mode="before")
    @classmethod
    def _timeout(cls, v: Any) -> float:
        return parse_duration(v)

    @field_validator("version", mode="before", check_fields=False)
    @classmethod
    def _version(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else v  # YAML reads `version: 3` as an int


class V2cProfile(ProfileBase):
    """SNMPv2c: a community string, given as a secret reference."""

    version: Literal["2c"]
    community: Secret


AUTH_PROTOCOLS = ("md5", "sha", "sha224", "sha256", "sha384", "sha512")
PRIV_PROTOCOLS = ("des", "aes", "aes128", "aes192", "aes256", "aes192c", "aes256c")
LEGACY_PROTOCOLS = ("md5", "des")  # work, but the policy library warns (policy snmp-v3-legacy-crypto)


class V3Profile(ProfileBase):
    """SNMPv3 USM. ``security_level`` (default authPriv) decides which of the auth and priv
    fields are required: authPriv needs all four, authNoPriv the auth pair, noAuthNoPriv none."""

    version: Literal["3"]
    user: str = Field(min_length=1, max_length=32)
    security_level: Literal["noAuthNoPriv", "authNoPriv", "authPriv"] = "authPriv"
    auth_protocol: Literal[AUTH_PROTOCOLS] | None = None  # type: ignore[valid-type]
    auth_key: Secret | None = None
    priv_protocol: Literal[PRIV_PROTOCOLS] | None = None  # type: ignore[valid-type]
    priv_key: Secret | None = None

    @model_validator(mode="after")
    def _fields_of_the_level(self) -> "V3Profile":
        level = self.security_level
        needed = {"noAuthNoPriv": (), "authNoPriv": ("auth_protocol", "auth_key"),
                  "authPriv": ("auth_protocol", "auth_key", "priv_protocol", "priv_key")}[level]
        missing = [f for f in needed if getattr(self, f) is None]
        if missing:
            raise ValueError(f"security_level {level} needs {' and '.join(missing)}")
        extra = [f for f in ("auth_protocol", "auth_key", "priv_protocol", "priv_key") if f not in needed and getattr(self, f) is not None]
        if extra:
            raise ValueError(f"security_level {level} does not use {' and '.join(extra)}: remove them or raise the level")
        return self


def _version_tag(v: Any) -> str | None:
    if isinstance(v, dict):
        ver = v.get("version")
        return None if ver is None else str(ver)
    return getattr(v, "version", None)


Profile = Annotated[
    Union[Annotated[V2cProfile, Tag("2c")], Annotated[V3Profile, Tag("3")]],
    Discriminator(_version_tag, custom_error_type="profile_version", custom_error_message="version must be 2c or 3"),
]


@dataclass(frozen=True)
class Shard:
    """This agent's share of the fleet: shard ``index`` of ``count`` (1-based, ``"2/4"``)."""

    index: int = 1
    count: int = 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


class MigrationSettings(Strict):
    """``migration:``: export migration metrics from the inventory's systems (and a store)."""

    store: str | None = Field(None, description="Store written by `cloudctl sync`: a SQLite path or a store URL such as postgresql://reader@db/cloudctl?password=env:NAME")
    platforms: dict[str, Literal["xinchuang", "general"]] = Field(
        default_factory=dict, description="provider name -> platform, as `platform:` in cloudctl.yaml (which clouds are 信创)"
    )


class AgentConfig(Strict):
    """The whole ``agent.yaml``."""

    inventory: Path = Field(description="Inventory directory, relative to this file")
    listen: str = Field("127.0.0.1:9877", description="host:port of the HTTP server ([v6]:port for IPv6)")
    interval: float = Field(60.0, description="Counter poll interval")
    static_interval: float | None = Field(None, description="Refresh of static data (names, addresses); default 10 x interval")
    concurrency: int = Field(128, ge=1, le=4096, description="Nodes polled at the same time")
    shard: Shard = Field(Shard(), description="'i/n': this agent polls shard i of n (rendezvous hashing on node id)")
    counties: list[str] | None = Field(None, description="Poll only nodes of these county site ids (the city id for city-level nodes)")
    profiles: dict[str, Profile] = Field(description="SNMP profiles named by the nodes' `snmp` field")
    migration: MigrationSettings | None = Field(None, description="Also export migration metrics (egov_migration_*)")

    @field_validator("interval", "static_interval", mode="before")
    @classmethod
    def _duration(cls, v: Any) -> Any:
        return v if v is None else parse_duration(v)

    @field_validator("listen")
    @classmethod
    def _listen(cls, v: str) -> str:
        listen_address(v)
        return v

    @field_validator("shard", mode="before")
    @classmethod
    def _shard(cls, v: Any) -> Shard:
        if isinstance(v, Shard):
            return v
        m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", v) if isinstance(v, str) else None
        if not m:
            raise ValueError("shard must be written 'i/n', e.g. '1/3'")
        i, n = int(m.group(1)), int(m.group(2))
        if not 1 <= i <= n:
            raise ValueError(f"shard {i}/{n}: i must be between 1 and n")
        return Shard(i, n)


def listen_address(text: str) -> tuple[str, int]:
    """``"127.0.0.1:9877"`` / ``"[::1]:9877"`` → (host, port). Port 0 picks a free port."""
    s = text.strip()
    if s.startswith("["):
        host, sep, rest = s[1:].partition("]")
        port_text = rest[1:] if sep and rest.startswith(":") else ""
    else:
        host, _, port_text = s.rpartition(":")
    if not host or not port_text.isdigit() or not 0 <= int(port_text) < 65536:
        raise ValueError("listen must be host:port (or [v6]:port) with a port 0-65535")
    return host, int(port_text)


@dataclass
class LoadedAgentConfig:
    """A validated agent config and the file it came from."""

    config: AgentConfig
    source: Path
    warnings: list[Problem] = field(default_factory=list)
    doc: yamlfile.Document | None = field(default=None, repr=False)  # where each value is (file:line)

    def location(self, path: tuple) -> Location:
        """``file:line:col`` of a value of the config (the file when unknown)."""
        return self.doc.where(path) if self.doc is not None else Location(str(self.source))

    @property
    def base_dir(self) -> Path:
        return self.source.parent

    @property
    def inventory_dir(self) -> Path:
        p = Path(os.path.expanduser(self.config.inventory))
        return p if p.is_absolute() else self.base_dir / p

    def path(self, p: Path) -> Path:
        """A path from the config, relative to the config file."""
        p = Path(os.path.expanduser(p))
        return p if p.is_absolute() else self.base_dir / p

    @property
    def static_interval(self) -> float:
        return self.config.static_interval or 10 * self.config.interval

    def secret(self, s: Secret) -> Secret:
        """Bind a secret so that relative ``file:`` references are resolved next to the config."""
        return with_base(s, self.base_dir)


def parse(doc: yamlfile.Document) -> LoadedAgentConfig:
    """Validate a parsed agent config. Raises :class:`ConfigError` listing every problem."""
    if doc.problems:
        raise ConfigError(list(doc.problems))
    if not isinstance(doc.data, dict):
        raise ConfigError(Problem(doc.where(()), "the agent config must be a mapping (key: value)", "see docs/agent.md for an example"))
    try:
        cfg = AgentConfig.model_validate(doc.data)
    except ValidationError as exc:
        raise ConfigError(yamlfile.pydantic_problems(doc, exc, echo_input=False), hint="see docs/agent.md, 'Config reference'") from None
    loaded = LoadedAgentConfig(cfg, Path(doc.path), literal_secret_warnings(doc, cfg), doc)
    if cfg.migration is not None and cfg.migration.store is not None:
        from cloudctl.errors import UsageError
        from cloudctl.store.url import parse as parse_store

        try:
            parse_store(cfg.migration.store, loaded.base_dir)
        except UsageError as exc:
            raise ConfigError(Problem(doc.where(("migration", "store")), exc.message, exc.hint, "migration.store")) from None
    return loaded


def load(path: str | os.PathLike[str]) -> LoadedAgentConfig:
    """Read and validate ``agent.yaml``."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(Problem(Location(str(p)), "agent config file does not exist"), hint="pass --config PATH; examples are in agents/")
    return parse(yamlfile.load(p, max_bytes=yamlfile.CONFIG_MAX_BYTES))


def check_secrets(loaded: LoadedAgentConfig, used: set[str]) -> None:
    """Resolve the secrets of the profiles in ``used``; raise ConfigError naming each failing reference."""
    sections = {f"profiles.{name}": loaded.config.profiles[name] for name in sorted(used) if name in loaded.config.profiles}
    problems = unresolved_secrets(str(loaded.source), sections, loaded.secret, loaded.doc)
    if problems:
        raise ConfigError(problems)
