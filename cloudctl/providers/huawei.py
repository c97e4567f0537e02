"""Huawei Cloud Stack / Huawei Cloud: AK/SK signing (or an IAM token) + ECS, EVS, VPC and EIP.

Facts this driver relies on (Huawei Cloud API reference):

- Endpoints are ``{scheme}://{service}.{region}.{endpoint_domain}`` unless ``endpoints`` overrides
  a service (HCS private domains). EIPs are served by the VPC endpoint.
- ECS ``GET /v1/{project_id}/cloudservers/detail``: ``offset`` is a *page number* from 1.
  EVS ``GET /v2/{project_id}/cloudvolumes/detail``: ``offset`` is a *record* offset.
  VPC ``/v1/{project_id}/vpcs``, ``/subnets``, ``/publicips`` page by ``marker`` (last id).
- Tags are ``"key=value"`` strings; ``system-id=sys-0001`` links a VM to the inventory.
- Kunpeng flavors (``kc1.*``, ``km1.*``, ``kai1.*``...) run aarch64.
- Throttling answers 429 / ``APIGW.0308``; each response carries ``X-Request-Id``.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx

from cloudctl.config import HuaweiProvider
from cloudctl.errors import AuthError, PaginationError
from cloudctl.model import Resource
from cloudctl.providers import huawei_signer
from cloudctl.providers.base import FANOUT, Driver
from cloudctl.providers.huawei_write import HuaweiWrites
from cloudctl.providers.paging import MarkerGuard, Page, merge, per_project
from cloudctl.providers.wire import json_of, normalize_arch, parse_error_body, parse_time
from cloudctl.redact import remember_secret

SERVER_STATES = {
    "ACTIVE": "active", "BUILD": "building", "REBUILD": "building", "REBOOT": "active", "HARD_REBOOT": "active",
    "RESIZE": "building", "VERIFY_RESIZE": "active", "REVERT_RESIZE": "building", "MIGRATING": "active",
    "SHUTOFF": "stopped", "STOPPED": "stopped", "ERROR": "error", "DELETED": "deleted", "SOFT_DELETED": "deleted",
}
VOLUME_STATES = {
    "available": "available", "in-use": "in_use", "creating": "building", "attaching": "building",
    "detaching": "in_use", "extending": "building", "restoring-backup": "building", "downloading": "building",
    "uploading": "in_use", "retyping": "building", "reserved": "in_use", "maintenance": "unknown",
    "error": "error", "error_deleting": "error", "error_extending": "error", "error_restoring": "error", "deleting": "deleted",
}
NET_STATES = {"OK": "active", "ACTIVE": "active", "CREATING": "building", "DOWN": "down", "UNKNOWN": "unknown", "ERROR": "error"}
EIP_STATES = {"ACTIVE": "active", "DOWN": "down", "ELB": "active", "FREEZED": "error", "BIND_ERROR": "error",
              "BINDING": "building", "PENDING_CREATE": "building", "PENDING_DELETE": "deleted", "ERROR": "error"}
AARCH64_FAMILIES = ("kc1", "km1", "kai1", "ks1", "kc2", "km2", "kx1")
THROTTLE_CODES = {"APIGW.0308"}


def flavor_arch(flavor: str | None) -> str | None:
    if not flavor:
        return None
    return "aarch64" if flavor.split(".")[0].lower() in AARCH64_FAMILIES else "x86_64"


def tag_map(tags: Any) -> dict[str, str]:
    """ECS tags are ``["k=v", ...]``; EVS/VPC tags may be ``{k: v}`` or ``[{key, value}]``."""
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    out: dict[str, str] = {}
    for t in tags or ():
        if isinstance(t, str):
            k, _, v = t.partition("=")
            out[k] = v
        elif isinstance(t, dict) and "key" in t:
            out[str(t["key"])] = str(t.get("value", ""))
    return out


class HuaweiDriver(HuaweiWrites, Driver):
    driver = "huawei"
    kinds = ("project", "server", "volume", "network", "subnet", "floating_ip", "quota")
    cfg: HuaweiProvider

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._token: str | None = None
        self._expires = 0.0
        self._projects: dict[str, str] = {}

    # -- endpoints and auth ----------------------------------------------------------------
    def url(self, service: str, path: str) -> str:
        base = self.cfg.endpoints.get(service) or f"{self.cfg.scheme}://{service}.{self.cfg.region}.{self.cfg.endpoint_domain}"
        return base.rstrip("/") + path

    def _iam(self) -> str:
        return (self.cfg.iam_endpoint or self.cfg.endpoints.get("iam") or f"{self.cfg.scheme}://iam.{self.cfg.region}.{self.cfg.endpoint_domain}").rstrip("/")

    async def login(self) -> None:
        if self.cfg.ak is not None:
            return
        body = {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": self.cfg.username, "password": self.secret(self.cfg.password), "domain": {"name": self.cfg.domain}}}},
            "scope": {"project": {"id": self.cfg.project_id}},
        }}
        resp = await self.request("POST", self._iam() + "/v3/auth/tokens", json_body=body, auth=False, what="IAM login")
        token = resp.headers.get("x-subject-token")
        if not token:
            raise AuthError("IAM answered without X-Subject-Token", provider=self.name, http_status=resp.status_code)
        replaced, self._token = self._token, token
        remember_secret(token)
        self._expires = time.time() + 23 * 3600  # IAM tokens live 24 h
        await self._revoke_replaced(self._iam() + "/v3/auth/tokens", replaced, "IAM revocation of the replaced token")

    async def logout(self) -> None:
        """Revoke the IAM token (``DELETE /v3/auth/tokens``); AK/SK has nothing to end."""
        if self._token:
            token, self._token = self._token, None
            await self._revoke_token(self._iam() + "/v3/auth/tokens", token, "IAM token revocation")

    def needs_login(self) -> bool:
        return self.cfg.ak is None and (self._token is None or time.time() > self._expires - 120)

    @property
    def session_auth(self) -> bool:
        return self.cfg.ak is None  # a refused signature does not get better by retrying

    async def _auth_headers(self, method: str, url: httpx.URL, headers: dict[str, str], body: bytes) -> dict[str, str]:
        headers = {"X-Project-Id": self.cfg.project_id, **headers}
        if self.cfg.ak is not None:
            return huawei_signer.sign(method, url, headers, body, self.secret(self.cfg.ak), self.secret(self.cfg.sk))
        headers["X-Auth-Token"] = self._token or ""
        return headers

    async def check(self) -> str:
        await self.login()
        url = self.url("ecs", f"/v1/{self.cfg.project_id}/cloudservers/detail")
        await self.get_json(url, {"offset": 1, "limit": 1}, "list ECS servers", headers={"X-Project-Id": self.cfg.project_id})
        return url

    def retryable(self, resp: httpx.Response) -> bool:
        if super().retryable(resp):
            return True
        return parse_error_body(resp)[0] in THROTTLE_CODES

    # -- listing ---------------------------------------------------------------------------
    async def pages(self, kind: str) -> AsyncIterator[Page]:  # type: ignore[override]
        if kind == "project":
            async for page in self._project_pages():
                yield page
            return
        fetch = {"server": self._servers, "volume": self._volumes, "network": self._vpcs, "subnet": self._subnets,
                 "floating_ip": self._eips, "quota": self._quota}[kind]
        # Every listing is per project: one project's failure leaves the others' data current.
        async for page in merge([per_project(self._project(pid), fetch(pid)) for pid in self.project_ids()], self.cfg.concurrency):
            yield page

    def project_ids(self) -> list[str]:
        """Projects to list. AK/SK is domain-wide: every project of the region; a token: its own."""
        if self.cfg.ak is None or not self._projects:
            return [self.cfg.project_id]
        regional = [pid for pid, name in self._projects.items() if name == self.cfg.region or name.startswith(self.cfg.region + "_")]
        return sorted(regional or self._projects)

    def _get(self, pid: str, url: str, params: dict | None = None, what: str = ""):  # noqa: ANN202
        return self.get_json(url, params, what, headers={"X-Project-Id": pid})

    async def load_projects(self) -> None:
        """Project id → name from IAM; falls back to the configured project when IAM refuses."""
        resp = await self.request("GET", self._iam() + "/v3/projects", ok=(401, 403, 404), what="list projects")
        if resp.status_code < 400:
            for p in json_of(resp).get("projects", []):
                self._projects[p["id"]] = p.get("name", p["id"])
        self._projects.setdefault(self.cfg.project_id, self.cfg.project or self.cfg.project_id)

    def _project(self, pid: str | None) -> str:
        return self._projects.get(pid or self.cfg.project_id, pid or "")

    async def _project_pages(self) -> AsyncIterator[Page]:
        if not self._projects:
            await self.load_projects()
        yield [Resource(self.name, "project", pid, name, "active", name, self.cfg.region) for pid, name in sorted(self._projects.items())]

    async def _servers(self, pid: str) -> AsyncIterator[Page]:
        url = self.url("ecs", f"/v1/{pid}/cloudservers/detail")
        limit, page, seen, first_ids = self.cfg.page_size, 1, 0, set()
        while True:
            body = await self._get(pid, url, {"offset": page, "limit": limit}, "list ECS servers")
            items = body.get("servers") or []
            if not items:
                return
            if items[0].get("id") in first_ids:
                raise PaginationError(f"ECS page {page} repeats an earlier page; stopping instead of looping", provider=self.name)
            first_ids.add(items[0].get("id"))
            yield [self._to_server({"tenant_id": pid, **s}) for s in items]
            seen += len(items)
            if len(items) < limit or seen >= int(body.get("count", seen + 1)):
                return
            page += 1

    def _to_server(self, s: dict) -> Resource:
        flavor = s.get("flavor") or {}
        meta = s.get("metadata") or {}
        tags = tag_map(s.get("tags"))
        fname = flavor.get("name") or flavor.get("id")
        arch = meta.get("architecture") or meta.get("os_arch")
        pid = s.get("tenant_id") or self.cfg.project_id
        return Resource(
            self.name, "server", s["id"], s.get("name", ""), SERVER_STATES.get(s.get("status", ""), "unknown"),
            self._project(pid), self.cfg.region, s.get("status", ""),
            normalize_arch(arch) if arch else flavor_arch(fname),
            meta.get("image_name") or meta.get("os_type") or None, tags.get("system-id") or None, parse_time(s.get("created")),
            {"project_id": pid, "flavor": fname, "vcpus": _int(flavor.get("vcpus")), "ram_mb": _int(flavor.get("ram")),
             "disk_gb": _int(flavor.get("disk")), "enterprise_project_id": s.get("enterprise_project_id"),
             "availability_zone": s.get("OS-EXT-AZ:availability_zone"),
             "addresses": [a.get("addr") for net in (s.get("addresses") or {}).values() for a in net], "tags": tags},
        )

    async def _volumes(self, pid: str) -> AsyncIterator[Page]:
        url = self.url("evs", f"/v2/{pid}/cloudvolumes/detail")
        limit, offset = self.cfg.page_size, 0
        guard = MarkerGuard(self, "EVS volumes")
        while True:
            body = await self._get(pid, url, {"offset": offset, "limit": limit}, "list EVS volumes")
            items = body.get("volumes") or []
            if not items:
                return
            guard.check(items[0].get("id", str(offset)))
            yield [self._to_volume({"tenant_id": pid, **v}) for v in items]
            offset += len(items)
            if len(items) < limit or offset >= int(body.get("count", offset + 1)):
                return

    def _to_volume(self, v: dict) -> Resource:
        pid = v.get("os-vol-tenant-attr:tenant_id") or v.get("tenant_id") or self.cfg.project_id
        tags = tag_map(v.get("tags"))
        return Resource(
            self.name, "volume", v["id"], v.get("name") or "", VOLUME_STATES.get(v.get("status", ""), "unknown"),
            self._project(pid), self.cfg.region, v.get("status", ""), None, None, tags.get("system-id") or None,
            parse_time(v.get("created_at")),
            {"project_id": pid, "size_gb": v.get("size"), "volume_type": v.get("volume_type"), "bootable": str(v.get("bootable")).lower() == "true",
             "attached_to": [a.get("server_id") for a in v.get("attachments") or []], "availability_zone": v.get("availability_zone")},
        )

    async def _marker_pages(self, pid: str, path: str, key: str) -> AsyncIterator[list[dict]]:
        url = self.url("vpc", f"/v1/{pid}/{path}")
        limit, marker = self.cfg.page_size, None
        guard = MarkerGuard(self, f"VPC {key}")
        while True:
            params: dict[str, Any] = {"limit": limit}
            if marker:
                params["marker"] = marker
            items = [{"tenant_id": pid, **x} for x in (await self._get(pid, url, params, f"list {key}")).get(key) or []]
            if not items:
                return
            yield items
            if len(items) < limit:
                return
            marker = items[-1]["id"]
            guard.check(marker)

    async def _vpcs(self, pid: str) -> AsyncIterator[Page]:
        async for items in self._marker_pages(pid, "vpcs", "vpcs"):
            yield [Resource(self.name, "network", n["id"], n.get("name", ""), NET_STATES.get(n.get("status", ""), "unknown"),
                            self._project(n.get("tenant_id")), self.cfg.region, n.get("status", ""), created=parse_time(n.get("created_at")),
                            extra={"cidr": n.get("cidr"), "enterprise_project_id": n.get("enterprise_project_id")}) for n in items]

    async def _subnets(self, pid: str) -> AsyncIterator[Page]:
        async for items in self._marker_pages(pid, "subnets", "subnets"):
            yield [Resource(self.name, "subnet", s["id"], s.get("name", ""), NET_STATES.get(s.get("status", ""), "unknown"),
                            self._project(s.get("tenant_id")), self.cfg.region, s.get("status", ""), created=parse_time(s.get("created_at")),
                            extra={"cidr": s.get("cidr"), "gateway_ip": s.get("gateway_ip"), "network_id": s.get("vpc_id"),
                                   "ipv6_enable": s.get("ipv6_enable")}) for s in items]

    async def _eips(self, pid: str) -> AsyncIterator[Page]:
        async for items in self._marker_pages(pid, "publicips", "publicips"):
            yield [Resource(self.name, "floating_ip", e["id"], e.get("public_ip_address", ""), EIP_STATES.get(e.get("status", ""), "unknown"),
                            self._project(e.get("tenant_id")), self.cfg.region, e.get("status", ""), created=parse_time(e.get("create_time")),
                            extra={"address": e.get("public_ip_address"), "fixed_ip": e.get("private_ip_address"), "port_id": e.get("port_id"),
                                   "bandwidth_mbit": e.get("bandwidth_size"), "enterprise_project_id": e.get("enterprise_project_id")}) for e in items]

    async def _quota(self, pid: str) -> AsyncIterator[Page]:
        lim = (await self.get_json(self.url("ecs", f"/v1/{pid}/cloudservers/limits"), what="ECS limits", headers={"X-Project-Id": pid}, priority=FANOUT))["absolute"]
        extra: dict[str, Any] = {
            "project_id": pid,
            "vcpus_limit": lim.get("maxTotalCores"), "vcpus_used": lim.get("totalCoresUsed"),
            "ram_mb_limit": lim.get("maxTotalRAMSize"), "ram_mb_used": lim.get("totalRAMUsed"),
            "instances_limit": lim.get("maxTotalInstances"), "instances_used": lim.get("totalInstancesUsed"),
        }
        resp = await self.request("GET", self.url("evs", f"/v2/{pid}/os-quota-sets/{pid}"), params={"usage": "True"},
                                  headers={"X-Project-Id": pid}, ok=(404,), what="EVS quota", priority=FANOUT)
        if resp.status_code < 400:
            gb = json_of(resp).get("quota_set", {}).get("gigabytes", {})
            extra.update({"disk_gb_limit": gb.get("limit"), "disk_gb_used": gb.get("in_use")})
        name = self._project(pid)
        yield [Resource(self.name, "quota", pid, name, "active", name, self.cfg.region, extra=extra)]


def _int(v: Any) -> int | None:
    try:
        return int(v)
    except (TypeError, ValueError):
        return None
