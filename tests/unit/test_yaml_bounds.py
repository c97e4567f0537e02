"""Every YAML file is bounded before it can cost memory (issue #11): size and alias expansion,
each refused with file:line — the inventory's files as much as the configs."""

from __future__ import annotations

import pytest

from cloudctl import yamlfile
from cloudctl.errors import InventoryError
from cloudctl.inventory.loader import load_inventory
from tests.unit.test_agent_helpers import write_inventory

BOMB = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9) if i else ', '.join(['lol'] * 9)}]\n" for i in range(9))  # 9^9 values


def test_a_billion_laughs_is_refused_quickly_at_its_line(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB)
    assert len(BOMB) < 500
    doc = yamlfile.load(path)  # before: minutes and gigabytes (the test's timeout would end it)
    (problem,) = doc.problems
    assert "alias bomb" in problem.message and problem.location.line >= 1 and str(problem).startswith(f"{path}:")


def test_ordinary_aliases_and_merges_still_work(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("base: &b {timeout: 2s, retries: 1}\nprofiles:\n" + "".join(f"  p{i}: {{<<: *b, version: 2c}}\n" for i in range(50)))
    doc = yamlfile.load(path)
    assert not doc.problems and doc.data["profiles"]["p49"] == {"timeout": "2s", "retries": 1, "version": "2c"}


def test_a_file_past_the_size_bound_names_the_line_where_the_bound_falls(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("".join(f"k{i}: {'v' * 90}\n" for i in range(100)))  # 100 lines of ~96 bytes
    (problem,) = yamlfile.load(path, max_bytes=1000).problems
    assert problem.location.line == 11 and "larger than the limit of 1000 bytes" in problem.message


def test_an_oversized_inventory_file_is_refused_with_file_and_line(tmp_path):
    root = tmp_path / "inventory"
    write_inventory(root)
    with open(root / "nodes.yaml", "a", encoding="utf-8") as fh:
        line = "# " + "x" * 1000 + "\n"
        for _ in range(yamlfile.DEFAULT_MAX_BYTES // len(line) + 2):
            fh.write(line)
    with pytest.raises(InventoryError, match=r"nodes\.yaml:\d+: file is larger than the limit of 16777216 bytes"):
        load_inventory(root)
