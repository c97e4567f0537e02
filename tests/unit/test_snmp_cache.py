"""Every cache of the SNMP layer is bounded in bytes and evicts (#11): a node choosing endless
distinct OIDs cannot grow the agent's memory through them."""

from __future__ import annotations

import sys

import pytest

from cloudctl.snmp import ber, mib
from cloudctl.snmp.cache import ENTRY_OVERHEAD, ByteBoundedCache


def test_inserting_past_the_budget_evicts_the_oldest_entries():
    c: ByteBoundedCache[str, bytes] = ByteBoundedCache(10 * (100 + ENTRY_OVERHEAD), lambda k, v: len(v))
    for i in range(25):
        c.put(f"k{i}", bytes(100))
        assert c.bytes <= c.max_bytes
    assert len(c) == 10 and c.evictions == 15
    assert c.get("k14") is None and c.get("k15") == bytes(100) and c.get("k24") == bytes(100)


def test_an_entry_larger_than_the_budget_is_not_kept_and_replacing_recharges():
    c: ByteBoundedCache[str, bytes] = ByteBoundedCache(1000, lambda k, v: len(v))
    assert c.put("huge", bytes(5000)) == bytes(5000) and "huge" not in c and c.bytes == 0
    c.put("a", bytes(100))
    c.put("a", bytes(300))
    assert len(c) == 1 and c.bytes == 300 + ENTRY_OVERHEAD
    assert c.pop("a") == bytes(300) and c.bytes == 0 and c.pop("a") is None


def test_the_oid_cache_stays_within_its_bytes_under_endless_distinct_oids():
    """What a hostile node serving ever new OIDs does to the codec's memo: the bound holds, the
    common column OIDs are re-learnt after eviction, long OIDs are never kept."""
    cache = ber.OID_CACHE
    column = ber.encode_oid_content((1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1, 1))
    ber.oid_of(column)
    long = ber.encode_oid_content((1, 3, 6, 1, 4, 1, 99, *range(200, 260)))
    assert len(long) > ber.OID_CACHE_MAX_KEY
    ber.oid_of(long)
    assert long not in cache
    before = cache.evictions
    n = 0
    while cache.evictions - before < 1000:  # until the budget is full and has turned over
        ber.oid_of(ber.encode_oid_content((1, 3, 6, 1, 4, 1, 99, n >> 14, n & 0x3FFF, 7, 7, 7)))
        n += 1
        assert cache.bytes <= cache.max_bytes
    assert n > 20_000
    # the estimate is not off by an order of magnitude from what the entries really hold
    sample = list(cache._data.items())[-100:]  # noqa: SLF001
    real = sum(sys.getsizeof(k) + sys.getsizeof(v) + sys.getsizeof(v[0]) + sys.getsizeof(v[1]) for k, v in sample)
    charged = sum(cache._sizes[k] for k, _ in sample)  # noqa: SLF001
    assert 0.5 < charged / real < 3
    assert ber.oid_of(column) == ("1.3.6.1.2.1.31.1.1.1.1.1", (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1, 1))


@pytest.mark.parametrize("cache", [ber.OID_ENC_CACHE, mib._INDEX_CACHE, mib._GLOBAL_CACHE], ids=["oid-encodings", "inet-indices", "ipv6-global"])  # noqa: SLF001
def test_the_other_memos_are_byte_bounded_caches_too(cache):
    assert isinstance(cache, ByteBoundedCache) and cache.max_bytes <= 8 << 20
