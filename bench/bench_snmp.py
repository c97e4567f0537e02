#!/usr/bin/env python3
"""SNMP polling cost: our SNMPv2c client vs prometheus-snmp-exporter 0.21 vs pysnmp 7.1 hlapi.

Same agent (Debian's net-snmp snmpd on a loopback port, started here), same OIDs per node poll:
GET sysUpTime/sysName/sysDescr/sysObjectID, GET ipv6IpForwarding, and GETBULK walks of
ifOperStatus, ifHCInOctets, ifHCOutOctets. Reports CPU seconds per node poll (medians of
several rounds) and the ratio to the exporter, then a sweep of N simulated nodes (10 % down)
through ``cloudctl sim snmp`` in a separate process.

    .venv/bin/python bench/bench_snmp.py                 # full run
    .venv/bin/python bench/bench_snmp.py --polls 300 --rounds 3 --sweep-nodes 1000   # quick
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cloudctl.inventory.address import parse_address  # noqa: E402
from cloudctl.inventory.loader import load_inventory  # noqa: E402
from cloudctl.secrets import Secret  # noqa: E402
from cloudctl.snmp import mib  # noqa: E402
from cloudctl.snmp.base import SnmpError, Target  # noqa: E402
from cloudctl.snmp.client import Client  # noqa: E402

COMMUNITY = "bench"
V3_USER, V3_AUTH, V3_PRIV = "bench", "bench-auth-key", "bench-priv-key"
GET_1 = [mib.SYS_UPTIME, mib.SYS_NAME, mib.SYS_DESCR, mib.SYS_OBJECT_ID]
GET_2 = [mib.IPV6_IP_FORWARDING]
WALKS = [mib.IF_OPER_STATUS, mib.IF_HC_IN_OCTETS, mib.IF_HC_OUT_OCTETS]
TICKS = os.sysconf("SC_CLK_TCK")


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_cpu(pid: int) -> float:
    """utime + stime of a process, seconds (from /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def start_snmpd(workdir: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    conf = workdir / "snmpd.conf"
    conf.write_text(f"agentaddress udp:127.0.0.1:{port}\nrocommunity {COMMUNITY} 127.0.0.1\nsysName bench-node\n"
                    f"createUser {V3_USER} SHA-256 {V3_AUTH} AES {V3_PRIV}\nrouser {V3_USER} priv\n")
    env = {**os.environ, "SNMP_PERSISTENT_DIR": str(workdir / "persist"), "MIBS": ""}
    proc = subprocess.Popen(["/usr/sbin/snmpd", "-f", "-Lo", "-C", "-c", str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env)
    target = Target("127.0.0.1", port, community=Secret(COMMUNITY), timeout=2.0, retries=1, max_repetitions=10)
    for _ in range(100):
        try:
            asyncio.run(_one_get(target))
            return proc, port
        except SnmpError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("snmpd did not start")


async def _one_get(target: Target) -> None:
    c = Client()
    try:
        await c.get(target, [mib.SYS_NAME])
    finally:
        await c.close()


async def poll_node(client: Client, target: Target, merge_gets: bool = False) -> int:
    """One node poll as the agent does it; returns the number of varbinds read. With
    ``merge_gets`` the two GETs go in one request, as snmp_exporter sends them."""
    if merge_gets:
        got = await client.get(target, GET_1 + GET_2)
    else:
        got = await client.get(target, GET_1)
        got += await client.get(target, GET_2)
    rows = []
    for col in WALKS:
        rows += await client.walk(target, col)
    mib.decode_system(got)
    mib.decode_interfaces(rows)
    return len(got) + len(rows)


def v2c_target(port: int) -> Target:
    return Target("127.0.0.1", port, community=Secret(COMMUNITY), timeout=2.0, retries=1, max_repetitions=10)


def v3_target(port: int) -> Target:
    return Target("127.0.0.1", port, version="3", user=V3_USER, auth_protocol="sha256", auth_key=Secret(V3_AUTH),
                  priv_protocol="aes128", priv_key=Secret(V3_PRIV), timeout=2.0, retries=1, max_repetitions=10)


def bench_ours(port: int, polls: int, concurrency: int = 8, merge_gets: bool = False, v3: bool = False) -> tuple[float, int]:
    target = v3_target(port) if v3 else v2c_target(port)

    async def main() -> int:
        client = Client()
        sem = asyncio.Semaphore(concurrency)
        n_vb = 0

        async def one() -> None:
            nonlocal n_vb
            async with sem:
                n_vb = await poll_node(client, target, merge_gets)

        await poll_node(client, target)  # warm-up: socket, caches, v3 engine discovery
        c0 = time.process_time()
        await asyncio.gather(*(one() for _ in range(polls)))
        cpu = time.process_time() - c0
        await client.close()
        return cpu, n_vb

    cpu, n_vb = asyncio.run(main())
    return cpu / polls, n_vb


def bench_pysnmp(port: int, polls: int) -> float:
    import pysnmp.hlapi.v3arch.asyncio as hl

    async def main() -> float:
        engine = hl.SnmpEngine()
        auth = hl.CommunityData(COMMUNITY, mpModel=1)
        transport = await hl.UdpTransportTarget.create(("127.0.0.1", port), timeout=2, retries=1)
        ctx = hl.ContextData()

        async def one() -> None:
            for oids in (GET_1, GET_2):
                err, status, _, _ = await hl.get_cmd(engine, auth, transport, ctx, *(hl.ObjectType(hl.ObjectIdentity(o)) for o in oids), lookupMib=False)
                assert not err and not status, err
            for col in WALKS:
                async for err, status, _, _ in hl.bulk_walk_cmd(engine, auth, transport, ctx, 0, 10, hl.ObjectType(hl.ObjectIdentity(col)),
                                                                 lookupMib=False, lexicographicMode=False):
                    assert not err and not status, err

        await one()
        c0 = time.process_time()
        for _ in range(polls):
            await one()
        cpu = time.process_time() - c0
        engine.close_dispatcher()
        return cpu / polls

    return asyncio.run(main())


def exporter_config(path: Path) -> None:
    metrics = [
        ("sysUpTime", mib.SYS_UPTIME[:-2], "gauge", False),
        ("sysName", mib.SYS_NAME[:-2], "DisplayString", False),
        ("sysDescr", mib.SYS_DESCR[:-2], "DisplayString", False),
        ("sysObjectID", mib.SYS_OBJECT_ID[:-2], "OctetString", False),
        ("ipv6IpForwarding", mib.IPV6_IP_FORWARDING[:-2], "gauge", False),
        ("ifOperStatus", mib.IF_OPER_STATUS, "gauge", True),
        ("ifHCInOctets", mib.IF_HC_IN_OCTETS, "counter", True),
        ("ifHCOutOctets", mib.IF_HC_OUT_OCTETS, "counter", True),
    ]
    lines = ["bench:", "  version: 2", "  max_repetitions: 10", "  retries: 1", "  timeout: 2s",
             "  auth:", f"    community: {COMMUNITY}", "  get:"]
    lines += [f"  - {o}" for o in GET_1 + GET_2]
    lines += ["  walk:"] + [f"  - {o}" for o in WALKS]
    lines += ["  metrics:"]
    for name, oid, typ, indexed in metrics:
        lines += [f"  - name: {name}", f"    oid: {oid}", f"    type: {typ}", f"    help: {name}"]
        if indexed:
            lines += ["    indexes:", "    - labelname: ifIndex", "      type: gauge"]
    path.write_text("\n".join(lines) + "\n")


def bench_exporter(port: int, polls: int, workdir: Path, concurrency: int = 8) -> tuple[float, int]:
    conf = workdir / "snmp.yml"
    exporter_config(conf)
    http_port = free_port(socket.SOCK_STREAM)
    proc = subprocess.Popen(["/usr/bin/prometheus-snmp-exporter", f"--config.file={conf}",
                             f"--web.listen-address=127.0.0.1:{http_port}", "--log.level=warn"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{http_port}/snmp?target=127.0.0.1:{port}&module=bench"
    try:
        for _ in range(100):
            try:
                body = urllib.request.urlopen(url, timeout=5).read().decode()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit(f"snmp_exporter did not start: {proc.stderr.read() if proc.poll() is not None else ''}")
        samples = sum(1 for line in body.splitlines() if line.startswith(("if", "sys", "ipv6")))
        from concurrent.futures import ThreadPoolExecutor

        def scrape(_: int) -> None:
            with urllib.request.urlopen(url, timeout=10) as r:
                r.read()

        c0 = proc_cpu(proc.pid)
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(scrape, range(polls)))
        cpu = proc_cpu(proc.pid) - c0
        return cpu / polls, samples
    finally:
        proc.terminate()
        proc.wait(5)


def sweep(nodes: int, down: float, workdir: Path, concurrency: int) -> dict:
    inv_dir = workdir / "inventory"
    sim = subprocess.Popen([sys.executable, "-m", "cloudctl", "--lang", "en", "sim", "snmp", "--nodes", str(nodes),
                            "--down-share", str(down), "--slow-share", "0", "--seed", "1", "--write-inventory", str(inv_dir)],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
    try:
        while "ready" not in (line := sim.stdout.readline()):
            if not line:
                raise SystemExit("simulator exited")
        inv = load_inventory(inv_dir)
        targets = []
        for n in inv.nodes.values():
            a = parse_address(n.address)
            targets.append(Target(a.host, a.port, community=Secret("public"), timeout=2.0, retries=1, max_repetitions=10))

        async def main() -> tuple[int, int, float, float]:
            client = Client()
            sem = asyncio.Semaphore(concurrency)
            ok = failed = 0

            async def one(t: Target) -> None:
                nonlocal ok, failed
                async with sem:
                    try:
                        await poll_node(client, t)
                        ok += 1
                    except SnmpError:
                        failed += 1

            sim_cpu0 = proc_cpu(sim.pid)
            t0, c0 = time.perf_counter(), time.process_time()
            await asyncio.gather(*(one(t) for t in targets))
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            sim_cpu = proc_cpu(sim.pid) - sim_cpu0
            await client.close()
            return ok, failed, wall, cpu, sim_cpu

        ok, failed, wall, cpu, sim_cpu = asyncio.run(main())
        rss = next(int(line.split()[1]) for line in Path(f"/proc/{sim.pid}/status").read_text().splitlines() if line.startswith("VmRSS"))
        return {"nodes": nodes, "ok": ok, "failed": failed, "wall": wall, "cpu": cpu, "sim_cpu": sim_cpu, "sim_rss_mb": rss / 1024}
    finally:
        sim.terminate()
        sim.wait(10)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--polls", type=int, default=1000, help="node polls per round for ours and the exporter")
    ap.add_argument("--pysnmp-polls", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--sweep-nodes", type=int, default=5000)
    ap.add_argument("--sweep-down", type=float, default=0.1)
    ap.add_argument("--sweep-concurrency", type=int, nargs="+", default=[1000, 5000])
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-snmp-") as tmp:
        work = Path(tmp)
        snmpd, port = start_snmpd(work)
        try:
            ours, ours1, exporter, pysnmp_, ours_v3 = [], [], [], [], []
            n_vb = samples = 0
            for r in range(args.rounds):
                cpu, n_vb = bench_ours(port, args.polls)
                ours.append(cpu)
                ours1.append(bench_ours(port, args.polls, merge_gets=True)[0])
                cpu, samples = bench_exporter(port, args.polls, work)
                exporter.append(cpu)
                pysnmp_.append(bench_pysnmp(port, args.pysnmp_polls))
                ours_v3.append(bench_ours(port, args.pysnmp_polls, v3=True)[0])
                print(f"round {r + 1}: ours {ours[-1] * 1e3:.3f} ms (merged GETs {ours1[-1] * 1e3:.3f} ms), exporter {exporter[-1] * 1e3:.3f} ms, "
                      f"pysnmp {pysnmp_[-1] * 1e3:.3f} ms, ours v3 {ours_v3[-1] * 1e3:.3f} ms per node poll", flush=True)
        finally:
            snmpd.terminate()
            snmpd.wait(5)
        m_ours, m_ours1, m_exp, m_py, m_v3 = (statistics.median(x) for x in (ours, ours1, exporter, pysnmp_, ours_v3))
        print(f"\nper node poll ({n_vb} varbinds; exporter renders {samples} samples), median of {args.rounds} rounds:")
        print(f"  cloudctl v2c, 2 GET + 3 walks        {m_ours * 1e3:8.3f} ms CPU   ratio to exporter {m_ours / m_exp:5.2f}x")
        print(f"  cloudctl v2c, 1 GET + 3 walks        {m_ours1 * 1e3:8.3f} ms CPU   ratio to exporter {m_ours1 / m_exp:5.2f}x")
        print(f"  snmp_exporter 0.21                   {m_exp * 1e3:8.3f} ms CPU   1.00x")
        print(f"  pysnmp 7.1 hlapi (no MIBs)           {m_py * 1e3:8.3f} ms CPU   ratio to exporter {m_py / m_exp:5.2f}x")
        print(f"  cloudctl v3 (pysnmp, SHA-256/AES128) {m_v3 * 1e3:8.3f} ms CPU   ratio to exporter {m_v3 / m_exp:5.2f}x  (v2c exporter anchor)")
        for conc in args.sweep_concurrency if args.sweep_nodes else []:
            s = sweep(args.sweep_nodes, args.sweep_down, work / f"sweep-{conc}", conc)
            print(f"\nsweep of {s['nodes']} simulated nodes ({args.sweep_down:.0%} down), concurrency {conc}: "
                  f"{s['wall']:.2f} s wall, {s['ok']} ok, {s['failed']} failed; poller CPU {s['cpu']:.2f} s "
                  f"({s['cpu'] / max(1, s['ok']) * 1e3:.3f} ms per answering node), simulator CPU {s['sim_cpu']:.2f} s, "
              f"simulator RSS {s['sim_rss_mb']:.0f} MB", flush=True)


if __name__ == "__main__":
    main()
