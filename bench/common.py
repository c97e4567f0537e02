"""Small helpers shared by the benchmark scripts: repeated timing, medians, ratios, a Markdown row.

Benchmarks compare against an anchor measured in the same run on the same machine (these
machines are noisy), and report medians and ratios, never a single absolute number.
"""

from __future__ import annotations

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
