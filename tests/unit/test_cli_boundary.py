"""The one top-level boundary: errors become a short message and the documented exit code."""

from __future__ import annotations

import subprocess
import sys

import typer

from cloudctl import __version__
from cloudctl.cli.main import main
from cloudctl.errors import ExitCode, NodeError, ProviderError, StoreError


def _app(exc: BaseException) -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _cb(debug: bool = typer.Option(False, "--debug")) -> None:
        pass

    @app.command()
    def boom() -> None:
        raise exc

    return app


def test_exit_codes_are_the_documented_ones():
    assert [int(c) for c in ExitCode] == [0, 1, 2, 3, 70, 130]


def test_cloudctl_error_prints_message_and_hint_without_traceback(capsys):
    code = main(["boom"], application=_app(StoreError("store.db is from a newer cloudctl", hint="upgrade cloudctl")))
    err = capsys.readouterr().err
    assert code == ExitCode.INVALID
    assert err == "error: store.db is from a newer cloudctl\nhint: upgrade cloudctl\n"


def test_upstream_error_exit_3_with_fields(capsys):
    exc = ProviderError("listing servers failed", provider="huawei", http_status=503, request_id="req-42")
    assert main(["boom"], application=_app(exc)) == ExitCode.UPSTREAM
    assert "[huawei] listing servers failed (HTTP 503, request-id req-42)" in capsys.readouterr().err
    assert main(["boom"], application=_app(NodeError("timeout", node="lishi-core-01"))) == ExitCode.UPSTREAM


def test_debug_adds_the_traceback(capsys):
    main(["--debug", "boom"], application=_app(StoreError("broken")))
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "error: broken" in err


def test_unexpected_exception_is_a_message_not_a_traceback(capsys):
    code = main(["boom"], application=_app(ZeroDivisionError("x")))
    err = capsys.readouterr().err
    assert code == ExitCode.INTERNAL
    assert "Traceback" not in err
    assert "internal error in cloudctl: ZeroDivisionError. Rerun with --debug" in err


def test_interrupt_exits_130(capsys):
    assert main(["boom"], application=_app(KeyboardInterrupt())) == ExitCode.INTERRUPTED
    assert "interrupted" in capsys.readouterr().err


def test_usage_errors_exit_2(cli):
    code, _, err = cli("inventory", "validate", "--no-such-flag")
    assert code == 2 and "No such option" in err
    code, _, err = cli("--lang", "fr", "inventory", "validate")
    assert code == 2 and "unknown language 'fr'" in err


def test_version(cli):
    assert cli("--version") == (0, f"cloudctl {__version__}\n", "")


def test_messages_follow_the_language(cli, tmp_path):
    code, _, err = cli("--lang", "zh", "inventory", "validate", str(tmp_path / "nope"))
    assert code == 2 and err.startswith("错误：")
    code, _, err = cli("--lang", "en", "inventory", "validate", str(tmp_path / "nope"))
    assert err.startswith("error: ")


# Typer itself may import pydantic for parameter adapters; what must not load is our own models
# (cloudctl.config, cloudctl.inventory, ...) and the heavy libraries of other commands.
HEAVY = ("httpx", "pysnmp", "prometheus_client", "rich", "starlette", "uvicorn", "yaml", "netaddr", "sqlite3")
LIGHT_OWN = ("cloudctl.cli", "cloudctl.errors", "cloudctl.i18n")


def test_help_and_version_load_no_heavy_module():
    probe = (
        "import sys\n"
        "from cloudctl.cli.main import main\n"
        "for argv in (['--help'], ['--version'], ['inventory', '--help'], ['--lang', 'zh', 'ls', '--help']):\n"
        "    main(argv)\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith('cloudctl'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    heavy, own = out.strip("\n").splitlines()[-2:]
    assert heavy == ""
    not_light = [m for m in own.split(",") if m != "cloudctl" and not m.startswith(LIGHT_OWN)]
    assert not_light == [], f"loaded by --help: {not_light}"


def test_agent_entry_point_does_not_import_typer_or_rich():
    probe = "import sys, cloudctl.agent.main; print([m for m in ('typer', 'rich') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_broken_pipe_is_quiet(tmp_path):
    # `cloudctl ... | head -1` must not print a traceback when head exits early.
    proc = subprocess.run(
        f"{sys.executable} -m cloudctl --help | head -1",
        shell=True,
        capture_output=True,
        text=True,
    )
    assert "Traceback" not in proc.stderr


def test_language_does_not_leak_between_invocations(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    for var in ("LC_ALL", "LC_MESSAGES", "CLOUDCTL_LANG"):
        monkeypatch.delenv(var, raising=False)
    assert cli("--lang", "en", "inventory", "validate", str(tmp_path / "x"))[2].startswith("error: ")
    assert cli("inventory", "validate", str(tmp_path / "x"))[2].startswith("错误：")  # the locale again
