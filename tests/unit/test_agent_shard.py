"""Rendezvous sharding: shards never overlap, cover the fleet, are balanced, and adding one moves few nodes."""

from __future__ import annotations

from cloudctl.agent.config import Shard
from cloudctl.agent.shard import mine, owner

NODES = [f"county{c:02d}-village-{i:04d}" for c in range(13) for i in range(400)]  # 5,200 ids


def test_shards_do_not_overlap_and_cover_every_node():
    for n in (1, 2, 3, 7):
        counts = [sum(mine(k, Shard(i, n)) for k in NODES) for i in range(1, n + 1)]
        assert sum(counts) == len(NODES)  # every node exactly once: owner() is a function
        for k in NODES[:200]:
            assert sum(mine(k, Shard(i, n)) for i in range(1, n + 1)) == 1


def test_shards_are_balanced():
    n = 4
    counts = [sum(owner(k, n) == i for k in NODES) for i in range(1, n + 1)]
    assert min(counts) > 0.85 * len(NODES) / n


def test_adding_a_shard_moves_only_the_nodes_the_new_shard_takes():
    for n in (2, 3, 5):
        before = {k: owner(k, n) for k in NODES}
        after = {k: owner(k, n + 1) for k in NODES}
        moved = [k for k in NODES if before[k] != after[k]]
        assert all(after[k] == n + 1 for k in moved)  # nobody shuffles between old shards
        assert len(moved) < 1.3 * len(NODES) / (n + 1)  # ~1/(n+1), not ~all as with modulo


def test_assignment_is_stable_across_processes():
    # blake2b, not Python's salted hash(): the same answer on every agent and every run
    assert [owner(k, 5) for k in ("lishi-core-01", "xingxian-v-0001", "a")] == [owner(k, 5) for k in ("lishi-core-01", "xingxian-v-0001", "a")]
    import subprocess, sys  # noqa: E401

    code = "from cloudctl.agent.shard import owner; print(owner('lishi-core-01', 5), owner('a', 5))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONHASHSEED": "123"}, timeout=30).stdout
    assert out.split() == [str(owner("lishi-core-01", 5)), str(owner("a", 5))]
