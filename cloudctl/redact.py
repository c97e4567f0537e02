"""Secrets out of every log line: one filter on the logging handlers, not a scrub per call site.

Whatever logs — our code, httpx (request lines with URLs), httpcore (``--debug``: response
headers, among them Keystone's ``X-Subject-Token``) — goes through the handlers, so a filter
there sees every record at every level. It removes two things:

- **known values**: every credential revealed from the config and every token or session the
  drivers obtained is remembered (:func:`remember_secret`) and replaced wherever it appears;
- **shapes**: the values of ``X-Auth-Token``, ``X-Subject-Token``, ``Authorization`` (also the
  ``Access=``/``Signature=`` parts of a signed ``SDK-HMAC-SHA256`` header), ``Cookie``,
  ``Set-Cookie``, ``OAuth``/``Bearer``/``Basic`` credentials, ZStack session ids in
  ``/sessions/<id>`` URLs and ``"password"`` fields, in the forms the libraries print them
  (``Name: value``, ``'name': 'value'``, ``(b'name', b'value')``).

Tracebacks printed by the entry points go through :func:`scrub` as well.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from typing import TextIO

MASK = "<redacted>"
_MIN_LEN = 6  # shorter values would mask ordinary words

_known: set[str] = set()
_lock = threading.Lock()

_HEADERS = r"x-auth-token|x-subject-token|proxy-authorization|authorization|set-cookie|cookie|x-security-token|x-zstack-session"
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # name then separator then value, up to a quote or the end of the line
    (re.compile(rf"(?i)\b({_HEADERS})(['\"]?\s*[:=,]\s*b?['\"]?)([^'\"\r\n]+)"), rf"\1\2{MASK}"),
    (re.compile(r"(?i)\b(Signature|Access)=([^,\s'\"]+)"), rf"\1={MASK}"),
    (re.compile(r"\b(OAuth|Bearer|Basic|ZStack)\s+([A-Za-z0-9+/=:._-]{8,})"), rf"\1 {MASK}"),
    (re.compile(r"(?i)(/sessions/)([0-9a-f-]{8,})"), rf"\1{MASK}"),
    (re.compile(r"(?i)([\"']?(?:password|secret|sk|session_?id)[\"']?\s*[:=]\s*)([\"'])([^\"']*)\2"), rf"\1\2{MASK}\2"),
]


def remember_secret(value: str | None) -> None:
    """Mask ``value`` in every later log line and scrubbed text (tokens, sessions, credentials)."""
    if value and len(value) >= _MIN_LEN:
        with _lock:
            _known.add(value)


def scrub(text: str) -> str:
    """``text`` with every remembered secret and every secret-shaped header value masked."""
    if not text:
        return text
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for value in known:
        if value in text:
            text = text.replace(value, MASK)
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and traceback text) through :func:`scrub`; drops nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad format string: keep the raw parts, scrubbed
            message = f"{record.msg} {record.args}"
        record.msg, record.args = scrub(message), None
        if record.exc_info:
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_text, record.exc_info = scrub(text), None
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


def install(handlers: list[logging.Handler] | None = None) -> None:
    """Attach the filter to ``handlers`` (default: the root logger's), once each."""
    for handler in handlers if handlers is not None else logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())


def basic_config(level: int | str, fmt: str, stream: TextIO | None = None) -> None:
    """``logging.basicConfig`` plus the redacting filter on every root handler."""
    logging.basicConfig(level=level, format=fmt, stream=stream or sys.stderr)
    logging.getLogger().setLevel(level)
    install()


def print_traceback(stream: TextIO | None = None) -> None:
    """The current exception's traceback, scrubbed, on ``stream`` (stderr)."""
    import traceback

    (stream or sys.stderr).write(scrub(traceback.format_exc()))
