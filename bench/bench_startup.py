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
from common import HEADER, Judge, command_line, median, row, run_timed, time_command  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def main() -> int:
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
    validate_cpu: list[float] = []
    for _ in range(2):  # warm-up
        for argv in commands.values():
            time_command(argv, runs=1, warmup=0, env=env)
    for _ in range(15):
        for name, argv in commands.items():
            wall, cpu = run_timed(argv, env=env)
            samples[name].append(wall)
            if name == "validate":
                validate_cpu.append(cpu)
    anchor, version, help_, validate = (median(samples[k]) for k in commands)
    validate_cpu_s = median(validate_cpu)
    print(f"medians of 15 interleaved rounds; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(HEADER)
    print(row("`python -c 'import typer'` (anchor)", f"{anchor*1000:.0f} ms"))
    for name, value in (("`cloudctl --version`", version), ("`cloudctl --help`", help_)):
        print(row(name, f"{value*1000:.0f} ms", f"{anchor*1000:.0f} ms", f"{value / anchor:.2f}x"))
    print(row("`cloudctl inventory validate inventory/`", f"{validate*1000:.0f} ms", f"{anchor*1000:.0f} ms", f"{validate/anchor:.1f}x"))
    judge = Judge("bench_startup", command_line(__file__))
    typer = f"`python -c \"import typer\"` {anchor * 1000:.0f} ms"
    judge.check("`cloudctl --version` < 2× `import typer` (#2)", version / anchor, 2, unit="×", anchor=f"{version * 1000:.0f} ms vs {typer}")
    judge.check("`cloudctl --help` < 2× `import typer` (#2)", help_ / anchor, 2, unit="×", anchor=f"{help_ * 1000:.0f} ms vs {typer}")
    judge.check("`cloudctl inventory validate` on the shipped inventory < 1 s, CPU (#2)", validate_cpu_s, 1, unit="s",
                anchor=f"wall {validate * 1000:.0f} ms; {typer} → {validate / anchor:.1f}×")
    return judge.finish()


if __name__ == "__main__":
    raise SystemExit(main())
