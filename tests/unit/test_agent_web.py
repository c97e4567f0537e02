"""The agent's HTTP server on a hostile network (issue #11): TLS and bcrypt basic auth from an
exporter-toolkit web config, /-/reload authenticated and rate-limited, reloads parsed in a worker
thread with size and alias bounds, and /metrics answering throughout. Real sockets on loopback.
"""

from __future__ import annotations

import asyncio
import base64
import shutil
import ssl

import bcrypt
import pytest
import yaml

from cloudctl.agent import webconfig
from cloudctl.agent.service import RELOAD_BURST, Service, load_plan
from cloudctl.errors import ConfigError
from cloudctl.snmp.base import DictClient
from tests.certs import make_certs
from tests.conftest import ROOT
from tests.unit.test_agent_helpers import UNREACHABLE, fleet_tables, write_config, write_inventory

PASSWORD = "Planted-Agent-Pw-93e1"
HASH = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()  # cost 4: fast tests; the format is the same


@pytest.fixture
def setup(tmp_path, monkeypatch):
    monkeypatch.setenv("TEST_SNMP_COMMUNITY", "c0mmunity-value")
    write_inventory(tmp_path / "inventory")
    return write_config(tmp_path / "agent.yaml")


@pytest.fixture
def certs(tmp_path):
    return make_certs(tmp_path / "tls")


def web_file(tmp_path, certs, **extra) -> str:
    doc = {"tls_server_config": {"cert_file": str(certs.server_cert), "key_file": str(certs.server_key)},
           "basic_auth_users": {"prometheus": HASH}, **extra}
    path = tmp_path / "web.yml"
    path.write_text(yaml.safe_dump(doc))
    return str(path)


def client_ctx(certs, *, max_version=None, cert=None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(certs.ca))
    if max_version:
        ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        ctx.maximum_version = max_version
    if cert:
        ctx.load_cert_chain(*cert)
    return ctx


async def request(port: int, path: str, method: str = "GET", *, ctx: ssl.SSLContext | None = None, auth: tuple[str, str] | None = None) -> tuple[int, dict, str]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname="localhost" if ctx else None)
    head = f"{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n"
    if auth:
        head += "Authorization: Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode() + "\r\n"
    writer.write((head + "\r\n").encode())
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), 20)
    writer.close()
    raw_head, _, body = data.partition(b"\r\n\r\n")
    lines = raw_head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body.decode()


async def with_service(config, body, web_path=None):
    svc = Service(config, load_plan(config), DictClient(fleet_tables(), UNREACHABLE), web_path=web_path)
    task = asyncio.create_task(svc.serve())
    for _ in range(200):
        if svc.server is not None or task.done():
            break
        await asyncio.sleep(0.01)
    if task.done():
        task.result()
    port = svc.server.sockets[0].getsockname()[1]
    try:
        return await body(svc, port)
    finally:
        svc.stop()
        await asyncio.wait_for(task, 10)


# -- the web config file ---------------------------------------------------------------------------

def test_the_shipped_example_is_a_valid_web_config(tmp_path, certs):
    shutil.copy(ROOT / "agents" / "web-config.yml", tmp_path / "web-config.yml")  # its tls/agent.{crt,key} are the fixture's
    web = webconfig.load(tmp_path / "web-config.yml")
    assert web.scheme == "https" and set(web.auth.users) == {"prometheus"}
    assert web.ssl_context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert web.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("body,line,needle", [
    ("tls_server_config:\n  cert_file: {crt}\n  key_file: {key}\n  min_version: TLS10\n", 4, "TLS12 or TLS13"),
    ("basic_auth_users:\n  prometheus: hunter2-plain\n", 2, "must be a bcrypt hash"),
    ("http_server_config:\n  headers:\n    X-Powered-By: cloudctl\n", 3, "X-Powered-By"),
    ("tls_server_config:\n  cert_file: {crt}\n  key_file: {key}\n  client_auth_type: RequireAnyClientCert\n", 4, "accepts any client certificate"),
    ("tls_server_config:\n  cert_file: {crt}\n", 2, "needs both cert_file and key_file"),
    ("tls_server_config:\n  cert_file: {crt}\n  key_file: missing.key\n", 3, "does not exist"),
    ("basic_auth_user:\n  prometheus: x\n", 1, "unknown field"),
])
def test_a_wrong_web_config_is_refused_with_file_and_line(tmp_path, certs, body, line, needle):
    path = tmp_path / "web.yml"
    path.write_text(body.format(crt=certs.server_cert, key=certs.server_key))
    with pytest.raises(ConfigError) as exc:
        webconfig.load(path)
    text = str(exc.value)
    assert f"web.yml:{line}:" in text and needle in text
    assert "hunter2-plain" not in text  # the offending value is not echoed (it may be a password)


# -- TLS and basic auth ------------------------------------------------------------------------------

def test_tls_with_basic_auth_admits_the_right_password_only(setup, tmp_path, certs):
    async def body(svc, port):
        ctx = client_ctx(certs)
        return {
            "ok": await request(port, "/metrics", ctx=ctx, auth=("prometheus", PASSWORD)),
            "none": await request(port, "/metrics", ctx=ctx),
            "wrong": await request(port, "/metrics", ctx=ctx, auth=("prometheus", "wrong")),
            "nouser": await request(port, "/-/healthy", ctx=ctx, auth=("admin", PASSWORD)),
        }

    out = asyncio.run(with_service(setup, body, web_file(tmp_path, certs, http_server_config={"headers": {"X-Frame-Options": "deny"}})))
    status, headers, text = out["ok"]
    assert status == 200 and "egov_agent_nodes" in text and headers["x-frame-options"] == "deny"
    for key in ("none", "wrong", "nouser"):
        status, headers, text = out[key]
        assert status == 401 and headers["www-authenticate"].startswith("Basic") and "egov_" not in text, key


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1_1 is deprecated:DeprecationWarning")
def test_tls_older_than_1_2_and_plain_http_are_refused(setup, tmp_path, certs):
    async def body(svc, port):
        results = {}
        try:
            await request(port, "/metrics", ctx=client_ctx(certs, max_version=ssl.TLSVersion.TLSv1_1), auth=("prometheus", PASSWORD))
            results["tls11"] = "served"
        except (ssl.SSLError, ConnectionError, OSError) as exc:
            results["tls11"] = type(exc).__name__
        try:
            status, _, _ = await request(port, "/metrics", auth=("prometheus", PASSWORD))
            results["plain"] = status
        except (ConnectionError, OSError, ValueError, IndexError) as exc:
            results["plain"] = type(exc).__name__
        return results

    out = asyncio.run(with_service(setup, body, web_file(tmp_path, certs)))
    assert out["tls11"] != "served"
    assert out["plain"] != 200


def test_mutual_tls_admits_only_clients_of_the_configured_ca(setup, tmp_path, certs):
    tls = {"cert_file": str(certs.server_cert), "key_file": str(certs.server_key),
           "client_auth_type": "RequireAndVerifyClientCert", "client_ca_file": str(certs.ca)}
    path = tmp_path / "mtls.yml"
    path.write_text(yaml.safe_dump({"tls_server_config": tls}))

    async def body(svc, port):
        good = await request(port, "/metrics", ctx=client_ctx(certs, cert=(certs.client_cert, certs.client_key)))
        outcomes = []
        for cert in (None, (certs.other_cert, certs.other_key)):
            try:
                outcomes.append((await request(port, "/metrics", ctx=client_ctx(certs, cert=cert)))[0])
            except (ssl.SSLError, ConnectionError, OSError, IndexError) as exc:
                outcomes.append(type(exc).__name__)
        return good, outcomes

    good, outcomes = asyncio.run(with_service(setup, body, str(path)))
    assert good[0] == 200
    assert 200 not in outcomes


# -- /-/reload ---------------------------------------------------------------------------------------

def test_reload_needs_authentication_when_basic_auth_is_configured(setup, tmp_path, certs):
    async def body(svc, port):
        ctx = client_ctx(certs)
        anonymous = [await request(port, "/-/reload", "POST", ctx=ctx) for _ in range(3)]
        authed = await request(port, "/-/reload", "POST", ctx=ctx, auth=("prometheus", PASSWORD))
        return anonymous, authed

    anonymous, authed = asyncio.run(with_service(setup, body, web_file(tmp_path, certs)))
    assert [a[0] for a in anonymous] == [401, 401, 401]
    assert authed[0] == 200 and "reloaded" in authed[2]


def test_concurrent_reloads_are_rate_limited_and_metrics_keep_answering(setup):
    async def body(svc, port):
        reloads = asyncio.gather(*(request(port, "/-/reload", "POST") for _ in range(20)))
        metrics = asyncio.gather(*(request(port, "/metrics") for _ in range(5)))
        return await reloads, await metrics

    reloads, metrics = asyncio.run(with_service(setup, body))
    statuses = [r[0] for r in reloads]
    assert statuses.count(200) <= RELOAD_BURST and statuses.count(429) >= 20 - RELOAD_BURST
    assert all(r[1]["retry-after"].isdigit() for r in reloads if r[0] == 429)
    assert [m[0] for m in metrics] == [200] * 5


def _big_inventory(root, villages: int) -> None:
    """The helper inventory plus many villages with one access node each (a slow, legal reload)."""
    sites = yaml.safe_load((root / "sites.yaml").read_text())
    nodes = yaml.safe_load((root / "nodes.yaml").read_text())
    for i in range(villages):
        sites["sites"].append({"id": f"v{i:05d}", "name": f"村{i}", "level": "village", "parent": "lishi-t1"})
        nodes["nodes"].append({"id": f"v{i:05d}-acc", "site": f"v{i:05d}", "role": "access", "address": f"10.{100 + i // 65000}.{i // 250 % 250}.{i % 250 + 1}",
                               "snmp": "lab", "uplink_mbps": 100})
    (root / "sites.yaml").write_text(yaml.safe_dump(sites, allow_unicode=True))
    (root / "nodes.yaml").write_text(yaml.safe_dump(nodes, allow_unicode=True))


def test_metrics_answer_while_a_reload_is_being_parsed(setup):
    """Before, the reload parsed on the event loop: no /metrics was answered until it ended.

    The agent runs on its own thread's event loop; this thread plays Prometheus with a blocking
    client and counts the scrapes answered between sending the reload and receiving its answer.
    """
    import http.client
    import threading

    _big_inventory(setup.parent / "inventory", 6000)
    started, port = threading.Event(), []
    loop = asyncio.new_event_loop()

    async def body(svc, p):
        port.append(p)
        started.set()
        while not svc.stopped.is_set():
            await asyncio.sleep(0.05)

    holder: list = []

    def run() -> None:
        async def main():
            svc = Service(setup, load_plan(setup), DictClient(fleet_tables(), UNREACHABLE))
            holder.append(svc)
            task = asyncio.create_task(svc.serve(signals=False))  # not the main thread
            while svc.server is None:
                await asyncio.sleep(0.01)
            await body(svc, svc.server.sockets[0].getsockname()[1])
            await task

        loop.run_until_complete(main())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(30)
    done, result = threading.Event(), []

    def reload() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port[0], timeout=60)
        conn.request("POST", "/-/reload")
        r = conn.getresponse()
        result.append((r.status, r.read().decode()))
        done.set()

    threading.Thread(target=reload, daemon=True).start()
    during = 0
    try:
        while not done.is_set():
            conn = http.client.HTTPConnection("127.0.0.1", port[0], timeout=60)
            conn.request("GET", "/metrics")
            r = conn.getresponse()
            assert r.status == 200 and b"egov_agent_nodes" in r.read()
            during += not done.is_set()
    finally:
        loop.call_soon_threadsafe(holder[0].stop)
        thread.join(30)
    assert result and result[0][0] == 200 and "6009 nodes" in result[0][1]
    assert during >= 3, f"only {during} scrapes answered while the reload was parsed"


def test_an_alias_bomb_in_the_config_is_refused_at_reload_with_file_and_line(setup):
    bomb = "".join(f"x{i}: &x{i} [{', '.join([f'*x{i - 1}'] * 9) if i else ', '.join(['lol'] * 9)}]\n" for i in range(9))

    async def body(svc, port):
        setup.write_text(setup.read_text() + bomb)
        return await request(port, "/-/reload", "POST"), await request(port, "/metrics")

    (status, _, text), metrics = asyncio.run(with_service(setup, body))
    assert status == 500 and "alias" in text and "agent.yaml:" in text
    assert metrics[0] == 200


def test_an_oversized_config_is_refused_with_the_line_past_the_bound(setup):
    setup.write_text(setup.read_text() + "".join(f"# padding line {i} {'x' * 100}\n" for i in range(12000)))
    with pytest.raises(ConfigError, match=r"agent\.yaml:\d+: file is larger than the limit of 1048576 bytes"):
        load_plan(setup)
