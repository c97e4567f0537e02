"""``relay.yaml``: where the relay listens, which DingTalk robots it posts to, and its limits.

Validated strictly like ``agent.yaml`` (unknown keys, wrong types → ``file:line`` problems, exit 2).
Robot credentials are :class:`~cloudctl.secrets.Secret` references (``env:NAME``, ``file:PATH``
relative to the config file); they are resolved once at start-up and never logged.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from cloudctl import yamlfile
from cloudctl.agent.config import listen_address, parse_duration
from cloudctl.config import Strict, literal_secret_warnings
from cloudctl.errors import ConfigError, Location, Problem, SecretError
from cloudctl.redact import remember_secret
from cloudctl.secrets import Secret, with_base

DINGTALK_URL = "https://oapi.dingtalk.com/robot/send"
ROBOT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_SIZE = re.compile(r"^(\d+)\s*(B|KiB|MiB)?$")
_SIZE_UNIT = {None: 1, "B": 1, "KiB": 1024, "MiB": 1024 * 1024}


def parse_size(value: Any) -> int:
    """``1048576``, ``512KiB`` or ``8MiB`` → bytes."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    m = _SIZE.match(value.strip()) if isinstance(value, str) else None
    if not m:
        raise ValueError("expected a size such as 65536, 512KiB or 8MiB")
    return int(m.group(1)) * _SIZE_UNIT[m.group(2)]


class DingTalkSettings(Strict):
    """How to talk to DingTalk. The defaults are what DingTalk documents for custom robots."""

    url: str = Field(DINGTALK_URL, description="robot/send URL (a private 专有钉钉 deployment has its own)")
    timeout: float = Field(10.0, description="Per request")
    ca_bundle: Path | None = Field(None, description="PEM bundle of a private CA (relative to this file)")
    rate_limit: int = Field(20, ge=1, le=1000, description="Messages per robot per rate_window (DingTalk: 20 per minute)")
    rate_window: float = Field(60.0, description="Window of rate_limit")
    max_attempts: int = Field(5, ge=1, le=20, description="Attempts per message, the first included")
    retry_backoff: float = Field(2.0, description="Wait before the first retry; doubled each time")
    retry_backoff_max: float = Field(60.0, description="Longest wait between two retries")
    throttled_pause: float = Field(600.0, description="Wait after errcode 130101 (DingTalk blocks a robot that sent too fast for 10 minutes)")

    @field_validator("timeout", "rate_window", "retry_backoff", "retry_backoff_max", "throttled_pause", mode="before")
    @classmethod
    def _duration(cls, v: Any) -> float:
        return parse_duration(v)

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not re.match(r"^https?://[^/?#\s]+", v):
            raise ValueError("url must be an http(s) URL, e.g. " + DINGTALK_URL)
        return v


class Limits(Strict):
    """Bounds that keep the relay's memory and time finite whatever arrives."""

    max_body: int = Field(1024 * 1024, ge=1024, le=64 * 1024 * 1024, description="Largest webhook body accepted")
    # Parsed notifications take about 2-3 times their JSON size: 2 MiB per robot stays under ~6 MB.
    max_queue: int = Field(2 * 1024 * 1024, ge=64 * 1024, le=64 * 1024 * 1024, description="Webhook bytes queued per robot; more is refused with 503")
    max_message: int = Field(16 * 1024, ge=1024, le=64 * 1024, description="Largest markdown text sent in one DingTalk message")
    read_timeout: float = Field(10.0, description="Time a client has to send its request body")
    shutdown_timeout: float = Field(10.0, description="On SIGTERM: time left to send what is queued")

    @field_validator("read_timeout", "shutdown_timeout", mode="before")
    @classmethod
    def _duration(cls, v: Any) -> float:
        return parse_duration(v)

    @field_validator("max_body", "max_queue", "max_message", mode="before")
    @classmethod
    def _size(cls, v: Any) -> int:
        return parse_size(v)


class Robot(Strict):
    """One DingTalk group robot (自定义机器人) with 加签 (signing) enabled."""

    access_token: Secret = Field(description="access_token of the robot's webhook URL")
    secret: Secret = Field(description="The SEC… signing secret of the robot's security settings")
    at_mobiles: list[str] = Field(default_factory=list, description="Mobile numbers @-mentioned in firing messages")


class RelayConfig(Strict):
    """The whole ``relay.yaml``."""

    listen: str = Field("127.0.0.1:9097", description="host:port of the webhook endpoint (port 0: any free port)")
    inventory: Path | None = Field(None, description="Inventory directory: village/township/county names in messages")
    lang: Literal["zh", "en"] = Field("zh", description="Language of the messages")
    dingtalk: DingTalkSettings = Field(default_factory=DingTalkSettings)
    limits: Limits = Field(default_factory=Limits)
    robots: dict[str, Robot] = Field(min_length=1, description="Robots by name; Alertmanager posts to /robots/<name>")

    @field_validator("listen")
    @classmethod
    def _listen(cls, v: str) -> str:
        listen_address(v)
        return v

    @field_validator("robots")
    @classmethod
    def _names(cls, v: dict[str, Robot]) -> dict[str, Robot]:
        for name in v:
            if not ROBOT_NAME.match(name):
                raise ValueError(f"robot name '{name}' must be lower-case letters, digits, '-' or '_' (it is a URL path segment)")
        return v


@dataclass
class LoadedRelayConfig:
    config: RelayConfig
    source: Path
    warnings: list[Problem] = field(default_factory=list)
    doc: yamlfile.Document | None = field(default=None, repr=False)  # for file:line of later problems

    def where(self, *path: str | int) -> Location:
        return self.doc.where(path) if self.doc is not None else Location(str(self.source))

    @property
    def base_dir(self) -> Path:
        return self.source.parent

    def path(self, p: Path) -> Path:
        """A path from the config, relative to the config file."""
        p = Path(os.path.expanduser(p))
        return p if p.is_absolute() else self.base_dir / p

    def secret(self, s: Secret) -> Secret:
        return with_base(s, self.base_dir)


@dataclass(frozen=True)
class RobotCredentials:
    """A robot's resolved credentials. ``repr`` never shows them."""

    name: str
    access_token: str = field(repr=False)
    secret: str = field(repr=False)
    at_mobiles: tuple[str, ...] = ()


def parse(doc: yamlfile.Document) -> LoadedRelayConfig:
    if doc.problems:
        raise ConfigError(list(doc.problems))
    if not isinstance(doc.data, dict):
        raise ConfigError(Problem(doc.where(()), "the relay config must be a mapping (key: value)", "start from agents/alertmanager/relay.yaml"))
    try:
        cfg = RelayConfig.model_validate(doc.data)
    except ValidationError as exc:
        raise ConfigError(yamlfile.pydantic_problems(doc, exc, echo_input=False), hint="see docs/agent.md, 'Alerting'") from None
    return LoadedRelayConfig(cfg, Path(doc.path), literal_secret_warnings(doc, cfg), doc)


def load(path: str | os.PathLike[str]) -> LoadedRelayConfig:
    """Read and validate ``relay.yaml``."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(Problem(Location(str(p)), "relay config file does not exist"), hint="pass --config PATH; the shipped one is agents/alertmanager/relay.yaml")
    return parse(yamlfile.load(p))


def credentials(loaded: LoadedRelayConfig) -> dict[str, RobotCredentials]:
    """Resolve every robot's secrets; a :class:`ConfigError` names each reference that fails (file:line), never a value."""
    problems: list[Problem] = []
    resolved: dict[str, dict[str, str]] = {}
    for name, robot in loaded.config.robots.items():
        for fname in ("access_token", "secret"):
            ref = getattr(robot, fname)
            try:
                value = loaded.secret(ref).reveal()
            except SecretError as exc:
                problems.append(Problem(loaded.where("robots", name, fname), str(exc), exc.hint, f"robots.{name}.{fname}"))
                continue
            if not value:
                problems.append(Problem(loaded.where("robots", name, fname), f"{ref.reference} is empty", "", f"robots.{name}.{fname}"))
            resolved.setdefault(name, {})[fname] = value
    if problems:
        raise ConfigError(problems, hint="create the files (mode 0600) or set the variables, or remove the robots you do not use")
    for values in resolved.values():
        for value in values.values():
            remember_secret(value)  # masked in every log line from now on (cloudctl.redact)
    return {
        name: RobotCredentials(name, resolved[name]["access_token"], resolved[name]["secret"], tuple(r.at_mobiles))
        for name, r in loaded.config.robots.items()
    }
