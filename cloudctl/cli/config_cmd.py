"""``cloudctl config``: show and check the effective configuration."""

from __future__ import annotations

import enum
from typing import Annotated, Optional

import typer

from cloudctl.cli.options import OutputOpt
from cloudctl.cli.render import Format

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)


class DocFormat(str, enum.Enum):
    """One document, not records: YAML or JSON only."""

    yaml = "yaml"
    json = "json"


@app.command("show")
def show(output: Annotated[DocFormat, typer.Option("--output", "-o", help="yaml or json.", case_sensitive=False)] = DocFormat.yaml) -> None:
    """Print the effective configuration; every secret is shown as <secret>.

    Example:  cloudctl --config cloudctl.yaml config show -o json
    """
    from cloudctl.cli import render
    from cloudctl.cli.state import current
    from cloudctl.config import redacted

    loaded = current.config()
    data = {
        "source": str(loaded.source) if loaded.source else None,
        "inventory": str(loaded.inventory_dir),
        "store": loaded.store_url.display,
        "policies": str(loaded.policies_dir),
        **{k: v for k, v in redacted(loaded.config).items() if k not in ("inventory", "store", "policies")},
    }
    if output is DocFormat.json:
        render.write_json(data)
    else:
        import yaml

        print(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), end="")


@app.command("check")
def check(
    connect: Annotated[bool, typer.Option("--connect", help="Also log in to each cloud (read-only), then revoke the token.")] = False,
    provider: Annotated[Optional[list[str]], typer.Option("--provider", "-p", help="With --connect: only this provider (repeatable).", show_default=False)] = None,
    output: OutputOpt = Format.table,
) -> int:
    """Validate the configuration file (exit 2 with file:line on errors).

    Also resolves every secret reference, so a missing environment variable or file is
    reported now rather than in the middle of a sync. With --connect, logs in to every
    configured cloud and makes one read: OK, or what failed with the URL and the cloud's
    error (exit 3 if any failed). Tokens are revoked and sessions ended afterwards.

    Example:  cloudctl --config /etc/cloudctl/cloudctl.yaml config check --connect
    """
    from cloudctl.cli.output import note
    from cloudctl.cli.state import current
    from cloudctl.config import check_secrets
    from cloudctl.errors import ExitCode
    from cloudctl.i18n import t

    loaded = current.config()
    if provider:
        from cloudctl.cli.options import unknown_names

        bad = [p for p in provider if p not in loaded.config.providers]
        if bad:
            raise unknown_names("provider", bad, list(loaded.config.providers))
    check_secrets(loaded)
    _warn_names_the_inventory_cannot_use(loaded)
    if loaded.source is None:
        note(t("config.defaults"))
    else:
        note(t("config.valid", path=loaded.source))
    if not connect:
        return ExitCode.OK
    import asyncio

    from cloudctl.cli.render import render
    from cloudctl.providers.connect import check_connections

    results = asyncio.run(check_connections(loaded, provider))
    rows = [{"provider": r.provider, "driver": r.driver, "status": t("security.connect.ok") if r.ok else t("security.connect.failed"),
             "url": r.url, "error": r.error} for r in results]
    render(rows, output, ["provider", "driver", "status", "url", "error"], title=t("security.connect.title"))
    failed = [r.provider for r in results if not r.ok]
    if failed:
        note(t("security.connect.summary_failed", failed=len(failed), n=len(results), providers=", ".join(failed)))
        return ExitCode.UPSTREAM
    note(t("security.connect.summary_ok", n=len(results)))
    return ExitCode.OK


def _warn_names_the_inventory_cannot_use(loaded) -> None:  # noqa: ANN001 - cloudctl.config.LoadedConfig
    """The inventory refers to clouds by fixed names (systems' provider, tenants, selectors): a
    provider configured under another name syncs, but plan, migrate and the policies can never
    tie its servers to a system. Said here, where an engineer checks a config."""
    from typing import get_args

    from cloudctl.cli.output import warn
    from cloudctl.errors import Location, Problem
    from cloudctl.i18n import t
    from cloudctl.inventory.schema import ProviderName

    clouds = get_args(ProviderName)
    for name in loaded.config.providers:
        if name in clouds:
            continue
        where = loaded.doc.key_where(("providers", name)) if loaded.doc is not None else Location(str(loaded.source))
        warn(str(Problem(where, t("config.provider_not_in_inventory", clouds=t("cli.list_sep").join(clouds)),
                         t("config.provider_not_in_inventory.hint"), f"providers.{name}")))

