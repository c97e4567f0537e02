"""Run every benchmark script in bench/ (bench_*.py) one after the other, then say which targets were missed.

Each script states its targets through common.Judge, prints them, saves bench/results/<script>.json
and exits 1 when one is missed. This runner exits non-zero when any script missed a target,
crashed, or stated no target, and lists them at the end. Afterwards `make bench-docs` writes the
summary table of docs/benchmarks.md from the results.

Run:  make bench   (or .venv/bin/python bench/run_all.py [NAME ...])
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import common  # noqa: E402


def run(scripts: list[Path], results_dir: Path = common.RESULTS_DIR) -> int:
    """Run ``scripts`` in turn (their results go to ``results_dir``); 1 if any target was missed."""
    problems: list[str] = []
    env = {**os.environ, "BENCH_RESULTS_DIR": str(results_dir)}
    for s in scripts:
        print(f"\n## {s.stem}\n", flush=True)
        started = time.time()
        rc = subprocess.run([sys.executable, str(s)], env=env).returncode
        result = results_dir / f"{s.stem}.json"
        fresh = result.exists() and result.stat().st_mtime >= started
        if not fresh:
            problems.append(f"{s.stem}: exited {rc} without saving results (crashed, or does not use common.Judge)")
            continue
        missed = [c for c in json.loads(result.read_text(encoding="utf-8"))["checks"] if not c["met"]]
        problems += [f"{s.stem}: MISSED {c['target']}: measured {common.figure(c['value'], c['unit'])}, "
                     f"limit {c['op']} {common.figure(c['limit'], c['unit'])}" for c in missed]
        if rc != 0 and not missed:
            problems.append(f"{s.stem}: exited {rc}")
    print(f"\n## summary: {len(scripts)} benchmark script(s)\n")
    for p in problems:
        print(p)
    if not problems:
        print("every target met")
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if argv:
        scripts = [s for s in scripts if any(n in s.stem for n in argv)]
        if not scripts:
            print(f"no bench script matches {' '.join(argv)}", file=sys.stderr)
            return 2
    return run(scripts)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
