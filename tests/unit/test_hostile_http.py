"""The HTTP layer on a hostile network (issue #11): every request bounded in time and size,
single-flight re-authentication, tokens and sessions revoked at the end of every sync.

Scripted servers (httpx.MockTransport) for the bounds; the simulators (in-process ASGI) for
auth and revocation, which they record.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from cloudctl.config import Config, HuaweiProvider, LoadedConfig, OpenStackProvider, ZStackProvider
from cloudctl.errors import ProviderError
from cloudctl.providers.openstack import OpenStackDriver
from cloudctl.secrets import Secret
from cloudctl.store import Store
from cloudctl.sync import run_sync

from cloudctl.sim import openstack as sim_os
from cloudctl.sim.dataset import build
from cloudctl.sim.faults import Faults
from cloudctl.sim.huawei import HuaweiCredentials, huawei_app
from cloudctl.sim.zstack import ZStackCredentials, zstack_app
from tests.unit.test_providers_base import FakeCloud, cfg

CREDS = sim_os.OpenStackCredentials()


# -- bounds of one request ---------------------------------------------------------------------

async def _trickle(stop_after: float):
    """One byte every 0.2 s: each read is quick, the whole body never ends (within stop_after)."""
    end = time.monotonic() + stop_after
    yield b'{"servers": ['
    while time.monotonic() < end:
        await asyncio.sleep(0.2)
        yield b" "
    yield b"]}"


def _run_servers(cloud: FakeCloud, **kw):
    async def go():
        async with httpx.AsyncClient(transport=httpx.MockTransport(cloud.handler)) as client:
            d = OpenStackDriver("tianhe", cfg(**kw), client, backoff=0.001)
            await d.login()
            return [r async for page in d.pages("server") for r in page]

    return asyncio.run(go())


@pytest.mark.timeout(120)
def test_a_server_trickling_bytes_cannot_hold_a_request_past_its_deadline():
    cloud = FakeCloud(3)
    # Without a total deadline each attempt would last the whole 60 s trickle.
    cloud.faults = [lambda r: httpx.Response(200, headers={"content-type": "application/json"}, content=_trickle(60))] * 2
    # Without the deadline the trickle ends after 60 s in a valid body and no error is raised.
    with pytest.raises(ProviderError, match=r"no complete response within 1 s; tried 2 times") as exc:
        _run_servers(cloud, timeout=1, max_retries=1)
    assert exc.value.url == "http://nova.test/v2.1/servers/detail"


def test_a_body_past_max_response_bytes_stops_reading_and_is_not_retried():
    sent = []

    async def endless():
        while True:
            sent.append(65536)
            yield b" " * 65536

    cloud = FakeCloud(3)
    cloud.faults = [lambda r: httpx.Response(200, headers={"content-type": "application/json"}, content=endless())] * 5
    with pytest.raises(ProviderError, match="larger than the limit of 1048576 bytes") as exc:
        _run_servers(cloud, max_response_bytes=1024 * 1024)
    assert sum(sent) <= 1024 * 1024 + 2 * 65536  # stopped right past the limit
    assert sum(1 for c in cloud.calls if "servers" in c.url.path) == 1  # the same body would come again
    assert "max_response_bytes" in exc.value.hint


def test_a_declared_content_length_past_the_limit_is_refused_before_reading():
    cloud = FakeCloud(3)
    cloud.faults = [lambda r: httpx.Response(200, headers={"content-type": "application/json", "content-length": str(10**10)},
                                             content=b"x")]
    with pytest.raises(ProviderError, match="larger than the limit"):
        _run_servers(cloud, max_response_bytes=1024 * 1024)


def test_a_connection_error_names_the_url_the_cause_and_the_attempts():
    def refuse(request):
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    async def go():
        async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as client:
            await OpenStackDriver("tianhe", cfg(max_retries=4), client, backoff=0.001).login()

    with pytest.raises(ProviderError) as exc:
        asyncio.run(go())
    text = str(exc.value)
    assert "Keystone login: ConnectError: [Errno 111] Connection refused; tried 5 times" in text
    assert "POST http://keystone.test/identity/v3/auth/tokens" in text and exc.value.url.endswith("/auth/tokens")


# -- syncs against the simulators ---------------------------------------------------------------

@pytest.fixture(scope="module")
def dataset():
    from cloudctl.inventory import load_inventory
    from tests.conftest import INVENTORY

    return build(load_inventory(INVENTORY), servers=240, seed=11)


def os_cfg(**kw) -> OpenStackProvider:
    base = dict(driver="openstack", auth_url="http://tianhe.sim/identity/v3", username=CREDS.username, password=Secret(CREDS.password),
                project="admin", all_tenants=True, page_size=25, max_retries=3)
    return OpenStackProvider(**{**base, **kw})


def hw_cfg(ds, **kw) -> HuaweiProvider:
    hc, hw = HuaweiCredentials(), ds.clouds["huawei"]
    return HuaweiProvider(driver="huawei", region=hw.region, project_id=hw.projects[0].id, scheme="http",
                          endpoints={s: "http://huawei.sim" for s in ("ecs", "evs", "vpc", "iam")},
                          username=hc.username, password=Secret(hc.password), domain=hc.domain, max_retries=3, **kw)


def zs_cfg(**kw) -> ZStackProvider:
    zc = ZStackCredentials()
    return ZStackProvider(driver="zstack", endpoint="http://xinchuang.sim", account=zc.account, password=Secret(zc.password), max_retries=3, **kw)


def sync(store: Store, apps: dict, cfgs: dict):
    loaded = LoadedConfig(Config(providers=cfgs), None)
    factory = lambda name, c: httpx.AsyncClient(transport=httpx.ASGITransport(apps[name]))  # noqa: E731
    return asyncio.run(run_sync(loaded, store, client_factory=factory, driver_opts={"backoff": 0.001}))


def test_token_uses_5_with_8_concurrent_requests_succeeds_with_shared_renewals(tmp_path, dataset):
    """The docs' example fault: before, a request gave up after 3 renewals; now they are single-flight."""
    app = sim_os.openstack_app(dataset.clouds["tianhe"], Faults(token_uses=5))
    store = Store.open(tmp_path / "s.db", create=True)
    result = sync(store, {"tianhe": app}, {"tianhe": os_cfg(concurrency=8)})
    assert not result.partial, result.failed
    assert len(list(store.resources("server"))) == len(dataset.clouds["tianhe"].servers)
    # one login per used-up token, not one per refused request: each token served its 5 uses
    requests = sum(t.uses for t in app.tokens.tokens.values()) + 5 * len(app.tokens.revoked)
    assert len(app.tokens.issued) <= requests / 5 + 2


def test_every_token_and_session_is_revoked_after_a_sync(tmp_path, dataset):
    apps = {"tianhe": sim_os.openstack_app(dataset.clouds["tianhe"]), "huawei": huawei_app(dataset.clouds["huawei"]),
            "xinchuang": zstack_app(dataset.clouds["xinchuang"])}
    store = Store.open(tmp_path / "s.db", create=True)
    result = sync(store, apps, {"tianhe": os_cfg(), "huawei": hw_cfg(dataset), "xinchuang": zs_cfg()})
    assert not result.partial, result.failed
    for name, app in apps.items():
        assert app.tokens.issued, name
        assert app.tokens.live() == [], f"{name}: tokens left alive after the sync"
        assert app.tokens.check(app.tokens.issued[-1])[1] == "revoked"  # and refused from now on


def test_tokens_are_revoked_when_a_kind_fails(tmp_path, dataset):
    app = sim_os.openstack_app(dataset.clouds["tianhe"], Faults(error_rate=1.0))
    store = Store.open(tmp_path / "s.db", create=True)
    result = sync(store, {"tianhe": app}, {"tianhe": os_cfg(max_retries=0)})
    assert result.partial
    assert app.tokens.issued and app.tokens.live() == []


def test_a_provider_past_its_deadline_fails_alone_keeps_its_data_and_revokes_its_token(tmp_path, dataset):
    store = Store.open(tmp_path / "s.db", create=True)
    first = sync(store, {"tianhe": sim_os.openstack_app(dataset.clouds["tianhe"]), "xinchuang": zstack_app(dataset.clouds["xinchuang"])},
                 {"tianhe": os_cfg(), "xinchuang": zs_cfg()})
    assert not first.partial
    slow = sim_os.openstack_app(dataset.clouds["tianhe"], Faults(latency_ms=(100.0, 100.0)))
    zs = zstack_app(dataset.clouds["xinchuang"])
    result = sync(store, {"tianhe": slow, "xinchuang": zs}, {"tianhe": os_cfg(deadline=1.0), "xinchuang": zs_cfg()})
    assert set(result.failed) == {"tianhe"} and "deadline of 1 s" in result.failed["tianhe"]
    assert len(list(store.resources("server", provider="tianhe"))) == len(dataset.clouds["tianhe"].servers)  # previous data kept
    stale = {s["provider"]: s["stale"] for s in store.provider_status()}
    assert stale == {"tianhe": True, "xinchuang": False}
    assert slow.tokens.issued and slow.tokens.live() == []
    assert zs.tokens.live() == []


# -- config check --connect -------------------------------------------------------------------------

def test_connect_check_logs_in_reads_once_and_revokes(dataset):
    from cloudctl.providers.connect import check_connections

    apps = {"tianhe": sim_os.openstack_app(dataset.clouds["tianhe"]), "huawei": huawei_app(dataset.clouds["huawei"]),
            "xinchuang": zstack_app(dataset.clouds["xinchuang"])}
    loaded = LoadedConfig(Config(providers={"tianhe": os_cfg(), "huawei": hw_cfg(dataset), "xinchuang": zs_cfg()}), None)
    factory = lambda name, c: httpx.AsyncClient(transport=httpx.ASGITransport(apps[name]))  # noqa: E731
    results = {r.provider: r for r in asyncio.run(check_connections(loaded, client_factory=factory))}
    assert all(r.ok for r in results.values()), results
    assert results["tianhe"].url == "http://tianhe.sim/identity/v3/auth/projects"
    for name, app in apps.items():
        assert len(app.tokens.issued) == 1 and app.tokens.live() == [], name


def test_connect_check_reports_the_url_and_the_clouds_error(dataset):
    from cloudctl.providers.connect import check_connections

    apps = {"tianhe": sim_os.openstack_app(dataset.clouds["tianhe"]), "xinchuang": zstack_app(dataset.clouds["xinchuang"])}
    wrong = "Wr0ng-Planted-Pw-41c8"
    loaded = LoadedConfig(Config(providers={"tianhe": os_cfg(password=Secret(wrong)), "xinchuang": zs_cfg()}), None)
    factory = lambda name, c: httpx.AsyncClient(transport=httpx.ASGITransport(apps[name]))  # noqa: E731
    results = {r.provider: r for r in asyncio.run(check_connections(loaded, client_factory=factory))}
    bad = results["tianhe"]
    assert not bad.ok and bad.url == "http://tianhe.sim/identity/v3/auth/tokens"
    assert "The request you have made requires authentication." in bad.error and "HTTP 401" in bad.error
    assert wrong not in bad.error
    assert results["xinchuang"].ok


# -- the log filter ---------------------------------------------------------------------------------

def test_the_log_filter_masks_header_shapes_and_remembered_values_at_every_level():
    import io
    import logging

    from cloudctl import redact

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    redact.install([handler])
    logger = logging.getLogger("test.redact")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        redact.remember_secret("Remembered-Secret-Value-9d1")
        logger.debug("receive_response_headers.complete return_value=(b'HTTP/1.1', 201, b'Created', [(b'X-Subject-Token', b'0123456789abcdef')])")
        logger.info("%s", {"X-Auth-Token": "fedcba9876543210", "Accept": "application/json"})
        logger.warning("Authorization: SDK-HMAC-SHA256 Access=AKPLANTED01, SignedHeaders=host;x-sdk-date, Signature=deadbeefcafe0011")
        logger.error("DELETE http://z/zstack/v1/accounts/sessions/0123456789abcdef0123456789abcdef -> Set-Cookie: sid=abcdef123456")
        try:
            raise ValueError("login failed for Remembered-Secret-Value-9d1")
        except ValueError:
            logger.exception("boom")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    for leaked in ("0123456789abcdef", "fedcba9876543210", "AKPLANTED01", "deadbeefcafe0011", "abcdef123456", "Remembered-Secret-Value-9d1"):
        assert leaked not in text, leaked
    assert text.count(redact.MASK) >= 7 and "ValueError" in text  # masked, not dropped


def test_a_token_renewed_before_it_expires_is_revoked_too(tmp_path, dataset):
    """A Keystone token is renewed 120 s before its expiry; the one it replaced was still valid
    and stayed alive after the sync (only the last token was revoked)."""
    app = sim_os.openstack_app(dataset.clouds["tianhe"], Faults(token_ttl=119.0))  # due for renewal as soon as issued
    store = Store.open(tmp_path / "s.db", create=True)
    result = sync(store, {"tianhe": app}, {"tianhe": os_cfg()})
    assert not result.partial, result.failed
    assert len(app.tokens.issued) > 1  # it did renew
    assert app.tokens.live() == [], "tokens replaced by a renewal were left alive"
