"""A cache bounded in bytes, for everything the SNMP layer memoises (#11).

Counting entries does not bound memory when a hostile node chooses the keys: 200,000 OIDs of
a few bytes and 200,000 of 128 sub-identifiers differ by two orders of magnitude. Each entry is
charged an estimate of what it holds (``size``); inserting past ``max_bytes`` evicts the oldest
entries first (FIFO: a lookup does not reorder, so hits stay as cheap as a dict lookup — the
common OIDs of a sweep are re-inserted within one sweep if they ever fall out).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

# What a small Python object costs besides its payload (dict slot, object header, tuple, int).
ENTRY_OVERHEAD = 120


class ByteBoundedCache(Generic[K, V]):
    """``get`` / ``put`` with a byte budget and oldest-first eviction."""

    __slots__ = ("_data", "_sizes", "max_bytes", "bytes", "evictions", "_size", "lookup")

    def __init__(self, max_bytes: int, size: Callable[[K, V], int]) -> None:
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        self._data: OrderedDict[K, V] = OrderedDict()
        self._sizes: dict[K, int] = {}
        self.max_bytes = max_bytes
        self.bytes = 0  # the estimate of what the entries hold now
        self.evictions = 0
        self._size = size
        self.lookup = self._data.get  # the C-level getter, for hot paths that cannot afford a method call

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def get(self, key: K) -> V | None:
        return self._data.get(key)

    def put(self, key: K, value: V) -> V:
        """Insert (or replace) ``key``; an entry larger than the whole budget is not kept."""
        cost = self._size(key, value) + ENTRY_OVERHEAD
        old = self._sizes.pop(key, None)
        if old is not None:
            del self._data[key]
            self.bytes -= old
        if cost > self.max_bytes:
            return value
        data, sizes = self._data, self._sizes
        while self.bytes + cost > self.max_bytes and data:
            k, _ = data.popitem(last=False)
            self.bytes -= sizes.pop(k)
            self.evictions += 1
        data[key] = value
        sizes[key] = cost
        self.bytes += cost
        return value

    def pop(self, key: K) -> V | None:
        cost = self._sizes.pop(key, None)
        if cost is None:
            return None
        self.bytes -= cost
        return self._data.pop(key)

    def clear(self) -> None:
        self._data.clear()
        self._sizes.clear()
        self.bytes = 0
