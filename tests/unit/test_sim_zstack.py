"""The ZStack simulator: SHA-512 login sessions, AK/SK, queries with start/limit/q and error bodies."""

from __future__ import annotations

import asyncio
import base64
import email.utils
import hashlib
import hmac
import re
import time

import pytest

from cloudctl.sim.faults import Faults
from cloudctl.sim.zstack import ZStackCredentials, zstack_app
from tests.unit.test_sim_dataset import asgi_client, small_cloud

CREDS = ZStackCredentials()
Z = "/zstack/v1"


@pytest.fixture(scope="module")
def cloud(tmp_path_factory):
    return small_cloud(tmp_path_factory, "xinchuang", servers=300, seed=31)


run = asyncio.run
client = asgi_client


async def login(c, password=CREDS.password):
    body = {"logInByAccount": {"accountName": CREDS.account, "password": hashlib.sha512(password.encode()).hexdigest()}}
    return await c.put(f"{Z}/accounts/login", json=body)


async def session(c) -> dict:
    r = await login(c)
    assert r.status_code == 200, r.text
    return {"Authorization": f"OAuth {r.json()['inventory']['uuid']}"}


def test_login_with_sha512_password_query_and_logout(cloud):
    async def go():
        async with client(zstack_app(cloud)) as c:
            h = await session(c)
            r = await c.get(f"{Z}/vm-instances", params={"start": 0, "limit": 5, "replyWithCount": "true"}, headers=h)
            body = r.json()
            assert r.status_code == 200 and body["total"] == len(cloud.servers) and len(body["inventories"]) == 5
            vm = body["inventories"][0]
            assert {"uuid", "name", "state", "architecture", "platform", "guestOsType", "cpuNum", "memorySize", "createDate",
                    "lastOpDate", "zoneUuid", "vmNics", "allVolumes"} <= set(vm)
            assert vm["architecture"] == "aarch64" and vm["memorySize"] % (1024 * 1024) == 0
            assert re.fullmatch(r"[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} [AP]M", vm["createDate"])
            assert r.headers["x-request-id"]
            session_id = h["Authorization"].split()[1]
            assert (await c.delete(f"{Z}/accounts/sessions/{session_id}")).status_code == 200
            r = await c.get(f"{Z}/vm-instances", headers=h)
            assert r.status_code == 401 and set(r.json()["error"]) >= {"code", "description", "details"}

    run(go())


def test_wrong_password_and_plain_text_password_are_refused(cloud):
    async def go():
        async with client(zstack_app(cloud)) as c:
            r = await login(c, "wrong")
            assert r.status_code == 401 and r.json()["error"]["code"]
            plain = {"logInByAccount": {"accountName": CREDS.account, "password": CREDS.password}}
            assert (await c.put(f"{Z}/accounts/login", json=plain)).status_code == 401

    run(go())


def test_start_limit_pages_cover_everything_including_exact_multiple_and_empty(cloud):
    n = len(cloud.volumes)

    async def go():
        async with client(zstack_app(cloud)) as c:
            h = await session(c)
            seen, start = [], 0
            while True:
                body = (await c.get(f"{Z}/volumes", params={"start": start, "limit": 7, "replyWithCount": "true"}, headers=h)).json()
                assert body["total"] == n
                seen += [v["uuid"] for v in body["inventories"]]
                start += 7
                if start >= body["total"]:
                    break
            assert seen == [v.id.replace("-", "") for v in cloud.volumes]
            body = (await c.get(f"{Z}/volumes", params={"start": n, "limit": 7, "replyWithCount": "true"}, headers=h)).json()
            assert body == {"inventories": [], "total": n}
            body = (await c.get(f"{Z}/volumes", params={"start": 0, "limit": n}, headers=h)).json()
            assert len(body["inventories"]) == n and "total" not in body
            assert (await c.get(f"{Z}/volumes", params={"count": "true"}, headers=h)).json() == {"total": n}

    run(go())


def test_user_tags_link_vms_to_systems_and_projects(cloud):
    async def go():
        async with client(zstack_app(cloud)) as c:
            h = await session(c)
            q = {"q": "resourceType=VmInstanceVO", "limit": 100000, "replyWithCount": "true"}
            tags = (await c.get(f"{Z}/user-tags", params=q, headers=h)).json()["inventories"]
            assert tags and all(t["resourceType"] == "VmInstanceVO" for t in tags)
            systems = {t["resourceUuid"]: t["tag"].split("::", 1)[1] for t in tags if t["tag"].startswith("system-id::")}
            expected = {s.id.replace("-", ""): s.system_id for s in cloud.servers if s.system_id}
            assert systems == expected
            projects = {t["resourceUuid"] for t in tags if t["tag"].startswith("project::")}
            assert len(projects) == len(cloud.servers)
            r = await c.get(f"{Z}/user-tags", params=[("q", "resourceType=VmInstanceVO"), ("q", "tag~=system-id::%")], headers=h)
            assert len(r.json()["inventories"]) == len(expected)

    run(go())


def test_query_conditions_and_bad_field(cloud):
    async def go():
        async with client(zstack_app(cloud)) as c:
            h = await session(c)
            running = (await c.get(f"{Z}/vm-instances", params={"q": "state=Running", "count": "true"}, headers=h)).json()["total"]
            assert running == sum(s.status == "running" for s in cloud.servers)
            big = (await c.get(f"{Z}/vm-instances", params={"q": "cpuNum>=8", "count": "true"}, headers=h)).json()["total"]
            assert big == sum(s.flavor.vcpus >= 8 for s in cloud.servers)
            ip = cloud.servers[0].nic.ip
            hit = (await c.get(f"{Z}/vm-instances", params={"q": f"vmNics.ip={ip}"}, headers=h)).json()["inventories"]
            assert [v["uuid"] for v in hit] == [cloud.servers[0].id.replace("-", "")]
            r = await c.get(f"{Z}/vm-instances", params={"q": "noSuchField=1"}, headers=h)
            assert r.status_code == 400 and r.json()["error"]["code"] == "SYS.1007"
            r = await c.get(f"{Z}/no-such-things", headers=h)
            assert r.status_code == 404 and "error" in r.json()

    run(go())


def test_access_key_signature(cloud):
    def signed(method: str, path: str, secret: str = CREDS.access_key_secret, date: str | None = None) -> dict:
        date = date or email.utils.formatdate(usegmt=True)
        sig = base64.b64encode(hmac.new(secret.encode(), f"{method}\n{date}\n{path}".encode(), hashlib.sha1).digest()).decode()
        return {"Date": date, "Authorization": f"ZStack {CREDS.access_key_id}:{sig}"}

    async def go():
        async with client(zstack_app(cloud)) as c:
            r = await c.get(f"{Z}/l3-networks", params={"limit": 2}, headers=signed("GET", f"{Z}/l3-networks"))
            assert r.status_code == 200 and r.json()["inventories"][0]["ipRanges"]
            assert (await c.get(f"{Z}/l3-networks", headers=signed("GET", f"{Z}/l3-networks", secret="bad"))).status_code == 401
            stale = email.utils.formatdate(time.time() - 3600, usegmt=True)
            assert (await c.get(f"{Z}/l3-networks", headers=signed("GET", f"{Z}/l3-networks", date=stale))).status_code == 401
            assert (await c.get(f"{Z}/eips", headers=signed("GET", f"{Z}/l3-networks"))).status_code == 401

    run(go())


def test_session_expires_after_n_uses_and_faults_use_zstack_shape(cloud):
    async def go():
        async with client(zstack_app(cloud, Faults(token_uses=1, error_rate=0.0))) as c:
            h = await session(c)
            assert (await c.get(f"{Z}/eips", headers=h)).status_code == 200
            r = await c.get(f"{Z}/eips", headers=h)
            assert r.status_code == 401 and r.json()["error"]["description"] == "Session expired"
        async with client(zstack_app(cloud, Faults(error_rate=1.0))) as c:
            h = await session(c)  # login is exempt from injected errors
            r = await c.get(f"{Z}/eips", headers=h)
            assert r.status_code >= 500 and r.json()["error"]["code"] == "SYS.1001"

    run(go())
