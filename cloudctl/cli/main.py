"""The ``cloudctl`` entry point and the one boundary where errors become messages and exit codes."""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from typing import Annotated, Optional

import typer

from cloudctl import __version__
from cloudctl.cli import state
from cloudctl.cli.options import apply_listing_options

app = typer.Typer(
    name="cloudctl",
    help=(
        "Operations tool for the Lüliang government cloud (吕梁政务云) and e-government extranet (电子政务外网).\n\n"
        "One inventory across the Tianhe, Huawei and 信创 clouds; migration tracking; policy checks; "
        "the plan's indicators.\n\n"
        "Example:  cloudctl inventory validate inventory/"
    ),
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

# Command groups and commands, registered explicitly. Each module imports only typer at top
# level; the work happens inside the command functions.
GROUPS: dict[str, tuple[str, str | None]] = {
    # name: ("module:attribute", help with an example, like every leaf command's)
    "config": ("cloudctl.cli.config_cmd:app", "Show and check the effective configuration.\n\nExample:  cloudctl config check"),
    "inventory": ("cloudctl.cli.inventory_cmd:app", "Validate, summarise and look up the inventory of record (ls, show).\n\nExample:  cloudctl inventory show node lishi-core-01"),
    "sim": ("cloudctl.cli.sim_cmd:app", "Run the simulators of the clouds and of the SNMP fleet.\n\n"
            "Example:  cloudctl sim serve --write-config /tmp/sim/cloudctl.yaml"),
    "migrate": ("cloudctl.cli.migrate_cmd:app", "Migration progress and the plan's KPIs (上云迁移).\n\nExample:  cloudctl migrate kpis -o csv"),
    "policy": ("cloudctl.cli.policy_cmd:app", "Check the inventory against the plan's policies (CI).\n\n"
               "Example:  cloudctl policy check policies/ --fail-on high"),
    "alerts": (
        "cloudctl.cli.alerts_cmd:app",
        "Deliver alerts to DingTalk (钉钉) robots for Alertmanager.\n\n"
        "Example:  cloudctl alerts relay --config agents/alertmanager/relay.yaml",
    ),
    "snapshots": ("cloudctl.cli.store_cmd:snapshots_app", None),  # help: the listing's docstring
    "store": ("cloudctl.cli.store_cmd:store_app", "The store itself: schema upgrades.\n\nExample:  cloudctl store upgrade --dry-run"),
    "audit": ("cloudctl.cli.audit_cmd:app", "The tamper-evident log of every change `apply` made (SM3 chain).\n\nExample:  cloudctl audit verify"),
    "tag": ("cloudctl.cli.tag_cmd:app", "Propose systems[].servers selectors for unclaimed servers.\n\n"
            "Example:  cloudctl tag suggest -o yaml > suggestions.yaml"),
}
COMMANDS: dict[str, str] = {
    # name: "module:function"
    "demo": "cloudctl.cli.demo_cmd:demo",
    "report": "cloudctl.cli.report_cmd:report",
    "sync": "cloudctl.cli.cloud_cmd:sync",
    "ls": "cloudctl.cli.cloud_cmd:ls",
    "show": "cloudctl.cli.cloud_cmd:show",
    "diff": "cloudctl.cli.cloud_cmd:diff",
    "export": "cloudctl.cli.cloud_cmd:export",
    "capacity": "cloudctl.cli.cloud_cmd:capacity",
    "plan": "cloudctl.cli.plan_cmd:plan",
    "apply": "cloudctl.cli.plan_cmd:apply",
}


def _load(ref: str):  # noqa: ANN202
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)


for _name, (_ref, _help) in GROUPS.items():
    app.add_typer(_load(_ref), name=_name, **({"help": _help} if _help else {}))
for _name, _ref in COMMANDS.items():
    app.command(name=_name)(_load(_ref))
# Every command that prints records gets the same --columns, --out and --excel-bom.
apply_listing_options(app)


def _version(value: bool) -> None:
    if value:
        print(f"cloudctl {__version__}")
        raise typer.Exit(0)


@app.callback()
def _globals(
    config: Annotated[
        Optional[str],
        typer.Option("--config", "-c", help="Config file (default: $CLOUDCTL_CONFIG, ./cloudctl.yaml, user config dir).", show_default=False),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")] = False,
    lang: Annotated[Optional[str], typer.Option("--lang", help="Language of messages: zh or en (default: locale).", show_default=False)] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    state.current.config_path = config
    state.current.debug = debug or state.current.debug
    if lang is not None:
        from cloudctl import i18n
        from cloudctl.errors import UsageError

        try:
            i18n.set_language(lang)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        state.current.lang = lang
    if debug:
        from cloudctl import redact

        # Tokens, sessions and credentials are masked by a filter on the handler (httpcore logs headers).
        redact.basic_config("DEBUG", "%(levelname)s %(name)s: %(message)s")


def main(argv: list[str] | None = None, *, application: typer.Typer | None = None) -> int:
    """Run the CLI; return the exit code. The only place exceptions become messages.

    ``application`` replaces the cloudctl app (tests pass a small one to exercise the boundary).
    The language an invocation chose (--lang, the config) ends with it: code that runs after in
    the same process (tests) sees the locale's again.
    """
    from cloudctl.i18n import set_language

    try:
        return _main(argv, application)
    finally:
        set_language(None)


def _main(argv: list[str] | None, application: typer.Typer | None) -> int:
    from cloudctl.cli.output import error
    from cloudctl.errors import CloudctlError, ExitCode
    from cloudctl.i18n import language, set_language, t

    args = sys.argv[1:] if argv is None else list(argv)
    state.current = state.Globals(debug="--debug" in args or os.environ.get("CLOUDCTL_DEBUG") == "1")
    set_language(None)  # per invocation: --lang / config / locale decide anew (tests call main() often)
    if "--lang" in args[:-1]:
        # Early, so that errors raised before the global options are processed (an unknown
        # command) are in that language too; the option itself validates the value.
        with contextlib.suppress(ValueError):
            set_language(args[args.index("--lang") + 1])
    command = typer.main.get_command(application or app)
    if language() == "zh":
        from cloudctl.cli.help_zh import in_chinese

        in_chinese(command)
    try:
        result = command.main(args=args, prog_name="cloudctl", standalone_mode=False)
        code = int(result) if isinstance(result, int) else ExitCode.OK
        if code == ExitCode.INTERRUPTED:  # Typer turns Ctrl-C into a returned 130
            error(t("interrupted"))
        return code
    except typer.Exit as exc:
        if exc.exit_code == ExitCode.INTERRUPTED:  # Typer turns Ctrl-C into Exit(130)
            error(t("interrupted"))
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        error(t("interrupted"))
        return ExitCode.INTERRUPTED
    except typer.TyperException as exc:  # usage errors: bad flag, missing argument, ...
        _usage_error(exc)
        return ExitCode.INVALID
    except CloudctlError as exc:
        if state.current.debug:
            from cloudctl.redact import print_traceback

            print_traceback()
        error(str(exc), exc.hint)
        return exc.exit_code
    except BrokenPipeError:
        # `cloudctl ls ... | head`: the reader went away; not an error worth a message.
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the final flush
        except OSError:
            pass
        return ExitCode.OK
    except Exception as exc:  # noqa: BLE001 - the single top-level boundary
        if state.current.debug:
            from cloudctl.redact import print_traceback

            print_traceback()
        error(t("internal_error", kind=type(exc).__name__))
        return ExitCode.INTERNAL


def _usage_error(exc: Exception) -> None:
    """Click's usage errors (unknown option, missing argument, bad value), in the active language."""
    import re

    from cloudctl.cli.output import error
    from cloudctl.i18n import MESSAGES, language, t

    show = getattr(exc, "show", None)
    ctx = getattr(exc, "ctx", None)
    if language() != "zh" or type(exc).__name__ == "NoArgsIsHelpError":
        if show is not None:
            show()
        else:
            error(exc.format_message())  # type: ignore[attr-defined]
        return
    kind = type(exc).__name__
    message = getattr(exc, "message", "") or ""
    hint = ""
    if kind == "NoSuchOption":
        text = t("cli.usage.no_such_option", name=exc.option_name)  # type: ignore[attr-defined]
        if exc.possibilities:  # type: ignore[attr-defined]
            hint = t("cli.hint.did_you_mean", names=", ".join(sorted(exc.possibilities)))  # type: ignore[attr-defined]
    elif kind == "MissingParameter":
        param = exc.param  # type: ignore[attr-defined]
        what = exc.param_type or (param.param_type_name if param is not None else "parameter")  # type: ignore[attr-defined]
        name = param.get_error_hint() if param is not None else ""
        text = t("cli.usage.missing", what=t(f"cli.usage.missing.{what}") if f"cli.usage.missing.{what}" in MESSAGES else what, name=name)
    elif kind == "BadParameter":
        param = exc.param  # type: ignore[attr-defined]
        name = param.get_error_hint() if param is not None else ""
        message = message.removeprefix("Value error, ")
        m = re.fullmatch(r"(.*) is not one of (.*?)\.?", message, re.S)
        detail = t("cli.usage.bad_choice", value=m.group(1), choices=m.group(2)) if m else message
        text = t("cli.usage.bad_value", name=name, detail=detail)
    elif m := re.fullmatch(r"No such command (.*?)\.(?:\s*Did you mean (.*?)\?)?", message):
        text = t("cli.usage.no_such_command", name=m.group(1))
        if m.group(2):
            hint = t("cli.hint.did_you_mean", names=m.group(2))
    elif message == "Missing command.":  # `cloudctl --lang zh`, `cloudctl --debug`: options but no command
        text = t("cli.usage.missing_command")
    elif m := re.fullmatch(r"Option (.*) requires an argument\.?", message):
        text = t("cli.usage.needs_value", name=m.group(1))
    elif m := re.fullmatch(r"Got unexpected extra arguments?(?:\(s\))? \((.*)\)", message):
        text = t("cli.usage.extra", args=m.group(1))
    else:
        text = message
    if ctx is None:
        error(text, hint)
        return
    print(ctx.get_usage(), file=sys.stderr)  # 用法：… (cloudctl.cli.help_zh)
    error(text, hint or t("cli.usage.try", command=ctx.command_path))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
