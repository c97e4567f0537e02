"""The local SQLite store of cloud snapshots (see ``sqlite.py`` for the atomicity design).

Public API (others rely on these names)::

    store = Store.open(path, create=False)          # StoreError with a hint when missing
    store.snapshots() -> list[SnapshotInfo]
    store.latest_snapshot() -> SnapshotInfo | None
    store.resources(kind=None, *, snapshot=None, provider=None) -> Iterator[Resource]
    store.provider_status() -> list[dict]            # provider, last_sync, stale, error
    store.close()
"""

from cloudctl.store.diff import Change, diff, resolve_pair
from cloudctl.store.sqlite import SCHEMA_VERSION, ProviderWriter, SnapshotInfo, SnapshotWriter, Store

__all__ = ["SCHEMA_VERSION", "Change", "ProviderWriter", "SnapshotInfo", "SnapshotWriter", "Store", "diff", "resolve_pair"]
