"""Benchmark: `cloudctl ls servers -o json` over N stored servers (target < 1 s for 50,000).

Anchor measured in the same run: a bare `python -c "import sqlite3, json; ..."` that reads the
same rows and dumps them as JSON (the floor for any Python CLI over this store), and the
cold-start of `cloudctl --version`.

    .venv/bin/python bench/bench_ls.py --servers 50000 --repeat 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Judge, command_line, run_timed  # noqa: E402

from cloudctl.model import Resource  # noqa: E402
from cloudctl.store import Store  # noqa: E402


def fill(path: Path, n: int) -> None:
    store = Store.open(path, create=True)
    snap = store.begin_snapshot()
    w = snap.provider("tianhe")
    for start in range(0, n, 1000):
        w.add(
            Resource("tianhe", "server", f"{i:08d}-0000-4000-8000-000000000000", f"vm-{i}", "active", f"lvliang-p{i % 40}", "RegionOne",
                     "ACTIVE", "aarch64" if i % 3 == 0 else "x86_64", "Kylin V10", f"sys-{i % 215:04d}" if i % 2 else None, "2024-01-02T03:04:05Z",
                     {"project_id": "%032x" % (i % 40), "flavor": "m1.large", "vcpus": 4, "ram_mb": 8192, "disk_gb": 80,
                      "addresses": [f"10.{i % 250}.{i // 250 % 250}.10"], "availability_zone": "nova", "host": f"cmp{i % 30:03d}", "image": None})
            for i in range(start, min(n, start + 1000))
        )
    w.commit()
    snap.finish()
    store.close()


def timed(cmd: list[str]) -> tuple[float, float]:
    """(wall, CPU user+sys) seconds of one run; CPU is the steadier figure on a shared machine."""
    return run_timed(cmd, env={**os.environ, "CLOUDCTL_CONFIG": ""})


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--servers", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "store.db"
        fill(db, args.servers)
        exe = [sys.executable, "-m", "cloudctl"]
        bare = [sys.executable, "-c", "import sqlite3,json,sys; c=sqlite3.connect(sys.argv[1]); "
                "json.dump([dict(zip([d[0] for d in q.description], r)) for q in [c.execute('select * from resources')] for r in q], sys.stdout)", str(db)]
        runs = {"cloudctl ls servers -o json": [], "bare sqlite3+json dump": [], "cloudctl --version": []}
        for _ in range(args.repeat):
            runs["cloudctl ls servers -o json"].append(timed([*exe, "ls", "servers", "-o", "json", "--store", str(db)]))
            runs["bare sqlite3+json dump"].append(timed(bare))
            runs["cloudctl --version"].append(timed([*exe, "--version"]))
        med = {k: statistics.median(w for w, _ in v) for k, v in runs.items()}
        cpu = {k: statistics.median(c for _, c in v) for k, v in runs.items()}
        print(f"servers stored: {args.servers}, repeats: {args.repeat}, load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        for k in runs:
            print(f"  {k:32s} median wall {med[k]:.3f} s   CPU {cpu[k]:.3f} s")
        ls, bare = "cloudctl ls servers -o json", "bare sqlite3+json dump"
        print(f"  ratio ls / bare dump: wall {med[ls] / med[bare]:.2f}x, CPU {cpu[ls] / cpu[bare]:.2f}x")
    judge = Judge("bench_ls", command_line(__file__))
    judge.check(f"`cloudctl ls servers -o json` over {args.servers:,} stored servers < 1 s, CPU (#3)", cpu[ls], 1, unit="s",
                anchor=f"wall {med[ls]:.2f} s; bare sqlite3 + json.dump {cpu[bare]:.2f} s CPU; `cloudctl --version` {cpu['cloudctl --version']:.2f} s CPU")
    return judge.finish()


if __name__ == "__main__":
    raise SystemExit(main())
