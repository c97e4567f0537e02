"""Render a :class:`CheckResult` for people (text) and machines (JSON, JUnit, GitHub, SARIF).

Each renderer returns a string; the CLI writes it. Paths are shown as the check saw them
(relative to the working directory when below it), which is what CI annotations need.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Callable

from cloudctl import __version__
from cloudctl.errors import Location
from cloudctl.i18n import language, t
from cloudctl.policy.check import CheckResult, Unverified, Violation
from cloudctl.policy.loader import LoadedPolicy, LoadedWaiver
from cloudctl.policy.model import SEVERITIES

FORMATS = ("text", "json", "junit", "github", "sarif")
# The OASIS publication of SARIF 2.1.0 (errata 01); tests validate against a vendored copy.
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_SARIF_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
_GITHUB_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "notice"}
# GitHub code scanning ranks alerts by this CVSS-like score.
_SECURITY_SEVERITY = {"critical": "9.5", "high": "7.5", "medium": "5.0", "low": "2.0"}


def _title(p: LoadedPolicy | Violation, lang: str) -> str:
    if isinstance(p, Violation):
        return p.title_zh if lang == "zh" else p.title_en
    return p.policy.title.zh if lang == "zh" else p.policy.title.en


def _where(loc: Location) -> str:
    """``file:line`` (the column is noise for people reading a list of records)."""
    return f"{loc.path}:{loc.line}" if loc.line else loc.path


def _waiver_line(lw: LoadedWaiver, key: str) -> str:
    w = lw.waiver
    return t(key, where=_where(lw.location), policy=w.policy, records=", ".join(w.records), expires=w.expires, approver=w.approver)


def _unverified_line(u: Unverified) -> str:
    return t("policy.text.unverified", policy=u.policy_id, count=u.count, kind=u.kind, field=u.field, value=u.value,
             references=", ".join(u.references) or "—")


def text(result: CheckResult) -> str:
    lang = language()
    by_policy: dict[str, list[Violation]] = defaultdict(list)
    for v in result.violations:
        by_policy[v.policy_id].append(v)
    titles = {lp.id: lp for lp in result.policies}
    lines: list[str] = []
    for pid, vs in by_policy.items():
        head = vs[0]
        open_ = sum(1 for v in vs if not v.waived)
        lines.append(f"{pid} [{head.severity}] {_title(titles[pid], lang)} — {t('policy.text.count', open=open_, waived=len(vs) - open_)}")
        for v in vs:
            suffix = f"  [{t('policy.text.waived')}: {v.waiver}]" if v.waived else ""
            lines.append(f"  {_where(v.location)}  {v.message}{suffix}")
        lines.append("")
    for lw in result.expired_waivers:
        lines.append(_waiver_line(lw, "policy.waiver.expired"))
    for lw in result.unused_waivers:
        lines.append(_waiver_line(lw, "policy.waiver.unused"))
    for s in result.skipped:
        lines.append(t("policy.text.skipped", policy=s.policy_id, reason=s.reason))
    for u in result.unverified:
        lines.append(_unverified_line(u))
    counts = result.by_severity()
    waived = sum(1 for v in result.violations if v.waived)
    lines.append(t("policy.text.summary", policies=len(result.policies) - len(result.skipped),
                   counts=", ".join(f"{s} {counts[s]}" for s in SEVERITIES), waived=waived))
    return "\n".join(lines) + "\n"


def _violation_dict(v: Violation) -> dict:
    return {
        "policy_id": v.policy_id, "severity": v.severity, "title_zh": v.title_zh, "title_en": v.title_en,
        "kind": v.kind, "record_id": v.record_id, "file": v.location.path, "line": v.location.line,
        "column": v.location.col, "message": v.message, "waived": v.waived, "waiver": v.waiver,
    }


def _waiver_dict(lw: LoadedWaiver) -> dict:
    w = lw.waiver
    return {"policy": w.policy, "records": w.records, "reason": w.reason, "approver": w.approver,
            "expires": w.expires.isoformat(), "file": lw.location.path, "line": lw.location.line}


def as_json(result: CheckResult) -> str:
    doc = {
        "summary": {"policies": len(result.policies), "skipped": len(result.skipped), "today": result.today.isoformat(),
                    "violations": result.by_severity(), "waived": sum(1 for v in result.violations if v.waived)},
        "violations": [_violation_dict(v) for v in result.violations],
        "expired_waivers": [_waiver_dict(w) for w in result.expired_waivers],
        "unused_waivers": [_waiver_dict(w) for w in result.unused_waivers],
        "skipped": [{"policy_id": s.policy_id, "reason": s.reason} for s in result.skipped],
        "unverified": [{"policy_id": u.policy_id, "kind": u.kind, "records": u.count, "field": u.field, "value": u.value,
                        "references": list(u.references)} for u in result.unverified],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def junit(result: CheckResult) -> str:
    """One testsuite per policy; one testcase per policy × record class (resource kind and file)."""
    root = ET.Element("testsuites", name="cloudctl policy check")
    skipped = {s.policy_id: s.reason for s in result.skipped}
    by_policy: dict[str, list[Violation]] = defaultdict(list)
    for v in result.violations:
        if not v.waived:
            by_policy[v.policy_id].append(v)
    total = failures = 0
    for lp in result.policies:
        p = lp.policy
        suite = ET.SubElement(root, "testsuite", name=p.id)
        cls = f"policy.{p.id}"
        groups: dict[str, list[Violation]] = defaultdict(list)
        for v in by_policy.get(p.id, []):
            groups[f"{v.kind} in {v.location.path or 'store'}"].append(v)
        cases = 0
        if p.id in skipped:
            case = ET.SubElement(suite, "testcase", classname=cls, name=p.resource)
            ET.SubElement(case, "skipped", message=skipped[p.id])
            cases = 1
        elif not groups:
            ET.SubElement(suite, "testcase", classname=cls, name=p.resource)
            cases = 1
        for name in sorted(groups):
            vs = groups[name]
            case = ET.SubElement(suite, "testcase", classname=cls, name=name, file=vs[0].location.path)
            fail = ET.SubElement(case, "failure", type=p.severity, message=f"{len(vs)} × {p.title.en}")
            fail.text = "\n".join(f"{_where(v.location)}: {v.message}" for v in vs)
            cases += 1
        suite.set("tests", str(cases))
        suite.set("failures", str(len(groups)))
        suite.set("errors", "0")
        suite.set("skipped", "1" if p.id in skipped else "0")
        total += cases
        failures += len(groups)
    root.set("tests", str(total))
    root.set("failures", str(failures))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _gh_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(s: str) -> str:
    return _gh_data(s).replace(":", "%3A").replace(",", "%2C")


def github(result: CheckResult) -> str:
    """GitHub workflow commands: ``::error file=F,line=L,col=C,title=T::message`` per unwaived violation."""
    lines = []
    for v in result.violations:
        if v.waived:
            continue
        props = []
        if v.location.path and not v.location.path.startswith("store:"):
            props.append(f"file={_gh_prop(v.location.path)}")
            if v.location.line:
                props.append(f"line={v.location.line}")
            if v.location.col:
                props.append(f"col={v.location.col}")
        props.append(f"title={_gh_prop(f'{v.policy_id} [{v.severity}]')}")
        lines.append(f"::{_GITHUB_LEVEL[v.severity]} {','.join(props)}::{_gh_data(v.message)}")
    for lw in result.expired_waivers:
        props = f"file={_gh_prop(lw.location.path)},line={lw.location.line},title=expired waiver"
        lines.append(f"::warning {props}::{_gh_data(_waiver_line(lw, 'policy.waiver.expired'))}")
    for u in result.unverified:
        lines.append(f"::warning title={_gh_prop(f'{u.policy_id} not verified')}::{_gh_data(_unverified_line(u))}")
    return "\n".join(lines) + ("\n" if lines else "")


def _sarif_location(loc: Location, record: str) -> dict:
    if not loc.path or loc.path.startswith("store:"):
        return {"logicalLocations": [{"fullyQualifiedName": loc.path or record, "kind": "resource"}]}
    phys: dict = {"artifactLocation": {"uri": loc.path.replace("\\", "/")}}
    if loc.line:
        phys["region"] = {"startLine": loc.line, **({"startColumn": loc.col} if loc.col else {})}
    return {"physicalLocation": phys, "logicalLocations": [{"fullyQualifiedName": record, "kind": "resource"}]}


def sarif(result: CheckResult) -> str:
    """SARIF 2.1.0: one rule per policy; waived violations carry an external suppression."""
    rules, index = [], {}
    for i, lp in enumerate(result.policies):
        p = lp.policy
        index[p.id] = i
        rules.append({
            "id": p.id,
            "name": "".join(w.capitalize() for w in p.id.split("-")),
            "shortDescription": {"text": p.title.en},
            "fullDescription": {"text": f"{p.title.zh} — {p.rationale.en} 「{p.rationale.zh}」 ({p.rationale.source})"},
            "help": {"text": f"{p.remediation.en}\n{p.remediation.zh}"},
            "defaultConfiguration": {"level": _SARIF_LEVEL[p.severity]},
            "properties": {"severity": p.severity, "security-severity": _SECURITY_SEVERITY[p.severity],
                           "tags": ["cloudctl", p.resource], "title_zh": p.title.zh},
        })
    results = []
    for v in result.violations:
        r: dict = {
            "ruleId": v.policy_id, "ruleIndex": index[v.policy_id], "level": _SARIF_LEVEL[v.severity],
            "message": {"text": v.message}, "locations": [_sarif_location(v.location, f"{v.kind}/{v.record_id}")],
            "partialFingerprints": {"cloudctlRecord/v1": f"{v.policy_id}/{v.kind}/{v.record_id}"},
        }
        if v.waived:
            r["suppressions"] = [{"kind": "external", "status": "accepted", "justification": v.waiver}]
        results.append(r)
    doc = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "cloudctl", "version": __version__, "semanticVersion": __version__,
                                "rules": rules}},
            "results": results,
            "invocations": [{"executionSuccessful": True,
                             "toolExecutionNotifications": [
                                 {"level": "warning", "message": {"text": _waiver_line(lw, "policy.waiver.expired")},
                                  "locations": [_sarif_location(lw.location, f"waiver/{lw.waiver.policy}")]}
                                 for lw in result.expired_waivers]}],
        }],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


RENDERERS: dict[str, Callable[[CheckResult], str]] = {
    "text": text, "json": as_json, "junit": junit, "github": github, "sarif": sarif,
}
