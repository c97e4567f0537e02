"""`cloudctl inventory ls|show`: the look-ups an on-call engineer needs, on the shipped inventory.

The shipped EgovNodeDown alert tells on-call to run `cloudctl inventory show node <id>`, which did
not exist; these tests pin what it answers: where the node is, its address and SNMP profile, the
node upstream; which node serves a village; who owns a system.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from cloudctl.errors import UsageError
from cloudctl.inventory import lookup
from tests.conftest import INVENTORY


def _json(cli, *args: str) -> list[dict]:
    code, out, err = cli("inventory", *args, "-i", INVENTORY, "-o", "json")
    assert code == 0, err
    return json.loads(out)


def test_show_node_answers_where_it_is_how_it_is_polled_and_what_is_upstream(cli) -> None:
    [node] = _json(cli, "show", "node", "jiaocheng-xiying-v002-acc-01")
    assert (node["address"], node["snmp"], node["role"]) == ("10.145.3.3", "v2c-public", "access")
    assert (node["village_name"], node["township_name"], node["county_name"]) == ("青堡村", "西营镇", "交城县")
    assert node["snmp_version"] == "2c" and node["snmp_defined_in"] == "agents/configs/jiaocheng.yaml"  # the county's agent
    assert node["upstream"] == ["jiaocheng-xiying-agg-01 (10.140.5.13)"]  # the township's aggregation node
    assert node["location"].startswith("inventory/nodes/jiaocheng.yaml:")
    code, out, _ = cli("--lang", "en", "inventory", "show", "node", "jiaocheng-xiying-v002-acc-01", "-i", INVENTORY)
    assert code == 0 and "青堡村" in out and "10.145.3.3" in out  # the default is a field/value table


def test_which_node_serves_this_village(cli) -> None:
    [village] = _json(cli, "show", "site", "jiaocheng-xiying-v002")
    assert village["nodes"] == ["jiaocheng-xiying-v002-acc-01"]
    assert village["node_addresses"] == ["jiaocheng-xiying-v002-acc-01 (10.145.3.3, access)"]
    rows = _json(cli, "ls", "nodes", "--where", "village=jiaocheng-xiying-v002")
    assert [r["id"] for r in rows] == ["jiaocheng-xiying-v002-acc-01"]


def test_who_owns_this_system(cli) -> None:
    [system] = _json(cli, "show", "system", "sys-0086")
    assert (system["department"], system["tenant"], system["project"]) == ("市医疗保障局", "ybj-tianhe", "lvliang-ybj")
    assert (system["migration_state"], system["wave"], system["target_provider"]) == ("planned", "w2026b", "xinchuang")
    [tenant] = _json(cli, "show", "tenant", "ybj-tianhe")
    assert "sys-0086" in tenant["systems"]


def test_ls_filters_by_county_township_role_and_any_field(cli) -> None:
    cores = _json(cli, "ls", "nodes", "--county", "离石区", "--role", "core")  # a county by its name
    assert [r["id"] for r in cores] == ["lishi-core-01"]
    public = _json(cli, "ls", "nodes", "--where", "snmp=v2c-public")
    assert sorted(r["id"] for r in public) == ["jiaocheng-xiajiaying-v011-acc-01", "jiaocheng-xiying-v002-acc-01", "xiaoyi-wutong-v008-acc-01"]
    township = _json(cli, "ls", "nodes", "--county", "jiaocheng", "--township", "西营镇", "--role", "access")
    assert township and {r["township_name"] for r in township} == {"西营镇"}
    classified = _json(cli, "ls", "systems", "--where", "classified=true")
    assert len(classified) == 16 and all(r["classified"] for r in classified)
    city = _json(cli, "ls", "nodes", "--county", "lvliang")  # the city's own nodes
    assert city and all(r["county"] is None and r["site"] == "lvliang" for r in city)
    code, out, _ = cli("inventory", "ls", "sites", "-i", INVENTORY, "--county", "linxian", "--where", "level=township",
                       "-o", "csv", "--columns", "id,name,county_name")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and rows and set(rows[0]) == {"id", "name", "county_name"} and {r["county_name"] for r in rows} == {"临县"}


@pytest.fixture(scope="module")
def inv():  # noqa: ANN201
    from cloudctl.inventory import load_inventory

    return load_inventory(INVENTORY)


@pytest.mark.parametrize(
    ("call", "names"),
    [
        (lambda inv: lookup.kind_of("nodez"), ["nodes"]),  # unknown kind: the valid ones, the closest first
        (lambda inv: lookup.select(inv, "nodes", lookup.Filters(where=(("snpm", "v2c-public"),))), ["snmp"]),
        (lambda inv: lookup.check_columns(inv, "nodes", ["id", "adress"]), ["address"]),
        (lambda inv: lookup.select(inv, "nodes", lookup.Filters(role="coer")), ["core"]),
        (lambda inv: lookup.select(inv, "sites", lookup.Filters(role="core")), ["--county", "--township"]),  # does not apply
        (lambda inv: lookup.select(inv, "nodes", lookup.Filters(county="lishii")), ["lishi"]),
        (lambda inv: lookup.record(inv, "nodes", "lishi-core-1"), ["lishi-core-01"]),
    ],
)
def test_unknown_kinds_fields_values_and_ids_name_the_valid_ones(inv, call, names) -> None:  # noqa: ANN001
    with pytest.raises(UsageError) as exc:
        call(inv)
    assert all(n in f"{exc.value} {exc.value.hint}" for n in names), exc.value.hint


def test_an_unknown_county_is_answered_with_the_counties(cli) -> None:
    """The hint listed the county ids as "fields: lishi, …" (#13 item 8: the valid names, rightly named)."""
    code, out, err = cli("--lang", "en", "inventory", "ls", "nodes", "-i", INVENTORY, "--county", "lishii")
    assert (code, out) == (2, "") and err.splitlines()[1].startswith("hint: did you mean 'lishi'? use one of: lishi, xiaoyi, ")
    code, out, err = cli("--lang", "zh", "inventory", "ls", "nodes", "-i", INVENTORY, "--township", "lianhuachii")
    assert code == 2 and err.splitlines()[0] == "错误：--township 'lianhuachii'：清单中没有这个 id 或名称的乡镇（街道）"
    code, _, err = cli("--lang", "zh", "inventory", "ls", "nodes", "-i", INVENTORY, "--county", "lishii")
    assert code == 2 and err.splitlines()[1].startswith("提示：是否想输入 'lishi'？可用：lishi, xiaoyi, ")


def test_bad_input_is_exit_2_never_an_empty_listing(cli) -> None:
    code, out, err = cli("--lang", "en", "inventory", "ls", "nodes", "-i", INVENTORY, "--where", "snpm=v2c-public")
    assert (code, out) == (2, "") and "did you mean 'snmp'?" in err
