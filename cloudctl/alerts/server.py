"""The relay's HTTP endpoints (an ASGI app; uvicorn serves it, tests call it in-process).

| endpoint | |
| --- | --- |
| ``POST /robots/{robot}`` | an Alertmanager webhook for that robot: 200 queued; 400 bad input; 404 unknown robot; 503 queue full or shutting down |
| ``GET /metrics`` | the relay's own metrics (:mod:`cloudctl.alerts.metrics`) |
| ``GET /-/healthy`` | 200 while the process runs |
| ``GET /-/ready`` | 200 while webhooks are accepted, 503 before start-up ends and while stopping |

Bad input never reaches the lanes: the body is read up to ``limits.max_body`` bytes within
``limits.read_timeout``, must be ``application/json`` and an Alertmanager webhook (version 4).
Every refusal is counted by reason and answered with a message in Chinese and English.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import CollectorRegistry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from cloudctl.alerts.config import Limits
from cloudctl.alerts.lane import Lane
from cloudctl.alerts.metrics import RelayStats
from cloudctl.alerts.payload import BadWebhook, parse_webhook
from cloudctl.i18n import both


@dataclass
class RelayState:
    """What the endpoints share with the service: the lanes, the counters, the limits."""

    lanes: dict[str, Lane]
    stats: RelayStats
    registry: CollectorRegistry
    limits: Limits
    accepting: bool = False  # set once the lanes run; cleared on SIGTERM


class _Refused(Exception):
    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message


async def _read_body(request: Request, limits: Limits) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_body:
        raise _Refused(400, "too_large", both("alerts.http.too_large", limit=limits.max_body))
    chunks: list[bytes] = []
    size = 0

    async def read() -> None:
        nonlocal size
        async for chunk in request.stream():
            size += len(chunk)
            if size > limits.max_body:
                raise _Refused(400, "too_large", both("alerts.http.too_large", limit=limits.max_body))
            chunks.append(chunk)

    try:
        await asyncio.wait_for(read(), timeout=limits.read_timeout)
    except asyncio.TimeoutError:
        raise _Refused(400, "incomplete", both("alerts.http.incomplete", seconds=limits.read_timeout)) from None
    return b"".join(chunks)


def make_app(state: RelayState) -> Starlette:
    def refuse(status: int, reason: str, message: str) -> JSONResponse:
        state.stats.rejected[reason] += 1
        return JSONResponse({"status": "error", "reason": reason, "error": message}, status_code=status)

    async def webhook(request: Request) -> Response:
        robot = request.path_params["robot"]
        lane = state.lanes.get(robot)
        if lane is None:
            return refuse(404, "unknown_robot", both("alerts.http.unknown_robot", robot=robot[:64], names=", ".join(sorted(state.lanes))))
        if not state.accepting:
            return refuse(503, "shutting_down", both("alerts.http.shutting_down"))
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json":
            return refuse(400, "content_type", both("alerts.http.content_type"))
        try:
            body = await _read_body(request, state.limits)
            notification = parse_webhook(body)
        except _Refused as exc:
            return refuse(exc.status, exc.reason, exc.message)
        except BadWebhook as exc:
            return refuse(400, exc.reason, f"{both('alerts.http.' + exc.reason)}: {exc.detail}")
        if not lane.offer(notification, len(body)):
            if not state.accepting:
                return refuse(503, "shutting_down", both("alerts.http.shutting_down"))
            return refuse(503, "queue_full", both("alerts.http.queue_full", robot=robot))
        return JSONResponse({"status": "queued", "robot": robot, "alerts": len(notification.alerts)})

    async def metrics(_: Request) -> Response:
        return Response(generate_latest(state.registry), media_type=CONTENT_TYPE_LATEST)

    async def healthy(_: Request) -> Response:
        return PlainTextResponse("ok\n")

    async def ready(_: Request) -> Response:
        return PlainTextResponse("ready\n") if state.accepting else PlainTextResponse("not ready\n", status_code=503)

    return Starlette(routes=[
        Route("/robots/{robot}", webhook, methods=["POST"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/-/healthy", healthy, methods=["GET"]),
        Route("/-/ready", ready, methods=["GET"]),
    ])
