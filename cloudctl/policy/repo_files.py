"""What the repository's config files say: SNMP profiles (agent configs) and secret-holding fields.

Policies on nodes' SNMP and on literal secrets read config files kept next to the inventory
(``agents/*.yaml``, ``examples/**/*.yaml``, ``cloudctl.yaml``). A node names an SNMP profile; the
profile's version and community come from the agent configs that define it. A profile no config
defines is judged by its name (``v3-…`` → v3, ``v2c-…`` → v2c, ``…public…`` → community public),
which is how the inventory names them; ``snmp_profile_defined`` tells the two cases apart. A
community given as a reference (``env:SNMP_COMMUNITY_PUBLIC``) is judged by the names too: the
check never reads secret values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cloudctl import yamlfile
from cloudctl.errors import ConfigError, Location, Problem
from cloudctl.secrets import Secret

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
    community: str | None  # public | reference | literal | None
    defined: bool


@dataclass
class RepoFiles:
    secrets: list[SecretField]
    profiles: dict[str, Profile]

    def profile(self, name: str) -> Profile:
        """The named profile, or one inferred from the name when no agent config defines it."""
        if name in self.profiles:
            return self.profiles[name]
        low = name.lower()
        version = "3" if "v3" in low else "2c" if "v2" in low else "1" if "v1" in low else "unknown"
        return Profile(name, version, "public" if "public" in low else None, False)


_VERSIONS = {"1": "1", "v1": "1", "2": "2c", "2c": "2c", "v2c": "2c", "3": "3", "v3": "3"}


def _community(name: str, value: object) -> str | None:
    """``public`` | ``reference`` | ``literal`` | None (no community: SNMPv3).

    The value behind an ``env:``/``file:`` reference is never read (CI holds no secrets), so the
    names are the evidence: a profile or a reference named ``…public…`` stands for the community
    public, as does the literal value ``public``.
    """
    if not isinstance(value, str) or not value:
        return None
    if value == "public" or "public" in name.lower():
        return "public"
    if Secret(value).kind != "literal":
        return "public" if "public" in value.lower() else "reference"
    return "literal"


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


def read(files: list[Path], display: dict[Path, str] | None = None) -> RepoFiles:
    """Scan config files for secret fields and SNMP profiles. Raises :class:`ConfigError` on bad YAML."""
    problems: list[Problem] = []
    secrets: list[SecretField] = []
    profiles: dict[str, Profile] = {}
    for path in files:
        doc = yamlfile.load(path, (display or {}).get(path))
        problems += doc.problems
        if doc.data is None:
            continue
        _walk(doc, doc.data, (), secrets)
        prof = doc.data.get("profiles") if isinstance(doc.data, dict) else None
        if isinstance(prof, dict):
            for name, p in prof.items():
                if isinstance(p, dict):
                    version = _VERSIONS.get(str(p.get("version", "")).lower(), "unknown")
                    profiles.setdefault(str(name), Profile(str(name), version, _community(str(name), p.get("community")), True))
    if problems:
        raise ConfigError(problems)
    return RepoFiles(secrets, profiles)
