"""Shared test helpers.

``need("snmpd")`` returns the path of a real component, or skips the test — except under
``CI=true``, where a missing real component fails the test (the project's rule: CI never
silently skips real-part tests). Any other skip under ``CI=true`` fails the run too unless its
reason is on tests/ci_allowed_skips.yaml (tests/ci_skips.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import Phase, settings

from tests.ci_skips import in_ci, pytest_addoption, pytest_configure  # noqa: F401 - the CI skip check's hooks

ROOT = Path(__file__).resolve().parent.parent
INVENTORY = ROOT / "inventory"
IN_CI = in_ci()

# A real PostgreSQL server for the store's tests (fixtures `postgres`, `pg_url`, `store_url`).
pytest_plugins = ["tests.pgcluster"]

# Property tests: reproducible in CI (derandomized; no shrinking, so a failure is reported at once
# instead of spending minutes minimising it — rerun locally to get the minimal example).
settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target],
    print_blob=True,
)
if IN_CI:
    settings.load_profile("ci")

# Debian installs some daemons outside $PATH for non-root users.
_EXTRA_DIRS = ("/usr/sbin", "/sbin", "/usr/bin")


def need(binary: str, also_in: list[str] | tuple[str, ...] = ()) -> str:
    """Path of a real external component; skip (or fail under CI=true) when missing.

    ``also_in``: more directories to look in (e.g. PostgreSQL's versioned bin directory).
    """
    path = shutil.which(binary) or next(
        (str(Path(d) / binary) for d in (*_EXTRA_DIRS, *also_in) if (Path(d) / binary).exists()), None
    )
    if path is None:
        msg = f"real component '{binary}' is not installed (.ci/run installs it with apt-get)"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)
    return path


@pytest.fixture
def cli(capsys):
    """Run ``cloudctl`` in-process: returns (exit_code, stdout, stderr)."""
    from cloudctl.cli.main import main

    def run(*args: str) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def run_cloudctl(*args: str, env: dict | None = None, timeout: float = 120, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``cloudctl`` as a real process (for behaviour that crosses a process boundary)."""
    return subprocess.run(
        [sys.executable, "-m", "cloudctl", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )
