"""Helpers shared by the policy and migration tests (a real SQLite store, inventory copies)."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from cloudctl.model import Resource
from tests.conftest import ROOT

POLICIES = ROOT / "policies"
FIXTURES = ROOT / "tests" / "fixtures"


def make_store(path: Path, servers: list[dict]):  # noqa: ANN201 - cloudctl.store.Store
    """A real store at ``path`` holding one snapshot with ``servers`` (dicts of Resource fields)."""
    from cloudctl.store import Store

    store = Store.open(path, create=True)
    snap = store.begin_snapshot()
    by_provider: dict[str, list[Resource]] = {}
    for s in servers:
        by_provider.setdefault(s["provider"], []).append(Resource(kind="server", **s))
    for provider, items in by_provider.items():
        w = snap.provider(provider)
        w.add(items)
        w.commit()
    snap.finish()
    return store


def make_dated_store(path: Path, snapshots: list[tuple[str, list[dict] | None]], providers: tuple[str, ...] = ("huawei", "tianhe", "xinchuang")):  # noqa: ANN201
    """A real store with one snapshot per ``(ISO time, servers)``, oldest first; ``None`` for a sync in
    which every provider failed. Returns the closed store's path.

    A sync stamps its snapshot with the time it ran, and the store has no way to date one
    otherwise, so the snapshot rows are moved to the given time afterwards (their ``started`` and
    ``finished`` only; the resources are written by the store's own API).
    """
    import sqlite3

    from cloudctl.store import Store

    store = Store.open(path, create=True)
    ids = []
    for _, servers in snapshots:
        snap = store.begin_snapshot()
        for provider in providers:
            w = snap.provider(provider)
            if servers is None:
                w.fail("HTTP 503")
                continue
            w.add([Resource(kind="server", **s) for s in servers if s["provider"] == provider])
            w.commit()
        ids.append(snap.finish().id)
    store.close()
    with sqlite3.connect(path) as db:
        for sid, (when, _) in zip(ids, snapshots):
            db.execute("UPDATE snapshots SET started=?, finished=? WHERE id=?", (when, when, sid))
    return path


def store_from_fixture(repo: Path, tmp_path: Path):  # noqa: ANN201
    """The fixture's ``servers.yaml`` as a real store, or None when the fixture has none."""
    f = repo / "servers.yaml"
    if not f.exists():
        return None
    return make_store(tmp_path / "store.db", yaml.safe_load(f.read_text(encoding="utf-8"))["servers"])


def copy_repo(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def edit_yaml(path: Path, edit) -> None:  # noqa: ANN001
    """Load, change (``edit(data)``), write back a YAML file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_make_store_round_trips_servers(tmp_path: Path) -> None:
    store = make_store(tmp_path / "s.db", [{"provider": "huawei", "id": "vm-1", "system": "sys-0001", "status": "active"}])
    try:
        [r] = list(store.resources(kind="server"))
        assert (r.provider, r.id, r.system) == ("huawei", "vm-1", "sys-0001")
    finally:
        store.close()
