"""`apply`: a plan carried out against the simulated clouds (in-process), change by change.

Specifications: every change made and recorded before and after; a second plan (journal) and a
plan after sync show nothing; an object changed since the plan is a conflict and left alone; an
unreachable provider fails its changes while the others proceed (exit 3); an interruption lets
changes in flight finish and the next plan shows exactly what remains; read-only credentials get
403; the cloud's jobs are followed until a deadline; concurrency stays within the provider's
setting; no secret reaches the audit log.
"""

from __future__ import annotations

import asyncio
import json
import threading

import httpx
import pytest

from cloudctl.errors import ConfigError, ExitCode
from cloudctl.plan.audit import records, verify
from tests.plan_env import make_env


@pytest.fixture
def env(tmp_path):
    return make_env(tmp_path)


def test_apply_makes_every_change_and_a_new_plan_shows_nothing(env):
    plan = env.plan()
    assert plan.changes
    result = env.apply(plan)
    assert result.exit_code == ExitCode.OK, [(o.change.key, o.error) for o in result.outcomes if o.result != "applied"]
    assert result.count("applied") == len(plan.changes)
    again = env.plan()  # before any sync: the audit log's journal is laid over the snapshot
    assert again.changes == [] and again.journal == len(plan.changes)
    env.sync()
    after_sync = env.plan()
    assert after_sync.changes == [] and after_sync.journal == 0
    assert [u.key for u in after_sync.unsupported] == [u.key for u in plan.unsupported]  # still reported, never attempted


def test_each_change_is_recorded_before_and_after_with_who_and_the_request_id(env):
    from cloudctl.plan import planfile

    plan = env.plan()
    planfile.write(plan, env.tmp / "plan.json")  # as `plan --out` does: the plan gets its digest
    env.apply(plan)
    recs = list(records(env.audit_path))
    assert verify(env.audit_path).intact
    by_key: dict[str, list[dict]] = {}
    for r in recs:
        by_key.setdefault(f"{r['provider']}/{r['kind']}/{r['id']}/{r['action']}", []).append(r)
    for c in plan.changes:
        started, done = by_key[c.key]
        assert (started["result"], done["result"]) == ("started", "ok")
        assert started["seq"] < done["seq"] and done["request_id"]
        assert done["before"] == c.before and done["after"] == c.after and done["user"] and done["host"]
        assert done["plan"] == plan.digest[7:19] and len(done["plan"]) == 12


def test_an_object_changed_since_the_plan_is_a_conflict_and_is_left_alone(env):
    plan = env.plan()
    tag = next(c for c in plan.changes if c.action == "set_tag" and c.provider == "huawei")
    server = env.server("huawei", tag.id)
    server.system_id, server.rev = "sys-0002", server.rev + 1  # an operator tagged it by hand meanwhile
    result = env.apply(plan)
    [o] = [o for o in result.outcomes if o.change.key == tag.key]
    assert o.result == "conflict" and o.observed == {"system": "sys-0002"}
    assert server.system_id == "sys-0002"  # not overwritten
    assert result.exit_code == ExitCode.UPSTREAM
    assert sum(x.result == "applied" for x in result.outcomes) == len(plan.changes) - 1


def test_a_change_already_made_counts_as_done(env):
    plan = env.plan()
    tag = next(c for c in plan.changes if c.action == "set_tag" and c.provider == "huawei")
    server = env.server("huawei", tag.id)
    server.system_id, server.rev = tag.after["system"], server.rev + 1
    result = env.apply(plan)
    assert next(o for o in result.outcomes if o.change.key == tag.key).result == "already"
    assert result.exit_code == ExitCode.OK


def test_an_unreachable_provider_fails_its_changes_and_the_others_proceed(env):
    plan = env.plan()

    def factory(name, cfg):
        if name == "xinchuang":
            return httpx.AsyncClient(transport=httpx.MockTransport(lambda r: (_ for _ in ()).throw(httpx.ConnectError("refused", request=r))))
        return env.clouds.client(name)

    result = env.apply(plan, client_factory=factory)
    assert result.exit_code == ExitCode.UPSTREAM
    for o in result.outcomes:
        if o.change.provider == "xinchuang":
            assert o.result == "failed" and ("ConnectError" in o.error or "attempts" in o.error)
        else:
            assert o.result == "applied"


def test_interrupted_apply_finishes_changes_in_flight_and_the_next_plan_shows_exactly_the_rest(env):
    plan = env.plan()
    stop = threading.Event()
    seen = []

    def progress(o):
        seen.append(o)
        if len(seen) == 3:
            stop.set()  # as the first Ctrl-C does

    result = env.apply(plan, stop=stop, progress=progress)
    assert result.interrupted and result.exit_code == ExitCode.INTERRUPTED
    done = {o.change.key for o in result.outcomes if o.result in ("applied", "already")}
    assert 3 <= len(done) < len(plan.changes)
    assert all(o.result in ("applied", "already", "not_attempted") for o in result.outcomes)
    remaining = env.plan()
    assert {c.key for c in remaining.changes} == {c.key for c in plan.changes} - done
    assert verify(env.audit_path).intact


def test_provider_limits_apply(env):
    plan = env.plan()
    result = env.apply(plan, providers=["tianhe"])
    assert {o.change.provider for o in result.outcomes if o.result == "applied"} == {"tianhe"}
    others = [o for o in result.outcomes if o.change.provider != "tianhe"]
    assert others and all(o.result == "not_attempted" for o in others)


def test_read_only_credentials_get_403_and_nothing_changes(tmp_path):
    env = make_env(tmp_path, reader=True)
    plan = env.plan()  # planning needs no write credentials
    before = {(s.id, s.system_id, s.status) for c in env.ds.clouds.values() for s in c.servers}
    result = env.apply(plan)
    assert result.exit_code == ExitCode.UPSTREAM
    assert result.outcomes and all(o.result == "failed" for o in result.outcomes)
    # refused by each cloud (403); a quota of the project that could not be created fails after it
    assert all("HTTP 403" in o.error or (o.change.action == "set_quota" and "does not exist" in o.error) for o in result.outcomes)
    assert {(s.id, s.system_id, s.status) for c in env.ds.clouds.values() for s in c.servers} == before


def test_write_credentials_come_from_the_write_block_and_must_resolve_before_anything_starts(tmp_path, monkeypatch):
    from cloudctl.config import Config, LoadedConfig
    from tests.clouds import admin_write_blocks

    env = make_env(tmp_path, reader=True)
    plan = env.plan()
    entries = {n: json.loads(p.model_dump_json()) for n, p in env.clouds.providers.items()}
    from tests.clouds import reader_entries

    entries = reader_entries({n: {k: v for k, v in e.items() if v not in (None, "<secret>", {})} | _secrets(n) for n, e in entries.items()})
    blocks = admin_write_blocks()
    blocks["tianhe"]["password"] = "env:TIANHE_ADMIN_PASSWORD"
    for n in entries:
        entries[n]["write"] = blocks[n]
    loaded = LoadedConfig(Config.model_validate({"providers": entries, "audit_log": str(env.audit_path)}), None)
    monkeypatch.delenv("TIANHE_ADMIN_PASSWORD", raising=False)
    with pytest.raises(ConfigError) as exc:
        env.apply(plan, loaded)
    assert "providers.tianhe.password" in str(exc.value) and "TIANHE_ADMIN_PASSWORD" in str(exc.value)
    assert not env.audit_path.exists()  # nothing was attempted
    from cloudctl.sim.openstack import OpenStackCredentials

    monkeypatch.setenv("TIANHE_ADMIN_PASSWORD", OpenStackCredentials().password)
    result = env.apply(plan, loaded)
    assert result.exit_code == ExitCode.OK, [o.error for o in result.outcomes if o.error]


def _secrets(name: str) -> dict:
    from cloudctl.sim.huawei import HuaweiCredentials
    from cloudctl.sim.openstack import OpenStackCredentials
    from cloudctl.sim.zstack import ZStackCredentials

    return {"tianhe": {"password": OpenStackCredentials().password}, "huawei": {"ak": HuaweiCredentials().ak, "sk": HuaweiCredentials().sk},
            "xinchuang": {"password": ZStackCredentials().password}}[name]


def test_a_refused_secret_never_reaches_the_audit_log_or_the_errors(tmp_path, monkeypatch):
    from cloudctl.config import Config, LoadedConfig

    env = make_env(tmp_path)
    plan = env.plan()
    planted = "Planted-Secret-9f31c"
    entries = {n: {k: v for k, v in json.loads(p.model_dump_json()).items() if v not in (None, "<secret>", {})} | _secrets(n)
               for n, p in env.clouds.providers.items()}
    entries["tianhe"]["write"] = {"username": "admin", "password": "env:PLANTED"}
    monkeypatch.setenv("PLANTED", planted)
    loaded = LoadedConfig(Config.model_validate({"providers": entries}), None)
    result = env.apply(plan, loaded)
    tianhe = [o for o in result.outcomes if o.change.provider == "tianhe"]
    assert tianhe and all(o.result == "failed" for o in tianhe)
    text = env.audit_path.read_text(encoding="utf-8") + json.dumps([o.error for o in result.outcomes])
    assert planted not in text and "401" in text


def test_a_stop_is_followed_to_the_end_and_gives_up_at_the_deadline(tmp_path):
    from cloudctl.sim.faults import Faults

    env = make_env(tmp_path, faults={"tianhe": Faults(job_seconds=60)})
    plan = env.plan(["tianhe"])
    stops = [c for c in plan.changes if c.action == "stop_server"]
    result = env.apply(plan, job_timeout=0.3)
    for o in result.outcomes:
        if o.change.action == "stop_server":
            assert o.result == "failed" and "deadline" in o.error
    assert stops and result.exit_code == ExitCode.UPSTREAM


def test_changes_run_concurrently_within_the_providers_concurrency(tmp_path):
    from cloudctl.sim.faults import Faults

    env = make_env(tmp_path, servers=200, faults={"huawei": Faults(latency_ms=(20, 20))})
    systems = env.inventory / "systems.yaml"  # sys-0001 claims every server of its project: many changes on one provider
    systems.write_text(systems.read_text().replace('name: "sys-0001-*"', 'name: "*"'))
    cfg = env.clouds.providers["huawei"].model_copy(update={"concurrency": 3})
    env.clouds.providers["huawei"] = cfg
    app = env.clouds.apps["huawei"]
    state = {"now": 0, "max": 0}

    async def counting(scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST":
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
            try:
                await app(scope, receive, send)
            finally:
                state["now"] -= 1
        else:
            await app(scope, receive, send)

    env.clouds.apps["huawei"] = counting
    plan = env.plan(["huawei"])
    assert len([c for c in plan.changes if c.action == "set_tag"]) > 6
    assert env.apply(plan).exit_code == ExitCode.OK
    assert state["max"] == 3


def test_group_commit_keeps_one_chain_under_concurrent_writers(tmp_path):
    from cloudctl.plan.audit import AuditLog

    async def go():
        log = AuditLog(tmp_path / "a.jsonl")
        await asyncio.gather(*(log.write({"time": "t", "n": i}) for i in range(200)))
        await log.aclose()

    asyncio.run(go())
    v = verify(tmp_path / "a.jsonl")
    assert v.intact and v.records == 200



def test_a_create_whose_answer_was_lost_and_retried_into_a_duplicate_counts_as_applied(env):
    """The gateway loses the answer to a project create the cloud made; the driver retries the 503 and
    the cloud refuses a duplicate: what the cloud holds decides, so the change is applied."""
    from cloudctl.sim.base import json_response

    plan = env.plan(["xinchuang"])
    create = next(c for c in plan.changes if c.action == "create_project")
    app = env.clouds.apps["xinchuang"]
    lost = {"done": False}

    async def drop(message):
        return None

    async def lossy(scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == "/zstack/v1/accounts" and not lost["done"]:
            lost["done"] = True
            await app(scope, receive, drop)  # the cloud takes the request ...
            await json_response({"error": {"code": "SYS.1001", "description": "gateway lost the answer"}}, 503)(scope, receive, send)
            return
        await app(scope, receive, send)

    env.clouds.apps["xinchuang"] = lossy
    result = env.apply(plan)
    o = next(o for o in result.outcomes if o.change.key == create.key)
    assert lost["done"] and o.result == "applied", o.error
    assert [p.name for p in env.ds.clouds["xinchuang"].projects].count(create.project) == 1


def test_plan_and_apply_with_the_store_on_postgresql(tmp_path, pg_url):
    env = make_env(tmp_path, store_url=pg_url)
    plan = env.plan()
    assert plan.store["path"].startswith("postgresql://") and plan.changes
    assert env.apply(plan).exit_code == ExitCode.OK
    env.sync()
    assert env.plan().changes == []
