"""OpenStack: Keystone v3 + Nova, Cinder, Neutron and Placement (Tianhe; OpenStack-based 信创 clouds).

Facts this driver relies on (OpenStack API reference):

- Keystone ``POST /v3/auth/tokens`` answers 201 with ``X-Subject-Token`` and a body holding
  ``expires_at`` and the service catalog; endpoints are chosen by type, interface and region.
- Nova is pinned to microversion 2.79 (``X-OpenStack-Nova-API-Version``): servers embed their
  flavor (``vcpus``, ``ram``, ``disk``, ``extra_specs``); ``capabilities:cpu_arch`` gives the arch.
- Lists page with ``limit``/``marker`` and a ``*_links`` ``rel=next``; a repeated marker is an error.
- Capacity comes from Placement inventories: (total − reserved) × allocation_ratio, plus usages.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from cloudctl.config import OpenStackProvider
from cloudctl.errors import AuthError, ProviderError
from cloudctl.model import Resource
from cloudctl.providers.base import FANOUT, Driver
from cloudctl.providers.openstack_write import OpenStackWrites
from cloudctl.providers.paging import LISTING_ERRORS, MarkerGuard, Page, ScopeFailed, marker_of, next_link
from cloudctl.providers.wire import json_of, normalize_arch, parse_time
from cloudctl.redact import remember_secret

NOVA_MICROVERSION = "2.79"
PLACEMENT_MICROVERSION = "placement 1.10"
RENEW_BEFORE = 120.0  # seconds before expires_at

SERVER_STATES = {
    "ACTIVE": "active", "BUILD": "building", "REBUILD": "building", "REBOOT": "active", "HARD_REBOOT": "active",
    "RESIZE": "building", "VERIFY_RESIZE": "active", "MIGRATING": "active", "PASSWORD": "active",
    "SHUTOFF": "stopped", "SHELVED": "stopped", "SHELVED_OFFLOADED": "stopped", "STOPPED": "stopped",
    "PAUSED": "paused", "SUSPENDED": "paused", "RESCUE": "error", "ERROR": "error",
    "DELETED": "deleted", "SOFT_DELETED": "deleted", "UNKNOWN": "unknown",
}
VOLUME_STATES = {
    "available": "available", "in-use": "in_use", "creating": "building", "attaching": "building",
    "detaching": "in_use", "extending": "building", "downloading": "building", "uploading": "in_use",
    "reserved": "in_use", "maintenance": "unknown", "retyping": "building",
    "error": "error", "error_deleting": "error", "error_extending": "error", "error_restoring": "error",
    "deleting": "deleted",
}
NEUTRON_STATES = {"ACTIVE": "active", "DOWN": "down", "BUILD": "building", "ERROR": "error"}


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


class OpenStackDriver(OpenStackWrites, Driver):
    driver = "openstack"
    kinds = ("project", "server", "volume", "network", "subnet", "floating_ip", "quota", "capacity")
    cfg: OpenStackProvider

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._token: str | None = None
        self._expires = 0.0
        self._catalog: list[dict] = []
        self._project_id = ""
        self._projects: dict[str, str] = {}  # id -> name
        self._region = self.cfg.region or ""

    # -- auth ------------------------------------------------------------------------------
    def _auth_body(self) -> dict:
        c = self.cfg
        if c.application_credential_id:
            ident = {"methods": ["application_credential"], "application_credential": {
                "id": c.application_credential_id, "secret": self.secret(c.application_credential_secret)}}
            return {"auth": {"identity": ident}}
        ident = {"methods": ["password"], "password": {"user": {
            "name": c.username, "domain": {"name": c.user_domain}, "password": self.secret(c.password)}}}
        auth: dict[str, Any] = {"identity": ident}
        if c.project_id:
            auth["scope"] = {"project": {"id": c.project_id}}
        elif c.project:
            auth["scope"] = {"project": {"name": c.project, "domain": {"name": c.project_domain}}}
        return {"auth": auth}

    async def login(self) -> None:
        url = self.cfg.auth_url.rstrip("/") + "/auth/tokens"
        resp = await self.request("POST", url, json_body=self._auth_body(), auth=False, what="Keystone login")
        token = resp.headers.get("x-subject-token")
        if not token:
            raise AuthError("Keystone answered without X-Subject-Token", provider=self.name, http_status=resp.status_code)
        body = json_of(resp)["token"]
        replaced, self._token = self._token, token
        remember_secret(token)
        self._expires = _epoch(body["expires_at"]) if body.get("expires_at") else time.time() + 3600
        self._catalog = body.get("catalog") or []
        project = body.get("project") or {}
        self._project_id = project.get("id", "")
        if project:
            self._projects.setdefault(project["id"], project.get("name", project["id"]))
        if not self._region:
            eps = [ep for svc in self._catalog if svc.get("type") == "compute" for ep in svc.get("endpoints", [])]
            self._region = next((ep.get("region_id") or ep.get("region") or "" for ep in eps if ep.get("interface") == self.cfg.interface), "")
        await self._revoke_replaced(url, replaced, "Keystone revocation of the replaced token")

    async def logout(self) -> None:
        """Revoke the token (``DELETE /v3/auth/tokens``): a token outlives the sync otherwise."""
        if self._token:
            token, self._token = self._token, None
            await self._revoke_token(self.cfg.auth_url.rstrip("/") + "/auth/tokens", token, "Keystone token revocation")

    def needs_login(self) -> bool:
        return self._token is None or time.time() > self._expires - RENEW_BEFORE

    @property
    def session_auth(self) -> bool:
        return True

    async def _auth_headers(self, method, url, headers, body):  # noqa: ANN001, ANN201
        headers["X-Auth-Token"] = self._token or ""
        return headers

    async def check(self) -> str:
        await self.login()
        url = self.cfg.auth_url.rstrip("/") + "/auth/projects"
        await self.request("GET", url, what="list own projects")
        return url

    def endpoint(self, service_type: str) -> str:
        """The catalog URL for ``service_type`` with the configured interface and region."""
        if service_type in self.cfg.endpoint_override:
            return self.cfg.endpoint_override[service_type].rstrip("/")
        for svc in self._catalog:
            if svc.get("type") != service_type:
                continue
            for ep in svc.get("endpoints", []):
                if ep.get("interface") != self.cfg.interface:
                    continue
                if self.cfg.region and self.cfg.region not in (ep.get("region"), ep.get("region_id")):
                    continue
                return ep["url"].rstrip("/")
        raise ProviderError(
            f"no '{service_type}' endpoint (interface {self.cfg.interface}, region {self.cfg.region or 'any'}) in the service catalog",
            provider=self.name,
            hint=f"check 'region'/'interface' of provider '{self.name}', or set endpoint_override.{service_type}",
        )

    @property
    def region(self) -> str:
        return self._region

    # -- paging ----------------------------------------------------------------------------
    async def _paged(self, url: str, key: str, params: dict[str, Any], headers: dict[str, str] | None = None) -> AsyncIterator[list[dict]]:
        guard = MarkerGuard(self, f"{key} listing")
        params = {"limit": self.cfg.page_size, **params}
        next_url: str | None = url
        while next_url:
            resp = await self.request("GET", next_url, params=params, headers=headers, what=f"list {key}")
            body = json_of(resp)
            items = body.get(key) or []
            if items:
                yield items
            link = next_link(body.get(f"{key}_links"))
            if not link or not items:
                return
            guard.check(marker_of(link))
            next_url, params = link, {}

    # -- kinds -----------------------------------------------------------------------------
    async def pages(self, kind: str) -> AsyncIterator[Page]:  # type: ignore[override]
        fetch = {
            "project": self._projects_pages, "server": self._servers, "volume": self._volumes,
            "network": self._neutron("networks", self._to_network), "subnet": self._neutron("subnets", self._to_subnet),
            "floating_ip": self._neutron("floatingips", self._to_floating_ip), "quota": self._quotas, "capacity": self._capacity,
        }[kind]
        async for page in fetch():
            yield page

    async def load_projects(self) -> None:
        """Project id → name, so resources carry department names. Admins see all; others their own."""
        base = self.cfg.auth_url.rstrip("/")
        resp = await self.request("GET", base + "/projects" if self.cfg.all_tenants else base + "/auth/projects", ok=(403,), what="list projects")
        if resp.status_code == 403:
            resp = await self.request("GET", base + "/auth/projects", what="list projects")
        for p in json_of(resp).get("projects", []):
            self._projects[p["id"]] = p.get("name", p["id"])

    def _project(self, pid: str | None) -> str:
        return self._projects.get(pid or "", pid or "")

    async def _projects_pages(self) -> AsyncIterator[Page]:
        if not self._projects:
            await self.load_projects()
        yield [Resource(self.name, "project", pid, name, "active", name, self.region) for pid, name in sorted(self._projects.items())]

    async def _servers(self) -> AsyncIterator[Page]:
        params = {"all_tenants": 1} if self.cfg.all_tenants else {}
        headers = {"X-OpenStack-Nova-API-Version": NOVA_MICROVERSION}
        async for items in self._paged(self.endpoint("compute") + "/servers/detail", "servers", params, headers):
            yield [self._to_server(s) for s in items]

    def _to_server(self, s: dict) -> Resource:
        flavor = s.get("flavor") or {}
        specs = flavor.get("extra_specs") or {}
        meta = s.get("metadata") or {}
        addresses = [a.get("addr") for net in (s.get("addresses") or {}).values() for a in net]
        image = s.get("image")
        return Resource(
            self.name, "server", s["id"], s.get("name", ""), SERVER_STATES.get(s.get("status", ""), "unknown"),
            self._project(s.get("tenant_id")), self.region, s.get("status", ""),
            normalize_arch(specs.get("capabilities:cpu_arch") or specs.get("hw:cpu_arch")),
            meta.get("os_distro") or meta.get("os") or None, meta.get("system-id") or None, parse_time(s.get("created")),
            {
                "project_id": s.get("tenant_id"), "flavor": flavor.get("original_name") or flavor.get("id"),
                "vcpus": flavor.get("vcpus"), "ram_mb": flavor.get("ram"), "disk_gb": flavor.get("disk"),
                "addresses": addresses, "availability_zone": s.get("OS-EXT-AZ:availability_zone"),
                "host": s.get("OS-EXT-SRV-ATTR:host"), "image": image.get("id") if isinstance(image, dict) else None,
            },
        )

    async def _volumes(self) -> AsyncIterator[Page]:
        params = {"all_tenants": 1} if self.cfg.all_tenants else {}
        async for items in self._paged(self.endpoint("volumev3") + "/volumes/detail", "volumes", params):
            yield [self._to_volume(v) for v in items]

    def _to_volume(self, v: dict) -> Resource:
        pid = v.get("os-vol-tenant-attr:tenant_id") or v.get("project_id")
        meta = v.get("metadata") or {}
        return Resource(
            self.name, "volume", v["id"], v.get("name") or "", VOLUME_STATES.get(v.get("status", ""), "unknown"),
            self._project(pid), self.region, v.get("status", ""), None, None, meta.get("system-id") or None,
            parse_time(v.get("created_at")),
            {"project_id": pid, "size_gb": v.get("size"), "volume_type": v.get("volume_type"), "bootable": v.get("bootable") == "true",
             "attached_to": [a.get("server_id") for a in v.get("attachments") or []], "availability_zone": v.get("availability_zone")},
        )

    def _neutron(self, collection: str, convert):  # noqa: ANN001, ANN202
        async def fetch() -> AsyncIterator[Page]:
            url = self.endpoint("network")
            url += "/v2.0" if not url.endswith("/v2.0") else ""
            async for items in self._paged(f"{url}/{collection}", collection, {}):
                yield [convert(x) for x in items]

        return fetch

    def _common(self, kind: str, x: dict, status: str) -> dict:
        pid = x.get("project_id") or x.get("tenant_id")
        return dict(provider=self.name, kind=kind, id=x["id"], status=status, project=self._project(pid), region=self.region,
                    raw_status=x.get("status", ""), created=parse_time(x.get("created_at")))

    def _to_network(self, n: dict) -> Resource:
        return Resource(name=n.get("name", ""), **self._common("network", n, NEUTRON_STATES.get(n.get("status", ""), "unknown")),
                        extra={"project_id": n.get("project_id") or n.get("tenant_id"), "shared": n.get("shared"),
                               "external": n.get("router:external"), "subnets": n.get("subnets", []), "mtu": n.get("mtu")})

    def _to_subnet(self, s: dict) -> Resource:
        return Resource(name=s.get("name", ""), **self._common("subnet", s, "active"),
                        extra={"project_id": s.get("project_id") or s.get("tenant_id"), "cidr": s.get("cidr"),
                               "ip_version": s.get("ip_version"), "network_id": s.get("network_id"), "gateway_ip": s.get("gateway_ip")})

    def _to_floating_ip(self, f: dict) -> Resource:
        return Resource(name=f.get("floating_ip_address", ""), **self._common("floating_ip", f, NEUTRON_STATES.get(f.get("status", ""), "unknown")),
                        extra={"project_id": f.get("project_id") or f.get("tenant_id"), "address": f.get("floating_ip_address"),
                               "fixed_ip": f.get("fixed_ip_address"), "port_id": f.get("port_id"), "network_id": f.get("floating_network_id")})

    async def _quotas(self) -> AsyncIterator[Page]:
        if not self._projects:
            await self.load_projects()
        pids = sorted(self._projects) if self.cfg.all_tenants else [self._project_id]
        sem = asyncio.Semaphore(self.cfg.concurrency)

        async def one(pid: str) -> Resource | ScopeFailed:
            async with sem:
                try:
                    return await self._quota(pid)
                except AuthError:
                    raise
                except LISTING_ERRORS as exc:  # one project's quota: the others still count
                    return ScopeFailed(self._project(pid), exc)

        for start in range(0, len(pids), self.cfg.page_size):
            yield list(await asyncio.gather(*(one(p) for p in pids[start : start + self.cfg.page_size])))

    async def _quota(self, pid: str) -> Resource:
        nova = (await self.get_json(self.endpoint("compute") + f"/os-quota-sets/{pid}/detail", what="compute quota", priority=FANOUT))["quota_set"]
        cinder = (await self.get_json(self.endpoint("volumev3") + f"/os-quota-sets/{pid}", {"usage": "True"}, "volume quota", priority=FANOUT))["quota_set"]
        net = self.endpoint("network")
        net += "/v2.0" if not net.endswith("/v2.0") else ""
        neutron = (await self.get_json(f"{net}/quotas/{pid}/details", what="network quota", priority=FANOUT))["quota"]
        extra: dict[str, Any] = {"project_id": pid}
        for prefix, data, used in (("compute", nova, "in_use"), ("volume", cinder, "in_use"), ("network", neutron, "used")):
            for key, val in data.items():
                if isinstance(val, dict):
                    extra[f"{prefix}.{key}.limit"] = val.get("limit")
                    extra[f"{prefix}.{key}.used"] = val.get(used)
        extra.update({
            "vcpus_limit": nova.get("cores", {}).get("limit"), "vcpus_used": nova.get("cores", {}).get("in_use"),
            "ram_mb_limit": nova.get("ram", {}).get("limit"), "ram_mb_used": nova.get("ram", {}).get("in_use"),
            "disk_gb_limit": cinder.get("gigabytes", {}).get("limit"), "disk_gb_used": cinder.get("gigabytes", {}).get("in_use"),
        })
        name = self._project(pid)
        return Resource(self.name, "quota", pid, name, "active", name, self.region, extra=extra)

    async def _capacity(self) -> AsyncIterator[Page]:
        base = self.endpoint("placement")
        hdr = {"OpenStack-API-Version": PLACEMENT_MICROVERSION}
        rps = json_of(await self.request("GET", base + "/resource_providers", headers=hdr, what="list resource providers"))["resource_providers"]
        sem = asyncio.Semaphore(self.cfg.concurrency)

        async def one(rp: dict) -> Resource:
            async with sem:
                inv = json_of(await self.request("GET", f"{base}/resource_providers/{rp['uuid']}/inventories", headers=hdr, what="inventories", priority=FANOUT))
                use = json_of(await self.request("GET", f"{base}/resource_providers/{rp['uuid']}/usages", headers=hdr, what="usages", priority=FANOUT))
            return self._to_capacity(rp, inv.get("inventories", {}), use.get("usages", {}))

        for start in range(0, len(rps), 100):
            yield list(await asyncio.gather(*(one(rp) for rp in rps[start : start + 100])))

    def _to_capacity(self, rp: dict, inventories: dict, usages: dict) -> Resource:
        extra: dict[str, Any] = {"resource_provider": rp["uuid"]}
        for rc, key in (("VCPU", "vcpus"), ("MEMORY_MB", "ram_mb"), ("DISK_GB", "disk_gb")):
            inv = inventories.get(rc)
            if inv:
                extra[f"{key}_total"] = int((inv.get("total", 0) - inv.get("reserved", 0)) * inv.get("allocation_ratio", 1.0))
                extra[f"{key}_physical"] = inv.get("total", 0)
            extra[f"{key}_used"] = usages.get(rc, 0)
        return Resource(self.name, "capacity", rp["uuid"], rp.get("name", ""), "active", "", self.region, extra=extra)
