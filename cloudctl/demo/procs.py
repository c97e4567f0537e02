"""The demo's child processes: each in its own process group, started, waited for, and always stopped.

A child's stdout and stderr go to a log file (no pipe that could fill up and block it); readiness
is a line in that log or an HTTP endpoint. ``Children.stop_all()`` sends SIGTERM to every
process group, then SIGKILL to what is left after a grace period; it runs on leaving the ``with``
block (also on Ctrl-C or an error) and at interpreter exit. On Linux each child also gets
SIGTERM if the demo process dies without cleaning up (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import atexit
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from cloudctl.errors import UpstreamError

_PR_SET_PDEATHSIG = 1


# Signals that stop the demo. They are held back while a child is being started, so that the
# child is on the list that ``stop_all`` walks before a Ctrl-C can unwind the demo.
_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


def _die_with(parent: int, mask: set[signal.Signals]) -> Callable[[], None]:
    """A ``preexec_fn``: restore the signal mask (the blocked set would be inherited across exec)
    and ask the kernel for SIGTERM when ``parent`` dies (Linux)."""

    def preexec() -> None:  # runs in the child between fork and exec
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        if not sys.platform.startswith("linux"):
            return
        import ctypes

        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        except OSError:
            return
        if os.getppid() != parent:  # the parent died before prctl: nobody would ever stop us
            os._exit(1)

    return preexec


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago (for programs that cannot listen on port 0 and tell us)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@dataclass
class Child:
    name: str
    argv: list[str]
    proc: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_tail(self, lines: int = 8) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


class ChildFailed(UpstreamError):
    """A child exited or did not get ready in time; the message carries its last log lines."""

    def __init__(self, child: Child, what: str) -> None:
        tail = child.log_tail()
        super().__init__(
            f"{child.name} {what}" + (f":\n{tail}" if tail else ""),
            hint=f"full log: {child.log}",
        )


class Children:
    """The set of child processes of one demo run."""

    def __init__(self, log_dir: Path, *, grace: float = 5.0) -> None:
        self.log_dir = Path(log_dir)
        self.grace = grace
        self.children: list[Child] = []
        atexit.register(self.stop_all)

    def __enter__(self) -> "Children":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_all()

    def start(self, name: str, argv: Sequence[str], *, env: dict[str, str] | None = None, cwd: Path | None = None) -> Child:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_dir / f"{name}.log"
        # A Ctrl-C between fork and the append below would leave a child nobody stops: hold the
        # stop signals until the child is on the list (they are delivered right after).
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            with open(log, "wb") as out:
                proc = subprocess.Popen(
                    list(argv),
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    env={**os.environ, **(env or {})},
                    cwd=cwd,
                    start_new_session=True,  # own process group: signals to the demo do not reach it, killpg does
                    preexec_fn=_die_with(os.getpid(), previous),  # noqa: PLW1509 - only sigmask + prctl, before exec
                )
            child = Child(name, list(argv), proc, log)
            self.children.append(child)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        return child

    def wait_for_line(self, child: Child, pattern: str, timeout: float) -> re.Match[str]:
        """Wait until ``pattern`` appears in the child's log; fail if it exits first or time runs out."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            text = child.log.read_text(encoding="utf-8", errors="replace") if child.log.exists() else ""
            m = rx.search(text)
            if m:
                return m
            if not child.alive():
                raise ChildFailed(child, f"exited with code {child.proc.returncode} before it was ready")
            if time.monotonic() > deadline:
                raise ChildFailed(child, f"was not ready after {timeout:.0f} s")
            time.sleep(0.05)

    def wait_http(self, child: Child, url: str | Callable[[], str], timeout: float, ok: Callable[[httpx.Response], bool] | None = None) -> httpx.Response:
        """Poll ``url`` (or ``url()``, re-evaluated each time) until it answers 200 and ``ok(response)``,
        while the child is alive."""
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2.0) as client:
            while True:
                target = url() if callable(url) else url
                try:
                    resp = client.get(target)
                    if resp.status_code == 200 and (ok is None or ok(resp)):
                        return resp
                except httpx.HTTPError:
                    pass
                if not child.alive():
                    raise ChildFailed(child, f"exited with code {child.proc.returncode} before {target} answered")
                if time.monotonic() > deadline:
                    raise ChildFailed(child, f"did not answer {target} within {timeout:.0f} s")
                time.sleep(0.1)

    def stop_all(self) -> None:
        """SIGTERM every process group, SIGKILL what is left after the grace period; reap all.

        Only groups whose leader has not been reaped yet are signalled: after reaping, the id
        could belong to someone else.
        """
        live = [c for c in self.children if c.alive()]
        for c in reversed(live):
            _signal_group(c, signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        for c in live:
            try:
                c.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(c, signal.SIGKILL)
                c.proc.wait()
        self.children.clear()


def _signal_group(child: Child, sig: signal.Signals) -> None:
    try:
        os.killpg(child.pid, sig)  # the child is its group's leader: pgid == pid
    except (ProcessLookupError, PermissionError):
        pass
