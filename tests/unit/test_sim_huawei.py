"""The Huawei simulator: AK/SK as the official SDK signs it, IAM tokens, each API's paging and errors."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from cloudctl.sim.faults import Faults
from cloudctl.sim.huawei import HuaweiCredentials, huawei_app
from tests.unit.test_sim_dataset import asgi_client, small_cloud

CREDS = HuaweiCredentials()
HOST = "sim.test"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    return small_cloud(tmp_path_factory, "huawei", servers=400, seed=21)


run = asyncio.run
client = asgi_client


def official_sign(method: str, path: str, project_id: str, query: dict | None = None, sk: str = CREDS.sk, date: str | None = None, body: str = ""):
    """Sign with huaweicloudsdkcore's own Signer; return (uri, headers) to send."""
    headers = {"X-Project-Id": project_id, "Content-Type": "application/json"}
    if date:
        headers["X-Sdk-Date"] = date
    req = SdkRequest(method=method, schema="http", host=HOST, resource_path=path, query_params=list((query or {}).items()),
                     header_params=headers, body=body)
    Signer(BasicCredentials(CREDS.ak, sk, project_id)).sign(req)
    return req.uri, dict(req.header_params)


async def get(c, path, pid, query=None, **kw):
    uri, headers = official_sign("GET", path, pid, query, **kw)
    return await c.get(uri, headers=headers)


def test_official_sdk_signature_is_accepted_and_request_id_returned(cloud):
    pid = cloud.projects[0].id

    async def go():
        async with client(huawei_app(cloud)) as c:
            r = await get(c, f"/v1/{pid}/cloudservers/detail", pid, {"offset": 1, "limit": 10})
            assert r.status_code == 200, r.text
            assert len(r.headers["x-request-id"]) == 32
            body = r.json()
            assert body["count"] == sum(s.project_id == pid for s in cloud.servers)

    run(go())


@pytest.mark.parametrize("tamper", ["wrong_sk", "changed_query", "stale_date"])
def test_bad_signature_gets_401_apigw_0301(cloud, tamper):
    pid = cloud.projects[0].id

    async def go():
        async with client(huawei_app(cloud)) as c:
            path = f"/v1/{pid}/cloudservers/detail"
            if tamper == "wrong_sk":
                r = await get(c, path, pid, {"limit": 5}, sk="not-the-secret")
            elif tamper == "changed_query":
                uri, headers = official_sign("GET", path, pid, {"limit": 5})
                r = await c.get(uri.replace("limit=5", "limit=6"), headers=headers)
            else:
                old = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=16)).strftime("%Y%m%dT%H%M%SZ")
                r = await get(c, path, pid, {"limit": 5}, date=old)
            assert r.status_code == 401
            body = r.json()
            assert body["error_code"] == "APIGW.0301" and body["error_msg"] and body["request_id"] == r.headers["x-request-id"]

    run(go())


def test_ecs_offset_is_a_page_number_from_one(cloud):
    pid = max(cloud.projects, key=lambda p: sum(s.project_id == p.id for s in cloud.servers)).id
    mine = [s.id for s in cloud.servers if s.project_id == pid]
    assert len(mine) > 10

    async def go():
        async with client(huawei_app(cloud)) as c:
            seen, page = [], 1
            while True:
                body = (await get(c, f"/v1/{pid}/cloudservers/detail", pid, {"offset": page, "limit": 4})).json()
                assert body["count"] == len(mine)
                if not body["servers"]:
                    break
                seen += [s["id"] for s in body["servers"]]
                page += 1
            assert seen == mine
            exact = (await get(c, f"/v1/{pid}/cloudservers/detail", pid, {"offset": 1, "limit": len(mine)})).json()
            assert len(exact["servers"]) == len(mine)
            beyond = (await get(c, f"/v1/{pid}/cloudservers/detail", pid, {"offset": 2, "limit": len(mine)})).json()
            assert beyond == {"count": len(mine), "servers": []}
            r = await get(c, f"/v1/{pid}/cloudservers/detail", pid, {"limit": 1001})
            assert r.status_code == 400 and r.json()["error_code"] == "Ecs.0005"

    run(go())


def test_ecs_server_fields_tags_and_kunpeng_flavors(cloud):
    async def go():
        async with client(huawei_app(cloud)) as c:
            servers = []
            for p in cloud.projects:
                servers += (await get(c, f"/v1/{p.id}/cloudservers/detail", p.id, {"limit": 1000})).json()["servers"]
            assert len(servers) == len(cloud.servers)
            tagged = [s for s in servers if any(t.startswith("system-id=") for t in s["tags"])]
            assert tagged
            s = servers[0]
            assert {"id", "name", "status", "flavor", "metadata", "tags", "created", "addresses", "OS-EXT-AZ:availability_zone", "enterprise_project_id"} <= set(s)
            assert {"os_type", "image_name", "os_bit"} <= set(s["metadata"])
            assert any(x["flavor"]["name"].startswith(("kc1.", "km1.")) for x in servers)
            s0 = next(x for x in cloud.servers if x.system_id)
            hits = (await get(c, f"/v1/{s0.project_id}/cloudservers/detail", s0.project_id, {"tags": f"system-id={s0.system_id}"})).json()
            assert hits["count"] == sum(x.system_id == s0.system_id and x.project_id == s0.project_id for x in cloud.servers)
            stopped = (await get(c, f"/v1/{s0.project_id}/cloudservers/detail", s0.project_id, {"status": "SHUTOFF", "limit": 1000})).json()
            want = sum(x.status == "stopped" and x.project_id == s0.project_id for x in cloud.servers)
            assert want and len(stopped["servers"]) == want and {x["status"] for x in stopped["servers"]} == {"SHUTOFF"}

    run(go())


def test_evs_offset_is_a_record_offset(cloud):
    pid = cloud.projects[0].id
    mine = [v.id for v in cloud.volumes if v.project_id == pid]

    async def go():
        async with client(huawei_app(cloud)) as c:
            seen, offset = [], 0
            while True:
                body = (await get(c, f"/v2/{pid}/cloudvolumes/detail", pid, {"offset": offset, "limit": 3})).json()
                assert body["count"] == len(mine)
                seen += [v["id"] for v in body["volumes"]]
                offset += 3
                if offset >= body["count"]:
                    break
            assert seen == mine
            r = await get(c, f"/v2/{pid}/cloudvolumes/detail", pid, {"offset": -1})
            assert r.status_code == 400 and set(r.json()) == {"code", "message"}

    run(go())


def test_vpc_and_eip_marker_pagination_and_nested_errors(cloud):
    pid = max(cloud.projects, key=lambda p: sum(f.project_id == p.id for f in cloud.floating_ips)).id
    mine = [f.id for f in cloud.floating_ips if f.project_id == pid]

    async def go():
        async with client(huawei_app(cloud)) as c:
            seen, marker = [], None
            while True:
                q = {"limit": 2, **({"marker": marker} if marker else {})}
                page = (await get(c, f"/v1/{pid}/publicips", pid, q)).json()["publicips"]
                seen += [p["id"] for p in page]
                if len(page) < 2:
                    break
                marker = page[-1]["id"]
            assert seen == mine
            vpcs = (await get(c, f"/v1/{pid}/vpcs", pid)).json()["vpcs"]
            subnets = (await get(c, f"/v1/{pid}/subnets", pid, {"vpc_id": vpcs[0]["id"]})).json()["subnets"]
            assert subnets and all(s["vpc_id"] == vpcs[0]["id"] for s in subnets)
            r = await get(c, f"/v1/{pid}/vpcs", pid, {"marker": "nope"})
            assert r.status_code == 400 and r.json()["error"]["code"].startswith("VPC.")

    run(go())


def test_ecs_limits(cloud):
    pid = cloud.projects[0].id
    mine = [s for s in cloud.servers if s.project_id == pid]

    async def go():
        async with client(huawei_app(cloud)) as c:
            a = (await get(c, f"/v1/{pid}/cloudservers/limits", pid)).json()["absolute"]
            assert a["totalCoresUsed"] == sum(s.flavor.vcpus for s in mine) <= a["maxTotalCores"]
            assert a["totalRAMUsed"] == sum(s.flavor.ram_mb for s in mine) and a["totalInstancesUsed"] == len(mine)

    run(go())


def test_iam_token_auth_and_expiry(cloud):
    p = cloud.projects[0]

    async def go():
        async with client(huawei_app(cloud, Faults(token_uses=1))) as c:
            body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": CREDS.username, "password": "bad", "domain": {"name": CREDS.domain}}}},
                             "scope": {"project": {"name": p.name}}}}
            r = await c.post("/v3/auth/tokens", json=body)
            assert r.status_code == 401 and "message" in r.json()["error"]
            body["auth"]["identity"]["password"]["user"]["password"] = CREDS.password
            r = await c.post("/v3/auth/tokens", json=body)
            assert r.status_code == 201 and r.json()["token"]["project"]["id"] == p.id
            h = {"X-Auth-Token": r.headers["x-subject-token"]}
            assert (await c.get(f"/v1/{p.id}/cloudservers/detail", headers=h)).status_code == 200
            r = await c.get(f"/v1/{p.id}/cloudservers/detail", headers=h)
            assert r.status_code == 401 and r.json()["error_code"] == "APIGW.0301"

    run(go())


def test_throttle_gets_429_apigw_0308_with_retry_after(cloud):
    pid = cloud.projects[0].id

    async def go():
        async with client(huawei_app(cloud, Faults(throttle_burst=1, throttle_every=3, retry_after=2))) as c:
            codes = []
            for _ in range(3):
                r = await get(c, f"/v1/{pid}/vpcs", pid)
                codes.append(r.status_code)
                if r.status_code == 429:
                    assert r.json()["error_code"] == "APIGW.0308" and r.headers["retry-after"] == "2"
            assert codes == [429, 200, 200]

    run(go())


def test_projects_are_listed_for_the_driver_to_map_ids_to_names(cloud):
    async def go():
        async with client(huawei_app(cloud)) as c:
            uri, headers = official_sign("GET", "/v3/auth/projects", "")
            headers.pop("X-Project-Id", None)
            r = await c.get(uri, headers=headers)
            assert r.status_code == 401  # the signature covered X-Project-Id, which was then dropped
            req = SdkRequest(method="GET", schema="http", host=HOST, resource_path="/v3/auth/projects", query_params=[], header_params={"Content-Type": "application/json"}, body="")
            Signer(BasicCredentials(CREDS.ak, CREDS.sk)).sign(req)
            r = await c.get(req.uri, headers=dict(req.header_params))
            assert r.status_code == 200
            assert {p["name"] for p in r.json()["projects"]} == {p.name for p in cloud.projects}

    run(go())


def test_official_signature_with_characters_that_need_quoting(cloud):
    pid = cloud.projects[0].id

    async def go():
        async with client(huawei_app(cloud)) as c:
            r = await get(c, f"/v1/{pid}/cloudservers/detail", pid, {"limit": 5, "name": "web server/政务~x+y", "offset": 1})
            assert r.status_code == 200, r.text

    run(go())
