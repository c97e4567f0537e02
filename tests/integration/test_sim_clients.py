"""Official vendor clients against the simulators over real loopback sockets.

openstacksdk lists every server (Keystone auth, catalog, version discovery, microversion
negotiation, rel=next pagination); huaweicloudsdkcore's signer signs requests sent with httpx.
"""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest

from cloudctl.inventory import load_inventory
from cloudctl.sim import dataset, serve
from cloudctl.sim.faults import Faults
from cloudctl.sim.huawei import HuaweiCredentials
from cloudctl.sim.openstack import OpenStackCredentials
from tests.unit.test_sim_dataset import write_inventory

# openstacksdk warns about its own deprecations on every resource; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::Warning:openstack.*")


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    """The three simulators on real sockets in a background thread; yields the Plan."""
    inv = load_inventory(write_inventory(tmp_path_factory.mktemp("inv") / "inventory"))
    ds = dataset.build(inv, servers=400, seed=4)
    plan = serve.plan(ds, {n: Faults() for n in ("tianhe", "huawei", "xinchuang")})
    ready = threading.Event()
    box: dict = {}

    def main() -> None:
        async def go() -> None:
            box["loop"] = asyncio.get_running_loop()
            box["stop"] = asyncio.Event()
            await serve.serve(plan, on_ready=lambda p: ready.set(), stop=box["stop"])

        asyncio.run(go())

    thread = threading.Thread(target=main, daemon=True)
    thread.start()
    assert ready.wait(15), "simulators did not start"
    yield plan
    box["loop"].call_soon_threadsafe(box["stop"].set)
    thread.join(10)
    assert not thread.is_alive()


def _sim(plan, name):
    return next(s for s in plan.simulators if s.name == name)


def test_openstacksdk_lists_all_servers(running):
    import openstack

    c = OpenStackCredentials()
    url = _sim(running, "tianhe").url
    conn = openstack.connect(
        auth_url=f"{url}/identity/v3", username=c.username, password=c.password, project_name="admin",
        user_domain_name="Default", project_domain_name="Default", load_yaml_config=False, load_envvars=False,
    )
    try:
        servers = list(conn.compute.servers(all_projects=True, limit=100))
        expected = running.dataset.clouds["tianhe"].servers
        assert sorted(s.id for s in servers) == sorted(s.id for s in expected)
        tagged = {s.id: s.metadata.get("system-id") for s in servers if s.metadata.get("system-id")}
        assert tagged == {s.id: s.system_id for s in expected if s.system_id}
        assert {s.status for s in servers} <= {"ACTIVE", "SHUTOFF", "ERROR", "BUILD"}
        flavors = list(conn.compute.flavors())
        assert {f.name for f in flavors} == {f.name for f in running.dataset.clouds["tianhe"].flavors}
    finally:
        conn.close()


def test_openstacksdk_refuses_bad_password(running):
    import openstack
    from keystoneauth1.exceptions.http import Unauthorized

    url = _sim(running, "tianhe").url
    conn = openstack.connect(auth_url=f"{url}/identity/v3", username="admin", password="wrong", project_name="admin",
                             user_domain_name="Default", project_domain_name="Default", load_yaml_config=False, load_envvars=False)
    with pytest.raises(Unauthorized):
        list(conn.compute.servers())


def test_huawei_official_signer_over_a_real_socket(running):
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.sdk_request import SdkRequest
    from huaweicloudsdkcore.signer.signer import Signer

    sim = _sim(running, "huawei")
    cloud = running.dataset.clouds["huawei"]
    host = sim.url.removeprefix("http://")
    total = 0
    with httpx.Client(base_url=sim.url) as client:
        for project in cloud.projects:
            page = 1
            while True:
                req = SdkRequest(method="GET", schema="http", host=host, resource_path=f"/v1/{project.id}/cloudservers/detail",
                                 query_params=[("offset", page), ("limit", 50)],
                                 header_params={"X-Project-Id": project.id, "Content-Type": "application/json"}, body="")
                Signer(BasicCredentials(HuaweiCredentials().ak, HuaweiCredentials().sk, project.id)).sign(req)
                r = client.get(req.uri, headers=dict(req.header_params))
                assert r.status_code == 200, r.text
                servers = r.json()["servers"]
                total += len(servers)
                if len(servers) < 50:
                    break
                page += 1
    assert total == len(cloud.servers)
