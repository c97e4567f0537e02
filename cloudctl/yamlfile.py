"""YAML loading that remembers where every value came from.

``load(path)`` returns a :class:`Document`: the plain Python data plus a lazy map from the path
of each value (``("nodes", 3, "address")``) to its :class:`~cloudctl.errors.Location`. Duplicate
mapping keys, which PyYAML silently accepts (last one wins), are reported as problems. Every
validator in cloudctl (inventory, config, policies, agent config) turns its errors into
``file:line:col`` through this map.

Every file is bounded before it can cost memory: a size limit (``max_bytes``, read no further)
and an alias-expansion limit (a "billion laughs" document of a few hundred bytes would otherwise
expand into gigabytes); both become a problem at ``file:line``.
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

DEFAULT_MAX_BYTES = 16 * 1024 * 1024  # 160 x the largest inventory file of record
CONFIG_MAX_BYTES = 1024 * 1024  # config files (agent.yaml, web-config.yml)
ALIAS_BOMB = "aliases expand this document past its size bound (an alias bomb?)"


def _expansion_limit(text: str) -> int:
    """Values a document may build: more than about one per source byte can only come from aliases."""
    return 2 * len(text) + 10_000


class Positions:
    """Lazy map path -> Location, answered from the YAML node tree on demand.

    Building a Location for each of the ~100,000 scalars of the inventory up front costs more
    than validating it; errors need only a handful, so they are looked up when asked for.
    ``path + ("<key>",)`` gives the location of a mapping key instead of its value.
    """

    __slots__ = ("_file", "_root")

    def __init__(self, file: str, root: yaml.Node | None) -> None:
        self._file = file
        self._root = root

    def _node(self, path: Path_) -> yaml.Node | None:
        node = self._root
        want_key = bool(path) and path[-1] == "<key>"
        parts = path[:-1] if want_key else path
        for i, part in enumerate(parts):
            if node is None:
                return None
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if isinstance(k, yaml.ScalarNode) and k.value == part:
                        node = k if (want_key and i == len(parts) - 1) else v
                        break
                else:
                    return None
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if not 0 <= part < len(node.value):
                    return None
                node = node.value[part]
            else:
                return None
        if want_key and not isinstance(node, yaml.ScalarNode):
            return None
        return node

    def get(self, path: Path_, default: Location | None = None) -> Location | None:
        node = self._node(tuple(path))
        return _loc(self._file, node.start_mark) if node is not None else default

    def __contains__(self, path: object) -> bool:
        return isinstance(path, tuple) and self._node(path) is not None


@dataclass
class Document:
    """A parsed YAML file: data, where each value is, and problems found while parsing."""

    path: str
    data: Any = None
    root: yaml.Node | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def positions(self) -> Positions:
        return Positions(self.path, self.root)

    def where(self, path: Path_) -> Location:
        """Location of ``path``, or of its nearest ancestor that has one."""
        pos = self.positions
        p = tuple(path)
        while p:
            loc = pos.get(p)
            if loc is not None:
                return loc
            p = p[:-1]
        return pos.get((), None) or Location(self.path, 1, 1)

    def key_where(self, path: Path_) -> Location:
        """Location of the *key* of ``path`` in its mapping (falls back to the value)."""
        return self.positions.get(tuple(path) + ("<key>",)) or self.where(path)

    def item_locations(self, path: Path_) -> list[Location]:
        """Locations of every item of the sequence at ``path`` (one tree walk, not one per item)."""
        node = self.positions._node(tuple(path))  # noqa: SLF001 - same module
        if not isinstance(node, yaml.SequenceNode):
            return []
        return [_loc(self.path, item.start_mark) for item in node.value]


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


_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"


def _build(doc: Document, loader: Any, node: yaml.Node, path: Path_, depth: int = 0, budget: list[int] | None = None) -> Any:
    """Plain data from the node tree, reporting duplicate keys (PyYAML keeps the last silently).

    Strings (most of every file) are taken as they are; other scalars go through PyYAML's safe
    constructor so ints, bools, nulls and dates mean exactly what they mean in YAML 1.1.
    ``budget`` ([values left]) bounds alias expansion: an alias is built again wherever it is used.
    """
    if depth > 100:
        raise yaml.constructor.ConstructorError(None, None, "nesting deeper than 100 levels", node.start_mark)
    if budget is not None:
        budget[0] -= 1
        if budget[0] < 0:
            raise yaml.constructor.ConstructorError(
                None, None, ALIAS_BOMB, node.start_mark)
    if isinstance(node, yaml.ScalarNode):
        return node.value if node.tag == _STR else loader.construct_object(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return [_build(doc, loader, item, path + (i,), depth + 1, budget) for i, item in enumerate(node.value)]
    if isinstance(node, yaml.MappingNode):
        merged = 0  # leading entries that came from `<<:` merges: own keys may override them
        if any(k.tag == _MERGE for k, _ in node.value):
            own = sum(1 for k, _ in node.value if k.tag != _MERGE)
            loader.flatten_mapping(node)
            merged = len(node.value) - own
        out: dict[Any, Any] = {}
        first: dict[Any, yaml.Node] = {}
        for index, (key_node, value_node) in enumerate(node.value):
            if isinstance(key_node, yaml.ScalarNode):
                key = key_node.value if key_node.tag == _STR else loader.construct_object(key_node, deep=True)
            else:
                raise yaml.constructor.ConstructorError(None, None, "a mapping key must be a plain value", key_node.start_mark)
            if index < merged:
                out[key] = _build(doc, loader, value_node, path + (key,), depth + 1, budget)
                continue
            if key in first:
                doc.problems.append(
                    Problem(
                        _loc(doc.path, key_node.start_mark),
                        f"duplicate key '{key}' (first at line {first[key].start_mark.line + 1})",
                        "remove one of them; YAML would silently keep only the last",
                        format_path(path),
                    )
                )
                continue
            first[key] = key_node
            out[key] = _build(doc, loader, value_node, path + (key,), depth + 1, budget)
        return out
    return loader.construct_object(node, deep=True)


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
            doc.root = node
            doc.data = _build(doc, loader, node, (), budget=[_expansion_limit(text)])
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = _loc(path, mark) if mark else Location(path)
        msg = exc.problem or str(exc)
        if exc.context:
            msg = f"{exc.context}: {msg}"
        hint = "write the values out, or use fewer aliases" if ALIAS_BOMB in msg else "check indentation and quoting"
        doc.problems.append(Problem(loc, f"invalid YAML: {msg}", hint))
        doc.data = None
    except yaml.YAMLError as exc:  # e.g. a bad tag without a mark
        doc.problems.append(Problem(Location(path), f"invalid YAML: {exc}"))
        doc.data = None
    return doc


def load(path: str | os.PathLike[str], display: str | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read and parse a YAML file (UTF-8). An unreadable or oversized file becomes a problem.

    ``display`` is the path used in locations (e.g. relative to the working directory).
    ``max_bytes``: reading stops past it, and the problem names the first line beyond the bound.
    """
    p = os.fspath(path)
    shown = display or p
    try:
        with open(p, "rb") as fh:
            raw = fh.read(max_bytes + 1)
    except OSError as exc:
        return Document(shown, problems=[Problem(Location(shown), f"cannot read file: {exc.strerror}")])
    if len(raw) > max_bytes:
        line = raw.count(b"\n", 0, max_bytes) + 1
        return Document(shown, problems=[Problem(Location(shown, line), f"file is larger than the limit of {max_bytes} bytes (reached on this line)",
                                                 "split it (inventory kinds may be folders of files) or check that it is the file you meant")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Document(shown, problems=[Problem(Location(shown), f"not UTF-8 text: {exc.reason}", "save the file as UTF-8")])
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
