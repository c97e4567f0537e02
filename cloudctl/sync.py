"""``sync``: fetch every kind from every provider concurrently and stream the pages into a snapshot.

One ``httpx.AsyncClient`` per provider (keep-alive, TLS verification with the configured CA
bundle), requests bounded by the provider's ``concurrency``. A provider's run commits atomically.
Staleness is per kind, and per project where the API is per project: a kind (or one project's
listing of it) that failed keeps its previous data, marked stale, and the rest commits. A
provider fails as a whole only when nothing of it can be trusted: login or credentials refused,
or every kind failed. A store error (disk full, lost connection, lock held) ends the whole sync.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx

from cloudctl.config import LoadedConfig, ProviderBase
from cloudctl.errors import AuthError, CloudctlError, ProviderError, StoreError
from cloudctl.i18n import t
from cloudctl.providers.base import Driver
from cloudctl.providers.paging import LISTING_ERRORS, ScopeFailed
from cloudctl.providers.registry import driver_class
from cloudctl.providers.selection import Redactor, check_secrets, describe_error, select
from cloudctl.store import SnapshotInfo, Store

log = logging.getLogger("cloudctl.sync")

ClientFactory = Callable[[str, ProviderBase], httpx.AsyncClient]
Progress = Callable[[str, str, int], None]  # provider, kind, resources just stored


@dataclass
class KindResult:
    provider: str
    kind: str
    count: int = 0
    duration: float = 0.0
    error: str = ""  # the whole kind failed
    stale: list[dict] = field(default_factory=list)  # projects whose listing failed: {kind, project, error}
    refused: bool = False  # credentials refused (AuthError): nothing of the provider is trusted

    @property
    def problem(self) -> str:
        return self.error or "; ".join(f"{s['project']}: {s['error']}" for s in self.stale)


@dataclass
class SyncResult:
    snapshot: SnapshotInfo
    kinds: list[KindResult] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # provider -> error (nothing committed)
    stale: dict[str, list[dict]] = field(default_factory=dict)  # provider -> scopes kept from before
    started: dict[str, float] = field(default_factory=dict)  # provider -> wall-clock start (epoch s)
    durations: dict[str, float] = field(default_factory=dict)  # provider -> seconds

    @property
    def partial(self) -> bool:
        return bool(self.failed or self.stale)

    def stale_scopes(self) -> list[str]:
        """What is stale, exactly: ``huawei quota (lvliang-czj)``, ``tianhe capacity``, ``zstack (all)``."""
        out = [f"{p} (all: {e})" for p, e in sorted(self.failed.items())]
        for prov, scopes in sorted(self.stale.items()):
            out += [f"{prov} {s['kind']}" + (f" ({s['project']})" if s.get("project") else "") for s in scopes]
        return out


def default_client(name: str, cfg: ProviderBase) -> httpx.AsyncClient:
    """Keep-alive client; TLS verified with the system store or the configured CA bundle."""
    verify: bool | str = str(cfg.ca_bundle) if cfg.verify and cfg.ca_bundle else cfg.verify
    limits = httpx.Limits(max_connections=cfg.concurrency, max_keepalive_connections=cfg.concurrency)
    return httpx.AsyncClient(verify=verify, limits=limits, timeout=cfg.timeout, headers={"User-Agent": "cloudctl"})


class _StoreThread:
    """Every store write runs on one worker thread, in order.

    Row encoding and SQLite inserts then overlap with fetching the next pages (SQLite releases
    the GIL while it works); one thread keeps the connection's transactions in sequence.
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cloudctl-store")

    async def __call__(self, fn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN204
        return await asyncio.get_running_loop().run_in_executor(self._pool, functools.partial(fn, *args, **kwargs))

    def close(self) -> None:
        self._pool.shutdown(wait=True)


async def _sync_provider(name: str, cfg: ProviderBase, client: httpx.AsyncClient, snap, redact: Redactor,
                         result: SyncResult, progress: Progress | None, driver_opts: dict, io: _StoreThread) -> None:
    result.started[name] = time.time()
    began = time.monotonic()
    writer = await io(snap.provider, name)
    kinds: list[KindResult] = []
    driver: Driver = driver_class(cfg.driver)(name, cfg, client, reveal=redact, **driver_opts)  # type: ignore[attr-defined]
    error = ""

    async def fetch(kind: str) -> None:
        kr = KindResult(name, kind)
        kinds.append(kr)
        start = time.monotonic()
        try:
            async for page in driver.pages(kind):
                failed = [x for x in page if isinstance(x, ScopeFailed)]
                if failed:
                    page = [x for x in page if not isinstance(x, ScopeFailed)]
                    kr.stale += [{"kind": kind, "project": f.project, "error": redact.scrub(describe_error(f.error))} for f in failed]
                n = await io(writer.add, page)
                kr.count += n
                if progress:
                    progress(name, kind, n)
        except StoreError:
            raise  # the store, not the cloud: the whole sync stops
        except LISTING_ERRORS as exc:
            kr.error = redact.scrub(describe_error(exc))
            kr.refused = isinstance(exc, AuthError)
        finally:
            kr.duration = time.monotonic() - start

    try:
        async with client:
            try:
                async with asyncio.timeout(cfg.deadline):  # the provider's whole sync (None: no deadline)
                    await driver.login()
                    if hasattr(driver, "load_projects"):
                        await driver.load_projects()  # names for every kind's `project` field
                    fetches = [asyncio.ensure_future(fetch(k)) for k in driver.kinds]
                    try:
                        await asyncio.gather(*fetches)
                    finally:
                        # A store error in one kind ends the others too, and before the client
                        # closes below: left running, they went on sending on a closed client.
                        for f in fetches:
                            f.cancel()
                        if fetches:
                            await asyncio.wait(fetches)
            except TimeoutError:
                error = t("security.http.provider_deadline", seconds=f"{cfg.deadline:g}")
            finally:  # also after errors, the deadline and Ctrl-C: revoke the token, end the session
                try:
                    await driver.logout()
                except (CloudctlError, httpx.HTTPError) as exc:
                    log.debug("%s: logout failed: %s", name, redact.scrub(describe_error(exc)))
    except StoreError:
        raise
    except LISTING_ERRORS as exc:
        error = redact.scrub(describe_error(exc))
    whole = [k for k in kinds if k.error]
    refused = [k for k in kinds if k.refused]
    if not error and (refused or (kinds and len(whole) == len(kinds))):
        error = "; ".join(f"{k.kind}: {k.error}" for k in (refused or whole))
    if error:
        await io(writer.fail, error)
        result.failed[name] = error
    else:
        stale = [{"kind": k.kind, "project": None, "error": k.error} for k in whole] + [s for k in kinds if not k.error for s in k.stale]
        await io(writer.commit, stale)
        if stale:
            result.stale[name] = stale
    result.durations[name] = time.monotonic() - began
    result.kinds.extend(sorted(kinds, key=lambda k: driver.kinds.index(k.kind)))
    if error and not kinds:
        result.kinds.append(KindResult(name, "*", error=error))


def prepare(loaded: LoadedConfig, names: list[str] | None = None) -> dict[str, ProviderBase]:
    """The providers to sync, with every credential resolvable: bad input fails here (exit 2), before any store exists."""
    chosen = select(loaded, names)
    check_secrets(loaded, chosen, Redactor(loaded))
    return chosen


async def run_sync(loaded: LoadedConfig, store: Store, names: list[str] | None = None, *, wait: float = 0.0,
                   client_factory: ClientFactory = default_client, progress: Progress | None = None,
                   driver_opts: dict | None = None) -> SyncResult:
    """Sync the selected providers into one new snapshot of ``store``.

    Holds the sync lock of each selected provider for the whole run, waiting up to ``wait``
    seconds for another sync of the same provider (then :class:`StoreBusy`, exit 1).
    """
    chosen = select(loaded, names)
    redact = Redactor(loaded)
    check_secrets(loaded, chosen, redact)
    io = _StoreThread()
    snap = None
    try:
        snap = await io(store.begin_snapshot, list(chosen), wait=wait)
        result = SyncResult(snapshot=None)  # type: ignore[arg-type]
        tasks = [asyncio.create_task(_sync_provider(n, cfg, client_factory(n, cfg), snap, redact, result, progress, driver_opts or {}, io))
                 for n, cfg in chosen.items()]
        try:
            await asyncio.gather(*tasks)
        except asyncio.CancelledError:
            # Ctrl-C: gather returns as soon as one provider is cancelled, and asyncio.run then
            # cancels the rest in the middle of their logout. Let every provider end its session
            # (each logout is one request within its timeout) before giving up.
            await asyncio.wait(tasks)
            raise
        except BaseException:
            for task in tasks:  # a store error ends every provider's run, not just the one that met it
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        result.snapshot = await io(snap.finish)
    finally:
        if snap is not None:
            await io(snap.release, forget=False)  # after finish() there is nothing left; after a failure, no waiting
        io.close()
    result.kinds.sort(key=lambda k: k.provider)  # stable: each provider's kinds stay in driver order
    return result


def sync(loaded: LoadedConfig, store: Store, names: list[str] | None = None, **kw) -> SyncResult:  # noqa: ANN003
    # What exists before the run (modules, the CLI, the config: ~80,000 objects) is left out of the
    # garbage collector's full passes while it runs, then handed back. A sync makes millions of
    # objects and each full pass walked all of those again: a 20,000-server sync took 0.38 s less
    # CPU of 3.0 s (median of 5). Nothing made during the run is exempt from collection.
    frozen = gc.get_freeze_count() == 0  # someone else's freeze (e.g. before a fork) is theirs to undo
    if frozen:
        gc.freeze()
    try:
        return asyncio.run(run_sync(loaded, store, names, **kw))
    finally:
        if frozen:
            gc.unfreeze()


__all__ = ["KindResult", "ProviderError", "SyncResult", "default_client", "prepare", "run_sync", "select", "sync"]
