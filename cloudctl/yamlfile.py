"""YAML loading that remembers where every value came from.

``load(path)`` returns a :class:`Document`: the plain Python data plus a map from the path of
each value (``("nodes", 3, "address")``) to its :class:`~cloudctl.errors.Location`. Duplicate
mapping keys, which PyYAML silently accepts (last one wins), are reported as problems. Every
validator in cloudctl (inventory, config, policies, agent config) turns its errors into
``file:line:col`` through this map.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import yaml

from cloudctl.errors import Location, Problem

try:  # the C parser is ~10x faster on the 3,000-village inventory
    _Loader: type = yaml.CSafeLoader  # type: ignore[attr-defined]
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader

Path_ = tuple[str | int, ...]


@dataclass
class Document:
    """A parsed YAML file: data, where each value is, and problems found while parsing."""

    path: str
    data: Any = None
    positions: dict[Path_, Location] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def where(self, path: Path_) -> Location:
        """Location of ``path``, or of its nearest ancestor that has one."""
        p = tuple(path)
        while p:
            loc = self.positions.get(p)
            if loc is not None:
                return loc
            p = p[:-1]
        return self.positions.get((), Location(self.path, 1, 1))

    def key_where(self, path: Path_) -> Location:
        """Location of the *key* of ``path`` in its mapping (falls back to the value)."""
        return self.positions.get(path + ("<key>",)) or self.where(path)


def format_path(path: Path_) -> str:
    """``("nodes", 3, "address")`` -> ``nodes[3].address``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _loc(path: str, mark: Any) -> Location:
    return Location(path, mark.line + 1, mark.column + 1)


def _walk(doc: Document, node: yaml.Node, path: Path_) -> None:
    doc.positions[path] = _loc(doc.path, node.start_mark)
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, Location] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key = key_node.value
            here = _loc(doc.path, key_node.start_mark)
            if key in seen:
                doc.problems.append(
                    Problem(
                        here,
                        f"duplicate key '{key}' (first at line {seen[key].line})",
                        "remove one of them; YAML would silently keep only the last",
                        format_path(path),
                    )
                )
                continue
            seen[key] = here
            doc.positions[path + (key, "<key>")] = here
            _walk(doc, value_node, path + (key,))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(doc, item, path + (i,))


def loads(text: str, path: str = "<string>") -> Document:
    """Parse YAML text; syntax errors become problems, never exceptions."""
    doc = Document(path)
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                doc.data = None
                return doc
            _walk(doc, node, ())
            doc.data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = _loc(path, mark) if mark else Location(path)
        msg = exc.problem or str(exc)
        if exc.context:
            msg = f"{exc.context}: {msg}"
        doc.problems.append(Problem(loc, f"invalid YAML: {msg}", "check indentation and quoting"))
        doc.data = None
    except yaml.YAMLError as exc:  # e.g. a bad tag without a mark
        doc.problems.append(Problem(Location(path), f"invalid YAML: {exc}"))
        doc.data = None
    return doc


def load(path: str | os.PathLike[str], display: str | None = None) -> Document:
    """Read and parse a YAML file (UTF-8). An unreadable file becomes a problem.

    ``display`` is the path used in locations (e.g. relative to the working directory).
    """
    p = os.fspath(path)
    shown = display or p
    try:
        with open(p, encoding="utf-8") as fh:
            text = fh.read()
    except UnicodeDecodeError as exc:
        return Document(shown, problems=[Problem(Location(shown), f"not UTF-8 text: {exc.reason}", "save the file as UTF-8")])
    except OSError as exc:
        return Document(shown, problems=[Problem(Location(shown), f"cannot read file: {exc.strerror}")])
    return loads(text, shown)


def _real_path(doc: Document, base: Path_, loc: tuple, keep_last: bool) -> Path_:
    """Drop the parts pydantic adds to ``loc`` that are not keys in the file (union tags).

    ``keep_last``: the last part names a key that is absent (missing) or unexpected (extra).
    """
    out: Path_ = base
    for i, part in enumerate(loc):
        nxt = out + (part,)
        if nxt in doc.positions or (keep_last and i == len(loc) - 1):
            out = nxt
    return out


def pydantic_problems(doc: Document, exc: Any, base: Path_ = (), *, echo_input: bool = True) -> list[Problem]:
    """Turn a pydantic ``ValidationError`` for data at ``base`` into located problems.

    ``echo_input=False`` for documents that may hold secrets: the offending value is not quoted.
    """
    problems = []
    for err in exc.errors(include_url=False):
        etype = err["type"]
        path = _real_path(doc, base, tuple(err["loc"]), etype in ("missing", "extra_forbidden"))
        hint = ""
        if etype == "extra_forbidden":
            where = doc.key_where(path)
            msg = f"unknown field '{path[-1]}'"
            hint = "check the spelling; docs list the fields this record takes"
        elif etype == "missing":
            where = doc.where(path[:-1])
            msg = f"missing required field '{path[-1]}'"
        else:
            where = doc.where(path)
            msg = err["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
            inp = err.get("input")
            if echo_input and isinstance(inp, (str, int, float)) and not isinstance(inp, bool) and etype != "value_error":
                msg += f", got {inp!r}"
        problems.append(Problem(where, msg, hint, format_path(path)))
    return problems
