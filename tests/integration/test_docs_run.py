"""The guide and the README tour, executed: every shell block of docs/guide.md and README.md runs.

Each document runs as one reader's terminal session (tests/integration/docs_runner.py) in a
temporary directory, against the simulators the documents themselves start (`cloudctl demo
--keep-running` in the guide, `cloudctl sim serve ... &` in the README). A new task added to the
guide is covered without touching this file; a step that cannot run here goes into SKIP below,
with the reason. What a step printed is compared with what the document shows (first and last
line, numbers masked), so a document and the program cannot drift apart silently.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT, need
from tests.integration import docs_runner as runner

pytestmark = [pytest.mark.slow, pytest.mark.real]

# (document, command pattern, first shown line or None) -> why a test cannot run it.
SKIP: dict[tuple[str, str, str | None], str] = {
    ("docs/guide.md", r"make install", None): "the test already runs inside the installed .venv; `make install` would rebuild it",
    ("docs/guide.md", r"\. \.venv/bin/activate", None): "the test puts the .venv's bin on PATH itself",
    ("docs/guide.md", r"cloudctl-agent --config linxian-[12]\.yaml", None):
        "needs linxian-1.yaml/linxian-2.yaml, which step 1 has the reader make by hand (shard, SNMP keys) for a simulator",
    ("docs/guide.md", r"cat linxian-1\.prom linxian-2\.prom", None): "reads the output of the two agent runs above",
    ("docs/guide.md", r"promtool check metrics < linxian-1\.prom", None): "reads the output of the agent run above",
    ("docs/guide.md", r"promtool check config prom\.yml", None): "needs prom.yml, the reader's own Prometheus config edited in step 4",
    ("docs/guide.md", r"cloudctl policy check policies --no-store --fail-on high", "error: 1 problem in policy files:"):
        "shows the error of a first, broken version of the file (an unquoted ':'), which the guide describes but does not print",
    # "A store for the whole team": a PostgreSQL server, systemd and a sync host's paths; the store
    # tests (tests/integration/test_store_*.py) run the same commands against a real PostgreSQL.
    ("docs/guide.md", r"psql ", None): "needs a PostgreSQL server and its admin (step 1 runs on the database server)",
    ("docs/guide.md", r"cloudctl sync --metrics-file /var/lib/", None):
        "syncs into the team's PostgreSQL store that /etc/cloudctl/cloudctl.yaml names (steps 1-2)",
    ("docs/guide.md", r"CLOUDCTL_DB_PASSWORD=wrong ", None): "needs the team's PostgreSQL store (a wrong password for it)",
    ("docs/guide.md", r"(systemctl|journalctl) ", None): "needs systemd, root and the units installed on a sync host",
    ("docs/guide.md", r"cloudctl sync -p tianhe", None): "needs the timer's sync running at the same time against the team store",
    ("docs/guide.md", r"head -3 /var/lib/prometheus/", None): "reads the metrics file the team store's sync wrote on the sync host",
    ("docs/guide.md", r"cloudctl snapshots prune --keep-last 2 --dry-run", None): "lists the team store's snapshots (no --store: the sync host's config)",
    # "Get alerts for my county": the test alert goes to the team's running Alertmanager; the
    # end-to-end alert test (tests/e2e) starts a real one and checks the delivery.
    ("docs/guide.md", r"amtool alert add --alertmanager.url=", None): "sends a test alert to the team's Alertmanager on :9093",
    ("README.md", r"make demo", None): "the same run as the guide's `cloudctl demo --keep-running`, which test_the_guide starts",
    ("README.md", r"make test", None): "the whole test suite, from inside the test suite",
    ("README.md", r"\. \.venv/bin/activate", None): "the test puts the .venv's bin on PATH itself",
    ("README.md", r"cloudctl-agent --config agents/configs/lishi\.yaml", None):
        "a long-running agent that needs the county's SNMP keys (env:) and its real nodes",
}
# Commands that run until Ctrl-C: started in the background; the runner waits for this line.
LONG_RUNNING = {"cloudctl demo --keep-running": "Try, in another terminal:"}


def skipped(step: runner.Step) -> str | None:
    for (doc, pattern, first), reason in SKIP.items():
        if step.doc == doc and re.match(pattern, step.command) and (first is None or (step.shown and step.shown[0] == first)):
            return reason
    return None


def live_urls(doc_text: str, printed: str) -> dict[str, str]:
    """The document's demo URLs (agent, prometheus) -> this run's, by name."""
    pattern = re.compile(r"^\s+(agent|prometheus)\s+(http://127\.0\.0\.1:\d+)", re.M)
    shown, live = dict(pattern.findall(doc_text)), dict(pattern.findall(printed))
    return {shown[name]: live[name] for name in shown if name in live}


def run_document(path: Path, tmp: Path, record: list | None = None) -> list[str]:
    """Run ``path``; return its disagreements. ``record`` collects (step, output) to refresh a document by hand."""
    doc_text = path.read_text(encoding="utf-8")
    work, env = runner.scratch(tmp)
    session = runner.Session(work, env)
    problems: list[str] = []
    urls: dict[str, str] = {}
    ran = 0
    try:
        for step in runner.parse(path):
            if step.write is not None:
                mode, target = step.write
                with open(work / target, "a" if mode == "append" else "w", encoding="utf-8") as f:
                    f.write(step.command)
                continue
            if skipped(step):
                continue
            command = runner.map_tmp(step.command, tmp)
            for old, new in urls.items():
                command = command.replace(old, new)
            ready = next((line for prefix, line in LONG_RUNNING.items() if command.startswith(prefix)), None)
            if runner.in_background(command):
                ready = "ready"
            code, printed = session.run(command, background=ready)
            ran += 1
            if record is not None:
                record.append((step, printed))
            if step.command.startswith("cloudctl demo"):
                urls = live_urls(doc_text, printed)
            if code != step.exit:
                problems.append(f"{step.where()}: `{step.command}` exited {code}, the document says {step.exit}:\n{printed[-2000:]}")
            problems += [f"{step.where()}: `{step.command}`: {p}" for p in runner.compare(step, printed, first_only=ready is not None)]
    finally:
        session.close()
    assert ran >= 5, f"only {ran} steps of {path} ran"
    return problems


def test_the_guide_runs_as_written(tmp_path):
    for tool in ("prometheus", "promtool", "jq", "curl"):
        need(tool)
    assert run_document(ROOT / "docs" / "guide.md", tmp_path) == []


def test_the_readme_tour_runs_as_written(tmp_path):
    assert run_document(ROOT / "README.md", tmp_path) == []


def test_the_runner_reads_steps_expectations_and_files(tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text(
        "text\n\n<!-- docs-test: write policies/x.yaml -->\n```yaml\na: 1\n```\n\n"
        "```console\n$ cloudctl diff | tail -1\n12 added, 3 removed, 0 changed\n$ cloudctl policy check   # exit 1\n...\nfailed\n```\n"
        "```sh\nmake install   # comment\n# only a comment\n```\n",
        encoding="utf-8",
    )
    steps = runner.parse(doc)
    assert [(s.command, s.shown, s.exit, s.write) for s in steps] == [
        ("a: 1\n", [], 0, ("write", "policies/x.yaml")),
        ("cloudctl diff | tail -1", ["12 added, 3 removed, 0 changed"], 0, None),
        ("cloudctl policy check   # exit 1", ["...", "failed"], 1, None),
        ("make install   # comment", [], 0, None),
    ]
    step = steps[1]
    assert runner.compare(step, "0 added, 0 removed, 17 changed\n") == []
    assert runner.compare(step, "└──────┴──────┘\n") != []  # the table's border where the summary should be
    assert runner.normalize("┃ provider  ┃ id   ┃") == runner.normalize("┃ provider ┃ id ┃")
