"""Plan files that must not be applied, and the audit log's chain (SM3), through the CLI.

A plan edited by hand, cut off, made from another store or another inventory, or stale is exit 2
with the reason, before any cloud is contacted; without --yes on a non-terminal stdin apply
refuses. `audit verify` is 0 on an intact log and 1 naming the first altered, removed or
reordered record; a one-byte edit is caught.
"""

from __future__ import annotations

import json
import shutil

import pytest

from cloudctl.plan import planfile
from cloudctl.plan.audit import AuditLog, sm3_hex, verify
from tests.plan_env import make_env


@pytest.fixture
def world(tmp_path):
    env = make_env(tmp_path)
    plan = env.plan()
    path = tmp_path / "plan.json"
    planfile.write(plan, path)
    cfg = tmp_path / "cloudctl.yaml"
    cfg.write_text(f"store: {tmp_path / 'store.db'}\ninventory: {env.inventory}\naudit_log: {env.audit_path}\n")
    return env, path, cfg


def test_the_written_plan_reads_back_equal(world):
    env, path, _ = world
    back = planfile.read(path)
    assert [c.to_dict() for c in back.changes] == [c.to_dict() for c in env.plan().changes]
    assert back.digest.startswith("sha256:")


@pytest.mark.parametrize("damage,reason", [
    (lambda t: t.replace('"sys-0001"', '"sys-0002"', 1), "changed after `cloudctl plan` wrote it"),
    (lambda t: t[: len(t) // 2], "truncated or not JSON"),
    (lambda t: t.replace('"cloudctl-plan/1"', '"terraform-plan/4"'), "not a cloudctl plan"),
])
def test_an_edited_or_cut_plan_is_refused(world, cli, damage, reason):
    env, path, cfg = world
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    code, out, err = cli("--config", cfg, "apply", path, "--yes")
    assert code == 2 and reason in err and str(path) in err
    assert not env.audit_path.exists()


def test_a_plan_from_another_store_is_refused(world, cli, tmp_path):
    env, path, cfg = world
    other = tmp_path / "other.db"
    shutil.copy(tmp_path / "store.db", other)
    code, out, err = cli("--config", cfg, "apply", path, "--yes", "--store", other)
    assert code == 2 and "another store" in err


def test_a_plan_from_another_inventory_is_refused(world, cli):
    env, path, cfg = world
    tenants = env.inventory / "tenants.yaml"
    tenants.write_text(tenants.read_text() + "  - {id: t-more, department: 市档案馆, provider: tianhe, project: lvliang-dag}\n")
    code, out, err = cli("--config", cfg, "apply", path, "--yes")
    assert code == 2 and "another inventory, or the inventory changed" in err


def test_a_stale_plan_is_refused_unless_allowed(world, cli):
    env, path, cfg = world
    env.sync()  # a newer snapshot than the plan's
    code, out, err = cli("--config", cfg, "apply", path, "--yes")
    assert code == 2 and "stale" in err and "--allow-stale-plan" in err
    code, out, err = cli("--config", cfg, "apply", path, "--yes", "--allow-stale-plan", "--provider", "nonexistent")
    assert code == 2 and "not in the plan" in err  # got past the staleness check


def test_apply_refuses_without_yes_when_stdin_is_not_a_terminal(world, cli, monkeypatch):
    import io

    env, path, cfg = world
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))
    code, out, err = cli("--config", cfg, "apply", path)
    assert code == 2 and "stdin is not a terminal" in err and "--yes" in err
    assert not env.audit_path.exists()


def _log(tmp_path, n=6):
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    for i in range(n):
        log.append([{"time": f"2026-11-30T00:00:0{i}.000000Z", "provider": "tianhe", "id": f"s{i}", "result": "ok"}])
    return path


def test_sm3_is_the_national_standard_hash():
    # GB/T 32905-2016, example 1
    assert sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_verify_is_green_on_an_intact_log_and_names_a_one_byte_edit(tmp_path, cli):
    path = _log(tmp_path)
    code, out, err = cli("--lang", "en", "audit", "verify", "--audit-log", path)
    assert code == 0 and "6 records" in err
    data = bytearray(path.read_bytes())
    lines = data.split(b"\n")
    i = len(b"\n".join(lines[:3])) + 1 + lines[3].index(b'"s3"') + 2  # one byte of the 4th record's id
    data[i] = ord("9")
    path.write_bytes(bytes(data))
    code, out, err = cli("--lang", "en", "audit", "verify", "--audit-log", path)
    assert code == 1 and "line 4" in err and "altered" in err


def test_verify_names_a_removed_and_a_reordered_record(tmp_path):
    path = _log(tmp_path)
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:2] + lines[3:]))
    v = verify(path)
    assert (v.bad_line, "removed" in v.reason) == (3, True)
    path.write_text("".join(lines[:1] + [lines[2], lines[1]] + lines[3:]))
    v = verify(path)
    assert v.bad_line == 2 and "reordered" in v.reason


def test_a_cut_last_record_is_reported_and_not_chained_onto(tmp_path):
    from cloudctl.errors import AuditError

    path = _log(tmp_path)
    path.write_bytes(path.read_bytes()[:-20])
    assert verify(path).bad_line == 6
    with pytest.raises(AuditError):
        AuditLog(path).append([{"time": "t"}])


def test_two_writers_keep_one_chain(tmp_path):
    import threading

    path = tmp_path / "audit.jsonl"

    def writer(k):
        log = AuditLog(path)  # each its own file description: flock serialises them
        for i in range(50):
            log.append([{"time": "t", "writer": k, "i": i}])

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    v = verify(path)
    assert v.intact and v.records == 200


def test_audit_ls_lists_who_changed_what(tmp_path, cli):
    path = _log(tmp_path, 3)
    code, out, err = cli("audit", "ls", "--audit-log", path, "-o", "json", "-n", "2")
    rows = json.loads(out)
    assert code == 0 and [r["id"] for r in rows] == ["s1", "s2"] and {"seq", "time", "provider", "result"} <= set(rows[0])
