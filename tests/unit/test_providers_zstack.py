"""ZStack driver against a scripted ZStack REST API (httpx.MockTransport).

Login with the SHA-512 of the password, ``OAuth <session>`` on every call, logout at the end
(also after a failure), ``start``/``limit``/``replyWithCount`` paging, ``system-id`` from user
tags, the ``architecture`` field and lenient dates.
"""

from __future__ import annotations

import asyncio
import hashlib

import httpx
import pytest

from cloudctl.config import ZStackProvider
from cloudctl.errors import PaginationError, ProviderError
from cloudctl.providers.zstack import ZStackDriver
from cloudctl.secrets import Secret

PASSWORD = "Planted-ZStack-Pw-55e1"
SESSION = "5b1f0c0e7e0b4d6c9a3b2f1e0d9c8b7a"


class FakeZStack:
    def __init__(self, vms: int = 0, stuck: bool = False, fail_vms: bool = False) -> None:
        self.vms = [{"uuid": f"vm{i:03d}", "name": f"xc-{i}", "state": "Running" if i % 2 == 0 else "Stopped", "architecture": "aarch64",
                     "cpuNum": 4, "memorySize": 8 * 1024**3, "guestOsType": "Kylin", "createDate": "May 11, 2017 1:23:02 PM",
                     "vmNics": [{"ip": f"10.9.0.{i}"}]} for i in range(vms)]
        self.stuck, self.fail_vms = stuck, fail_vms
        self.calls: list[httpx.Request] = []
        self.logged_out = False

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        path, p = request.url.path, request.url.params
        if path == "/zstack/v1/accounts/login" and request.method == "PUT":
            body = httpx.Response(200, content=request.content).json()["logInByAccount"]
            if body["password"] != hashlib.sha512(PASSWORD.encode()).hexdigest():
                return httpx.Response(400, json={"error": {"code": "ID.1001", "description": "wrong account name or password", "details": ""}})
            return httpx.Response(200, json={"inventory": {"uuid": SESSION, "accountUuid": "acc-1"}})
        if request.headers.get("authorization") != f"OAuth {SESSION}":
            return httpx.Response(401, json={"error": {"code": "ID.1002", "description": "session expired"}})
        if path == f"/zstack/v1/accounts/sessions/{SESSION}" and request.method == "DELETE":
            self.logged_out = True
            return httpx.Response(200, json={})
        if path == "/zstack/v1/user-tags":
            tags = [{"uuid": "t1", "resourceUuid": "vm000", "resourceType": "VmInstanceVO", "tag": "system-id::sys-0123"},
                    {"uuid": "t2", "resourceUuid": "vm000", "resourceType": "VmInstanceVO", "tag": "project::lvliang-xxzx"}]
            return httpx.Response(200, json={"inventories": tags if p["start"] == "0" else [], "total": 2})
        if path == "/zstack/v1/vm-instances":
            if self.fail_vms:
                return httpx.Response(400, json={"error": {"code": "SYS.1000", "description": "internal error", "details": "db down"}})
            assert p["replyWithCount"] == "true"
            start = 0 if self.stuck else int(p["start"])
            return httpx.Response(200, json={"inventories": self.vms[start : start + int(p["limit"])], "total": len(self.vms)})
        if path in ("/zstack/v1/iam2/projects",):
            return httpx.Response(404, json={"error": {"code": "SYS.1006", "description": "not found"}})
        return httpx.Response(404, json={"error": {"code": "SYS.1006", "description": f"no API {path}"}})


def cfg(**kw) -> ZStackProvider:
    return ZStackProvider(**{**dict(driver="zstack", endpoint="http://zstack.test:8080", account="admin", password=Secret(PASSWORD), page_size=2), **kw})


def fetch(fake: FakeZStack, kind: str, **kw) -> list:
    async def go():
        async with httpx.AsyncClient(transport=httpx.MockTransport(fake.handler)) as client:
            d = ZStackDriver("xinchuang", cfg(**kw), client, backoff=0.001)
            await d.login()
            try:
                await d.load_projects()
                return [r async for page in d.pages(kind) for r in page]
            finally:
                await d.logout()

    return asyncio.run(go())


@pytest.mark.parametrize("n", [0, 1, 2, 4, 5])
def test_vms_page_by_start_and_limit(n):
    fake = FakeZStack(vms=n)
    assert [v.id for v in fetch(fake, "server")] == [f"vm{i:03d}" for i in range(n)]
    assert fake.logged_out


def test_vm_conversion_uses_user_tags_architecture_and_lenient_dates():
    vm0, vm1 = fetch(FakeZStack(vms=2), "server")
    assert (vm0.system, vm0.arch, vm0.status, vm0.created) == ("sys-0123", "aarch64", "active", "2017-05-11T13:23:02Z")
    assert vm0.project == "lvliang-xxzx" and vm1.project == ""
    assert (vm1.system, vm1.status, vm1.extra["ram_mb"], vm1.extra["vcpus"]) == (None, "stopped", 8192, 4)


def test_a_server_that_ignores_start_is_stopped_not_looped():
    fake = FakeZStack(vms=7, stuck=True)
    with pytest.raises(PaginationError):
        fetch(fake, "server")
    assert fake.logged_out and len(fake.calls) < 10


def test_logout_happens_after_a_failure_and_the_error_body_is_parsed():
    fake = FakeZStack(vms=3, fail_vms=True)
    with pytest.raises(ProviderError) as exc:
        fetch(fake, "server")
    assert "SYS.1000" in str(exc.value) and "db down" in str(exc.value)
    assert fake.logged_out


def test_wrong_password_is_refused_without_echoing_it():
    with pytest.raises(ProviderError) as exc:
        fetch(FakeZStack(vms=1), "server", password=Secret("Wrong-Planted-Pw"))
    assert "ID.1001" in str(exc.value) and "Wrong-Planted-Pw" not in str(exc.value)
