"""``--web.config.file``: TLS and basic auth for the agent's HTTP server, in the Prometheus way.

The file has the format of the Prometheus exporter-toolkit's ``web-config.yml``, so the
scrape configs and the habits operators already have for node_exporter work unchanged::

    tls_server_config:
      cert_file: agent.crt            # relative to this file
      key_file: agent.key
      client_auth_type: RequireAndVerifyClientCert   # optional: mutual TLS
      client_ca_file: prometheus-ca.crt
      min_version: TLS12              # TLS12 (default) or TLS13; older versions are refused
    http_server_config:
      headers: {X-Content-Type-Options: nosniff}
    basic_auth_users:                 # user: bcrypt hash (htpasswd -nBC 10 "" | tr -d ':\\n')
      prometheus: $2y$10$...
    rate_limit: {interval: 100ms, burst: 20}      # optional: every request

What Python's ``ssl`` cannot do the way Go's crypto/tls does is refused with a reason, never
ignored silently: inline ``cert``/``key`` (use files), ``RequestClientCert`` and
``RequireAnyClientCert`` (they accept any certificate), ``cipher_suites`` names unknown to OpenSSL.
"""

from __future__ import annotations

import base64
import hashlib
import os
import ssl
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from cloudctl import yamlfile
from cloudctl.agent.config import parse_duration
from cloudctl.agent.http import TokenBucket
from cloudctl.config import Strict
from cloudctl.errors import ConfigError, Location, Problem

VERSIONS = {"TLS12": ssl.TLSVersion.TLSv1_2, "TLS13": ssl.TLSVersion.TLSv1_3}
CLIENT_AUTH = {"NoClientCert": ssl.CERT_NONE, "VerifyClientCertIfGiven": ssl.CERT_OPTIONAL, "RequireAndVerifyClientCert": ssl.CERT_REQUIRED}
INSECURE_CLIENT_AUTH = ("RequestClientCert", "RequireAnyClientCert")
HEADERS = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "X-XSS-Protection", "Strict-Transport-Security")
BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")
# Go crypto/tls cipher suite names (TLS 1.2) -> OpenSSL names.
GO_CIPHERS = {
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": "ECDHE-ECDSA-AES128-GCM-SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": "ECDHE-ECDSA-AES256-GCM-SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": "ECDHE-RSA-AES128-GCM-SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": "ECDHE-RSA-AES256-GCM-SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305": "ECDHE-ECDSA-CHACHA20-POLY1305",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305": "ECDHE-RSA-CHACHA20-POLY1305",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-ECDSA-CHACHA20-POLY1305",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-RSA-CHACHA20-POLY1305",
}
CURVES = ("CurveP256", "CurveP384", "CurveP521", "X25519")


class TLSServerConfig(Strict):
    cert_file: Path | None = None
    key_file: Path | None = None
    cert: str | None = None
    key: str | None = None
    client_ca_file: Path | None = None
    client_ca: str | None = None
    client_auth_type: str = "NoClientCert"
    client_allowed_sans: list[str] | None = None
    min_version: str = "TLS12"
    max_version: str = "TLS13"
    cipher_suites: list[str] | None = None
    prefer_server_cipher_suites: bool = True
    curve_preferences: list[str] | None = None

    @field_validator("min_version", "max_version")
    @classmethod
    def _version(cls, v: str) -> str:
        if v not in VERSIONS:
            raise ValueError(f"TLS version {v!r}: the agent speaks TLS12 or TLS13 (TLS 1.0 and 1.1 are broken)")
        return v

    @field_validator("client_auth_type")
    @classmethod
    def _client_auth(cls, v: str) -> str:
        if v in INSECURE_CLIENT_AUTH:
            raise ValueError(f"{v} accepts any client certificate; use RequireAndVerifyClientCert (or VerifyClientCertIfGiven) with client_ca_file")
        if v not in CLIENT_AUTH:
            raise ValueError(f"unknown client_auth_type {v!r}; use one of {', '.join(CLIENT_AUTH)}")
        return v

    @field_validator("cipher_suites")
    @classmethod
    def _ciphers(cls, v: list[str] | None) -> list[str] | None:
        unknown = [c for c in v or () if c not in GO_CIPHERS]
        if unknown:
            raise ValueError(f"unsupported cipher suite(s) {', '.join(unknown)}; supported: {', '.join(GO_CIPHERS)}")
        return v

    @field_validator("curve_preferences")
    @classmethod
    def _curves(cls, v: list[str] | None) -> list[str] | None:
        unknown = [c for c in v or () if c not in CURVES]
        if unknown:
            raise ValueError(f"unknown curve(s) {', '.join(unknown)}; use {', '.join(CURVES)}")
        return v

    @model_validator(mode="after")
    def _files(self) -> "TLSServerConfig":
        if self.cert or self.key:
            raise ValueError("inline cert/key are not supported by this agent; put them in files and use cert_file/key_file")
        if not (self.cert_file and self.key_file):
            raise ValueError("tls_server_config needs both cert_file and key_file")
        if self.client_auth_type != "NoClientCert" and not (self.client_ca_file or self.client_ca):
            raise ValueError(f"client_auth_type {self.client_auth_type} needs client_ca_file")
        if VERSIONS[self.min_version] > VERSIONS[self.max_version]:
            raise ValueError("min_version is above max_version")
        return self


class HTTPServerConfig(Strict):
    http2: bool = True  # accepted for compatibility: the agent answers HTTP/1.1, which every client speaks
    headers: dict[Literal[HEADERS], str] = Field(default_factory=dict)  # type: ignore[valid-type]


class RateLimit(Strict):
    interval: float = 0.0
    burst: int = Field(1, ge=1)

    @field_validator("interval", mode="before")
    @classmethod
    def _interval(cls, v: Any) -> float:
        return 0.0 if v in (0, "0", "0s") else parse_duration(v)


class WebConfigModel(Strict):
    tls_server_config: TLSServerConfig | None = None
    http_server_config: HTTPServerConfig = Field(default_factory=HTTPServerConfig)
    basic_auth_users: dict[str, str] = Field(default_factory=dict)
    rate_limit: RateLimit | None = None

    @field_validator("basic_auth_users")
    @classmethod
    def _hashes(cls, v: dict[str, str]) -> dict[str, str]:
        for user, h in v.items():
            if not isinstance(h, str) or not h.startswith(BCRYPT_PREFIXES) or len(h) != 60:
                raise ValueError(f"the password of user {user!r} must be a bcrypt hash ($2y$10$..., 60 characters), never the password itself")
        return v


class BasicAuth:
    """bcrypt-checked users; a verified (user, password, hash) is cached so scrapes stay cheap.

    An unknown user costs the same bcrypt as a known one, so timing does not tell which users
    exist. The cache keeps digests, never passwords, and is bounded.
    """

    CACHE = 256

    def __init__(self, users: dict[str, str]) -> None:
        self.users = users
        self._ok: OrderedDict[bytes, None] = OrderedDict()
        self._lock = threading.Lock()
        self._dummy: bytes | None = None

    @staticmethod
    def parse_header(value: str) -> tuple[str, str] | None:
        scheme, _, encoded = value.strip().partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, sep, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        return (user, password) if sep else None

    def check(self, user: str, password: str) -> bool:
        """True if ``password`` is ``user``'s. Blocking (bcrypt): call it from a worker thread."""
        import bcrypt  # lazily: only agents with basic auth pay for it

        stored = self.users.get(user)
        key = hashlib.sha256(f"{user}\0{password}\0{stored}".encode()).digest()
        with self._lock:
            if stored is not None and key in self._ok:
                self._ok.move_to_end(key)
                return True
        if stored is None:
            if self._dummy is None:
                self._dummy = bcrypt.hashpw(b"dummy", bcrypt.gensalt(10))
            bcrypt.checkpw(password.encode(), self._dummy)  # same cost as a real check
            return False
        ok = bcrypt.checkpw(password.encode(), stored.encode())
        if ok:
            with self._lock:
                self._ok[key] = None
                while len(self._ok) > self.CACHE:
                    self._ok.popitem(last=False)
        return ok


@dataclass
class WebConfig:
    """A validated web config: the TLS context to serve with, users, headers, rate limit."""

    source: Path | None = None
    ssl_context: ssl.SSLContext | None = None
    cert_files: tuple[Path, Path] | None = None  # to load a renewed certificate into the serving context
    allowed_sans: list[str] | None = None
    auth: BasicAuth | None = None
    headers: dict[str, str] = field(default_factory=dict)
    limiter: TokenBucket | None = None

    @property
    def scheme(self) -> str:
        return "https" if self.ssl_context else "http"


def _problem(doc: yamlfile.Document, path: tuple, message: str, hint: str = "") -> Problem:
    return Problem(doc.where(path), message, hint, yamlfile.format_path(path))


def _ssl_context(doc: yamlfile.Document, tls: TLSServerConfig, base: Path) -> tuple[ssl.SSLContext, tuple[Path, Path]]:
    def file(name: str) -> Path:
        p = Path(os.path.expanduser(getattr(tls, name)))
        p = p if p.is_absolute() else base / p
        if not p.is_file():
            raise ConfigError(_problem(doc, ("tls_server_config", name), f"file {p} does not exist"))
        return p

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = VERSIONS[tls.min_version]
    ctx.maximum_version = VERSIONS[tls.max_version]
    pair = (file("cert_file"), file("key_file"))
    try:
        ctx.load_cert_chain(*pair)
    except ssl.SSLError as exc:
        raise ConfigError(_problem(doc, ("tls_server_config", "cert_file"), f"cannot load the certificate and key: {exc.reason or exc}",
                                   "cert_file and key_file must be a matching PEM certificate and unencrypted key")) from None
    if tls.cipher_suites:
        ctx.set_ciphers(":".join(GO_CIPHERS[c] for c in tls.cipher_suites))
    if tls.prefer_server_cipher_suites:
        ctx.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
    ctx.verify_mode = CLIENT_AUTH[tls.client_auth_type]
    if tls.client_auth_type != "NoClientCert":
        try:
            if tls.client_ca_file:
                ctx.load_verify_locations(cafile=file("client_ca_file"))
            else:
                ctx.load_verify_locations(cadata=tls.client_ca)
        except ssl.SSLError as exc:
            raise ConfigError(_problem(doc, ("tls_server_config", "client_ca_file"), f"cannot load the client CA: {exc.reason or exc}")) from None
    return ctx, pair


def parse(doc: yamlfile.Document) -> WebConfig:
    """Validate a parsed web config; ConfigError with ``file:line`` for every problem."""
    if doc.problems:
        raise ConfigError(list(doc.problems))
    data = {} if doc.data is None else doc.data
    if not isinstance(data, dict):
        raise ConfigError(Problem(doc.where(()), "the web config must be a mapping (key: value)", "see docs/agent.md, 'Security'"))
    try:
        model = WebConfigModel.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(yamlfile.pydantic_problems(doc, exc, echo_input=False), hint="see docs/agent.md, 'Security'") from None
    base = Path(doc.path).parent
    web = WebConfig(Path(doc.path), headers=dict(model.http_server_config.headers))
    if model.tls_server_config is not None:
        web.ssl_context, web.cert_files = _ssl_context(doc, model.tls_server_config, base)
        web.allowed_sans = model.tls_server_config.client_allowed_sans
    if model.basic_auth_users:
        web.auth = BasicAuth(dict(model.basic_auth_users))
    if model.rate_limit is not None and model.rate_limit.interval > 0:
        web.limiter = TokenBucket(model.rate_limit.interval, model.rate_limit.burst)
    return web


def load(path: str | os.PathLike[str]) -> WebConfig:
    """Read and validate a ``web-config.yml`` (bounded like every config file)."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(Problem(Location(str(p)), "web config file does not exist"), hint="pass --web.config.file PATH; an example is agents/web-config.yml")
    return parse(yamlfile.load(p, max_bytes=yamlfile.CONFIG_MAX_BYTES))


def peer_allowed(peercert: dict | None, allowed: list[str] | None) -> bool:
    """``client_allowed_sans``: the client certificate has one of these SANs (DNS, IP, e-mail, URI)."""
    if not allowed:
        return True
    sans = {value for _kind, value in (peercert or {}).get("subjectAltName", ())}
    return bool(sans & set(allowed))
