"""ZStack Cloud REST API (a common 信创 platform).

Facts this driver relies on (ZStack Cloud API reference):

- ``PUT /zstack/v1/accounts/login`` with ``{"logInByAccount": {"accountName", "password"}}`` where
  the password is its SHA-512 hex digest → ``inventory.uuid`` is the session; requests carry
  ``Authorization: OAuth <session>``; ``DELETE /zstack/v1/accounts/sessions/{uuid}`` logs out.
  AK/SK alternative: ``Authorization: ZStack <AK>:<base64 HMAC-SHA1(SK, "METHOD\\nDATE\\nURI")>``
  with an RFC 1123 ``Date`` header.
- Queries page with ``start``/``limit``/``replyWithCount=true`` → ``{"inventories": [...], "total": N}``.
- User tags (``GET /zstack/v1/user-tags?q=resourceType=VmInstanceVO``) hold ``system-id::sys-0001``.
- Dates come as ``"May 11, 2017 1:23:02 PM"``, ISO, or epoch ms; memory and sizes in bytes.
- Errors: ``{"error": {"code", "description", "details"}}``.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import hmac
from collections.abc import AsyncIterator
from typing import Any

import httpx

from cloudctl.config import ZStackProvider
from cloudctl.errors import AuthError
from cloudctl.model import Resource
from cloudctl.providers.base import Driver
from cloudctl.providers.paging import MarkerGuard, Page
from cloudctl.providers.wire import json_of, normalize_arch, parse_time
from cloudctl.providers.zstack_write import ZStackWrites
from cloudctl.redact import remember_secret

VM_STATES = {
    "Running": "active", "Starting": "building", "Created": "building", "Rebooting": "active", "Migrating": "active",
    "VolumeMigrating": "active", "Stopping": "stopped", "Stopped": "stopped", "Paused": "paused", "Pausing": "paused",
    "Resuming": "building", "Destroying": "deleted", "Destroyed": "deleted", "Expunging": "deleted", "Unknown": "unknown",
    "Crashed": "error", "Error": "error",
}
VOLUME_STATES = {"Ready": "in_use", "NotInstantiated": "available", "Creating": "building", "Deleted": "deleted", "Expunged": "deleted"}
ENABLED = {"Enabled": "active", "Disabled": "down"}
GIB = 1024**3
MIB = 1024**2




class ZStackDriver(ZStackWrites, Driver):
    driver = "zstack"
    kinds = ("project", "server", "volume", "network", "subnet", "floating_ip", "quota", "capacity")
    cfg: ZStackProvider

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._session: str | None = None
        self._tags: dict[str, dict[str, str]] | None = None  # resource uuid -> tag key -> value
        self._owner: dict[str, str] = {}  # resource uuid -> project name
        self._iam2: list[dict] = []
        self._accounts: dict[str, str] = {}  # Normal account uuid -> name
        self._read_tags: dict[str, list[dict]] = {}  # VM uuid -> its user tags as last read back (write verbs)

    def api(self, path: str) -> str:
        return self.cfg.endpoint.rstrip("/") + "/zstack/v1" + path

    # -- auth ------------------------------------------------------------------------------
    async def login(self) -> None:
        if self.cfg.access_key_id:
            return
        digest = hashlib.sha512(self.secret(self.cfg.password).encode()).hexdigest()
        remember_secret(digest)  # the digest logs in as well as the password does
        resp = await self.request("PUT", self.api("/accounts/login"), json_body={"logInByAccount": {"accountName": self.cfg.account, "password": digest}},
                                  auth=False, what="ZStack login")
        session = (json_of(resp).get("inventory") or {}).get("uuid")
        if not session:
            raise AuthError("ZStack login answered without a session uuid", provider=self.name, http_status=resp.status_code)
        self._session = session
        remember_secret(session)

    async def logout(self) -> None:
        if self._session:
            session, self._session = self._session, None
            await self.request("DELETE", self.api(f"/accounts/sessions/{session}"), auth=False, ok=(401, 404), retry=False,
                               headers={"Authorization": f"OAuth {session}"}, what="ZStack logout")

    def needs_login(self) -> bool:
        return not self.cfg.access_key_id and self._session is None

    @property
    def session_auth(self) -> bool:
        return not self.cfg.access_key_id

    async def _auth_headers(self, method: str, url: httpx.URL, headers: dict[str, str], body: bytes) -> dict[str, str]:
        if self.cfg.access_key_id:
            date = email.utils.formatdate(usegmt=True)
            to_sign = f"{method.upper()}\n{date}\n{url.path}"
            sig = base64.b64encode(hmac.new(self.secret(self.cfg.access_key_secret).encode(), to_sign.encode(), hashlib.sha1).digest()).decode()
            return {**headers, "Date": date, "Authorization": f"ZStack {self.cfg.access_key_id}:{sig}"}
        return {**headers, "Authorization": f"OAuth {self._session}"}

    async def check(self) -> str:
        await self.login()
        url = self.api("/vm-instances")
        await self.request("GET", url, params={"count": "true"}, what="count VM instances")
        return url

    # -- paging ----------------------------------------------------------------------------
    async def query(self, path: str, q: list[str] | None = None) -> AsyncIterator[list[dict]]:
        """Every inventory of a query API, page by page (``start``/``limit``/``replyWithCount``)."""
        limit, start = self.cfg.page_size, 0
        guard = MarkerGuard(self, f"query {path}")
        while True:
            params: list[tuple[str, Any]] = [("start", start), ("limit", limit), ("replyWithCount", "true")]
            params += [("q", c) for c in q or ()]
            resp = await self.request("GET", httpx.URL(self.api(path), params=params), what=f"query {path}")
            body = json_of(resp)
            items = body.get("inventories") or []
            if not items:
                return
            guard.check(str(items[0].get("uuid", start)))
            yield items
            start += len(items)
            if len(items) < limit or start >= int(body.get("total", start + 1)):
                return

    async def load_projects(self) -> None:
        """User tags (``system-id::``, ``project::``) and, where IAM2 exists, project ownership."""
        if self._tags is None:
            tags: dict[str, dict[str, str]] = {}
            async for items in self.query("/user-tags"):
                for t in items:
                    key, _, value = str(t.get("tag", "")).partition("::")
                    tags.setdefault(t.get("resourceUuid", ""), {})[key] = value
            self._tags = tags
        resp = await self.request("GET", self.api("/accounts"), params={"q": "type=Normal"}, ok=(400, 403, 404), what="list accounts")
        if resp.status_code < 400:  # without IAM2, a tenant is a Normal account (quotas are set per account)
            self._accounts = {a["uuid"]: a.get("name", a["uuid"]) for a in json_of(resp).get("inventories", [])}
        resp = await self.request("GET", self.api("/iam2/projects"), params={"replyWithCount": "true"}, ok=(404, 403), what="list projects")
        projects = {p.get("linkedAccountUuid") or p["uuid"]: p.get("name", p["uuid"]) for p in json_of(resp).get("inventories", [])} if resp.status_code < 400 else {}
        self._iam2 = json_of(resp).get("inventories", []) if resp.status_code < 400 else []
        if projects:  # IAM2: a project's linked account owns its resources
            async for items in self.query("/accounts/resources/refs"):
                for ref in items:
                    name = projects.get(ref.get("accountUuid") or ref.get("ownerAccountUuid", ""))
                    if name:
                        self._owner[ref.get("resourceUuid", "")] = name

    async def pages(self, kind: str) -> AsyncIterator[Page]:  # type: ignore[override]
        fetch = {"project": self._projects, "server": self._servers, "volume": self._volumes, "network": self._l3,
                 "subnet": self._ranges, "floating_ip": self._eips, "quota": self._quotas, "capacity": self._capacity}[kind]
        async for page in fetch():
            yield page

    def _res(self, kind: str, x: dict, status_map: dict[str, str], state_key: str = "state", **kw: Any) -> Resource:
        raw = x.get(state_key) or ""
        tags = (self._tags or {}).get(x.get("uuid", ""), {})
        return Resource(self.name, kind, x["uuid"], x.get("name", ""), status_map.get(raw, "unknown"),
                        self._owner.get(x["uuid"]) or tags.get("project", ""), self.cfg.region or x.get("zoneUuid", ""),
                        raw, created=parse_time(x.get("createDate")), **kw)

    async def _projects(self) -> AsyncIterator[Page]:
        if self._iam2:
            yield [self._res("project", p, ENABLED) for p in self._iam2]
            return
        names = sorted({t["project"] for t in (self._tags or {}).values() if t.get("project")} | set(self._owner.values())
                       | set(self._accounts.values()))
        if names:  # no IAM2: the tenants named by the ``project::`` user tags (and Normal accounts)
            account = {name: uuid for uuid, name in self._accounts.items()}
            yield [Resource(self.name, "project", account.get(n, n), n, "active", n, self.cfg.region or "") for n in names]

    async def _servers(self) -> AsyncIterator[Page]:
        async for items in self.query("/vm-instances"):
            yield [self._to_server(v) for v in items]

    def _to_server(self, v: dict) -> Resource:
        tags = (self._tags or {}).get(v["uuid"], {})
        return self._res("server", v, VM_STATES, arch=normalize_arch(v.get("architecture")), os=v.get("guestOsType") or v.get("platform"),
                         system=tags.get("system-id"),
                         extra={"vcpus": v.get("cpuNum"), "ram_mb": (v.get("memorySize") or 0) // MIB, "host": v.get("hostUuid"),
                                "instance_offering": v.get("instanceOfferingUuid"), "type": v.get("type"),
                                "addresses": [n.get("ip") for n in v.get("vmNics") or []]})

    async def _volumes(self) -> AsyncIterator[Page]:
        async for items in self.query("/volumes"):
            yield [self._res("volume", v, VOLUME_STATES, "status",
                             extra={"size_gb": (v.get("size") or 0) // GIB, "type": v.get("type"), "attached_to": [v["vmInstanceUuid"]] if v.get("vmInstanceUuid") else [],
                                    "primary_storage": v.get("primaryStorageUuid"), "enabled": v.get("state") == "Enabled"}) for v in items]

    async def _l3(self) -> AsyncIterator[Page]:
        async for items in self.query("/l3-networks"):
            yield [self._res("network", n, ENABLED, extra={"l2_network": n.get("l2NetworkUuid"), "category": n.get("category"),
                                                           "cidrs": [r.get("networkCidr") for r in n.get("ipRanges") or []]}) for n in items]

    async def _ranges(self) -> AsyncIterator[Page]:
        async for items in self.query("/l3-networks"):
            yield [Resource(self.name, "subnet", r["uuid"], r.get("name", ""), "active", self._res("network", n, ENABLED).project, self.cfg.region or n.get("zoneUuid", ""),
                            created=parse_time(r.get("createDate")),
                            extra={"cidr": r.get("networkCidr"), "gateway_ip": r.get("gateway"), "network_id": n["uuid"],
                                   "start_ip": r.get("startIp"), "end_ip": r.get("endIp")}) for n in items for r in n.get("ipRanges") or []]

    async def _eips(self) -> AsyncIterator[Page]:
        async for items in self.query("/eips"):
            yield [self._res("floating_ip", e, ENABLED, extra={"address": e.get("vipIp"), "fixed_ip": e.get("guestIp"),
                                                               "vm_nic": e.get("vmNicUuid"), "vip": e.get("vipUuid")}) for e in items]

    async def _quotas(self) -> AsyncIterator[Page]:
        resp = await self.request("GET", self.api("/accounts/quotas"), ok=(404,), what="account quotas")
        if resp.status_code >= 400:
            return
        limits: dict[str, dict[str, Any]] = {}
        for q in json_of(resp).get("inventories", []):
            limits.setdefault(q.get("identityUuid", ""), {})[q.get("name", "")] = q.get("value")
        out = []
        for owner, values in sorted(limits.items()):
            extra = {"vcpus_limit": values.get("vm.cpuNum"), "ram_mb_limit": _div(values.get("vm.memorySize"), MIB),
                     "disk_gb_limit": _div(values.get("volume.capacity"), GIB), "instances_limit": values.get("vm.totalNum"),
                     "volumes_limit": values.get("volume.data.num"), "project_id": owner}
            name = self._accounts.get(owner, owner)
            out.append(Resource(self.name, "quota", owner, name, "active", name, self.cfg.region or "", extra=extra))
        if out:
            yield out

    async def _capacity(self) -> AsyncIterator[Page]:
        """Per host: CPU (after overcommit) and memory capacity from the host inventories."""
        async for items in self.query("/hosts"):
            yield [Resource(self.name, "capacity", h["uuid"], h.get("name", ""), ENABLED.get(h.get("state", ""), "unknown"), "",
                            self.cfg.region or h.get("zoneUuid", ""), h.get("status", ""), arch=normalize_arch(h.get("architecture")),
                            extra={"vcpus_total": h.get("totalCpuCapacity"), "vcpus_used": _sub(h.get("totalCpuCapacity"), h.get("availableCpuCapacity")),
                                   "vcpus_physical": h.get("cpuNum"), "ram_mb_total": _div(h.get("totalMemoryCapacity"), MIB),
                                   "ram_mb_used": _div(_sub(h.get("totalMemoryCapacity"), h.get("availableMemoryCapacity")), MIB)})
                   for h in items]


def _sub(a: Any, b: Any) -> Any:
    return a - b if isinstance(a, (int, float)) and isinstance(b, (int, float)) else None


def _div(a: Any, d: int) -> Any:
    return int(a // d) if isinstance(a, (int, float)) else None
