"""SNMPv3 against Debian's net-snmp ``snmpd``: the agent, as a process, polls a user of every
auth × priv combination net-snmp supports; wrong credentials make only their node down, each
with the kind snmpd's answer means; a restarted snmpd (engine boots up) and a replaced one (new
engine ID) answer the very next poll; and ``cloudctl sim snmp`` answers a faulty client the way
snmpd does."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import warnings

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from cloudctl.inventory.address import parse_address
from cloudctl.inventory.loader import load_inventory
from cloudctl.secrets import Secret
from cloudctl.snmp import mib, usm
from cloudctl.snmp.base import SnmpError, Target
from cloudctl.snmp.client import Client
from tests.conftest import ROOT, need
from tests.snmp_exporter import free_port, get
from tests.snmpd import NET_SNMP_AUTH, NET_SNMP_PRIV, Snmpd, User
from tests.unit.test_agent_helpers import SITES

pytestmark = [pytest.mark.real]

AUTH_PW, PRIV_PW = "v3-auth-pass-1", "v3-priv-pass-2"
COMBOS = [(a, p) for a in usm.AUTH for p in usm.PRIV]
USERS = [User(f"u-{a}-{p}", a, AUTH_PW, p, PRIV_PW) for a, p in COMBOS] + [
    User("authonly", "sha256", AUTH_PW),  # authNoPriv
    User("noauth"),  # noAuthNoPriv
]
SECRETS = (AUTH_PW, PRIV_PW, "not-the-key-9")


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    need("snmpd")
    need("snmpget")
    try:
        d = Snmpd(tmp_path_factory.mktemp("snmpd-v3"), community="v3-suite-community", users=USERS, sys_name="v3-node", hosts=len(USERS) + 12)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield d
    d.stop()


def _profile(of: User, change: dict | None = None) -> dict:
    """An agent profile with the credentials of ``of``, fields replaced by ``change`` (None drops one)."""
    p = {"version": 3, "user": of.name, "security_level": of.level, "timeout": "1s", "retries": 0}
    if of.auth_protocol:
        p.update(auth_protocol=of.auth_protocol, auth_key="env:V3_AUTH")
    if of.priv_protocol:
        p.update(priv_protocol=of.priv_protocol, priv_key="env:V3_PRIV")
    p.update(change or {})
    return {k: v for k, v in p.items() if v is not None}


def _write(tmp_path, nodes: list[tuple[str, str, dict]], *, interval: str = "60s", listen: str = "127.0.0.1:0") -> None:
    inv = tmp_path / "inventory"
    inv.mkdir(parents=True, exist_ok=True)
    (inv / "sites.yaml").write_text(yaml.safe_dump({"sites": SITES[:2]}, allow_unicode=True), encoding="utf-8")
    recs = [{"id": nid, "site": "lishi", "role": "core", "address": addr, "snmp": nid, "uplink_mbps": 1000} for nid, addr, _ in nodes]
    (inv / "nodes.yaml").write_text(yaml.safe_dump({"nodes": recs}))
    (inv / "systems.yaml").write_text("systems: []\n")
    (inv / "tenants.yaml").write_text("tenants: []\n")
    cfg = {"inventory": "inventory", "listen": listen, "interval": interval, "static_interval": "1h",
           "profiles": {nid: prof for nid, _, prof in nodes}}
    (tmp_path / "agent.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))


ENV = {"V3_AUTH": AUTH_PW, "V3_PRIV": PRIV_PW, "V3_WRONG": "not-the-key-9"}


def _once(tmp_path) -> tuple[int, dict, str]:
    r = subprocess.run([sys.executable, "-m", "cloudctl.agent.main", "--config", str(tmp_path / "agent.yaml"), "--once"],
                       capture_output=True, text=True, timeout=120, env={**os.environ, **ENV})
    for secret in SECRETS:
        assert secret not in r.stdout + r.stderr
    out: dict = {}
    for fam in text_string_to_metric_families(r.stdout):
        for s in fam.samples:
            out.setdefault(s.name, []).append((s.labels, s.value))
    return r.returncode, out, r.stderr


def _value(samples: dict, name: str, node: str, **labels) -> float | None:
    for lab, v in samples.get(name, []):
        if lab.get("node") == node and all(lab.get(k) == x for k, x in labels.items()):
            return v
    return None


def test_net_snmp_itself_serves_every_combination(daemon):
    """The fixture's premise: this snmpd build accepts every auth × priv (net-snmp 5.9 on Debian has
    SHA-2 and AES-192/256 in both key extensions compiled in). A build without one fails here."""
    failed = []
    for i, user in enumerate(USERS):
        r = daemon.snmpcmd("snmpget", user, mib.SYS_NAME)
        if r.returncode != 0 or "v3-node" not in r.stdout:
            failed.append((user.name, r.stderr.strip()))
    assert failed == []


def test_the_agent_polls_a_user_of_every_combination(daemon, tmp_path):
    nodes = [(f"n-{u.name}", daemon.address_of(i), _profile(u)) for i, u in enumerate(USERS)]
    _write(tmp_path, nodes)
    code, samples, err = _once(tmp_path)
    down = [nid for nid, _, _ in nodes if _value(samples, "egov_node_up", nid) != 1.0]
    assert code == 0 and down == [], err
    for nid, _, _ in nodes:
        info = [lab for lab, _ in samples["egov_node_info"] if lab["node"] == nid]
        assert info and info[0]["sysname"] == "v3-node" and info[0]["vendor"] == "net-snmp"
    assert len(nodes) == 36 + 2


WRONG = [  # node id, user, profile change, the kind snmpd's answer means
    ("wrong-auth-key", "u-sha256-aes128", {"auth_key": "env:V3_WRONG"}, "wrongDigest"),
    ("wrong-auth-protocol", "u-sha256-aes128", {"auth_protocol": "sha512"}, "wrongDigest"),
    ("wrong-priv-key", "u-sha256-aes128", {"priv_key": "env:V3_WRONG"}, "decryptionError"),
    ("wrong-priv-protocol", "u-sha256-aes128", {"priv_protocol": "aes256"}, "decryptionError"),
    ("unknown-user", "u-sha256-aes128", {"user": "nobody"}, "unknownUserName"),
    ("level-below-the-users", "u-sha256-aes128", {"security_level": "authNoPriv", "priv_protocol": None, "priv_key": None}, "authorizationError"),
    ("privacy-without-a-key", "authonly", {"security_level": "authPriv", "priv_protocol": "aes128", "priv_key": "env:V3_PRIV"}, "unsupportedSecLevel"),
]


def test_wrong_credentials_make_only_their_node_down_with_the_kind(daemon, tmp_path):
    by_name = {u.name: u for u in USERS}
    nodes = [("good", daemon.address_of(0), _profile(by_name["u-sha256-aes128"]))]
    nodes += [(nid, daemon.address_of(1 + i), _profile(by_name[user], change)) for i, (nid, user, change, _) in enumerate(WRONG)]
    _write(tmp_path, nodes)
    code, samples, err = _once(tmp_path)
    assert code == 3, err
    assert _value(samples, "egov_node_up", "good") == 1.0
    got = {nid: [lab["kind"] for lab, v in samples["egov_node_poll_errors_total"] if lab["node"] == nid and v == 1.0] for nid, *_ in WRONG}
    assert got == {nid: [kind] for nid, _, _, kind in WRONG}
    assert all(_value(samples, "egov_node_up", nid) == 0.0 for nid, *_ in WRONG)


@pytest.fixture
def lone(tmp_path):
    need("snmpd")
    try:
        d = Snmpd(tmp_path / "snmpd", community="lone-community", users=[User("egov", "sha256", AUTH_PW, "aes128", PRIV_PW)], sys_name="lone")
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield d
    d.stop()


def _events(base: str) -> dict[str, float]:
    text = get(base + "/metrics")[1].decode()
    return {lab["event"]: v for fam in text_string_to_metric_families(text) if fam.name == "egov_agent_snmp_events"
            for s in fam.samples for lab, v in [(s.labels, s.value)] if lab["protocol"] == "v3"}


def test_a_restarted_or_replaced_snmpd_answers_the_next_poll(lone, tmp_path):
    """snmpd restarted with its state (engine boots + 1, time from 0), then replaced by one with a
    new engine ID: each time the next /probe is up, through one resynchronisation or rediscovery."""
    port = free_port()
    _write(tmp_path / "agent", [("lone", lone.address, _profile(User("egov", "sha256", AUTH_PW, "aes128", PRIV_PW)))],
           interval="1h", listen=f"127.0.0.1:{port}")
    agent = subprocess.Popen([sys.executable, "-m", "cloudctl.agent.main", "--config", str(tmp_path / "agent" / "agent.yaml"), "--log-level", "warning"],
                             env={**os.environ, **ENV}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while get(base + "/-/ready")[0] != 200:
            assert agent.poll() is None and time.monotonic() < deadline, "the agent did not become ready"
            time.sleep(0.1)

        def probe_up() -> bool:
            status, body = get(base + "/probe?target=lone")
            return status == 200 and 'egov_node_up{node="lone"' in body.decode() and body.decode().split('egov_node_up{node="lone"', 1)[1].split("\n")[0].endswith(" 1.0")

        assert probe_up()
        before = _events(base)
        lone.restart()
        assert probe_up()  # the first poll after the restart
        after_restart = _events(base)
        assert after_restart["resyncs"] == before["resyncs"] + 1
        assert after_restart["discoveries"] == before["discoveries"]
        lone.replace()
        assert probe_up()
        after_replace = _events(base)
        assert after_replace["discoveries"] == after_restart["discoveries"] + 1
        assert after_replace["timeouts"] == before["timeouts"]  # recovered without a single timeout
    finally:
        agent.send_signal(signal.SIGTERM)
        _, err = agent.communicate(timeout=30)
    for secret in SECRETS:
        assert secret not in err


# --- the simulator answers like snmpd -----------------------------------------------------------------

SIM_USER = User("egov", "sha256", AUTH_PW, "aes128", PRIV_PW)
FAULTS = [  # (name, target change): the same faults against both, polled twice like two sweeps
    ("good", {}),
    ("unknown-user", {"user": "nobody"}),
    ("wrong-auth-key", {"auth_key": Secret("not-the-key-9")}),
    ("wrong-auth-protocol", {"auth_protocol": "sha384"}),
    ("wrong-priv-key", {"priv_key": Secret("not-the-key-9")}),
    ("wrong-priv-protocol", {"priv_protocol": "des"}),
    ("level-below-the-users", {"security_level": "authNoPriv", "priv_protocol": None, "priv_key": None}),
]


def _kinds(host: str, port: int) -> dict[str, list[str]]:
    base = dict(version="3", user="egov", auth_protocol="sha256", auth_key=Secret(AUTH_PW), priv_protocol="aes128",
                priv_key=Secret(PRIV_PW), security_level="authPriv", timeout=0.5, retries=0)

    async def main() -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for name, change in FAULTS:
            client = Client()  # a fresh client per fault: its first poll discovers the engine, as the agent's would
            try:
                for _ in range(2):
                    try:
                        await client.get(Target(host, port, **{**base, **change}), [mib.SYS_NAME])
                        out.setdefault(name, []).append("ok")
                    except SnmpError as exc:
                        out.setdefault(name, []).append(exc.kind)
            finally:
                await client.close()
        return out

    return asyncio.run(main())


def test_the_simulator_answers_faults_like_snmpd(lone, tmp_path):
    inv = tmp_path / "sim-inventory"
    sim = subprocess.Popen([sys.executable, "-m", "cloudctl", "--lang", "en", "sim", "snmp", "--nodes", "2", "--down-share", "0",
                            "--slow-share", "0", "--write-inventory", str(inv), "--v3-user", SIM_USER.name, "--v3-auth-protocol", "sha256",
                            "--v3-auth-key", "env:V3_AUTH", "--v3-priv-protocol", "aes128", "--v3-priv-key", "env:V3_PRIV"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env={**os.environ, **ENV})
    try:
        assert "ready" in sim.stdout.readline()
        a = parse_address(next(iter(load_inventory(inv).nodes.values())).address)
        simulated = _kinds(a.host, a.port)
    finally:
        sim.send_signal(signal.SIGTERM)
        sim.communicate(timeout=30)
    real = _kinds("127.0.0.1", lone.port)
    assert simulated == real
    assert real["good"] == ["ok", "ok"] and real["wrong-priv-key"] == ["decryptionError", "decryptionError"]


def test_net_snmp_tools_and_pysnmp_read_the_simulator_with_each_privacy_protocol(tmp_path):
    """Interoperability of the simulated agents with two independent managers, per privacy protocol."""
    snmpget = need("snmpget")
    import pysnmp.hlapi.v3arch.asyncio as hl

    py_priv = {"des": hl.usmDESPrivProtocol, "aes128": hl.usmAesCfb128Protocol, "aes256": hl.usmAesBlumenthalCfb256Protocol,
               "aes256c": hl.usmAesCfb256Protocol}
    for priv, auth in (("des", "md5"), ("aes128", "sha"), ("aes256", "sha"), ("aes256c", "sha")):
        inv = tmp_path / f"inv-{priv}"
        sim = subprocess.Popen([sys.executable, "-m", "cloudctl", "--lang", "en", "sim", "snmp", "--nodes", "1", "--down-share", "0",
                                "--slow-share", "0", "--write-inventory", str(inv), "--v3-user", "egov", "--v3-auth-protocol", auth,
                                "--v3-auth-key", "env:V3_AUTH", "--v3-priv-protocol", priv, "--v3-priv-key", "env:V3_PRIV"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env={**os.environ, **ENV})
        try:
            assert "ready" in sim.stdout.readline()
            a = parse_address(next(iter(load_inventory(inv).nodes.values())).address)
            r = subprocess.run([snmpget, "-v3", "-l", "authPriv", "-u", "egov", "-a", NET_SNMP_AUTH[auth], "-A", AUTH_PW, "-x", NET_SNMP_PRIV[priv],
                                "-X", PRIV_PW, "-On", "-Ov", "-r0", "-t2", f"{a.host}:{a.port}", mib.SYS_NAME],
                               capture_output=True, text=True, env={**os.environ, "MIBS": ""}, timeout=30)
            assert r.returncode == 0 and r.stdout.startswith("STRING:"), (priv, r.stderr)

            async def pysnmp_get() -> str:
                engine = hl.SnmpEngine()
                try:
                    user = hl.UsmUserData("egov", AUTH_PW, PRIV_PW, authProtocol={"md5": hl.usmHMACMD5AuthProtocol, "sha": hl.usmHMACSHAAuthProtocol}[auth],
                                          privProtocol=py_priv[priv])
                    transport = await hl.UdpTransportTarget.create((a.host, a.port), timeout=2, retries=0)
                    err, status, _, vbs = await hl.get_cmd(engine, user, transport, hl.ContextData(), hl.ObjectType(hl.ObjectIdentity(mib.SYS_NAME)),
                                                           lookupMib=False)
                    assert not err and not status, (priv, err)
                    return str(vbs[0][1])
                finally:
                    engine.close_dispatcher()

            with warnings.catch_warnings():  # pysnmp 7.1 warns about cryptography's CFB move: its warning
                warnings.simplefilter("ignore")
                name = asyncio.run(pysnmp_get())
            assert name == r.stdout.strip().removeprefix("STRING: ").strip('"')
        finally:
            sim.send_signal(signal.SIGTERM)
            sim.communicate(timeout=30)

