"""Sync the three cloud simulators (in-process ASGI, the real drivers) into a store for CLI tests."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from cloudctl.config import Config, LoadedConfig
from cloudctl.sim import serve as runner
from cloudctl.sim.dataset import Dataset, build
from cloudctl.store import Store
from cloudctl.sync import run_sync

ROOT = Path(__file__).resolve().parent.parent


def sync_all(db: Path, *, servers: int = 300, seed: int = 5, times: int = 1) -> Dataset:
    """Build the dataset from the shipped inventory and sync Tianhe, Huawei and 信创 into ``db``."""
    from cloudctl.inventory import load_inventory

    ds = build(load_inventory(ROOT / "inventory"), servers=servers, seed=seed)
    plan = runner.plan(ds, {})
    for sim in plan.simulators:
        sim.url = f"http://{sim.name}.sim"
    doc = runner.config_document(plan, None, db)
    loaded = LoadedConfig(Config.model_validate(doc), None)
    apps = {s.name: s.app for s in plan.simulators}

    def factory(name, cfg):  # noqa: ANN001, ANN202
        return httpx.AsyncClient(transport=httpx.ASGITransport(apps[name]))

    store = Store.open(db, create=True)
    try:
        for _ in range(times):
            result = asyncio.run(run_sync(loaded, store, client_factory=factory, driver_opts={"backoff": 0.001}))
            assert not result.partial, result.failed
    finally:
        store.close()
    return ds
