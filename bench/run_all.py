"""Run every benchmark script in bench/ (bench_*.py) one after the other; each prints Markdown.

Run:  make bench   (or .venv/bin/python bench/run_all.py [NAME ...])
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if any(n in s.stem for n in names)]
    rc = 0
    for s in scripts:
        print(f"\n## {s.stem}\n", flush=True)
        rc |= subprocess.run([sys.executable, str(s)]).returncode
    return rc


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
