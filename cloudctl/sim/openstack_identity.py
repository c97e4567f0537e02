"""Keystone v3 of the OpenStack simulator: password and application-credential auth, the catalog.

Tokens come back in ``X-Subject-Token`` with ``token.expires_at`` and the service catalog
(``compute``, ``volumev3``, ``network``, ``placement``, ``identity``; public/internal/admin).
Every other service checks ``X-Auth-Token`` here; a missing, unknown or expired token gets
Keystone's 401 body, as keystonemiddleware answers on a real cloud.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from cloudctl.sim.base import Fail, Token, TokenStore, base_url, json_response
from cloudctl.sim.dataset import Cloud, Project

DOMAIN = {"id": "default", "name": "Default"}
ADMIN_PROJECT = "admin"


@dataclass(frozen=True)
class User:
    id: str
    name: str
    password: str
    admin: bool
    readonly: bool = False  # the reader role: sees what an admin sees, may change nothing


@dataclass(frozen=True)
class AppCredential:
    id: str
    secret: str
    user: str  # user name
    project_id: str


def keystone_error(status: int, message: str) -> dict:
    title = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict"}.get(status, "Error")
    return {"error": {"code": status, "title": title, "message": message}}


UNAUTHORIZED = "The request you have made requires authentication."


class Identity:
    """Users, projects and tokens of one OpenStack cloud."""

    def __init__(self, cloud: Cloud, tokens: TokenStore, users: list[User], app_creds: list[AppCredential], admin_project_id: str) -> None:
        self.cloud = cloud
        self.tokens = tokens
        self.users = {u.name: u for u in users}
        self.app_creds = {a.id: a for a in app_creds}
        self.admin_project = Project(admin_project_id, ADMIN_PROJECT, "admin")
        self.projects = [self.admin_project, *cloud.projects]

    # -- discovery ---------------------------------------------------------------------------
    def _version(self, request: Request) -> dict:
        return {
            "id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
            "links": [{"rel": "self", "href": f"{base_url(request)}/identity/v3/"}],
            "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}],
        }

    async def versions(self, request: Request) -> Response:
        return json_response({"versions": {"values": [self._version(request)]}}, 300)

    async def version(self, request: Request) -> Response:
        return json_response({"version": self._version(request)})

    # -- tokens --------------------------------------------------------------------------------
    async def issue(self, request: Request) -> Response:
        try:
            body = json.loads(await request.body() or b"null")
            identity = body["auth"]["identity"]
            methods = identity["methods"]
        except (ValueError, KeyError, TypeError):
            raise Fail(400, keystone_error(400, "Expecting to find auth.identity.methods in request body.")) from None
        if "application_credential" in methods:
            user, project = self._app_credential(identity.get("application_credential") or {})
        elif "password" in methods:
            user = self._password(identity.get("password") or {})
            project = self._scope(body["auth"].get("scope"), user)
        else:
            raise Fail(401, keystone_error(401, UNAUTHORIZED))
        tok = self.tokens.issue(user=user.name, project_id=project.id, admin=user.admin, readonly=user.readonly)
        return json_response(self._token_body(request, tok, user, project, methods), 201, {"X-Subject-Token": tok.value})

    async def revoke(self, request: Request) -> Response:
        """``DELETE /v3/auth/tokens``: the ``X-Subject-Token`` is invalid from now on (204).

        The caller's ``X-Auth-Token`` must be valid; revoking one's own token needs no role.
        """
        caller, _ = self.tokens.check(request.headers.get("x-auth-token"), count=False)
        if caller is None:
            raise Fail(401, keystone_error(401, UNAUTHORIZED))
        subject = request.headers.get("x-subject-token", "")
        if subject != caller.value and not caller.context["admin"]:
            raise Fail(403, keystone_error(403, "You are not authorized to perform the requested action: identity:revoke_token."))
        if not self.tokens.revoke(subject):
            raise Fail(404, keystone_error(404, "Could not find token: " + subject[:8] + "..."))
        return Response(status_code=204)

    def _password(self, pw: dict) -> User:
        u = pw.get("user") or {}
        user = self.users.get(u.get("name", "")) or next((x for x in self.users.values() if x.id == u.get("id")), None)
        domain = (u.get("domain") or {})
        domain_ok = u.get("id") is not None or domain.get("name") == DOMAIN["name"] or domain.get("id") == DOMAIN["id"]
        if user is None or not domain_ok or u.get("password") != user.password:
            raise Fail(401, keystone_error(401, UNAUTHORIZED))
        return user

    def _app_credential(self, ac: dict) -> tuple[User, Project]:
        cred = self.app_creds.get(ac.get("id", ""))
        if cred is None or ac.get("secret") != cred.secret:
            raise Fail(401, keystone_error(401, UNAUTHORIZED))
        return self.users[cred.user], self.project_by_id(cred.project_id)

    def _scope(self, scope: dict | None, user: User) -> Project:
        if not scope or "project" not in scope:
            raise Fail(401, keystone_error(401, "Unscoped tokens are not offered by this simulator; scope to a project."))
        p = scope["project"]
        if "id" in p:
            project = next((x for x in self.projects if x.id == p["id"]), None)
        else:
            d = p.get("domain") or {}
            in_domain = d.get("name") == DOMAIN["name"] or d.get("id") == DOMAIN["id"]
            project = next((x for x in self.projects if x.name == p.get("name")), None) if in_domain else None
        if project is None:
            raise Fail(401, keystone_error(401, UNAUTHORIZED))
        return project

    def project_by_id(self, pid: str) -> Project:
        return next(p for p in self.projects if p.id == pid)

    def _token_body(self, request: Request, tok: Token, user: User, project: Project, methods: list[str]) -> dict:
        base = base_url(request)
        now = dt.datetime.now(dt.timezone.utc)
        expires = dt.datetime.fromtimestamp(tok.expires_at, dt.timezone.utc)
        services = [
            ("compute", "nova", f"{base}/compute/v2.1"),
            ("volumev3", "cinderv3", f"{base}/volume/v3/{project.id}"),
            ("network", "neutron", f"{base}/network"),
            ("placement", "placement", f"{base}/placement"),
            ("identity", "keystone", f"{base}/identity"),
        ]
        region = self.cloud.region
        catalog = [
            {
                "type": typ, "name": name, "id": f"{typ}-svc",
                "endpoints": [
                    {"id": f"{typ}-{iface}", "interface": iface, "region": region, "region_id": region, "url": url}
                    for iface in ("public", "internal", "admin")
                ],
            }
            for typ, name, url in services
        ]
        roles = [{"id": "r-admin", "name": "admin"}] if user.admin and not user.readonly else []
        roles += [{"id": "r-member", "name": "member"}, {"id": "r-reader", "name": "reader"}]
        return {
            "token": {
                "methods": methods,
                "user": {"id": user.id, "name": user.name, "domain": DOMAIN, "password_expires_at": None},
                "audit_ids": [tok.value[:22]],
                "issued_at": now.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
                "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
                "project": {"id": project.id, "name": project.name, "domain": DOMAIN},
                "is_domain": False,
                "roles": roles,
                "catalog": catalog,
            }
        }

    # -- checks used by every service ----------------------------------------------------------
    def check(self, request: Request, error=keystone_error) -> Token:  # noqa: ANN001
        tok, why = self.tokens.check(request.headers.get("x-auth-token"))
        if tok is None:
            message = "The request you have made requires authentication." if why != "expired" else "Token has expired."
            raise Fail(401, keystone_error(401, message), {"WWW-Authenticate": f'Keystone uri="{base_url(request)}/identity"'})
        return tok

    async def projects_list(self, request: Request) -> Response:
        """``GET /v3/projects`` (admin: all) and ``/v3/auth/projects`` (the caller's)."""
        tok = self.check(request)
        own = request.url.path.endswith("/auth/projects")
        if not own and not tok.context["admin"]:
            raise Fail(403, keystone_error(403, "You are not authorized to perform the requested action: identity:list_projects."))
        visible = self.projects if tok.context["admin"] else [self.project_by_id(tok.context["project_id"])]
        name = request.query_params.get("name")
        if name is not None:  # Keystone's exact-match filter
            visible = [p for p in visible if p.name == name]
        base = base_url(request)
        return json_response({
            "projects": [self.project_body(request, p) for p in visible],
            "links": {"self": f"{base}{request.url.path}", "previous": None, "next": None},
        })

    def project_body(self, request: Request, p: Project) -> dict:
        return {"id": p.id, "name": p.name, "domain_id": DOMAIN["id"], "enabled": True, "is_domain": False,
                "parent_id": DOMAIN["id"], "description": p.department, "tags": [],
                "links": {"self": f"{base_url(request)}/identity/v3/projects/{p.id}"}}
