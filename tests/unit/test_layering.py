"""Layering rules from DESIGN.md and STYLE.md, checked on the source so they cannot drift.

- drivers (and everything that runs against real clouds or nodes) never import a simulator;
- nothing below ``cloudctl/cli/`` imports Typer or Rich, prints a CLI exit, or calls ``sys.exit``
  (the agent has its own tiny entry point without them).
"""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "cloudctl"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _modules(*parts: str) -> list[Path]:
    out: list[Path] = []
    for part in parts:
        p = PKG / part
        out += sorted(p.rglob("*.py")) if p.is_dir() else [p]
    return out


def test_real_clients_never_import_a_simulator():
    offenders = [
        str(m.relative_to(PKG))
        for m in _modules("providers", "store", "sync.py", "snmp", "agent", "migration", "policy", "report")
        if any(i == "cloudctl.sim" or i.startswith("cloudctl.sim.") for i in _imports(m))
    ]
    assert offenders == []


def test_only_the_cli_imports_typer_or_rich():
    offenders = [
        str(m.relative_to(PKG))
        for m in PKG.rglob("*.py")
        if "cli" not in m.relative_to(PKG).parts[:1]
        and any(i.split(".")[0] in ("typer", "rich") for i in _imports(m))
    ]
    assert offenders == []


def test_only_entry_points_exit_the_process():
    allowed = {"cli", "agent/main.py", "__main__.py"}
    offenders = []
    for m in PKG.rglob("*.py"):
        rel = m.relative_to(PKG).as_posix()
        if rel.split("/")[0] in allowed or rel in allowed:
            continue
        src = m.read_text(encoding="utf-8")
        if "sys.exit(" in src:
            offenders.append(rel)
    assert offenders == []
