"""What the repository's config files say: SNMP profiles (agent configs) and secret-holding fields.

Policies on nodes' SNMP and on literal secrets read config files kept next to the inventory
(``agents/*.yaml``, ``examples/**/*.yaml``, ``cloudctl.yaml``). A node names an SNMP profile; what
the profile is comes from the agent configs that poll the node: those whose ``counties:`` hold
the node's county (the city id for city nodes), or, without ``counties:``, whose ``inventory:`` is
the inventory being checked. (A config for a simulator or a lab points at another inventory and
says nothing about real nodes.) When several such configs define the profile, the weakest
definition counts. A profile no such config defines is ``unknown`` — never guessed from its name.

The version is the profile's ``version:``. The community is judged by its value: a reference
(``env:``/``file:``) is resolved, and only "is it the well-known ``public``?" is kept — the value is
never stored, printed or logged. A reference that does not resolve where the check runs (CI holds
no secrets) is ``unresolved``: the policy cannot say, and the check reports those nodes as not
verified instead of passing them silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cloudctl import yamlfile
from cloudctl.errors import ConfigError, Location, Problem, SecretError
from cloudctl.secrets import Secret, with_base

DEFAULT_GLOBS = ("cloudctl.yaml", "agents/**/*.yaml", "agents/**/*.yml", "examples/**/*.yaml", "examples/**/*.yml")

# Fields that hold a secret in cloudctl.yaml (the Secret-typed fields of cloudctl.config) and in
# agent configs (SNMP community and v3 keys), plus the usual names anywhere else.
SECRET_KEY = re.compile(
    r"^(password|passwd|secret|token|community|sk|auth_key|priv_key|api_key|secret_key|"
    r"access_key_secret|application_credential_secret|.*_password|.*_secret|.*_token)$",
    re.IGNORECASE,
)


def discover(root: Path) -> list[Path]:
    """Config files below ``root`` that policies read (``DEFAULT_GLOBS``), sorted, without duplicates."""
    seen: dict[Path, None] = {}
    for pattern in DEFAULT_GLOBS:
        for p in sorted(root.glob(pattern)):
            if p.is_file():
                seen.setdefault(p, None)
    return list(seen)


@dataclass(frozen=True)
class SecretField:
    file: str
    field: str
    key: str
    kind: str  # env | file | template | literal
    location: Location

    @property
    def id(self) -> str:
        return f"{self.file}#{self.field}"


@dataclass(frozen=True)
class Profile:
    name: str
    version: str  # 1 | 2c | 3 | unknown
    community: str | None  # public | other | unresolved | None (no community: SNMPv3, or unknown profile)
    defined: bool
    community_ref: str | None = None  # the reference as written (env:NAME / file:PATH / <literal>), never the value
    config: str = ""  # the agent config that defines it
    auth_protocol: str | None = None  # SNMPv3: md5 | sha | sha224 | ... (lower case); None otherwise
    priv_protocol: str | None = None  # SNMPv3: des | aes128 | ... ("aes" reads as aes128); None without privacy

    @property
    def legacy_crypto(self) -> bool:
        return self.auth_protocol == "md5" or self.priv_protocol == "des"


@dataclass(frozen=True)
class AgentConfig:
    """The profiles one agent config defines, and which nodes it polls."""

    path: Path
    counties: frozenset[str] | None  # None: every county of its inventory
    inventory: Path | None  # resolved ``inventory:``
    profiles: dict[str, Profile]

    def polls(self, area: str, inventory_root: Path | None) -> bool:
        if self.counties is not None:
            return area in self.counties
        return inventory_root is not None and self.inventory is not None and _same(self.inventory, inventory_root)


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


_VERSION_RANK = {"1": 0, "2c": 1, "unknown": 2, "3": 3}
_COMMUNITY_RANK = {"public": 0, "unresolved": 1, "other": 2, None: 3}


@dataclass
class RepoFiles:
    secrets: list[SecretField]
    agents: list[AgentConfig]
    inventory_root: Path | None = None  # the inventory being checked

    def profile(self, name: str, area: str = "") -> Profile:
        """The profile ``name`` as the agents polling a node of ``area`` (county id, or the city id)
        define it; the weakest definition when several do; ``unknown`` when none does."""
        found = [a.profiles[name] for a in self.agents if name in a.profiles and a.polls(area, self.inventory_root)]
        if not found:
            return Profile(name, "unknown", None, False)
        return min(found, key=lambda p: (_VERSION_RANK[p.version], _COMMUNITY_RANK[p.community], not p.legacy_crypto))


_VERSIONS = {"1": "1", "v1": "1", "2": "2c", "2c": "2c", "v2c": "2c", "3": "3", "v3": "3"}
WELL_KNOWN = "public"


def _community(value: object, base: Path) -> tuple[str | None, str | None]:
    """(``public`` | ``other`` | ``unresolved`` | None, the reference as written).

    The value is compared and dropped here: only whether it is the well-known community leaves
    this function.
    """
    if not isinstance(value, str) or not value:
        return None, None
    secret = with_base(Secret(value), base)
    try:
        resolved = secret.reveal()
    except SecretError:
        return "unresolved", secret.reference
    return ("public" if resolved == WELL_KNOWN else "other"), secret.reference


def _agent(path: Path, data: dict, shown: str) -> AgentConfig | None:
    prof = data.get("profiles")
    if not isinstance(prof, dict):
        return None
    profiles = {}
    for name, p in prof.items():
        if isinstance(p, dict):
            version = _VERSIONS.get(str(p.get("version", "")).lower(), "unknown")
            community, ref = _community(p.get("community"), path.parent)
            auth, priv = (_protocol(p.get("auth_protocol")), _protocol(p.get("priv_protocol"))) if version == "3" else (None, None)
            profiles[str(name)] = Profile(str(name), version, community, True, ref, shown, auth, {"aes": "aes128"}.get(priv, priv))
    counties = data.get("counties")
    inventory = data.get("inventory")
    return AgentConfig(
        path,
        frozenset(str(c) for c in counties) if isinstance(counties, list) else None,
        (path.parent / inventory) if isinstance(inventory, str) and inventory else None,
        profiles,
    )


def _protocol(value: object) -> str | None:
    return value.strip().lower() if isinstance(value, str) and value.strip() else None


# A whole value that only invokes a named Go template (``{{ template "wecom_api_secret" . }}``): a
# reference, like env:/file:. Alertmanager 0.25 renders the WeCom secret as a template and has no
# file option for it, so the value lives in a template file outside the repository.
TEMPLATE_REFERENCE = re.compile(r'^\{\{-?\s*template\s+"[A-Za-z0-9_.-]+"\s+\.\s*-?\}\}$')


def secret_kind(value: str) -> str:
    """``env`` | ``file`` | ``template`` (a Go template reference) | ``literal``."""
    return "template" if TEMPLATE_REFERENCE.match(value.strip()) else Secret(value).kind


def _walk(doc: yamlfile.Document, data: object, path: tuple, out: list[SecretField]) -> None:
    if isinstance(data, dict):
        for k, v in data.items():
            if isinstance(v, str) and isinstance(k, str) and SECRET_KEY.match(k) and v:
                out.append(SecretField(doc.path, yamlfile.format_path(path + (k,)), k, secret_kind(v), doc.where(path + (k,))))
            else:
                _walk(doc, v, path + (k,), out)
    elif isinstance(data, list):
        for i, v in enumerate(data):
            _walk(doc, v, path + (i,), out)


def read(files: list[Path], display: dict[Path, str] | None = None, inventory_root: Path | None = None) -> RepoFiles:
    """Scan config files for secret fields and agent configs' SNMP profiles. Raises
    :class:`ConfigError` on bad YAML. ``inventory_root``: the inventory being checked (agent
    configs without ``counties:`` apply to its nodes when their ``inventory:`` is that one)."""
    problems: list[Problem] = []
    secrets: list[SecretField] = []
    agents: list[AgentConfig] = []
    for path in files:
        doc = yamlfile.load(path, (display or {}).get(path))
        problems += doc.problems
        if doc.data is None:
            continue
        _walk(doc, doc.data, (), secrets)
        agent = _agent(Path(path), doc.data, doc.path) if isinstance(doc.data, dict) else None
        if agent is not None:
            agents.append(agent)
    if problems:
        raise ConfigError(problems)
    return RepoFiles(secrets, agents, inventory_root)
