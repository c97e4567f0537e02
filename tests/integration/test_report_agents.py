"""`cloudctl report --metrics` against real county agents polling the SNMP fleet simulator.

The documented set-up is one agent per county shard. Two agents (离石区, and the twelve other
counties) poll `cloudctl sim snmp` serving tests/fixtures/report/inventory; the report reads one
agent, then both.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.integration.test_sim_snmp import Sim

INV = ROOT / "tests" / "fixtures" / "report" / "inventory"
OTHERS = ["xiaoyi", "fenyang", "wenshui", "jiaocheng", "xingxian", "linxian", "liulin", "shilou", "lanxian", "fangshan", "zhongyang", "jiaokou"]


def _agent_once(tmp_path: Path, name: str, inventory: Path, counties: list[str]) -> Path:
    cfg = tmp_path / f"{name}.yaml"
    cfg.write_text(
        f"inventory: {inventory}\nlisten: 127.0.0.1:0\ncounties: [{', '.join(counties)}]\n"
        "profiles:\n  lab: {version: 2c, community: env:SIM_COMMUNITY, timeout: 1s, retries: 0}\n",
        encoding="utf-8",
    )
    r = subprocess.run([sys.executable, "-m", "cloudctl.agent.main", "--config", str(cfg), "--once"],
                       capture_output=True, timeout=120, env={**os.environ, "SIM_COMMUNITY": "public"})
    assert r.returncode in (0, 3), r.stderr.decode()  # 3: some nodes did not answer (the simulator's down share)
    out = tmp_path / f"{name}.prom"
    out.write_bytes(r.stdout)
    return out


def _report(cli, inventory: Path, *metrics: Path) -> dict:
    args = [a for m in metrics for a in ("--metrics", m)]
    code, out, err = cli("--lang", "en", "report", "-i", inventory, "--no-store", "-o", "json", *args)
    assert code == 0, err
    return json.loads(out)


def test_county_agents_report_what_they_poll_and_merge_into_the_city(cli, tmp_path):
    sim_inv = tmp_path / "sim-inventory"
    sim = Sim("--inventory", str(INV), "--write-inventory", str(sim_inv), "--down-share", "0.1", "--seed", "3")
    try:
        lishi = _agent_once(tmp_path, "lishi", sim_inv, ["lishi"])
        others = _agent_once(tmp_path, "others", sim_inv, ["lvliang", *OTHERS])
    finally:
        sim.stop()
    one = _report(cli, sim_inv, lishi)
    village = next(i for i in one["indicators"] if i["id"] == "village_access")
    assert village["value"] is None and village["reporting"]["counties_reporting"] == 1
    assert {d["county"] for d in one["problems"]["nodes_down"]} <= {"离石区"}  # no other county's node is "down"
    assert one["problems"]["nodes_unknown_total"] == 19
    both = _report(cli, sim_inv, lishi, others)
    village = next(i for i in both["indicators"] if i["id"] == "village_access")
    assert village["reporting"] == {"counties_reporting": 13, "counties": 13, "nodes_observed": 23, "nodes": 23, "counties_missing": []}
    assert village["denominator"] == 16 and village["value"] is not None
    assert both["problems"]["nodes_unknown_total"] == 0
    assert both["notes"] == []
