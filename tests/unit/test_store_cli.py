"""The store's defects as a user met them on the command line (issue #10), each with the exit code the docs promise.

- a failed sync (no providers, exit 2) created an empty store, which then read as "0 found";
- `sync`/`ls --store` on another application's SQLite file changed it (tables, WAL);
- a damaged `meta`, a read-only store, a writer holding the lock: exit 70 with a traceback, and a
  destructive hint for the read-only store; a missing version row read as version 0;
- there was no way to see or apply upgrades, or to prune.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from cloudctl.model import Resource
from cloudctl.store import Store
from tests.conftest import IN_CI

CONFIG = """\
providers:
  tianhe:
    driver: openstack
    auth_url: http://127.0.0.1:9/v3
    username: reader
    password: env:CLOUDCTL_TEST_TIANHE_PASSWORD
    project: admin
"""


def _store(path: Path) -> None:
    st = Store.open(path, create=True)
    snap = st.begin_snapshot(["tianhe"])
    w = snap.provider("tianhe")
    w.add([Resource("tianhe", "server", f"s{i}", f"vm-{i}") for i in range(3)])
    w.commit()
    snap.finish()
    st.close()


def test_a_sync_that_fails_on_its_input_creates_no_store(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = tmp_path / "data" / "store.db"
    code, _, err = cli("--lang", "en", "sync", "--store", store)
    assert code == 2 and "no providers are configured" in err
    cfg = tmp_path / "cloudctl.yaml"
    cfg.write_text(CONFIG)
    monkeypatch.delenv("CLOUDCTL_TEST_TIANHE_PASSWORD", raising=False)
    code, _, err = cli("--lang", "en", "--config", cfg, "sync", "--store", store)
    assert code == 2 and "CLOUDCTL_TEST_TIANHE_PASSWORD" in err
    code, _, err = cli("--lang", "en", "--config", cfg, "sync", "--store", store, "--metrics-file", tmp_path / "nowhere" / "x.prom")
    assert code == 2
    assert not (tmp_path / "data").exists()
    code, out, err = cli("--lang", "en", "ls", "servers", "--store", store)
    assert code == 2 and "no store at" in err and out == ""


def test_a_store_without_a_successful_sync_is_said_so_not_listed_as_empty(cli, tmp_path):
    store = tmp_path / "store.db"
    st = Store.open(store, create=True)
    snap = st.begin_snapshot(["tianhe"])
    snap.provider("tianhe").fail("Keystone login: HTTP 401")
    snap.finish()
    st.close()
    code, out, err = cli("--lang", "en", "ls", "servers", "--store", store)
    assert code == 2 and "holds no successful sync yet" in err and out == ""
    code, out, err = cli("--lang", "en", "migrate", "kpis", "-i", "inventory", "--store", store, "-o", "json")
    assert code == 0 and "using the inventory alone" in err


def test_commands_on_another_applications_file_leave_it_untouched(cli, tmp_path, monkeypatch):
    foreign = tmp_path / "some-other-app.db"
    con = sqlite3.connect(foreign)
    con.execute("PRAGMA journal_mode=DELETE")
    con.execute("CREATE TABLE notes (body TEXT)")
    con.commit()
    con.close()
    before = foreign.read_bytes()
    cfg = tmp_path / "cloudctl.yaml"
    cfg.write_text(CONFIG)
    monkeypatch.setenv("CLOUDCTL_TEST_TIANHE_PASSWORD", "x")
    for args in (("ls", "servers"), ("snapshots",), ("sync",), ("snapshots", "prune", "--keep-last", "1"), ("store", "upgrade")):
        code, _, err = cli("--lang", "en", "--config", cfg, *args, "--store", foreign)
        assert code == 2 and "not a cloudctl store" in err and "internal error" not in err, args
    assert foreign.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cloudctl.yaml", "some-other-app.db"]


def test_a_damaged_meta_table_is_exit_2_not_an_internal_error(cli, tmp_path):
    store = tmp_path / "store.db"
    _store(store)
    con = sqlite3.connect(store)
    con.execute("DELETE FROM meta WHERE key = 'schema_version'")
    con.commit()
    con.close()
    code, _, err = cli("--lang", "en", "ls", "servers", "--store", store)
    assert code == 2 and "damaged" in err and "no schema_version" in err and "internal error" not in err


def test_a_writer_holding_the_lock_is_exit_1_naming_the_store(cli, tmp_path):
    store = tmp_path / "store.db"
    _store(store)
    _store(store)
    holder = sqlite3.connect(store, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process writing for a long time
    try:
        code, _, err = cli("--lang", "en", "snapshots", "prune", "--keep-last", "1", "--store", store)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 1, err
    assert err.splitlines()[0] == f"error: the store {store} is locked by another process and stayed locked for 10 s"
    code, out, _ = cli("--lang", "en", "ls", "servers", "--store", store, "-o", "json")
    assert code == 0 and out.count('"kind":"server"') == 3


def _mount_tmpfs(size: str) -> Path | None:
    mnt = Path(tempfile.mkdtemp(prefix="cloudctl-ro-"))
    if os.geteuid() == 0 and subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)], capture_output=True).returncode == 0:
        return mnt
    shutil.rmtree(mnt, ignore_errors=True)
    if IN_CI:
        pytest.fail("cannot mount a tmpfs (CI runs as root)")
    return None


def test_a_read_only_store_is_exit_1_with_a_hint_that_destroys_nothing(cli, tmp_path):
    mnt = _mount_tmpfs("4m")
    if mnt is None:  # not root: file permissions make it read-only
        mnt = tmp_path
    try:
        store = mnt / "store.db"
        _store(store)
        if mnt != tmp_path:
            subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        else:
            store.chmod(0o444)
            mnt.chmod(0o555)
        code, _, err = cli("--lang", "en", "snapshots", "prune", "--keep-last", "1", "--store", store)
        assert code == 1 and f"the store {store} is read-only" in err
        assert "move" not in err and "delete" not in err and "remove" not in err
        code, out, err = cli("--lang", "en", "ls", "servers", "--store", store, "-o", "json")  # readers still read
        assert code == 0 and out.count('"kind":"server"') == 3, err
    finally:
        if mnt != tmp_path:
            subprocess.run(["umount", "-l", str(mnt)], capture_output=True)
            shutil.rmtree(mnt, ignore_errors=True)
        else:
            mnt.chmod(0o755)


def test_a_full_disk_during_an_upgrade_keeps_the_store_as_it_was(cli):
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "store" / "v1-main.db"
    mnt = _mount_tmpfs("96k")
    if mnt is None:
        pytest.skip("needs root to mount a small tmpfs")
    try:
        store = mnt / "store.db"
        shutil.copy(fixture, store)  # 64 KiB: no room for the backup copy the upgrade makes first
        code, _, err = cli("--lang", "en", "store", "upgrade", "--store", store)
        assert code == 1 and err.splitlines()[0] == f"error: store {store}: the disk is full", err
        assert store.read_bytes() == fixture.read_bytes() and sorted(p.name for p in mnt.iterdir()) == ["store.db"]
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)
        shutil.rmtree(mnt, ignore_errors=True)


def test_sqlite_full_injected_through_max_page_count(tmp_path):
    """Where no tmpfs can be mounted, SQLITE_FULL itself: the same error, nothing half-written."""
    from cloudctl.errors import ExitCode, StoreUnavailable

    store_path = tmp_path / "store.db"
    _store(store_path)
    st = Store.open(store_path)
    pages = st.db.execute("PRAGMA page_count").fetchone()[0]
    st.db.execute(f"PRAGMA max_page_count = {pages + 2}")
    snap = st.begin_snapshot(["huawei"])
    w = snap.provider("huawei")
    with pytest.raises(StoreUnavailable) as exc:
        w.add([Resource("huawei", "server", f"h{i}", "x" * 200) for i in range(2000)])
        snap.flush()
    assert exc.value.exit_code == ExitCode.PROBLEMS and "disk is full" in str(exc.value)
    st.close()
    assert sorted(r.id for r in Store.open(store_path).resources()) == ["s0", "s1", "s2"]


def test_store_urls_are_checked_with_their_place(cli, tmp_path):
    code, _, err = cli("--lang", "en", "ls", "servers", "--store", "postgresql://cloudctl:hunter2@db/cloudctl")
    assert code == 2 and "hunter2" not in err and "password=env:NAME" in err
    cfg = tmp_path / "cloudctl.yaml"
    cfg.write_text("store: mysql://db/cloudctl\n")
    code, _, err = cli("--lang", "en", "--config", cfg, "ls", "servers")
    assert code == 2 and f"{cfg}:1:8: store:" in err and "unknown scheme mysql" in err


def test_snapshots_shows_the_store_size_and_prune_dry_run_changes_nothing(cli, tmp_path):
    store = tmp_path / "store.db"
    for _ in range(3):
        _store(store)
    time.sleep(0)
    code, out, err = cli("--lang", "en", "snapshots", "--store", store, "-o", "json")
    assert code == 0 and out.count('"id"') == 3 and f"store {store}: 3 snapshots" in err and "bytes)" in err
    before = store.read_bytes()
    code, out, err = cli("--lang", "en", "snapshots", "prune", "--keep-last", "1", "--dry-run", "--store", store, "-o", "json")
    assert code == 0 and out.count('"remove"') == 2 and "nothing changed" in err and store.read_bytes() == before
    code, out, err = cli("--lang", "en", "snapshots", "prune", "--store", store)
    assert code == 2 and "--keep-last" in err
    code, out, err = cli("--lang", "en", "snapshots", "prune", "--keep-last", "1", "--store", store, "-o", "json")
    assert code == 0 and out.count('"remove"') == 2
    assert cli("--lang", "en", "snapshots", "--store", store, "-o", "json")[1].count('"id"') == 1


def test_the_postgresql_password_never_reaches_the_output(cli, postgres, monkeypatch):
    planted = "Planted-Wrong-PG-Password-4e2b"
    monkeypatch.setenv("CLOUDCTL_TEST_PGPASS", planted)
    url = postgres.url(postgres.createdb(owner="secretive"), user="secretive", password="env:CLOUDCTL_TEST_PGPASS")
    for args in (("ls", "servers"), ("--debug", "snapshots"), ("store", "upgrade")):
        code, out, err = cli("--lang", "en", *args, "--store", url)
        assert code == 2 and "authentication failed" in err, err
        assert planted not in out + err and "env:CLOUDCTL_TEST_PGPASS" not in err


def test_prune_explains_itself_in_the_readers_language_and_json_keeps_tokens(cli, tmp_path, monkeypatch):
    """Under --lang zh, prune's table said "keep" and "current data of tianhe, last" in English."""
    store = tmp_path / "store.db"
    for _ in range(3):
        _store(store)
    monkeypatch.setenv("COLUMNS", "200")
    code, out, err = cli("--lang", "zh", "snapshots", "prune", "--keep-last", "1", "--dry-run", "--store", store)
    assert code == 0, err
    assert "保留" in out and "删除" in out and "tianhe 的当前数据，最近的快照" in out
    assert not any(word in out for word in ("keep", "remove", "current data", "last"))
    code, out, err = cli("--lang", "zh", "snapshots", "prune", "--keep-last", "1", "--dry-run", "--store", store, "-o", "json")
    rows = json.loads(out)
    assert [(r["action"], r["reason"]) for r in rows] == [("remove", ""), ("remove", ""), ("keep", "current:tianhe, last")]
