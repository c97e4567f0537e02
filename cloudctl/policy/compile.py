"""Semantic checks of conditions, and their compilation into one Python predicate per policy.

The checks name the offending part (unknown operator, unknown field, wrong type, bad date,
bad regex) with its ``file:line:col``. A checked condition tree compiles to one expression over a
record dict (``r['field']``), with every literal bound as a constant: no user text is ever
evaluated as code, and 10,000 records × 40 policies take a fraction of a second.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable
from typing import Any

from cloudctl import yamlfile
from cloudctl.errors import Problem
from cloudctl.policy import fields
from cloudctl.policy.model import OPERATORS, And, Compare, Condition, Not, Or

_ORDER = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "before": "<", "after": ">"}
_PYOPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


class _Bad(ValueError):
    def __init__(self, message: str, hint: str = "", where: str = "value") -> None:
        super().__init__(message)
        self.hint, self.where = hint, where


def _coerce(spec: fields.FieldSpec, value: Any) -> Any:
    t = spec.type
    if t == "any":
        return value
    if t == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise _Bad(f"bad date {value!r} for '{spec.name}'", "write dates as YYYY-MM-DD, e.g. 2023-01-01")
    if t == "bool":
        if isinstance(value, bool):
            return value
        raise _Bad(f"wrong type for '{spec.name}': expected true or false, got {value!r}")
    if t in ("int", "float"):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        raise _Bad(f"wrong type for '{spec.name}': expected a number, got {value!r}")
    # str
    if isinstance(value, (int, float)) and not isinstance(value, bool) and str(value) in spec.choices:
        value = str(value)
    if not isinstance(value, str):
        raise _Bad(f"wrong type for '{spec.name}': expected text, got {value!r}")
    if spec.choices and value not in spec.choices:
        raise _Bad(f"'{value}' is not a value of '{spec.name}'", "one of: " + ", ".join(spec.choices))
    return value


def _check_compare(c: Compare, resource: str) -> tuple[fields.FieldSpec, Any]:
    if c.op not in OPERATORS:
        raise _Bad(f"unknown operator '{c.op}'", "operators: " + " ".join(OPERATORS), "op")
    spec = fields.lookup(resource, c.field)
    if spec is None:
        known = ", ".join(sorted(fields.fields_of(resource)))
        raise _Bad(f"unknown field '{c.field}' for resource '{resource}'", f"fields: {known}", "field")
    op, v = c.op, c.value
    if op == "exists":
        if v is None:
            return spec, True
        if not isinstance(v, bool):
            raise _Bad(f"wrong type: 'exists' takes true or false, got {v!r}")
        return spec, v
    if v is None:
        raise _Bad(f"operator '{op}' needs a value", "add 'value: ...'", "op")
    if op == "in":
        if not isinstance(v, list) or not v:
            raise _Bad(f"wrong type: 'in' takes a non-empty list, got {v!r}", "write value: [a, b]")
        return spec, frozenset(_coerce(spec, x) for x in v)
    if op == "regex":
        if spec.type not in ("str", "any"):
            raise _Bad(f"'regex' needs a text field; '{c.field}' is {spec.type}", where="op")
        if not isinstance(v, str):
            raise _Bad(f"wrong type: 'regex' takes a pattern, got {v!r}")
        try:
            return spec, re.compile(v)
        except re.error as exc:
            raise _Bad(f"bad regular expression: {exc}") from None
    if op in ("before", "after"):
        if spec.type not in ("date", "any"):
            raise _Bad(f"'{op}' needs a date field; '{c.field}' is {spec.type}", "use < or > for numbers", "op")
        return spec, _coerce(fields.FieldSpec(spec.name, "date"), v)
    if op in _ORDER and not spec.ordered and spec.type != "any":
        raise _Bad(f"'{op}' needs a number or date field; '{c.field}' is {spec.type}", "use == or in", "op")
    return spec, _coerce(spec, v)


def check(conds: list[Condition], resource: str, doc: yamlfile.Document, base: tuple) -> list[Problem]:
    """Every semantic problem in a condition list, located in ``doc``."""
    problems: list[Problem] = []

    def walk(c: Condition, path: tuple) -> None:
        if isinstance(c, And):
            for i, x in enumerate(c.and_):
                walk(x, path + ("and", i))
        elif isinstance(c, Or):
            for i, x in enumerate(c.or_):
                walk(x, path + ("or", i))
        elif isinstance(c, Not):
            walk(c.not_, path + ("not",))
        else:
            try:
                _check_compare(c, resource)
            except _Bad as bad:
                where = path + (bad.where,) if (path + (bad.where,)) in doc.positions else path
                problems.append(Problem(doc.where(where), str(bad), bad.hint, yamlfile.format_path(where)))

    for i, c in enumerate(conds):
        walk(c, base + (i,))
    return problems


def used_fields(conds: list[Condition]) -> set[str]:
    out: set[str] = set()
    for c in conds:
        if isinstance(c, And):
            out |= used_fields(c.and_)
        elif isinstance(c, Or):
            out |= used_fields(c.or_)
        elif isinstance(c, Not):
            out |= used_fields([c.not_])
        else:
            out.add(c.field)
    return out


def _safe_cmp(op: str) -> Callable[[Any, Any], bool]:
    fn = _PYOPS[op]

    def cmp(a: Any, b: Any) -> bool:
        try:
            return a is not None and bool(fn(a, b))
        except TypeError:  # an extra.* value of another type: no match
            return False

    return cmp


def _expr(c: Condition, resource: str, consts: dict[str, Any]) -> str:
    if isinstance(c, And):
        return "(" + " and ".join(_expr(x, resource, consts) for x in c.and_) + ")"
    if isinstance(c, Or):
        return "(" + " or ".join(_expr(x, resource, consts) for x in c.or_) + ")"
    if isinstance(c, Not):
        return "(not " + _expr(c.not_, resource, consts) + ")"
    spec, value = _check_compare(c, resource)
    name = f"c{len(consts)}"
    consts[name] = value
    ref = f"r[{c.field!r}]"
    op = c.op
    if op == "exists":
        return f"({ref} is {'not ' if value else ''}None)"
    if op == "==":
        return f"({ref} == {name})"
    if op == "!=":
        return f"({ref} != {name})"
    if op == "in":
        return f"({ref} in {name})"
    if op == "regex":
        return f"({ref} is not None and {name}.search(str({ref})) is not None)"
    sym = _ORDER[op]
    if spec.type == "any":
        fname = f"f{len(consts)}"
        consts[fname] = _safe_cmp(sym)
        return f"{fname}({ref}, {name})"
    return f"({ref} is not None and {ref} {sym} {name})"


def predicate(conds: list[Condition], resource: str) -> Callable[[list[dict]], list[dict]]:
    """A function selecting the records that match every condition (an empty list matches all)."""
    consts: dict[str, Any] = {}
    body = " and ".join(_expr(c, resource, consts) for c in conds) or "True"
    src = f"lambda rows: [r for r in rows if {body}]"
    scope = {"__builtins__": {"str": str}, **consts}
    return eval(compile(src, "<policy>", "eval"), scope)  # noqa: S307 - built from checked parts only


def describe(conds: list[Condition]) -> str:
    """Conditions as one readable line: ``classified == true and (deployment == cloud or cloud_vms > 0)``."""

    def one(c: Condition) -> str:
        if isinstance(c, And):
            return "(" + " and ".join(one(x) for x in c.and_) + ")"
        if isinstance(c, Or):
            return "(" + " or ".join(one(x) for x in c.or_) + ")"
        if isinstance(c, Not):
            return "not " + one(c.not_)
        if c.op == "exists":
            return f"{c.field} {'exists' if c.value in (None, True) else 'is absent'}"
        v = c.value
        shown = "true" if v is True else "false" if v is False else (f"[{', '.join(map(str, v))}]" if isinstance(v, list) else str(v))
        return f"{c.field} {c.op} {shown}"

    return " and ".join(one(c) for c in conds) or "(every record)"
