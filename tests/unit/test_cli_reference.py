"""The CLI reference is generated from --help and never stale; every command documents an example."""

from __future__ import annotations

import re

from cloudctl.cli.docgen import commands, generate
from tests.conftest import ROOT

CLI_MD = ROOT / "docs" / "cli.md"


def test_docs_cli_md_is_the_generated_reference():
    assert CLI_MD.read_text(encoding="utf-8") == generate(), "docs/cli.md is stale: run `make docs` and commit it"


def test_every_command_and_group_has_a_docstring_with_an_example_line():
    missing = []
    for path, cmd, _ in commands():
        # Groups too (their help comes from cloudctl.cli.main.GROUPS): `cloudctl migrate --help`
        # shows an example like `cloudctl migrate kpis --help` does.
        if not cmd.help or not re.search(r"^\s*Example:\s+\S", cmd.help, re.M):
            missing.append(path)
    assert missing == [], f"commands without a docstring with an 'Example:' line: {missing}"


def test_every_example_shows_on_one_line_as_written():
    """An example rewrapped by --help breaks where a reader copies it (the sync example was cut
    inside its path, `.../node-` / `exporter/...`, so the quoted command did not run)."""
    broken = []
    for path, cmd, ctx in commands():
        shown = [line.strip() for line in cmd.get_help(ctx).splitlines()]
        for example in re.findall(r"^\s*(Example:\s+\S.*?)\s*$", cmd.help or "", re.M):
            if " ".join(example.split()) not in (" ".join(line.split()) for line in shown):
                broken.append(f"{path}: {example}")
    assert broken == [], "examples wrapped by --help (keep them short, or put \\b before the paragraph):\n" + "\n".join(broken)


def test_the_walk_finds_every_registered_command():
    from cloudctl.cli.main import COMMANDS, GROUPS

    paths = {p for p, _, _ in commands()}
    assert {f"cloudctl {name}" for name in COMMANDS} <= paths
    assert {f"cloudctl {name}" for name in GROUPS} <= paths
    assert "cloudctl report" in paths and "cloudctl demo" in paths


def test_the_reference_covers_the_agent():
    assert "## `cloudctl-agent`" in generate()
