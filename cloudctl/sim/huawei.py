"""The Huawei Cloud simulator (华为政务云): IAM, ECS, EVS, VPC and EIP on one port.

Auth is AK/SK (``SDK-HMAC-SHA256``, see :mod:`cloudctl.sim.huawei_auth`) or an IAM token from
``POST /v3/auth/tokens``. Pagination follows each API: ECS ``offset`` is a page number from 1,
EVS ``offset`` a record offset from 0, VPC/EIP use ``marker``. Errors come in the three real
shapes: ``{error_code, error_msg}`` (API gateway, ECS), ``{code, message}`` (EVS) and
``{"error": {code, message}}`` (VPC, IAM). Every response has ``X-Request-Id``.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cloudctl.sim.base import Clock, Fail, MarkerError, Rendered, SimLayer, TokenStore, fail_handler, int_param, json_response, marker_page, request_id
from cloudctl.sim.dataset import Cloud, Project
from cloudctl.sim.faults import Faults
from cloudctl.sim.huawei_auth import AccessKey, SignatureError, verify
from cloudctl.sim.huawei_render import ecs_server, evs_volume, publicip, subnet, vpc
from cloudctl.sim.huawei_write import HuaweiWrites
from cloudctl.sim.jobs import Jobs

ECS_MAX, EVS_MAX, VPC_MAX = 1000, 1000, 2000


@dataclass(frozen=True)
class HuaweiCredentials:
    """Demo credentials the simulator accepts (written into the generated config)."""

    ak: str = "SIMAKLVLIANG00000001"
    sk: str = "simSKlvliangDemoSecretKey0000000000000001"
    domain: str = "lvliang-gov"
    username: str = "cloudctl-reader"  # IAM user with the readonly role
    password: str = "huawei-demo-password"
    admin_username: str = "cloudctl-admin"  # IAM user allowed to write
    admin_password: str = "huawei-admin-password"
    reader_ak: str = "SIMAKLVLIANGREADER001"  # AK/SK of a read-only user: writes get 403
    reader_sk: str = "simSKlvliangReadOnlyKey00000000000000001"


def apigw_error(status: int, code: str, message: str, rid: str) -> dict:
    return {"error_msg": message, "error_code": code, "request_id": rid}


def _service(path: str) -> str:
    parts = path.split("/")
    if path.startswith("/v3/"):
        return "iam"
    if len(parts) > 3 and parts[1] == "v2":
        return "evs"
    if len(parts) > 3 and parts[3] in ("vpcs", "subnets", "publicips"):
        return "vpc"
    return "ecs"


def service_error(service: str, status: int, code: str, message: str, rid: str = "") -> dict:
    if service == "evs":
        return {"code": code, "message": message}
    if service in ("vpc", "iam"):
        return {"error": {"code": code, "message": message}}
    return apigw_error(status, code, message, rid)


def _fault_shape(status: int, message: str, path: str, rid: str) -> dict:
    if status == 429:
        return apigw_error(429, "APIGW.0308", "The throttling threshold has been reached: policy user over ratelimit", rid)
    if status == 500:
        svc = _service(path)
        return service_error(svc, 500, f"{svc.upper() if svc != 'ecs' else 'Ecs'}.0000", "Internal server error.", rid)
    return apigw_error(status, "APIGW.0203", "The backend service is unavailable.", rid)


class HuaweiSim:
    def __init__(self, cloud: Cloud, faults: Faults, creds: HuaweiCredentials, clock: Clock | None) -> None:
        self.cloud = cloud
        self.creds = creds
        self.keys = {creds.ak: AccessKey(creds.ak, creds.sk), creds.reader_ak: AccessKey(creds.reader_ak, creds.reader_sk, readonly=True)}
        self.tokens = TokenStore(faults, clock) if clock else TokenStore(faults)
        self.clock = clock
        self._memo = Rendered()
        self.servers: dict[str, list] = {}
        self.volumes: dict[str, list] = {}
        for s in cloud.servers:
            self.servers.setdefault(s.project_id, []).append(s)
        self.by_id = {s.id: s for s in cloud.servers}
        for v in cloud.volumes:
            self.volumes.setdefault(v.project_id, []).append(v)

    def _now(self) -> dt.datetime:
        if self.clock:
            return dt.datetime.fromtimestamp(self.clock(), dt.timezone.utc)
        return dt.datetime.now(dt.timezone.utc)

    async def _auth(self, request: Request) -> Project:
        """Authenticate (token or AK/SK) and return the project named in the path."""
        rid = request_id(request)
        pid = request.path_params.get("project_id", "")
        token = request.headers.get("x-auth-token")
        if token:
            tok, why = self.tokens.check(token)
            if tok is None:
                msg = "Incorrect IAM authentication information: the token has expired" if why == "expired" else "Incorrect IAM authentication information: token is invalid"
                raise Fail(401, apigw_error(401, "APIGW.0301", msg, rid))
            if pid and pid != tok.context["project_id"]:
                raise Fail(403, apigw_error(403, "APIGW.0302", "The IAM user is not authorized to access the API: the token is scoped to another project", rid))
            request.scope["state"]["readonly"] = tok.context.get("readonly", True)
        else:
            try:
                key = await verify(request, self.keys, self._now())
            except SignatureError as exc:
                raise Fail(401, apigw_error(401, "APIGW.0301", str(exc), rid)) from None
            request.scope["state"]["readonly"] = key.readonly
            header_pid = request.headers.get("x-project-id")
            if pid and header_pid and header_pid != pid:
                raise Fail(403, apigw_error(403, "APIGW.0302", "The IAM user is not authorized to access the API: X-Project-Id differs from the project in the URL", rid))
        if not pid:
            return Project("", "", "")
        project = next((p for p in self.cloud.projects if p.id == pid), None)
        if project is None:
            raise Fail(403, apigw_error(403, "APIGW.0302", f"The IAM user is not authorized to access the API: unknown project {pid}", rid))
        return project

    # -- IAM ------------------------------------------------------------------------------------
    async def iam_token(self, request: Request) -> Response:
        def refuse(status: int, code: str, message: str) -> Fail:
            return Fail(status, {"error": {"code": code, "message": message, "title": "Unauthorized" if status == 401 else "Bad Request"}})

        try:
            auth = json.loads(await request.body() or b"null")["auth"]
            user = auth["identity"]["password"]["user"]
            scope = auth.get("scope", {}).get("project", {})
        except (ValueError, KeyError, TypeError):
            raise refuse(400, "IAM.0008", "Request body is invalid: expected auth.identity.password.user") from None
        users = {self.creds.username: (self.creds.password, True), self.creds.admin_username: (self.creds.admin_password, False)}
        known = users.get(user.get("name"))
        ok = known is not None and user.get("password") == known[0] and (user.get("domain") or {}).get("name") == self.creds.domain
        if not ok:
            raise refuse(401, "IAM.0004", "The username or password is wrong.")
        project = next((p for p in self.cloud.projects if scope and (scope.get("id") == p.id or scope.get("name") == p.name)), None)
        if project is None:
            raise refuse(401, "IAM.0005", "The project in auth.scope does not exist or the user has no role in it.")
        tok = self.tokens.issue(project_id=project.id, readonly=known[1])
        expires = dt.datetime.fromtimestamp(tok.expires_at, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000000Z")
        body = {"token": {
            "expires_at": expires, "issued_at": self._now().strftime("%Y-%m-%dT%H:%M:%S.000000Z"), "methods": ["password"],
            "project": {"id": project.id, "name": project.name, "domain": {"id": "d-" + self.creds.domain, "name": self.creds.domain}},
            "user": {"id": "u-" + user["name"], "name": user["name"], "domain": {"id": "d-" + self.creds.domain, "name": self.creds.domain}},
            "roles": [{"id": "r-readonly", "name": "readonly"} if known[1] else {"id": "r-admin", "name": "te_admin"}], "catalog": []}}
        return json_response(body, 201, {"X-Subject-Token": tok.value})

    async def iam_revoke(self, request: Request) -> Response:
        """IAM ``DELETE /v3/auth/tokens``: X-Auth-Token (the caller) and X-Subject-Token (to delete) → 204."""
        caller, _ = self.tokens.check(request.headers.get("x-auth-token"), count=False)
        if caller is None:
            raise Fail(401, {"error": {"code": "IAM.0001", "message": "The request you have made requires authentication.", "title": "Unauthorized"}})
        subject = request.headers.get("x-subject-token", "")
        if subject != caller.value:
            raise Fail(403, {"error": {"code": "IAM.0002", "message": "You are not authorized to delete another user's token.", "title": "Forbidden"}})
        self.tokens.revoke(subject)
        return Response(status_code=204)

    async def iam_projects(self, request: Request) -> Response:
        await self._auth(request)
        name = request.query_params.get("name")
        return json_response({"projects": [self.project_body(p) for p in self.cloud.projects if name is None or p.name == name],
                              "links": {"self": str(request.url), "previous": None, "next": None}})

    def project_body(self, p: Project) -> dict:
        return {"id": p.id, "name": p.name, "domain_id": "d-" + self.creds.domain, "enabled": True, "is_domain": False,
                "parent_id": "d-" + self.creds.domain, "description": p.department}

    # -- ECS ------------------------------------------------------------------------------------
    async def ecs_detail(self, request: Request) -> Response:
        self.jobs.run_due()
        project = await self._auth(request)
        try:
            page = int_param(request, "offset", 1, 1)
            limit = int_param(request, "limit", 25, 1, ECS_MAX)
        except ValueError as exc:
            raise Fail(400, apigw_error(400, "Ecs.0005", f"Invalid request parameter: {exc}", request_id(request))) from None
        items = self.servers.get(project.id, [])
        q = request.query_params
        if q.get("name") or q.get("status") or q.get("tags"):  # ECS filters: name is a fuzzy match
            items = [s for s in items if self._ecs_match(self._memo(ecs_server, s), q.get("name"), q.get("status"), q.get("tags"))]
        start = (page - 1) * limit
        return json_response({"count": len(items), "servers": [self._memo(ecs_server, s) for s in items[start : start + limit]]})

    @staticmethod
    def _ecs_match(server: dict, name: str | None, status: str | None, tag: str | None) -> bool:
        return ((not name or name in server["name"]) and (not status or server["status"] == status.upper())
                and (not tag or tag in server["tags"]))

    async def ecs_show(self, request: Request) -> Response:
        self.jobs.run_due()
        project = await self._auth(request)
        sid = request.path_params["server_id"]
        s = next((x for x in self.servers.get(project.id, []) if x.id == sid), None)
        if s is None:
            raise Fail(404, apigw_error(404, "Ecs.0114", f"Instance {sid} could not be found.", request_id(request)))
        return json_response({"server": self._memo(ecs_server, s)})

    async def ecs_tags(self, request: Request) -> Response:
        """``GET /v1/{project_id}/cloudservers/{server_id}/tags`` (ShowServerTags)."""
        project = await self._auth(request)
        s = self.by_id.get(request.path_params["server_id"])
        if s is None or s.project_id != project.id:
            raise Fail(404, apigw_error(404, "Ecs.0114", f"Instance {request.path_params['server_id']} could not be found.", request_id(request)))
        tags = ({"system-id": s.system_id} if s.system_id else {}) | s.tags
        return json_response({"tags": [{"key": k, "value": v} for k, v in tags.items()]})

    async def ecs_limits(self, request: Request) -> Response:
        project = await self._auth(request)
        items = self.servers.get(project.id, [])
        cores, ram = sum(s.flavor.vcpus for s in items), sum(s.flavor.ram_mb for s in items)
        eips = sum(1 for f in self.cloud.floating_ips if f.project_id == project.id)
        return json_response({"absolute": {
            "maxTotalInstances": max(50, len(items) * 2), "totalInstancesUsed": len(items),
            "maxTotalCores": max(200, cores * 2), "totalCoresUsed": cores,
            "maxTotalRAMSize": max(512000, ram * 2), "totalRAMUsed": ram,
            "maxTotalFloatingIps": max(50, eips * 2), "totalFloatingIpsUsed": eips,
            "maxSecurityGroups": 100, "totalSecurityGroupsUsed": 1, "maxServerGroups": 50, "totalServerGroupsUsed": 0,
            "maxServerGroupMembers": 16, "maxServerMeta": 128, "maxPersonality": 5, "maxPersonalitySize": 10240,
            "maxImageMeta": 128, "maxTotalKeypairs": 100, "maxSecurityGroupRules": 5000,
            "maxTotalSpotInstances": 0, "maxTotalSpotCores": 0, "maxTotalSpotRAMSize": 0,
            "totalSpotInstancesUsed": 0, "totalSpotCoresUsed": 0, "totalSpotRAMUsed": 0}})

    # -- EVS ------------------------------------------------------------------------------------
    async def evs_detail(self, request: Request) -> Response:
        project = await self._auth(request)
        try:
            offset = int_param(request, "offset", 0, 0)
            limit = int_param(request, "limit", EVS_MAX, 1, EVS_MAX)
        except ValueError as exc:
            raise Fail(400, {"code": "EVS.2001", "message": f"Invalid parameter: {exc}"}) from None
        items = self.volumes.get(project.id, [])
        return json_response({"count": len(items), "volumes": [self._memo(evs_volume, v) for v in items[offset : offset + limit]]})

    # -- VPC / EIP ------------------------------------------------------------------------------
    async def _marker_list(self, request: Request, items: list, key, render, name: str) -> Response:  # noqa: ANN001
        try:
            limit = int_param(request, "limit", VPC_MAX, 1, VPC_MAX)
            page, _ = marker_page(items, request.query_params.get("marker"), limit, key)
        except ValueError as exc:
            raise Fail(400, {"error": {"code": "VPC.0101", "message": f"Invalid parameter: {exc}"}}) from None
        except MarkerError as exc:
            raise Fail(400, {"error": {"code": "VPC.0101", "message": f"Invalid marker {exc}: no such resource"}}) from None
        return json_response({name: [render(x) for x in page]})

    async def vpcs(self, request: Request) -> Response:
        project = await self._auth(request)
        items = [n for n in self.cloud.networks if n.project_id == project.id]
        return await self._marker_list(request, items, lambda n: n.id, vpc, "vpcs")

    async def subnets(self, request: Request) -> Response:
        project = await self._auth(request)
        want = request.query_params.get("vpc_id")
        items = [n for n in self.cloud.networks if n.project_id == project.id and (not want or n.id == want)]
        return await self._marker_list(request, items, lambda n: n.subnet_id, subnet, "subnets")

    async def publicips(self, request: Request) -> Response:
        project = await self._auth(request)
        items = [f for f in self.cloud.floating_ips if f.project_id == project.id]
        return await self._marker_list(request, items, lambda f: f.id, publicip, "publicips")


def huawei_app(cloud: Cloud, faults: Faults | None = None, creds: HuaweiCredentials | None = None, clock: Clock | None = None):
    """The ASGI app of the simulated Huawei Cloud (all services on one port)."""
    faults = faults or Faults()
    sim = HuaweiSim(cloud, faults, creds or HuaweiCredentials(), clock)
    sim.jobs = Jobs(faults.job_seconds, clock)
    writes = HuaweiWrites(sim, sim.jobs)
    get = ["GET"]
    routes = [
        Route("/v3/auth/tokens", sim.iam_token, methods=["POST"]),
        Route("/v3/auth/tokens", sim.iam_revoke, methods=["DELETE"]),
        Route("/v3/auth/projects", sim.iam_projects, methods=get),
        Route("/v3/projects", sim.iam_projects, methods=get),
        Route("/v3/projects", writes.project_create, methods=["POST"]),
        Route("/v1/{project_id}/cloudservers/action", writes.servers_action, methods=["POST"]),
        Route("/v1/{project_id}/cloudservers/{server_id}/tags/action", writes.tags_action, methods=["POST"]),
        Route("/v1/{project_id}/cloudservers/{server_id}/tags", sim.ecs_tags, methods=get),
        Route("/v1/{project_id}/jobs/{job_id}", writes.job, methods=get),
        Route("/v1/{project_id}/cloudservers/detail", sim.ecs_detail, methods=get),
        Route("/v1/{project_id}/cloudservers/limits", sim.ecs_limits, methods=get),
        Route("/v1/{project_id}/cloudservers/{server_id}", sim.ecs_show, methods=get),
        Route("/v2/{project_id}/cloudvolumes/detail", sim.evs_detail, methods=get),
        Route("/v1/{project_id}/vpcs", sim.vpcs, methods=get),
        Route("/v1/{project_id}/subnets", sim.subnets, methods=get),
        Route("/v1/{project_id}/publicips", sim.publicips, methods=get),
    ]

    async def not_found(request, exc):  # noqa: ANN001, ANN202
        return json_response(apigw_error(404, "APIGW.0101", "The API does not exist or has not been published in the environment", request_id(request)), 404)

    app = Starlette(routes=routes, exception_handlers={Fail: fail_handler, 404: not_found, 405: not_found})
    return SimLayer(app, faults, request_id_header="X-Request-Id", make_request_id=lambda: uuid.uuid4().hex,
                    error_shape=_fault_shape, is_auth=lambda method, path: path.rstrip("/") == "/v3/auth/tokens", tokens=sim.tokens)

