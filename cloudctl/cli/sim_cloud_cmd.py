"""``cloudctl sim serve``: the cloud simulators (registered on ``cloudctl.cli.sim_cmd.app``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from cloudctl.cli.sim_cmd import app


@app.command("serve")
def serve(
    servers: Annotated[Optional[int], typer.Option("--servers", "-n", min=0, max=200_000, help="Total VMs across the three clouds (default: the inventory's cloud systems plus a few dozen).", show_default=False)] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the deterministic dataset.")] = 0,
    inventory: Annotated[Optional[Path], typer.Option("--inventory", "-i", help="Inventory to build the dataset from (default: ./inventory when present).", show_default=False)] = None,
    xinchuang: Annotated[str, typer.Option("--xinchuang", help="API of the 信创 cloud: zstack or openstack.")] = "zstack",
    fault: Annotated[Optional[list[str]], typer.Option("--fault", help="Inject faults, e.g. 'huawei:throttle=3/20,retry_after=1' or 'error_rate=0.05' (all). Repeatable; see docs/simulators.md.", show_default=False)] = None,
    write_config: Annotated[Optional[Path], typer.Option("--write-config", help="Write a cloudctl.yaml (mode 0600) pointing at the simulators.", show_default=False)] = None,
) -> None:
    """Serve simulated Tianhe (OpenStack), Huawei and 信创 (ZStack) clouds on loopback until Ctrl-C / SIGTERM.

    Protocol-faithful: Keystone/Nova/Cinder/Neutron/Placement, Huawei AK/SK + ECS/EVS/VPC/EIP,
    ZStack sessions + queries; real pagination, error bodies, token expiry; deterministic data
    built from the inventory. Prints a line containing 'ready' once all three listen.

    Example:  cloudctl sim serve --servers 2000 --write-config /tmp/sim/cloudctl.yaml
    """
    import asyncio
    import time

    from cloudctl.cli.output import note
    from cloudctl.errors import UsageError
    from cloudctl.i18n import t
    from cloudctl.inventory import load_inventory
    from cloudctl.sim import dataset
    from cloudctl.sim import serve as runner
    from cloudctl.sim.faults import parse_specs

    if xinchuang not in ("zstack", "openstack"):
        raise UsageError(t("cli.bad_choice", option="--xinchuang", choices="zstack, openstack", value=xinchuang))
    faults = parse_specs(fault or [], seed=seed)
    started = time.perf_counter()
    root = inventory if inventory is not None else (Path("inventory") if Path("inventory").is_dir() else None)
    inv = load_inventory(root) if root is not None else None
    if inv is None:
        note(t("sim_cloud.no_inventory"))
    ds = dataset.build(inv, servers=servers, seed=seed)
    plan = runner.plan(ds, faults, xinchuang)

    def before_start(p: runner.Plan) -> None:
        if write_config is not None:
            store = write_config.resolve().parent / "store.db"
            runner.write_config(write_config, runner.config_document(p, root, store))

    def ready(p: runner.Plan) -> None:
        urls = ", ".join(f"{s.name} ({s.driver}) {s.url}" for s in p.simulators)
        total = sum(len(c.servers) for c in p.dataset.clouds.values())
        print(t("sim_cloud.ready", urls=urls, servers=total, seconds=f"{time.perf_counter() - started:.2f}"), flush=True)
        if write_config is not None:
            from cloudctl.cli.output import warn

            note(t("sim_cloud.config_written", path=write_config))
            # The one time the demo credentials are mentioned: commands reading this unchanged
            # file do not warn about them again (cloudctl.config.written_by_simulator).
            warn(t("cli.sim.config_demo_secrets", path=write_config))

    asyncio.run(runner.serve(plan, on_ready=ready, before_start=before_start))
    note(t("sim_cloud.stopped"))
