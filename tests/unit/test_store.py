"""The store's contract, on both backends: a SQLite file and a real PostgreSQL server (tests/pgcluster.py).

Snapshots, atomic per-provider commits, per-scope staleness, one writer per provider with the
holder named, dead runs recovered only when their lock is provably free, change-based storage,
retention, schema upgrades from the store today's main writes, and foreign or damaged stores
refused untouched.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from cloudctl.errors import ExitCode, StoreBusy, StoreError
from cloudctl.model import Resource
from cloudctl.store import Store, diff
from cloudctl.store.retention import Policy, decide, prune

FIXTURE_V1 = Path(__file__).resolve().parents[1] / "fixtures" / "store" / "v1-main.db"


def srv(provider: str, rid: str, **kw) -> Resource:
    return Resource(provider=provider, kind="server", id=rid, name=kw.pop("name", rid), **kw)


def sync(store: Store, data: dict[str, list[Resource] | Exception], stale: dict[str, list[dict]] | None = None) -> int:
    snap = store.begin_snapshot(list(data))
    for prov, items in data.items():
        w = snap.provider(prov)
        if isinstance(items, Exception):
            w.fail(str(items))
        else:
            w.add(items)
            w.commit((stale or {}).get(prov))
    snap.finish()
    return snap.id


def rows(store: Store, **kw) -> list[tuple[str, str]]:
    return sorted((r.provider, r.id) for r in store.resources(**kw))


# -- opening: missing, foreign, damaged, newer -------------------------------------------------------
def test_open_missing_store_is_an_error_with_a_hint(store_url):
    with pytest.raises(StoreError) as exc:
        Store.open(store_url)
    assert "cloudctl sync" in exc.value.hint and exc.value.exit_code == ExitCode.INVALID


@pytest.mark.parametrize("content", [b"", b"this is not sqlite at all" * 100], ids=["empty", "text"])
def test_a_file_that_is_not_a_store_is_refused_untouched(tmp_path, content):
    p = tmp_path / "x.db"
    p.write_bytes(content)
    with pytest.raises(StoreError) as exc:
        Store.open(p, create=True, upgrade=True)
    assert exc.value.exit_code == ExitCode.INVALID
    assert p.read_bytes() == content and sorted(x.name for x in tmp_path.iterdir()) == ["x.db"]


def _foreign_sqlite(path: Path) -> bytes:
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=DELETE")
    con.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)")
    con.execute("INSERT INTO invoices (amount) VALUES (12.5)")
    con.commit()
    con.close()
    return path.read_bytes()


def test_another_applications_sqlite_file_is_never_modified(tmp_path):
    p = tmp_path / "some-other-app.db"
    before = _foreign_sqlite(p)
    for kw in ({}, {"create": True, "upgrade": True}):
        with pytest.raises(StoreError, match="not a cloudctl store"):
            Store.open(p, **kw)
    assert p.read_bytes() == before  # no tables added, journal mode (header bytes 18-19) unchanged
    assert sorted(x.name for x in tmp_path.iterdir()) == ["some-other-app.db"]  # no -wal, -shm, .locks


def test_a_postgresql_database_with_other_tables_is_refused_untouched(postgres):
    db = postgres.createdb()
    postgres.sql(db, "CREATE TABLE invoices (id int PRIMARY KEY, amount numeric)")
    with pytest.raises(StoreError, match="not a cloudctl store"):
        Store.open(postgres.url(db), create=True, upgrade=True)
    tables = {r[0] for r in postgres.sql(db, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")}
    assert tables == {"invoices"}


def _set_meta(store_url: str, sql: str) -> None:
    st = Store.open(store_url)
    with st.tx() as db:
        db.execute(sql)
    st.close()


def test_newer_schema_is_refused(store_url):
    Store.open(store_url, create=True).close()
    _set_meta(store_url, "UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="schema version 99"):
        Store.open(store_url)
    with pytest.raises(StoreError, match="schema version 99"):
        Store.open(store_url, upgrade=True)


@pytest.mark.parametrize("sql, message", [
    ("DELETE FROM meta WHERE key = 'schema_version'", "no schema_version"),
    ("UPDATE meta SET value = 'two' WHERE key = 'schema_version'", "not a number"),
], ids=["missing-version-row", "garbage-version"])
def test_a_damaged_meta_table_is_an_error_not_version_0(store_url, sql, message):
    Store.open(store_url, create=True).close()
    _set_meta(store_url, sql)
    for kw in ({}, {"upgrade": True}):
        with pytest.raises(StoreError, match=message) as exc:
            Store.open(store_url, **kw)
        assert exc.value.exit_code == ExitCode.INVALID


# -- reading and writing ---------------------------------------------------------------------------------
def test_roundtrip_keeps_every_field(store_url):
    store = Store.open(store_url, create=True)
    r = srv("tianhe", "a", status="active", project="p1", region="r1", raw_status="ACTIVE", arch="aarch64",
            os="Kylin V10", system="sys-0001", created="2024-01-01T00:00:00Z", extra={"flavor": "kc1.large", "vcpus": 4, "名": "中文"})
    sync(store, {"tianhe": [r]})
    assert list(store.resources("server")) == [r]
    assert store.latest_snapshot().counts == {"tianhe": {"server": 1}}
    assert store.get("tianhe", "server", "a") == r
    import json

    assert [json.loads(x) for x in store.json_objects("server")] == [r.flat()]


def test_failed_provider_keeps_previous_data_marked_stale(store_url):
    store = Store.open(store_url, create=True)
    sync(store, {"tianhe": [srv("tianhe", "a")], "huawei": [srv("huawei", "h1")]})
    s2 = sync(store, {"tianhe": [srv("tianhe", "b")], "huawei": RuntimeError("HTTP 503 from ecs")})
    assert rows(store) == [("huawei", "h1"), ("tianhe", "b")]
    status = {s["provider"]: s for s in store.provider_status()}
    assert status["huawei"]["stale"] is True and "503" in status["huawei"]["error"]
    assert status["tianhe"]["stale"] is False
    assert store.snapshot(s2).status == "partial"


def test_a_stale_project_keeps_its_previous_rows_and_the_rest_commits(store_url):
    store = Store.open(store_url, create=True)
    quota = lambda pid, used, project: Resource("huawei", "quota", pid, project, project=project, extra={"vcpus_used": used})  # noqa: E731
    sync(store, {"huawei": [quota("p1", 1, "czj"), quota("p2", 2, "gaj"), srv("huawei", "s1", project="czj")]})
    s2 = sync(store, {"huawei": [quota("p2", 5, "gaj"), srv("huawei", "s2", project="czj")]},
              stale={"huawei": [{"kind": "quota", "project": "czj", "error": "ECS limits: HTTP 500"}]})
    quotas = {r.id: r.extra["vcpus_used"] for r in store.resources("quota")}
    assert quotas == {"p1": 1, "p2": 5}  # czj's quota from before (stale), gaj's new
    assert [r.id for r in store.resources("server")] == ["s2"]  # servers were not stale: s1 is gone
    info = store.snapshot(s2)
    assert info.providers == {"huawei": "partial"} and info.stale["huawei"][0]["project"] == "czj"
    status = store.provider_status()[0]
    assert status["stale"] and status["stale_scopes"] == [{"kind": "quota", "project": "czj", "error": "ECS limits: HTTP 500"}]


def test_view_as_of_a_snapshot_and_diff(store_url):
    store = Store.open(store_url, create=True)
    s1 = sync(store, {"tianhe": [srv("tianhe", "a", status="active"), srv("tianhe", "b")]})
    s2 = sync(store, {"tianhe": [srv("tianhe", "a", status="stopped"), srv("tianhe", "c")]})
    assert [i for _, i in rows(store, snapshot=s1)] == ["a", "b"]
    changes = {(c.change, c.id): c for c in diff(store, s1, s2)}
    assert set(changes) == {("added", "c"), ("removed", "b"), ("changed", "a")}
    assert changes[("changed", "a")].fields == {"status": ("active", "stopped")}


def test_diff_ignores_a_provider_that_failed_in_the_later_snapshot(store_url):
    store = Store.open(store_url, create=True)
    s1 = sync(store, {"tianhe": [srv("tianhe", "a")], "huawei": [srv("huawei", "h")]})
    s2 = sync(store, {"tianhe": [srv("tianhe", "a")], "huawei": RuntimeError("down")})
    assert diff(store, s1, s2) == []


def test_filters_by_kind_and_provider_and_ids_sort_bytewise(store_url):
    store = Store.open(store_url, create=True)
    sync(store, {"tianhe": [srv("tianhe", "b"), srv("tianhe", "B"), srv("tianhe", "a-1"), Resource("tianhe", "volume", "v")],
                 "huawei": [srv("huawei", "h")]})
    assert [r.id for r in store.resources("volume")] == ["v"]
    assert [r.id for r in store.resources(provider="huawei")] == ["h"]
    assert [r.id for r in store.resources("server", provider="tianhe")] == ["B", "a-1", "b"]  # same order on both backends
    with pytest.raises(StoreError):
        list(store.resources(snapshot=99))


def test_unchanged_resources_are_stored_once(store_url):
    """30 syncs with 1 % change store one version per resource plus one per change."""
    store = Store.open(store_url, create=True)
    for run in range(30):  # each run stops 5 more of the 500 servers
        sync(store, {"tianhe": [srv("tianhe", f"s{i:04d}", status="stopped" if i < 5 * run else "active") for i in range(500)]})
    with store.tx() as db:
        versions = db.execute("SELECT count(*) FROM resources").fetchone()[0]
    assert versions == 500 + 29 * 5
    now = list(store.resources())
    assert len(now) == 500 and sum(r.status == "stopped" for r in now) == 145


# -- one writer per provider -------------------------------------------------------------------------------
def test_a_second_writer_of_the_same_provider_is_refused_naming_the_holder(store_url):
    first, second = Store.open(store_url, create=True), Store.open(store_url)
    snap = first.begin_snapshot(["tianhe"])
    with pytest.raises(StoreBusy) as exc:
        second.begin_snapshot(["tianhe"])
    assert exc.value.exit_code == ExitCode.PROBLEMS
    text = str(exc.value)
    assert "tianhe" in text and socket.gethostname() in text and str(os.getpid()) in text and "since 20" in text
    other = second.begin_snapshot(["huawei"])  # disjoint providers write together
    w = other.provider("huawei")
    w.add([srv("huawei", "h")])
    w.commit()
    other.finish()
    w = snap.provider("tianhe")
    w.add([srv("tianhe", "t")])
    w.commit()
    snap.finish()
    assert rows(second) == [("huawei", "h"), ("tianhe", "t")]


def test_wait_queues_behind_the_holder(store_url):
    first, second = Store.open(store_url, create=True), Store.open(store_url)
    snap = first.begin_snapshot(["tianhe"])
    threading.Timer(0.5, snap.finish).start()
    later = second.begin_snapshot(["tianhe"], wait=20)
    assert later.id > snap.id
    later.finish()


_HOLDER = textwrap.dedent("""
    import sys, time
    from cloudctl.model import Resource
    from cloudctl.store import Store
    s = Store.open(sys.argv[1])
    snap = s.begin_snapshot(["tianhe"])
    w = snap.provider("tianhe")
    for page in range(5):
        w.add(Resource("tianhe", "server", f"n{page}-{i}") for i in range(200))
    snap.flush()
    print("writing", flush=True)
    time.sleep(120)
""")


def test_a_live_run_is_never_taken_for_dead_and_a_killed_one_is_recovered(store_url):
    store = Store.open(store_url, create=True)
    sync(store, {"tianhe": [srv("tianhe", "keep")]})
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, store_url], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "writing"
        with store.tx() as db:  # it really is mid-write: its rows are in, not yet visible
            assert db.execute("SELECT count(*) FROM resources WHERE valid_from > 1").fetchone()[0] == 1000
        with pytest.raises(StoreBusy):
            store.begin_snapshot(["tianhe"])
        assert store.snapshots()[-1].providers == {"tianhe": "running"}  # not marked interrupted
        assert rows(store) == [("tianhe", "keep")]
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
    snap = store.begin_snapshot(["tianhe"], wait=10)  # the lock died with the process: provably free
    snap.finish()
    runs = store.snapshots()
    assert runs[1].providers == {"tianhe": "failed"} and runs[1].status == "interrupted" and runs[1].errors["tianhe"] == "interrupted"
    assert rows(store) == [("tianhe", "keep")]
    with store.tx() as db:
        assert db.execute("SELECT count(*) FROM resources").fetchone()[0] == 1  # the dead run's rows are gone


# -- retention ---------------------------------------------------------------------------------------------
def test_prune_keeps_what_the_rules_say_and_diff_works_across_the_gap(store_url):
    store = Store.open(store_url, create=True)
    ids = []
    for run in range(8):
        items = [srv("tianhe", f"s{i}", status="stopped" if i < run else "active") for i in range(10)] + [srv("tianhe", f"new{run}")]
        ids.append(sync(store, {"tianhe": items, "huawei": [srv("huawei", "h", name=f"h{min(run, 3)}")] if run < 6 else RuntimeError("down")}))
    before = {s: rows(store, snapshot=s) for s in ids}
    across = [(c.change, c.id, c.fields) for c in diff(store, ids[5], ids[7])]
    decision = prune(store, Policy(keep_last=2))
    kept = [s.id for s in store.snapshots()]
    assert decision.remove == ids[:5] and kept == ids[5:] and "current:huawei" in decision.reasons[ids[5]]
    for s in kept:
        assert rows(store, snapshot=s) == before[s]
    assert [r.name for r in store.resources(provider="huawei")] == ["h3"]
    with pytest.raises(StoreError, match="no snapshot"):
        list(store.resources(snapshot=ids[1]))
    assert [(c.change, c.id, c.fields) for c in diff(store, ids[5], ids[7])] == across and across


def test_prune_policy_daily_and_monthly_buckets():
    from cloudctl.store.core import SnapshotInfo

    snaps = [SnapshotInfo(i, f"2026-{m:02d}-{d:02d}T0{h}:00:00Z", "x", "complete", {"p": "ok"})
             for i, (m, d, h) in enumerate([(9, 1, 1), (10, 1, 1), (10, 2, 1), (10, 2, 2), (11, 5, 1), (11, 6, 1)], 1)]
    assert decide(snaps, Policy(keep_daily=2)).keep == [5, 6]
    assert decide(snaps, Policy(keep_daily=3)).keep == [4, 5, 6]
    assert decide(snaps, Policy(keep_monthly=3)).keep == [1, 4, 6]
    with pytest.raises(Exception, match="retention rule"):
        decide(snaps, Policy())


# -- upgrades ----------------------------------------------------------------------------------------------
def _v1_view(path: Path) -> dict[int, list[tuple]]:
    """What schema 1 showed as of each snapshot: per provider, the latest ok run at or before it."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    out = {}
    for (sid,) in con.execute("SELECT id FROM snapshots"):
        view = con.execute("SELECT provider, max(snapshot) FROM provider_runs WHERE status='ok' AND snapshot <= ? GROUP BY provider", (sid,)).fetchall()
        out[sid] = sorted(r for p, s in view for r in con.execute(
            "SELECT provider, kind, id, name, status, extra FROM resources WHERE snapshot=? AND provider=?", (s, p)))
    con.close()
    return out


def test_upgrade_from_the_store_main_writes(tmp_path, cli):
    db = tmp_path / "store.db"
    shutil.copy(FIXTURE_V1, db)
    expected = _v1_view(db)
    code, out, err = cli("--lang", "en", "store", "upgrade", "--dry-run", "--store", db, "-o", "json")
    assert code == 0 and '"from": 1' in out and '"to": 2' in out and "nothing changed" in err
    assert db.read_bytes() == FIXTURE_V1.read_bytes()
    with pytest.raises(StoreError, match="needs upgrading"):  # readers do not upgrade
        Store.open(db)
    code, out, err = cli("--lang", "en", "store", "upgrade", "--store", db)
    assert code == 0, err
    backups = list(tmp_path.glob("store.db.v1-*.bak"))
    assert len(backups) == 1 and _v1_view(backups[0]) == expected
    store = Store.open(db)
    for sid, want in expected.items():
        if sid == 4:
            continue  # the interrupted run: its rows were never visible
        got = sorted((r.provider, r.kind, r.id, r.name, r.status, __import__("json").dumps(r.extra, ensure_ascii=False, separators=(",", ":")))
                     for r in store.resources(snapshot=sid))
        assert got == want, sid
    assert store.snapshots()[3].status == "interrupted"
    assert cli("--lang", "en", "store", "upgrade", "--store", db)[2].strip().endswith("(schema version 2)")


def test_postgresql_upgrades_in_one_transaction(postgres):
    from cloudctl.store import schema

    url = postgres.url(postgres.createdb())
    con_db = url.split("/")[3].split("?")[0]
    for statement in schema.MIGRATIONS[0].statements:  # a store at schema 1, with a v1 snapshot
        postgres.sql(con_db, schema.render(statement, "postgresql"))
    postgres.sql(con_db, "INSERT INTO meta VALUES ('schema_version', '1')")
    postgres.sql(con_db, "INSERT INTO snapshots (started, finished, status) VALUES ('2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z', 'complete')")
    postgres.sql(con_db, "INSERT INTO provider_runs (snapshot, provider, status, started) VALUES (1, 'tianhe', 'ok', 'x')")
    postgres.sql(con_db, "INSERT INTO resources VALUES (1, 'tianhe', 'server', 'a', 'vm-a', 'active', 'p', 'r', 'ACTIVE', NULL, NULL, NULL, NULL, '{}', 'd1')")
    # a concurrent reader holding a lock on the old table makes the upgrade wait, then fail: nothing half-done
    blocker = postgres.connect(con_db)
    blocker.execute("BEGIN")
    blocker.execute("LOCK TABLE resources IN ACCESS SHARE MODE")
    with pytest.raises(StoreBusy):
        Store.open(url, upgrade=True)
    blocker.close()
    assert postgres.sql(con_db, "SELECT value FROM meta WHERE key='schema_version'") == [("1",)]
    assert {r[0] for r in postgres.sql(con_db, "SELECT table_name FROM information_schema.tables WHERE table_schema='public'")} == \
        {"meta", "snapshots", "provider_runs", "resources"}
    store = Store.open(url, upgrade=True)
    assert [r.name for r in store.resources()] == ["vm-a"] and store.version() == 2


# -- environment faults --------------------------------------------------------------------------------------
def test_postgresql_unreachable_and_wrong_password_are_clear_and_keep_the_secret(postgres, monkeypatch):
    with pytest.raises(StoreError) as exc:
        Store.open(f"postgresql://postgres@127.0.0.1:{_closed_port()}/x?connect_timeout=3")
    assert exc.value.exit_code == ExitCode.PROBLEMS and "cannot reach the database" in str(exc.value)
    planted = "Wrong-Planted-Secret-91a7"
    monkeypatch.setenv("CLOUDCTL_TEST_PGPASS", planted)
    db = postgres.createdb(owner="secretive")
    with pytest.raises(StoreError) as exc:
        Store.open(postgres.url(db, user="secretive", password="env:CLOUDCTL_TEST_PGPASS"), create=True)
    assert exc.value.exit_code == ExitCode.INVALID and "authentication failed" in str(exc.value)
    assert planted not in str(exc.value) + exc.value.hint and planted not in repr(exc.value.__cause__) + repr(exc.value.__context__)
    monkeypatch.setenv("CLOUDCTL_TEST_PGPASS", "Planted-PG-Password-7c1d")
    store = Store.open(postgres.url(db, user="secretive", password="env:CLOUDCTL_TEST_PGPASS"), create=True)
    sync(store, {"tianhe": [srv("tianhe", "a")]})
    assert "Planted-PG-Password-7c1d" not in str(store.url) and rows(store) == [("tianhe", "a")]


def test_sslmode_reaches_the_server(postgres, monkeypatch):
    monkeypatch.setenv("CLOUDCTL_TEST_PGPASS", "Planted-PG-Password-7c1d")
    db = postgres.createdb(owner="secretive")
    url = postgres.tcp_url(db, "secretive", password="env:CLOUDCTL_TEST_PGPASS", sslmode="require")
    with pytest.raises(StoreError) as exc:  # the test server has no TLS: require must refuse to go on in the clear
        Store.open(url, create=True)
    assert "SSL" in str(exc.value) and exc.value.exit_code == ExitCode.PROBLEMS
    Store.open(url.replace("sslmode=require", "sslmode=disable"), create=True).close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_json_objects_are_exactly_pythons_encoding_of_every_resource(store_url):
    """`ls -o json` text comes from the database; it must be what json.dumps would write."""
    import json

    tricky = ['quote " and backslash \\', "new\nline\ttab\rcr\x01\x1f\x7f", "中文 吕梁政务云", "emoji 🙂 \u2028", "", "/slash/"]
    items = [srv("tianhe", f"s{i}", status=t, project=t, os=None, system=t or None, extra={"note": t, "n": i, "f": 1.5, "l": [t, None], "d": {"k": t}})
             for i, t in enumerate(tricky)] + [srv("tianhe", "bare")]
    store = Store.open(store_url, create=True)
    sync(store, {"tianhe": items})
    enc = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    assert list(store.json_objects("server")) == [enc(r.flat()) for r in store.resources("server")]


def test_row_encoding_and_digest_are_those_of_earlier_releases():
    """Stores written before keep comparing equal: a faster row_of must give the same text and digest.

    The expected row was made by row_of as it was before its encoder dropped check_circular.
    """
    from cloudctl.store.versions import row_of

    r = Resource("tianhe", "server", "b9651dc5", "虚拟机-01", "active", "财政局", "RegionOne", "ACTIVE", "aarch64", "Kylin V10", None,
                 "2024-05-11T13:23:02Z", extra={"flavor": {"vcpus": 4, "ram": 8192, "extra_specs": {"capabilities:cpu_arch": "aarch64"}},
                                                "addresses": [["10.0.0.5", 4.5, None, True]], "tags": {"system-id": "S-01"}, "name": "shadowed"})
    assert row_of(r) == (
        "tianhe", "server", "b9651dc5", "虚拟机-01", "active", "财政局", "RegionOne", "ACTIVE", "aarch64", "Kylin V10", None, "2024-05-11T13:23:02Z",
        '{"flavor":{"vcpus":4,"ram":8192,"extra_specs":{"capabilities:cpu_arch":"aarch64"}},"addresses":[["10.0.0.5",4.5,null,true]],'
        '"tags":{"system-id":"S-01"}}',
        "a27f43971230f58f48dfa154",
    )


def test_a_writing_connection_has_the_larger_page_cache_and_a_reader_the_default(tmp_path):
    from cloudctl.store import sqlite_db
    from cloudctl.store.url import StoreURL

    Store.open(tmp_path / "s.db", create=True).close()
    w = sqlite_db.SQLiteDB(StoreURL("sqlite", tmp_path / "s.db"), writer=True)
    r = sqlite_db.SQLiteDB(StoreURL("sqlite", tmp_path / "s.db"))
    assert w.conn.execute("PRAGMA cache_size").fetchone()[0] == -sqlite_db.WRITER_CACHE_KIB
    assert r.conn.execute("PRAGMA cache_size").fetchone()[0] == -2000
    w.conn.close()
    r.conn.close()
