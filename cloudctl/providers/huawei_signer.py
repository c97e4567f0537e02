"""Huawei Cloud AK/SK request signing, algorithm ``SDK-HMAC-SHA256``, as the official SDKs do it.

Canonical request (one line each)::

    METHOD
    canonical URI      every path segment unquoted then re-quoted (RFC 3986, '~' kept), always ending in '/'
    canonical query    (key, value) pairs sorted, both quoted the same way, joined with '&'
    canonical headers  every signed header as 'name:value' (lower-cased name, stripped value), then '\\n'
    signed headers     names joined by ';' (all headers sent, except names with '_')
    hex SHA-256 of the body

String to sign: ``SDK-HMAC-SHA256\\n<X-Sdk-Date>\\n<hex sha256(canonical request)>``; the signature is
hex HMAC-SHA256 keyed with the SK. ``tests/unit/test_huawei_signer.py`` checks this against
``huaweicloudsdkcore``'s signer with fixed dates.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timezone
from urllib.parse import quote, unquote

import httpx

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def _q(text: str) -> str:
    return quote(text, safe="~")


def canonical_uri(path: str) -> str:
    uri = "/".join(_q(seg) for seg in unquote(path).split("/"))
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{_q(k)}={_q(str(v))}" for k, v in sorted(pairs))


def canonical_request(method: str, url: httpx.URL, headers: dict[str, str], body: bytes) -> tuple[str, list[str]]:
    """The canonical request text and the signed header names."""
    norm = {k.lower(): str(v).strip() for k, v in headers.items()}
    signed = sorted(k for k in norm if "_" not in k)
    lines = [
        method.upper(),
        canonical_uri(url.path),
        canonical_query(list(url.params.multi_items())),
        "".join(f"{k}:{norm[k]}\n" for k in signed),
        ";".join(signed),
        hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256,
    ]
    return "\n".join(lines), signed


def sign(method: str, url: httpx.URL, headers: dict[str, str], body: bytes, ak: str, sk: str, now: datetime | None = None) -> dict[str, str]:
    """``headers`` plus ``Host``, ``X-Sdk-Date`` and ``Authorization``, for exactly this request."""
    out = dict(headers)
    if not any(k.lower() == "host" for k in out):
        out["Host"] = url.netloc.decode("ascii")
    if not any(k.lower() == "x-sdk-date" for k in out):
        out["X-Sdk-Date"] = (now or datetime.now(timezone.utc)).strftime(DATE_FORMAT)
    date = next(v for k, v in out.items() if k.lower() == "x-sdk-date")
    canonical, signed = canonical_request(method, url, out, body)
    to_sign = f"{ALGORITHM}\n{date}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    signature = hmac.new(sk.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    out["Authorization"] = f"{ALGORITHM} Access={ak}, SignedHeaders={';'.join(signed)}, Signature={signature}"
    return out
