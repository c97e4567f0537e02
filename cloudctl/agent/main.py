"""``cloudctl-agent`` entry point (argparse; no Typer/Rich)."""

from __future__ import annotations

import argparse
import sys

from cloudctl import __version__


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cloudctl-agent", description="Poll extranet nodes over SNMP; export Prometheus metrics.")
    parser.add_argument("--config", required=True, help="agent.yaml")
    parser.add_argument("--version", action="version", version=f"cloudctl-agent {__version__}")
    parser.parse_args(argv)
    print("cloudctl-agent: not implemented yet", file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
