"""Fault specs (`--fault`), latency, and the config `sim serve` writes for each 信创 variant."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from cloudctl.config import Config
from cloudctl.errors import UsageError
from cloudctl.sim import dataset, serve
from cloudctl.sim.faults import Faults, parse_specs
from cloudctl.sim.zstack import zstack_app


def test_specs_apply_per_simulator_or_to_all():
    f = parse_specs(["huawei:throttle=3/20,retry_after=2", "error_rate=0.1", "tianhe:token_uses=5,latency=10-30"], seed=1)
    assert (f["huawei"].throttle_burst, f["huawei"].throttle_every, f["huawei"].retry_after) == (3, 20, 2.0)
    assert all(f[n].error_rate == 0.1 for n in ("tianhe", "huawei", "xinchuang"))
    assert f["tianhe"].token_uses == 5 and f["tianhe"].latency_ms == (10.0, 30.0)
    assert f["xinchuang"].throttle_every == 0 and f["xinchuang"].token_uses == 0


@pytest.mark.parametrize("spec, words", [
    ("nosuch:error_rate=1", "unknown simulator"),
    ("error_rate=2", "between 0 and 1"),
    ("throttle=5/2", "N <= M"),
    ("latency=fast", "not a number"),
    ("colour=red", "unknown key"),
    ("error_rate", "key=value"),
])
def test_bad_specs_are_usage_errors(spec, words):
    with pytest.raises(UsageError, match=words):
        parse_specs([spec])


def test_error_decisions_are_reproducible_for_a_seed():
    def fates(seed):
        f = parse_specs(["error_rate=0.3"], seed=seed)["tianhe"]
        return [f.next_request() for _ in range(50)]

    assert fates(3) == fates(3) and "error" in fates(3) and None in fates(3)


def test_latency_delays_every_response_including_login():
    cloud = dataset.build(None, seed=0).clouds["xinchuang"]

    async def go():
        app = zstack_app(cloud, Faults(latency_ms=(120.0, 120.0)))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://sim.test") as c:
            t0 = time.perf_counter()
            r = await c.put("/zstack/v1/accounts/login", json={})
            return r.status_code, time.perf_counter() - t0

    status, took = asyncio.run(go())
    assert status == 400 and took >= 0.12


def test_stats_count_the_requests_answered_and_the_faults_served():
    cloud = dataset.build(None, seed=0).clouds["xinchuang"]
    faults = Faults(throttle_burst=1, throttle_every=3, latency_ms=(1.0, 1.0))

    async def go():
        app = zstack_app(cloud, faults)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://sim.test") as c:
            statuses = [(await c.get("/zstack/v1/vm-instances", params={"limit": 1})).status_code for _ in range(6)]
            stats = (await c.get("/_sim/stats")).json()
            again = (await c.get("/_sim/stats")).json()
            return statuses, stats, again

    statuses, stats, again = asyncio.run(go())
    assert statuses == [429, 401, 401, 429, 401, 401]  # throttled first of every 3; the rest reach the API (no session)
    assert stats == {"answered": {"GET /zstack/v1/vm-instances": 4}, "faults": {"throttle": 2, "latency": 6}}
    assert again == stats  # asking for the stats is neither an API request nor faulted
    assert faults.fired == {"throttle": 2, "latency": 6}


@pytest.mark.parametrize("variant, driver", [("zstack", "zstack"), ("openstack", "openstack")])
def test_written_config_matches_the_config_model(variant, driver, tmp_path):
    ds = dataset.build(None, seed=0)
    plan = serve.plan(ds, parse_specs([]), variant)
    for i, s in enumerate(plan.simulators):
        s.url = f"http://127.0.0.1:{40000 + i}"
    doc = serve.config_document(plan, tmp_path, tmp_path / "store.db")
    cfg = Config.model_validate(doc)
    assert cfg.providers["xinchuang"].driver == driver
    assert cfg.providers["huawei"].project_id in {p.id for p in ds.clouds["huawei"].projects}
    assert set(cfg.providers["huawei"].endpoints) == {"ecs", "evs", "vpc", "iam"}
    path = tmp_path / "out" / "cloudctl.yaml"
    serve.write_config(path, doc)
    assert (path.stat().st_mode & 0o777) == 0o600
