"""Local stand-ins for the services alerts are delivered to, which are unreachable from here.

Each checks requests against the publicly documented format and records what it accepted, so a
test can read the messages back. They are written from the documentation, not from the relay's
code (the DingTalk signature is recomputed here on its own):

- **DingTalk custom robot** (自定义机器人, 安全设置 加签): ``POST /robot/send?access_token=…&timestamp=…&sign=…``;
  ``sign`` = urlEncode(base64(HmacSHA256(key=secret, "{timestamp}\\n{secret}"))), timestamp in ms
  within one hour of now; UTF-8 JSON body; answers HTTP 200 ``{"errcode": 0, "errmsg": "ok"}`` or
  an errcode (310000 sign not match, 300001 token is not exist, 130101 send too fast).
- **WeCom** (企业微信) as Alertmanager's wechat notifier calls it: ``GET {api}gettoken?corpid=…&corpsecret=…``
  → ``{"errcode":0,"access_token":…,"expires_in":7200}``; ``POST {api}message/send?access_token=…``
  with ``touser``/``toparty``/``totag``, ``msgtype`` text|markdown, ``agentid`` and the content
  (at most 2048 bytes) → ``{"errcode":0,"errmsg":"ok"}``.
- **SMTP** (RFC 5321 with AUTH PLAIN, RFC 4616): enough of a server for Alertmanager's Go client.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socketserver
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit


def dingtalk_sign(secret: str, timestamp: str) -> str:
    """The documented signature, before URL encoding (HmacSHA256, key = secret, Base64)."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode("utf-8"), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


class _Server(ThreadingHTTPServer):
    daemon_threads = True


class _Served:
    """Serves ``self._server`` in a thread between ``__enter__`` and ``__exit__``."""

    _server: socketserver.BaseServer

    def __enter__(self):  # noqa: ANN204
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class _Base(_Served):
    """A threaded HTTP server on a free loopback port, started and stopped with ``with``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.errors: list[str] = []  # requests that broke the documented format
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                outer._handle(self, b"")

            def do_POST(self) -> None:  # noqa: N802
                n = int(self.headers.get("Content-Length") or 0)
                outer._handle(self, self.rfile.read(n))

        self._server = _Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def _reply(self, h: BaseHTTPRequestHandler, status: int, data: dict) -> None:
        body = json.dumps(data, ensure_ascii=False).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def _problem(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)

    def _handle(self, h: BaseHTTPRequestHandler, body: bytes) -> None:
        raise NotImplementedError


@dataclass
class RobotPost:
    token: str
    timestamp: int
    received_at: float
    msgtype: str
    title: str
    text: str
    at: dict = field(default_factory=dict)


class DingTalkRobots(_Base):
    """Group robots by access_token → secret. ``script`` answers the next posts with given errcodes."""

    def __init__(self, robots: dict[str, str]) -> None:
        super().__init__()
        self.robots = robots  # access_token -> SEC… secret
        self.posts: list[RobotPost] = []
        self.refused: list[tuple[str, int]] = []  # (token, errcode)
        self.script: list[int] = []  # errcodes to answer before accepting again (0 = accept)

    def posts_for(self, token: str) -> list[RobotPost]:
        with self.lock:
            return [p for p in self.posts if p.token == token]

    def _handle(self, h: BaseHTTPRequestHandler, body: bytes) -> None:
        url = urlsplit(h.path)
        q = parse_qs(url.query)
        token = (q.get("access_token") or [""])[0]
        if h.command != "POST" or url.path != "/robot/send":
            self._problem(f"{h.command} {url.path}: robots are POST /robot/send")
            return self._reply(h, 404, {"errcode": 404, "errmsg": "请求的URI地址不存在"})
        if token not in self.robots:
            return self._refuse(h, token, 300001, "token is not exist")
        secret = self.robots[token]
        ts = (q.get("timestamp") or [""])[0]
        raw_sign = url.query.split("sign=", 1)[1].split("&")[0] if "sign=" in url.query else ""
        # The sign is URL-encoded base64: '+', '/' and '=' must arrive escaped, and decode to the HMAC.
        if not ts.isdigit() or abs(int(ts) - time.time() * 1000) > 3600 * 1000:
            self._problem(f"timestamp {ts!r} is not milliseconds within an hour of now")
            return self._refuse(h, token, 310000, "sign not match")
        if any(c in raw_sign for c in "+/=") or unquote(raw_sign) != dingtalk_sign(secret, ts):
            self._problem(f"signature {raw_sign!r} does not match")
            return self._refuse(h, token, 310000, "sign not match")
        ctype = h.headers.get("Content-Type", "")
        if not ctype.startswith("application/json"):
            self._problem(f"Content-Type {ctype!r}")
        try:
            data = json.loads(body.decode("utf-8"))
            msgtype = data["msgtype"]
            md = data[msgtype]
            title, text = md["title"], md["text"]
            assert msgtype == "markdown" and isinstance(title, str) and isinstance(text, str) and title and text
        except (ValueError, KeyError, TypeError, AssertionError) as exc:
            self._problem(f"body is not a markdown robot message: {exc!r}")
            return self._reply(h, 200, {"errcode": 400105, "errmsg": "不支持的消息类型"})
        with self.lock:
            code = self.script.pop(0) if self.script else 0
        if code:
            return self._refuse(h, token, code, {130101: "send too fast, exceed 20 times per minute", -1: "系统繁忙"}.get(code, "error"))
        with self.lock:
            self.posts.append(RobotPost(token, int(ts), time.time(), msgtype, title, text, data.get("at") or {}))
        self._reply(h, 200, {"errcode": 0, "errmsg": "ok"})

    def _refuse(self, h: BaseHTTPRequestHandler, token: str, code: int, msg: str) -> None:
        with self.lock:
            self.refused.append((token, code))
        self._reply(h, 200, {"errcode": code, "errmsg": msg})


@dataclass
class WeComMessage:
    touser: str
    toparty: str
    totag: str
    agentid: str
    msgtype: str
    content: str


class WeCom(_Base):
    """The two WeCom server APIs Alertmanager's wechat notifier calls, under ``/cgi-bin/``."""

    TOKEN = "wecom-stand-in-access-token"

    def __init__(self, corp_id: str, secret: str) -> None:
        super().__init__()
        self.corp_id, self.secret = corp_id, secret
        self.token_requests = 0
        self.messages: list[WeComMessage] = []
        self.api_url = self.url + "/cgi-bin/"

    def messages_to(self, party: str) -> list[WeComMessage]:
        with self.lock:
            return [m for m in self.messages if m.toparty == party]

    def _handle(self, h: BaseHTTPRequestHandler, body: bytes) -> None:
        url = urlsplit(h.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        if h.command == "GET" and url.path == "/cgi-bin/gettoken":
            with self.lock:
                self.token_requests += 1
            if q.get("corpid") != self.corp_id or q.get("corpsecret") != self.secret:
                self._problem("gettoken with a wrong corpid or corpsecret")
                return self._reply(h, 200, {"errcode": 40001, "errmsg": "invalid credential"})
            return self._reply(h, 200, {"errcode": 0, "errmsg": "ok", "access_token": self.TOKEN, "expires_in": 7200})
        if h.command == "POST" and url.path == "/cgi-bin/message/send":
            if q.get("access_token") != self.TOKEN:
                self._problem("message/send without the token gettoken gave")
                return self._reply(h, 200, {"errcode": 40014, "errmsg": "invalid access_token"})
            try:
                data = json.loads(body.decode("utf-8"))
                msgtype = data["msgtype"]
                content = data[msgtype]["content"]
                assert msgtype in ("text", "markdown"), msgtype
                assert str(data["agentid"]).isdigit(), "agentid must be the app's integer id"
                assert data.get("touser") or data.get("toparty") or data.get("totag"), "no recipient"
                assert len(content.encode("utf-8")) <= 2048, f"content of {len(content.encode())} bytes > 2048"
            except (ValueError, KeyError, TypeError, AssertionError) as exc:
                self._problem(f"message/send body: {exc!r}")
                return self._reply(h, 200, {"errcode": 44004, "errmsg": "empty content or invalid body"})
            with self.lock:
                self.messages.append(WeComMessage(data.get("touser", ""), data.get("toparty", ""), data.get("totag", ""),
                                                  str(data["agentid"]), msgtype, content))
            return self._reply(h, 200, {"errcode": 0, "errmsg": "ok", "invaliduser": ""})
        self._problem(f"{h.command} {url.path}: not a WeCom API Alertmanager uses")
        self._reply(h, 404, {"errcode": 404, "errmsg": "not found"})


@dataclass
class Mail:
    auth_user: str
    mail_from: str
    rcpt_to: list[str]
    data: str


class Smtp(_Served):
    """A minimal SMTP server: EHLO, AUTH PLAIN (checked), MAIL, RCPT, DATA, QUIT. No TLS."""

    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user, password
        self.mails: list[Mail] = []
        self.auth_failures = 0
        self.lock = threading.Lock()
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                outer._session(self)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]

    def mails_to(self, address: str) -> list[Mail]:
        with self.lock:
            return [m for m in self.mails if address in m.rcpt_to]

    def _session(self, h: socketserver.StreamRequestHandler) -> None:
        def say(line: str) -> None:
            h.wfile.write(line.encode() + b"\r\n")
            h.wfile.flush()

        say("220 localhost ESMTP stand-in")
        user, mail_from, rcpt = "", "", []
        while True:
            raw = h.rfile.readline(65536)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                h.wfile.write(b"250-localhost\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n")
                h.wfile.flush()
            elif verb == "AUTH":
                parts = line.split(" ")
                if len(parts) < 3 or parts[1].upper() != "PLAIN":
                    say("504 only AUTH PLAIN")
                    continue
                _, authc, passwd = base64.b64decode(parts[2]).decode("utf-8").split("\0")
                if authc == self.user and passwd == self.password:
                    user = authc
                    say("235 2.7.0 Authentication successful")
                else:
                    with self.lock:
                        self.auth_failures += 1
                    say("535 5.7.8 Authentication credentials invalid")
            elif verb == "MAIL":
                if not user:
                    say("530 5.7.0 Authentication required")
                    continue
                mail_from, rcpt = line.split(":", 1)[1].strip().strip("<>").split(">")[0], []
                say("250 OK")
            elif verb == "RCPT":
                rcpt.append(line.split(":", 1)[1].strip().strip("<>"))
                say("250 OK")
            elif verb == "DATA":
                say("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    d = h.rfile.readline(1 << 20)
                    if not d or d in (b".\r\n", b".\n"):
                        break
                    lines.append(d.decode("utf-8", "replace"))
                with self.lock:
                    self.mails.append(Mail(user, mail_from, rcpt, "".join(lines)))
                say("250 OK queued")
            elif verb == "RSET":
                mail_from, rcpt = "", []
                say("250 OK")
            elif verb == "NOOP":
                say("250 OK")
            elif verb == "QUIT":
                say("221 Bye")
                return
            else:
                say("502 Command not implemented")
