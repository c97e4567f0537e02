"""``cloudctl sim snmp``: the SNMP fleet simulator (registered on ``cloudctl.cli.sim_cmd.app``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from cloudctl.cli.sim_cmd import app


@app.command("snmp")
def snmp(
    inventory: Annotated[Optional[Path], typer.Option("--inventory", "-i", help="Simulate the nodes of this inventory.", show_default=False)] = None,
    nodes: Annotated[Optional[int], typer.Option("--nodes", "-n", min=1, max=60000, help="Simulate N synthetic nodes instead of an inventory.", show_default=False)] = None,
    mode: Annotated[str, typer.Option("--mode", help="addresses: one 127.x.y.z per node, one socket (Linux IP_PKTINFO); ports: one port of 127.0.0.1 per node.")] = "addresses",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="UDP port in addresses mode (0: any free port).")] = 0,
    ipv6_share: Annotated[float, typer.Option("--ipv6-share", min=0.0, max=1.0, help="Share of nodes with a global IPv6 address.")] = 0.6,
    link_local_share: Annotated[float, typer.Option("--link-local-share", min=0.0, max=1.0, help="Share of nodes with only fe80:: addresses (not IPv6-enabled).")] = 0.1,
    down_share: Annotated[float, typer.Option("--down-share", min=0.0, max=1.0, help="Share of nodes that never answer.")] = 0.05,
    slow_share: Annotated[float, typer.Option("--slow-share", min=0.0, max=1.0, help="Share of nodes that answer late.")] = 0.02,
    slow_delay: Annotated[float, typer.Option("--slow-delay", min=0.0, max=60.0, help="Delay of slow nodes' answers, seconds.")] = 0.8,
    ipv6_mib_share: Annotated[float, typer.Option("--ipv6-mib-share", min=0.0, max=1.0, help="Share of nodes serving only the old IPV6-MIB address table.")] = 0.1,
    no_length_share: Annotated[float, typer.Option("--no-length-share", min=0.0, max=1.0, help="Share of nodes omitting the length in ipAddressTable indices.")] = 0.1,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the deterministic fleet data.")] = 0,
    community: Annotated[str, typer.Option("--community", help="SNMPv2c community the nodes accept (others get no answer).")] = "public",
    write_inventory: Annotated[Optional[Path], typer.Option("--write-inventory", help="Write a copy of the inventory whose node addresses point at the simulator.", show_default=False)] = None,
    v3_user: Annotated[Optional[str], typer.Option("--v3-user", help="Also answer SNMPv3 (USM) for this user.", show_default=False)] = None,
    v3_auth_protocol: Annotated[str, typer.Option("--v3-auth-protocol", help="md5, sha, sha224, sha256, sha384 or sha512.")] = "sha256",
    v3_auth_key: Annotated[Optional[str], typer.Option("--v3-auth-key", help="The user's auth password: env:NAME, file:PATH or a literal.", show_default=False)] = None,
    v3_priv_key: Annotated[Optional[str], typer.Option("--v3-priv-key", help="The user's privacy password (env:NAME, file:PATH or a literal); none: authNoPriv.", show_default=False)] = None,
    v3_priv_protocol: Annotated[str, typer.Option("--v3-priv-protocol", help="des, aes128, aes192, aes256, aes192c or aes256c.")] = "aes128",
) -> None:
    """Serve a fleet of simulated SNMP agents (v2c; v3 with --v3-user) on loopback until Ctrl-C / SIGTERM.

    Vendors (Huawei VRP, H3C Comware, Ruijie RGOS, ZTE), interfaces with growing counters,
    IPv6 on a share of nodes, and down and slow nodes — deterministic for a given --seed.
    Prints a line containing 'ready' once listening.

    Example:  cloudctl sim snmp --nodes 5000 --write-inventory /tmp/sim-inventory
    """
    import asyncio

    from cloudctl.cli.output import note
    from cloudctl.errors import UsageError
    from cloudctl.i18n import t
    from cloudctl.sim.snmp.fleet import IPV6_GLOBAL, Shares
    from cloudctl.sim.snmp.inventory import specs_from_inventory, specs_from_records, synthetic_records
    from cloudctl.sim.snmp.run import serve
    from cloudctl.sim.snmp.server import MODES

    if mode not in MODES:
        raise UsageError(f"--mode must be one of: {', '.join(MODES)}")
    if inventory is not None and nodes is not None:
        raise UsageError("give either --inventory or --nodes, not both")
    if ipv6_share + link_local_share > 1.0:
        raise UsageError("--ipv6-share plus --link-local-share must not exceed 1")
    users = []
    if v3_user is not None:
        from cloudctl.secrets import Secret
        from cloudctl.sim.snmp.usm import AUTH, PRIV, UsmUser

        if v3_auth_protocol not in AUTH:
            raise UsageError(f"--v3-auth-protocol must be one of: {', '.join(AUTH)}")
        if v3_priv_protocol not in PRIV:
            raise UsageError(f"--v3-priv-protocol must be one of: {', '.join(PRIV)}")
        if v3_auth_key is None:
            raise UsageError("--v3-user needs --v3-auth-key (the simulator speaks authNoPriv or authPriv)")
        users.append(UsmUser(v3_user, v3_auth_protocol, Secret(v3_auth_key).reveal(),
                             Secret(v3_priv_key).reveal() if v3_priv_key else None, v3_priv_protocol))
    shares = Shares(ipv6=ipv6_share, link_local_only=link_local_share, down=down_share, slow=slow_share,
                    ipv6_mib_only=ipv6_mib_share, no_length_index=no_length_share)
    records = source = None
    if nodes is not None:
        records = synthetic_records(nodes)
        specs = specs_from_records(records, seed=seed, shares=shares)
    else:
        from cloudctl.cli.options import inventory_dir
        from cloudctl.inventory.loader import load_inventory

        source = inventory_dir(inventory)
        specs = specs_from_inventory(load_inventory(source), seed=seed, shares=shares)

    def ready(server) -> None:  # noqa: ANN001
        if write_inventory is not None:
            note(t("sim_snmp.inventory_written", path=write_inventory))
        print(
            t("sim_snmp.ready", nodes=len(specs), down=sum(s.down for s in specs), slow=sum(s.slow for s in specs),
              ipv6=sum(s.ipv6 == IPV6_GLOBAL for s in specs), mode=mode, port=server.port if mode == "addresses" else "-"),
            flush=True,
        )

    stats = asyncio.run(
        serve(specs, mode=mode, community=community, seed=seed, port=port, slow_delay=slow_delay,
              write_to=write_inventory, source=source, records=records, on_ready=ready, v3_users=users)
    )
    note(t("sim_snmp.stopped", received=stats["received"], answered=stats["answered"]))
