"""Write verbs of the OpenStack driver: Nova metadata, stop and quotas, Cinder quotas, Keystone projects.

- tag: ``POST /servers/{id}/metadata {"metadata": {"system-id": ...}}`` merges the one item
  (``PUT`` would replace every item of the server's metadata);
- stop: ``POST /servers/{id}/action {"os-stop": null}`` (202), then the server is read until it
  is ``SHUTOFF``;
- quota: ``PUT /os-quota-sets/{project}`` (Nova: instances, cores, ram) and Cinder's
  ``PUT /os-quota-sets/{project}`` (volumes, gigabytes);
- project: ``POST /v3/projects`` in the token's domain.
"""

from __future__ import annotations

from typing import Any

from cloudctl.errors import ProviderError
from cloudctl.model import Resource
from cloudctl.providers.wire import json_of
from cloudctl.providers.writes import WriteResult, follow

NOVA_QUOTA = {"instances": "instances", "vcpus": "cores", "ram_mb": "ram"}
CINDER_QUOTA = {"volumes": "volumes", "volume_gb": "gigabytes"}
_MV = {"X-OpenStack-Nova-API-Version": "2.79"}


class OpenStackWrites:
    """Mixed into :class:`~cloudctl.providers.openstack.OpenStackDriver`."""

    writes = frozenset({"tag", "stop", "project", "quota"})
    # Nova refuses metadata changes on servers in these (normalized) states (409 conflictingRequest).
    tag_refused = frozenset({"error", "building"})

    # -- servers -------------------------------------------------------------------------------
    async def read_server(self, server_id: str, project_id: str = "") -> Resource | None:
        resp = await self.request("GET", self.endpoint("compute") + f"/servers/{server_id}", headers=_MV, ok=(404,), what="show server")
        return None if resp.status_code == 404 else self._to_server(json_of(resp)["server"])

    async def tag_server(self, server_id: str, project_id: str, system: str) -> WriteResult:
        out = WriteResult()
        out.add(await self.request("POST", self.endpoint("compute") + f"/servers/{server_id}/metadata",
                                   json_body={"metadata": {"system-id": system}}, what="set server metadata"))
        return out

    async def stop_server(self, server_id: str, project_id: str, deadline: float) -> WriteResult:
        out = WriteResult()
        out.add(await self.request("POST", self.endpoint("compute") + f"/servers/{server_id}/action", json_body={"os-stop": None},
                                   what="stop server"))

        async def stopped() -> bool | None:
            s = await self.read_server(server_id)
            if s is None:
                raise ProviderError(f"server {server_id} disappeared while stopping", provider=self.name)
            if s.raw_status == "ERROR":
                raise ProviderError(f"server {server_id} went to ERROR while stopping", provider=self.name, request_id=out.request_id)
            return True if s.raw_status == "SHUTOFF" else None

        await follow(self.name, f"stop server {server_id}", stopped, deadline)
        return out

    # -- projects ------------------------------------------------------------------------------
    async def read_project(self, name: str) -> Resource | None:
        resp = await self.request("GET", self.cfg.auth_url.rstrip("/") + "/projects", params={"name": name}, what="find project")
        found = [p for p in json_of(resp).get("projects", []) if p.get("name") == name]
        if not found:
            return None
        p = found[0]
        self._projects[p["id"]] = name
        return Resource(self.name, "project", p["id"], name, "active", name, self.region)

    async def create_project(self, name: str, description: str) -> WriteResult:
        out = WriteResult()
        body = {"project": {"name": name, "description": description, "enabled": True, "is_domain": False}}
        resp = out.add(await self.request("POST", self.cfg.auth_url.rstrip("/") + "/projects", json_body=body, what="create project"))
        pid = json_of(resp)["project"]["id"]
        self._projects[pid] = name
        out.detail["project_id"] = pid
        return out

    # -- quotas --------------------------------------------------------------------------------
    async def read_quota(self, project_id: str) -> dict[str, Any]:
        nova = (await self.get_json(self.endpoint("compute") + f"/os-quota-sets/{project_id}/detail", what="compute quota"))["quota_set"]
        cinder = (await self.get_json(self.endpoint("volumev3") + f"/os-quota-sets/{project_id}", {"usage": "True"}, "volume quota"))["quota_set"]
        out = {k: (nova.get(v) or {}).get("limit") for k, v in NOVA_QUOTA.items()}
        out.update({k: (cinder.get(v) or {}).get("limit") for k, v in CINDER_QUOTA.items()})
        return out

    async def set_quota(self, project_id: str, limits: dict[str, int]) -> WriteResult:
        out = WriteResult()
        nova = {NOVA_QUOTA[k]: v for k, v in limits.items() if k in NOVA_QUOTA}
        cinder = {CINDER_QUOTA[k]: v for k, v in limits.items() if k in CINDER_QUOTA}
        if nova:
            out.add(await self.request("PUT", self.endpoint("compute") + f"/os-quota-sets/{project_id}", json_body={"quota_set": nova},
                                       what="update compute quota"))
        if cinder:
            out.add(await self.request("PUT", self.endpoint("volumev3") + f"/os-quota-sets/{project_id}", json_body={"quota_set": cinder},
                                       what="update volume quota"))
        return out

