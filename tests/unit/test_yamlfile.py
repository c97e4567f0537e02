"""YAML with positions: the locations every validator reports come from here."""

from __future__ import annotations

import datetime as dt

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudctl.errors import Location
from cloudctl.yamlfile import format_path, load, loads

TEXT = """\
nodes:
  - id: a
    address: 10.0.0.1
    uplink_mbps: 1000
  - {id: b, address: "fd00::1", up: yes, since: 2024-01-02, none: ~}
"""


def test_data_means_what_yaml_means():
    doc = loads(TEXT, "n.yaml")
    assert doc.problems == []
    assert doc.data["nodes"][0] == {"id": "a", "address": "10.0.0.1", "uplink_mbps": 1000}
    b = doc.data["nodes"][1]
    assert b["up"] is True and b["since"] == dt.date(2024, 1, 2) and b["none"] is None


def test_locations_of_values_keys_and_items():
    doc = loads(TEXT, "n.yaml")
    assert doc.where(("nodes", 0, "uplink_mbps")) == Location("n.yaml", 4, 18)
    assert doc.key_where(("nodes", 0, "uplink_mbps")) == Location("n.yaml", 4, 5)
    assert doc.where(("nodes", 1, "address")) == Location("n.yaml", 5, 22)
    # a path that does not exist falls back to its nearest ancestor
    assert doc.where(("nodes", 1, "nope")) == Location("n.yaml", 5, 5)
    assert doc.item_locations(("nodes",)) == [Location("n.yaml", 2, 5), Location("n.yaml", 5, 5)]
    assert ("nodes", 1, "id") in doc.positions and ("nodes", 2) not in doc.positions


def test_duplicate_keys_are_problems_at_every_depth():
    doc = loads("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n", "d.yaml")
    assert [str(p) for p in doc.problems] == [
        "d.yaml:4:3: b: duplicate key 'c' (first at line 3) (remove one of them; YAML would silently keep only the last)",
        "d.yaml:5:1: duplicate key 'a' (first at line 1) (remove one of them; YAML would silently keep only the last)",
    ]
    assert doc.data == {"a": 1, "b": {"c": 1}}  # the first one is kept, and reported


def test_merge_keys_and_anchors():
    doc = loads("base: &b {x: 1, y: 2}\nitem:\n  <<: *b\n  y: 3\n")
    assert doc.problems == [] and doc.data["item"] == {"x": 1, "y": 3}


def test_syntax_error_is_a_located_problem():
    doc = loads("a: [1, 2\nb: 3\n", "s.yaml")
    (p,) = doc.problems
    assert p.location.path == "s.yaml" and p.location.line == 2
    assert p.message.startswith("invalid YAML")
    assert doc.data is None


def test_unreadable_and_non_utf8_files(tmp_path):
    assert load(tmp_path / "missing.yaml").problems[0].message.startswith("cannot read file")
    (tmp_path / "latin1.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    assert load(tmp_path / "latin1.yaml").problems[0].message.startswith("not UTF-8 text")


def test_format_path():
    assert format_path(("nodes", 3, "address")) == "nodes[3].address"
    assert format_path(()) == ""


def _pyyaml(text: str) -> tuple[bool, object]:
    """(parsed, data) by PyYAML's own safe loader, the reference for what the text means."""
    try:
        return True, yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        return False, None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{}\n &*!|>'\"#,?%@`\t0")), max_size=60))
def test_arbitrary_text_gives_pyyamls_data_or_located_problems_never_an_exception(text):
    doc = loads(text, "fuzz.yaml")
    parsed, data = _pyyaml(text)
    if not parsed:
        assert doc.problems, "PyYAML rejects this text: it must be reported, not swallowed"
        assert doc.data is None
    if not doc.problems:
        assert doc.data == data  # no problem reported: the data is exactly what YAML means
    for p in doc.problems:
        assert p.location.path == "fuzz.yaml", str(p)
        assert p.location.line is None or 1 <= p.location.line <= text.count("\n") + 2, str(p)
