"""Nova (``/compute/v2.1``) and Cinder (``/volume/v3/{project_id}``) of the OpenStack simulator.

Microversions are honoured (``OpenStack-API-Version: compute 2.x`` or
``X-OpenStack-Nova-API-Version``; up to 2.79, where the flavor is embedded with
``extra_specs``). Listings page with ``limit``/``marker`` and a ``*_links`` rel=next link only
while more items remain.
"""

from __future__ import annotations

import functools
import re
import uuid

from starlette.requests import Request
from starlette.responses import Response

from cloudctl.sim.base import Fail, MarkerError, Rendered, Token, base_url, int_param, iso, json_response, marker_page
from cloudctl.sim.dataset import Cloud, Server, Volume
from cloudctl.sim.jobs import Jobs
from cloudctl.sim.openstack_identity import Identity

NOVA_MIN, NOVA_MAX = (2, 1), (2, 79)
CINDER_MAX = "3.70"
MAX_LIMIT = 1000

# generic status → (status, vm_state, power_state, task_state)
_NOVA_STATE = {
    "running": ("ACTIVE", "active", 1, None),
    "stopped": ("SHUTOFF", "stopped", 4, None),
    "error": ("ERROR", "error", 0, None),
    "building": ("BUILD", "building", 0, "spawning"),
}
# statuses Nova accepts in the `status` filter
_NOVA_STATUSES = {"ACTIVE", "BUILD", "DELETED", "ERROR", "HARD_REBOOT", "MIGRATING", "PASSWORD", "PAUSED", "REBOOT", "REBUILD",
                  "RESCUE", "RESIZE", "REVERT_RESIZE", "SHELVED", "SHELVED_OFFLOADED", "SHUTOFF", "SOFT_DELETED", "SUSPENDED", "UNKNOWN", "VERIFY_RESIZE"}
_NOVA_FAULT = {400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound", 409: "conflictingRequest", 429: "overLimit", 503: "serviceUnavailable"}


def nova_error(status: int, message: str) -> dict:
    """Nova's and Cinder's error body: ``{"itemNotFound": {"code": 404, "message": ...}}``."""
    return {_NOVA_FAULT.get(status, "computeFault"): {"code": status, "message": message}}


def _microversion(request: Request) -> tuple[int, int]:
    raw = request.headers.get("openstack-api-version", "")
    value = raw.split(None, 1)[1].strip() if raw.lower().startswith("compute ") else None
    value = value or request.headers.get("x-openstack-nova-api-version")
    if not value:
        return NOVA_MIN
    if value.strip() == "latest":
        return NOVA_MAX
    m = re.fullmatch(r"\s*(\d+)\.(\d+)\s*", value)
    if not m:
        raise Fail(400, nova_error(400, f"Invalid API version request string: {value}"))
    mv = (int(m[1]), int(m[2]))
    if not NOVA_MIN <= mv <= NOVA_MAX:
        raise Fail(406, nova_error(406, f"Version {value} is not supported by the API. Minimum is 2.1 and maximum is 2.79."))
    return mv


def _nova_headers(mv: tuple[int, int]) -> dict[str, str]:
    v = f"{mv[0]}.{mv[1]}"
    return {"OpenStack-API-Version": f"compute {v}", "X-OpenStack-Nova-API-Version": v,
            "Vary": "OpenStack-API-Version, X-OpenStack-Nova-API-Version"}


@functools.cache
def _image_id(distro: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sim-image-{distro}"))


class Compute:
    def __init__(self, cloud: Cloud, identity: Identity) -> None:
        self.cloud = cloud
        self.identity = identity
        self.by_project: dict[str, list[Server]] = {}
        for s in cloud.servers:
            self.by_project.setdefault(s.project_id, []).append(s)
        self.vols_by_project: dict[str, list[Volume]] = {}
        for v in cloud.volumes:
            self.vols_by_project.setdefault(v.project_id, []).append(v)
        self.servers_by_id = {s.id: s for s in cloud.servers}
        self.flavors_by_id = {f.id: f for f in cloud.flavors}
        self.hosts = {h.id: h for h in cloud.hosts}
        self._memo = Rendered()
        # state the write APIs change (cloudctl/sim/openstack_write.py)
        self.tasks: dict[str, str] = {}  # server id -> task_state while an action runs
        self.nova_limits: dict[str, dict[str, int]] = {}  # project id -> quota limits set through the API
        self.cinder_limits: dict[str, dict[str, int]] = {}
        self.jobs: Jobs | None = None

    def _auth(self, request: Request) -> Token:
        if self.jobs is not None:
            self.jobs.run_due()  # what was accepted earlier (a stop) is done by now
        return self.identity.check(request)

    # -- discovery ----------------------------------------------------------------------------
    def _nova_version(self, request: Request) -> dict:
        return {"id": "v2.1", "status": "CURRENT", "version": "2.79", "min_version": "2.1", "updated": "2013-07-23T11:33:21Z",
                "links": [{"rel": "self", "href": f"{base_url(request)}/compute/v2.1/"}],
                "media-types": [{"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2.1"}]}

    async def nova_versions(self, request: Request) -> Response:
        return json_response({"versions": [self._nova_version(request)]})

    async def nova_version(self, request: Request) -> Response:
        return json_response({"version": self._nova_version(request)})

    async def cinder_versions(self, request: Request) -> Response:
        return json_response({"versions": [{
            "id": "v3.0", "status": "CURRENT", "version": CINDER_MAX, "min_version": "3.0", "updated": "2023-08-31T00:00:00Z",
            "links": [{"rel": "self", "href": f"{base_url(request)}/volume/v3/"}],
            "media-types": [{"base": "application/json", "type": "application/vnd.openstack.volume+json;version=3"}]}]})

    # -- Nova ---------------------------------------------------------------------------------
    async def servers_detail(self, request: Request) -> Response:
        tok = self._auth(request)
        mv = _microversion(request)
        admin = tok.context["admin"]
        # Nova: a bare `all_tenants` or any true value enables it; 0/false disables it.
        all_tenants = "all_tenants" in request.query_params and request.query_params["all_tenants"].lower() not in ("0", "false", "f", "no", "off")
        if all_tenants and not admin:
            raise Fail(403, nova_error(403, "Policy doesn't allow os_compute_api:servers:detail:get_all_tenants to be performed."), _nova_headers(mv))
        wanted = request.query_params.get("project_id") or request.query_params.get("tenant_id")
        if all_tenants:
            items = self.by_project.get(wanted, []) if wanted else self.cloud.servers
        else:
            items = self.by_project.get(tok.context["project_id"], [])
        status = request.query_params.get("status")
        if status:
            if status.upper() not in _NOVA_STATUSES:
                raise Fail(400, nova_error(400, f"Invalid status value: {status}"), _nova_headers(mv))
            items = [s for s in items if _NOVA_STATE[s.status][0] == status.upper()]
        try:
            limit = min(int_param(request, "limit", MAX_LIMIT, 0), MAX_LIMIT)
            page, more = marker_page(items, request.query_params.get("marker"), limit)
        except ValueError as exc:
            raise Fail(400, nova_error(400, str(exc)), _nova_headers(mv)) from None
        except MarkerError as exc:
            raise Fail(400, nova_error(400, f"marker [{exc}] not found"), _nova_headers(mv)) from None
        base = base_url(request)
        body: dict = {"servers": [self._memo(self._server, s, mv, admin, base) for s in page]}
        if more and page:
            q = {k: v for k, v in request.query_params.items() if k not in ("marker", "limit")}
            q.update(limit=str(limit), marker=page[-1].id)
            query = "&".join(f"{k}={v}" for k, v in q.items())
            body["servers_links"] = [{"rel": "next", "href": f"{base}/compute/v2.1/servers/detail?{query}"}]
        return json_response(body, headers=_nova_headers(mv))

    async def server_show(self, request: Request) -> Response:
        tok = self._auth(request)
        mv = _microversion(request)
        s = self.servers_by_id.get(request.path_params["server_id"])
        if s is None or not (tok.context["admin"] or s.project_id == tok.context["project_id"]):
            raise Fail(404, nova_error(404, f"Instance {request.path_params['server_id']} could not be found."), _nova_headers(mv))
        return json_response({"server": self._server(s, mv, tok.context["admin"], base_url(request))}, headers=_nova_headers(mv))

    def _server(self, s: Server, mv: tuple[int, int], admin: bool, base: str) -> dict:
        status, vm_state, power, task = _NOVA_STATE[s.status]
        task = self.tasks.get(s.id, task)
        f = s.flavor
        if mv >= (2, 47):
            flavor: dict = {"vcpus": f.vcpus, "ram": f.ram_mb, "disk": f.disk_gb, "ephemeral": 0, "swap": 0,
                            "original_name": f.name, "extra_specs": {"capabilities:cpu_arch": f.arch, "hw:cpu_policy": "shared"}}
        else:
            flavor = {"id": f.id, "links": [{"rel": "bookmark", "href": f"{base}/compute/flavors/{f.id}"}]}
        nic = s.nic
        addrs = [{"version": 4, "addr": nic.ip, "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": nic.mac}]
        if s.floating_ip:
            addrs.append({"version": 4, "addr": s.floating_ip, "OS-EXT-IPS:type": "floating", "OS-EXT-IPS-MAC:mac_addr": nic.mac})
        metadata = {"os_distro": s.os_distro, "os": s.os, **s.tags}
        if s.system_id:
            metadata["system-id"] = s.system_id
        image = _image_id(s.os_distro)
        out = {
            "id": s.id, "name": s.name, "status": status, "tenant_id": s.project_id, "user_id": "u-" + s.project_id[:8],
            "metadata": metadata, "hostId": s.host[:28], "image": {"id": image, "links": [{"rel": "bookmark", "href": f"{base}/compute/images/{image}"}]},
            "flavor": flavor, "created": iso(s.created), "updated": iso(s.created), "addresses": {nic.network.name: addrs},
            "accessIPv4": "", "accessIPv6": "", "links": [{"rel": "self", "href": f"{base}/compute/v2.1/servers/{s.id}"}],
            "OS-DCF:diskConfig": "MANUAL", "progress": 0, "OS-EXT-AZ:availability_zone": s.az, "config_drive": "",
            "key_name": None, "OS-SRV-USG:launched_at": None if s.status == "building" else iso(s.created).replace("Z", ".000000"),
            "OS-SRV-USG:terminated_at": None, "OS-EXT-STS:task_state": task, "OS-EXT-STS:vm_state": vm_state,
            "OS-EXT-STS:power_state": power, "os-extended-volumes:volumes_attached": [{"id": v, "delete_on_termination": False} for v in s.volume_ids],
            "security_groups": [{"name": "default"}],
        }
        if admin:
            host = self.hosts[s.host].name
            out.update({"OS-EXT-SRV-ATTR:host": host, "OS-EXT-SRV-ATTR:hypervisor_hostname": host,
                        "OS-EXT-SRV-ATTR:instance_name": "instance-%08x" % (int(s.id[:8], 16))})
        if mv >= (2, 9):
            out["locked"] = False
        if mv >= (2, 19):
            out["description"] = None
        if mv >= (2, 26):
            out["tags"] = []
        if mv >= (2, 63):
            out["trusted_image_certificates"] = None
        if mv >= (2, 73):
            out["locked_reason"] = None
        if mv >= (2, 16) and admin:
            out["host_status"] = "UP"
        return out

    async def flavors_detail(self, request: Request) -> Response:
        self._auth(request)
        mv = _microversion(request)
        base = base_url(request)
        flavors = []
        for f in self.cloud.flavors:
            d = {"id": f.id, "name": f.name, "vcpus": f.vcpus, "ram": f.ram_mb, "disk": f.disk_gb, "OS-FLV-EXT-DATA:ephemeral": 0,
                 "swap": 0 if mv >= (2, 75) else "", "rxtx_factor": 1.0, "os-flavor-access:is_public": True, "OS-FLV-DISABLED:disabled": False,
                 "links": [{"rel": "self", "href": f"{base}/compute/v2.1/flavors/{f.id}"}]}
            if mv >= (2, 55):
                d["description"] = None
            if mv >= (2, 61):
                d["extra_specs"] = {"capabilities:cpu_arch": f.arch}
            flavors.append(d)
        return json_response({"flavors": flavors}, headers=_nova_headers(mv))

    def _target_project(self, tok: Token, pid: str, error) -> None:  # noqa: ANN001
        if self.cloud.project(pid) is None and pid != self.identity.admin_project.id:
            raise Fail(404, error(404, f"Project {pid} could not be found."))
        if not tok.context["admin"] and pid != tok.context["project_id"]:
            raise Fail(403, error(403, "Policy doesn't allow os_compute_api:os-quota-sets:show to be performed."))

    async def nova_quotas(self, request: Request) -> Response:
        tok = self._auth(request)
        mv = _microversion(request)
        pid = request.path_params["project_id"]
        self._target_project(tok, pid, nova_error)
        servers = self.by_project.get(pid, [])
        used = {"cores": sum(s.flavor.vcpus for s in servers), "ram": sum(s.flavor.ram_mb for s in servers), "instances": len(servers)}
        limits = self.nova_quota_limits(pid)
        return json_response({"quota_set": {"id": pid, **{k: {"in_use": used.get(k, 0), "limit": v, "reserved": 0} for k, v in limits.items()}}},
                             headers=_nova_headers(mv))

    def nova_quota_limits(self, pid: str) -> dict[str, int]:
        """The project's Nova limits: sized from its usage unless set through the API."""
        servers = self.by_project.get(pid, [])
        cores, ram = sum(s.flavor.vcpus for s in servers), sum(s.flavor.ram_mb for s in servers)
        limits = {"cores": _round_up(cores * 1.5, 20), "ram": _round_up(ram * 1.5, 51200), "instances": _round_up(len(servers) * 1.5, 10),
                  "key_pairs": 100, "metadata_items": 128, "server_groups": 10, "server_group_members": 10}
        return {**limits, **self.nova_limits.get(pid, {})}

    def cinder_quota_limits(self, pid: str) -> dict[str, int]:
        vols = self.vols_by_project.get(pid, [])
        gb = sum(v.size_gb for v in vols)
        limits = {"volumes": _round_up(len(vols) * 1.5, 10), "gigabytes": _round_up(gb * 1.5, 1000), "snapshots": 10, "backups": 10,
                  "backup_gigabytes": 1000, "groups": 10, "per_volume_gigabytes": -1}
        return {**limits, **self.cinder_limits.get(pid, {})}

    # -- Cinder -------------------------------------------------------------------------------
    def _cinder_headers(self, request: Request) -> dict[str, str]:
        raw = request.headers.get("openstack-api-version", "")
        v = raw.split(None, 1)[1] if raw.lower().startswith("volume ") else "3.0"
        return {"OpenStack-API-Version": f"volume {v}", "Vary": "OpenStack-API-Version"}

    async def volumes_detail(self, request: Request) -> Response:
        tok = self._auth(request)
        hdrs = self._cinder_headers(request)
        pid = request.path_params["project_id"]
        if pid != tok.context["project_id"] and not tok.context["admin"]:
            raise Fail(403, nova_error(403, "Policy doesn't allow volume:get_all to be performed."), hdrs)
        admin = tok.context["admin"]
        if admin and request.query_params.get("all_tenants") in ("1", "true", "True"):
            items = self.cloud.volumes
        else:
            items = self.vols_by_project.get(pid, [])
        try:
            limit = min(int_param(request, "limit", MAX_LIMIT, 0), MAX_LIMIT)
            page, more = marker_page(items, request.query_params.get("marker"), limit)
        except ValueError as exc:
            raise Fail(400, nova_error(400, str(exc)), hdrs) from None
        except MarkerError as exc:
            raise Fail(404, nova_error(404, f"Marker {exc} could not be found."), hdrs) from None
        base = f"{base_url(request)}/volume/v3/{pid}"
        body: dict = {"volumes": [self._memo(self._volume, v, admin, base) for v in page]}
        if more and page:
            q = {k: v for k, v in request.query_params.items() if k not in ("marker", "limit")}
            q.update(limit=str(limit), marker=page[-1].id)
            body["volumes_links"] = [{"rel": "next", "href": f"{base}/volumes/detail?" + "&".join(f"{k}={v}" for k, v in q.items())}]
        return json_response(body, headers=hdrs)

    def _volume(self, v: Volume, admin: bool, base: str) -> dict:
        attachments = []
        if v.server_id:
            attachments.append({"id": v.id, "attachment_id": str(uuid.uuid5(uuid.NAMESPACE_OID, v.id)), "volume_id": v.id,
                                "server_id": v.server_id, "host_name": None, "device": "/dev/vda" if v.bootable else "/dev/vdb",
                                "attached_at": v.created.strftime("%Y-%m-%dT%H:%M:%S.000000")})
        created = v.created.strftime("%Y-%m-%dT%H:%M:%S.000000")
        out = {"id": v.id, "name": v.name, "status": v.status, "size": v.size_gb, "availability_zone": v.az,
               "created_at": created, "updated_at": created, "attachments": attachments, "bootable": "true" if v.bootable else "false",
               "encrypted": False, "multiattach": False, "volume_type": v.volume_type, "metadata": {}, "description": None,
               "user_id": "u-" + v.project_id[:8], "snapshot_id": None, "source_volid": None, "consistencygroup_id": None,
               "replication_status": None, "links": [{"rel": "self", "href": f"{base}/volumes/{v.id}"}]}
        if admin:
            out["os-vol-tenant-attr:tenant_id"] = v.project_id
            out["os-vol-host-attr:host"] = "cinder-volume@lvm#lvm"
        return out

    async def cinder_quotas(self, request: Request) -> Response:
        tok = self._auth(request)
        hdrs = self._cinder_headers(request)
        target = request.path_params["target"]
        self._target_project(tok, target, nova_error)
        vols = self.vols_by_project.get(target, [])
        used = {"volumes": len(vols), "gigabytes": sum(v.size_gb for v in vols)}
        limits = {k: (used.get(k, 0), v) for k, v in self.cinder_quota_limits(target).items()}
        usage = request.query_params.get("usage", "").lower() in ("true", "1")
        qs: dict = {"id": target}
        for k, (used, lim) in limits.items():
            qs[k] = {"in_use": used, "limit": lim, "reserved": 0, "allocated": 0} if usage else lim
        return json_response({"quota_set": qs}, headers=hdrs)


def _round_up(x: float, step: int) -> int:
    return max(step, int(-(-x // step) * step))
