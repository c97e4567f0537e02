"""Start-up and inventory benchmarks (issue #2).

- ``cloudctl --version`` / ``cloudctl --help`` wall time vs ``python -c "import typer"`` (target < 2x).
- ``cloudctl inventory validate`` on the shipped inventory (target < 1 s), vs ``python -c "import typer"``.

Run:  .venv/bin/python bench/bench_startup.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import HEADER, median, row, time_command  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def main() -> None:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "0"}
    cloudctl = str(BIN / "cloudctl")
    commands = {
        "anchor": [sys.executable, "-c", "import typer"],
        "version": [cloudctl, "--version"],
        "help": [cloudctl, "--help"],
        "validate": [cloudctl, "inventory", "validate", str(ROOT / "inventory")],
    }
    # Interleaved rounds: each round times every command once, so drift in the machine's load
    # hits the anchor and the measured commands alike.
    samples: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(2):  # warm-up
        for argv in commands.values():
            time_command(argv, runs=1, warmup=0, env=env)
    for _ in range(15):
        for name, argv in commands.items():
            samples[name] += time_command(argv, runs=1, warmup=0, env=env)
    anchor, version, help_, validate = (median(samples[k]) for k in commands)
    print(HEADER)
    print(row("`python -c 'import typer'` (anchor)", f"{anchor*1000:.0f} ms"))
    for name, value in (("`cloudctl --version`", version), ("`cloudctl --help`", help_)):
        ratio = value / anchor
        print(row(name, f"{value*1000:.0f} ms", f"{anchor*1000:.0f} ms", f"{ratio:.2f}x", "< 2x", "yes" if ratio < 2 else "NO"))
    print(row("`cloudctl inventory validate inventory/`", f"{validate*1000:.0f} ms", f"{anchor*1000:.0f} ms", f"{validate/anchor:.1f}x", "< 1 s", "yes" if validate < 1 else "NO"))


if __name__ == "__main__":
    main()
