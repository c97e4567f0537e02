"""The ZStack Cloud simulator (信创云): sessions or AK/SK, and the query APIs under ``/zstack/v1``.

Login: ``PUT /zstack/v1/accounts/login`` with ``{"logInByAccount": {"accountName", "password":
<SHA-512 hex>}}`` → session uuid; then ``Authorization: OAuth <session>``; logout with
``DELETE /zstack/v1/accounts/sessions/{uuid}``. AK/SK: ``Authorization: ZStack <AK>:<base64
HMAC-SHA1(SK, "METHOD\\nDATE\\nURI")>`` with an RFC 1123 ``Date``.

Queries take ``start``, ``limit``, ``replyWithCount=true`` (adds ``total``), ``count=true``
(only ``total``), ``sortBy``/``sortDirection`` and repeated ``q=`` conditions
(``=``, ``!=``, ``?=`` in, ``!?=`` not in, ``~=`` like with ``%``, ``>``, ``<``, ``>=``, ``<=``).
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cloudctl.sim.base import Clock, Fail, SimLayer, TokenStore, fail_handler, json_response
from cloudctl.sim.dataset import Cloud, Project
from cloudctl.sim.faults import Faults
from cloudctl.sim.jobs import Jobs
from cloudctl.sim.zstack_render import Renderer, zdate, zid
from cloudctl.sim.zstack_write import DEFAULT_QUOTAS, ZStackWrites, account_uuid

PREFIX = "/zstack/v1"
MAX_SKEW = dt.timedelta(minutes=15)
_OPS = ("!?=", "?=", "!~=", "~=", "!=", ">=", "<=", "=", ">", "<")
ADMIN_ACCOUNT_UUID = "36c27e8ff05c4780bf6d2fa65700f22e"


@dataclass(frozen=True)
class ZStackCredentials:
    """Demo credentials the simulator accepts (written into the generated config)."""

    account: str = "admin"
    password: str = "zstack-demo-password"
    reader_account: str = "auditor"  # a read-only account: every write gets 403
    reader_password: str = "zstack-auditor-password"
    access_key_id: str = "SimZStackAccessKey0001"
    access_key_secret: str = "SimZStackSecret0000000000000000000000001"


def zstack_error(status: int, code: str, description: str, details: str = "") -> dict:
    return {"error": {"code": code, "description": description, "details": details or description}}


def _fault_shape(status: int, message: str, path: str, rid: str) -> dict:
    if status == 429:
        return zstack_error(429, "SYS.1009", "The API is throttled", message)
    return zstack_error(status, "SYS.1001", "An internal error happened in system", message)


def _condition(raw: str) -> tuple[str, str, str]:
    """``field<op>value``: the leftmost operator wins, the longest one at that position."""
    best: tuple[int, str] | None = None
    for op in _OPS:
        i = raw.find(op)
        if i > 0 and (best is None or i < best[0] or (i == best[0] and len(op) > len(best[1]))):
            best = (i, op)
    if best is None:
        raise ValueError(f"invalid query condition [{raw}]: expected field<op>value")
    i, op = best
    return raw[:i], op, raw[i + len(op):]


def _like(pattern: str) -> re.Pattern:
    return re.compile("^" + ".*".join(re.escape(p) for p in pattern.split("%")) + "$", re.S)


def _match(value: object, op: str, want: str) -> bool:
    if isinstance(value, list):
        return any(_match(v, op, want) for v in value)
    text = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    if op in ("=", "!="):
        eq = (value is None) if want == "null" else text == want
        return eq if op == "=" else not eq
    if op in ("?=", "!?="):
        inside = text in want.split(",")
        return inside if op == "?=" else not inside
    if op in ("~=", "!~="):
        hit = bool(_like(want).match(text))
        return hit if op == "~=" else not hit
    try:
        a, b = float(text), float(want)
    except ValueError:
        a, b = text, want  # type: ignore[assignment]
    return {">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b}[op]


def _field(inv: dict, name: str) -> object:
    head, _, rest = name.partition(".")
    if head not in inv:
        raise KeyError(name)
    value = inv[head]
    if rest:
        items = value if isinstance(value, list) else [value]
        return [_field(x, rest) for x in items if isinstance(x, dict)]
    return value


class ZStackSim:
    def __init__(self, cloud: Cloud, faults: Faults, creds: ZStackCredentials, clock: Clock | None) -> None:
        self.cloud = cloud
        self.creds = creds
        self.sessions = TokenStore(faults, clock) if clock else TokenStore(faults)
        self.clock = clock
        self.render = Renderer(cloud)
        self._cache: dict[str, list[dict]] = {}
        self._selected: dict[tuple, list[dict]] = {}
        self._by_uuid: dict[str, dict[str, dict]] = {}
        self.jobs = Jobs(faults.job_seconds, clock)
        # What the write APIs change, kept as ZStack keeps it: tag records, accounts, quotas.
        self.tags: list[dict] = self.render.user_tags()
        self._tags_of: dict[str, list[dict]] = {}
        for t in self.tags:
            self._tags_of.setdefault(t["resourceUuid"], []).append(t)
        self.servers_by_zid = {zid(x.id): x for x in cloud.servers}
        created = zdate(dt.datetime(2023, 1, 1, tzinfo=dt.timezone.utc))
        self.accounts: list[dict] = [{"uuid": ADMIN_ACCOUNT_UUID, "name": creds.account, "type": "SystemAdmin", "description": "",
                                      "createDate": created, "lastOpDate": created}]
        self.accounts_by_uuid = {ADMIN_ACCOUNT_UUID: self.accounts[0]}
        self.quotas: list[dict] = []
        self._quota_index: dict[tuple[str, str], dict] = {}
        for project in cloud.projects:
            self.add_account(project, "Normal", created)
        self.sources: dict[str, Callable[[], list[dict]]] = {
            "vm-instances": lambda: [self.render.vm(s) for s in cloud.servers],
            "volumes": lambda: [self.render.volume(v) for v in cloud.volumes],
            "l3-networks": lambda: [self.render.l3(n) for n in cloud.networks],
            "eips": lambda: [self.render.eip(f) for f in cloud.floating_ips],
            "user-tags": lambda: self.tags,
            "hosts": self._hosts,
            "accounts": lambda: self.accounts,
            "accounts/quotas": lambda: self.quotas,
        }

    # -- state the write APIs change ------------------------------------------------------------
    def add_account(self, project: Project, atype: str, when: str) -> dict:
        acc = {"uuid": account_uuid(project), "name": project.name, "type": atype, "description": project.department,
               "createDate": when, "lastOpDate": when}
        self.accounts.append(acc)
        self.accounts_by_uuid[acc["uuid"]] = acc
        for name, value in DEFAULT_QUOTAS.items():
            q = {"name": name, "identityUuid": acc["uuid"], "identityType": "AccountVO", "value": value, "createDate": when, "lastOpDate": when}
            self.quotas.append(q)
            self._quota_index[(acc["uuid"], name)] = q
        self._changed("accounts", "accounts/quotas")
        return acc

    def set_quota(self, identity: str, name: str, value: int, when: str) -> dict:
        q = self._quota_index[(identity, name)]
        q.update(value=value, lastOpDate=when)
        self._changed("accounts/quotas")
        return q

    def server(self, vm_uuid: str):  # noqa: ANN201
        return self.servers_by_zid.get(vm_uuid)

    def resource_exists(self, rtype: str, ruuid: str) -> bool:
        if rtype == "VmInstanceVO":
            return ruuid in self.servers_by_zid
        kind = {"VolumeVO": "volumes", "L3NetworkVO": "l3-networks", "EipVO": "eips"}[rtype]
        return ruuid in self._index(kind)

    def tags_of(self, ruuid: str) -> list[dict]:
        return self._tags_of.get(ruuid, [])

    def add_tag(self, inv: dict) -> None:
        self.tags.append(inv)
        self._tags_of.setdefault(inv["resourceUuid"], []).append(inv)
        self._tag_changed(inv)

    def remove_tag(self, tag_uuid: str) -> bool:
        inv = next((t for t in self.tags if t["uuid"] == tag_uuid), None)
        if inv is None:
            return False
        self.tags.remove(inv)
        self._tags_of[inv["resourceUuid"]].remove(inv)
        self._tag_changed(inv)
        return True

    def _tag_changed(self, inv: dict) -> None:
        s = self.servers_by_zid.get(inv["resourceUuid"]) if inv["resourceType"] == "VmInstanceVO" else None
        if s is not None:  # the dataset's view of the VM's system-id: the last such tag, as a reader sees it
            ids = [t["tag"].partition("::")[2] for t in self._tags_of.get(inv["resourceUuid"], []) if t["tag"].startswith("system-id::")]
            s.system_id = ids[-1] if ids else None
            s.rev += 1
        self._changed("user-tags")

    def vm_changed(self, s) -> None:  # noqa: ANN001
        vms = self._cache.get("vm-instances")
        if vms is not None:
            i = next(i for i, v in enumerate(vms) if v["uuid"] == zid(s.id))
            vms[i] = self.render.vm(s)
        self._changed("vm-instances", "hosts")

    def _changed(self, *kinds: str) -> None:
        """Forget what was derived from these kinds (tags, accounts and quotas are live lists)."""
        for kind in kinds:
            if kind == "hosts":
                self._cache.pop(kind, None)
            self._by_uuid.pop(kind, None)
        self._selected.clear()

    def _index(self, kind: str) -> dict[str, dict]:
        if kind not in self._by_uuid:
            self._by_uuid[kind] = {i.get("uuid"): i for i in self._all(kind)}
        return self._by_uuid[kind]

    def _hosts(self) -> list[dict]:
        used: dict[str, list[int]] = {h.id: [0, 0] for h in self.cloud.hosts}
        for s in self.cloud.servers:
            if s.status == "running":
                used[s.host][0] += s.flavor.vcpus
                used[s.host][1] += s.flavor.ram_mb
        return [self.render.host(h, *used[h.id]) for h in self.cloud.hosts]

    def _now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.clock(), dt.timezone.utc) if self.clock else dt.datetime.now(dt.timezone.utc)

    # -- auth ----------------------------------------------------------------------------------
    async def login(self, request: Request) -> Response:
        try:
            body = json.loads(await request.body() or b"null")["logInByAccount"]
            name, password = body["accountName"], body["password"]
        except (ValueError, KeyError, TypeError):
            raise Fail(400, zstack_error(400, "SYS.1007", "One or more API argument is invalid", "expected {\"logInByAccount\": {\"accountName\", \"password\"}}")) from None
        known = {self.creds.account: (self.creds.password, False), self.creds.reader_account: (self.creds.reader_password, True)}
        secret, readonly = known.get(name, ("", True))
        expected = hashlib.sha512(secret.encode()).hexdigest()
        if name not in known or not hmac.compare_digest(str(password).lower(), expected):
            raise Fail(401, zstack_error(401, "ID.1001", "wrong account name or password", f"account[{name}] login failed"))
        tok = self.sessions.issue(account=name, readonly=readonly)
        now = self._now()
        return json_response({"inventory": {
            "uuid": uuid.UUID(tok.value).hex, "accountUuid": ADMIN_ACCOUNT_UUID, "userUuid": ADMIN_ACCOUNT_UUID,
            "expiredDate": zdate(dt.datetime.fromtimestamp(tok.expires_at, dt.timezone.utc)), "createDate": zdate(now)}})

    async def logout(self, request: Request) -> Response:
        """``DELETE /zstack/v1/accounts/sessions/{uuid}``: the session is refused from now on (recorded)."""
        self.sessions.revoke(request.path_params["uuid"])
        return json_response({})

    def _auth(self, request: Request) -> None:
        self.authenticate(request)

    def authenticate(self, request: Request) -> dict:
        """The caller's context (``account``, ``readonly``); 401 in ZStack's shape when unknown."""
        self.jobs.run_due()
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme == "OAuth":
            tok, why = self.sessions.check(value.strip())
            if tok is None:
                desc = "Session expired" if why == "expired" else "Invalid session"
                raise Fail(401, zstack_error(401, "ID.1002", desc, f"session[uuid:{value.strip()}] is {why}; log in again"))
            return tok.context
        if scheme == "ZStack":
            self._verify_aksk(request, value.strip())
            return {"account": self.creds.account, "readonly": False}
        raise Fail(401, zstack_error(401, "ID.1002", "missing Authorization header", "use 'OAuth <session uuid>' or 'ZStack <AK>:<signature>'"))

    def _verify_aksk(self, request: Request, value: str) -> None:
        ak, _, sig = value.partition(":")
        date = request.headers.get("date", "")
        try:
            when = email.utils.parsedate_to_datetime(date)
        except (TypeError, ValueError):
            when = None
        if when is None or when.tzinfo is None or abs(self._now() - when) > MAX_SKEW:
            raise Fail(401, zstack_error(401, "ID.1003", "invalid Date header", "an RFC 1123 Date within 15 minutes of server time is required"))
        expected = base64.b64encode(hmac.new(self.creds.access_key_secret.encode(), f"{request.method}\n{date}\n{request.url.path}".encode(), hashlib.sha1).digest()).decode()
        if ak != self.creds.access_key_id or not hmac.compare_digest(sig, expected):
            raise Fail(401, zstack_error(401, "ID.1003", "access key authentication failed", f"signature of AccessKey[{ak}] does not match"))

    # -- queries -------------------------------------------------------------------------------
    def _all(self, kind: str) -> list[dict]:
        if kind not in self._cache:
            self._cache[kind] = self.sources[kind]()
        return self._cache[kind]

    def _kind(self, request: Request) -> str:
        kind = request.path_params.get("kind") or request.url.path.removeprefix(f"{PREFIX}/")
        if kind not in self.sources:
            raise Fail(404, zstack_error(404, "SYS.1006", "The API is not found", f"no API at {request.method} {request.url.path}"))
        return kind

    def _select(self, kind: str, conditions: tuple[str, ...], sort_by: str | None, descending: bool) -> list[dict]:
        """The filtered, sorted listing; memoized, since paging repeats the same query (data never changes)."""
        key = (kind, conditions, sort_by, descending)
        if key in self._selected:
            return self._selected[key]
        items = self._all(kind)
        if kind == "user-tags" and conditions and conditions[0].startswith("resourceUuid="):
            items = self._tags_of.get(conditions[0].partition("=")[2], [])  # indexed: the common per-resource lookup
            conditions = conditions[1:]
        for raw in conditions:
            fname, op, want = _condition(raw)
            items = [i for i in items if _match(_field(i, fname), op, want)]
        if sort_by:
            items = sorted(items, key=lambda i: (i.get(sort_by) is None, str(i.get(sort_by))), reverse=descending)
        if len(self._selected) >= 64:
            self._selected.pop(next(iter(self._selected)))
        self._selected[key] = items
        return items

    async def query(self, request: Request) -> Response:
        self._auth(request)
        kind = self._kind(request)
        params = request.query_params
        try:
            start, limit = int(params.get("start", 0)), int(params.get("limit", 1000))
            if start < 0 or limit < 0:
                raise ValueError("start and limit must not be negative")
            items = self._select(kind, tuple(params.getlist("q")), params.get("sortBy"), params.get("sortDirection") == "desc")
        except KeyError as exc:
            raise Fail(400, zstack_error(400, "SYS.1007", "One or more API argument is invalid", f"invalid query field[{exc.args[0]}]")) from None
        except ValueError as exc:
            raise Fail(400, zstack_error(400, "SYS.1007", "One or more API argument is invalid", str(exc))) from None
        if params.get("count") == "true":
            return json_response({"total": len(items)})
        body: dict = {"inventories": items[start : start + limit]}
        if params.get("replyWithCount") == "true":
            body["total"] = len(items)
        return json_response(body)

    async def get_one(self, request: Request) -> Response:
        self._auth(request)
        uid = request.path_params["uuid"]
        found = self._index(self._kind(request)).get(uid)
        return json_response({"inventories": [found] if found else []})


def zstack_app(cloud: Cloud, faults: Faults | None = None, creds: ZStackCredentials | None = None, clock: Clock | None = None):
    """The ASGI app of the simulated ZStack cloud."""
    faults = faults or Faults()
    sim = ZStackSim(cloud, faults, creds or ZStackCredentials(), clock)
    writes = ZStackWrites(sim, sim.jobs)

    async def not_found(request, exc):  # noqa: ANN001, ANN202
        return json_response(zstack_error(404, "SYS.1006", "The API is not found", f"no API at {request.method} {request.url.path}"), 404)

    routes = [
        Route(f"{PREFIX}/accounts/login", sim.login, methods=["PUT"]),
        Route(f"{PREFIX}/accounts/sessions/{{uuid}}", sim.logout, methods=["DELETE"]),
        Route(f"{PREFIX}/accounts/quotas", sim.query, methods=["GET"]),
        Route(f"{PREFIX}/accounts/quotas/actions", writes.update_quota, methods=["PUT"]),
        Route(f"{PREFIX}/accounts", writes.create_account, methods=["POST"]),
        Route(f"{PREFIX}/api-jobs/{{uuid}}", writes.job, methods=["GET"]),
        Route(f"{PREFIX}/user-tags", writes.create_user_tag, methods=["POST"]),
        Route(f"{PREFIX}/tags/{{uuid}}", writes.delete_tag, methods=["DELETE"]),
        Route(f"{PREFIX}/vm-instances/{{uuid}}/actions", writes.vm_action, methods=["PUT"]),
        Route(f"{PREFIX}/{{kind}}", sim.query, methods=["GET"]),
        Route(f"{PREFIX}/{{kind}}/{{uuid}}", sim.get_one, methods=["GET"]),
    ]
    app = Starlette(routes=routes, exception_handlers={Fail: fail_handler, 404: not_found, 405: not_found})
    return SimLayer(app, faults, request_id_header="X-Request-Id", make_request_id=lambda: uuid.uuid4().hex,
                    error_shape=_fault_shape, is_auth=lambda method, path: path.startswith(f"{PREFIX}/accounts/"), tokens=sim.sessions)
