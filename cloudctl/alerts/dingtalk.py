"""One signed DingTalk custom-robot request (自定义机器人 with 加签), and what its answer means.

The request, as DingTalk's robot documentation gives it:

- ``POST {url}?access_token=TOKEN&timestamp=MS&sign=SIGN`` with a UTF-8 JSON body
  ``{"msgtype": "markdown", "markdown": {"title": …, "text": …}, "at": {…}}``;
- ``MS`` is the current time in milliseconds (DingTalk refuses one more than an hour off);
- ``SIGN`` = URL-encode(base64(HMAC-SHA256(key=secret, message=f"{MS}\\n{secret}"))), UTF-8.

DingTalk answers HTTP 200 with ``{"errcode": …, "errmsg": …}``; only ``errcode`` 0 means the
message was posted. A 200 with another errcode is a failure (:func:`classify`).

The access token and the signature travel in the URL, so the URL is never logged or put into an
exception; failures are described by kind and errcode only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from cloudctl.alerts.config import RobotCredentials
from cloudctl.alerts.message import Message

# errcodes DingTalk's robot API documents (and robots return), by what the relay does about them.
THROTTLED = {130101}  # "send too fast, exceed 20 times per minute": the robot is blocked for 10 minutes
BUSY = {-1}  # 系统繁忙 (system busy): retry
MAX_ANSWER = 64 * 1024  # DingTalk answers with a few bytes of JSON; read no more than this
# Everything else non-zero is refused for good and not retried: 310000 (sign not match, keywords
# not in content, IP not in whitelist), 300001 / 300005 (token is not exist), and codes the relay
# does not know.


def sign(secret: str, timestamp_ms: int) -> str:
    """The base64 HMAC-SHA256 signature of ``"{timestamp_ms}\\n{secret}"`` keyed with ``secret`` (not yet URL-encoded)."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_url(base: str, robot: RobotCredentials, timestamp_ms: int) -> str:
    """``base`` with ``access_token``, ``timestamp`` and the URL-encoded ``sign`` added to its query."""
    parts = urlsplit(base)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [("access_token", robot.access_token), ("timestamp", str(timestamp_ms)), ("sign", sign(robot.secret, timestamp_ms))]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def body(message: Message, robot: RobotCredentials, *, mention: bool) -> dict:
    """The JSON body of a markdown message; the robot's mobiles are @-mentioned when ``mention``."""
    out: dict = {"msgtype": "markdown", "markdown": {"title": message.title, "text": message.text}}
    if mention and robot.at_mobiles:
        # DingTalk notifies an @-mentioned member only when the text names them too.
        out["markdown"]["text"] += "\n\n" + " ".join(f"@{m}" for m in robot.at_mobiles)
        out["at"] = {"atMobiles": list(robot.at_mobiles), "isAtAll": False}
    return out


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to. ``kind``: ok | throttled | busy | rejected | http | network | bad_response."""

    kind: str
    retry: bool
    errcode: int | None = None
    detail: str = ""  # safe to log: no URL, no token

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


def classify(status: int, content: bytes) -> Outcome:
    """Read DingTalk's answer: HTTP status first, then ``errcode`` (a 200 is not enough)."""
    if status == 429 or status >= 500:
        return Outcome("http", True, detail=f"HTTP {status}")
    if status != 200:
        return Outcome("http", False, detail=f"HTTP {status}")
    try:
        data = json.loads(content)
        errcode = int(data["errcode"])
    except (ValueError, TypeError, KeyError, RecursionError):
        return Outcome("bad_response", True, detail="HTTP 200 without a JSON errcode")
    errmsg = str(data.get("errmsg", ""))[:200]
    if errcode == 0:
        return Outcome("ok", False, 0)
    if errcode in THROTTLED:
        return Outcome("throttled", True, errcode, f"errcode {errcode}: {errmsg}")
    if errcode in BUSY:
        return Outcome("busy", True, errcode, f"errcode {errcode}: {errmsg}")
    return Outcome("rejected", False, errcode, f"errcode {errcode}: {errmsg}")


class DingTalkSender:
    """Posts messages for robots through one shared ``httpx.AsyncClient`` (passed in)."""

    def __init__(self, client: httpx.AsyncClient, url: str, clock_ms) -> None:  # noqa: ANN001
        self._client = client
        self._url = url
        self._clock_ms = clock_ms  # () -> int, wall-clock milliseconds (DingTalk checks it)

    async def send(self, robot: RobotCredentials, message: Message, *, mention: bool = False) -> Outcome:
        url = signed_url(self._url, robot, self._clock_ms())
        payload = json.dumps(body(message, robot, mention=mention), ensure_ascii=False).encode("utf-8")
        try:
            async with self._client.stream("POST", url, content=payload, headers={"Content-Type": "application/json; charset=utf-8"}) as resp:
                content = b""
                async for chunk in resp.aiter_bytes():
                    content += chunk
                    if len(content) > MAX_ANSWER:
                        break
                return classify(resp.status_code, content)
        except httpx.TimeoutException:
            return Outcome("network", True, detail="timed out")
        except httpx.HTTPError as exc:  # connection refused, TLS, protocol errors
            return Outcome("network", True, detail=type(exc).__name__)
