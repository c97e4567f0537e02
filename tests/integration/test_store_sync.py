"""`cloudctl sync` as real processes against the simulators, into both store backends.

Concurrent syncs (same provider: the second exits 1 naming the holder, or waits with --wait;
disjoint providers: both commit), readers during a sync, SIGKILL in the middle of a write,
PostgreSQL restarted in the middle of a sync, a full disk, one broken quota call (stale for that
project only), and the textfile metrics checked by promtool.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from cloudctl.store import Store
from tests.conftest import IN_CI, need
from tests.integration.test_contract import ROOT, SEED, SERVERS, serve, stop

pytestmark = pytest.mark.real


def run(cfg: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cloudctl", "--lang", "en", "--config", str(cfg), *args],
                          capture_output=True, text=True, timeout=timeout)


def start(cfg: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cloudctl", "--lang", "en", "--config", str(cfg), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def query(url: str, sql: str) -> list[tuple]:
    with Store.open(url) as st, st.guard():
        return list(st.db.execute(sql))


def wait_for(predicate, what: str, timeout: float = 30) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def in_flight(url: str) -> int:
    """Resources that runs still marked running have written (committed batches): a sync in the middle of writing."""
    return sum(sum(json.loads(c).values()) for (c,) in query(url, "SELECT counts FROM provider_runs WHERE status = 'running'"))


def error_line(stderr: str) -> str:
    """The one error line (the simulator config's literal-secret warnings come first)."""
    lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, stderr
    return lines[0]


def servers(cfg: Path, url: str) -> int:
    res = run(cfg, "ls", "servers", "--store", url, "-o", "json")
    assert res.returncode == 0, res.stderr
    return len(json.loads(res.stdout))


@pytest.fixture(scope="module")
def dataset():
    from cloudctl.inventory import load_inventory
    from cloudctl.sim.dataset import build

    return build(load_inventory(ROOT / "inventory"), servers=SERVERS, seed=SEED)


@pytest.fixture(scope="module")
def slow_clouds(tmp_path_factory):
    """Simulators answering after 70 ms: a sync takes a few seconds, long enough to meet it mid-way.

    (30 ms was enough while the simulators' connections also waited ~40 ms for delayed ACKs; with
    TCP_NODELAY the sync's writes no longer spanned a batch commit, which these tests wait for.)
    """
    proc, cfg = serve(tmp_path_factory.mktemp("slow"), "--fault", "latency=70", "--fault", "tianhe:latency=140")
    yield cfg
    stop(proc)


def test_concurrent_syncs_wait_or_name_the_holder_and_readers_are_never_blocked(slow_clouds, store_url, dataset):
    cfg, total = slow_clouds, sum(len(c.servers) for c in dataset.clouds.values())
    assert run(cfg, "sync", "--store", store_url).returncode == 0
    first = start(cfg, "sync", "--store", store_url)
    try:
        wait_for(lambda: query(store_url, "SELECT count(*) FROM sync_locks")[0][0] == 3, "the first sync to hold its locks")
        second = run(cfg, "sync", "--provider", "tianhe", "--store", store_url)
        assert second.returncode == 1, second.stderr
        line = error_line(second.stderr)
        assert "another sync is writing provider tianhe" in line and f"pid {first.pid}" in line and socket.gethostname() in line
        for _ in range(3):  # readers see the previous data, whole, while the sync writes
            assert servers(cfg, store_url) == total
        queued = run(cfg, "sync", "--provider", "tianhe", "--store", store_url, "--wait", "2m")
        assert queued.returncode == 0, queued.stderr
    finally:
        out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    snaps = json.loads(run(cfg, "snapshots", "--store", store_url, "-o", "json").stdout)
    # the refused sync left no snapshot behind; the queued one ran after the first, with a newer id
    assert [(s["status"], s["providers"]) for s in snaps] == [
        ("complete", "huawei=ok, tianhe=ok, xinchuang=ok"), ("complete", "huawei=ok, tianhe=ok, xinchuang=ok"), ("complete", "tianhe=ok")]
    assert servers(cfg, store_url) == total


def test_syncs_of_disjoint_providers_run_together(slow_clouds, store_url, dataset):
    cfg = slow_clouds
    a = start(cfg, "sync", "--provider", "tianhe", "--store", store_url)
    b = start(cfg, "sync", "--provider", "huawei", "--provider", "xinchuang", "--store", store_url)
    for p in (a, b):
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    assert servers(cfg, store_url) == sum(len(c.servers) for c in dataset.clouds.values())


def test_sigkill_mid_write_keeps_the_previous_data_and_the_next_sync_recovers(slow_clouds, store_url, dataset):
    cfg, total = slow_clouds, sum(len(c.servers) for c in dataset.clouds.values())
    assert run(cfg, "sync", "--store", store_url).returncode == 0
    victim = start(cfg, "sync", "--store", store_url)
    wait_for(lambda: in_flight(store_url) > 0, "the sync to be in the middle of writing")
    assert in_flight(store_url) > 0  # it really was mid-write when killed
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    assert servers(cfg, store_url) == total
    again = run(cfg, "sync", "--store", store_url)
    assert again.returncode == 0, again.stderr
    snaps = json.loads(run(cfg, "snapshots", "--store", store_url, "-o", "json").stdout)
    assert [s["status"] for s in snaps] == ["complete", "interrupted", "complete"]
    assert in_flight(store_url) == 0 and servers(cfg, store_url) == total
    if not store_url.startswith("postgresql"):
        import sqlite3

        assert sqlite3.connect(store_url).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_postgresql_restarted_mid_sync_fails_cleanly_with_previous_data_intact(slow_clouds, postgres, pg_url, dataset):
    cfg, total = slow_clouds, sum(len(c.servers) for c in dataset.clouds.values())
    assert run(cfg, "sync", "--store", pg_url).returncode == 0
    victim = start(cfg, "sync", "--store", pg_url)
    wait_for(lambda: in_flight(pg_url) > 0, "the sync to be writing")
    postgres.restart()
    _, err = victim.communicate(timeout=120)
    assert victim.returncode == 1, err  # the store, not a cloud, failed: exit 1 (the issue allows 3 or 1)
    assert "internal error" not in err and "Traceback" not in err
    assert error_line(err).startswith("error: store postgresql://") and "connection to the database was lost" in err
    assert servers(cfg, pg_url) == total
    again = run(cfg, "sync", "--store", pg_url)
    assert again.returncode == 0, again.stderr
    assert servers(cfg, pg_url) == total


@pytest.fixture(scope="module")
def broken_quota(tmp_path_factory, dataset):
    """The Huawei simulator with one project's quota call (1 of ~66 calls) always failing."""
    project = next(p for p in dataset.clouds["huawei"].projects if p.name != "huawei-shared")
    proc, cfg = serve(tmp_path_factory.mktemp("quota"), "--fault", f"huawei:fail_path=/v1/{project.id}/cloudservers/limits")
    doc = yaml.safe_load(cfg.read_text())
    doc["providers"]["huawei"]["max_retries"] = 0
    cfg.write_text(yaml.safe_dump(doc))
    yield cfg, project
    stop(proc)


def test_one_failed_quota_call_leaves_only_that_project_stale(broken_quota, store_url, dataset, tmp_path):
    """#13 item 11: the rest of the Huawei cloud commits; the summary names exactly what is stale."""
    cfg, project = broken_quota
    metrics = tmp_path / "cloudctl_sync.prom"
    res = run(cfg, "sync", "--store", store_url, "--metrics-file", str(metrics), "-o", "json")
    assert res.returncode == 3, res.stderr
    assert f"huawei quota ({project.name})" in res.stderr and "tianhe" not in res.stderr.split("stale:")[-1]
    stored = json.loads(run(cfg, "ls", "servers", "--provider", "huawei", "--store", store_url, "-o", "json").stdout)
    assert len(stored) == len(dataset.clouds["huawei"].servers)  # the servers of this run were committed
    quotas = {q["project"] for q in json.loads(run(cfg, "ls", "quotas", "--provider", "huawei", "--store", store_url, "-o", "json").stdout)}
    assert project.name not in quotas and len(quotas) == len(dataset.clouds["huawei"].projects) - 1
    snaps = json.loads(run(cfg, "snapshots", "--store", store_url, "-o", "json").stdout)
    assert snaps[-1]["status"] == "partial" and snaps[-1]["stale"] == f"huawei quota ({project.name})"
    assert "huawei=partial" in snaps[-1]["providers"]
    text = metrics.read_text()
    assert 'cloudctl_sync_errors_total{provider="huawei"} 1.0' in text and 'cloudctl_sync_errors_total{provider="tianhe"} 0.0' in text
    again = run(cfg, "sync", "--store", store_url, "--metrics-file", str(metrics))
    assert again.returncode == 3 and f"huawei quota ({project.name})" in again.stderr, again.stderr
    assert 'cloudctl_sync_errors_total{provider="huawei"} 2.0' in metrics.read_text()  # kept across runs
    promtool = need("promtool")
    check = subprocess.run([promtool, "check", "metrics"], input=metrics.read_text(), capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("cloudctl_sync.prom")] == ["cloudctl_sync.prom"]


def test_retention_in_the_config_prunes_after_each_sync(broken_quota, tmp_path, dataset):
    cfg, _ = broken_quota
    doc = yaml.safe_load(cfg.read_text())
    doc["retention"] = {"keep_last": 2}
    doc["store"] = str(tmp_path / "store.db")
    mine = tmp_path / "cloudctl.yaml"
    mine.write_text(yaml.safe_dump(doc))
    notes = [run(mine, "sync").stderr for _ in range(4)]
    assert "retention: pruned" not in notes[1] and "retention: pruned 1 old snapshots (2 kept)" in notes[2]
    snaps = json.loads(run(mine, "snapshots", "-o", "json").stdout)
    assert [s["id"] for s in snaps] == [3, 4]
    assert servers(mine, str(tmp_path / "store.db")) == sum(len(c.servers) for c in dataset.clouds.values())


# -- a full disk ---------------------------------------------------------------------------------------------
def _tmpfs(path: Path, size: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    ok = os.geteuid() == 0 and subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                                               capture_output=True).returncode == 0
    if not ok and IN_CI:
        pytest.fail("cannot mount a tmpfs for the disk-full test (CI runs as root)")
    return ok


def _fill(directory: Path, leave: int) -> None:
    st = os.statvfs(directory)
    free = st.f_bavail * st.f_frsize
    with open(directory / "filler", "wb") as f:
        f.write(b"\0" * max(0, free - leave))


def test_a_full_disk_is_an_error_naming_the_store_and_nothing_is_lost(slow_clouds, dataset, postgres):
    cfg = slow_clouds
    kept = len(dataset.clouds["xinchuang"].servers)
    mnt = Path(tempfile.mkdtemp(prefix="cloudctl-small-"))  # outside pytest's root-only tmp: the PostgreSQL server writes here too
    if not _tmpfs(mnt, "8m"):
        pytest.skip("needs root to mount a tmpfs (test_store.py injects SQLITE_FULL instead)")
    try:
        space = mnt / "pgspace"
        space.mkdir()
        if os.geteuid() == 0:
            import pwd

            os.chown(space, pwd.getpwnam("postgres").pw_uid, -1)
        postgres.sql("postgres", f"CREATE TABLESPACE small LOCATION '{space}'")
        postgres.sql("postgres", "CREATE DATABASE t_small TABLESPACE small")
        # SQLite: the store file on the small file system; PostgreSQL: the database in a tablespace there
        for url in (str(mnt / "store.db"), postgres.url("t_small")):
            assert run(cfg, "sync", "--provider", "xinchuang", "--store", url).returncode == 0
            _fill(mnt, 64 * 1024)
            full = run(cfg, "sync", "--store", url)  # tianhe and huawei need room for their first data
            assert full.returncode == 1, full.stderr
            assert error_line(full.stderr).startswith(f"error: store {url}: the disk is full") and "Traceback" not in full.stderr
            (mnt / "filler").unlink()
            assert servers(cfg, url) == kept
            assert run(cfg, "sync", "--store", url).returncode == 0  # room again: the next sync just works
    finally:
        # Drop what lives on the small file system even when an assertion failed: a tablespace whose
        # directory is unmounted under it breaks the session's cluster for every later test.
        for statement in ("DROP DATABASE IF EXISTS t_small WITH (FORCE)", "DROP TABLESPACE IF EXISTS small"):
            try:
                postgres.sql("postgres", statement)
            except Exception as exc:  # noqa: BLE001 - best-effort cleanup; the test's own failure is what matters
                print(f"cleanup: {statement}: {exc}")
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)
        shutil.rmtree(mnt, ignore_errors=True)
