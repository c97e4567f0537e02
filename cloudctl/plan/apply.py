"""``apply``: carry out a reviewed plan, one provider at a time in parallel, every change checked first.

For each change: read the object back from the cloud; if it no longer matches the plan's
"before" it is a *conflict* (someone changed it since the plan) and is left alone; if it already
matches "after" it is *already* done; otherwise an audit record is written (and fsync'ed), the
write verb is called (following the cloud's job to the end, within ``job_timeout``) and a second
record says how it ended. Per provider the actions run in the plan's order (projects, quotas,
tags, stops), the changes of one action concurrently within the provider's ``concurrency``.

A provider that cannot be reached fails its own changes; the others go on. ``stop`` (set by the
CLI on Ctrl-C) lets the changes in flight finish and starts no more, so the audit log — and with
it the next plan — says exactly what was done.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from cloudctl.config import LoadedConfig, ProviderBase
from cloudctl.errors import CloudctlError, ConfigError, ExitCode, Location, Problem, ProviderError
from cloudctl.plan.audit import AuditLog, now_iso
from cloudctl.plan.compute import identity
from cloudctl.plan.model import ACTIONS, Change, Plan
from cloudctl.providers.registry import driver_class
from cloudctl.providers.selection import Redactor, describe_error, unresolved

ClientFactory = Callable[[str, ProviderBase], httpx.AsyncClient]
Progress = Callable[["Outcome"], None]

RESULTS = ("applied", "already", "conflict", "failed", "not_attempted")


@dataclass
class Outcome:
    change: Change
    result: str  # one of RESULTS
    request_id: str = ""
    error: str = ""
    observed: dict[str, Any] | None = None  # what the cloud held when it was read back


@dataclass
class ApplyResult:
    outcomes: list[Outcome] = field(default_factory=list)
    interrupted: bool = False

    def count(self, result: str) -> int:
        return sum(o.result == result for o in self.outcomes)

    @property
    def exit_code(self) -> ExitCode:
        if self.interrupted:
            return ExitCode.INTERRUPTED
        if any(o.result in ("conflict", "failed") for o in self.outcomes):
            return ExitCode.UPSTREAM
        return ExitCode.OK


def write_configs(loaded: LoadedConfig, providers: list[str]) -> dict[str, ProviderBase]:
    """The providers' settings with their ``write:`` credentials; every secret resolved first (exit 2 if not)."""
    out, problems = {}, []
    for name in providers:
        cfg = loaded.config.providers.get(name)
        if cfg is None:
            problems.append(Problem(Location(str(loaded.source or "<config>")), f"provider '{name}' of the plan is not configured",
                                    "apply the plan with the config it was made with", f"providers.{name}"))
            continue
        cfg = cfg.for_writing()
        problems += unresolved(loaded, {name: cfg}, lambda s: loaded.provider_secret(s).reveal())
        out[name] = cfg
    if problems:
        raise ConfigError(problems)
    return out


class _Provider:
    """Applies one provider's changes through its driver."""

    def __init__(self, name: str, cfg: ProviderBase, client: httpx.AsyncClient, plan: Plan, audit: AuditLog, redact: Redactor,
                 stop: threading.Event, job_timeout: float, progress: Progress | None, driver_opts: dict) -> None:
        self.name, self.cfg, self.plan, self.audit, self.redact = name, cfg, plan, audit, redact
        self.stop, self.job_timeout, self.progress = stop, job_timeout, progress
        self.driver = driver_class(cfg.driver)(name, cfg, client, reveal=redact, **driver_opts)
        self.who = identity()
        self.project_ids: dict[str, str] = {}

    def _record(self, c: Change, result: str, **extra: Any) -> dict[str, Any]:
        user, _, host = self.who.partition("@")
        return {"time": now_iso(), "user": user, "host": host, "plan": self.plan.digest[7:19], "provider": c.provider, "kind": c.kind,
                "id": c.id, "name": c.name, "project": c.project, "action": c.action, "before": c.before, "after": c.after,
                "result": result, "request_id": "", "error": "", **extra}

    async def run(self, changes: list[Change]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        try:
            async with self.driver.client:
                try:
                    await self.driver.login()
                    if hasattr(self.driver, "load_projects"):
                        await self.driver.load_projects()
                    sem = asyncio.Semaphore(self.cfg.concurrency)
                    for action in ACTIONS:
                        todo = [c for c in changes if c.action == action]
                        outcomes += await asyncio.gather(*(self._guarded(sem, c) for c in todo))
                finally:
                    try:
                        await self.driver.logout()
                    except (CloudctlError, httpx.HTTPError):
                        pass
        except (CloudctlError, httpx.HTTPError, KeyError, ValueError, TypeError) as exc:
            # login (or the connection) failed: every change not yet tried fails with that reason
            error = self.redact.scrub(describe_error(exc))
            done = {id(o.change) for o in outcomes}
            for c in changes:
                if id(c) not in done:
                    o = Outcome(c, "failed", getattr(exc, "request_id", ""), error)
                    outcomes.append(o)
                    self._tell(o)
        return outcomes

    def _tell(self, o: Outcome) -> None:
        if self.progress:
            self.progress(o)

    async def _guarded(self, sem: asyncio.Semaphore, c: Change) -> Outcome:
        async with sem:
            if self.stop.is_set():
                return Outcome(c, "not_attempted")
            o = await self._one(c)
        self._tell(o)
        return o

    async def _one(self, c: Change) -> Outcome:
        try:
            state, observed = await self._compare(c)
        except (CloudctlError, httpx.HTTPError, KeyError, ValueError, TypeError) as exc:
            return await self._failed(c, exc, recorded=False)
        if state == "after":
            await self.audit.write(self._record(c, "already", observed=observed))
            return Outcome(c, "already", observed=observed)
        if state == "other":
            await self.audit.write(self._record(c, "conflict", observed=observed,
                                                error="the object no longer matches the plan's before: changed since the plan; left alone"))
            return Outcome(c, "conflict", observed=observed,
                           error="changed on the cloud since the plan was made (it no longer matches the plan's before); left alone")
        await self.audit.write(self._record(c, "started"))
        try:
            result = await self._write(c)
        except (CloudctlError, httpx.HTTPError, KeyError, ValueError, TypeError) as exc:
            # A write retried after a lost answer may be refused although the first one took
            # effect (a second project create: 409): what the cloud holds now decides.
            try:
                state, observed = await self._compare(c)
            except (CloudctlError, httpx.HTTPError, KeyError, ValueError, TypeError):
                state = ""
            if state != "after":
                return await self._failed(c, exc, recorded=True)
            await self.audit.write(self._record(c, "ok", request_id=getattr(exc, "request_id", "") or "", observed=observed,
                                                error=f"the write answered an error, yet the cloud holds the change: {self.redact.scrub(describe_error(exc))}"))
            return Outcome(c, "applied", getattr(exc, "request_id", "") or "", observed=observed)
        if c.action == "create_project":
            self.project_ids[c.project] = result.detail.get("project_id", "")
        await self.audit.write(self._record(c, "ok", request_id=result.request_id, job=result.job, detail=result.detail))
        return Outcome(c, "applied", result.request_id)

    async def _failed(self, c: Change, exc: BaseException, recorded: bool) -> Outcome:
        error = self.redact.scrub(describe_error(exc))
        rid = getattr(exc, "request_id", "") or ""
        if not recorded:  # the read-back failed: nothing was changed, but the attempt is on record
            await self.audit.write(self._record(c, "started"))
        await self.audit.write(self._record(c, "failed", request_id=rid, error=error))
        return Outcome(c, "failed", rid, error)

    async def _project_id(self, c: Change) -> str:
        pid = c.project_id or self.project_ids.get(c.project, "")
        if not pid:
            found = await self.driver.read_project(c.project)
            if found is None:
                raise ProviderError(f"project {c.project} does not exist", provider=self.name,
                                    hint="its creation failed or was not part of this apply; see the other outcomes")
            pid = found.id
        return pid

    async def _compare(self, c: Change) -> tuple[str, dict[str, Any] | None]:
        """'before' (as planned), 'after' (already done) or 'other' (changed meanwhile), and what was seen."""
        d = self.driver
        if c.action in ("set_tag", "stop_server"):
            s = await d.read_server(c.id, c.project_id)
            if s is None:
                return "other", None
            now = {"system": s.system} if c.action == "set_tag" else {"status": s.status}
        elif c.action == "create_project":
            p = await d.read_project(c.project)
            if p is None:
                return "before", None
            self.project_ids[c.project] = p.id
            return "after", {"name": p.name, "id": p.id}
        else:
            limits = await d.read_quota(await self._project_id(c))
            now = {k: limits.get(k) for k in c.after}
            if c.before is None and now != c.after:
                return "before", now  # the project did not exist (or was not synced) when planned
        if now == c.after:
            return "after", now
        return ("before" if now == c.before else "other"), now

    async def _write(self, c: Change):  # noqa: ANN202
        d = self.driver
        if c.action == "set_tag":
            return await d.tag_server(c.id, c.project_id, c.after["system"])
        if c.action == "stop_server":
            return await d.stop_server(c.id, c.project_id, time.monotonic() + self.job_timeout)
        if c.action == "create_project":
            return await d.create_project(c.project, c.after.get("description", ""))
        return await d.set_quota(await self._project_id(c), c.after)


def default_client(name: str, cfg: ProviderBase) -> httpx.AsyncClient:
    from cloudctl.sync import default_client as sync_client

    return sync_client(name, cfg)


async def run_apply(plan: Plan, loaded: LoadedConfig, audit: AuditLog, *, providers: list[str] | None = None,
                    stop: threading.Event | None = None, job_timeout: float = 300.0, client_factory: ClientFactory = default_client,
                    progress: Progress | None = None, driver_opts: dict | None = None) -> ApplyResult:
    """Apply ``plan`` (its changes of ``providers``, default all) and return every change's outcome."""
    chosen = providers or plan.providers
    cfgs = write_configs(loaded, sorted({c.provider for c in plan.changes if c.provider in chosen}))
    redact = Redactor(loaded)
    stop = stop or threading.Event()
    result = ApplyResult()
    skipped = [Outcome(c, "not_attempted", error="not selected with --provider") for c in plan.changes if c.provider not in chosen]
    runners = [
        _Provider(name, cfg, client_factory(name, cfg), plan, audit, redact, stop, job_timeout, progress, driver_opts or {}).run(
            [c for c in plan.changes if c.provider == name])
        for name, cfg in cfgs.items()
    ]
    try:
        for outs in await asyncio.gather(*runners):
            result.outcomes += outs
    finally:
        await audit.aclose()
    result.outcomes += skipped
    result.interrupted = stop.is_set()
    order = {k: i for i, k in enumerate(c.key for c in plan.changes)}
    result.outcomes.sort(key=lambda o: order.get(o.change.key, 0))
    return result


def apply(plan: Plan, loaded: LoadedConfig, audit: AuditLog, **kw: Any) -> ApplyResult:
    return asyncio.run(run_apply(plan, loaded, audit, **kw))
