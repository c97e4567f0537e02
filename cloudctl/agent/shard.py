"""Which agent polls which node: rendezvous (highest-random-weight) hashing on the node id.

Each node goes to the shard with the highest ``hash(shard, node id)``. Every agent computes the
same answer on its own (no coordination), shards never overlap and together cover the fleet,
and going from n to n+1 shards moves only the ~1/(n+1) of nodes the new shard wins.
"""

from __future__ import annotations

import hashlib

from cloudctl.agent.config import Shard


def _weight(shard_index: int, key: str) -> int:
    digest = hashlib.blake2b(f"{shard_index}\x00{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def owner(key: str, count: int) -> int:
    """The 1-based shard (out of ``count``) that owns ``key``."""
    if count <= 1:
        return 1
    return max(range(1, count + 1), key=lambda i: _weight(i, key))


def mine(key: str, shard: Shard) -> bool:
    return owner(key, shard.count) == shard.index
