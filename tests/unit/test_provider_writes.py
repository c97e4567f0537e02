"""The drivers' write verbs against the simulators (in-process ASGI): each change is kept, read back
the way sync reads it, refused as the real clouds refuse it, and followed through its async job."""

from __future__ import annotations

import asyncio
import time

import pytest

from cloudctl.errors import AuthError, ProviderError
from cloudctl.inventory import load_inventory
from cloudctl.sim import dataset
from tests.clouds import NAMES, clouds
from tests.unit.test_sim_dataset import write_inventory


@pytest.fixture
def ds(tmp_path):
    return dataset.build(load_inventory(write_inventory(tmp_path / "inventory")), servers=120, seed=5)


def run(coro):
    return asyncio.run(coro)


async def _session(c, name, fn, cfg=None):
    d = c.driver(name, cfg)
    async with d.client:
        await d.login()
        try:
            if hasattr(d, "load_projects"):
                await d.load_projects()
            return await fn(d)
        finally:
            await d.logout()


def _server(ds, name, status="running", tagged=None):
    for s in ds.clouds[name].servers:
        if s.status == status and (tagged is None or bool(s.system_id) == tagged):
            return s
    raise AssertionError(f"no {status} server on {name}")


@pytest.mark.parametrize("name", NAMES)
def test_tag_sets_and_corrects_the_system_id_and_a_sync_read_sees_it(ds, name):
    c = clouds(ds)
    s = _server(ds, name, tagged=True)

    async def go(d):
        before = await d.read_server(s.id.replace("-", "") if name == "xinchuang" else s.id, s.project_id)
        assert before.system == s.system_id
        result = await d.tag_server(before.id, s.project_id, "sys-0003")
        after = await d.read_server(before.id, s.project_id)
        listed = [r async for page in d.pages("server") for r in page if r.id == before.id]
        return result, after, listed

    result, after, listed = run(_session(c, name, go))
    assert after.system == "sys-0003" and listed[0].system == "sys-0003"
    assert result.request_id  # the cloud's request id, for the audit log
    assert s.system_id == "sys-0003"


@pytest.mark.parametrize("name", NAMES)
def test_stop_follows_the_clouds_job_to_the_end(ds, name):
    c = clouds(ds)
    s = _server(ds, name)
    sid = s.id.replace("-", "") if name == "xinchuang" else s.id

    async def go(d):
        result = await d.stop_server(sid, s.project_id, time.monotonic() + 30)
        return result, await d.read_server(sid, s.project_id)

    result, after = run(_session(c, name, go))
    assert after.status == "stopped" and s.status == "stopped"
    if name != "tianhe":
        assert result.job  # Huawei job_id / ZStack job location


def test_stopping_a_stopped_server_is_refused_by_nova_and_by_the_huawei_job(ds):
    for name in ("tianhe", "huawei"):
        c = clouds(ds)
        s = _server(ds, name, status="stopped")
        with pytest.raises(ProviderError) as exc:
            run(_session(c, name, lambda d: d.stop_server(s.id, s.project_id, time.monotonic() + 30)))
        assert exc.value.request_id
        assert "409" in str(exc.value) or "Ecs.0602" in str(exc.value)


@pytest.mark.parametrize("name", NAMES)
def test_create_project_then_find_it_and_a_duplicate_is_refused(ds, name):
    c = clouds(ds)

    async def go(d):
        assert await d.read_project("lvliang-new-dept") is None
        result = await d.create_project("lvliang-new-dept", "市新部门")
        found = await d.read_project("lvliang-new-dept")
        listed = [r.name async for page in d.pages("project") for r in page] if name != "xinchuang" else None
        return result, found, listed

    result, found, listed = run(_session(c, name, go))
    assert found is not None and found.id == result.detail["project_id"]
    assert listed is None or "lvliang-new-dept" in listed
    with pytest.raises(ProviderError):
        run(_session(c, name, lambda d: d.create_project("lvliang-new-dept", "again")))


@pytest.mark.parametrize("name", ["tianhe", "xinchuang"])
def test_set_quota_is_kept_and_read_back_in_inventory_units(ds, name):
    c = clouds(ds)
    project = ds.clouds[name].projects[0]

    async def go(d):
        p = await d.read_project(project.name)
        await d.set_quota(p.id, {"instances": 60, "vcpus": 240, "ram_mb": 512000, "volumes": 80, "volume_gb": 4096})
        return await d.read_quota(p.id)

    assert run(_session(c, name, go)) == {"instances": 60, "vcpus": 240, "ram_mb": 512000, "volumes": 80, "volume_gb": 4096}


def test_huawei_offers_no_quota_write():
    from cloudctl.providers.registry import driver_class

    assert "quota" not in driver_class("huawei").writes
    assert not hasattr(driver_class("huawei"), "set_quota")
    assert {"tag", "stop", "project", "quota"} <= driver_class("openstack").writes == driver_class("zstack").writes


def test_nova_below_usage_quota_is_refused_with_its_message(ds):
    c = clouds(ds)
    s = _server(ds, "tianhe")
    with pytest.raises(ProviderError) as exc:
        run(_session(c, "tianhe", lambda d: d.set_quota(s.project_id, {"vcpus": 0})))
    assert "must be greater than or equal to already used" in str(exc.value) and exc.value.http_status == 400


def test_nova_refuses_metadata_on_a_server_in_error(ds):
    c = clouds(ds)
    s = _server(ds, "tianhe")
    s.status = "error"  # as Nova shows a server whose host failed
    with pytest.raises(ProviderError) as exc:
        run(_session(c, "tianhe", lambda d: d.tag_server(s.id, s.project_id, "sys-0001")))
    assert exc.value.http_status == 409 and "vm_state error" in str(exc.value)


def test_zstack_job_failure_carries_the_jobs_error(ds):
    c = clouds(ds)
    with pytest.raises(ProviderError) as exc:
        run(_session(c, "xinchuang", lambda d: d.set_quota("0" * 32, {"vcpus": 10})))
    assert "SYS.1007" in str(exc.value) and "no account" in str(exc.value)


@pytest.mark.parametrize("name", NAMES)
def test_read_only_credentials_get_403_and_change_nothing(ds, name):
    c = clouds(ds, reader=True)
    s = _server(ds, name, tagged=True)
    sid = s.id.replace("-", "") if name == "xinchuang" else s.id
    before = s.system_id
    with pytest.raises(AuthError) as exc:
        run(_session(c, name, lambda d: d.tag_server(sid, s.project_id, "sys-0004")))
    assert exc.value.http_status == 403
    assert s.system_id == before
    # the same credentials read everything
    assert run(_session(c, name, lambda d: d.read_server(sid, s.project_id))).system == before


@pytest.mark.parametrize("name", NAMES)
def test_writes_get_through_throttling_and_server_errors(ds, name):
    from cloudctl.sim.faults import Faults

    c = clouds(ds, {name: Faults(throttle_burst=1, throttle_every=3, retry_after=0, error_rate=0.1, seed=9, job_seconds=0.01)})
    targets = [s for s in ds.clouds[name].servers if s.status in ("running", "stopped")][:8]

    async def go(d):
        for s in targets:
            sid = s.id.replace("-", "") if name == "xinchuang" else s.id
            await d.tag_server(sid, s.project_id, "sys-0002")

    run(_session(c, name, go))
    assert targets and all(s.system_id == "sys-0002" for s in targets)


def test_the_registry_knows_what_each_driver_can_change_without_importing_it():
    from cloudctl.providers.registry import DRIVERS, TAG_REFUSED, WRITES, driver_class

    for name in DRIVERS:
        cls = driver_class(name)
        assert WRITES[name] == cls.writes
        assert TAG_REFUSED.get(name, frozenset()) == cls.tag_refused
