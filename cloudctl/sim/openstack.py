"""The OpenStack simulator (Tianhe 天河政务云; optionally an OpenStack-based 信创 cloud).

All services share one port under path prefixes, as devstack lays them out:
``/identity`` (Keystone v3), ``/compute/v2.1`` (Nova), ``/volume/v3/{project_id}`` (Cinder),
``/network/v2.0`` (Neutron), ``/placement``. Every response carries
``x-openstack-request-id: req-<uuid>``; injected faults use each service's error body.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.routing import Route

from cloudctl.sim.base import Clock, Fail, SimLayer, TokenStore, fail_handler, json_response
from cloudctl.sim.dataset import Cloud
from cloudctl.sim.faults import Faults
from cloudctl.sim.jobs import Jobs
from cloudctl.sim.openstack_compute import Compute, nova_error
from cloudctl.sim.openstack_identity import AppCredential, Identity, User, keystone_error
from cloudctl.sim.openstack_write import OpenStackWrites
from cloudctl.sim.openstack_network import NetworkService, Placement, neutron_error, placement_error


@dataclass(frozen=True)
class OpenStackCredentials:
    """Demo credentials the simulator accepts (written into the generated config)."""

    username: str = "admin"
    password: str = "tianhe-demo-password"
    member: str = "demo"
    member_password: str = "demo-password"
    reader: str = "cloudctl-reader"  # reader role: every GET of an admin, no write (403)
    reader_password: str = "tianhe-reader-password"
    app_credential_id: str = "c0ffee00c0ffee00c0ffee00c0ffee00"
    app_credential_secret: str = "tianhe-demo-app-secret"
    admin_project_id: str = "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0"


def _error_shape(status: int, message: str, path: str, rid: str = "") -> dict:
    if path.startswith("/network"):
        return neutron_error(status, message)
    if path.startswith("/placement"):
        return placement_error(status, message, rid)
    if path.startswith("/identity"):
        return keystone_error(status, message)
    return nova_error(status, message)


def _is_auth(method: str, path: str) -> bool:
    return path.rstrip("/").endswith("/identity/v3/auth/tokens") or path.rstrip("/") in ("/identity", "/identity/v3")


async def _not_found(request, exc):  # noqa: ANN001, ANN202
    return json_response(_error_shape(404, "The resource could not be found.", request.url.path), 404)


def openstack_app(cloud: Cloud, faults: Faults | None = None, creds: OpenStackCredentials | None = None, clock: Clock | None = None):
    """The ASGI app of one simulated OpenStack cloud."""
    faults = faults or Faults()
    creds = creds or OpenStackCredentials()
    tokens = TokenStore(faults, clock) if clock else TokenStore(faults)
    users = [
        User("u-admin-" + creds.admin_project_id[:8], creds.username, creds.password, admin=True),
        User("u-demo-" + creds.admin_project_id[:8], creds.member, creds.member_password, admin=False),
        User("u-reader-" + creds.admin_project_id[:8], creds.reader, creds.reader_password, admin=True, readonly=True),
    ]
    app_creds = [AppCredential(creds.app_credential_id, creds.app_credential_secret, creds.username, creds.admin_project_id)]
    ident = Identity(cloud, tokens, users, app_creds, creds.admin_project_id)
    nova = Compute(cloud, ident)
    nova.jobs = Jobs(faults.job_seconds, clock)
    writes = OpenStackWrites(nova, ident, nova.jobs)
    neutron = NetworkService(cloud, ident)
    placement = Placement(cloud, ident)
    get = ["GET"]
    routes = [
        Route("/identity", ident.versions, methods=get),
        Route("/identity/", ident.versions, methods=get),
        Route("/identity/v3", ident.version, methods=get),
        Route("/identity/v3/", ident.version, methods=get),
        Route("/identity/v3/auth/tokens", ident.issue, methods=["POST"]),
        Route("/identity/v3/auth/tokens", ident.revoke, methods=["DELETE"]),
        Route("/identity/v3/projects", ident.projects_list, methods=get),
        Route("/identity/v3/projects", writes.project_create, methods=["POST"]),
        Route("/identity/v3/auth/projects", ident.projects_list, methods=get),
        Route("/compute", nova.nova_versions, methods=get),
        Route("/compute/", nova.nova_versions, methods=get),
        Route("/compute/v2.1", nova.nova_version, methods=get),
        Route("/compute/v2.1/", nova.nova_version, methods=get),
        Route("/compute/v2.1/servers/detail", nova.servers_detail, methods=get),
        Route("/compute/v2.1/servers/{server_id}", nova.server_show, methods=get),
        Route("/compute/v2.1/servers/{server_id}/metadata", writes.metadata_update, methods=["POST", "PUT"]),
        Route("/compute/v2.1/servers/{server_id}/metadata/{key}", writes.metadata_item, methods=["PUT", "DELETE"]),
        Route("/compute/v2.1/servers/{server_id}/action", writes.server_action, methods=["POST"]),
        Route("/compute/v2.1/os-quota-sets/{project_id}", writes.nova_quota_update, methods=["PUT"]),
        Route("/compute/v2.1/flavors/detail", nova.flavors_detail, methods=get),
        Route("/compute/v2.1/os-quota-sets/{project_id}/detail", nova.nova_quotas, methods=get),
        Route("/volume", nova.cinder_versions, methods=get),
        Route("/volume/", nova.cinder_versions, methods=get),
        Route("/volume/v3/", nova.cinder_versions, methods=get),
        Route("/volume/v3/{project_id}/volumes/detail", nova.volumes_detail, methods=get),
        Route("/volume/v3/{project_id}/os-quota-sets/{target}", nova.cinder_quotas, methods=get),
        Route("/volume/v3/{project_id}/os-quota-sets/{target}", writes.cinder_quota_update, methods=["PUT"]),
        Route("/network", neutron.versions, methods=get),
        Route("/network/", neutron.versions, methods=get),
        Route("/network/v2.0/quotas/{project_id}/details", neutron.quotas, methods=get),
        Route("/network/v2.0/quotas/{project_id}/details.json", neutron.quotas, methods=get),
        Route("/network/v2.0/{collection}", neutron.listing, methods=get),
        Route("/placement", placement.root, methods=get),
        Route("/placement/", placement.root, methods=get),
        Route("/placement/resource_providers", placement.providers, methods=get),
        Route("/placement/resource_providers/{uuid}/inventories", placement.inventories, methods=get),
        Route("/placement/resource_providers/{uuid}/usages", placement.usages, methods=get),
    ]
    app = Starlette(routes=routes, exception_handlers={Fail: fail_handler, 404: _not_found, 405: _not_found})
    return SimLayer(app, faults, request_id_header="x-openstack-request-id",
                    make_request_id=lambda: f"req-{uuid.uuid4()}", error_shape=_error_shape, is_auth=_is_auth, tokens=tokens)
