"""``cloudctl config``: show and check the effective configuration."""

from __future__ import annotations

import typer

from cloudctl.cli.options import OutputOpt
from cloudctl.cli.render import Format

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)


@app.command("show")
def show(output: OutputOpt = Format.yaml) -> None:
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
    if output is Format.json:
        render.write_json(data)
    else:
        import yaml

        print(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), end="")


@app.command("check")
def check() -> None:
    """Validate the configuration file (exit 2 with file:line on errors).

    Also resolves every secret reference, so a missing environment variable or file is
    reported now rather than in the middle of a sync.

    Example:  cloudctl --config /etc/cloudctl/cloudctl.yaml config check
    """
    from cloudctl.cli.output import note
    from cloudctl.cli.state import current
    from cloudctl.config import check_secrets
    from cloudctl.i18n import t

    loaded = current.config()
    check_secrets(loaded)
    if loaded.source is None:
        note(t("config.defaults"))
    else:
        note(t("config.valid", path=loaded.source))
