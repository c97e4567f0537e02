"""Small helpers shared by the benchmark scripts: repeated timing, medians, ratios, a Markdown row.

Benchmarks compare against an anchor measured in the same run on the same machine (these
machines are noisy), and report medians and ratios, never a single absolute number.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence


def time_command(argv: Sequence[str], runs: int = 15, warmup: int = 2, env: dict | None = None) -> list[float]:
    """Wall-clock seconds of ``runs`` executions of a command (after ``warmup`` runs)."""
    out = []
    for i in range(warmup + runs):
        t0 = time.perf_counter()
        subprocess.run(list(argv), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        if i >= warmup:
            out.append(time.perf_counter() - t0)
    return out


def run_timed(argv: Sequence[str], env: dict | None = None) -> tuple[float, float]:
    """(wall, CPU user+sys) seconds of one run of a command. On the shared machine the wall time
    includes waiting for a CPU; the CPU time is what the command itself costs."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(list(argv), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def time_call(fn: Callable[[], object], runs: int = 7, warmup: int = 1) -> list[float]:
    out = []
    for i in range(warmup + runs):
        t0 = time.perf_counter()
        fn()
        if i >= warmup:
            out.append(time.perf_counter() - t0)
    return out


def median(xs: Sequence[float]) -> float:
    return statistics.median(xs)


def row(name: str, value: str, anchor: str = "", ratio: str = "", target: str = "", verdict: str = "") -> str:
    return f"| {name} | {value} | {anchor} | {ratio} | {target} | {verdict} |"


HEADER = "| measurement | median | anchor (same run) | ratio | target | met |\n|---|---|---|---|---|---|"


# -- targets that judge themselves ---------------------------------------------------------------
# Every benchmark states its targets through a Judge; `finish()` prints them, writes the results
# as JSON under bench/results/ (docs/benchmarks.md's "met" column is generated from those files)
# and returns the exit code: 1 when any stated target was missed, so `make bench` fails.

import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import shlex  # noqa: E402
import sys  # noqa: E402
from dataclasses import asdict, dataclass, field  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402

# BENCH_RESULTS_DIR: write elsewhere (the tests of bench/run_all.py and tools/bench_table.py do).
RESULTS_DIR = Path(os.environ.get("BENCH_RESULTS_DIR") or Path(__file__).resolve().parent / "results")


def command_line(script: str) -> str:
    """How this run was started, as a user reproduces it: ``.venv/bin/python bench/NAME.py ARGS``."""
    return " ".join([".venv/bin/python", f"bench/{Path(script).name}", *map(shlex.quote, sys.argv[1:])])


def figure(value: float, unit: str = "") -> str:
    """A measured value as people read it: 3 significant digits, no exponent, with its unit."""
    v = abs(value)
    text = f"{value:,.0f}" if v >= 100 else f"{value:.1f}".removesuffix(".0") if v >= 10 else f"{value:.3g}"
    return f"{text} {unit}".strip() if unit not in ("×", "x") else f"{text}×"


@dataclass
class Check:
    target: str  # the target in words, with its issue, e.g. "plan over 20,000 servers < 1 s (#9)"
    value: float  # the measured figure (median, ratio, MB ...)
    limit: float
    unit: str = ""
    op: str = "<="  # "<=" or ">="
    anchor: str = ""  # what it was compared with in the same run, e.g. "exporter 0.52 ms"

    @property
    def met(self) -> bool:
        return self.value <= self.limit if self.op == "<=" else self.value >= self.limit


@dataclass
class Judge:
    script: str  # the bench script's stem, e.g. "bench_plan"
    command: str = ""  # the command that reproduces the run
    checks: list[Check] = field(default_factory=list)

    def check(self, target: str, value: float, limit: float, *, unit: str = "", op: str = "<=", anchor: str = "") -> Check:
        c = Check(target, float(value), float(limit), unit, op, anchor)
        self.checks.append(c)
        return c

    def finish(self) -> int:
        """Print every target with its verdict, save the results, return 1 if any was missed.

        A run that states no target is an error (the script forgot to judge itself): exit 2.
        """
        if not self.checks:
            print(f"\n{self.script}: no target was checked")
            return 2
        print("\n| target | measured | limit | anchor (same run) | met |\n|---|---|---|---|---|")
        for c in self.checks:
            print(f"| {c.target} | {figure(c.value, c.unit)} | {c.op} {figure(c.limit, c.unit)} | {c.anchor} | {'yes' if c.met else 'NO'} |")
        missed = [c.target for c in self.checks if not c.met]
        RESULTS_DIR.mkdir(exist_ok=True)
        record = {
            "script": self.script,
            "command": self.command,
            "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}",
            "checks": [{**asdict(c), "met": c.met} for c in self.checks],
        }
        (RESULTS_DIR / f"{self.script}.json").write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
        if missed:
            print(f"\nMISSED {len(missed)} target(s) in {self.script}: " + "; ".join(missed))
            return 1
        return 0
