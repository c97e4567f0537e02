"""``cloudctl demo``: the whole job on the embedded simulators, in one command."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from cloudctl.cli.options import InventoryOpt

if TYPE_CHECKING:  # pragma: no cover
    from cloudctl.demo import DemoResult, Step


class Lang(str, enum.Enum):
    zh = "zh"
    en = "en"


def demo(
    out: Annotated[Optional[Path], typer.Option("--out", help="Directory for the report, configs, store and logs (default: out/demo).", show_default=False)] = None,
    keep_running: Annotated[bool, typer.Option("--keep-running", help="Leave simulators, agent and Prometheus up (until Ctrl-C) and print how to explore them.")] = False,
    servers: Annotated[Optional[int], typer.Option("--servers", min=1, help="Servers the cloud simulators serve (default: theirs).", show_default=False)] = None,
    lang: Annotated[Optional[Lang], typer.Option("--lang", help="Language of the summary and the report: zh or en (default: the locale for the summary, zh for the report).", show_default=False)] = None,
    inventory: InventoryOpt = None,
    policies: Annotated[Optional[list[Path]], typer.Option("--policies", help="Policy files or directories (default: ./policies next to the inventory).", show_default=False)] = None,
) -> int:
    """Run the main job end to end on the embedded simulators and write the indicator report.

    Starts the cloud simulators and syncs them into a store, runs the policy check, starts the
    SNMP fleet simulator built from the inventory, lets the agent poll every node (and, when
    installed, a real Prometheus scrape it), prints a summary and writes OUT/report.html.
    Every process it starts is stopped at the end, on Ctrl-C and on failure; ports are free
    loopback ports, so two demos (with two --out directories) can run side by side.

    Example:  cloudctl demo --out out/demo --keep-running
    """
    import signal

    from cloudctl import i18n
    from cloudctl.cli.options import inventory_dir
    from cloudctl.demo import Children, DemoOptions, run_demo
    from cloudctl.demo.run import claim_out_dir

    # The summary follows --lang or the locale; the report is for Lüliang's managers: Chinese
    # unless --lang en.
    if lang:
        i18n.set_language(lang.value)
    language = i18n.language()
    report_lang = lang.value if lang else "zh"
    root = inventory_dir(inventory)
    out_dir = (out or Path("out") / "demo").resolve()
    if policies is None:
        default = root.resolve().parent / "policies"
        policies = [default] if default.is_dir() else None

    def stop(signum, frame):  # noqa: ANN001, ARG001 - SIGTERM/SIGHUP stop like Ctrl-C: the children are cleaned up
        raise KeyboardInterrupt

    # SIGINT too: a shell starts background jobs with SIGINT ignored, and Python keeps that.
    handlers = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: stop, signal.SIGHUP: stop}
    previous = {sig: signal.signal(sig, h) for sig, h in handlers.items()}
    try:
        with claim_out_dir(out_dir), Children(out_dir / "logs") as children:
            opts = DemoOptions(out_dir=out_dir, inventory=root, policies=policies, servers=servers, lang=report_lang)
            result = run_demo(opts, children, on_step=lambda s: _progress(s, language))
            _summary(result, language)
            if keep_running:
                return _keep_running(result, children, language)
    finally:
        for sig, h in previous.items():
            signal.signal(sig, h)
    return 0


def _facts(step: "Step", lang: str) -> str:
    from cloudctl.i18n import t

    if step.status == "skipped":
        return t(step.reason, lang)
    try:
        return t(f"report.demo.facts.{step.name}", lang, **step.facts)
    except KeyError:
        return ""


def _progress(step: "Step", lang: str) -> None:
    from cloudctl.cli.output import note
    from cloudctl.i18n import t

    mark = "✓" if step.status == "ok" else "–"
    note(f"{mark} {t('report.demo.step.' + step.name, lang)} ({step.seconds:.1f} s): {_facts(step, lang)}")


def _summary(result: "DemoResult", lang: str) -> None:
    from rich.table import Table

    from cloudctl.cli.console import stdout_console
    from cloudctl.i18n import t
    from cloudctl.report import text

    console = stdout_console()
    table = Table(title=t("report.demo.title", lang), title_justify="left", header_style="bold")
    for col in ("step", "status", "seconds", "result"):
        table.add_column(t(f"report.demo.col.{col}", lang), justify="right" if col == "seconds" else "left", overflow="fold")
    for s in result.steps:
        table.add_row(t(f"report.demo.step.{s.name}", lang), t(f"report.demo.status.{s.status}", lang), f"{s.seconds:.1f}", _facts(s, lang), style=None if s.status == "ok" else "dim")
    console.print(table)
    rep = result.report
    if rep is not None:
        ids = {i.id: i for i in rep.indicators}

        def pct(ident: str) -> str:
            return text.pct(ids[ident].value) if ident in ids else "—"

        console.print(
            t("report.demo.headline", lang, village=pct("village_access"), ipv6=pct("ipv6_nodes"), backbone=pct("backbone_gigabit"), cloud=pct("cloud_migration"), xinchuang=pct("xinchuang")),
            markup=False,
        )
    if result.report_path is not None:
        console.print(t("report.demo.report", lang, path=result.report_path), markup=False, soft_wrap=True)


def _keep_running(result: "DemoResult", children, lang: str) -> int:  # noqa: ANN001
    import shlex
    import time

    from cloudctl.cli.console import stdout_console
    from cloudctl.cli.output import note
    from cloudctl.i18n import t

    console = stdout_console()
    console.print(t("report.demo.running", lang), markup=False)
    for name, url in result.urls.items():
        console.print(f"  {name:<11} {url}", markup=False, soft_wrap=True)
    for child in children.children:
        console.print("  " + t("report.demo.process", lang, name=f"{child.name:<11}", pid=child.pid, log=child.log), markup=False, soft_wrap=True)
    console.print(t("report.demo.explore", lang), markup=False)
    for cmd in _explore_commands(result):
        console.print("  " + " ".join(shlex.quote(a) for a in cmd), markup=False, soft_wrap=True)
    console.file.flush()
    try:
        while True:
            dead = next((c for c in children.children if not c.alive()), None)
            if dead is not None:
                note(t("report.demo.child_died", lang, name=dead.name, code=dead.proc.returncode))
                return 3
            time.sleep(0.5)
    except KeyboardInterrupt:
        note(t("report.demo.stopped", lang))
        return 0


def _cloudctl() -> list[str]:
    """How the user ran cloudctl (``.venv/bin/cloudctl``, ``cloudctl``), so the printed commands work as pasted."""
    import sys

    prog = Path(sys.argv[0])
    return [str(prog)] if prog.name == "cloudctl" else [sys.executable, "-m", "cloudctl"]


def _explore_commands(result: "DemoResult") -> list[list[str]]:
    files, urls = result.files, result.urls
    cmds: list[list[str]] = []
    cloudctl = _cloudctl()
    store = ["--store", str(files["store"])] if "store" in files else ["--no-store"]
    if "config" in files:
        cmds.append([*cloudctl, "--config", str(files["config"]), "ls", "servers", "--store", str(files["store"])])
        cmds.append([*cloudctl, "--config", str(files["config"]), "sync", "--store", str(files["store"])])
        cmds.append([*cloudctl, "diff", "--store", str(files["store"])])
        cmds.append([*cloudctl, "migrate", "kpis", *store])
        cmds.append([*cloudctl, "--config", str(files["config"]), "plan", "--store", str(files["store"])])
        cmds.append([*cloudctl, "--config", str(files["config"]), "audit", "verify"])
    if "prometheus" in urls:
        cmds.append([*cloudctl, "report", "--prometheus", urls["prometheus"], *store, "--html", "report.html"])
        cmds.append(["curl", "-s", urls["prometheus"] + "/api/v1/query", "--data-urlencode", 'query=egov_coverage_ratio{county="all"}'])
    if "agent" in urls:
        cmds.append(["curl", "-s", urls["agent"]])
    cmds.append([*cloudctl, "policy", "check", *store])
    return cmds
