"""``cloudctl config check --connect``: log in to each configured cloud, read once, revoke.

Read-only: one login and the cheapest authenticated read each API has (Keystone: the caller's
projects; Huawei: one ECS server; ZStack: a count of VMs), then the token is revoked or the
session ended, as at the end of a sync. The answer per provider is OK, or what failed with the
URL and the cloud's own error text.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from cloudctl.config import LoadedConfig, ProviderBase, check_secrets
from cloudctl.errors import CloudctlError, ProviderError
from cloudctl.providers.registry import driver_class
from cloudctl.redact import scrub

CHECK_RETRIES = 1  # a connection check answers quickly; sync keeps the configured retries


@dataclass
class ConnectResult:
    provider: str
    driver: str
    ok: bool
    url: str = ""
    error: str = ""


async def _one(name: str, cfg: ProviderBase, client: httpx.AsyncClient, loaded: LoadedConfig) -> ConnectResult:
    cfg = cfg.model_copy(update={"max_retries": min(cfg.max_retries, CHECK_RETRIES)})
    driver = driver_class(cfg.driver)(name, cfg, client, reveal=lambda s: loaded.provider_secret(s).reveal(), retry_budget=cfg.timeout * 2)
    result = ConnectResult(name, cfg.driver, False)
    async with client:
        try:
            result.url = await driver.check()
            result.ok = True
        except ProviderError as exc:
            result.url, result.error = exc.url, scrub(exc.message + (f" ({exc.hint})" if exc.hint else ""))
            if exc.http_status is not None:
                result.error = scrub(str(exc).removeprefix(f"[{name}] "))
        except (CloudctlError, httpx.HTTPError, KeyError, ValueError, TypeError) as exc:
            result.error = scrub(f"{type(exc).__name__}: {exc}")
        finally:
            try:
                await driver.logout()
            except (CloudctlError, httpx.HTTPError):
                pass  # revocation is best effort here; the token's TTL bounds it
    return result


async def check_connections(loaded: LoadedConfig, names: list[str] | None = None, *, client_factory=None) -> list[ConnectResult]:  # noqa: ANN001
    """Log in to each selected provider and read once; never raises for a cloud's failure."""
    from cloudctl.providers.selection import select
    from cloudctl.sync import default_client

    chosen = select(loaded, names)
    check_secrets(loaded)  # a missing env var is bad input (exit 2), found before any request
    factory = client_factory or default_client
    return list(await asyncio.gather(*(_one(n, cfg, factory(n, cfg), loaded) for n, cfg in chosen.items())))
