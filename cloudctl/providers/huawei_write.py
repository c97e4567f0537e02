"""Write verbs of the Huawei driver: ECS batch tags, batch stop (followed through its job), IAM projects.

- tag: ``POST /v1/{project_id}/cloudservers/{server_id}/tags/action`` with ``action: create`` —
  a key set again takes the new value, so setting and correcting are one call;
- stop: ``POST /v1/{project_id}/cloudservers/action {"os-stop": {"type": "SOFT", "servers": [...]}}``
  answers a ``job_id``; ``GET /v1/{project_id}/jobs/{job_id}`` until ``SUCCESS`` or ``FAIL``;
- project: IAM ``POST /v3/projects`` under the region's project.

Huawei Cloud Stack offers tenants no API to set ECS quotas (the operator changes them in
ManageOne), so ``quota`` is not in ``writes`` and the plan reports such changes as unsupported.
"""

from __future__ import annotations

from cloudctl.errors import ProviderError
from cloudctl.model import Resource
from cloudctl.providers.wire import json_of
from cloudctl.providers.writes import WriteResult, follow


class HuaweiWrites:
    """Mixed into :class:`~cloudctl.providers.huawei.HuaweiDriver`."""

    tag_refused: frozenset[str] = frozenset()
    writes = frozenset({"tag", "stop", "project"})

    def _in(self, pid: str) -> dict[str, str]:
        return {"X-Project-Id": pid or self.cfg.project_id}

    async def read_server(self, server_id: str, project_id: str = "") -> Resource | None:
        pid = project_id or self.cfg.project_id
        resp = await self.request("GET", self.url("ecs", f"/v1/{pid}/cloudservers/{server_id}"), headers=self._in(pid), ok=(404,), what="show ECS server")
        return None if resp.status_code == 404 else self._to_server({"tenant_id": pid, **json_of(resp)["server"]})

    async def tag_server(self, server_id: str, project_id: str, system: str) -> WriteResult:
        out = WriteResult()
        body = {"action": "create", "tags": [{"key": "system-id", "value": system}]}
        out.add(await self.request("POST", self.url("ecs", f"/v1/{project_id}/cloudservers/{server_id}/tags/action"), json_body=body,
                                   headers=self._in(project_id), what="tag ECS server"))
        return out

    async def stop_server(self, server_id: str, project_id: str, deadline: float) -> WriteResult:
        out = WriteResult()
        body = {"os-stop": {"type": "SOFT", "servers": [{"id": server_id}]}}
        resp = out.add(await self.request("POST", self.url("ecs", f"/v1/{project_id}/cloudservers/action"), json_body=body,
                                          headers=self._in(project_id), what="stop ECS server"))
        out.job = json_of(resp)["job_id"]

        async def finished() -> bool | None:
            job = json_of(await self.request("GET", self.url("ecs", f"/v1/{project_id}/jobs/{out.job}"), headers=self._in(project_id),
                                             what="ECS job"))
            if job.get("status") == "SUCCESS":
                return True
            if job.get("status") == "FAIL":
                raise ProviderError(f"ECS job {out.job} failed: {job.get('fail_reason') or 'no reason given'}", provider=self.name,
                                    code=job.get("error_code") or "", request_id=out.request_id)
            return None

        await follow(self.name, f"ECS job {out.job}", finished, deadline)
        return out

    async def read_project(self, name: str) -> Resource | None:
        resp = await self.request("GET", self._iam() + "/v3/projects", params={"name": name}, what="find project")
        found = [p for p in json_of(resp).get("projects", []) if p.get("name") == name]
        if not found:
            return None
        self._projects[found[0]["id"]] = name
        return Resource(self.name, "project", found[0]["id"], name, "active", name, self.cfg.region)

    async def create_project(self, name: str, description: str) -> WriteResult:
        out = WriteResult()
        region = await self.read_project(self.cfg.region)  # a new project sits under its region's project
        body = {"project": {"name": name, "parent_id": region.id if region else self.cfg.project_id, "description": description}}
        resp = out.add(await self.request("POST", self._iam() + "/v3/projects", json_body=body, what="create project"))
        pid = json_of(resp)["project"]["id"]
        self._projects[pid] = name
        out.detail["project_id"] = pid
        return out
