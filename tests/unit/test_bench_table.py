"""Benchmarks judge themselves: Judge exits 1 on a missed target, make bench says which, and the
"met" column of docs/benchmarks.md is what tools/bench_table.py generates from bench/results/*.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import run_all  # noqa: E402

from tools import bench_table  # noqa: E402

SCRIPT = """
import sys
sys.path.insert(0, {bench!r})
from common import Judge
judge = Judge({name!r}, ".venv/bin/python bench/{name}.py")
for target, value, limit, op in {checks!r}:
    judge.check(target, value, limit, unit="s", op=op, anchor="anchor 1 s")
raise SystemExit(judge.finish())
"""


def bench_script(directory: Path, name: str, checks: list[tuple]) -> Path:
    path = directory / f"{name}.py"
    path.write_text(SCRIPT.format(bench=str(ROOT / "bench"), name=name, checks=checks))
    return path


def test_the_committed_table_is_what_the_committed_results_give():
    doc = bench_table.DOC.read_text(encoding="utf-8")
    assert bench_table.START in doc and bench_table.END in doc
    assert list(bench_table.RESULTS.glob("*.json")), "bench/results/ holds the committed results"
    assert bench_table.render(doc, bench_table.RESULTS) == doc, "run `make bench-docs` (never edit the table by hand)"


def test_every_results_file_becomes_rows_and_a_missed_target_says_no(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    for name, checks in (("bench_new", [("x < 1 s (#99)", 0.5, 1.0, "<=")]), ("bench_old", [("y ≥ 2 s (#98)", 1.5, 2.0, ">=")])):
        r = subprocess.run([sys.executable, str(bench_script(tmp_path, name, checks))], env={**os.environ, "BENCH_RESULTS_DIR": str(results)},
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == (0 if name == "bench_new" else 1), r.stdout + r.stderr
    rows = bench_table.rows(results)
    assert len(rows) == 2
    assert rows[0].startswith("| x < 1 s (#99) | 0.5 s | ≤ 1 s | anchor 1 s | yes | ")
    assert rows[0].endswith(" | `.venv/bin/python bench/bench_new.py` |")
    assert rows[1].startswith("| y ≥ 2 s (#98) | 1.5 s | ≥ 2 s | anchor 1 s | **NO** | ")
    doc = tmp_path / "doc.md"
    doc.write_text(f"# t\n\n{bench_table.START}\nold hand-made table, met: yes\n{bench_table.END}\n\nafter\n", encoding="utf-8")
    assert bench_table.main(["--doc", str(doc), "--results", str(results), "--check"]) == 1
    assert bench_table.main(["--doc", str(doc), "--results", str(results)]) == 0
    assert doc.read_text(encoding="utf-8") == f"# t\n\n{bench_table.START}\n{bench_table.HEADER}\n{rows[0]}\n{rows[1]}\n{bench_table.END}\n\nafter\n"
    assert bench_table.main(["--doc", str(doc), "--results", str(results), "--check"]) == 0


def test_a_judge_saves_its_checks_and_exits_1_only_when_one_is_missed(tmp_path):
    results = tmp_path / "results"
    env = {**os.environ, "BENCH_RESULTS_DIR": str(results)}
    met = subprocess.run([sys.executable, str(bench_script(tmp_path, "bench_met", [("a", 1.0, 1.0, "<="), ("b", 3.0, 2.0, ">=")]))], env=env,
                         capture_output=True, text=True, timeout=60)
    assert met.returncode == 0, met.stdout + met.stderr
    missed = subprocess.run([sys.executable, str(bench_script(tmp_path, "bench_missed", [("a", 1.0, 1.0, "<="), ("c", 1.01, 1.0, "<=")]))],
                            env=env, capture_output=True, text=True, timeout=60)
    assert missed.returncode == 1 and "MISSED 1 target(s) in bench_missed: c" in missed.stdout
    saved = json.loads((results / "bench_missed.json").read_text(encoding="utf-8"))
    assert [(c["target"], c["met"]) for c in saved["checks"]] == [("a", True), ("c", False)]
    nothing = subprocess.run([sys.executable, str(bench_script(tmp_path, "bench_nothing", []))], env=env, capture_output=True, text=True, timeout=60)
    assert nothing.returncode == 2 and not (results / "bench_nothing.json").exists()


def test_make_bench_runs_every_script_names_the_missed_targets_and_fails(tmp_path, capfd):
    results = tmp_path / "results"
    ok = bench_script(tmp_path, "bench_ok", [("fast < 1 s (#1)", 0.2, 1.0, "<=")])
    slow = bench_script(tmp_path, "bench_slow", [("fast < 1 s (#1)", 0.2, 1.0, "<="), ("sweep < 30 s (#5)", 31.0, 30.0, "<=")])
    crash = tmp_path / "bench_crash.py"
    crash.write_text("raise SystemExit('no simulator')\n")
    assert run_all.run([ok], results) == 0
    assert "every target met" in capfd.readouterr().out
    assert run_all.run([ok, slow, crash], results) == 1
    out = capfd.readouterr().out.split("## summary")[1]
    assert "bench_slow: MISSED sweep < 30 s (#5): measured 31 s, limit <= 30 s" in out
    assert "bench_crash: exited 1 without saving results" in out
    assert "bench_ok" not in out
