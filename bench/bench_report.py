"""Benchmark: the indicator report on the shipped inventory, and the demo end to end.

- ``build_report`` from the inventory plus a full fleet's ``/metrics`` text (2,732 nodes), the
  policies and no store; ``render_html`` of the result;
- anchor, same run: ``load_inventory`` of the same inventory (what every command pays first);
- wall time of ``cloudctl demo``, median of ``--demo-runs`` (target: under 60 s on the 2-core machine).

The /metrics text is synthesised from the inventory in the agent's format (every 23rd node down,
every other node IPv6) so the benchmark needs no simulator.

Run:  .venv/bin/python bench/bench_report.py [--demo-runs N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import HEADER, Judge, command_line, median, row, time_call  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def fleet_metrics(inv) -> str:  # noqa: ANN001
    lines = []
    for name, help_ in (("egov_node_up", "up"), ("egov_node_ipv6_enabled", "ipv6"), ("egov_node_uplink_speed_bytes", "speed"),
                        ("egov_node_last_success_timestamp_seconds", "last")):
        lines += [f"# HELP {name} {help_}", f"# TYPE {name} gauge"]
        for i, n in enumerate(inv.nodes.values()):  # noqa: B007
            down = i % 23 == 0
            labels = f'node="{n.id}",county="{inv.county_of(n.site) or ""}",township="{inv.township_of(n.site) or ""}",role="{n.role}"'
            value = {"egov_node_up": 0 if down else 1, "egov_node_ipv6_enabled": i % 2, "egov_node_uplink_speed_bytes": n.uplink_mbps * 125000,
                     "egov_node_last_success_timestamp_seconds": 1764000000 - (i if down else 0)}[name]
            if down and name in ("egov_node_ipv6_enabled", "egov_node_uplink_speed_bytes"):
                continue
            lines.append(f"{name}{{{labels}}} {value}")
    # what else an agent exports per node (info, uptime, interface counters): ~6 more lines a node
    for name in ("egov_node_info", "egov_node_uptime_seconds", "egov_node_interface_receive_bytes", "egov_node_interface_transmit_bytes"):
        lines += [f"# HELP {name} x", f"# TYPE {name} {'counter' if 'bytes' in name else 'gauge'}"]
        for n in inv.nodes.values():
            if name == "egov_node_info":
                lines.append(f'{name}{{node="{n.id}",sysdescr="Huawei Versatile Routing Platform Software\\nVRP (R) software, Version 8.180",vendor="huawei"}} 1')
            elif name == "egov_node_uptime_seconds":
                lines.append(f'{name}{{node="{n.id}"}} 123456')
            else:
                lines += [f'{name}_total{{node="{n.id}",interface="{i}"}} 987654321' for i in ("GE0/0/1", "GE0/0/2")]
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--demo-runs", type=int, default=3)
    args = ap.parse_args()
    from cloudctl.inventory import load_inventory
    from cloudctl.report import build_report, parse_metrics
    from cloudctl.report.html import render_html

    inv_dir = ROOT / "inventory"
    inv = load_inventory(inv_dir)
    text = fleet_metrics(inv)
    policies = [ROOT / "policies"]
    anchor = median(time_call(lambda: load_inventory(inv_dir), runs=5))
    parse = median(time_call(lambda: parse_metrics(text, "bench"), runs=5))
    from prometheus_client.parser import text_string_to_metric_families

    unfiltered = median(time_call(lambda: [s for f in text_string_to_metric_families(text) for s in f.samples], runs=3))
    obs = parse_metrics(text, "bench")
    build = median(time_call(lambda: build_report(inv, observations=obs, policy_paths=policies), runs=5))
    build_np = median(time_call(lambda: build_report(inv, observations=obs), runs=5))
    rep = build_report(inv, observations=obs, policy_paths=policies)
    html = median(time_call(lambda: render_html(rep, "zh"), runs=5))
    size = len(render_html(rep, "zh").encode())
    print(f"inventory: {len(inv.sites)} sites, {len(inv.nodes)} nodes, {len(inv.systems)} systems; /metrics: {len(text.splitlines())} lines\n")
    print(HEADER)
    print(row("read /metrics (2,732 nodes): the 4 node families, then prometheus_client's parser", f"{parse * 1000:.0f} ms",
              f"{unfiltered * 1000:.0f} ms (parser on all lines)", f"{parse / unfiltered:.2f}×"))
    print(row("build_report, no policies", f"{build_np * 1000:.0f} ms", f"{anchor * 1000:.0f} ms", f"{build_np / anchor:.2f}×"))
    print(row("build_report + policy check", f"{build * 1000:.0f} ms", f"{anchor * 1000:.0f} ms", f"{build / anchor:.2f}×"))
    print(row(f"render_html ({size // 1024} KiB)", f"{html * 1000:.1f} ms", f"{anchor * 1000:.0f} ms", f"{html / anchor:.2f}×"))
    walls, loads = [], []
    for _ in range(args.demo_runs):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "cloudctl", "demo", "--out", tmp], check=True, cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            walls.append(time.perf_counter() - t0)
            loads.append(os.getloadavg()[0])
    print(row("cloudctl demo (wall)", f"{median(walls):.1f} s"))
    print(f"demo runs: {', '.join(f'{w:.1f} s (load {la:.1f})' for w, la in zip(walls, loads))}")
    judge = Judge("bench_report", command_line(__file__))
    judge.check("`cloudctl demo` < 60 s (#6)", median(walls), 60, unit="s",
                anchor=f"median of {len(walls)}: {', '.join(f'{w:.1f}' for w in walls)} s")
    return judge.finish()


if __name__ == "__main__":
    raise SystemExit(main())
