"""Run the shell blocks of a Markdown document the way a reader would, and compare with what it shows.

A document (docs/guide.md, README.md) is read as a reader types it: one bash session for the
whole document (``export``, ``cd`` and background jobs carry over), in a temporary directory that
holds copies of ``inventory/``, ``policies/``, ``agents/`` and ``examples/``, with ``/tmp/`` in
commands mapped into that directory.

- ```` ```console ```` blocks: each ``$ command`` runs; the lines under it are what the document
  says it printed. The first and the last shown line are compared with the real output after
  masking what legitimately moves (numbers, ports, widths of table rules); a ``...`` line stands
  for lines left out.
- ```` ```sh ````/```` ```bash ```` blocks: each line runs; nothing is shown.
- A trailing ``# exit N`` comment on a command states its exit status (default 0); other trailing
  comments are for the reader (bash ignores them).
- ``<!-- docs-test: write PATH -->`` (or ``append``) before a fenced block makes the runner put
  that block's text into PATH, as the text around it tells the reader to.
- A command ending in ``&`` runs in the background; the runner waits until it prints a line
  containing ``ready`` (the contract of the simulators).

The caller passes the skip-list (every entry with its reason) and the commands that run until
Ctrl-C (started in the background like ``&``, waiting for a line they print when ready).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@dataclass
class Step:
    doc: str
    line: int  # 1-based line of the command in the document
    command: str
    shown: list[str] = field(default_factory=list)  # what the document says it printed
    exit: int = 0
    write: tuple[str, str] | None = None  # (mode, path) for a file the document tells to create

    def where(self) -> str:
        return f"{self.doc}:{self.line}"


def parse(path: Path) -> list[Step]:
    """Every step of a document, in order."""
    doc = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    steps: list[Step] = []
    pending_write: tuple[str, str] | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"\s*<!--\s*docs-test:\s*(write|append)\s+(\S+)\s*-->", line)
        if m:
            pending_write = (m.group(1), m.group(2))
            i += 1
            continue
        fence = re.match(r"(\s*)```(\w*)\s*$", line)
        if not fence:
            i += 1
            continue
        indent, lang = fence.group(1), fence.group(2)
        start = i + 1
        i += 1
        body: list[str] = []
        while i < len(lines) and not re.match(rf"{indent}```\s*$", lines[i]):
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i].lstrip())
            i += 1
        i += 1
        if pending_write is not None:
            steps.append(Step(doc, start, "\n".join(body) + "\n", write=pending_write))
            pending_write = None
        elif lang == "console":
            steps += _console(doc, start, body)
        elif lang in ("sh", "bash", "shell"):
            for n, text in enumerate(body):
                if text.strip() and not text.lstrip().startswith("#"):
                    steps.append(_step(doc, start + n + 1, text.strip()))
    return steps


def _step(doc: str, line: int, command: str) -> Step:
    m = re.search(r"\s#\s*exit\s+(\d+)\s*$", command)
    return Step(doc, line, command, exit=int(m.group(1)) if m else 0)


def _console(doc: str, start: int, body: list[str]) -> list[Step]:
    steps: list[Step] = []
    n = 0
    while n < len(body):
        text = body[n]
        if text.startswith("$ "):
            command, first = text[2:], n
            while command.endswith("\\") and n + 1 < len(body):
                n += 1
                command = command[:-1] + " " + body[n].strip()
            step = _step(doc, start + first + 1, command.strip())
            n += 1
            while n < len(body) and not body[n].startswith("$ "):
                step.shown.append(body[n])
                n += 1
            while step.shown and not step.shown[-1].strip():
                step.shown.pop()
            steps.append(step)
        else:
            n += 1
    return steps


def normalize(line: str) -> str:
    """A shown or printed line with what moves between runs masked."""
    line = ANSI.sub("", line).rstrip().lstrip("\ufeff")
    line = re.sub(r"[━─═]+", "─", line)
    line = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", line)
    line = re.sub(r"(?:/[\w.\-]+)*/(out/demo|tmp)/", r"…/\1/", line)
    line = re.sub(r"\b[0-9a-f]{12,}\b", "<hex>", line)  # hashes, request ids, uuids without dashes
    line = re.sub(r"\d+(\.\d+)?", "#", line)
    return re.sub(r"\s+", " ", line).strip()


class Session:
    """One bash session in a scratch directory, fed one command at a time."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.io = workdir / ".docs-test"
        self.io.mkdir()
        self.n = 0
        self.proc = subprocess.Popen(["bash", "--noprofile", "--norc"], stdin=subprocess.PIPE, cwd=workdir, env=env,
                                     text=True, start_new_session=True)

    def run(self, command: str, *, background: str | None = None, timeout: float = 300) -> tuple[int, str]:
        """(exit status, stdout+stderr as a terminal shows them) of ``command``."""
        self.n += 1
        out, rc = self.io / f"{self.n}.out", self.io / f"{self.n}.rc"
        if background is not None:
            self._send(f"{{ {without_comment(command).rstrip().rstrip('&')}\n}} >{out} 2>&1 </dev/null &\necho 0 >{rc}\n")
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if out.exists() and background in out.read_text(errors="replace"):
                    return 0, out.read_text(errors="replace")
                if self.proc.poll() is not None:
                    break
                time.sleep(0.2)
            raise AssertionError(f"{command!r} printed no line with {background!r} within {timeout} s:\n"
                                 + (out.read_text(errors="replace") if out.exists() else ""))
        self._send(f"{{ {command}\n}} >{out} 2>&1 </dev/null; echo $? >{rc}.tmp && mv {rc}.tmp {rc}\n")
        deadline = time.monotonic() + timeout
        while not rc.exists():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise AssertionError(f"{command!r} did not finish within {timeout} s")
            time.sleep(0.05)
        return int(rc.read_text().strip() or "0"), out.read_text(errors="replace")

    def _send(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text)
        self.proc.stdin.flush()

    def close(self) -> None:
        """Stop the session and everything it started (the same process group)."""
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            pass
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def scratch(tmp: Path) -> tuple[Path, dict[str, str]]:
    """The reader's working directory (copies of the repository's data) and environment."""
    work = tmp / "work"
    work.mkdir()
    for name in ("inventory", "policies", "agents", "examples"):
        shutil.copytree(ROOT / name, work / name, symlinks=True)
    (tmp / "tmp").mkdir()
    (tmp / "home").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLOUDCTL_", "LC_", "PYTEST_"))}
    env.update({
        "PATH": f"{Path(sys.executable).parent}:{env.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(tmp / "home"), "XDG_CONFIG_HOME": str(tmp / "home" / ".config"), "XDG_DATA_HOME": str(tmp / "home" / ".local"),
        "LANG": "C.UTF-8", "PYTHONUNBUFFERED": "1", "COLUMNS": "200",
    })
    return work, env


def without_comment(command: str) -> str:
    """The command without a trailing ``# ...`` comment for the reader (one without quotes in it)."""
    return re.sub(r"\s+#[^'\"`]*$", "", command)


def in_background(command: str) -> bool:
    return without_comment(command).rstrip().endswith("&")


def map_tmp(command: str, tmp: Path) -> str:
    return re.sub(r"(?<![\w.])/tmp/", f"{tmp}/tmp/", command)


def compare(step: Step, printed: str, *, first_only: bool = False) -> list[str]:
    """Where the printed output disagrees with the document (first and last shown lines).

    ``first_only`` for a background command, still printing when it was ready.
    """
    shown = [s for s in step.shown]
    got = [g for g in printed.splitlines() if g.strip()]
    if not shown:
        return []
    problems = []
    if shown[0].strip() != "...":
        if not got or normalize(got[0]) != normalize(shown[0]):
            problems.append(f"first line: document {shown[0]!r}, printed {got[0] if got else ''!r}")
    if len(shown) > 1 and shown[-1].strip() != "..." and not first_only:
        if not got or normalize(got[-1]) != normalize(shown[-1]):
            problems.append(f"last line: document {shown[-1]!r}, printed {got[-1] if got else ''!r}")
    return problems
