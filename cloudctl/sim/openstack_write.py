"""The write APIs of the OpenStack simulator: Nova metadata, stop and quotas, Cinder quotas, Keystone projects.

Each validates as the real service does and keeps the change, so a later listing sees it:

- ``POST /servers/{id}/metadata`` merges items, ``PUT`` replaces them all, ``PUT|DELETE
  /servers/{id}/metadata/{key}`` set or drop one; refused (409) while the server is in error,
  being built or has a task running, 403 beyond 128 items (``metadata_items``).
- ``POST /servers/{id}/action {"os-stop": null}`` answers 202 and powers the server off in the
  background (``task_state: powering-off`` until it is ``SHUTOFF``); 409 unless it is ACTIVE or
  ERROR.
- ``PUT /os-quota-sets/{project}`` (Nova) and ``PUT /volume/v3/{p}/os-quota-sets/{project}``
  (Cinder): admin only; a limit below what is in use is refused (400) unless ``force``.
- ``POST /identity/v3/projects``: admin only; a duplicate name in the domain is 409.

A read-only credential (the ``reader`` role) may read everything and gets 403 on every write.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from cloudctl.sim.base import Fail, Token, json_response
from cloudctl.sim.dataset import Project, Server
from cloudctl.sim.jobs import Jobs
from cloudctl.sim.openstack_compute import Compute, nova_error
from cloudctl.sim.openstack_identity import DOMAIN, Identity, keystone_error

METADATA_ITEMS = 128
NOVA_QUOTA_KEYS = ("instances", "cores", "ram", "key_pairs", "metadata_items", "server_groups", "server_group_members")
CINDER_QUOTA_KEYS = ("volumes", "gigabytes", "snapshots", "backups", "backup_gigabytes", "groups", "per_volume_gigabytes")
_VM_STATE = {"running": "active", "stopped": "stopped", "error": "error", "building": "building"}


async def _json(request: Request, error) -> Any:  # noqa: ANN001
    try:
        return json.loads(await request.body() or b"null")
    except ValueError:
        raise Fail(400, error(400, "Malformed request body")) from None


class OpenStackWrites:
    """Write handlers sharing the state of one simulated cloud's :class:`Compute` and :class:`Identity`."""

    def __init__(self, compute: Compute, identity: Identity, jobs: Jobs) -> None:
        self.nova = compute
        self.identity = identity
        self.jobs = jobs

    # -- permissions -------------------------------------------------------------------------
    def _writer(self, request: Request, rule: str, error=nova_error, admin_only: bool = False) -> Token:  # noqa: ANN001
        self.jobs.run_due()
        tok = self.identity.check(request)
        if tok.context.get("readonly") or (admin_only and not tok.context["admin"]):
            raise Fail(403, error(403, f"Policy doesn't allow {rule} to be performed."))
        return tok

    def _server(self, tok: Token, server_id: str) -> Server:
        s = self.nova.servers_by_id.get(server_id)
        if s is None or not (tok.context["admin"] or s.project_id == tok.context["project_id"]):
            raise Fail(404, nova_error(404, f"Instance {server_id} could not be found."))
        return s

    # -- Nova metadata -------------------------------------------------------------------------
    def _metadata(self, s: Server) -> dict[str, str]:
        meta = {"os_distro": s.os_distro, "os": s.os, **s.tags}
        if s.system_id:
            meta["system-id"] = s.system_id
        return meta

    def _check_mutable(self, s: Server, what: str) -> None:
        task = self.nova.tasks.get(s.id)
        if s.status in ("error", "building") or task:
            state = f"task_state {task}" if task else f"vm_state {_VM_STATE[s.status]}"
            raise Fail(409, nova_error(409, f"Cannot '{what}' instance {s.id} while it is in {state}"))

    def _store_metadata(self, s: Server, meta: dict[str, str]) -> None:
        if len(meta) > METADATA_ITEMS:
            raise Fail(403, nova_error(403, f"Quota exceeded for metadata_items: Requested {len(meta)}, but already used 0 of {METADATA_ITEMS} metadata_items"))
        s.system_id = meta.pop("system-id", None)
        for k in ("os_distro", "os"):
            if meta.get(k) == getattr(s, k):
                meta.pop(k)
        s.tags = meta
        s.rev += 1

    @staticmethod
    def _items(body: Any, key: str) -> dict[str, str]:
        items = body.get(key) if isinstance(body, dict) else None
        if not isinstance(items, dict):
            raise Fail(400, nova_error(400, f"Invalid input for field/attribute {key}. Value: {json.dumps(body)}. {key!r} is a required property"))
        for k, v in items.items():
            if not isinstance(k, str) or not 1 <= len(k) <= 255:
                raise Fail(400, nova_error(400, f"Invalid input for field/attribute {key}. Metadata keys are 1 to 255 characters"))
            if not isinstance(v, str) or len(v) > 255:
                raise Fail(400, nova_error(400, f"Invalid input for field/attribute {key}. Value of {k!r} must be a string of at most 255 characters"))
        return items

    async def metadata_update(self, request: Request) -> Response:
        """``POST`` merges the given items; ``PUT`` replaces all of them."""
        tok = self._writer(request, "os_compute_api:server-metadata:update")
        s = self._server(tok, request.path_params["server_id"])
        items = self._items(await _json(request, nova_error), "metadata")
        self._check_mutable(s, "update_instance_metadata")
        meta = {**self._metadata(s), **items} if request.method == "POST" else dict(items)
        self._store_metadata(s, meta)
        return json_response({"metadata": self._metadata(s)})

    async def metadata_item(self, request: Request) -> Response:
        tok = self._writer(request, "os_compute_api:server-metadata:update")
        s = self._server(tok, request.path_params["server_id"])
        key = request.path_params["key"]
        meta = self._metadata(s)
        if request.method == "DELETE":
            if key not in meta:
                raise Fail(404, nova_error(404, f"Metadata item was not found for key {key}"))
            self._check_mutable(s, "delete_instance_metadata")
            meta.pop(key)
            self._store_metadata(s, meta)
            return Response(status_code=204)
        items = self._items(await _json(request, nova_error), "meta")
        if list(items) != [key]:
            raise Fail(400, nova_error(400, "Request body and URI mismatch"))
        self._check_mutable(s, "update_instance_metadata")
        self._store_metadata(s, {**meta, **items})
        return json_response({"meta": items})

    # -- Nova actions --------------------------------------------------------------------------
    async def server_action(self, request: Request) -> Response:
        tok = self._writer(request, "os_compute_api:servers:stop")
        s = self._server(tok, request.path_params["server_id"])
        body = await _json(request, nova_error)
        if not isinstance(body, dict) or len(body) != 1:
            raise Fail(400, nova_error(400, "Malformed request body: exactly one action is expected"))
        action = next(iter(body))
        if action != "os-stop":
            raise Fail(400, nova_error(400, f"There is no such action: {action}"))
        if s.status not in ("running", "error") or self.nova.tasks.get(s.id):
            state = f"task_state {self.nova.tasks[s.id]}" if self.nova.tasks.get(s.id) else f"vm_state {_VM_STATE[s.status]}"
            raise Fail(409, nova_error(409, f"Cannot 'stop' instance {s.id} while it is in {state}"))
        self.nova.tasks[s.id] = "powering-off"
        s.rev += 1

        def power_off() -> None:
            s.status = "stopped"
            self.nova.tasks.pop(s.id, None)
            s.rev += 1

        self.jobs.submit(f"stop-{s.id}-{s.rev}", "stop", power_off)
        return Response(status_code=202)

    # -- quotas --------------------------------------------------------------------------------
    async def nova_quota_update(self, request: Request) -> Response:
        tok = self._writer(request, "os_compute_api:os-quota-sets:update", admin_only=True)
        pid = request.path_params["project_id"]
        self.nova._target_project(tok, pid, nova_error)
        values = self._quota_body(await _json(request, nova_error), NOVA_QUOTA_KEYS, nova_error)
        force = values.pop("force", False)
        servers = self.nova.by_project.get(pid, [])
        used = {"instances": len(servers), "cores": sum(s.flavor.vcpus for s in servers), "ram": sum(s.flavor.ram_mb for s in servers)}
        for k, v in values.items():
            if not force and v != -1 and v < used.get(k, 0):
                raise Fail(400, nova_error(400, f"Quota limit {v} for {k} must be greater than or equal to already used and reserved {used[k]}."))
        self.nova.nova_limits.setdefault(pid, {}).update(values)
        return json_response({"quota_set": self.nova.nova_quota_limits(pid)}, headers={"OpenStack-API-Version": "compute 2.79"})

    async def cinder_quota_update(self, request: Request) -> Response:
        tok = self._writer(request, "volume_extension:quotas:update", admin_only=True)
        target = request.path_params["target"]
        self.nova._target_project(tok, target, nova_error)
        values = self._quota_body(await _json(request, nova_error), CINDER_QUOTA_KEYS, nova_error)
        values.pop("force", None)
        vols = self.nova.vols_by_project.get(target, [])
        used = {"volumes": len(vols), "gigabytes": sum(v.size_gb for v in vols)}
        for k, v in values.items():
            if v != -1 and v < used.get(k, 0):
                raise Fail(400, nova_error(400, f"Quota {k} limit must be equal or greater than existing resources. Current usage is {used[k]} and the requested limit is {v}."))
        self.nova.cinder_limits.setdefault(target, {}).update(values)
        return json_response({"quota_set": self.nova.cinder_quota_limits(target)})

    @staticmethod
    def _quota_body(body: Any, keys: tuple[str, ...], error) -> dict[str, Any]:  # noqa: ANN001
        qs = body.get("quota_set") if isinstance(body, dict) else None
        if not isinstance(qs, dict) or not qs:
            raise Fail(400, error(400, "Invalid input for field/attribute quota_set. 'quota_set' is a required property"))
        out: dict[str, Any] = {}
        for k, v in qs.items():
            if k == "force":
                out[k] = bool(v)
                continue
            if k not in keys:
                raise Fail(400, error(400, f"Invalid input for field/attribute quota_set. Additional properties are not allowed ('{k}' was unexpected)"))
            if isinstance(v, bool) or not isinstance(v, int) or v < -1:
                raise Fail(400, error(400, f"Invalid input for field/attribute {k}. Value: {v}. must be an integer of at least -1"))
            out[k] = v
        return out

    # -- Keystone -------------------------------------------------------------------------------
    async def project_create(self, request: Request) -> Response:
        self._writer(request, "identity:create_project", error=keystone_error, admin_only=True)
        body = await _json(request, keystone_error)
        p = body.get("project") if isinstance(body, dict) else None
        name = p.get("name") if isinstance(p, dict) else None
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 64:
            raise Fail(400, keystone_error(400, "Invalid input for field 'name': a project name of 1 to 64 characters is required."))
        if p.get("domain_id", DOMAIN["id"]) != DOMAIN["id"]:
            raise Fail(400, keystone_error(400, f"Could not find domain: {p.get('domain_id')}."))
        if any(x.name == name for x in self.identity.projects):
            raise Fail(409, keystone_error(409, f"Conflict occurred attempting to store project - it is not permitted to have two projects with the same name in the same domain : {name}."))
        project = Project(uuid.uuid4().hex, name, str(p.get("description") or ""))
        self.nova.cloud.projects.append(project)
        self.identity.projects.append(project)
        return json_response({"project": self.identity.project_body(request, project)}, 201)
