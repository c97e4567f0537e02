"""Where the simulated fleet comes from (an inventory, or a synthetic one of N nodes) and the
copy of the inventory that points the agent at the simulator (``--write-inventory``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from cloudctl.inventory.loader import Inventory, kind_files
from cloudctl.inventory.schema import COUNTIES
from cloudctl.sim.snmp.fleet import NodeSpec, Shares, make_spec

COUNTY_IDS = (
    "lishi", "xiaoyi", "fenyang", "wenshui", "jiaocheng", "xingxian", "linxian",
    "liulin", "shilou", "lanxian", "fangshan", "zhongyang", "jiaokou",
)
VILLAGES_PER_TOWNSHIP = 10
_ROLE_SUFFIX = {"core": "core", "aggregation": "agg", "access": "acc"}


def specs_from_inventory(inv: Inventory, *, seed: int, shares: Shares) -> list[NodeSpec]:
    """One spec per inventory node; its vendor, model, uplink speed and uplink name are kept."""
    specs = []
    for i, node in enumerate(sorted(inv.nodes.values(), key=lambda n: n.id)):
        site = inv.sites.get(node.site)
        parent = (site.parent if site is not None else None) or "city"
        specs.append(
            make_spec(
                node.id, seed=seed, shares=shares, role=node.role, parent=parent, vendor=node.vendor,
                model=node.model, uplink_mbps=node.uplink_mbps, uplink_name=node.uplink_interface, index=i,
            )
        )
    return specs


def synthetic_records(n: int, *, profile: str = "sim") -> dict[str, list[dict]]:
    """A valid inventory of ``n`` nodes: a core node per county (first 13), then per county
    townships with an aggregation node each and villages with an access node each."""
    sites: list[dict] = [{"id": "lvliang", "name": "吕梁市", "level": "city"}]
    sites += [{"id": cid, "name": name, "level": "county", "parent": "lvliang"} for cid, name in zip(COUNTY_IDS, COUNTIES)]
    nodes: list[dict] = []
    townships: dict[str, str] = {}  # county → current township
    counts: dict[str, int] = {}
    for i in range(n):
        county = COUNTY_IDS[i % len(COUNTY_IDS)]
        if i < len(COUNTY_IDS):
            site, role, speed = county, "core", 10000
        else:
            k = counts.get(county, 0)
            counts[county] = k + 1
            if k % (VILLAGES_PER_TOWNSHIP + 1) == 0:
                t = f"{county}-t{k // (VILLAGES_PER_TOWNSHIP + 1) + 1:03d}"
                townships[county] = t
                sites.append({"id": t, "name": f"{t} 乡镇", "level": "township", "parent": county, "synthetic": True})
                site, role, speed = t, "aggregation", 1000
            else:
                site = f"{townships[county]}-v{k % (VILLAGES_PER_TOWNSHIP + 1):02d}"
                sites.append({"id": site, "name": f"{site} 行政村", "level": "village", "parent": townships[county], "synthetic": True})
                role, speed = "access", 100 if k % 3 == 0 else 1000
        nodes.append({"id": f"{site}-{_ROLE_SUFFIX[role]}-01", "site": site, "role": role, "address": "127.0.0.1", "snmp": profile, "uplink_mbps": speed})
    return {"sites": sites, "nodes": nodes, "systems": [], "tenants": []}


def specs_from_records(records: dict[str, list[dict]], *, seed: int, shares: Shares) -> list[NodeSpec]:
    parents = {s["id"]: s.get("parent") or "city" for s in records["sites"]}
    return [
        make_spec(nd["id"], seed=seed, shares=shares, role=nd["role"], parent=parents.get(nd["site"], "city"),
                  uplink_mbps=nd.get("uplink_mbps"), index=i)
        for i, nd in enumerate(records["nodes"])
    ]


def _dump(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=200), encoding="utf-8")


def write_inventory(out_dir: Path, addresses: dict[str, str], *, source: Path | None = None,
                    records: dict[str, list[dict]] | None = None) -> Path:
    """Write the inventory with every simulated node's ``address`` pointing at the simulator.

    With ``source``, every file is copied as is except the nodes file(s), whose records keep
    every field but ``address``. With ``records`` (a synthetic fleet), one file per kind.
    """
    out_dir = Path(out_dir)
    if source is not None:
        if out_dir.resolve() == Path(source).resolve():
            raise ValueError("--write-inventory must differ from --inventory")
        shutil.copytree(source, out_dir, dirs_exist_ok=True)
        for path in kind_files(Path(source), "nodes"):
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for rec in data.get("nodes") or []:
                if isinstance(rec, dict) and rec.get("id") in addresses:
                    rec["address"] = addresses[rec["id"]]
            _dump(out_dir / path.relative_to(source), data)
        return out_dir
    assert records is not None
    for kind, recs in records.items():
        if kind == "nodes":
            recs = [{**r, "address": addresses.get(r["id"], r["address"])} for r in recs]
        _dump(out_dir / f"{kind}.yaml", {kind: recs})
    return out_dir
