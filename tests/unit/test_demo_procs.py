"""The demo's child processes: a Ctrl-C at any moment never leaves a child that nobody stops."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

SCRIPT = textwrap.dedent(
    """
    import os, signal, subprocess, sys, time
    from pathlib import Path
    from cloudctl.demo.procs import Children

    marker = sys.argv[1]
    armed = False  # Ctrl-C raises only inside children.start(): the harness itself must survive
    interrupts = 0

    def on_sigint(signum, frame):
        global interrupts
        interrupts += 1
        if armed:
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_sigint)
    # An outside process fires SIGINT at us every few milliseconds while children are started.
    killer = subprocess.Popen(["bash", "-c", f"while kill -INT {os.getpid()} 2>/dev/null; do sleep 0.003; done"])
    children = Children(Path(sys.argv[2]), grace=2.0)
    attempts = completed = 0
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and attempts < 300:
        attempts += 1
        armed = True
        try:
            children.start(f"c{attempts}", ["sleep", "60", marker])
            armed = False
            completed += 1
        except KeyboardInterrupt:
            armed = False
    killer.kill()
    killer.wait()
    spawned = len(children.children)
    children.stop_all()
    left = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():  # our own argv names the marker too
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\\0")
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker.encode() in cmd and state != "Z":
            left.append(pid)
    print(interrupts, attempts, completed, spawned, len(left))
    """
)


def test_ctrl_c_while_starting_children_leaves_none_behind(tmp_path):
    # Unique per run: tmp_path.name repeats across concurrent pytest sessions on one machine, and
    # another session's children carrying the same marker were counted as ours.
    marker = f"cloudctl-demo-procs-{uuid.uuid4().hex}"
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, marker, str(tmp_path / "logs")],
        capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stderr
    interrupts, attempts, completed, spawned, left = map(int, out.stdout.split())
    assert interrupts > 0 and completed < attempts, "the test must actually interrupt starts"
    assert spawned >= completed
    assert left == 0, f"{left} of {spawned} children escaped stop_all"
