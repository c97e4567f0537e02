"""The store of cloud snapshots: SQLite for one user, PostgreSQL for a team (see ``core.py``).

Public API (others rely on these names)::

    store = Store.open(url_or_path, create=False)     # StoreError with a hint when missing
    store.snapshots() -> list[SnapshotInfo]
    store.latest_snapshot() -> SnapshotInfo | None
    store.snapshot(id) -> SnapshotInfo
    store.resources(kind=None, *, snapshot=None, provider=None) -> Iterator[Resource]
    store.json_objects(kind=None, *, snapshot=None, provider=None) -> Iterator[str]
    store.get(provider, kind, id, *, snapshot=None) -> Resource | None
    store.digests(*, snapshot=None) -> dict
    store.provider_status() -> list[dict]            # provider, last_sync, stale, stale_scopes, error
    store.close()
"""

from cloudctl.store.core import SnapshotInfo, Store, exists
from cloudctl.store.diff import Change, diff, resolve_pair
from cloudctl.store.schema import SCHEMA_VERSION
from cloudctl.store.url import StoreURL, parse as parse_url
from cloudctl.store.writer import ProviderWriter, SnapshotWriter

__all__ = ["SCHEMA_VERSION", "Change", "ProviderWriter", "SnapshotInfo", "SnapshotWriter", "Store", "StoreURL", "diff", "exists", "parse_url",
           "resolve_pair"]
