"""Typed configuration of ``cloudctl``: providers, store, inventory; discovery and secrets.

Discovery order (first hit wins): ``--config PATH``, ``$CLOUDCTL_CONFIG``, ``./cloudctl.yaml``,
``<user config dir>/cloudctl/config.yaml``. With none of them, an empty default config is used
(no providers; inventory ``./inventory``; store in the user data dir).

Relative paths in a config file are resolved against the file's directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from cloudctl import yamlfile
from cloudctl.errors import ConfigError, Location, Problem
from cloudctl.secrets import Secret, with_base

if TYPE_CHECKING:  # pragma: no cover
    from cloudctl.store.url import StoreURL

ENV_CONFIG = "CLOUDCTL_CONFIG"
LOCAL_NAME = "cloudctl.yaml"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


# What kind of cloud a provider is, for the plan's indicator 7 (国产化政务云平台部署率): ``xinchuang``
# is a domestic 信创 platform, ``general`` is not. Not derived from the provider's name or driver:
# a real config names its clouds as it likes, and OpenStack or ZStack can be either.
Platform = Literal["xinchuang", "general"]


class OneAuthMethod(Strict):
    """A model holding credentials: exactly one of the ``auth_methods``, with all of its fields."""

    # Each driver takes exactly one way to authenticate, with all of its fields: name -> fields.
    auth_methods: ClassVar[dict[str, tuple[str, ...]]] = {}

    @model_validator(mode="after")
    def _one_auth_method(self) -> "OneAuthMethod":
        methods = type(self).auth_methods
        if not methods:
            return self
        given = {name: [f for f in fields if getattr(self, f) is not None] for name, fields in methods.items()}
        used = [name for name, present in given.items() if present]
        if len(used) != 1:
            raise ValueError("give either " + " or ".join("+".join(fields) for fields in methods.values()))
        fields = methods[used[0]]
        if len(given[used[0]]) < len(fields):
            both = "both " if len(fields) == 2 else ""
            raise ValueError(f"{used[0]} needs {both}{', '.join(fields[:-1])} and {fields[-1]}")
        return self


class ProviderBase(OneAuthMethod):
    """Settings every driver shares."""

    display_name: str | None = Field(None, description="Human name, e.g. 天河政务云")
    platform: Platform | None = Field(None, description="xinchuang: a domestic 信创 platform (plan indicator 7); general: not")
    region: str | None = None
    project: str | None = Field(None, description="Project / tenant name to scope to")
    verify: bool = Field(True, description="Verify TLS certificates")
    ca_bundle: Path | None = Field(None, description="PEM bundle of the government's private CA")
    timeout: float = Field(30.0, gt=0, description="Total deadline of one request (connect and every read), seconds")
    deadline: float | None = Field(None, gt=0, description="Deadline of this provider's whole sync, seconds (default: none)")
    max_response_bytes: int = Field(64 * 1024 * 1024, ge=1024, description="Largest response body read, bytes; reading stops past it")
    max_retries: int = Field(4, ge=0, le=10)
    concurrency: int = Field(8, ge=1, le=64, description="Parallel requests to this provider")
    page_size: int = Field(500, ge=1, le=1000)

    def for_writing(self) -> "ProviderBase":
        """These settings with the ``write:`` credentials (when given) in place of the reading ones.

        ``cloudctl apply`` authenticates with them; sync and plan never need them.
        """
        write = getattr(self, "write", None)
        if write is None:
            return self
        auth = {f for fields in type(self).auth_methods.values() for f in fields}
        update = {f: None for f in auth} | {f: getattr(write, f) for f in type(write).model_fields if getattr(write, f) is not None}
        return self.model_copy(update=update)


class OpenStackWrite(OneAuthMethod):
    """Credentials ``cloudctl apply`` uses on an OpenStack cloud (a role allowed to change things)."""

    username: str | None = None
    password: Secret | None = None
    user_domain: str | None = None
    application_credential_id: str | None = None
    application_credential_secret: Secret | None = None

    auth_methods: ClassVar[dict[str, tuple[str, ...]]] = {
        "password auth": ("username", "password"),
        "application credential auth": ("application_credential_id", "application_credential_secret"),
    }


class HuaweiWrite(OneAuthMethod):
    """Credentials ``cloudctl apply`` uses on Huawei Cloud (an IAM user with write permissions)."""

    ak: Secret | None = None
    sk: Secret | None = None
    domain: str | None = None
    username: str | None = None
    password: Secret | None = None

    auth_methods: ClassVar[dict[str, tuple[str, ...]]] = {
        "AK/SK auth": ("ak", "sk"),
        "IAM token auth": ("username", "password", "domain"),
    }


class ZStackWrite(OneAuthMethod):
    """Credentials ``cloudctl apply`` uses on ZStack (an account allowed to change things)."""

    account: str | None = None
    password: Secret | None = None
    access_key_id: str | None = None
    access_key_secret: Secret | None = None

    auth_methods: ClassVar[dict[str, tuple[str, ...]]] = {
        "session auth": ("account", "password"),
        "AK/SK auth": ("access_key_id", "access_key_secret"),
    }


class OpenStackProvider(ProviderBase):
    """Keystone v3 + Nova/Cinder/Neutron/Placement (Tianhe; OpenStack-based 信创 clouds)."""

    driver: Literal["openstack"]
    auth_url: str
    username: str | None = None
    password: Secret | None = None
    user_domain: str = "Default"
    project_domain: str = "Default"
    project_id: str | None = None
    application_credential_id: str | None = None
    application_credential_secret: Secret | None = None
    interface: Literal["public", "internal", "admin"] = "public"
    all_tenants: bool = Field(False, description="List every project's resources (admin)")
    endpoint_override: dict[str, str] = Field(default_factory=dict)
    write: OpenStackWrite | None = Field(None, description="Credentials for `cloudctl apply` (default: the ones above)")

    auth_methods: ClassVar[dict[str, tuple[str, ...]]] = {
        "password auth": ("username", "password"),
        "application credential auth": ("application_credential_id", "application_credential_secret"),
    }



class HuaweiProvider(ProviderBase):
    """Huawei Cloud Stack / Huawei Cloud: AK/SK signing (or IAM token) + ECS/EVS/VPC/EIP."""

    driver: Literal["huawei"]
    region: str
    project_id: str
    endpoint_domain: str = "myhuaweicloud.com"
    scheme: Literal["https", "http"] = "https"
    endpoints: dict[str, str] = Field(default_factory=dict, description="Per-service URL overrides (HCS private domains)")
    ak: Secret | None = None
    sk: Secret | None = None
    iam_endpoint: str | None = None
    domain: str | None = None
    username: str | None = None
    password: Secret | None = None
    write: HuaweiWrite | None = Field(None, description="Credentials for `cloudctl apply` (default: the ones above)")

    auth_methods: ClassVar[dict[str, tuple[str, ...]]] = {
        "AK/SK auth": ("ak", "sk"),
        "IAM token auth": ("username", "password", "domain"),
    }


class ZStackProvider(ProviderBase):
    """ZStack Cloud REST API (a common 信创 platform)."""

    driver: Literal["zstack"]
    endpoint: str
    account: str | None = None
    password: Secret | None = None
    access_key_id: str | None = None
    access_key_secret: Secret | None = None
    write: ZStackWrite | None = Field(None, description="Credentials for `cloudctl apply` (default: the ones above)")

    auth_methods: ClassVar[dict[str, tuple[str, ...]]] = {
        "session auth": ("account", "password"),
        "AK/SK auth": ("access_key_id", "access_key_secret"),
    }


Provider = Annotated[Union[OpenStackProvider, HuaweiProvider, ZStackProvider], Field(discriminator="driver")]


class Retention(Strict):
    """``retention:``: which snapshots ``cloudctl sync`` keeps (applied after each sync; see ``snapshots prune``)."""

    keep_last: int | None = Field(None, ge=1, description="The N newest snapshots")
    keep_daily: int | None = Field(None, ge=1, description="The newest snapshot of each of the last D days that have one")
    keep_monthly: int | None = Field(None, ge=1, description="The newest snapshot of each of the last M months that have one")


class Config(Strict):
    """The whole ``cloudctl.yaml``."""

    inventory: Path | None = Field(None, description="Inventory directory (default ./inventory)")
    store: str | None = Field(None, description="Store: a SQLite path, sqlite:///path or postgresql://user@host/db (default: the user data dir)")
    retention: Retention | None = Field(None, description="Snapshots to keep after each sync")
    policies: Path | None = Field(None, description="Policy directory (default ./policies)")
    lang: Literal["zh", "en"] | None = Field(None, description="Language of messages and reports")
    audit_log: Path | None = Field(None, description="Audit log of `cloudctl apply`, JSON Lines (default: audit.jsonl beside the default store)")
    providers: dict[str, Provider] = Field(default_factory=dict)


@dataclass
class LoadedConfig:
    """A validated config and where it came from."""

    config: Config
    source: Path | None  # None: built-in defaults
    warnings: list[Problem] = field(default_factory=list)
    doc: yamlfile.Document | None = field(default=None, repr=False)  # where each value is (file:line)

    @property
    def base_dir(self) -> Path:
        return self.source.parent if self.source else Path.cwd()

    def resolve(self, p: Path | None, default: Path) -> Path:
        if p is None:
            return default
        p = Path(os.path.expanduser(p))
        return p if p.is_absolute() else Path(os.path.normpath(self.base_dir / p))

    @property
    def inventory_dir(self) -> Path:
        return self.resolve(self.config.inventory, Path.cwd() / "inventory")

    @property
    def policies_dir(self) -> Path:
        return self.resolve(self.config.policies, Path.cwd() / "policies")

    @property
    def store_url(self) -> "StoreURL":
        """The configured store (relative paths against the config file's directory)."""
        from cloudctl.store.url import parse as parse_url

        return parse_url(self.config.store or default_store_path(), self.base_dir)

    @property
    def store_path(self) -> Path:
        """The store for messages and SQLite-only callers (a PostgreSQL store: its URL, without secrets)."""
        url = self.store_url
        return url.path if url.path is not None else Path(url.display)

    @property
    def platforms(self) -> dict[str, str | None]:
        """Provider name -> its ``platform:`` (None when the config does not say)."""
        return {name: p.platform for name, p in self.config.providers.items()}

    @property
    def audit_log_path(self) -> Path:
        return self.resolve(self.config.audit_log, default_store_path().parent / "audit.jsonl")

    def provider_secret(self, secret: Secret) -> Secret:
        """Bind a secret to this config's directory so ``file:`` references are file-relative."""
        return with_base(secret, self.base_dir)


def user_config_file() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("cloudctl")) / "config.yaml"


def default_store_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("cloudctl")) / "store.db"


def discover(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The config file to use, by the documented discovery order; None when there is none.

    An explicit ``--config`` or ``$CLOUDCTL_CONFIG`` that does not exist is an error, not a
    silent fallback.
    """
    for origin, value in (("--config", explicit), (f"${ENV_CONFIG}", os.environ.get(ENV_CONFIG))):
        if value:
            p = Path(os.path.expanduser(os.fspath(value)))
            if not p.is_file():
                raise ConfigError(
                    Problem(Location(str(p)), f"config file given by {origin} does not exist"),
                    hint="check the path, or run `cloudctl sim serve --write-config PATH` to create one",
                )
            return p
    local = Path.cwd() / LOCAL_NAME
    if local.is_file():
        return local
    user = user_config_file()
    if user.is_file():
        return user
    return None


def literal_secret_warnings(doc: yamlfile.Document, data: Any, path: tuple = ()) -> list[Problem]:
    out = []
    if isinstance(data, BaseModel):
        for name in type(data).model_fields:
            out += literal_secret_warnings(doc, getattr(data, name), path + (name,))
    elif isinstance(data, dict):
        for k, v in data.items():
            out += literal_secret_warnings(doc, v, path + (k,))
    elif isinstance(data, Secret) and data.kind == "literal":
        out.append(
            Problem(
                doc.where(path),
                "literal secret in config file",
                "use env:NAME or file:PATH so the value stays out of the file; literals are for demos",
                yamlfile.format_path(path),
            )
        )
    return out


def parse(doc: yamlfile.Document) -> LoadedConfig:
    """Validate a parsed config document. Raises :class:`ConfigError` with every problem."""
    problems = list(doc.problems)
    if problems:
        raise ConfigError(problems)
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        raise ConfigError(Problem(doc.where(()), "the config file must be a mapping (key: value)"))
    try:
        cfg = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(yamlfile.pydantic_problems(doc, exc, echo_input=False)) from None
    loaded = LoadedConfig(cfg, Path(doc.path), literal_secret_warnings(doc, cfg), doc)
    if cfg.store is not None:
        from cloudctl.errors import UsageError

        try:
            loaded.store_url  # noqa: B018 - validate the URL with the file's line in the message
        except UsageError as exc:
            raise ConfigError(Problem(doc.where(("store",)), exc.message, exc.hint, "store")) from None
    return loaded


def load(explicit: str | os.PathLike[str] | None = None) -> LoadedConfig:
    """Find and load the effective config."""
    path = discover(explicit)
    if path is None:
        return LoadedConfig(Config(), None)
    return parse(yamlfile.load(path, max_bytes=yamlfile.CONFIG_MAX_BYTES))


def redacted(cfg: Config) -> dict:
    """The config as plain data with every secret shown as ``<secret>`` (driver first per provider)."""
    data = cfg.model_dump(mode="json", exclude_none=True)
    data["providers"] = {
        name: {"driver": p["driver"], **{k: v for k, v in p.items() if k != "driver"}}
        for name, p in data.get("providers", {}).items()
    }
    return data


def unresolved_secrets(source: str, sections: dict[str, BaseModel], bind: Any, doc: yamlfile.Document | None = None) -> list[Problem]:
    """A problem for every secret field of ``sections`` (field prefix -> model) that cannot be resolved.

    ``bind`` turns a Secret into the one to reveal (relative ``file:`` paths against the config's
    directory). Messages name the reference, never a value. Shared by cloudctl.yaml and agent.yaml.
    With the config's ``doc``, each problem points at the field's line (``file:line:col``).
    """
    from cloudctl.errors import SecretError
    from cloudctl.redact import remember_secret

    problems: list[Problem] = []
    for prefix, model in sections.items():
        for fname in type(model).model_fields:
            value = getattr(model, fname)
            if isinstance(value, Secret):
                try:
                    remember_secret(bind(value).reveal())  # masked in every log line from now on
                except SecretError as exc:
                    where = doc.where((*prefix.split(".", 1), fname)) if doc is not None else Location(source)
                    problems.append(Problem(where, str(exc), exc.hint, f"{prefix}.{fname}"))
    return problems


def check_secrets(loaded: LoadedConfig) -> None:
    """Resolve every secret reference; raise :class:`ConfigError` listing the ones that fail."""
    source = str(loaded.source) if loaded.source else "<defaults>"
    sections = {f"providers.{name}": prov for name, prov in loaded.config.providers.items()}
    problems = unresolved_secrets(source, sections, loaded.provider_secret, loaded.doc)
    if problems:
        raise ConfigError(problems)
