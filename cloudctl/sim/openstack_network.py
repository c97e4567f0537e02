"""Neutron (``/network/v2.0``) and Placement (``/placement``) of the OpenStack simulator."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

from cloudctl.sim.base import Fail, MarkerError, Rendered, Token, base_url, int_param, iso, json_response, marker_page
from cloudctl.sim.dataset import Cloud, FloatingIP, Host, Network, Server
from cloudctl.sim.openstack_identity import Identity

PLACEMENT_MAX = (1, 39)
_CONTROL = {"limit", "marker", "page_reverse", "fields", "project_id", "tenant_id", "sort_key", "sort_dir"}
_ALLOC = {"VCPU": 4.0, "MEMORY_MB": 1.5, "DISK_GB": 1.0}
_RESERVED = {"VCPU": 0, "MEMORY_MB": 4096, "DISK_GB": 100}


def neutron_error(status: int, message: str, type_: str | None = None) -> dict:
    """Neutron's error body: ``{"NeutronError": {"type", "message", "detail"}}``."""
    default = {400: "HTTPBadRequest", 401: "HTTPUnauthorized", 403: "HTTPForbidden", 404: "HTTPNotFound", 429: "HTTPTooManyRequests"}
    return {"NeutronError": {"type": type_ or default.get(status, "HTTPInternalServerError"), "message": message, "detail": ""}}


def placement_error(status: int, message: str, request_id: str = "") -> dict:
    titles = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 406: "Not Acceptable", 429: "Too Many Requests"}
    return {"errors": [{"status": status, "title": titles.get(status, "Internal Server Error"), "detail": message, "request_id": request_id}]}


class NetworkService:
    def __init__(self, cloud: Cloud, identity: Identity) -> None:
        self.cloud = cloud
        self.identity = identity
        self.collections: dict[str, tuple[str, list, Callable]] = {
            "networks": ("Network", cloud.networks, self._network),
            "subnets": ("Subnet", cloud.networks, self._subnet),
            "ports": ("Port", cloud.servers, self._port),
            "floatingips": ("FloatingIP", cloud.floating_ips, self._floatingip),
        }
        self._memo = Rendered()

    def _filtered(self, items: list, render: Callable, filters: dict[str, list[str]]) -> list:
        """Neutron's attribute filters: every key must match one of its values; unknown keys are a 400."""
        out = []
        for x in items:
            d = self._memo(render, x)
            for k, values in filters.items():
                if k not in d:
                    raise Fail(400, neutron_error(400, f"[{k}] is invalid attribute for filtering"))
                v = d[k]
                text = str(v).lower() if isinstance(v, bool) or v is None else str(v)
                if text not in [w.lower() if w.lower() in ("true", "false", "none") else w for w in values]:
                    break
            else:
                out.append(x)
        return out

    async def versions(self, request: Request) -> Response:
        return json_response({"versions": [{"id": "v2.0", "status": "CURRENT", "links": [{"rel": "self", "href": f"{base_url(request)}/network/v2.0/"}]}]})

    def _auth(self, request: Request) -> Token:
        return self.identity.check(request)

    async def listing(self, request: Request) -> Response:
        tok = self._auth(request)
        name = request.path_params["collection"].removesuffix(".json")
        if name not in self.collections:
            raise Fail(404, neutron_error(404, "The resource could not be found."))
        type_, items, render = self.collections[name]
        key = _id_of(name)
        wanted = request.query_params.get("project_id") or request.query_params.get("tenant_id")
        if not tok.context["admin"]:
            wanted = tok.context["project_id"]  # non-admins see their own project only
        if wanted:
            items = [x for x in items if x.project_id == wanted]
        filters = {k: request.query_params.getlist(k) for k in request.query_params if k not in _CONTROL}
        if filters:
            items = self._filtered(items, render, filters)
        try:
            limit = int_param(request, "limit", 0, 0)
            marker = request.query_params.get("marker")
            if limit:
                page, more = marker_page(items, marker, limit, key)
            else:
                page, more = list(items), False
        except ValueError as exc:
            raise Fail(400, neutron_error(400, str(exc))) from None
        except MarkerError as exc:
            raise Fail(404, neutron_error(404, f"{type_} {exc} could not be found.", f"{type_}NotFound")) from None
        body: dict = {name: [self._memo(render, x) for x in page]}
        if limit:
            links = []
            url = f"{base_url(request)}/network/v2.0/{name}"
            others = "".join(f"&{k}={v}" for k, v in request.query_params.items() if k not in ("marker", "limit", "page_reverse"))
            if more and page:
                links.append({"rel": "next", "href": f"{url}?limit={limit}&marker={key(page[-1])}{others}"})
            if marker and page:
                links.append({"rel": "previous", "href": f"{url}?limit={limit}&marker={key(page[0])}&page_reverse=True{others}"})
            body[f"{name}_links"] = links
        return json_response(body)

    def _network(self, n: Network) -> dict:
        return {"id": n.id, "name": n.name, "tenant_id": n.project_id, "project_id": n.project_id, "status": "ACTIVE",
                "admin_state_up": True, "shared": False, "subnets": [n.subnet_id], "router:external": False, "mtu": 1450,
                "provider:network_type": "vxlan", "availability_zones": ["nova"], "created_at": iso(n.created),
                "updated_at": iso(n.created), "revision_number": 1, "tags": [], "description": ""}

    def _subnet(self, n: Network) -> dict:
        net = ipaddress.ip_network(n.cidr)
        first, last = str(net.network_address + 1), str(net.broadcast_address - 1)
        return {"id": n.subnet_id, "name": f"{n.name}-subnet", "network_id": n.id, "tenant_id": n.project_id,
                "project_id": n.project_id, "cidr": n.cidr, "ip_version": 4, "gateway_ip": first, "enable_dhcp": True,
                "allocation_pools": [{"start": str(net.network_address + 2), "end": last}], "dns_nameservers": [],
                "host_routes": [], "created_at": iso(n.created), "updated_at": iso(n.created), "revision_number": 0, "tags": [], "description": ""}

    def _port(self, s: Server) -> dict:
        return {"id": s.nic.port_id, "name": "", "network_id": s.nic.network.id, "tenant_id": s.project_id, "project_id": s.project_id,
                "device_id": s.id, "device_owner": "compute:" + s.az, "mac_address": s.nic.mac, "admin_state_up": True,
                "status": "ACTIVE" if s.status == "running" else "DOWN",
                "fixed_ips": [{"subnet_id": s.nic.network.subnet_id, "ip_address": s.nic.ip}],
                "created_at": iso(s.created), "updated_at": iso(s.created), "tags": [], "description": ""}

    def _floatingip(self, f: FloatingIP) -> dict:
        return {"id": f.id, "tenant_id": f.project_id, "project_id": f.project_id, "floating_ip_address": f.address,
                "fixed_ip_address": f.fixed_ip, "port_id": f.port_id, "router_id": "r-" + f.project_id[:12] if f.port_id else None,
                "status": "ACTIVE" if f.port_id else "DOWN", "floating_network_id": "ext-net", "description": "",
                "created_at": iso(f.created), "updated_at": iso(f.created), "revision_number": 0, "tags": []}

    async def quotas(self, request: Request) -> Response:
        tok = self._auth(request)
        pid = request.path_params["project_id"]
        if not tok.context["admin"] and pid != tok.context["project_id"]:
            raise Fail(403, neutron_error(403, "Not authorized."))
        used = {
            "network": sum(1 for n in self.cloud.networks if n.project_id == pid),
            "subnet": sum(1 for n in self.cloud.networks if n.project_id == pid),
            "port": sum(1 for s in self.cloud.servers if s.project_id == pid),
            "floatingip": sum(1 for f in self.cloud.floating_ips if f.project_id == pid),
            "router": 1, "security_group": 1, "security_group_rule": 4,
        }
        limits = {"network": 100, "subnet": 100, "port": max(500, used["port"] * 2), "floatingip": max(50, used["floatingip"] * 2),
                  "router": 10, "security_group": 10, "security_group_rule": 100}
        return json_response({"quota": {k: {"used": used[k], "limit": limits[k], "reserved": 0} for k in used}})


def _id_of(name: str) -> Callable:
    if name == "subnets":
        return lambda n: n.subnet_id
    if name == "ports":
        return lambda s: s.nic.port_id
    return lambda x: x.id


class Placement:
    def __init__(self, cloud: Cloud, identity: Identity) -> None:
        self.cloud = cloud
        self.identity = identity
        self.hosts = {h.id: h for h in cloud.hosts}
        self.usage: dict[str, dict[str, int]] = {h.id: {"VCPU": 0, "MEMORY_MB": 0, "DISK_GB": 0} for h in cloud.hosts}
        for s in cloud.servers:
            if s.status in ("running", "stopped", "building"):  # a stopped VM keeps its allocation
                u = self.usage[s.host]
                u["VCPU"] += s.flavor.vcpus
                u["MEMORY_MB"] += s.flavor.ram_mb
                u["DISK_GB"] += s.flavor.disk_gb

    async def root(self, request: Request) -> Response:
        return json_response({"versions": [{"id": "v1.0", "max_version": "1.39", "min_version": "1.0", "status": "CURRENT",
                                             "links": [{"rel": "self", "href": ""}]}]},
                             headers={"OpenStack-API-Version": "placement 1.0"})

    def _check(self, request: Request) -> dict[str, str]:
        rid = request.scope.get("state", {}).get("request_id", "")
        tok = self.identity.check(request)
        raw = request.headers.get("openstack-api-version", "")
        v = "1.0"
        if raw.lower().startswith("placement "):
            v = raw.split(None, 1)[1].strip()
            if v == "latest":
                v = "%d.%d" % PLACEMENT_MAX
            m = re.fullmatch(r"(\d+)\.(\d+)", v)
            if not m or not (1, 0) <= (int(m[1]), int(m[2])) <= PLACEMENT_MAX:
                raise Fail(406, placement_error(406, f"Unacceptable version header: {v}", rid))
        if not tok.context["admin"]:
            raise Fail(403, placement_error(403, "Policy does not allow placement:resource_providers:list to be performed.", rid))
        return {"OpenStack-API-Version": f"placement {v}", "Vary": "openstack-api-version"}

    def _host(self, request: Request) -> Host:
        h = self.hosts.get(request.path_params["uuid"])
        if h is None:
            rid = request.scope.get("state", {}).get("request_id", "")
            raise Fail(404, placement_error(404, f"No resource provider with uuid {request.path_params['uuid']} found", rid))
        return h

    async def providers(self, request: Request) -> Response:
        hdrs = self._check(request)
        rps = []
        for h in self.cloud.hosts:
            links = [{"rel": rel, "href": f"/placement/resource_providers/{h.id}{suffix}"}
                     for rel, suffix in (("self", ""), ("inventories", "/inventories"), ("usages", "/usages"))]
            rps.append({"uuid": h.id, "name": h.name, "generation": 3, "parent_provider_uuid": None,
                        "root_provider_uuid": h.id, "links": links})
        return json_response({"resource_providers": rps}, headers=hdrs)

    async def inventories(self, request: Request) -> Response:
        hdrs = self._check(request)
        h = self._host(request)
        totals = {"VCPU": h.vcpus, "MEMORY_MB": h.ram_mb, "DISK_GB": h.disk_gb}
        inv = {rc: {"total": t, "reserved": _RESERVED[rc], "min_unit": 1, "max_unit": t, "step_size": 1, "allocation_ratio": _ALLOC[rc]}
               for rc, t in totals.items()}
        return json_response({"inventories": inv, "resource_provider_generation": 3}, headers=hdrs)

    async def usages(self, request: Request) -> Response:
        hdrs = self._check(request)
        h = self._host(request)
        return json_response({"usages": self.usage[h.id], "resource_provider_generation": 3}, headers=hdrs)
