"""Every `cloudctl …` command the project quotes — README, docs/, the alert annotations and runbook
lines in agents/, the CI examples — parses and runs, against the real simulators and agents.

The shipped EgovNodeDown alert told on-call to run `cloudctl inventory show node …`, which did not
exist; nothing checked the commands people are told to type. Here the commands are collected
from the files themselves, so a new quotation is checked without editing this test:

- in Markdown, lines of fenced blocks (`$ cloudctl …`, `cloudctl …`, `Example:  cloudctl …`) and
  inline code spans; in YAML, backticked spans and `# … cloudctl …` / `run: cloudctl …` lines;
  in the code, backticked commands in hints and help texts (checked as mentions);
- shell around a command is cut off (`| jq …`, `> file`, `&`, `|| true`, `; echo $?`, comments);
- a synopsis (`[--from S]`, `KIND`, `...`, `a|b`) and a bare command name in prose are checked
  to name a command that exists; every other command is parsed by the CLI and run;
- what only has meaning on the author's machine is replaced, each replacement listed in
  ``_prepare``: paths under /tmp and output files (`--html`, `--metrics-file`, …) go to a temporary directory; `--store FILE` is
  a store synced from the simulators; `--config` is the simulators' config; the ids of servers
  from another run are replaced by one of ours; `--prometheus URL` is a real Prometheus scraping
  a real agent on the SNMP simulator, and `--metrics URL` that agent;
- `sim serve` / `sim snmp` / `alerts relay` (on a relay.yaml of the test's) are started and must
  print `ready` and exit 0 on SIGTERM; `demo` runs
  for half a minute and has its own end-to-end test (tests/e2e/test_demo.py): here it is parsed.

A command "runs" when it exits 0 (1 where it is a check: `policy check`, `diff --exit-code`), or
with the exit code the text documents next to it (`echo $?` → 2).
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import typer
import yaml

from tests.conftest import INVENTORY, ROOT, need

pytestmark = [pytest.mark.real, pytest.mark.slow]

INLINE = re.compile(r"`(cloudctl(?: [^`]*)?)`")
YAML_LINE = re.compile(r"(?:#|run:|- )\s*(cloudctl [^#`]*)")
# Files whose cloudctl lines are not instructions: promtool's expected alert text for synthetic series.
NOT_INSTRUCTIONS = {"agents/prometheus/tests/rules_test.yml"}
# Commands that run for minutes or until stopped, and have their own end-to-end test.
PARSE_ONLY = {("demo",): "tests/e2e/test_demo.py runs `cloudctl demo`"}
# Commands that ask on a terminal before they act; quoted with --yes they run here.
INTERACTIVE = {("apply",): "--yes"}
LONG_RUNNING = {("sim", "serve"), ("sim", "snmp"), ("alerts", "relay")}
PLACEHOLDERS = {"KIND", "ID", "PATH", "FILE", "DIR", "S", "P", "K", "N"}
# Quoted commands known not to run, each with the issue that fixes it. Checked both ways: while
# listed here it must still fail (a fixed one must be taken off the list), and nothing else may.
KNOWN_BROKEN: dict[str, str] = {}


@dataclass(frozen=True)
class Quoted:
    where: str  # file:line
    text: str  # as written, shell cut off
    block: bool  # from a code block (an instruction) rather than a prose mention
    expect: int | None = None  # exit code the text documents right after it


def _cut(line: str) -> str:
    """The cloudctl command of a shell line: no comment, pipe, redirection, background or chaining."""
    out = []
    for tok in shlex.split(line, comments=True, posix=True) if line.count('"') % 2 == 0 else line.split():
        if tok in ("|", "||", "&&", ";", "&", ">", ">>", "2>&1") or tok.startswith((">", "|")):
            break
        out.append(tok)
    return " ".join(shlex.quote(t) if " " in t else t for t in out)


def _markdown(path: Path) -> list[Quoted]:
    rel = path.relative_to(ROOT).as_posix()
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[Quoted] = []
    fenced = False
    for i, line in enumerate(lines):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            s = line.strip().removeprefix("$ ").strip()
            s = s.removeprefix("Example:").strip()
            if s.startswith("cloudctl ") or s == "cloudctl":
                out.append(Quoted(f"{rel}:{i + 1}", s, True, _documented_exit(lines, i, line)))
        else:
            out += [Quoted(f"{rel}:{i + 1}", m.group(1), False) for m in INLINE.finditer(line)]
    return out


def _documented_exit(lines: list[str], i: int, line: str) -> int | None:
    """`$ echo $?` followed by a number right after the command: the exit code the text promises."""
    for j in range(i + 1, min(i + 12, len(lines) - 1)):
        if lines[j].strip() in ("$ echo $?", '$ echo "exit=$?"') and lines[j + 1].strip().removeprefix("exit=").isdigit():
            return int(lines[j + 1].strip().removeprefix("exit="))
        if lines[j].lstrip().startswith("$ cloudctl") or lines[j].lstrip().startswith("```"):
            break
    return None


def _yaml(path: Path) -> list[Quoted]:
    """Backticked spans in values (an alert's runbook command) and `run:` lines are instructions;
    in comments, a backticked span is a mention and a bare `# cloudctl …` line an instruction."""
    rel = path.relative_to(ROOT).as_posix()
    out = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        comment = line.lstrip().startswith("#")
        spans = [(m.group(1), not comment) for m in INLINE.finditer(line)]
        if not spans and (m := YAML_LINE.search(line)):
            spans = [(m.group(1).strip(), True)]
        out += [Quoted(f"{rel}:{i + 1}", s, block) for s, block in spans]
    return out


def quoted() -> list[Quoted]:
    found: list[Quoted] = []
    for md in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        found += _markdown(md)
    for y in sorted([*(ROOT / "agents").rglob("*.y*ml"), *(ROOT / "examples").rglob("*.y*ml")]):
        if y.relative_to(ROOT).as_posix() not in NOT_INSTRUCTIONS:
            found += _yaml(y)
    for py in sorted((ROOT / "cloudctl").rglob("*.py")):  # hints and help texts that name a command
        rel = py.relative_to(ROOT).as_posix()
        for i, line in enumerate(py.read_text(encoding="utf-8").splitlines()):
            found += [Quoted(f"{rel}:{i + 1}", m.group(1), False) for m in INLINE.finditer(line)]
    return found


def _synopsis(text: str) -> bool:
    return any(x in text for x in ("[", "...", "…", "\\|", "<", "{{")) or bool(re.search(r"\S\|\S", text))


def _path(args: list[str]) -> tuple[list[str], list[str]]:
    """(the command path, e.g. ['inventory', 'show'], the rest) — resolved through the real CLI."""
    from cloudctl.cli.main import app

    group = typer.main.get_command(app)
    rest = list(args)
    path: list[str] = []
    # global options before the command
    while rest and rest[0].startswith("-"):
        rest = rest[2:] if rest[0] in ("--config", "-c", "--lang") else rest[1:]
    cmd = group
    while rest and hasattr(cmd, "commands") and rest[0] in cmd.commands:
        path.append(rest[0])
        cmd = cmd.commands[rest[0]]
        rest = rest[1:]
    return path, rest


def _names_a_command(text: str) -> list[str]:
    """For a synopsis or a mention in prose: the command path exists, and so does every --option."""
    from cloudctl.cli.main import app

    cmd = typer.main.get_command(app)
    known = {o for p in cmd.params for o in p.opts}
    path: list[str] = []
    words = text.split()[1:]
    while words and words[0].startswith("-"):  # global options
        words = words[2:] if words[0] in ("--config", "-c", "--lang") else words[1:]
    for w in words:
        name = w.split("|")[0]
        if not isinstance(cmd, typer.core.TyperGroup) or w.startswith("-"):
            break
        assert name in cmd.commands, f"{text!r}: {name!r} is not a command of `cloudctl {' '.join(path)}`".replace(" `", "`", 1 if not path else 0)
        cmd = cmd.commands[name]
        path.append(name)
        known |= {o for p in cmd.params for o in p.opts}
    for opt in re.findall(r"(?<![\w-])(--[a-z][a-z0-9.-]*)", text):
        assert opt in known | {"--help"}, f"{text!r}: `cloudctl {' '.join(path)}` has no option {opt}"
    return path


# -- the environment the commands run in ------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(argv: list[str], pattern: str, tmp: Path, name: str, env: dict | None = None, timeout: float = 90) -> tuple[subprocess.Popen, re.Match]:
    log = (tmp / f"{name}.log").open("w+", encoding="utf-8")
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, text=True, cwd=ROOT, env={**os.environ, **(env or {})})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log.seek(0)
        if m := re.search(pattern, log.read()):
            return proc, m
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    proc.kill()
    log.seek(0)
    pytest.fail(f"{name} did not start: {log.read()[-2000:]}")


def _stop(proc: subprocess.Popen) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(20)
    finally:
        if proc.poll() is None:
            proc.kill()


@dataclass
class World:
    tmp: Path
    config: Path  # the simulators' cloudctl.yaml (store: inside tmp)
    store: Path
    server_id: str
    agent_url: str  # a real agent's /metrics (离石区... here 交口县) on the SNMP simulator
    prometheus_url: str  # a real Prometheus scraping it
    node_id: str
    relay_config: Path  # a relay.yaml on a free port whose robot credentials are files in tmp
    written: dict[str, str] = field(default_factory=dict)  # file names quoted commands wrote -> where they went


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:  # noqa: ANN201
    from cloudctl.store import Store

    tmp = tmp_path_factory.mktemp("quoted")
    procs: list[subprocess.Popen] = []
    try:
        cfg = tmp / "sim" / "cloudctl.yaml"
        clouds, _ = _start([sys.executable, "-m", "cloudctl", "sim", "serve", "--inventory", str(INVENTORY), "--write-config", str(cfg)],
                           r"\bready\b", tmp, "clouds")
        procs.append(clouds)
        store = tmp / "store.db"
        text = cfg.read_text(encoding="utf-8")
        cfg.write_text(re.sub(r"(?m)^store: .*$", f"store: {store}", text), encoding="utf-8")
        for _ in range(2):  # two snapshots: diff has something to compare
            r = subprocess.run([sys.executable, "-m", "cloudctl", "--config", str(cfg), "sync"], capture_output=True, text=True, timeout=180, cwd=ROOT)
            assert r.returncode == 0, r.stderr
        with Store.open(store) as st:
            server_id = next(st.resources("server")).id
        sim_inv = tmp / "sim-inventory"
        fleet, _ = _start([sys.executable, "-m", "cloudctl", "sim", "snmp", "--inventory", str(INVENTORY), "--write-inventory", str(sim_inv)],
                          r"\bready\b", tmp, "fleet")
        procs.append(fleet)
        agent_cfg = tmp / "agent.yaml"
        profiles = "".join(f"  {p}: {{version: 2c, community: env:SIM_COMMUNITY, timeout: 1s, retries: 0}}\n" for p in ("v3-default", "v2c-legacy", "v2c-public"))
        agent_cfg.write_text(f"inventory: {sim_inv}\nlisten: 127.0.0.1:0\ninterval: 2s\ncounties: [jiaokou]\nprofiles:\n{profiles}", encoding="utf-8")
        agent, m = _start([sys.executable, "-m", "cloudctl.agent.main", "--config", str(agent_cfg)], r"http://(127\.0\.0\.1:\d+)/metrics", tmp, "agent",
                          env={"SIM_COMMUNITY": "public"})
        procs.append(agent)
        agent_addr = m.group(1)
        prom_cfg = tmp / "prometheus.yml"
        prom_cfg.write_text(yaml.safe_dump({"global": {"scrape_interval": "1s"}, "scrape_configs": [
            {"job_name": "egov-agents", "static_configs": [{"targets": [agent_addr]}]}]}), encoding="utf-8")
        port = _free_port()
        prom, _ = _start([need("prometheus"), f"--config.file={prom_cfg}", f"--storage.tsdb.path={tmp / 'prom'}",
                          f"--web.listen-address=127.0.0.1:{port}", "--log.level=info"], r"Server is ready to receive web requests", tmp, "prometheus")
        procs.append(prom)
        relay_cfg = tmp / "relay.yaml"
        (tmp / "robot.token").write_text("quoted-test-token", encoding="utf-8")
        (tmp / "robot.secret").write_text("SEC-quoted-test", encoding="utf-8")
        relay_cfg.write_text(f"listen: 127.0.0.1:0\ninventory: {INVENTORY}\n"
                             "robots: {jiaokou: {access_token: 'file:robot.token', secret: 'file:robot.secret'}}\n", encoding="utf-8")
        yield World(tmp, cfg, store, server_id, f"http://{agent_addr}/metrics", f"http://127.0.0.1:{port}", "jiaokou-core-01", relay_cfg)
    finally:
        for p in reversed(procs):
            _stop(p)


def _prepare(args: list[str], w: World) -> list[str]:
    """Replace what only exists on the author's machine (see the module docstring)."""
    out: list[str] = []
    path, _ = _path(args)
    i = 0
    while i < len(args):
        a = args[i]
        nxt = args[i + 1] if i + 1 < len(args) else None
        if a in ("--store",) and nxt:
            out += [a, str(w.store)]
            i += 2
            continue
        if a == "--config" and nxt and path == ["alerts", "relay"]:
            out += [a, str(w.relay_config)]  # the shipped relay.yaml needs the robots' secrets and port 9097
            i += 2
            continue
        if a in ("--config", "-c") and nxt and nxt != "examples/cloudctl.yaml":
            out += [a, str(w.config)]
            i += 2
            continue
        if a in ("--html", "--xlsx", "--write-config", "--write-inventory", "--out", "--metrics-file") and nxt:
            w.written[nxt] = str(w.tmp / "out" / Path(nxt).name)  # a later command may read it (apply plan.json)
            out += [a, w.written[nxt]]
            i += 2
            continue
        if a in w.written:
            out.append(w.written[a])
            i += 1
            continue
        if a == "--prometheus" and nxt:
            out += [a, w.prometheus_url]
            i += 2
            continue
        if a == "--metrics" and nxt:
            out += [a, w.agent_url]
            i += 2
            continue
        if a.startswith("/tmp/"):
            a = str(w.tmp / a.removeprefix("/tmp/"))
        out.append(a)
        i += 1
    if path == ["show"] and len(out) >= 3 and out[out.index("show") + 1] in ("server", "servers"):
        out[out.index("show") + 2] = w.server_id  # a server of another run's dataset
    return out


def _substitute(text: str, w: World) -> str:
    """Template variables and placeholders that stand for a value (not for a synopsis)."""
    text = text.replace("{{ $labels.node }}", w.node_id).replace('"$FAIL_ON"', "high").replace("$FAIL_ON", "high")
    text = re.sub(r"\bsim snmp --nodes N\b", "sim snmp --nodes 20", text)
    text = re.sub(r"\bpolicy explain ID\b", "policy explain snmp-v3", text)
    return re.sub(r"\bshow server ID\b", f"show server {w.server_id}", text)


def _argv(q: Quoted, w: World) -> list[str]:
    return _prepare(shlex.split(_cut(_substitute(q.text, w)))[1:], w)


def _allowed(q: Quoted, path: list[str], args: list[str]) -> set[int]:
    if q.expect is not None:
        return {q.expect}
    if path == ["policy", "check"] or "--exit-code" in args:
        return {0, 1}  # a check: 1 means it found something
    return {0}


def _remaining(ctx) -> list[str]:  # noqa: ANN001
    """The arguments a group left for its subcommand (click keeps the subcommand's name apart)."""
    return [*getattr(ctx, "_protected_args", getattr(ctx, "protected_args", [])), *ctx.args]


def test_every_quoted_command_names_a_command_parses_and_runs(world: World, cli, monkeypatch) -> None:  # noqa: C901
    from cloudctl.cli.main import app

    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("CLOUDCTL_CONFIG", str(world.config))
    group = typer.main.get_command(app)
    commands = quoted()
    assert len(commands) > 100, "the collector found the quotations"
    assert any(q.where.startswith("agents/prometheus/rules/alerts.yml") for q in commands), "the alert's runbook command"
    failures: list[str] = []
    seen: set[tuple[str, ...]] = set()
    ran = 0
    for q in commands:
        text = _cut(_substitute(q.text, world))
        if not q.block or _synopsis(text) or any(t in PLACEHOLDERS for t in text.split()):
            try:  # a mention in prose, or a synopsis: it names a command and options that exist
                _names_a_command(text)
            except AssertionError as exc:
                failures.append(f"{q.where}: {exc}")
            continue
        args = _argv(q, world)
        path, _ = _path(args)
        if not path:
            failures.append(f"{q.where}: {q.text!r} names no command")
            continue
        try:  # parse exactly as the CLI would (options, choices, types), without running
            sub = group.make_context("cloudctl", list(args), resilient_parsing=False)
            while isinstance(sub.command, typer.core.TyperGroup) and _remaining(sub):
                name, cmd, rest = sub.command.resolve_command(sub, _remaining(sub))
                sub = cmd.make_context(name, rest, parent=sub)
        except Exception as exc:  # noqa: BLE001 - click's usage errors are what we look for
            failures.append(f"{q.where}: {q.text!r} does not parse: {exc}")
            continue
        key = tuple(args)
        if key in seen:
            continue
        seen.add(key)
        if tuple(path[:1]) in PARSE_ONLY or (tuple(path) in INTERACTIVE and INTERACTIVE[tuple(path)] not in args):
            continue
        if tuple(path) in LONG_RUNNING:
            proc, _ = _start([sys.executable, "-m", "cloudctl", *args], r"\bready\b", world.tmp, "-".join(path) + str(len(seen)))
            code = _stop(proc)
            if code != 0:
                failures.append(f"{q.where}: {q.text!r} exited {code} on SIGTERM")
            ran += 1
            continue
        code, out, err = cli(*args)
        ran += 1
        if code not in _allowed(q, path, args):
            failures.append(f"{q.where}: {q.text!r} -> `cloudctl {' '.join(args)}` exited {code}: {err.strip()[-300:]}")
    known = {f for f in failures if any(f"{k!r}" in f for k in KNOWN_BROKEN)}
    fixed = [k for k in KNOWN_BROKEN if not any(f"{k!r}" in f for f in known)]
    assert not fixed, f"these now run: take them off KNOWN_BROKEN: {fixed}"
    rest = sorted(set(failures) - known)
    assert not rest, f"{len(rest)} quoted command(s) do not run:\n" + "\n".join(rest)
    assert ran > 40
