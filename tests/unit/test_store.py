"""The SQLite store: snapshots, atomic per-provider commits, stale providers, diffs."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap

import pytest

from cloudctl.errors import StoreError
from cloudctl.model import Resource
from cloudctl.store import Store, diff


def srv(provider: str, rid: str, **kw) -> Resource:
    return Resource(provider=provider, kind="server", id=rid, name=kw.pop("name", rid), **kw)


def sync(store: Store, data: dict[str, list[Resource] | Exception]) -> int:
    snap = store.begin_snapshot()
    for prov, items in data.items():
        w = snap.provider(prov)
        if isinstance(items, Exception):
            w.fail(str(items))
        else:
            w.add(items)
            w.commit()
    snap.finish()
    return snap.id


def test_open_missing_store_is_an_error_with_a_hint(tmp_path):
    with pytest.raises(StoreError) as exc:
        Store.open(tmp_path / "nope.db")
    assert "cloudctl sync" in exc.value.hint


def test_open_a_file_that_is_not_a_store(tmp_path):
    p = tmp_path / "x.db"
    p.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError):
        Store.open(p)


def test_newer_schema_is_refused(tmp_path):
    p = tmp_path / "s.db"
    Store.open(p, create=True).close()
    con = sqlite3.connect(p)
    con.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="schema version 99"):
        Store.open(p)


def test_roundtrip_keeps_every_field(tmp_path):
    store = Store.open(tmp_path / "s.db", create=True)
    r = srv("tianhe", "a", status="active", project="p1", region="r1", raw_status="ACTIVE", arch="aarch64",
            os="Kylin V10", system="sys-0001", created="2024-01-01T00:00:00Z", extra={"flavor": "kc1.large", "vcpus": 4})
    sync(store, {"tianhe": [r]})
    assert list(store.resources("server")) == [r]
    assert store.latest_snapshot().counts == {"tianhe": {"server": 1}}


def test_failed_provider_keeps_previous_data_marked_stale(tmp_path):
    store = Store.open(tmp_path / "s.db", create=True)
    sync(store, {"tianhe": [srv("tianhe", "a")], "huawei": [srv("huawei", "h1")]})
    s2 = sync(store, {"tianhe": [srv("tianhe", "b")], "huawei": RuntimeError("HTTP 503 from ecs")})
    ids = sorted((r.provider, r.id) for r in store.resources("server"))
    assert ids == [("huawei", "h1"), ("tianhe", "b")]
    status = {s["provider"]: s for s in store.provider_status()}
    assert status["huawei"]["stale"] is True and "503" in status["huawei"]["error"]
    assert status["tianhe"]["stale"] is False
    assert store.snapshot(s2).status == "partial"


def test_interrupted_provider_is_invisible_and_cleaned_up(tmp_path):
    store = Store.open(tmp_path / "s.db", create=True)
    sync(store, {"tianhe": [srv("tianhe", "a")]})
    snap = store.begin_snapshot()
    w = snap.provider("tianhe")
    w.add([srv("tianhe", "half-1"), srv("tianhe", "half-2")])  # never committed
    assert [r.id for r in store.resources()] == ["a"]
    store.close()
    store = Store.open(tmp_path / "s.db")
    store.begin_snapshot().finish()
    assert [r.id for r in store.resources()] == ["a"]
    assert store.snapshots()[1].status == "interrupted"


def test_sigkill_mid_write_leaves_previous_snapshot_readable(tmp_path):
    db = tmp_path / "s.db"
    store = Store.open(db, create=True)
    sync(store, {"tianhe": [srv("tianhe", "keep")]})
    store.close()
    script = textwrap.dedent(f"""
        import os, signal
        from cloudctl.model import Resource
        from cloudctl.store import Store
        s = Store.open({str(db)!r})
        w = s.begin_snapshot().provider("tianhe")
        for page in range(20):
            w.add(Resource("tianhe", "server", f"n{{page}}-{{i}}") for i in range(500))
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", script], timeout=60)
    assert proc.returncode == -9
    store = Store.open(db)
    assert [r.id for r in store.resources()] == ["keep"]
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_view_as_of_a_snapshot_and_diff(tmp_path):
    store = Store.open(tmp_path / "s.db", create=True)
    s1 = sync(store, {"tianhe": [srv("tianhe", "a", status="active"), srv("tianhe", "b")]})
    s2 = sync(store, {"tianhe": [srv("tianhe", "a", status="stopped"), srv("tianhe", "c")]})
    assert sorted(r.id for r in store.resources(snapshot=s1)) == ["a", "b"]
    changes = {(c.change, c.id): c for c in diff(store, s1, s2)}
    assert set(changes) == {("added", "c"), ("removed", "b"), ("changed", "a")}
    assert changes[("changed", "a")].fields == {"status": ("active", "stopped")}


def test_diff_ignores_a_provider_that_failed_in_the_later_snapshot(tmp_path):
    store = Store.open(tmp_path / "s.db", create=True)
    s1 = sync(store, {"tianhe": [srv("tianhe", "a")], "huawei": [srv("huawei", "h")]})
    s2 = sync(store, {"tianhe": [srv("tianhe", "a")], "huawei": RuntimeError("down")})
    assert diff(store, s1, s2) == []


def test_filters_by_kind_and_provider(tmp_path):
    store = Store.open(tmp_path / "s.db", create=True)
    sync(store, {"tianhe": [srv("tianhe", "a"), Resource("tianhe", "volume", "v")], "huawei": [srv("huawei", "h")]})
    assert [r.id for r in store.resources("volume")] == ["v"]
    assert [r.id for r in store.resources(provider="huawei")] == ["h"]
    with pytest.raises(StoreError):
        list(store.resources(snapshot=99))
