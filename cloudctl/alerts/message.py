"""The DingTalk markdown message for one notification, or for several merged into one.

What the person on duty needs, in Chinese (or English with ``lang: en``): which node, where it is
(village / township / county by name, from the inventory), since when (Beijing time, and for how
long), the runbook command and the Grafana link the alert rule carries. The text is kept under
``max_bytes``: alerts that do not fit are counted, not listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from cloudctl.alerts.payload import Alert, Notification
from cloudctl.alerts.places import Places
from cloudctl.i18n import MESSAGES, t

BEIJING = timezone(timedelta(hours=8))  # China keeps UTC+8 all year
_RESERVE = 400  # bytes kept free for the "… more alerts" line and the batch note


@dataclass(frozen=True)
class Message:
    title: str
    text: str
    alerts: int  # alerts the message reports (listed or counted)
    notifications: int


def _clean(value: str) -> str:
    """One line of text: a label value must not break the markdown structure."""
    return " ".join(value.split())


def alert_name(name: str, lang: str) -> str:
    key = f"alerts.name.{name}"
    return t(key, lang) if key in MESSAGES else name


def duration(delta: timedelta, lang: str) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return t("alerts.msg.minutes", lang, n=minutes)
    if minutes < 24 * 60:
        return t("alerts.msg.hours", lang, h=minutes // 60, m=minutes % 60)
    return t("alerts.msg.days", lang, d=minutes // (24 * 60), h=minutes % (24 * 60) // 60)


def _when(at: datetime) -> str:
    return at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def _colon(lang: str) -> str:
    return "：" if lang == "zh" else ": "


def _paren(text: str, lang: str) -> str:
    """`（text）` in Chinese, ` (text)` in English, nothing for no text."""
    if not text:
        return ""
    return f"（{text}）" if lang == "zh" else f" ({text})"


def _alert_block(a: Alert, places: Places, now: datetime, lang: str) -> str:
    c = _colon(lang)
    labels, ann = a.labels, a.annotations
    summary = ann.get("summary_zh") if lang == "zh" and ann.get("summary_zh") else ann.get("summary", "")
    lines = [f"**{_clean(summary or alert_name(labels.get('alertname', ''), lang))}**", ""]
    node = labels.get("node", "")
    place = places.node(node) if node else None
    if node:
        role = (place.role if place else "") or labels.get("role", "")
        role_text = t(f"alerts.role.{role}", lang) if f"alerts.role.{role}" in MESSAGES else _clean(role)
        lines.append(f"- {t('alerts.msg.node', lang)}{c}{_clean(node)}{_paren(role_text, lang)}")
    where = _location(labels, place, places, lang)
    if where:
        lines.append(f"- {t('alerts.msg.location', lang)}{c}{where}")
    since = _when(a.starts_at) + _paren(t("alerts.msg.timezone", lang), lang)
    comma = "，" if lang == "zh" else ", "
    if a.status == "firing":
        age = now - a.starts_at
        lasting = t("alerts.msg.lasting", lang, duration=duration(age, lang)) if age >= timedelta(minutes=1) else t("alerts.msg.just_now", lang)
        lines.append(f"- {t('alerts.msg.since', lang)}{c}{since}{comma}{lasting}")
    else:
        lines.append(f"- {t('alerts.msg.since', lang)}{c}{since}")
        if a.ends_at is not None:
            span = a.ends_at - a.starts_at
            lasted = t("alerts.msg.lasted", lang, duration=duration(span, lang)) if span >= timedelta(minutes=1) else t("alerts.msg.lasted_moment", lang)
            lines.append(f"- {t('alerts.msg.ended', lang)}{c}{_when(a.ends_at)}{comma}{lasted}")
    runbook = ann.get("runbook") or (f"cloudctl inventory show node {node}" if node else "")
    if runbook:
        lines.append(f"- {t('alerts.msg.runbook', lang)}{c}`{_clean(runbook)}`")
    if ann.get("dashboard"):
        lines.append(f"- [{t('alerts.msg.dashboard', lang)}]({_clean(ann['dashboard'])})")
    return "\n".join(lines)


def _location(labels: dict[str, str], place, places: Places, lang: str) -> str:  # noqa: ANN001
    """``方山县 / 圪洞镇 / 大塔村`` from the inventory, else from the county and township labels."""
    if place is not None:
        parts = [place.county, place.township, place.village]
    else:
        county = labels.get("county", "")
        parts = [t("alerts.all_counties", lang) if county == "all" else places.site_name(county) if county else "",
                 places.site_name(labels["township"]) if labels.get("township") else ""]
    return " / ".join(p for p in parts if p)


def _header(n: Notification, places: Places, lang: str) -> str:
    state = t("alerts.msg.firing" if n.firing else "alerts.msg.resolved", lang)
    county = n.group_labels.get("county", "")
    where = t("alerts.all_counties", lang) if county == "all" else places.site_name(county) if county else ""
    name = n.group_labels.get("alertname") or (n.alerts[0].labels.get("alertname", "") if n.alerts else "")
    head = f"【{state}】" if lang == "zh" else f"[{state}] "
    return head + " ".join(p for p in (where, alert_name(name, lang)) if p)


def _section(n: Notification, places: Places, now: datetime, lang: str, budget: int, level: str) -> tuple[str, int]:
    """One notification's markdown within ``budget`` bytes; returns (text, alerts reported)."""
    count = t("alerts.msg.count", lang, firing=len(n.firing), resolved=len(n.resolved))
    out = f"{level} {_header(n, places, lang)}{_paren(count, lang)}"
    listed = 0
    ordered = n.firing + n.resolved
    for a in ordered:
        block = "\n\n" + _alert_block(a, places, now, lang)
        if listed and len((out + block).encode()) > budget:
            break
        out += block
        listed += 1
    if listed < len(ordered):
        out += "\n\n" + t("alerts.msg.more_alerts", lang, n=len(ordered) - listed)
    if n.truncated:
        out += "\n\n" + t("alerts.msg.truncated", lang, n=n.truncated)
    return out, len(ordered) + n.truncated


def render(batch: Sequence[Notification], places: Places, *, now: datetime, lang: str = "zh",
           max_bytes: int = 16 * 1024, rate_limit: int = 20) -> Message:
    """The message for ``batch`` (one notification, or several merged when the robot is rate-limited)."""
    if not batch:
        raise ValueError("nothing to render")
    budget = max(1024, max_bytes - _RESERVE)
    if len(batch) == 1:
        text, alerts = _section(batch[0], places, now, lang, budget, "###")
        return Message(_header(batch[0], places, lang), text, alerts, 1)
    firing = any(n.firing for n in batch)
    state = t("alerts.msg.firing" if firing else "alerts.msg.resolved", lang)
    title = (f"【{state}】" if lang == "zh" else f"[{state}] ") + t("alerts.msg.batch_title", lang, n=len(batch))
    text = f"### {title}\n\n{t('alerts.msg.batch_note', lang, limit=rate_limit)}"
    alerts = 0
    for n in batch:
        section, count = _section(n, places, now, lang, max(512, budget - len(text.encode())), "####")
        text += "\n\n" + section
        alerts += count
    return Message(title, text, alerts, len(batch))
