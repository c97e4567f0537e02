"""Rows for people and scripts: a plan's changes, apply outcomes, audit records (the CLI renders them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudctl.i18n import t
from cloudctl.plan.model import Change, Plan

if TYPE_CHECKING:  # pragma: no cover - plan output must not load the HTTP stack
    from cloudctl.plan.apply import ApplyResult, Outcome

TABLE_COLUMNS = ["provider", "action", "object", "project", "change", "reason"]
MACHINE_COLUMNS = ["provider", "action", "kind", "id", "name", "project", "before", "after", "reason", "system", "note"]
OUTCOME_COLUMNS = ["provider", "action", "object", "result", "request_id", "error"]
AUDIT_COLUMNS = ["seq", "time", "user", "host", "provider", "kind", "id", "name", "action", "before", "after", "result", "request_id", "error"]


def _value(v: Any) -> str:
    return t("plan.none") if v is None else str(v)


def describe(c: Change) -> str:
    """``before → after`` in a few words: ``sys-0002 → sys-0001``, ``vcpus 80 → 240``, ``(absent) → lvliang-x``."""
    if c.action == "create_project":
        return f"{t('plan.absent')} → {c.after['name']}"
    if c.action == "set_quota":
        before = c.before or {}
        return ", ".join(f"{k} {_value(before.get(k)) if c.before is not None else '?'} → {v}" for k, v in c.after.items())
    key = "system" if c.action == "set_tag" else "status"
    return f"{_value((c.before or {}).get(key))} → {c.after[key]}"


def action_label(c: Change) -> str:
    if c.action == "set_tag" and (c.before or {}).get("system"):
        return t("plan.action.fix_tag")
    return t(f"plan.action.{c.action}")


def change_rows(changes: list[Change], table: bool) -> list[dict[str, Any]]:
    if table:
        return [{"provider": c.provider, "action": action_label(c), "object": c.name, "project": c.project, "change": describe(c),
                 "reason": c.note or c.reason} for c in changes]
    return [{**c.to_dict(), "kind": c.kind} for c in changes]


def headers() -> dict[str, str]:
    return {c: t(f"plan.col.{c}") for c in ("provider", "action", "object", "project", "change", "reason", "result", "request_id", "error",
                                            "seq", "time", "user", "host", "kind", "id", "name", "before", "after")}


def summary(plan: Plan) -> str:
    return t("plan.summary", **plan.counts(), unsupported=len(plan.unsupported), unclaimed=len(plan.unclaimed))


def outcome_rows(result: "ApplyResult", table: bool, only_problems: bool = False) -> list[dict[str, Any]]:
    rows = []
    for o in result.outcomes:
        if only_problems and o.result in ("applied", "already"):
            continue
        rows.append(_outcome(o, table))
    return rows


def _outcome(o: "Outcome", table: bool) -> dict[str, Any]:
    c = o.change
    if table:
        return {"provider": c.provider, "action": action_label(c), "object": c.name, "result": t(f"plan.result.{o.result}"),
                "request_id": o.request_id, "error": o.error}
    return {"provider": c.provider, "action": c.action, "kind": c.kind, "id": c.id, "name": c.name, "project": c.project,
            "before": c.before, "after": c.after, "result": o.result, "observed": o.observed, "request_id": o.request_id, "error": o.error}


def counts(result: "ApplyResult") -> dict[str, int]:
    return {r: result.count(r) for r in ("applied", "already", "conflict", "failed", "not_attempted")}
