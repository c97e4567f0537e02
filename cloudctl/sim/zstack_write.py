"""The write APIs of the ZStack simulator, asynchronous as ZStack's REST server makes them.

Every write answers ``202 {"location": ".../zstack/v1/api-jobs/<uuid>"}``; polling the location
answers 202 (empty body) while the job runs, 200 with the result (``{"inventory": ...}``) when it
succeeded and 503 with ``{"error": {...}}`` when it failed — argument checks happen in the job, as
in ZStack, so a bad tag fails there rather than at submission. A read-only account gets 403 at
once.

- ``POST /zstack/v1/user-tags`` ``{"params": {"resourceType", "resourceUuid", "tag"}}`` (CreateUserTag)
- ``DELETE /zstack/v1/tags/{uuid}`` (DeleteTag; deleting a tag that is gone succeeds)
- ``PUT /zstack/v1/vm-instances/{uuid}/actions`` ``{"stopVmInstance": {"type": "grace" | "cold"}}``
- ``PUT /zstack/v1/accounts/quotas/actions`` ``{"updateQuota": {"identityUuid", "name", "value"}}``
- ``POST /zstack/v1/accounts`` ``{"params": {"name", "password", "type": "Normal", "description"}}`` (CreateAccount)
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from cloudctl.sim.base import Fail, base_url, json_response
from cloudctl.sim.dataset import Project
from cloudctl.sim.jobs import JobFailed, Jobs
from cloudctl.sim.zstack_render import zdate, zid

RESOURCE_TYPES = {"VmInstanceVO", "VolumeVO", "L3NetworkVO", "EipVO"}
QUOTA_NAMES = ("vm.num", "vm.totalNum", "vm.cpuNum", "vm.memorySize", "volume.data.num", "volume.capacity", "eip.num", "l3.num")
DEFAULT_QUOTAS = {"vm.num": 20, "vm.totalNum": 20, "vm.cpuNum": 80, "vm.memorySize": 80 * 1024**3, "volume.data.num": 40,
                  "volume.capacity": 10 * 1024**4, "eip.num": 20, "l3.num": 20}


def _error(code: str, description: str, details: str = "") -> dict:
    return {"error": {"code": code, "description": description, "details": details or description}}


class ZStackWrites:
    def __init__(self, sim: Any, jobs: Jobs) -> None:  # sim: cloudctl.sim.zstack.ZStackSim
        self.sim = sim
        self.jobs = jobs

    async def _submit(self, request: Request, kind: str, work) -> Response:  # noqa: ANN001
        account = self.sim.authenticate(request)
        if account.get("readonly"):
            raise Fail(403, _error("SYS.1012", "permission denied", f"account[{account.get('account')}] may not call {kind}"))
        job_id = uuid.uuid4().hex
        self.jobs.submit(job_id, kind, work)
        return json_response({"location": f"{base_url(request)}/zstack/v1/api-jobs/{job_id}"}, 202)

    @staticmethod
    async def _params(request: Request, key: str) -> dict:
        try:
            body = json.loads(await request.body() or b"null")
        except ValueError:
            raise Fail(400, _error("SYS.1007", "One or more API argument is invalid", "the body is not JSON")) from None
        if not isinstance(body, dict) or not isinstance(body.get(key), dict):
            raise Fail(400, _error("SYS.1007", "One or more API argument is invalid", f"the body doesn't contain action mapping to the URL: expected {{\"{key}\": {{...}}}}"))
        return body[key]

    def _now(self) -> str:
        return zdate(dt.datetime.fromtimestamp(self.jobs.clock(), dt.timezone.utc))

    # -- jobs ----------------------------------------------------------------------------------
    async def job(self, request: Request) -> Response:
        self.sim.authenticate(request)
        job = self.jobs.get(request.path_params["uuid"])
        if job is None:
            return Response("the job has been expired", 404)
        if job.state == "running":
            return Response(status_code=202)
        if job.state == "failed":
            return json_response(_error(job.error.code, job.error.message), 503)
        return json_response(job.result) if job.result is not None else Response(status_code=200)

    # -- tags ----------------------------------------------------------------------------------
    async def create_user_tag(self, request: Request) -> Response:
        p = await self._params(request, "params")

        def work() -> dict:
            rtype, ruuid, tag = p.get("resourceType"), p.get("resourceUuid"), p.get("tag")
            for name, value in (("resourceType", rtype), ("resourceUuid", ruuid), ("tag", tag)):
                if not isinstance(value, str) or not value:
                    raise JobFailed("SYS.1007", f"field[{name}] of message[APICreateUserTagMsg] is mandatory")
            if rtype not in RESOURCE_TYPES:
                raise JobFailed("SYS.1007", f"resourceType[{rtype}] is not a taggable resource type")
            if not self.sim.resource_exists(rtype, ruuid):
                raise JobFailed("SYS.1007", f"no {rtype} with uuid[{ruuid}]")
            if any(t["tag"] == tag for t in self.sim.tags_of(ruuid)):
                raise JobFailed("SYS.1007", f"duplicate tag[{tag}] on resource[{ruuid}]")
            now = self._now()
            inv = {"uuid": uuid.uuid4().hex, "resourceUuid": ruuid, "resourceType": rtype, "tag": tag, "type": "User",
                   "createDate": now, "lastOpDate": now}
            self.sim.add_tag(inv)
            return {"inventory": inv}

        return await self._submit(request, "APICreateUserTagMsg", work)

    async def delete_tag(self, request: Request) -> Response:
        tag_uuid = request.path_params["uuid"]
        return await self._submit(request, "APIDeleteTagMsg", lambda: self.sim.remove_tag(tag_uuid) and None)

    # -- VMs -----------------------------------------------------------------------------------
    async def vm_action(self, request: Request) -> Response:
        p = await self._params(request, "stopVmInstance")
        vm_uuid = request.path_params["uuid"]

        def work() -> dict:
            s = self.sim.server(vm_uuid)
            if s is None:
                raise JobFailed("SYS.1007", f"no VmInstanceVO with uuid[{vm_uuid}]")
            if p.get("type", "grace") not in ("grace", "cold"):
                raise JobFailed("SYS.1007", f"type[{p.get('type')}] must be grace or cold")
            if s.status == "running":
                s.status = "stopped"
                s.rev += 1
                self.sim.vm_changed(s)
            elif s.status != "stopped":
                raise JobFailed("VM.1002", f"unable to stop vm[uuid:{vm_uuid}] in state {s.status}")
            return {"inventory": self.sim.render.vm(s)}

        return await self._submit(request, "APIStopVmInstanceMsg", work)

    # -- quotas and accounts -------------------------------------------------------------------
    async def update_quota(self, request: Request) -> Response:
        p = await self._params(request, "updateQuota")

        def work() -> dict:
            identity, name, value = p.get("identityUuid"), p.get("name"), p.get("value")
            account = self.sim.accounts_by_uuid.get(identity or "")
            if account is None:
                raise JobFailed("SYS.1007", f"no account with uuid[{identity}]")
            if name not in QUOTA_NAMES:
                raise JobFailed("SYS.1007", f"unknown quota[{name}]; valid names are {', '.join(QUOTA_NAMES)}")
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise JobFailed("SYS.1007", f"quota value[{value}] must be a non-negative integer")
            return {"inventory": self.sim.set_quota(identity, name, value, self._now())}

        return await self._submit(request, "APIUpdateQuotaMsg", work)

    async def create_account(self, request: Request) -> Response:
        p = await self._params(request, "params")

        def work() -> dict:
            name, password, atype = p.get("name"), p.get("password"), p.get("type", "Normal")
            if not isinstance(name, str) or not name or not isinstance(password, str) or not password:
                raise JobFailed("SYS.1007", "fields[name, password] of message[APICreateAccountMsg] are mandatory")
            if atype not in ("Normal", "SystemAdmin"):
                raise JobFailed("SYS.1007", f"type[{atype}] must be Normal or SystemAdmin")
            if any(a["name"] == name for a in self.sim.accounts):
                raise JobFailed("ID.1007", f"unable to create an account: the name[{name}] is already used")
            project = Project(uuid.uuid4().hex, name, str(p.get("description") or ""))
            self.sim.cloud.projects.append(project)
            return {"inventory": self.sim.add_account(project, atype, self._now())}

        return await self._submit(request, "APICreateAccountMsg", work)


def account_uuid(project: Project) -> str:
    """The uuid of the Normal account that stands for a project (stable, derived from the project)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"zstack-account-{zid(project.id)}").hex
