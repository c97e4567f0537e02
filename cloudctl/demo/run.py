"""``run_demo``: the main job end to end on the embedded simulators, step by step.

Steps: inventory → cloud simulators (``cloudctl sim serve``) → sync into a store → one plan/apply
from the inventory (then sync again) → policy check
→ SNMP fleet simulator (``cloudctl sim snmp``) → agent sweep (``cloudctl-agent``) → Prometheus
scraping the agent (when installed) → the report (HTML + JSON). A step whose piece is missing is
skipped with a reason; a step that fails stops the run (the caller's ``Children`` then stops
every process). Nothing here prints: progress goes to ``on_step``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from cloudctl.demo import configs
from cloudctl.demo.procs import ChildFailed, Children, free_port
from cloudctl.errors import UsageError
from cloudctl.i18n import t
from cloudctl.inventory import Inventory, load_inventory
from cloudctl.report import Observations, build_report, load_metrics, query_prometheus
from cloudctl.report.html import write_html
from cloudctl.report.model import Report

STEPS = ("inventory", "clouds", "fleet", "sync", "plan", "policy", "agent", "prometheus", "report")


@dataclass
class DemoOptions:
    out_dir: Path
    inventory: Path
    policies: list[Path] | None = None
    servers: int | None = None
    lang: str = "zh"
    prometheus: str | None = field(default_factory=lambda: shutil.which("prometheus"))
    python: str = sys.executable
    ready_timeout: float = 60.0


@dataclass
class Step:
    """What one step did: ``status`` ok | skipped | failed; ``facts`` are numbers for the summary."""

    name: str
    status: str
    seconds: float = 0.0
    facts: dict[str, Any] = field(default_factory=dict)
    reason: str = ""  # why it was skipped (catalog key)


@dataclass
class DemoResult:
    steps: list[Step]
    report: Report | None = None
    report_path: Path | None = None
    json_path: Path | None = None
    urls: dict[str, str] = field(default_factory=dict)  # running service -> URL
    files: dict[str, Path] = field(default_factory=dict)  # config files written (cloudctl.yaml, store, agent.yaml, ...)


class _Run:
    def __init__(self, opts: DemoOptions, children: Children, on_step: Callable[[Step], None]) -> None:
        self.o = opts
        self.children = children
        self.on_step = on_step
        self.result = DemoResult(steps=[])
        self.inv: Inventory | None = None
        self.store: Any = None
        self.platforms: dict[str, str | None] = {}  # provider -> platform: of the simulators' config
        self.observations: Observations | None = None
        self.agent_url = self.prometheus_url = ""
        self.agent_t0 = self.agent_ready_at = 0.0
        self.clouds_child = self.fleet_child = self.agent_child = self.prometheus_child = None

    def step(self, name: str, fn: Callable[[], Step | None]) -> Step:
        t0 = time.monotonic()
        step = fn() or Step(name, "ok")
        step.name, step.seconds = name, time.monotonic() - t0
        self.result.steps.append(step)
        self.on_step(step)
        return step

    def cli(self, *args: str) -> list[str]:
        return [self.o.python, "-m", "cloudctl", *args]

    # -- steps -------------------------------------------------------------------------------
    def inventory(self) -> Step:
        self.inv = load_inventory(self.o.inventory)
        inv = self.inv
        return Step("inventory", "ok", facts={"sites": len(inv.sites), "nodes": len(inv.nodes), "systems": len(inv.systems)})

    def start_clouds(self) -> None:
        cfg = self.o.out_dir / "cloudctl.yaml"
        args = ["sim", "serve", "--inventory", str(self.o.inventory), "--write-config", str(cfg)]
        if self.o.servers is not None:
            args += ["--servers", str(self.o.servers)]
        self.clouds_child = self.children.start("clouds", self.cli(*args))
        self.result.files["config"] = cfg

    def clouds(self) -> Step:
        child = self.clouds_child
        try:
            self.children.wait_for_line(child, r"\bready\b", self.o.ready_timeout)
        except ChildFailed:
            if not child.alive() and "No such command" in child.log_tail(20):
                del self.result.files["config"]
                return Step("clouds", "skipped", reason="report.demo.skip.clouds")
            raise
        return Step("clouds", "ok")

    def sync(self) -> Step:
        from cloudctl import config as cfgmod
        from cloudctl.store import Store
        from cloudctl.sync import sync

        if "config" not in self.result.files:
            return Step("sync", "skipped", reason="report.demo.skip.sync")
        path = self.o.out_dir / "store.db"
        self.store = Store.open(path, create=True)
        self.result.files["store"] = path
        loaded = cfgmod.load(self.result.files["config"])
        self.platforms = loaded.platforms
        result = sync(loaded, self.store)
        counts: dict[str, int] = {}
        for k in result.kinds:
            counts[k.kind] = counts.get(k.kind, 0) + k.count
        return Step("sync", "ok", facts={"servers": counts.get("server", 0), "volumes": counts.get("volume", 0), "failed": len(result.failed)})

    def plan(self) -> Step:
        """One plan/apply step: tag what the selectors claim, create missing projects, set quotas; then sync again."""
        from cloudctl import config as cfgmod
        from cloudctl.plan import make_plan, planfile
        from cloudctl.plan.apply import apply
        from cloudctl.plan.audit import AuditLog, verify
        from cloudctl.sync import sync

        if self.store is None:
            return Step("plan", "skipped", reason="report.demo.skip.sync")
        loaded = cfgmod.load(self.result.files["config"])
        plan = make_plan(loaded, self.store, self.o.inventory)
        self.result.files["plan"] = self.o.out_dir / "plan.json"
        planfile.write(plan, self.result.files["plan"])
        result = apply(plan, loaded, AuditLog(loaded.audit_log_path))  # the demo's own simulators: no one to ask
        self.result.files["audit_log"] = loaded.audit_log_path
        sync(loaded, self.store)  # what the policy check and the report see next
        records = verify(loaded.audit_log_path).records if loaded.audit_log_path.exists() else 0  # nothing to do: no record
        return Step("plan", "ok", facts={"changes": len(plan.changes), "applied": result.count("applied") + result.count("already"),
                                         "failed": result.count("failed") + result.count("conflict"), "records": records})

    def policy(self) -> Step:
        from cloudctl.policy.check import run_check

        if not self.o.policies:
            return Step("policy", "skipped", reason="report.demo.skip.policies")
        check = run_check(self.o.policies, self.inv, store=self.store, platforms=self.platforms)
        counts = check.by_severity()
        return Step("policy", "ok", facts={"violations": sum(counts.values()), **counts})

    def start_fleet(self) -> None:
        sim_inv = self.o.out_dir / "sim-inventory"
        self.fleet_child = self.children.start(
            "fleet", self.cli("sim", "snmp", "--inventory", str(self.o.inventory), "--write-inventory", str(sim_inv), "--seed", "0")
        )
        self.result.files["sim_inventory"] = sim_inv

    def fleet(self) -> Step:
        self.children.wait_for_line(self.fleet_child, r"\bready\b", self.o.ready_timeout)
        return Step("fleet", "ok", facts={"nodes": len(self.inv.nodes)})

    def start_agent(self) -> None:
        """Start the agent (its first sweep runs while the clouds sync) and, if installed, Prometheus."""
        cfg = configs.agent_config(self.o.out_dir / "agent.yaml", self.result.files["sim_inventory"], self.inv)
        self.result.files["agent"] = cfg
        self.agent_t0 = time.monotonic()
        self.agent_child = self.children.start(
            "agent", [self.o.python, "-m", "cloudctl.agent.main", "--config", str(cfg)], env={configs.COMMUNITY_ENV: "public"}
        )
        m = self.children.wait_for_line(self.agent_child, r"http://(127\.0\.0\.1:\d+)/metrics", self.o.ready_timeout)
        self.agent_url = f"http://{m.group(1)}"
        self.result.urls["agent"] = self.agent_url + "/metrics"
        if self.o.prometheus:
            self.start_prometheus()

    def agent(self) -> Step:
        self.children.wait_http(self.agent_child, self.agent_url + "/-/ready", self.o.ready_timeout)
        self.agent_ready_at = time.time()
        sweep = time.monotonic() - self.agent_t0
        self.observations = load_metrics(self.agent_url + "/metrics")
        up = sum(1 for n in self.observations.nodes.values() if n.up)
        down = sum(1 for n in self.observations.nodes.values() if not n.up)  # a node the agent did not report on is not down
        return Step("agent", "ok", facts={"up": up, "down": down, "sweep_s": round(sweep, 1)})

    def start_prometheus(self) -> None:
        cfg = configs.prometheus_config(self.o.out_dir / "prometheus.yml", self.agent_url.removeprefix("http://"))
        self.result.files["prometheus"] = cfg
        for attempt in range(3):  # the free port may be taken between our check and Prometheus' bind
            port = free_port()
            self.prometheus_url = f"http://127.0.0.1:{port}"
            self.prometheus_child = self.children.start(
                "prometheus" if attempt == 0 else f"prometheus-{attempt}",
                [self.o.prometheus, f"--config.file={cfg}", f"--storage.tsdb.path={self.o.out_dir / 'prometheus-data'}",
                 f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
            )
            try:
                self.children.wait_http(self.prometheus_child, self.prometheus_url + "/-/ready", self.o.ready_timeout)
                return
            except ChildFailed:
                if self.prometheus_child.alive() or "address already in use" not in self.prometheus_child.log_tail(20) or attempt == 2:
                    raise

    def prometheus(self) -> Step:
        if not self.o.prometheus:
            return Step("prometheus", "skipped", reason="report.demo.skip.prometheus")
        url, nodes = self.prometheus_url, len(self.inv.nodes)

        # Only scrapes after the agent's first sweep count (earlier ones hold a sweep in progress):
        # wait until every node has three samples since then, so the trend has points to draw.
        def since_ready() -> str:
            window = max(1, int(time.time() - self.agent_ready_at))
            return f"{url}/api/v1/query?query=" + quote(f"count(count_over_time(egov_node_up[{window}s]) >= 3)")

        def every_node(resp) -> bool:  # noqa: ANN001
            result = resp.json()["data"]["result"]
            return bool(result) and float(result[0]["value"][1]) >= nodes

        self.children.wait_http(self.prometheus_child, since_ready, self.o.ready_timeout, ok=every_node)
        self.result.urls["prometheus"] = url
        # from one scrape interval after the sweep: a range query looks back to the latest sample
        window = dt.timedelta(seconds=time.time() - self.agent_ready_at - 1.2)
        self.observations = query_prometheus(url, trend_window=window)
        return Step("prometheus", "ok", facts={"series": len(self.observations.nodes)})

    def report(self) -> Step:
        policies = self.o.policies if self.o.policies else None
        rep = build_report(self.inv, observations=self.observations, store=self.store, policy_paths=policies, platforms=self.platforms)
        self.result.report = rep
        self.result.report_path = write_html(rep, self.o.out_dir / "report.html", self.o.lang)
        self.result.json_path = self.o.out_dir / "report.json"
        self.result.json_path.write_text(json.dumps(rep.to_dict(self.o.lang), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return Step("report", "ok", facts={"path": str(self.result.report_path)})


# Files of a previous run that must not leak into this one (old snapshots, old Prometheus data).
_FRESH = ("store.db", "store.db-wal", "store.db-shm", "prometheus-data", "sim-inventory", "logs", "plan.json", "audit.jsonl")


@contextlib.contextmanager
def claim_out_dir(out_dir: Path):  # noqa: ANN201
    """Own ``out_dir`` for one run: two demos side by side need two directories."""
    out_dir.mkdir(parents=True, exist_ok=True)
    lock = out_dir / ".demo.pid"
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        try:
            pid = int(lock.read_text().strip() or 0)
            os.kill(pid, 0)
        except (ValueError, ProcessLookupError, OSError):
            lock.unlink(missing_ok=True)  # left by a demo that was killed
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        else:
            raise UsageError(t("report.demo.busy", path=out_dir, pid=pid), hint=t("report.demo.busy_hint")) from None
    with os.fdopen(fd, "w") as f:
        f.write(str(os.getpid()))
    try:
        for name in _FRESH:
            p = out_dir / name
            if p.is_dir():
                shutil.rmtree(p)
            else:
                p.unlink(missing_ok=True)
        yield out_dir
    finally:
        lock.unlink(missing_ok=True)


def run_demo(opts: DemoOptions, children: Children, on_step: Callable[[Step], None] = lambda s: None) -> DemoResult:
    """Run every step; processes stay up in ``children`` (the caller stops them, or keeps them running)."""
    opts.out_dir.mkdir(parents=True, exist_ok=True)
    r = _Run(opts, children, on_step)
    try:
        r.step("inventory", r.inventory)
        # The slow parts overlap: both simulators start together, and the agent's first sweep
        # runs while the clouds sync and the policies are checked.
        r.start_fleet()
        r.start_clouds()
        r.step("clouds", r.clouds)
        r.step("fleet", r.fleet)
        r.start_agent()
        r.step("sync", r.sync)
        r.step("plan", r.plan)
        r.step("policy", r.policy)
        r.step("agent", r.agent)
        r.step("prometheus", r.prometheus)
        r.step("report", r.report)
    finally:
        if r.store is not None:
            r.store.close()
    return r.result
