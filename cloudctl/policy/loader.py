"""Load policy files in two passes and collect every problem of every file.

Pass 1 (structure): YAML syntax and duplicate keys, the top-level shape, each policy and waiver
against the strict schema (unknown fields, wrong types, bad dates). Pass 2 (meaning): known
resource kinds, operators and fields, values of the right type, unique policy ids across files,
waivers naming a policy that exists. Only when both passes are clean do we evaluate anything.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import TypeAdapter, ValidationError

from cloudctl import yamlfile
from cloudctl.errors import Location, PolicyFileError, Problem
from cloudctl.i18n import t
from cloudctl.policy import compile as comp
from cloudctl.policy import fields
from cloudctl.policy.model import Policy, Waiver

_TOP = ("policies", "waivers")


@dataclass(frozen=True)
class LoadedPolicy:
    policy: Policy
    location: Location  # the policy's record in its file
    target_location: Location  # where a kpi's target is (for kpi violations)

    @property
    def id(self) -> str:
        return self.policy.id


@dataclass(frozen=True)
class LoadedWaiver:
    waiver: Waiver
    location: Location


@dataclass
class PolicySet:
    policies: list[LoadedPolicy] = field(default_factory=list)
    waivers: list[LoadedWaiver] = field(default_factory=list)

    def get(self, pid: str) -> LoadedPolicy | None:
        return next((p for p in self.policies if p.id == pid), None)


def policy_files(paths: list[Path]) -> list[Path]:
    """Files named on the command line, and ``*.yaml``/``*.yml`` in directories (sorted)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(x for x in p.rglob("*") if x.suffix in (".yaml", ".yml") and x.is_file())
        else:
            out.append(p)
    return out


def display(path: Path) -> str:
    """The path as the user would type it: relative to the cwd when below it."""
    rel = os.path.relpath(path)
    return str(path) if rel.startswith("..") else rel


def _bad_scalar(text: str, path: str) -> Problem:
    """PyYAML raises a bare ValueError for scalars like ``2023-13-01``: find and locate the culprit."""
    for node in _scalars(yaml.compose(text, Loader=yaml.SafeLoader)):
        if node.tag == "tag:yaml.org,2002:timestamp":
            try:
                yaml.SafeLoader("").construct_yaml_timestamp(node)
            except ValueError as exc:
                return Problem(Location(path, node.start_mark.line + 1, node.start_mark.column + 1),
                               f"bad date {node.value!r}: {exc}", "write dates as YYYY-MM-DD")
    return Problem(Location(path), "invalid value in YAML")


def _scalars(node: yaml.Node | None):  # noqa: ANN202
    if isinstance(node, yaml.ScalarNode):
        yield node
    elif isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            yield from _scalars(k)
            yield from _scalars(v)
    elif isinstance(node, yaml.SequenceNode):
        for v in node.value:
            yield from _scalars(v)


def _read(path: Path) -> tuple[yamlfile.Document, list[Problem]]:
    shown = display(path)
    try:
        return yamlfile.load(path, shown), []
    except ValueError:  # an impossible date; yamlfile only turns YAMLError into problems
        return yamlfile.Document(shown), [_bad_scalar(path.read_text(encoding="utf-8"), shown)]


_adapters = {"policies": TypeAdapter(Policy), "waivers": TypeAdapter(Waiver)}


def _structure(doc: yamlfile.Document, problems: list[Problem]) -> tuple[list[tuple[int, Policy]], list[tuple[int, Waiver]]]:
    data = doc.data
    if data is None:  # empty file, or a YAML error already reported
        return [], []
    if not isinstance(data, dict):
        problems.append(Problem(doc.where(()), "expected a mapping with 'policies:' and/or 'waivers:' at the top"))
        return [], []
    out: dict[str, list] = {"policies": [], "waivers": []}
    for key in data:
        if key not in _TOP:
            problems.append(Problem(doc.key_where((key,)), f"unknown top-level key '{key}'", "a policy file holds 'policies:' and 'waivers:'"))
    for key in _TOP:
        items = data.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            problems.append(Problem(doc.where((key,)), f"'{key}' must be a list", "start each entry with '- '"))
            continue
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                problems.append(Problem(doc.where((key, i)), "an entry must be a mapping (key: value)", field=f"{key}[{i}]"))
                continue
            try:
                out[key].append((i, _adapters[key].validate_python(item)))
            except ValidationError as exc:
                problems.extend(yamlfile.pydantic_problems(doc, exc, (key, i)))
    return out["policies"], out["waivers"]


def _meaning(doc: yamlfile.Document, i: int, p: Policy) -> list[Problem]:
    base = ("policies", i)
    if p.resource not in fields.RESOURCE_KINDS:
        return [Problem(doc.where(base + ("resource",)), f"unknown resource '{p.resource}'",
                        "one of: " + ", ".join(fields.RESOURCE_KINDS), yamlfile.format_path(base + ("resource",)))]
    if p.resource == "kpi":
        assert p.ratio is not None
        if p.ratio.of not in fields.INVENTORY_KINDS:
            return [Problem(doc.where(base + ("ratio", "of")), f"a ratio counts inventory records, not '{p.ratio.of}'",
                            "one of: " + ", ".join(fields.INVENTORY_KINDS))]
        return (comp.check(p.ratio.denominator, p.ratio.of, doc, base + ("ratio", "denominator"))
                + comp.check(p.ratio.numerator, p.ratio.of, doc, base + ("ratio", "numerator")))
    return comp.check(p.filters, p.resource, doc, base + ("filters",))


def load_policies(paths: list[Path]) -> PolicySet:
    """Load and fully validate policy files (and directories of them). Raises :class:`PolicyFileError`."""
    problems: list[Problem] = []
    files = policy_files(paths)
    for p in paths:
        if not p.exists():
            problems.append(Problem(Location(display(p)), t("policy.load.missing"), t("policy.load.missing.hint")))
    if not files and not problems:
        problems.append(Problem(Location(", ".join(map(_display, paths)) or "."), "no policy files (*.yaml) found"))
    out = PolicySet()
    first: dict[str, Location] = {}
    waivers: list[tuple[yamlfile.Document, int, Waiver]] = []
    for path in files:
        if not path.exists():
            continue
        doc, extra = _read(path)
        problems += doc.problems + extra
        policies, wv = _structure(doc, problems)
        for i, pol in policies:
            problems += _meaning(doc, i, pol)
            loc = doc.where(("policies", i))
            if pol.id in first:
                problems.append(Problem(doc.where(("policies", i, "id")), f"duplicate policy id '{pol.id}' (first defined at {first[pol.id]})",
                                        "policy ids must be unique across all policy files", f"policies[{i}].id"))
                continue
            first[pol.id] = loc
            out.policies.append(LoadedPolicy(pol, loc, doc.where(("policies", i, "target"))))
        waivers += [(doc, i, w) for i, w in wv]
    for doc, i, w in waivers:
        if w.policy not in first:
            problems.append(Problem(doc.where(("waivers", i, "policy")), f"waiver for unknown policy '{w.policy}'",
                                    "use the id of a policy (cloudctl policy list)", f"waivers[{i}].policy"))
            continue
        out.waivers.append(LoadedWaiver(w, doc.where(("waivers", i))))
    if problems:
        raise PolicyFileError(problems, hint=t("policy.load.hint"))
    return out
