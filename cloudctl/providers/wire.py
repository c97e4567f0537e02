"""Reading what the clouds send: error bodies, JSON bodies, Retry-After, dates."""

from __future__ import annotations

import email.utils
from datetime import datetime, timezone
from typing import Any

import httpx


def parse_error_body(resp: httpx.Response) -> tuple[str, str]:
    """(code, message) from the error shapes the three clouds use; ("", "") when unknown.

    Shapes: ``{"error_code","error_msg"}`` (Huawei APIG), ``{"code","message"}``,
    ``{"error":{"code","message"|"description"|"details"}}`` (Huawei IAM, ZStack, Keystone),
    ``{"itemNotFound":{"code","message"}}`` (Nova/Cinder), ``{"NeutronError":{"type","message"}}``.
    """
    try:
        body = resp.json()
    except (ValueError, UnicodeDecodeError):
        return "", ""
    if not isinstance(body, dict):
        return "", ""
    if "error_code" in body or "error_msg" in body:
        return str(body.get("error_code", "")), str(body.get("error_msg", ""))
    if "code" in body and "message" in body and not isinstance(body["code"], dict):
        return str(body["code"]), str(body["message"])
    if len(body) == 1:
        key, inner = next(iter(body.items()))
        if isinstance(inner, dict):
            code = inner.get("code") or inner.get("type") or inner.get("error_code") or key
            msg = inner.get("message") or inner.get("description") or inner.get("error_msg") or inner.get("title") or ""
            details = inner.get("details")
            if details and isinstance(details, str) and details not in msg:
                msg = f"{msg}: {details}" if msg else details
            return str(code), str(msg)
        if isinstance(inner, str):
            return key, inner
    return "", ""


def json_of(resp: httpx.Response) -> Any:
    """The JSON body of a response from :meth:`Driver.request`, decoded only once."""
    try:
        return resp._cloudctl_json  # type: ignore[attr-defined]
    except AttributeError:
        return resp.json()


def retry_after(resp: httpx.Response) -> float | None:
    """Seconds to wait from ``Retry-After`` (delta-seconds or an HTTP date)."""
    value = resp.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


# CPU architecture names as the clouds spell them -> the model's names (信创 runs on aarch64
# Kunpeng/Phytium; Loongson and older MIPS boxes show up too).
ARCH_ALIASES = {
    "x86_64": "x86_64", "amd64": "x86_64",
    "aarch64": "aarch64", "arm64": "aarch64",
    "mips64el": "mips64el", "loongarch64": "loongarch64",
}


def normalize_arch(value: Any) -> str | None:
    """``arm64`` -> ``aarch64``, ``amd64`` -> ``x86_64``; None for empty or unknown names."""
    return ARCH_ALIASES.get(str(value).lower()) if value else None


def parse_time(value: Any) -> str | None:
    """Lenient date parsing to ISO 8601 UTC: ISO strings, epoch ms, "May 11, 2017 1:23:02 PM"."""
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)):
        ts = value / 1000 if value > 1e11 else value
        return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = str(value).strip()
    if text.isdigit():
        return parse_time(int(text))
    # Fast paths for the shapes the APIs send most (tens of thousands per sync).
    if len(text) == 20 and text[10] == "T" and text[19] == "Z":
        return text
    if len(text) in (19, 26) and text[10] in "T " and text[4] == "-" and text[13] == ":":  # naive: UTC
        return text[:10] + "T" + text[11:19] + "Z"
    zstack = _java_medium(text)
    if zstack:
        return zstack
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        dt = None
        for fmt in ("%b %d, %Y %I:%M:%S %p", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f"):
            try:
                dt = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if dt is None:
            return text
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}


def _java_medium(text: str) -> str | None:
    """Java's medium date format ZStack uses, ``May 11, 2017 1:23:02 PM`` (UTC), without strptime."""
    parts = text.replace(",", "").split()
    if len(parts) != 5 or parts[0] not in _MONTHS or parts[4] not in ("AM", "PM"):
        return None
    try:
        day, year = int(parts[1]), int(parts[2])
        h, m, sec = (int(x) for x in parts[3].split(":"))
    except ValueError:
        return None
    h = h % 12 + (12 if parts[4] == "PM" else 0)
    return f"{year:04d}-{_MONTHS[parts[0]]:02d}-{day:02d}T{h:02d}:{m:02d}:{sec:02d}Z"
