"""Where the store lives: a path, ``sqlite:///path`` or ``postgresql://user@host:port/db?...``.

One string everywhere (``store:`` in cloudctl.yaml, ``--store``, the agent's ``migration.store``)::

    /var/lib/cloudctl/store.db                 SQLite (relative paths: to the config file's directory)
    sqlite:///store.db                         SQLite, relative (SQLAlchemy's convention)
    sqlite:////var/lib/cloudctl/store.db       SQLite, absolute
    postgresql://cloudctl@db.lvliang.gov.cn:5432/cloudctl?password=env:CLOUDCTL_DB_PASSWORD&sslmode=verify-full&sslrootcert=/etc/pki/ca.pem

The password is never part of the URL: ``password=`` takes a secret reference (``env:NAME`` or
``file:PATH``), or libpq finds it itself (``PGPASSWORD``, ``~/.pgpass``). ``display`` is the URL
without any secret, for messages.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from cloudctl.errors import UsageError
from cloudctl.i18n import t
from cloudctl.secrets import Secret, with_base

PG_SCHEMES = ("postgresql", "postgres")
# libpq connection parameters a store URL may carry (plus password, a secret reference).
PG_PARAMS = ("host", "port", "sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout", "application_name")
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
_FILE_PARAMS = ("sslrootcert", "sslcert", "sslkey")


@dataclass(frozen=True)
class StoreURL:
    """A parsed store location. ``backend`` is ``sqlite`` or ``postgresql``."""

    backend: str
    path: Path | None = None  # sqlite
    host: str = ""
    port: int | None = None
    dbname: str = ""
    user: str = ""
    password: Secret | None = None
    params: dict[str, str] = field(default_factory=dict)

    @property
    def display(self) -> str:
        """The location as shown to users: never a secret."""
        if self.backend == "sqlite":
            return str(self.path)
        socket_dir = self.host.startswith("/")
        netloc = (quote(self.user) + "@" if self.user else "")
        shown = dict(self.params)
        if socket_dir:  # libpq's form for a Unix socket: the directory and port as parameters
            shown = {"host": self.host, **({"port": str(self.port)} if self.port else {}), **shown}
        else:
            netloc += self.host + (f":{self.port}" if self.port else "")
        query = "&".join(f"{k}={v}" for k, v in shown.items())
        return f"postgresql://{netloc}/{self.dbname}" + (f"?{query}" if query else "")

    def __str__(self) -> str:
        return self.display

    def connect_kwargs(self) -> dict[str, object]:
        """libpq keyword arguments (the password revealed here, and only here)."""
        kw: dict[str, object] = {"dbname": self.dbname, "application_name": "cloudctl", "connect_timeout": 10}
        if self.host:
            kw["host"] = self.host
        if self.port:
            kw["port"] = self.port
        if self.user:
            kw["user"] = self.user
        kw.update({k: v for k, v in self.params.items() if k not in ("host", "port")})
        if self.password is not None:
            kw["password"] = self.password.reveal()
        return kw


def _bad(text: str, what: str, hint_key: str = "store.url.hint") -> UsageError:
    return UsageError(t("store.url.bad", url=text, what=what), hint=t(hint_key))


def parse(text: str | os.PathLike[str], base: Path | None = None) -> StoreURL:
    """Parse a store location; relative paths (SQLite file, TLS files, ``file:`` secrets) against ``base``."""
    raw = os.fspath(text)
    base = base or Path.cwd()
    scheme = raw.split("://", 1)[0].lower() if "://" in raw else ""
    if not scheme:
        return StoreURL("sqlite", _local(raw, base))
    if scheme == "sqlite":
        rest = raw.split("://", 1)[1]
        if not rest.startswith("/") or rest == "/":
            raise _bad(raw, t("store.url.sqlite_form"))
        return StoreURL("sqlite", _local(unquote(rest[1:]), base))
    if scheme not in PG_SCHEMES:
        raise _bad(raw, t("store.url.scheme", scheme=scheme))
    parts = urlsplit(raw)
    if parts.password is not None:
        raise _bad(_without_password(raw, parts), t("store.url.literal_password"), "store.url.password_hint")
    params: dict[str, str] = {}
    password: Secret | None = None
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key == "password":
            secret = Secret(value)
            if secret.kind == "literal":
                raise _bad(_without_password(raw, parts), t("store.url.literal_password"), "store.url.password_hint")
            password = with_base(secret, base)
        elif key in PG_PARAMS:
            params[key] = str(_local(value, base)) if key in _FILE_PARAMS else value
        else:
            raise _bad(_without_password(raw, parts), t("store.url.param", param=key, known=", ".join(("password", *PG_PARAMS))))
    if "sslmode" in params and params["sslmode"] not in SSL_MODES:
        raise _bad(raw, t("store.url.sslmode", mode=params["sslmode"], modes=", ".join(SSL_MODES)))
    try:
        port = parts.port
    except ValueError:
        raise _bad(raw, t("store.url.port")) from None
    if "port" in params:
        if not params["port"].isdigit():
            raise _bad(raw, t("store.url.port"))
        port = int(params.pop("port"))
    dbname = unquote(parts.path.lstrip("/"))
    if not dbname:
        raise _bad(raw, t("store.url.dbname"))
    host = params.pop("host", "") or unquote(parts.hostname or "")
    return StoreURL("postgresql", None, host, port, dbname, unquote(parts.username or ""), password, params)


def _local(p: str, base: Path) -> Path:
    path = Path(os.path.expanduser(p))
    return path if path.is_absolute() else Path(os.path.normpath(base / path))


def _without_password(raw: str, parts) -> str:  # noqa: ANN001
    """The URL with any password (userinfo or query) cut out, for an error message."""
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0] + "@" if len(netloc) == 2 else ""
    query = "&".join(k + "=" + ("<secret>" if k == "password" else v) for k, v in parse_qsl(parts.query, keep_blank_values=True))
    return f"{parts.scheme}://{user}{netloc[-1]}{parts.path}" + (f"?{query}" if query else "")
