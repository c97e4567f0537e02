"""Debian's net-snmp ``snmpd`` on a free loopback port, with a v2c community and SNMPv3 users —
for the integration tests and ``bench/bench_snmp.py``.

Every USM user is created with ``createUser`` in the config and granted read access at its own
level; the persistent directory (engine ID, engine boots) lives in the given work directory, so
a restart with the same directory keeps the engine ID and raises engineBoots, as a device
reboot does, and a fresh directory is a new engine (a replaced device).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

# our protocol names → net-snmp's createUser / snmpcmd -a / -x names
NET_SNMP_AUTH = {"md5": "MD5", "sha": "SHA", "sha224": "SHA-224", "sha256": "SHA-256", "sha384": "SHA-384", "sha512": "SHA-512"}
NET_SNMP_PRIV = {"des": "DES", "aes128": "AES", "aes192": "AES-192", "aes256": "AES-256", "aes192c": "AES-192-C", "aes256c": "AES-256-C"}


@dataclass(frozen=True)
class User:
    name: str
    auth_protocol: str | None = None  # None: noAuthNoPriv
    auth_password: str | None = None
    priv_protocol: str | None = None  # None: authNoPriv
    priv_password: str | None = None

    @property
    def level(self) -> str:
        return "noAuthNoPriv" if self.auth_protocol is None else "authNoPriv" if self.priv_protocol is None else "authPriv"

    def config_lines(self) -> list[str]:
        create = f"createUser {self.name}"
        if self.auth_protocol:
            create += f" {NET_SNMP_AUTH[self.auth_protocol]} {self.auth_password}"
            if self.priv_protocol:
                create += f" {NET_SNMP_PRIV[self.priv_protocol]} {self.priv_password}"
        access = {"noAuthNoPriv": "noauth", "authNoPriv": "auth", "authPriv": "priv"}[self.level]
        return [create, f"rouser {self.name} {access}"]


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def binary() -> str | None:
    return shutil.which("snmpd") or next((p for p in ("/usr/sbin/snmpd", "/sbin/snmpd") if os.path.exists(p)), None)


class Snmpd:
    """A running snmpd. ``restart()`` keeps the persistent directory (same engine ID, boots + 1);
    ``replace()`` starts over with a new one (a new engine ID), on the same port."""

    def __init__(self, workdir: Path, *, community: str, users: list[User] = (), sys_name: str = "cloudctl-snmpd-test",
                 port: int | None = None, path: str | None = None, hosts: int = 1) -> None:
        self.workdir = Path(workdir)
        # ``hosts`` loopback addresses (127.0.0.1, then 127.0.0.11, .12, …) on the same port: one
        # engine seen as that many nodes (an inventory gives every node its own address)
        self.hosts = ["127.0.0.1"] + [f"127.0.0.{10 + i}" for i in range(1, hosts)]
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.community, self.users, self.sys_name = community, list(users), sys_name
        self.port = port or free_udp_port()
        self.binary = path or binary()
        if self.binary is None:
            raise FileNotFoundError("snmpd is not installed (.ci/run installs Debian's snmpd)")
        self.generation = 0
        self.proc: subprocess.Popen | None = None
        self.start()

    @property
    def persist(self) -> Path:
        return self.workdir / f"persist-{self.generation}"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def address_of(self, i: int) -> str:
        """The i-th listening address (0 is 127.0.0.1)."""
        return f"{self.hosts[i]}:{self.port}"

    def _write_config(self) -> Path:  # noqa: D401 - the one config file snmpd reads
        listen = ",".join(f"udp:{h}:{self.port}" for h in self.hosts)
        lines = [f"agentaddress {listen}", f"rocommunity {self.community} 127.0.0.0/8", f"sysName {self.sys_name}"]
        for u in self.users:
            lines += u.config_lines()
        conf = self.workdir / "snmpd.conf"
        conf.write_text("\n".join(lines) + "\n")
        return conf

    def start(self, timeout: float = 15.0) -> None:
        self._write_config()
        # SNMPCONFPATH instead of -C -c: snmpd then reads our snmpd.conf and, from the persistent
        # directory, the engine ID and engine boots it saved when it stopped (-C skips those too)
        env = {**os.environ, "SNMPCONFPATH": f"{self.workdir}:{self.persist}", "SNMP_PERSISTENT_DIR": str(self.persist), "MIBS": ""}
        self.log = self.workdir / "snmpd.log"
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([self.binary, "-f", "-Lo", "-I", "-smux"], stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + timeout
        getter = shutil.which("snmpget") or "/usr/bin/snmpget"
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"snmpd exited with {self.proc.returncode}: {self.log.read_text(errors='replace')[-2000:]}")
            r = subprocess.run([getter, "-v2c", "-c", self.community, "-r0", "-t0.5", "-On", self.address, "1.3.6.1.2.1.1.5.0"],
                               capture_output=True, text=True, env={**os.environ, "MIBS": ""})
            if r.returncode == 0 and self.sys_name in r.stdout:
                return
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"snmpd did not answer within {timeout:g} s")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def restart(self) -> None:
        """Stop and start with the same persistent state: engineBoots goes up (a reboot)."""
        self.stop()
        self.start()

    def replace(self) -> None:
        """Stop and start with a fresh persistent state: a new engine ID (a replaced device)."""
        self.stop()
        self.generation += 1
        self.start()

    def snmpcmd(self, tool: str, user: User, *args: str, level: str | None = None) -> subprocess.CompletedProcess:
        """Run a net-snmp tool as ``user`` (numeric output)."""
        cmd = [shutil.which(tool) or f"/usr/bin/{tool}", "-v3", "-u", user.name, "-l", level or user.level, "-On", "-t1", "-r0"]
        if user.auth_protocol:
            cmd += ["-a", NET_SNMP_AUTH[user.auth_protocol], "-A", user.auth_password]
        if user.priv_protocol:
            cmd += ["-x", NET_SNMP_PRIV[user.priv_protocol], "-X", user.priv_password]
        return subprocess.run([*cmd, self.address, *args], capture_output=True, text=True, env={**os.environ, "MIBS": ""}, timeout=30)
