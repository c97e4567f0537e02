"""The Alertmanager webhook body (``"version": "4"``), parsed into plain values or refused.

Alertmanager's webhook notifier posts one JSON object per notification of a group:
``version``, ``groupKey``, ``truncatedAlerts``, ``status``, ``receiver``, ``groupLabels``,
``commonLabels``, ``commonAnnotations``, ``externalURL`` and ``alerts`` (each with ``status``,
``labels``, ``annotations``, ``startsAt``, ``endsAt``, ``generatorURL``, ``fingerprint``).
Unknown fields are ignored (a newer Alertmanager may add some); missing or mistyped ones are not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

# Go's zero time, which Alertmanager sends as endsAt of a firing alert without an end.
_ZERO_YEAR = 1


class BadWebhook(Exception):
    """A webhook body the relay cannot use. ``reason`` is a metric label; ``detail`` says what is wrong."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Alert(_Loose):
    status: Literal["firing", "resolved"]
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: datetime  # noqa: N815 - the wire name
    endsAt: datetime | None = None  # noqa: N815
    fingerprint: str = ""
    generatorURL: str = ""  # noqa: N815


class _Webhook(_Loose):
    version: Literal["4"]
    status: Literal["firing", "resolved"]
    receiver: str = ""
    groupKey: str = ""  # noqa: N815
    truncatedAlerts: int = Field(0, ge=0)  # noqa: N815
    groupLabels: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    commonLabels: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    commonAnnotations: dict[str, str] = Field(default_factory=dict)  # noqa: N815
    externalURL: str = ""  # noqa: N815
    alerts: list[_Alert] = Field(min_length=1)


@dataclass(frozen=True)
class Alert:
    status: str  # firing | resolved
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: datetime
    ends_at: datetime | None  # None while firing
    fingerprint: str


@dataclass(frozen=True)
class Notification:
    """One notification of one alert group, as Alertmanager sent it."""

    receiver: str
    status: str
    group_key: str
    group_labels: dict[str, str]
    alerts: tuple[Alert, ...]
    truncated: int  # alerts Alertmanager left out (max_alerts)

    @property
    def firing(self) -> list[Alert]:
        return [a for a in self.alerts if a.status == "firing"]

    @property
    def resolved(self) -> list[Alert]:
        return [a for a in self.alerts if a.status == "resolved"]


def parse_webhook(body: bytes) -> Notification:
    """Parse a webhook body. Raises :class:`BadWebhook` (``malformed_json`` or ``invalid_payload``)."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadWebhook("malformed_json", f"the body is not JSON: {exc}") from None
    except RecursionError:  # '[[[[…' nested deeper than the parser's stack
        raise BadWebhook("malformed_json", "the body is not JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise BadWebhook("invalid_payload", "the body must be a JSON object (an Alertmanager webhook)")
    try:
        hook = _Webhook.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise BadWebhook("invalid_payload", f"{where}: {first['msg']}{more}; expected an Alertmanager webhook, version 4") from None
    alerts = tuple(
        Alert(a.status, dict(a.labels), dict(a.annotations), a.startsAt,
              a.endsAt if a.endsAt is not None and a.endsAt.year > _ZERO_YEAR else None, a.fingerprint)
        for a in hook.alerts
    )
    key = hook.groupKey or json.dumps(sorted(hook.groupLabels.items()), ensure_ascii=False)
    return Notification(hook.receiver, hook.status, key, dict(hook.groupLabels), alerts, hook.truncatedAlerts)
