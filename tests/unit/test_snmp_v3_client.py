"""The SNMPv3 client against the simulator's USM agent on loopback: discovery once per node, keys
localized once per (user, engine), every USM Report as its error kind, and recovery by itself
from a reboot (engine boots up) and a replacement (new engine ID) — with the number of requests,
discoveries and key localizations counted, not timed."""

from __future__ import annotations

import asyncio

import pytest

from cloudctl.secrets import Secret
from cloudctl.sim.snmp.mibview import MibView
from cloudctl.sim.snmp.usm import UsmAgent, UsmUser, engine_id_for
from cloudctl.snmp import ber, pdu, v3msg
from cloudctl.snmp.base import SnmpError, Target
from cloudctl.snmp.client import Client

COL = "1.3.6.1.2.1.31.1.1.1.1"
SYS_NAME = "1.3.6.1.2.1.1.5.0"
AUTH_PW, PRIV_PW = "auth-pass-123", "priv-pass-456"
USERS = [
    UsmUser("egov", "sha256", AUTH_PW, PRIV_PW, "aes128"),
    UsmUser("legacy", "md5", AUTH_PW, PRIV_PW, "des"),
    UsmUser("cisco", "sha", AUTH_PW, PRIV_PW, "aes256c"),
    UsmUser("authonly", "sha512", AUTH_PW),
]
KEYS = {u.name: (u, *u.master_keys()) for u in USERS}


def _view() -> MibView:
    objs = {SYS_NAME: (ber.OCTET_STRING, b"node-a"), "1.3.6.1.2.1.1.3.0": (ber.TIMETICKS, 4242)}
    objs.update({f"{COL}.{i}": (ber.OCTET_STRING, f"GE0/0/{i}".encode()) for i in range(1, 26)})
    return MibView(objs)


class SimNode(asyncio.DatagramProtocol):
    """One simulated SNMPv3 agent; ``usm`` can be rebooted or replaced, ``tamper`` edits answers."""

    def __init__(self, index: int = 1) -> None:
        self.usm = UsmAgent(engine_id_for(index), KEYS)
        self.view = _view()
        self.requests = 0
        self.tamper = None
        self.ignore_max_size = False  # a buggy agent answers past the manager's msgMaxSize
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport) -> None:  # noqa: ANN001
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:  # noqa: ANN001
        self.requests += 1

        def respond(req, overhead, max_size):  # noqa: ANN001, ANN202
            return self.view.respond_pdu(req, overhead=overhead, max_size=None if self.ignore_max_size else max_size)

        reply = self.usm.handle(data, respond)
        if reply is not None and self.tamper is not None:
            reply = self.tamper(reply)
        if reply is not None:
            self.transport.sendto(reply, addr)

    @property
    def port(self) -> int:
        return self.transport.get_extra_info("sockname")[1]


async def start_node(index: int = 1) -> SimNode:
    _, node = await asyncio.get_running_loop().create_datagram_endpoint(lambda: SimNode(index), local_addr=("127.0.0.1", 0))
    return node


def v3(port: int, profile: str = "egov", **kw) -> Target:
    """A target with the credentials of the simulated user ``profile``; ``kw`` changes any field."""
    u = next(x for x in USERS if x.name == profile)
    base = dict(version="3", user=profile, auth_protocol=u.auth_protocol, auth_key=Secret(AUTH_PW),
                priv_protocol=u.priv_protocol if u.priv_password else None, priv_key=Secret(PRIV_PW) if u.priv_password else None,
                security_level="authPriv" if u.priv_password else "authNoPriv", timeout=0.3, retries=0, max_repetitions=10)
    base.update(kw)
    return Target("127.0.0.1", port, **base)


def run(coro):  # noqa: ANN001, ANN201
    return asyncio.run(asyncio.wait_for(coro, 60))


async def _kind(client: Client, t: Target) -> str:
    with pytest.raises(SnmpError) as err:
        await client.get(t, [SYS_NAME])
    return err.value.kind


@pytest.mark.parametrize("user", ["egov", "legacy", "cisco", "authonly"])
def test_get_and_walk_at_each_users_level(user):
    async def main():
        node = await start_node()
        client = Client()
        try:
            got = await client.get(v3(node.port, user), [SYS_NAME])
            rows = await client.walk(v3(node.port, user, max_repetitions=7), COL)
        finally:
            await client.close()
        assert got == [(SYS_NAME, b"node-a")]
        assert [o for o, _ in rows] == [f"{COL}.{i}" for i in range(1, 26)]
        s = client.stats["v3"]
        # discovery once, then 1 GET + ceil(26 / 7) GETBULKs; the boots/time of the unauthenticated
        # discovery Report were right, so no resynchronisation was needed
        assert (s["discoveries"], s["requests"], s["resyncs"], s["key_localizations"]) == (1, 1 + 1 + 4, 0, 1)

    run(main())


def test_keys_are_localized_once_per_user_and_engine_not_per_poll():
    async def main():
        nodes = [await start_node(i) for i in range(3)]
        client = Client()
        try:
            for _ in range(20):
                for n in nodes:
                    await client.get(v3(n.port), [SYS_NAME])
            await client.get(v3(nodes[0].port, "cisco"), [SYS_NAME])
        finally:
            await client.close()
        s = client.stats["v3"]
        assert s["discoveries"] == 3  # one per engine
        assert s["key_localizations"] == 3 + 1  # egov on three engines, cisco on one
        assert s["requests"] == 3 + 60 + 1

    run(main())


def test_concurrent_polls_of_a_new_node_share_one_discovery():
    async def main():
        node = await start_node()
        client = Client()
        try:
            got = await asyncio.gather(*(client.get(v3(node.port), [SYS_NAME]) for _ in range(10)))
        finally:
            await client.close()
        assert got == [[(SYS_NAME, b"node-a")]] * 10
        assert client.stats["v3"]["discoveries"] == 1 and node.requests == 11

    run(main())


@pytest.mark.parametrize(
    ("change", "kind"),
    [
        ({"user": "nobody", "auth_protocol": "sha256"}, "unknownUserName"),
        ({"auth_key": Secret("not-the-auth-key")}, "wrongDigest"),
        ({"auth_protocol": "sha384"}, "wrongDigest"),
        ({"priv_key": Secret("not-the-priv-key")}, "decryptionError"),
        ({"priv_protocol": "aes256"}, "decryptionError"),
        ({"security_level": "authNoPriv", "priv_protocol": None, "priv_key": None}, "authorizationError"),
    ],
    ids=["unknown-user", "wrong-auth-key", "wrong-auth-protocol", "wrong-priv-key", "wrong-priv-protocol", "level-too-low"],
)
def test_wrong_credentials_are_the_kind_the_node_reports_and_never_the_secret(change, kind):
    async def main():
        node = await start_node()
        client = Client()
        try:
            kinds = [await _kind(client, v3(node.port, **change)) for _ in range(2)]  # the same on every poll
            with pytest.raises(SnmpError) as err:
                await client.get(v3(node.port, **change), [SYS_NAME])
            good = await client.get(v3(node.port), [SYS_NAME])  # the same node, right credentials: fine
        finally:
            await client.close()
        assert kinds == [kind, kind]
        for secret in ("not-the-auth-key", "not-the-priv-key", AUTH_PW, PRIV_PW):
            assert secret not in str(err.value)
        assert good == [(SYS_NAME, b"node-a")]

    run(main())


def test_a_privacy_level_the_user_has_no_key_for_is_unsupported_sec_level():
    async def main():
        node = await start_node()
        client = Client()
        try:
            return await _kind(client, v3(node.port, "authonly", security_level="authPriv", priv_protocol="aes128", priv_key=Secret(PRIV_PW)))
        finally:
            await client.close()

    assert run(main()) == "unsupportedSecLevel"


def test_a_rebooted_device_is_resynchronised_once_and_answers_in_the_same_poll():
    async def main():
        node = await start_node()
        client = Client()
        try:
            await client.get(v3(node.port), [SYS_NAME])
            node.usm.reboot()  # engine boots + 1, engine time from 0: our next request is out of its window
            node.requests = 0
            got = await client.get(v3(node.port), [SYS_NAME])
        finally:
            await client.close()
        assert got == [(SYS_NAME, b"node-a")]
        s = client.stats["v3"]
        assert (s["resyncs"], s["discoveries"], node.requests) == (1, 1, 2)  # notInTimeWindow, then the answer
        engine = client.v3.engine("127.0.0.1", node.port)
        assert (engine.boots, engine.trusted) == (node.usm.boots, True)

    run(main())


def test_a_replaced_device_with_a_new_engine_id_is_rediscovered_by_itself():
    async def main():
        node = await start_node(1)
        client = Client()
        try:
            await client.get(v3(node.port), [SYS_NAME])
            node.usm = UsmAgent(engine_id_for(99), KEYS)  # same address, new engine: unknownEngineID for our request
            node.requests = 0
            got = await client.get(v3(node.port), [SYS_NAME])
        finally:
            await client.close()
        assert got == [(SYS_NAME, b"node-a")]
        assert client.v3.engine("127.0.0.1", node.port).engine_id == engine_id_for(99)
        s = client.stats["v3"]
        assert (s["discoveries"], s["key_localizations"], node.requests) == (2, 2, 2)

    run(main())


def test_an_engine_that_keeps_refusing_our_time_is_resynchronised_only_once():
    async def main():
        node = await start_node()
        client = Client()
        try:
            await client.get(v3(node.port), [SYS_NAME])
            node.usm.boots = 0x7FFFFFFF  # RFC 3414: an engine at the maximum boots accepts nothing
            node.requests = 0
            kind = await _kind(client, v3(node.port))
        finally:
            await client.close()
        assert kind == "notInTimeWindow"
        assert node.requests == 2 and client.stats["v3"]["resyncs"] == 1

    run(main())


def test_an_unauthenticated_not_in_time_window_report_is_not_trusted():
    """A forged report (not authenticated) must not move our idea of the engine's clock."""

    def forge(reply: bytes) -> bytes:
        m = v3msg.parse(reply)
        vb = pdu.encode_varbind(ber.encode_oid(v3msg.REPORT_OIDS["notInTimeWindow"]), ber.encode_value(ber.COUNTER32, 1))
        scoped = v3msg.scoped_pdu(m.engine_id, b"", pdu.encode_pdu(pdu.REPORT, 0, 0, 0, [vb]))
        return v3msg.encode(m.msg_id, 0, ber.tlv(ber.OCTET_STRING, m.engine_id), 999, 1, ber.tlv(ber.OCTET_STRING, m.user), None, b"", scoped)

    async def main():
        node = await start_node()
        client = Client()
        try:
            await client.get(v3(node.port), [SYS_NAME])
            node.tamper = forge
            kind = await _kind(client, v3(node.port))
        finally:
            await client.close()
        engine = client.v3.engine("127.0.0.1", node.port)
        assert kind == "notInTimeWindow"
        assert client.stats["v3"]["resyncs"] == 0 and engine.boots == 1

    run(main())


def test_an_answer_with_a_bad_digest_is_dropped_and_the_request_times_out():
    def flip(reply: bytes) -> bytes:
        m = v3msg.parse(reply)
        if not m.flags & v3msg.FLAG_AUTH:
            return reply
        b = bytearray(reply)
        b[m.auth_start] ^= 0x80
        return bytes(b)

    async def main():
        node = await start_node()
        client = Client()
        try:
            await client.get(v3(node.port), [SYS_NAME])
            node.tamper = flip
            kind = await _kind(client, v3(node.port, retries=1))
        finally:
            await client.close()
        s = client.stats["v3"]
        assert kind == "timeout"
        assert s["wrong_digest"] == 2 and s["decryption_errors"] == 0  # never decrypted

    run(main())


def test_a_small_max_response_bytes_is_announced_as_msg_max_size_and_honoured():
    async def main():
        node = await start_node()
        client = Client()
        try:
            rows = await client.walk(v3(node.port, max_response_bytes=500, max_repetitions=25), COL)
        finally:
            await client.close()
        assert [o for o, _ in rows] == [f"{COL}.{i}" for i in range(1, 26)]
        # discovery + pages the agent trimmed to fit 500 octets (25 rows would have fitted 1,472: 2 pages)
        assert node.requests >= 1 + 3
        assert client.stats["udp"]["too_large"] == 0

    run(main())


def test_an_answer_over_max_response_bytes_is_dropped_unread_and_reported_as_limits():
    async def main():
        node = await start_node()
        node.ignore_max_size = True
        client = Client()
        try:
            got = await client.get(v3(node.port, max_response_bytes=484), [SYS_NAME])
            with pytest.raises(SnmpError) as err:
                await client.walk(v3(node.port, max_response_bytes=484, max_repetitions=25, retries=1), COL)
        finally:
            await client.close()
        assert got == [(SYS_NAME, b"node-a")]  # a GET of one OID fits in 484 octets ...
        assert err.value.kind == "limits" and "max_response_bytes" in str(err.value)  # ... 25 rows do not
        assert client.stats["udp"]["too_large"] == 2  # both attempts' answers, dropped unread
        assert client.stats["v3"]["garbage"] == client.stats["v3"]["wrong_digest"] == 0

    run(main())
