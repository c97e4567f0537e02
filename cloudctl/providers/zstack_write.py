"""Write verbs of the ZStack driver. Every ZStack write is asynchronous: 202 and a job location to poll.

- tag: the VM's ``system-id::`` user tags are deleted (``DELETE /tags/{uuid}``) and the new one
  created (``POST /user-tags``), so the VM never carries two;
- stop: ``PUT /vm-instances/{uuid}/actions {"stopVmInstance": {"type": "grace"}}``;
- project: a tenant is a Normal account (``POST /accounts``) — its generated password is sent once
  and kept nowhere; the cloud's administrator sets one when handing the account over;
- quota: ``PUT /accounts/quotas/actions {"updateQuota": ...}`` per quota name.

Polling the location answers 202 while the job runs, 200 with the result, 503 with the error of
a failed job (asked twice, so a passing 503 of a proxy is not taken for the job's failure).
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import httpx

from cloudctl.errors import ProviderError
from cloudctl.model import Resource
from cloudctl.providers.wire import json_of, parse_error_body
from cloudctl.providers.writes import WriteResult, follow

GIB, MIB = 1024**3, 1024**2
# inventory quota field -> (ZStack quota name, unit in bytes or 1)
QUOTA = {"instances": ("vm.totalNum", 1), "vcpus": ("vm.cpuNum", 1), "ram_mb": ("vm.memorySize", MIB),
         "volumes": ("volume.data.num", 1), "volume_gb": ("volume.capacity", GIB)}
JOB_DEADLINE = 300.0


class ZStackWrites:
    """Mixed into :class:`~cloudctl.providers.zstack.ZStackDriver`."""

    tag_refused: frozenset[str] = frozenset()
    writes = frozenset({"tag", "stop", "project", "quota"})
    _read_tags: dict[str, list[dict]]

    async def _job(self, resp: httpx.Response, out: WriteResult, what: str, deadline: float | None = None) -> dict:
        """Follow a 202's job location to its result (``{}`` for jobs without one)."""
        out.add(resp)
        if resp.status_code != 202:
            return json_of(resp) if resp.content else {}
        location = json_of(resp)["location"]
        out.job = location.rsplit("/", 1)[-1]
        failures = 0

        async def poll() -> dict | None:
            nonlocal failures
            r = await self.request("GET", location, ok=(503, 404), what=f"{what} (job)")
            if r.status_code == 202:
                return None
            if r.status_code == 200:
                return json_of(r) if r.content else {}
            failures += 1
            if r.status_code == 503 and failures < 2:
                return None  # ask again: a failed job keeps failing, a passing fault does not
            code, message = parse_error_body(r)
            raise ProviderError(f"{what}: {message or 'the job failed'}", provider=self.name, http_status=r.status_code, code=code,
                                request_id=out.request_id, url=location)

        return await follow(self.name, f"{what} (job {out.job})", poll, deadline or time.monotonic() + JOB_DEADLINE)

    # -- servers -------------------------------------------------------------------------------
    async def _vm_tags(self, vm_uuid: str) -> list[dict]:
        body = await self.get_json(self.api("/user-tags"), params=[("q", f"resourceUuid={vm_uuid}"), ("q", "resourceType=VmInstanceVO")],  # type: ignore[arg-type]
                                   what="query user tags")
        return body.get("inventories") or []

    async def read_server(self, server_id: str, project_id: str = "") -> Resource | None:
        vms = (await self.get_json(self.api(f"/vm-instances/{server_id}"), what="get VM")).get("inventories") or []
        if not vms:
            return None
        tags: dict[str, str] = {}
        records = self._read_tags[server_id] = await self._vm_tags(server_id)  # tag_server reuses them
        for t in records:
            key, _, value = str(t.get("tag", "")).partition("::")
            tags[key] = value
        if self._tags is None:
            self._tags = {}
        self._tags[server_id] = tags
        return self._to_server(vms[0])

    async def tag_server(self, server_id: str, project_id: str, system: str) -> WriteResult:
        out = WriteResult()
        records = self._read_tags.pop(server_id, None)
        for t in records if records is not None else await self._vm_tags(server_id):
            if str(t.get("tag", "")).startswith("system-id::"):
                await self._job(await self.request("DELETE", self.api(f"/tags/{t['uuid']}"), params={"deleteMode": "Permissive"},
                                                   what="delete user tag"), out, "delete user tag")
        body = {"params": {"resourceType": "VmInstanceVO", "resourceUuid": server_id, "tag": f"system-id::{system}"}}
        await self._job(await self.request("POST", self.api("/user-tags"), json_body=body, what="create user tag"), out, "create user tag")
        return out

    async def stop_server(self, server_id: str, project_id: str, deadline: float) -> WriteResult:
        out = WriteResult()
        resp = await self.request("PUT", self.api(f"/vm-instances/{server_id}/actions"), json_body={"stopVmInstance": {"type": "grace"}},
                                  what="stop VM")
        await self._job(resp, out, "stop VM", deadline)
        return out

    # -- projects (accounts) and their quotas --------------------------------------------------
    async def _account(self, name: str) -> dict | None:
        body = await self.get_json(self.api("/accounts"), params={"q": f"name={name}"}, what="query accounts")
        return next((a for a in body.get("inventories") or [] if a.get("name") == name), None)

    async def read_project(self, name: str) -> Resource | None:
        acc = await self._account(name)
        if acc is None:
            return None
        return Resource(self.name, "project", acc["uuid"], name, "active", name, self.cfg.region or "")

    async def create_project(self, name: str, description: str) -> WriteResult:
        out = WriteResult()
        body = {"params": {"name": name, "password": secrets.token_urlsafe(24), "type": "Normal", "description": description}}
        result = await self._job(await self.request("POST", self.api("/accounts"), json_body=body, what="create account"), out, "create account")
        out.detail["project_id"] = (result.get("inventory") or {}).get("uuid", "")
        return out

    async def read_quota(self, project_id: str) -> dict[str, Any]:
        body = await self.get_json(self.api("/accounts/quotas"), params={"q": f"identityUuid={project_id}"}, what="query quotas")
        values = {q.get("name"): q.get("value") for q in body.get("inventories") or []}
        return {k: (values[name] // unit if isinstance(values.get(name), int) else None) for k, (name, unit) in QUOTA.items()}

    async def set_quota(self, project_id: str, limits: dict[str, int]) -> WriteResult:
        out = WriteResult()
        for key, value in limits.items():
            name, unit = QUOTA[key]
            body = {"updateQuota": {"identityUuid": project_id, "name": name, "value": value * unit}}
            await self._job(await self.request("PUT", self.api("/accounts/quotas/actions"), json_body=body, what=f"update quota {name}"),
                            out, f"update quota {name}")
        return out
