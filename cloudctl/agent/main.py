"""``cloudctl-agent`` entry point (argparse; no Typer/Rich) and the agent's one error boundary.

Exit codes: 0 ok (server stopped by SIGTERM/SIGINT, or ``--once`` with every node up);
2 invalid config/inventory/web config/flags, or the listen address cannot be used ("address
already in use: HOST:PORT"); 3 ``--once`` and at least one node did not answer (the metrics are
still printed: the result is partial); 70 internal error (``--debug`` prints the traceback).

Every log line and traceback goes through :mod:`cloudctl.redact`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from cloudctl import __version__

LEVELS = ("debug", "info", "warning", "error")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="cloudctl-agent",
        description="Poll e-government extranet nodes over SNMP and export Prometheus metrics.",
        epilog=("Example: SIM_COMMUNITY=public cloudctl-agent --config agents/demo.yaml --once\n"
                "         cloudctl-agent --config agent.yaml --web.config.file agents/web-config.yml"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", required=True, help="agent config file (agent.yaml)")
    p.add_argument("--web.config.file", dest="web_config", metavar="FILE",
                   help="TLS and basic auth for the HTTP server, in the Prometheus exporter-toolkit web-config.yml format")
    p.add_argument("--once", action="store_true", help="poll every node once, print the metrics and exit (exit 3 if a node failed)")
    p.add_argument("--log-level", choices=LEVELS, default="info", help="log verbosity on stderr (default: info)")
    p.add_argument("--debug", action="store_true", help="debug logs and tracebacks (same as --log-level debug; secrets are masked)")
    p.add_argument("--version", action="version", version=f"cloudctl-agent {__version__}")
    return p


def main(argv: list[str] | None = None) -> int:
    from cloudctl import redact
    from cloudctl.errors import CloudctlError, ExitCode
    from cloudctl.i18n import t

    args = _parser().parse_args(argv)
    level = "debug" if args.debug else args.log_level
    redact.basic_config(level.upper(), "%(asctime)s %(levelname)s %(name)s: %(message)s")
    from cloudctl.agent import service

    try:
        if args.once:
            text, down, total = asyncio.run(service.once(args.config))
            sys.stdout.write(text.decode())
            sys.stdout.flush()
            if down:
                logging.getLogger("cloudctl.agent").warning(t("agent.once_partial", down=down, total=total))
                return ExitCode.UPSTREAM
            return ExitCode.OK
        asyncio.run(service.run(args.config, web_path=args.web_config))
        return ExitCode.OK
    except CloudctlError as exc:
        if level == "debug":
            redact.print_traceback()
        print(f"cloudctl-agent: {t('error')}: {redact.scrub(str(exc))}", file=sys.stderr)
        if exc.hint:
            print(f"  {t('hint')}: {exc.hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - the agent's single top-level boundary
        if level == "debug":
            redact.print_traceback()
        print(f"cloudctl-agent: {t('internal_error', kind=type(exc).__name__)}", file=sys.stderr)
        return ExitCode.INTERNAL


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
