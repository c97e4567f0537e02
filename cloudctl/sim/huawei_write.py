"""The write APIs of the Huawei simulator: ECS batch tags, batch stop with its job, IAM projects.

- ``POST /v1/{project_id}/cloudservers/{server_id}/tags/action`` with ``{"action": "create" |
  "delete", "tags": [{"key", "value"}]}`` → 204. Idempotent; a key set again takes the new value;
  at most 10 tags per server; keys of 1–36 and values of up to 43 characters (letters, digits,
  ``_ -`` and CJK; values also ``.``).
- ``POST /v1/{project_id}/cloudservers/action`` with ``{"os-stop": {"type": "SOFT" | "HARD",
  "servers": [{"id"}]}}`` → ``{"job_id"}``; ``GET /v1/{project_id}/jobs/{job_id}`` reports
  ``RUNNING`` and then ``SUCCESS`` or ``FAIL`` with one sub-job per server.
- ``POST /v3/projects`` with ``{"project": {"name", "parent_id", "description"}}`` → 201.

There is no API to set a tenant's ECS quotas (HCS quotas are changed by the operator in
ManageOne), so the simulator offers none either. A read-only credential gets 403 everywhere here.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from cloudctl.sim.base import Fail, json_response, request_id
from cloudctl.sim.dataset import Project, Server
from cloudctl.sim.jobs import JobFailed, Jobs

MAX_TAGS = 10
_KEY = re.compile(r"^[A-Za-z0-9_\-\u4e00-\u9fff]{1,36}$")
_VALUE = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{0,43}$")
SYSTEM_KEY = "system-id"


def _time(ts: float | None) -> str | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


class HuaweiWrites:
    def __init__(self, sim: Any, jobs: Jobs) -> None:  # sim: cloudctl.sim.huawei.HuaweiSim
        self.sim = sim
        self.jobs = jobs

    def _error(self, request: Request, status: int, code: str, message: str) -> Fail:
        return Fail(status, {"error_msg": message, "error_code": code, "request_id": request_id(request)})

    async def _writer(self, request: Request, action: str):  # noqa: ANN202
        self.jobs.run_due()
        project = await self.sim._auth(request)
        if request.scope["state"].get("readonly"):
            raise self._error(request, 403, "Ecs.0604" if action.startswith("ecs") else "IAM.0003",
                              f"Policy doesn't allow {action} to be performed.")
        return project

    async def _body(self, request: Request) -> Any:
        try:
            return json.loads(await request.body() or b"null")
        except ValueError:
            raise self._error(request, 400, "Ecs.0005", "Request body is not valid JSON.") from None

    def _server(self, request: Request, project: Project, sid: str) -> Server:
        s = self.sim.by_id.get(sid)
        if s is None or s.project_id != project.id:
            raise self._error(request, 404, "Ecs.0114", f"Instance {sid} could not be found.")
        return s

    # -- tags ----------------------------------------------------------------------------------
    async def tags_action(self, request: Request) -> Response:
        project = await self._writer(request, "ecs:cloudServers:batchSetServerTags")
        s = self._server(request, project, request.path_params["server_id"])
        body = await self._body(request)
        action = body.get("action") if isinstance(body, dict) else None
        tags = body.get("tags") if isinstance(body, dict) else None
        if action not in ("create", "delete"):
            raise self._error(request, 400, "Ecs.0005", "Invalid parameter: action must be create or delete (lower case).")
        if not isinstance(tags, list) or not 1 <= len(tags) <= MAX_TAGS or not all(isinstance(t, dict) for t in tags):
            raise self._error(request, 400, "Ecs.0005", f"Invalid parameter: tags must be a list of 1 to {MAX_TAGS} objects with key and value.")
        current = {**s.tags, **({SYSTEM_KEY: s.system_id} if s.system_id else {})}
        for t in tags:
            key, value = t.get("key"), t.get("value", "")
            if not isinstance(key, str) or not _KEY.match(key):
                raise self._error(request, 400, "Ecs.0005", f"Invalid parameter: tag key {key!r} (1-36 letters, digits, '_' or '-').")
            if action == "create" and (not isinstance(value, str) or not _VALUE.match(value)):
                raise self._error(request, 400, "Ecs.0005", f"Invalid parameter: tag value {value!r} (at most 43 letters, digits, '.', '_' or '-').")
        if action == "create":
            current.update({t["key"]: t.get("value", "") for t in tags})
            if len(current) > MAX_TAGS:
                raise self._error(request, 400, "Ecs.0005", f"Invalid parameter: a server has at most {MAX_TAGS} tags.")
        else:
            for t in tags:
                if t["key"] in current and (t.get("value") in (None, "") or current[t["key"]] == t.get("value")):
                    current.pop(t["key"])
        s.system_id = current.pop(SYSTEM_KEY, None) or None
        s.tags = current
        s.rev += 1
        return Response(status_code=204)

    # -- batch stop and its job ------------------------------------------------------------------
    async def servers_action(self, request: Request) -> Response:
        project = await self._writer(request, "ecs:cloudServers:stop")
        body = await self._body(request)
        stop = body.get("os-stop") if isinstance(body, dict) else None
        if not isinstance(body, dict) or list(body) != ["os-stop"] or not isinstance(stop, dict):
            raise self._error(request, 400, "Ecs.0005", "Invalid parameter: the body must be {\"os-stop\": {\"servers\": [...]}}.")
        servers = stop.get("servers")
        if stop.get("type", "SOFT") not in ("SOFT", "HARD"):
            raise self._error(request, 400, "Ecs.0005", "Invalid parameter: type must be SOFT or HARD.")
        if not isinstance(servers, list) or not 1 <= len(servers) <= 1000 or not all(isinstance(x, dict) and isinstance(x.get("id"), str) for x in servers):
            raise self._error(request, 400, "Ecs.0005", "Invalid parameter: servers must list 1 to 1000 objects with an id.")
        targets = [self._server(request, project, x["id"]) for x in servers]
        job_id = uuid.uuid4().hex
        subs = [{"job_id": uuid.uuid4().hex, "server": s, "status": "RUNNING", "error_code": None, "fail_reason": None} for s in targets]

        def work() -> None:
            failed = []
            for sub in subs:
                s = sub["server"]
                if s.status == "running":
                    s.status = "stopped"
                    s.rev += 1
                    sub["status"] = "SUCCESS"
                else:
                    sub.update(status="FAIL", error_code="Ecs.0602", fail_reason=f"server {s.id} is not ACTIVE")
                    failed.append(s.id)
            if failed:
                raise JobFailed("Ecs.0602", f"{len(failed)} of {len(subs)} servers could not be stopped: not ACTIVE")

        self.jobs.submit(job_id, "batchStopServer", work, project=project.id, subs=subs)
        return json_response({"job_id": job_id})

    async def job(self, request: Request) -> Response:
        project = await self.sim._auth(request)
        job = self.jobs.get(request.path_params["job_id"])
        if job is None or job.context.get("project") != project.id:
            raise self._error(request, 404, "Ecs.0005", f"Job {request.path_params['job_id']} does not exist.")
        status = {"running": "RUNNING", "succeeded": "SUCCESS", "failed": "FAIL"}[job.state]
        subs = [{"status": sub["status"] if job.state != "running" else "RUNNING", "entities": {"server_id": sub["server"].id},
                 "job_id": sub["job_id"], "job_type": "stopServer", "begin_time": _time(job.created), "end_time": _time(job.finished),
                 "error_code": sub["error_code"], "fail_reason": sub["fail_reason"]} for sub in job.context["subs"]]
        return json_response({
            "job_id": job.id, "job_type": job.kind, "status": status, "begin_time": _time(job.created), "end_time": _time(job.finished),
            "error_code": job.error.code if job.error else None, "fail_reason": job.error.message if job.error else None,
            "entities": {"sub_jobs_total": len(subs), "sub_jobs": subs},
        })

    # -- IAM projects ----------------------------------------------------------------------------
    async def project_create(self, request: Request) -> Response:
        await self._writer(request, "iam:projects:createProject")
        body = await self._body(request)
        p = body.get("project") if isinstance(body, dict) else None
        name = p.get("name") if isinstance(p, dict) else None

        def bad(status: int, code: str, message: str) -> Fail:
            return Fail(status, {"error": {"code": code, "message": message}})

        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_\-().]{1,64}", name):
            raise bad(400, "IAM.0011", "Request parameter project.name is invalid: 1-64 letters, digits, '_', '-', '(', ')' or '.'.")
        parent = p.get("parent_id")
        if not any(x.id == parent for x in self.sim.cloud.projects):
            raise bad(400, "IAM.0011", f"Request parameter project.parent_id is invalid: no project {parent}.")
        if any(x.name == name for x in self.sim.cloud.projects):
            raise bad(409, "IAM.1109", f"The project name {name} already exists.")
        project = Project(uuid.uuid4().hex, name, str(p.get("description") or ""))
        self.sim.cloud.projects.append(project)
        self.sim.servers.setdefault(project.id, [])
        return json_response({"project": self.sim.project_body(project) | {"parent_id": parent}}, 201)
