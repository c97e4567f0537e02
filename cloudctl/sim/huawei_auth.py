"""Huawei Cloud API gateway authentication: AK/SK ``SDK-HMAC-SHA256`` verification and IAM tokens.

Verification rebuilds the canonical request exactly as the official SDK signer
(``huaweicloudsdkcore.signer.Signer``) builds it:

    METHOD \\n canonical URI (each segment re-quoted, always ending in '/') \\n
    sorted canonical query \\n signed headers as 'name:value' lines \\n
    signed header names joined by ';' \\n hex sha256(body)

and compares ``hex(HMAC-SHA256(SK, "SDK-HMAC-SHA256\\n<X-Sdk-Date>\\n<hex sha256(canonical)>"))``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote

from starlette.requests import Request

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_SKEW = dt.timedelta(minutes=15)
EMPTY_HASH = hashlib.sha256(b"").hexdigest()
_AUTH = re.compile(r"^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-fA-F]+)\s*$")


class SignatureError(Exception):
    """Why a signed request was refused (the text goes into ``error_msg``)."""


@dataclass(frozen=True)
class AccessKey:
    ak: str
    sk: str
    readonly: bool = False  # a key of a read-only IAM user: every write gets 403


def _q(s: str) -> str:
    return quote(s, safe="~")


def canonical_uri(raw_path: str) -> str:
    path = "/".join(_q(seg) for seg in unquote(raw_path).split("/"))
    return path if path.endswith("/") else path + "/"


def canonical_query(raw_query: str) -> str:
    pairs = sorted(parse_qsl(raw_query, keep_blank_values=True))
    return "&".join(f"{_q(k)}={_q(v)}" for k, v in pairs)


def canonical_request(method: str, raw_path: str, raw_query: str, headers: dict[str, str], signed: list[str], body: bytes) -> str:
    lines = []
    for name in signed:
        if name not in headers:
            raise SignatureError(f"signed header '{name}' is missing from the request")
        lines.append(f"{name}:{headers[name].strip()}")
    if not body:
        payload = EMPTY_HASH
    else:
        payload = headers.get("x-sdk-content-sha256") or hashlib.sha256(body).hexdigest()
    return "\n".join([method.upper(), canonical_uri(raw_path), canonical_query(raw_query), "\n".join(lines) + "\n", ";".join(signed), payload])


def signature(sk: str, date: str, canonical: str) -> str:
    to_sign = f"{ALGORITHM}\n{date}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    return hmac.new(sk.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


async def verify(request: Request, keys: dict[str, AccessKey], now: dt.datetime) -> AccessKey:
    """Check an AK/SK-signed request; return its key or raise :class:`SignatureError`."""
    m = _AUTH.match(request.headers.get("authorization", ""))
    if not m:
        raise SignatureError("Incorrect IAM authentication information: Authorization header is not SDK-HMAC-SHA256")
    ak, signed_raw, sig = m.groups()
    key = keys.get(ak)
    if key is None:
        raise SignatureError("Incorrect IAM authentication information: AK access failed to reach the limit,forbidden.")
    date = request.headers.get("x-sdk-date", "")
    try:
        when = dt.datetime.strptime(date, DATE_FORMAT).replace(tzinfo=dt.timezone.utc)
    except ValueError:
        raise SignatureError("Incorrect IAM authentication information: X-Sdk-Date is missing or not in %Y%m%dT%H%M%SZ") from None
    if abs(now - when) > MAX_SKEW:
        raise SignatureError("Incorrect IAM authentication information: request expired, X-Sdk-Date differs from server time by more than 15 minutes")
    signed = signed_raw.split(";")
    if signed != sorted(signed) or any(h != h.lower() for h in signed):
        raise SignatureError("Incorrect IAM authentication information: SignedHeaders must be lower-case and sorted")
    if "x-sdk-date" not in signed:
        raise SignatureError("Incorrect IAM authentication information: x-sdk-date must be signed")
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in request.scope["headers"]}
    raw_path = request.scope.get("raw_path", request.scope["path"].encode()).decode("latin-1").split("?", 1)[0]
    canonical = canonical_request(request.method, raw_path, request.scope["query_string"].decode("latin-1"), headers, signed, await request.body())
    if not hmac.compare_digest(signature(key.sk, date, canonical), sig.lower()):
        raise SignatureError("Incorrect IAM authentication information: verify aksk signature fail")
    return key
