"""Huawei driver against a scripted ECS/EVS/VPC (httpx.MockTransport).

Each request's signature is re-computed with the official huaweicloudsdkcore signer; the
pagination semantics differ per service and are checked one by one: ECS ``offset`` is a page
number from 1, EVS ``offset`` a record offset, VPC/EIP page by ``marker``.
"""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer import signer as sdk

from cloudctl.config import HuaweiProvider
from cloudctl.errors import AuthError, PaginationError
from cloudctl.providers.huawei import HuaweiDriver, flavor_arch
from cloudctl.secrets import Secret


AK, SK = "HPUAPLANTEDAK0000001", "Planted-SK-Secret-9c1d77aa"
PID = "0a1b2c3d4e5f"


def verify(request: httpx.Request) -> bool:
    auth = request.headers.get("authorization", "")
    signed = auth.split("SignedHeaders=")[1].split(",")[0].split(";")
    hdrs = {h: request.headers[h] for h in signed}
    req = SdkRequest(method=request.method, schema="https", host=request.url.netloc.decode(), resource_path=request.url.path,
                     query_params=list(request.url.params.multi_items()), header_params=hdrs, body=request.content)
    sdk.Signer(BasicCredentials(AK, SK)).sign(req)
    return req.header_params["Authorization"] == auth


class FakeHuawei:
    def __init__(self, servers: int = 0, volumes: int = 0, eips: int = 0, ecs_ignores_offset: bool = False) -> None:
        self.servers = [{"id": f"s{i:03d}", "name": f"vm{i}", "status": "SHUTOFF" if i % 2 else "ACTIVE", "tenant_id": PID,
                         "flavor": {"id": "kc1.large.2" if i % 3 == 0 else "s6.large.2", "name": "kc1.large.2" if i % 3 == 0 else "s6.large.2",
                                    "vcpus": "2", "ram": "4096", "disk": "40"},
                         "metadata": {"image_name": "Kylin V10"}, "tags": ["system-id=sys-0042", "owner=it"] if i == 0 else [],
                         "created": "2024-01-02T03:04:05Z"} for i in range(servers)]
        self.volumes = [{"id": f"v{i:03d}", "name": f"d{i}", "status": "in-use", "size": 40} for i in range(volumes)]
        self.eips = [{"id": f"e{i:03d}", "public_ip_address": f"58.1.0.{i}", "status": "ACTIVE", "create_time": "2024-01-02 03:04:05"} for i in range(eips)]
        self.ecs_ignores_offset = ecs_ignores_offset
        self.calls: list[httpx.Request] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        if not verify(request) or request.headers.get("x-project-id") != PID:
            return httpx.Response(401, json={"error_msg": "Incorrect IAM authentication information: verify aksk signature fail", "error_code": "APIGW.0301"},
                                  headers={"X-Request-Id": "r-401"})
        p = request.url.params
        path = request.url.path
        limit = int(p.get("limit", 1000))
        if path == f"/v1/{PID}/cloudservers/detail":
            page = 1 if self.ecs_ignores_offset else int(p["offset"])
            assert page >= 1
            return httpx.Response(200, json={"count": len(self.servers), "servers": self.servers[(page - 1) * limit : page * limit]})
        if path == f"/v2/{PID}/cloudvolumes/detail":
            off = int(p["offset"])
            return httpx.Response(200, json={"count": len(self.volumes), "volumes": self.volumes[off : off + limit]})
        if path == f"/v1/{PID}/publicips":
            start = 0
            if "marker" in p:
                start = next(i for i, e in enumerate(self.eips) if e["id"] == p["marker"]) + 1
            return httpx.Response(200, json={"publicips": self.eips[start : start + limit]})
        if path.endswith("/v3/projects"):
            return httpx.Response(200, json={"projects": [{"id": PID, "name": "cn-north-lvliang-1_lvliang-gaj"}]})
        return httpx.Response(404, json={"code": "APIGW.0101", "message": "The API does not exist"})


def cfg(**kw) -> HuaweiProvider:
    base = dict(driver="huawei", region="cn-north-lvliang-1", project_id=PID, endpoint_domain="gov.example", ak=Secret(AK), sk=Secret(SK), page_size=3)
    return HuaweiProvider(**{**base, **kw})


def fetch(fake: FakeHuawei, kind: str, **kw) -> list:
    async def go():
        async with httpx.AsyncClient(transport=httpx.MockTransport(fake.handler)) as client:
            d = HuaweiDriver("huawei", cfg(**kw), client, backoff=0.001)
            await d.login()
            await d.load_projects()
            return [r async for page in d.pages(kind) for r in page]

    return asyncio.run(go())


@pytest.mark.parametrize("n", [0, 2, 3, 6, 7])
def test_ecs_offset_is_a_page_number(n):
    fake = FakeHuawei(servers=n)
    assert [s.id for s in fetch(fake, "server")] == [f"s{i:03d}" for i in range(n)]
    offsets = [int(c.url.params["offset"]) for c in fake.calls if "cloudservers" in c.url.path]
    assert offsets[0] == 1 and offsets == list(range(1, len(offsets) + 1))


def test_ecs_repeating_the_first_page_is_a_pagination_error_of_that_project():
    from cloudctl.providers.paging import ScopeFailed

    items = fetch(FakeHuawei(servers=9, ecs_ignores_offset=True), "server")
    failed = [x for x in items if isinstance(x, ScopeFailed)]
    assert len(failed) == 1 and isinstance(failed[0].error, PaginationError)


@pytest.mark.parametrize("n", [0, 3, 5])
def test_evs_offset_is_a_record_offset(n):
    fake = FakeHuawei(volumes=n)
    assert [v.id for v in fetch(fake, "volume")] == [f"v{i:03d}" for i in range(n)]
    offsets = [int(c.url.params["offset"]) for c in fake.calls if "cloudvolumes" in c.url.path]
    assert offsets[:2] == [0, 3][: len(offsets[:2])]


@pytest.mark.parametrize("n", [0, 3, 4])
def test_eips_page_by_marker_on_the_vpc_endpoint(n):
    fake = FakeHuawei(eips=n)
    eips = fetch(fake, "floating_ip")
    assert [e.extra["address"] for e in eips] == [f"58.1.0.{i}" for i in range(n)]
    eip_calls = [c for c in fake.calls if "publicips" in c.url.path]
    assert eip_calls and all(c.url.host == "vpc.cn-north-lvliang-1.gov.example" for c in eip_calls)


def test_server_conversion_tags_arch_and_status():
    s0, s1 = fetch(FakeHuawei(servers=2), "server")
    assert (s0.system, s0.arch, s0.status, s0.os) == ("sys-0042", "aarch64", "active", "Kylin V10")
    assert (s1.system, s1.arch, s1.status, s1.raw_status) == (None, "x86_64", "stopped", "SHUTOFF")
    assert s0.project == "cn-north-lvliang-1_lvliang-gaj" and s0.extra["vcpus"] == 2


def test_endpoint_overrides_are_used():
    fake = FakeHuawei(servers=1)
    fetch(fake, "server", endpoints={"ecs": "https://ecs.hcs.lvliang.gov.cn:8443"})
    assert any(c.url.netloc == b"ecs.hcs.lvliang.gov.cn:8443" for c in fake.calls)


def test_bad_sk_is_an_auth_error_naming_the_provider_not_the_key(caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthError) as exc:
        fetch(FakeHuawei(servers=1), "server", sk=Secret("not-the-right-sk"))
    text = str(exc.value) + exc.value.hint
    assert "APIGW.0301" in text and "r-401" in text and "huawei" in text
    assert "not-the-right-sk" not in text + caplog.text and SK not in caplog.text


@pytest.mark.parametrize("flavor,arch", [("kc1.large.2", "aarch64"), ("km1.2xlarge.8", "aarch64"), ("s6.large.2", "x86_64"), ("c6.2xlarge.2", "x86_64")])
def test_kunpeng_flavors_are_aarch64(flavor, arch):
    assert flavor_arch(flavor) == arch
