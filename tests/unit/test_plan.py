"""`cloudctl plan`: the inventory against a synced snapshot of the simulated clouds.

Specifications: a claimed server gets its system's tag (set or corrected); an unclaimed untagged
server is reported, never changed; a missing tenant project is created, quotas are set (Huawei:
unsupported, no invented endpoint); running servers of a retired system are stopped; two systems
claiming one server is exit 2 naming both places; --provider limits the plan; --exit-code.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudctl.errors import InventoryError
from tests.plan_env import make_env


@pytest.fixture
def env(tmp_path):
    return make_env(tmp_path)


def _claimed(env, sid):
    from tests.plan_env import SELECTORS

    provider, project = SELECTORS[sid]
    pid = next(p.id for p in env.ds.clouds[provider].projects if p.name == project)
    return [s for s in env.ds.clouds[provider].servers if s.project_id == pid and s.name.startswith(sid + "-")]


def test_every_claimed_server_without_its_tag_gets_one_and_nothing_else_is_touched(env):
    plan = env.plan()
    tags = {(c.provider, c.id.replace("-", "")): c for c in plan.changes if c.action == "set_tag"}
    expected = {}
    for sid in ("sys-0001", "sys-0002", "sys-0003", "sys-0004"):
        for s in _claimed(env, sid):
            if s.system_id != sid:
                expected[s.id.replace("-", "")] = (s.system_id, sid)
    assert {k[1]: (c.before["system"], c.after["system"]) for k, c in tags.items()} == expected
    claimed = {s.id for sid in ("sys-0001", "sys-0002", "sys-0003", "sys-0004") for s in _claimed(env, sid)}
    untagged = {s.id.replace("-", "") for c in env.ds.clouds.values() for s in c.servers if s.system_id is None and s.id not in claimed}
    assert {u["id"].replace("-", "") for u in plan.unclaimed} >= untagged  # reported ...
    assert not untagged & {k[1] for k in tags}  # ... never changed


def test_a_wrong_tag_is_corrected_from_the_wrong_system_to_the_claiming_one(env):
    victim = _claimed(env, "sys-0001")[0]
    victim.system_id, victim.rev = "sys-0002", victim.rev + 1  # someone copied a neighbour's tag in the console
    env.sync()
    [c] = [c for c in env.plan().changes if c.id == victim.id]
    assert (c.action, c.before, c.after) == ("set_tag", {"system": "sys-0002"}, {"system": "sys-0001"})
    assert "systems[sys-0001].servers[0]" in c.reason and "systems.yaml:" in c.reason


def test_tenants_get_their_project_and_quota_huawei_quota_is_unsupported(env):
    plan = env.plan()
    create = [c for c in plan.changes if c.action == "create_project"]
    assert [(c.provider, c.project) for c in create] == [("xinchuang", "lvliang-sjj")]
    quotas = {(c.provider, c.project): c for c in plan.changes if c.action == "set_quota"}
    assert quotas[("xinchuang", "lvliang-sjj")].before is None  # not created yet: set after creating it
    assert quotas[("tianhe", "lvliang-gaj")].after == {"instances": 80, "vcpus": 400, "volumes": 100}
    [u] = plan.unsupported
    assert (u.provider, u.action, u.after) == ("huawei", "set_quota", {"instances": 90})
    assert "no API" in u.note and "ManageOne" in u.note
    assert not any(c.provider == "huawei" and c.action == "set_quota" for c in plan.changes)


def test_running_servers_of_a_retired_system_are_stopped(env):
    plan = env.plan()
    stops = {c.id for c in plan.changes if c.action == "stop_server"}
    running = {s.id for s in _claimed(env, "sys-0003") if s.status == "running"}
    assert stops == running and running
    assert all(c.system == "sys-0003" and "retired" in c.reason for c in plan.changes if c.action == "stop_server")


def test_two_systems_whose_globs_claim_one_server_is_invalid_input_naming_both(env):
    text = (env.inventory / "systems.yaml").read_text(encoding="utf-8")
    # sys-0001 also claims "sys-00*" in sys-0004's project: different globs, the same servers
    text = text.replace('servers: [{provider: huawei, project: lvliang-zrzy, name: "sys-0001-*"}]',
                        'servers: [{provider: huawei, project: lvliang-zrzy, name: "sys-0001-*"}, {provider: xinchuang, project: lvliang-dsj, name: "sys-00*"}]')
    (env.inventory / "systems.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InventoryError) as exc:
        env.plan()
    p = exc.value.problems[0]
    assert p.field == "systems[sys-0004].servers[0]" and str(p.location).endswith(f"systems.yaml:5:{str(p.location).rsplit(':', 1)[1]}")
    assert "also claimed by systems[sys-0001].servers[1] at " in p.message and "systems.yaml:2:" in p.message


def test_provider_limits_the_plan(env):
    plan = env.plan(["tianhe"])
    assert plan.providers == ["tianhe"] and {c.provider for c in plan.changes} == {"tianhe"}
    assert plan.unclaimed and all(u["provider"] == "tianhe" for u in plan.unclaimed)


def _config(env) -> Path:  # noqa: ANN001
    """A cloudctl.yaml for the in-process providers' settings (plan never contacts them), every secret an unset variable."""
    import yaml

    cfg = env.tmp / "cloudctl.yaml"
    doc = {"store": str(env.tmp / "store.db"), "audit_log": str(env.audit_path), "inventory": str(env.inventory),
           "providers": {n: json.loads(p.model_dump_json()) for n, p in env.clouds.providers.items()}}
    for p in doc["providers"].values():
        for k, v in list(p.items()):
            if v == "<secret>":
                p[k] = "env:UNSET_ON_PURPOSE"  # plan never needs a credential
            if v is None or v == {}:
                p.pop(k)
    cfg.write_text(yaml.safe_dump(doc, allow_unicode=True))
    return cfg


def test_cli_plan_writes_a_reviewable_file_and_exit_code_follows_diff(env, cli):
    cfg = _config(env)
    code, out, err = cli("--config", cfg, "--lang", "en", "plan", "--out", env.tmp / "plan.json", "--exit-code", "-o", "json")
    assert code == 1, err
    rows = json.loads(out)
    assert rows and {"provider", "action", "kind", "id", "before", "after", "reason"} <= set(rows[0])
    written = json.loads((env.tmp / "plan.json").read_text())
    assert written["format"] == "cloudctl-plan/1" and written["digest"].startswith("sha256:")
    assert len(written["changes"]) == len(rows)
    assert "Plan written to" in err and "cloudctl apply" in err
    code, out, err = cli("--config", cfg, "--lang", "zh", "plan", "--provider", "huawei", "--exit-code")
    assert "计划：" in err or "无需变更" in err
    assert "ManageOne" in out  # the unsupported quota is shown, with what to do instead


def test_plan_warnings_follow_the_language(env, cli):
    """#13 item 13: under --lang zh the warning about a selector that claims nothing was English."""
    systems = env.inventory / "systems.yaml"
    systems.write_text(systems.read_text(encoding="utf-8").replace('name: "sys-0001-*"', 'name: "no-such-server-*"'), encoding="utf-8")
    cfg = _config(env)
    _, _, err = cli("--config", cfg, "--lang", "zh", "plan")
    warning = [line for line in err.splitlines() if "systems[sys-0001].servers[0]" in line]
    assert len(warning) == 1 and warning[0].startswith(f"警告：{systems}:2:")
    assert warning[0].endswith("：`systems[sys-0001].servers[0]`（huawei/lvliang-zrzy/no-such-server-*）在快照中没有匹配的云主机")
    _, _, err = cli("--config", cfg, "--lang", "en", "plan")
    assert "systems[sys-0001].servers[0] (huawei/lvliang-zrzy/no-such-server-*) matches no server in the snapshot" in err


def test_an_invalid_inventory_stops_before_anything_is_planned(env, cli):
    (env.inventory / "tenants.yaml").write_text("tenants:\n  - {id: t-gaj, provider: tianhe}\n", encoding="utf-8")
    code, out, err = cli("plan", "--store", env.tmp / "store.db", "--inventory", env.inventory, "--out", env.tmp / "p.json")
    assert code == 2 and "tenants.yaml:2:" in err
    assert not (env.tmp / "p.json").exists()


def test_a_tag_nova_would_refuse_is_listed_with_what_to_do_not_planned_to_fail(env):
    victim = next(s for s in env.ds.clouds["tianhe"].servers if s.belongs_to == "sys-0003")
    victim.status, victim.system_id, victim.rev = "error", None, victim.rev + 1  # its host failed; and untagged
    env.sync()
    plan = env.plan()
    assert not [c for c in plan.changes if c.id == victim.id and c.action == "set_tag"]
    [u] = [u for u in plan.unsupported if u.id == victim.id]
    assert u.action == "set_tag" and "refuses tag changes while a server is error" in u.note
