"""A small world for plan/apply tests: an inventory with selectors, quotas and a retired system, the
three simulated clouds in-process, a store synced from them and an audit log, all in a temp dir."""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass
from pathlib import Path

from cloudctl.inventory import load_inventory
from cloudctl.plan import make_plan
from cloudctl.plan.apply import run_apply
from cloudctl.plan.audit import AuditLog
from cloudctl.sim import dataset
from cloudctl.store import Store
from cloudctl.sync import run_sync
from tests.clouds import Clouds, clouds
from tests.unit.test_sim_dataset import SMALL_INVENTORY, write_inventory

SELECTORS = {
    "sys-0001": ("huawei", "lvliang-zrzy"),
    "sys-0002": ("huawei", "lvliang-rsj"),
    "sys-0003": ("tianhe", "lvliang-gaj"),
    "sys-0004": ("xinchuang", "lvliang-dsj"),
}
TENANTS = """tenants:
  - {id: t-gaj, department: 市公安局, provider: tianhe, project: lvliang-gaj, quota: {instances: 80, vcpus: 400, volumes: 100}}
  - {id: t-zrzy, department: 市自然资源局, provider: huawei, project: lvliang-zrzy, quota: {instances: 90}}
  - {id: t-rsj, department: 市人社局, provider: huawei, project: lvliang-rsj}
  - {id: t-xc, department: 市大数据中心, provider: xinchuang, project: lvliang-dsj, quota: {vcpus: 96, ram_mb: 204800}}
  - {id: t-new, department: 市数据局, provider: xinchuang, project: lvliang-sjj, quota: {instances: 10, volume_gb: 1024}}
"""


def plan_inventory(root: Path, retired: str | None = "sys-0003") -> Path:
    """The small inventory with a selector per cloud system, quotas, a tenant not created yet and a retired system."""
    write_inventory(root)
    lines = []
    for line in SMALL_INVENTORY["systems.yaml"].splitlines():
        for sid, (provider, project) in SELECTORS.items():
            if line.startswith(f"  - {{id: {sid},"):
                extra = f", servers: [{{provider: {provider}, project: {project}, name: \"{sid}-*\"}}]"
                if sid == retired:
                    extra += ", migration: {state: retired}"
                line = line[:-1] + extra + "}"
        lines.append(line)
    (root / "systems.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "tenants.yaml").write_text(TENANTS, encoding="utf-8")
    return root


@dataclass
class Env:
    tmp: Path
    inventory: Path
    clouds: Clouds
    store: Store
    store_url: str | None = None

    @property
    def ds(self):  # noqa: ANN201
        return self.clouds.dataset

    @property
    def loaded(self):  # noqa: ANN201
        return self.clouds.loaded(self.tmp, self.store_url)

    @property
    def audit_path(self) -> Path:
        return self.tmp / "audit.jsonl"

    def sync(self) -> None:
        r = asyncio.run(run_sync(self.loaded, self.store, client_factory=self.clouds.client, driver_opts={"backoff": 0.001}))
        assert not r.partial, r.failed

    def plan(self, providers=None):  # noqa: ANN001, ANN201
        return make_plan(self.loaded, self.store, self.inventory, providers)

    def apply(self, plan, loaded=None, **kw):  # noqa: ANN001, ANN003, ANN201
        kw.setdefault("client_factory", self.clouds.client)
        kw.setdefault("driver_opts", {"backoff": 0.001})
        return asyncio.run(run_apply(plan, loaded or self.loaded, AuditLog(self.audit_path), **kw))

    def server(self, provider: str, sid: str):  # noqa: ANN201
        want = sid.replace("-", "")
        return next(s for s in self.ds.clouds[provider].servers if s.id.replace("-", "") == want)


def make_env(tmp: Path, *, seed: int = 3, servers: int = 90, faults=None, reader: bool = False, retired: str | None = "sys-0003",  # noqa: ANN001
             store_url: str | None = None) -> Env:
    base = write_inventory(tmp / "base-inventory")
    ds = dataset.build(load_inventory(base), servers=servers, seed=seed)
    inv = plan_inventory(tmp / "inventory", retired)
    shutil.rmtree(base)
    env = Env(tmp, inv, clouds(ds, faults, reader=reader), Store.open(store_url or tmp / "store.db", create=True), store_url)
    env.sync()
    return env
