"""The three simulated clouds in-process (ASGI) with matching provider configs, for driver, plan and apply tests."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from cloudctl.config import Config, LoadedConfig, ProviderBase
from cloudctl.sim import serve
from cloudctl.sim.dataset import Dataset
from cloudctl.sim.faults import Faults

NAMES = ("tianhe", "huawei", "xinchuang")


@dataclass
class Clouds:
    """Simulator apps keyed by provider name, and a config whose providers point at them."""

    dataset: Dataset
    apps: dict
    providers: dict[str, ProviderBase]

    def client(self, name: str, cfg: ProviderBase | None = None) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(self.apps[name]), base_url=f"http://{name}.sim")

    def loaded(self, tmp_path, store: str | None = None, **config) -> LoadedConfig:
        cfg = Config(providers=self.providers, store=store or str(tmp_path / "store.db"), audit_log=tmp_path / "audit.jsonl", **config)
        return LoadedConfig(cfg, None)

    def driver(self, name: str, cfg: ProviderBase | None = None):  # noqa: ANN201
        from cloudctl.providers.registry import driver_class

        cfg = cfg or self.providers[name]
        return driver_class(cfg.driver)(name, cfg, self.client(name), backoff=0.001)


def clouds(ds: Dataset, faults: dict[str, Faults] | None = None, *, reader: bool = False) -> Clouds:
    """In-process simulators of ``ds``; with ``reader`` the configs use read-only credentials."""
    plan = serve.plan(ds, {n: (faults or {}).get(n, Faults(job_seconds=0.01)) for n in NAMES})
    entries = {}
    for s in plan.simulators:
        s.url = f"http://{s.name}.sim"
        entries[s.name] = serve.provider_entry(s, ds) | {"max_retries": 6}
    if reader:
        entries = reader_entries(entries)
    providers = Config.model_validate({"providers": entries}).providers
    return Clouds(ds, {s.name: s.app for s in plan.simulators}, providers)


def reader_entries(entries: dict) -> dict:
    """The same providers with the simulators' read-only credentials (writes get 403)."""
    from cloudctl.sim.huawei import HuaweiCredentials
    from cloudctl.sim.openstack import OpenStackCredentials
    from cloudctl.sim.zstack import ZStackCredentials

    o, h, z = OpenStackCredentials(), HuaweiCredentials(), ZStackCredentials()
    out = dict(entries)
    out["tianhe"] = entries["tianhe"] | {"username": o.reader, "password": o.reader_password}
    out["huawei"] = entries["huawei"] | {"ak": h.reader_ak, "sk": h.reader_sk}
    out["xinchuang"] = entries["xinchuang"] | {"account": z.reader_account, "password": z.reader_password}
    return out


def admin_write_blocks() -> dict[str, dict]:
    """``write:`` blocks with the simulators' admin credentials."""
    from cloudctl.sim.huawei import HuaweiCredentials
    from cloudctl.sim.openstack import OpenStackCredentials
    from cloudctl.sim.zstack import ZStackCredentials

    o, h, z = OpenStackCredentials(), HuaweiCredentials(), ZStackCredentials()
    return {"tianhe": {"username": o.username, "password": o.password}, "huawei": {"ak": h.ak, "sk": h.sk},
            "xinchuang": {"account": z.account, "password": z.password}}
