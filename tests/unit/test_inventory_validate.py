"""`cloudctl inventory validate`: every bad-input class gets exit 2 and an exact file:line:col."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cloudctl.errors import InventoryError
from cloudctl.inventory import load_inventory

MINIMAL = Path(__file__).resolve().parent.parent / "fixtures" / "inventory" / "minimal"


@pytest.fixture
def inv_dir(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "inventory"
    shutil.copytree(MINIMAL, d)
    monkeypatch.chdir(tmp_path)  # locations are printed relative to the working directory
    return d


def _edit(d: Path, name: str, old: str, new: str) -> None:
    p = d / name
    text = p.read_text(encoding="utf-8")
    assert old in text, f"fixture changed: {old!r} not in {name}"
    p.write_text(text.replace(old, new, 1), encoding="utf-8")


# (case, file, old, new, expected location, expected message fragment)
BAD_INPUT = [
    (
        "malformed YAML",
        "nodes.yaml",
        "snmp: v3-default, uplink_mbps: 100}",
        "snmp: v3-default, uplink_mbps: 100",
        "inventory/nodes.yaml:5:5",
        "invalid YAML: while parsing a flow mapping: did not find expected ',' or '}'",
    ),
    (
        "duplicate key",
        "nodes.yaml",
        "role: core, address: \"10.141.1.1\"",
        "role: core, role: access, address: \"10.141.1.1\"",
        "inventory/nodes.yaml:2:50",
        "nodes[0]: duplicate key 'role' (first at line 2)",
    ),
    (
        "unknown field",
        "sites.yaml",
        "{id: lishi-xinyi, name: 信义镇,",
        "{id: lishi-xinyi, nmae: 信义, name: 信义镇,",
        "inventory/sites.yaml:6:23",
        "sites[4].nmae: unknown field 'nmae'",
    ),
    (
        "wrong type",
        "nodes.yaml",
        "uplink_mbps: 100}",
        "uplink_mbps: fast}",
        "inventory/nodes.yaml:4:134",
        "nodes[2].uplink_mbps: Input should be a valid integer, unable to parse string as an integer, got 'fast'",
    ),
    (
        "dangling reference",
        "nodes.yaml",
        "site: lishi-xinyi, role: aggregation",
        "site: lishi-xinyii, role: aggregation",
        "inventory/nodes.yaml:3:36",
        "nodes[lishi-xinyi-agg-01].site: site 'lishi-xinyii' does not exist",
    ),
    (
        "dangling tenant",
        "systems.yaml",
        "tenant: zrzyj-huawei",
        "tenant: zrzyj-hauwei",
        "inventory/systems.yaml:9:13",
        "systems[sys-0001].tenant: tenant 'zrzyj-hauwei' does not exist",
    ),
    (
        "duplicate id",
        "nodes.yaml",
        "{id: xiaoyi-core-01,",
        "{id: lishi-core-01,",
        "inventory/nodes.yaml:5:10",
        "nodes[3].id: duplicate id 'lishi-core-01' (first defined at inventory/nodes.yaml:2:5)",
    ),
    (
        "invalid address",
        "nodes.yaml",
        'address: "10.141.1.20"',
        'address: "10.141.1.260"',
        "inventory/nodes.yaml:3:77",
        "nodes[1].address: '10.141.1.260' is not an IPv4/IPv6 address",
    ),
    (
        "invalid port",
        "nodes.yaml",
        '"10.141.1.101:1161"',
        '"10.141.1.101:99999"',
        "inventory/nodes.yaml:4:82",
        "nodes[2].address: '10.141.1.101:99999': port must be 1-65535",
    ),
    (
        "unknown county (name)",
        "sites.yaml",
        "{id: xiaoyi, name: 孝义市,",
        "{id: xiaoyi, name: 小义市,",
        "inventory/sites.yaml:4:24",
        "sites[xiaoyi].name: unknown county '小义市'",
    ),
    (
        "unknown county (reference)",
        "systems.yaml",
        "county: xiaoyi",
        "county: xiaoyii",
        "inventory/systems.yaml:16:13",
        "systems[sys-0002].county: unknown county 'xiaoyii'",
    ),
]


@pytest.mark.parametrize(("case", "fname", "old", "new", "where", "message"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_exits_2_with_location(cli, inv_dir, case, fname, old, new, where, message):
    _edit(inv_dir, fname, old, new)
    code, out, err = cli("inventory", "validate", "inventory")
    assert code == 2
    assert out == ""
    assert f"{where}: {message}" in err, err
    assert "Traceback" not in err


def test_every_problem_of_every_file_is_reported(cli, inv_dir):
    _edit(inv_dir, "nodes.yaml", 'address: "10.141.1.20"', 'address: "10.141.1.260"')
    _edit(inv_dir, "sites.yaml", "{id: lishi-xinyi, name: 信义镇,", "{id: lishi-xinyi, nmae: 信义, name: 信义镇,")
    _edit(inv_dir, "systems.yaml", "mlps_level: 3\n    deployment: cloud", "mlps_level: 7\n    deployment: cloud")
    code, _, err = cli("inventory", "validate", "inventory")
    assert code == 2
    assert "3 problems in inventory" in err
    assert err.index("nodes.yaml") < err.index("sites.yaml") < err.index("systems.yaml")  # sorted by file


def test_missing_kind_file(cli, inv_dir):
    (inv_dir / "tenants.yaml").unlink()
    code, _, err = cli("inventory", "validate", "inventory")
    assert code == 2
    assert "inventory: no tenants.yaml or tenants/*.yaml" in err


def test_missing_directory(cli, tmp_path):
    code, _, err = cli("inventory", "validate", str(tmp_path / "nope"))
    assert code == 2
    assert "inventory directory does not exist" in err


def test_folder_layout_is_accepted(inv_dir):
    (inv_dir / "sites").mkdir()
    (inv_dir / "sites.yaml").rename(inv_dir / "sites" / "all.yaml")
    inv = load_inventory(inv_dir)
    assert len(inv.sites) == 9
    assert str(inv.location("sites", "lishi")) == "inventory/sites/all.yaml:3:5"


def test_valid_inventory_summary_counts(cli, inv_dir):
    code, out, err = cli("inventory", "summary", "inventory", "-o", "json")
    assert code == 0, err
    import json

    rows = {r["county"]: r for r in json.loads(out)}
    assert rows["lishi"]["townships"] == 2 and rows["lishi"]["villages"] == 2
    assert rows["lishi"]["core"] == 1 and rows["lishi"]["aggregation"] == 1 and rows["lishi"]["access"] == 1
    assert rows["xiaoyi"]["systems"] == 1 and rows["city"]["systems"] == 1
    assert rows["total"]["villages"] == 3


def test_ancestors_are_indexed(inv_dir):
    inv = load_inventory(inv_dir)
    assert inv.county_of("lishi-xinyi-v001") == "lishi"
    assert inv.township_of("lishi-xinyi-v001") == "lishi-xinyi"
    assert inv.county_of("lvliang") is None


def test_error_object_carries_every_problem(inv_dir):
    _edit(inv_dir, "nodes.yaml", "uplink_mbps: 100}", "uplink_mbps: -5}")
    with pytest.raises(InventoryError) as ei:
        load_inventory(inv_dir)
    (p,) = ei.value.problems
    assert (p.location.path, p.location.line) == ("inventory/nodes.yaml", 4)
    assert p.field == "nodes[2].uplink_mbps"
