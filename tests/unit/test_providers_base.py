"""Driver behaviour a user relies on, against scripted HTTP answers (httpx.MockTransport).

Pagination never loops, throttling and 5xx are retried within bounds, expired tokens are
renewed once, error bodies of every shape become readable errors, and secrets stay out of
errors and debug logs. The same behaviours are checked against the simulators in the
integration contract suite.
"""

from __future__ import annotations

import asyncio
import json
import logging

import httpx
import pytest

from cloudctl.config import OpenStackProvider
from cloudctl.errors import AuthError, PaginationError, ProviderError
from cloudctl.providers.wire import parse_error_body, parse_time
from cloudctl.providers.openstack import OpenStackDriver
from cloudctl.secrets import Secret

PASSWORD = "Planted-Secret-Pw-7f3a9c"
NOVA = "http://nova.test/v2.1"


def cfg(**kw) -> OpenStackProvider:
    base = dict(driver="openstack", auth_url="http://keystone.test/identity/v3", username="admin", password=Secret(PASSWORD),
                project="admin", all_tenants=True, page_size=2, max_retries=3, timeout=2)
    return OpenStackProvider(**{**base, **kw})


class FakeCloud:
    """A scripted Keystone + Nova: ``servers`` paged by limit/marker; hooks to inject faults."""

    def __init__(self, n_servers: int, page_links=None) -> None:
        self.servers = [{"id": f"s{i:03d}", "name": f"vm{i}", "status": "ACTIVE", "tenant_id": "p1",
                         "flavor": {"original_name": "a1.large", "vcpus": 4, "ram": 8192, "disk": 80,
                                    "extra_specs": {"capabilities:cpu_arch": "aarch64"}},
                         "metadata": {"system-id": "sys-0001"}, "created": "2024-01-02T03:04:05Z"} for i in range(n_servers)]
        self.page_links = page_links
        self.logins = 0
        self.calls: list[httpx.Request] = []
        self.faults: list = []  # callables returning a Response or None, consumed in order
        self.valid_token = "tok-1"

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        if request.url.path.endswith("/auth/tokens"):
            body = json.loads(request.content)
            assert body["auth"]["identity"]["password"]["user"]["password"] == PASSWORD
            self.logins += 1
            self.valid_token = f"tok-{self.logins}"
            return httpx.Response(201, headers={"X-Subject-Token": self.valid_token}, json={"token": {
                "expires_at": "2999-01-01T00:00:00Z", "project": {"id": "p1", "name": "admin"},
                "catalog": [{"type": "compute", "endpoints": [{"interface": "public", "region": "RegionOne", "url": NOVA}]}]}})
        if self.faults:
            resp = self.faults.pop(0)(request)
            if resp is not None:
                return resp
        if request.headers.get("x-auth-token") != self.valid_token:
            return httpx.Response(401, json={"error": {"code": 401, "message": "The request you have made requires authentication."}})
        assert request.headers["X-OpenStack-Nova-API-Version"] == "2.79"
        limit = int(request.url.params["limit"])
        marker = request.url.params.get("marker")
        start = 0 if marker is None else next(i for i, s in enumerate(self.servers) if s["id"] == marker) + 1
        page = self.servers[start : start + limit]
        body: dict = {"servers": page}
        if self.page_links is not None:
            body["servers_links"] = self.page_links(page)
        elif start + limit < len(self.servers) or (page and len(page) == limit):
            body["servers_links"] = [{"rel": "next", "href": f"{NOVA}/servers/detail?limit={limit}&marker={page[-1]['id']}"}] if page else []
        return httpx.Response(200, json=body, headers={"x-openstack-request-id": f"req-{len(self.calls)}"})


class Timeline:
    """An injected clock and sleep for the driver: every wait is recorded and moves the clock, none is spent."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def list_servers(cloud: FakeCloud, timeline: Timeline | None = None, retry_budget: float = 60.0, **kw) -> list:
    timeline = timeline or Timeline()

    async def go():
        async with httpx.AsyncClient(transport=httpx.MockTransport(cloud.handler)) as client:
            d = OpenStackDriver("tianhe", cfg(**kw), client, backoff=0.001, retry_budget=retry_budget,
                                sleep=timeline.sleep, clock=timeline.clock)
            await d.login()
            out = []
            async for page in d.pages("server"):
                out.extend(page)
            return out

    return asyncio.run(go())


def test_server_is_converted_into_the_common_model():
    (s,) = list_servers(FakeCloud(1))
    assert (s.provider, s.kind, s.id, s.status, s.raw_status, s.arch, s.system) == ("tianhe", "server", "s000", "active", "ACTIVE", "aarch64", "sys-0001")
    assert s.extra["vcpus"] == 4 and s.extra["flavor"] == "a1.large" and s.created == "2024-01-02T03:04:05Z"


@pytest.mark.parametrize("n", [0, 1, 2, 4, 5])
def test_pagination_returns_every_item_once_including_exact_multiples_and_empty(n):
    ids = [s.id for s in list_servers(FakeCloud(n))]
    assert ids == [f"s{i:03d}" for i in range(n)]


def test_repeated_marker_stops_with_pagination_error_instead_of_looping():
    stuck = lambda page: [{"rel": "next", "href": f"{NOVA}/servers/detail?limit=2&marker=s001"}]  # noqa: E731
    cloud = FakeCloud(6, page_links=stuck)
    with pytest.raises(PaginationError, match="twice"):
        list_servers(cloud)
    assert len(cloud.calls) < 10


def _servers_calls(cloud: FakeCloud) -> int:
    return sum(1 for c in cloud.calls if "servers" in c.url.path)


def test_throttling_is_retried_after_the_wait_retry_after_asks_for():
    cloud = FakeCloud(3)
    cloud.faults = [lambda r: httpx.Response(429, headers={"Retry-After": "7"}, json={"overLimit": {"code": 429, "message": "slow down"}})] * 2
    timeline = Timeline()
    assert len(list_servers(cloud, timeline)) == 3
    # the backoff alone (0.001 s base, full jitter) waits milliseconds; the cloud asked for 7 s
    assert timeline.waits == [7.0, 7.0]


def test_without_retry_after_the_backoff_is_short_jittered_and_growing():
    cloud = FakeCloud(3)
    cloud.faults = [lambda r: httpx.Response(503)] * 3
    timeline = Timeline()
    assert len(list_servers(cloud, timeline)) == 3
    assert len(timeline.waits) == 3
    assert all(0 <= w <= 0.001 * 2**i for i, w in enumerate(timeline.waits)), timeline.waits


def test_5xx_then_success_is_retried():
    cloud = FakeCloud(3)
    cloud.faults = [lambda r: httpx.Response(503), lambda r: httpx.Response(502, text="bad gateway")]
    assert len(list_servers(cloud)) == 3


def test_persistent_5xx_fails_after_the_retry_budget_with_the_status():
    cloud = FakeCloud(3)
    cloud.faults = [lambda r: httpx.Response(503, json={"computeFault": {"code": 503, "message": "down for maintenance"}})] * 10
    with pytest.raises(ProviderError) as exc:
        list_servers(cloud, max_retries=2)
    assert exc.value.http_status == 503 and "down for maintenance" in str(exc.value)
    assert sum(1 for c in cloud.calls if "servers" in c.url.path) == 3


def test_truncated_json_is_retried():
    cloud = FakeCloud(3)
    cloud.faults = [lambda r: httpx.Response(200, content=b'{"servers": [{"id": "s0', headers={"content-type": "application/json"})]
    assert len(list_servers(cloud)) == 3


def test_timeouts_are_retried_then_reported_cleanly():
    cloud = FakeCloud(1)

    def timeout(request):
        raise httpx.ReadTimeout("timed out", request=request)

    cloud.faults = [timeout] * 10
    with pytest.raises(ProviderError, match="ReadTimeout: timed out; tried 3 times") as exc:
        list_servers(cloud, max_retries=2)
    assert "GET http://nova.test/v2.1/servers/detail" in str(exc.value) and exc.value.url == "http://nova.test/v2.1/servers/detail"


def test_expired_token_mid_pagination_is_renewed_once():
    cloud = FakeCloud(5)

    def expire(request):
        cloud.valid_token = "rotated"  # every older token is now refused with 401
        return None

    cloud.faults = [lambda r: None, expire]
    assert len(list_servers(cloud)) == 5
    assert cloud.logins == 2


def test_refused_credentials_are_an_auth_error_without_the_password(caplog):
    cloud = FakeCloud(1)
    cloud.faults = [lambda r: httpx.Response(401, json={"error": {"code": 401, "message": "The request you have made requires authentication."}})] * 50
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthError) as exc:
        list_servers(cloud)
    assert exc.value.http_status == 401
    assert cloud.logins <= 1 + 8  # renewals are bounded: at most max(3, concurrency) per request
    assert PASSWORD not in str(exc.value) and PASSWORD not in exc.value.hint and PASSWORD not in caplog.text


@pytest.mark.parametrize("body,expected", [
    ({"itemNotFound": {"code": 404, "message": "Instance x could not be found."}}, ("404", "Instance x could not be found.")),
    ({"NeutronError": {"type": "NetworkNotFound", "message": "Network y could not be found.", "detail": ""}}, ("NetworkNotFound", "Network y could not be found.")),
    ({"error_code": "APIGW.0308", "error_msg": "The request is throttled."}, ("APIGW.0308", "The request is throttled.")),
    ({"code": "Ecs.0114", "message": "Invalid offset"}, ("Ecs.0114", "Invalid offset")),
    ({"error": {"code": "SYS.1001", "description": "bad session", "details": "session expired"}}, ("SYS.1001", "bad session: session expired")),
    ({"error": {"code": 401, "title": "Unauthorized", "message": "auth needed"}}, ("401", "auth needed")),
])
def test_every_error_body_shape_is_parsed(body, expected):
    assert parse_error_body(httpx.Response(400, json=body)) == expected


@pytest.mark.parametrize("raw,iso", [
    ("May 11, 2017 1:23:02 PM", "2017-05-11T13:23:02Z"),
    ("May 11, 2017 12:03:02 AM", "2017-05-11T00:03:02Z"),
    ("Dec 1, 2017 12:03:02 PM", "2017-12-01T12:03:02Z"),
    ("2024-01-02T03:04:05.123456", "2024-01-02T03:04:05Z"),
    ("2017-05-11T13:23:02Z", "2017-05-11T13:23:02Z"),
    ("2017-05-11T21:23:02+08:00", "2017-05-11T13:23:02Z"),
    (1494508982000, "2017-05-11T13:23:02Z"),
    ("2017-05-11 13:23:02", "2017-05-11T13:23:02Z"),
])
def test_dates_are_parsed_leniently(raw, iso):
    assert parse_time(raw) == iso


def test_a_retry_after_beyond_the_retry_budget_fails_at_once_without_waiting():
    cloud = FakeCloud(1)
    cloud.faults = [lambda r: httpx.Response(429, headers={"Retry-After": "30"})] * 10
    timeline = Timeline()
    with pytest.raises(ProviderError) as exc:
        list_servers(cloud, timeline, retry_budget=1.0)
    assert exc.value.http_status == 429
    assert timeline.waits == [] and _servers_calls(cloud) == 1


def test_retries_stop_when_the_next_wait_would_pass_the_retry_budget():
    cloud = FakeCloud(1)
    cloud.faults = [lambda r: httpx.Response(429, headers={"Retry-After": "8"})] * 10
    timeline = Timeline()
    with pytest.raises(ProviderError) as exc:
        list_servers(cloud, timeline, retry_budget=20.0)  # max_retries=3 would allow 4 attempts
    assert exc.value.http_status == 429
    assert timeline.waits == [8.0, 8.0] and _servers_calls(cloud) == 3  # 16 s waited; 8 more would pass 20 s


def test_slots_serve_page_chains_before_fan_out_and_survive_cancellation():
    from cloudctl.providers.paging import Slots

    async def go():
        slots = Slots(1)
        order = []
        await slots.acquire()

        async def want(name, prio):
            await slots.acquire(prio)
            order.append(name)
            slots.release()

        tasks = [asyncio.create_task(want(n, p)) for n, p in (("quota-1", 1), ("quota-2", 1), ("page", 0))]
        doomed = asyncio.create_task(want("cancelled", 0))
        await asyncio.sleep(0)
        doomed.cancel()
        slots.release()
        await asyncio.gather(*tasks)
        await slots.acquire()  # the slot count is intact: one free slot again
        return order

    assert asyncio.run(go()) == ["page", "quota-1", "quota-2"]
