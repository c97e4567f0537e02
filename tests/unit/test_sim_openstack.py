"""The OpenStack simulator speaks Keystone v3, Nova, Cinder, Neutron and Placement faithfully."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from cloudctl.sim import dataset
from cloudctl.sim.faults import Faults
from cloudctl.sim.openstack import OpenStackCredentials, openstack_app
from tests.unit.test_sim_dataset import asgi_client, small_cloud

CREDS = OpenStackCredentials()


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    return small_cloud(tmp_path_factory, "tianhe", servers=300, seed=11)


run = asyncio.run
client = asgi_client


def password_body(user=CREDS.username, password=CREDS.password, project=None, project_id=None):
    scope = {"project": {"id": project_id}} if project_id else {"project": {"name": project or "admin", "domain": {"name": "Default"}}}
    return {"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": user, "domain": {"name": "Default"}, "password": password}}}, "scope": scope}}


async def login(c: httpx.AsyncClient, **kw) -> tuple[str, dict]:
    r = await c.post("/identity/v3/auth/tokens", json=password_body(**kw))
    assert r.status_code == 201, r.text
    return r.headers["x-subject-token"], r.json()["token"]


async def list_all(c, token, url, key, params):
    """Follow rel=next links to the end, as a client would; return (items, pages)."""
    items, pages = [], 0
    next_url, next_params = url, params
    while next_url:
        r = await c.get(next_url, params=next_params, headers={"X-Auth-Token": token})
        assert r.status_code == 200, r.text
        body = r.json()
        items += body[key]
        pages += 1
        nxt = [link["href"] for link in body.get(f"{key}_links", []) if link["rel"] == "next"]
        next_url, next_params = (nxt[0], None) if nxt else (None, None)
        assert pages < 1000
    return items, pages


def test_password_token_has_catalog_expiry_project_and_request_id(cloud):
    async def go():
        async with client(openstack_app(cloud)) as c:
            r = await c.post("/identity/v3/auth/tokens", json=password_body(project="lvliang-gaj"))
            assert r.status_code == 201
            assert r.headers["x-openstack-request-id"].startswith("req-")
            tok = r.json()["token"]
            assert tok["project"]["name"] == "lvliang-gaj" and tok["expires_at"].endswith("Z")
            types = {s["type"]: s for s in tok["catalog"]}
            assert set(types) == {"compute", "volumev3", "network", "placement", "identity"}
            ifaces = {e["interface"] for e in types["compute"]["endpoints"]}
            assert ifaces == {"public", "internal", "admin"}
            assert types["volumev3"]["endpoints"][0]["url"].endswith(f"/volume/v3/{tok['project']['id']}")
            assert types["compute"]["endpoints"][0]["region_id"] == "RegionOne"

    run(go())


def test_bad_password_and_unknown_project_get_keystone_401(cloud):
    async def go():
        async with client(openstack_app(cloud)) as c:
            for body in (password_body(password="wrong"), password_body(project="no-such-project")):
                r = await c.post("/identity/v3/auth/tokens", json=body)
                assert r.status_code == 401
                assert r.json() == {"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}
                assert "x-subject-token" not in r.headers

    run(go())


def test_application_credential_auth(cloud):
    async def go():
        async with client(openstack_app(cloud)) as c:
            ac = {"auth": {"identity": {"methods": ["application_credential"], "application_credential": {"id": CREDS.app_credential_id, "secret": CREDS.app_credential_secret}}}}
            r = await c.post("/identity/v3/auth/tokens", json=ac)
            assert r.status_code == 201 and r.json()["token"]["project"]["name"] == "admin"
            ac["auth"]["identity"]["application_credential"]["secret"] = "nope"
            assert (await c.post("/identity/v3/auth/tokens", json=ac)).status_code == 401

    run(go())


def test_nova_pages_follow_next_links_and_cover_every_server_once(cloud):
    async def go():
        async with client(openstack_app(cloud)) as c:
            token, _ = await login(c)
            items, pages = await list_all(c, token, "/compute/v2.1/servers/detail", "servers", {"all_tenants": 1, "limit": 7})
            assert [s["id"] for s in items] == [s.id for s in cloud.servers]
            assert pages == -(-len(cloud.servers) // 7)

    run(go())


def test_nova_no_next_link_when_total_is_an_exact_multiple_or_empty(cloud):
    n = len(cloud.servers)

    async def go():
        async with client(openstack_app(cloud)) as c:
            token, _ = await login(c)
            h = {"X-Auth-Token": token}
            r = await c.get("/compute/v2.1/servers/detail", params={"all_tenants": 1, "limit": n}, headers=h)
            assert len(r.json()["servers"]) == n and "servers_links" not in r.json()
            last = cloud.servers[-1].id
            r = await c.get("/compute/v2.1/servers/detail", params={"all_tenants": 1, "limit": 5, "marker": last}, headers=h)
            assert r.json() == {"servers": []}
            r = await c.get("/compute/v2.1/servers/detail", params={"all_tenants": 1, "status": "shutoff"}, headers=h)
            assert {x["status"] for x in r.json()["servers"]} == {"SHUTOFF"}
            assert len(r.json()["servers"]) == sum(s.status == "stopped" for s in cloud.servers)
            r = await c.get("/compute/v2.1/servers/detail", params={"limit": 5}, headers=h)  # the admin project has no VMs
            assert r.json() == {"servers": []}
            r = await c.get("/compute/v2.1/servers/detail", params={"marker": "no-such"}, headers=h)
            assert r.status_code == 400 and r.json()["badRequest"]["code"] == 400

    run(go())


def test_member_sees_own_project_and_all_tenants_is_admin_only(cloud):
    async def go():
        async with client(openstack_app(cloud)) as c:
            token, tok = await login(c, user=CREDS.member, password=CREDS.member_password, project="lvliang-gaj")
            items, _ = await list_all(c, token, "/compute/v2.1/servers/detail", "servers", {"limit": 50})
            assert items and {s["tenant_id"] for s in items} == {tok["project"]["id"]}
            r = await c.get("/compute/v2.1/servers/detail", params={"all_tenants": 1}, headers={"X-Auth-Token": token})
            assert r.status_code == 403 and "forbidden" in r.json()

    run(go())


def test_microversion_2_79_embeds_flavor_with_cpu_arch_and_metadata_links_system(cloud):
    async def go():
        async with client(openstack_app(cloud)) as c:
            token, _ = await login(c)
            h = {"X-Auth-Token": token, "OpenStack-API-Version": "compute 2.79"}
            r = await c.get("/compute/v2.1/servers/detail", params={"all_tenants": 1}, headers=h)
            assert r.headers["openstack-api-version"] == "compute 2.79"
            servers = r.json()["servers"]
            tagged = [s for s in servers if "system-id" in s["metadata"]]
            assert tagged and all(s["flavor"]["extra_specs"]["capabilities:cpu_arch"] in ("x86_64", "aarch64") for s in servers)
            assert {"original_name", "vcpus", "ram", "disk"} <= set(servers[0]["flavor"])
            assert {s["status"] for s in servers} <= {"ACTIVE", "SHUTOFF", "ERROR", "BUILD"}
            r = await c.get("/compute/v2.1/servers/detail", params={"all_tenants": 1}, headers={"X-Auth-Token": token})  # 2.1: flavor by reference
            assert set(r.json()["servers"][0]["flavor"]) == {"id", "links"}
            r = await c.get("/compute/v2.1/servers/detail", headers={"X-Auth-Token": token, "X-OpenStack-Nova-API-Version": "2.200"})
            assert r.status_code == 406

    run(go())


def test_cinder_and_neutron_paginate_with_their_links(cloud):
    async def go():
        async with client(openstack_app(cloud)) as c:
            token, tok = await login(c)
            pid = tok["project"]["id"]
            vols, _ = await list_all(c, token, f"/volume/v3/{pid}/volumes/detail", "volumes", {"all_tenants": 1, "limit": 9})
            assert [v["id"] for v in vols] == [v.id for v in cloud.volumes]
            for kind, expected in (("ports", len(cloud.servers)), ("floatingips", len(cloud.floating_ips)), ("networks", len(cloud.networks))):
                items, _ = await list_all(c, token, f"/network/v2.0/{kind}", kind, {"limit": 4})
                assert len(items) == expected and len({i["id"] for i in items}) == expected
            h = {"X-Auth-Token": token}
            n = len(cloud.networks)
            exact = (await c.get("/network/v2.0/networks", params={"limit": n}, headers=h)).json()
            assert len(exact["networks"]) == n and not [x for x in exact["networks_links"] if x["rel"] == "next"]
            exact = (await c.get(f"/volume/v3/{pid}/volumes/detail", params={"all_tenants": 1, "limit": len(cloud.volumes)}, headers=h)).json()
            assert len(exact["volumes"]) == len(cloud.volumes) and "volumes_links" not in exact
            net = cloud.networks[0]
            ports = (await c.get("/network/v2.0/ports", params={"network_id": net.id}, headers=h)).json()["ports"]
            assert sorted(p["id"] for p in ports) == sorted(s.nic.port_id for s in cloud.servers if s.nic.network.id == net.id)
            down = (await c.get("/network/v2.0/floatingips", params={"status": "DOWN"}, headers=h)).json()["floatingips"]
            assert len(down) == sum(f.port_id is None for f in cloud.floating_ips)
            r = await c.get("/network/v2.0/ports", params={"colour": "red"}, headers=h)
            assert r.status_code == 400 and r.json()["NeutronError"]["type"] == "HTTPBadRequest"
            r = await c.get("/network/v2.0/networks", params={"marker": "nope", "limit": 2}, headers={"X-Auth-Token": token})
            assert r.status_code == 404 and r.json()["NeutronError"]["type"] == "NetworkNotFound"

    run(go())


def test_quotas_and_placement_capacity(cloud):
    async def go():
        async with client(openstack_app(cloud)) as c:
            token, _ = await login(c)
            h = {"X-Auth-Token": token}
            proj = cloud.projects[0].id
            q = (await c.get(f"/compute/v2.1/os-quota-sets/{proj}/detail", headers=h)).json()["quota_set"]
            mine = [s for s in cloud.servers if s.project_id == proj]
            assert q["cores"]["in_use"] == sum(s.flavor.vcpus for s in mine) <= q["cores"]["limit"]
            assert q["instances"]["in_use"] == len(mine)
            cq = (await c.get(f"/volume/v3/{proj}/os-quota-sets/{proj}", params={"usage": "true"}, headers=h)).json()["quota_set"]
            assert cq["gigabytes"]["in_use"] == sum(v.size_gb for v in cloud.volumes if v.project_id == proj)
            nq = (await c.get(f"/network/v2.0/quotas/{proj}/details", headers=h)).json()["quota"]
            assert nq["floatingip"]["used"] == sum(f.project_id == proj for f in cloud.floating_ips)
            ph = {**h, "OpenStack-API-Version": "placement 1.14"}
            rps = (await c.get("/placement/resource_providers", headers=ph)).json()["resource_providers"]
            assert len(rps) == len(cloud.hosts)
            vcpus = 0
            for rp in rps:
                inv = (await c.get(f"/placement/resource_providers/{rp['uuid']}/inventories", headers=ph)).json()["inventories"]
                assert inv["VCPU"]["allocation_ratio"] > 1 and inv["MEMORY_MB"]["total"] > 0
                vcpus += (await c.get(f"/placement/resource_providers/{rp['uuid']}/usages", headers=ph)).json()["usages"]["VCPU"]
            assert vcpus == sum(s.flavor.vcpus for s in cloud.servers if s.status != "error")
            r = await c.get("/placement/resource_providers", headers={**h, "OpenStack-API-Version": "placement 9.0"})
            assert r.status_code == 406 and r.json()["errors"][0]["status"] == 406

    run(go())


def test_token_expires_after_n_uses_with_keystone_401(cloud):
    async def go():
        async with client(openstack_app(cloud, Faults(token_uses=2))) as c:
            token, _ = await login(c)
            h = {"X-Auth-Token": token}
            assert (await c.get("/compute/v2.1/flavors/detail", headers=h)).status_code == 200
            assert (await c.get("/compute/v2.1/flavors/detail", headers=h)).status_code == 200
            r = await c.get("/compute/v2.1/flavors/detail", headers=h)
            assert r.status_code == 401 and r.json()["error"]["code"] == 401
            token2, _ = await login(c)
            assert (await c.get("/compute/v2.1/flavors/detail", headers={"X-Auth-Token": token2})).status_code == 200

    run(go())


def test_token_expires_by_time():
    now = [1000.0]
    cloud = dataset.build(None, seed=1).clouds["tianhe"]

    async def go():
        async with client(openstack_app(cloud, Faults(token_ttl=60), clock=lambda: now[0])) as c:
            token, tok = await login(c)
            assert (await c.get("/compute/v2.1/flavors/detail", headers={"X-Auth-Token": token})).status_code == 200
            now[0] += 61
            assert (await c.get("/compute/v2.1/flavors/detail", headers={"X-Auth-Token": token})).status_code == 401

    run(go())


def test_throttle_burst_gets_429_with_retry_after_then_recovers(cloud):
    async def go():
        async with client(openstack_app(cloud, Faults(throttle_burst=2, throttle_every=5, retry_after=3))) as c:
            token, _ = await login(c)  # auth is exempt from faults
            codes = []
            for _ in range(5):
                r = await c.get("/compute/v2.1/flavors/detail", headers={"X-Auth-Token": token})
                codes.append(r.status_code)
                if r.status_code == 429:
                    assert r.headers["retry-after"] == "3" and r.json()["overLimit"]["code"] == 429
                    assert r.headers["x-openstack-request-id"].startswith("req-")
            assert codes == [429, 429, 200, 200, 200]

    run(go())


def test_truncated_body_is_invalid_json_with_consistent_length(cloud):
    async def go():
        async with client(openstack_app(cloud, Faults(truncate_rate=1.0))) as c:
            token, _ = await login(c)
            r = await c.get("/compute/v2.1/flavors/detail", headers={"X-Auth-Token": token})
            assert r.status_code == 200 and int(r.headers["content-length"]) == len(r.content)
            with pytest.raises(json.JSONDecodeError):
                json.loads(r.content)

    run(go())


def test_error_rate_gives_5xx_in_service_shape(cloud):
    async def go():
        async with client(openstack_app(cloud, Faults(error_rate=1.0))) as c:
            token, _ = await login(c)
            r = await c.get("/network/v2.0/networks", headers={"X-Auth-Token": token})
            assert r.status_code in (500, 502, 503) and "NeutronError" in r.json()

    run(go())
