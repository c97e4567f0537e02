#!/usr/bin/env python3
"""Regenerate the golden outputs of `cloudctl policy check` in tests/golden/policy/.

The goldens are what users of each output format (text, JSON, JUnit, GitHub annotations, SARIF)
see for the golden repository in tests/fixtures/policy/_golden. tests/unit/test_policy_formats.py
compares the real output with them and never writes them: regenerating is a deliberate step,
followed by reviewing the diff (`git diff tests/golden`) before committing.

Usage:  make goldens    (or .venv/bin/python tools/goldens.py [--out DIR])
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_DIR = ROOT / "tests" / "golden" / "policy"
REPO = "tests/fixtures/policy/_golden"  # relative to ROOT, as the paths in the outputs are
ARGS = ("--lang", "en", "policy", "check", "policies/plan.yaml", f"{REPO}/waivers.yaml", "--inventory", f"{REPO}/inventory",
        "--no-store", "--today", "2026-06-01", "--fail-on", "critical")
SUFFIX = {"text": "txt", "json": "json", "junit": "xml", "github": "txt", "sarif": "sarif"}
EXPECTED_EXIT = 1  # the golden repository has critical findings


def golden_path(fmt: str, directory: Path = GOLDEN_DIR) -> Path:
    return directory / f"check-{fmt}.{SUFFIX[fmt]}"


def normalize(output: str) -> str:
    """The output with what changes between releases (the version) replaced by a placeholder."""
    from cloudctl import __version__

    return output.replace(__version__, "<version>")


def render(fmt: str) -> str:
    """`cloudctl policy check` in ``fmt`` on the golden repository, run from the repository root."""
    proc = subprocess.run([sys.executable, "-m", "cloudctl", *ARGS, "--format", fmt], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    if proc.returncode != EXPECTED_EXIT:
        raise SystemExit(f"cloudctl policy check --format {fmt} exited {proc.returncode}, expected {EXPECTED_EXIT}:\n{proc.stderr}")
    return normalize(proc.stdout)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=GOLDEN_DIR, help="directory to write to (default: tests/golden/policy)")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for fmt in sorted(SUFFIX):
        path = golden_path(fmt, args.out)
        text = render(fmt)
        changed = not path.exists() or path.read_text(encoding="utf-8") != text
        path.write_text(text, encoding="utf-8")
        print(f"{'updated' if changed else 'same   '} {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
