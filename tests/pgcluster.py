"""A real PostgreSQL server for the tests, started by the tests themselves (pytest plugin).

Debian's ``postgresql`` package (installed by ``.ci/run``) gives ``initdb`` and ``pg_ctl`` under
``/usr/lib/postgresql/<version>/bin``. The session fixture ``postgres`` makes a cluster in a
temporary directory, listening on a Unix socket in that directory and on an ephemeral loopback
port, and tears it down at the end. PostgreSQL refuses to run as root: as root the server runs
as the ``postgres`` system user the package creates. Under ``CI=true`` a missing server fails
the tests that need it (``need()``), never skips them.

Authentication: every role logs in over the socket without a password (trust), except the role
``secretive``, which needs its password (scram-sha-256) — for the secret-reference tests.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

PASSWORD_ROLE = "secretive"


def _bindir() -> Path:
    from tests.conftest import need

    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]) if d.split("/")[-2].isdigit() else 0)
    return Path(need("initdb", also_in=dirs[-1:])).resolve().parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """One running PostgreSQL server in ``root``."""

    def __init__(self, root: Path, bindir: Path) -> None:
        self.root = root
        self.bindir = bindir
        self.data = root / "data"
        self.sock = root / "sock"
        self.port = _free_port()
        self._user = None
        if os.geteuid() == 0:
            self._user = pwd.getpwnam("postgres")

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        kw = {"user": self._user.pw_uid, "group": self._user.pw_gid, "extra_groups": []} if self._user else {}
        return subprocess.run([str(self.bindir / args[0]), *args[1:]], capture_output=True, text=True, check=check, timeout=120,
                              env={"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8"}, cwd=self.root, **kw)

    def start(self) -> None:
        self.sock.mkdir(parents=True, exist_ok=True)
        if self._user:
            for p in (self.root, self.sock):
                os.chown(p, self._user.pw_uid, self._user.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256",
                  "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
        hba = self.data / "pg_hba.conf"
        hba.write_text(f"local all {PASSWORD_ROLE} scram-sha-256\nlocal all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n")
        with open(self.data / "postgresql.conf", "a") as f:
            f.write(f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = '{self.sock}'\n"
                    "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nshared_buffers = 64MB\nmax_connections = 60\n")
        self.start_server()
        self.sql("postgres", f"CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD 'Planted-PG-Password-7c1d' CREATEDB")

    def start_server(self) -> None:
        res = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-t", "60", "start", check=False)
        if res.returncode != 0:
            log = (self.root / "server.log").read_text(errors="replace")[-2000:] if (self.root / "server.log").exists() else ""
            pytest.fail(f"PostgreSQL did not start: {res.stderr}\n{log}")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def restart(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "restart", "-l", str(self.root / "server.log"))

    def url(self, dbname: str, user: str = "postgres", **params: str) -> str:
        query = "&".join([f"host={self.sock}", f"port={self.port}", *(f"{k}={v}" for k, v in params.items())])
        return f"postgresql://{user}@/{dbname}?{query}"

    def tcp_url(self, dbname: str, user: str, **params: str) -> str:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return f"postgresql://{user}@127.0.0.1:{self.port}/{dbname}" + (f"?{query}" if query else "")

    def connect(self, dbname: str):  # noqa: ANN201 - a psycopg connection (autocommit)
        import psycopg

        return psycopg.connect(host=str(self.sock), port=self.port, dbname=dbname, user="postgres", autocommit=True)

    def sql(self, dbname: str, text: str, args: tuple = ()) -> list[tuple]:
        with self.connect(dbname) as conn:
            cur = conn.execute(text, args or None)
            return cur.fetchall() if cur.description else []

    def createdb(self, owner: str = "postgres") -> str:
        name = "t_" + uuid.uuid4().hex[:12]
        self.sql("postgres", f"CREATE DATABASE {name} OWNER {owner}")
        return name


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server for the whole session (torn down at the end)."""
    bindir = _bindir()
    # Not under pytest's tmp root: that is private to root, and the server runs as 'postgres'.
    root = Path(tempfile.mkdtemp(prefix="cloudctl-pg-"))
    cluster = Cluster(root, bindir)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_url(postgres) -> str:
    """A store URL for a new, empty database of its own."""
    return postgres.url(postgres.createdb())


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    """The same test on both backends: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "store.db")
    cluster = request.getfixturevalue("postgres")
    return cluster.url(cluster.createdb())
