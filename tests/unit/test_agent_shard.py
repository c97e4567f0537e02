"""Rendezvous sharding: fixed assignments every agent computes alike, balanced, and adding a shard moves few nodes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from cloudctl.agent.config import Shard
from cloudctl.agent.shard import mine, owner

NODES = [f"county{c:02d}-village-{i:04d}" for c in range(13) for i in range(400)]  # 5,200 ids

# The assignments agents in the field compute. Agents of different versions (a rolling upgrade)
# and on different hosts must agree on them without talking to each other, so changing the hash
# would reshuffle a deployed fleet: a change here is a breaking change, not a test to update.
#                 node id                     shard of 2, 3, 5, 8
FIXED = {
    "lishi-core-01": (2, 2, 4, 4),
    "lishi-core-02": (1, 3, 4, 4),
    "xiaoyi-core-01": (1, 1, 5, 5),
    "linxian-t03-agg-01": (1, 1, 5, 5),
    "lishi-xinyi-v001-acc-01": (2, 2, 2, 2),
    "fangshan-v0042-acc-01": (1, 1, 4, 8),
}
COUNTS = (2, 3, 5, 8)
# How the 5,200 ids above fall into 4 and 7 shards.
PER_SHARD = {4: [1296, 1345, 1264, 1295], 7: [740, 783, 731, 742, 693, 782, 729]}


@pytest.mark.parametrize("node", sorted(FIXED))
def test_fixed_assignments(node):
    assert tuple(owner(node, n) for n in COUNTS) == FIXED[node]
    assert owner(node, 1) == 1
    for n, expected in zip(COUNTS, FIXED[node]):
        assert [mine(node, Shard(i, n)) for i in range(1, n + 1)] == [i == expected for i in range(1, n + 1)]


@pytest.mark.parametrize("n", sorted(PER_SHARD))
def test_every_node_has_one_owner_in_range_and_the_split_is_fixed(n):
    counts = [0] * (n + 2)
    for k in NODES:
        counts[owner(k, n)] += 1
    assert counts[0] == counts[n + 1] == 0  # owners are 1..n
    assert counts[1 : n + 1] == PER_SHARD[n]


def test_shards_are_balanced():
    for n, counts in PER_SHARD.items():
        assert min(counts) > 0.85 * len(NODES) / n


def test_adding_a_shard_moves_only_the_nodes_the_new_shard_takes():
    for n in (2, 3, 5):
        before = {k: owner(k, n) for k in NODES}
        after = {k: owner(k, n + 1) for k in NODES}
        moved = [k for k in NODES if before[k] != after[k]]
        assert moved and all(after[k] == n + 1 for k in moved)  # nobody shuffles between old shards
        assert 0.7 * len(NODES) / (n + 1) < len(moved) < 1.3 * len(NODES) / (n + 1)  # ~1/(n+1), not ~all as with modulo


def test_assignment_is_the_same_in_processes_with_different_hash_seeds():
    # blake2b, not Python's salted hash(): the same answer on every agent and every run
    code = ("import json, sys; from cloudctl.agent.shard import owner; "
            "print(json.dumps([owner(k, 5) for k in json.load(sys.stdin)]))")
    here = [owner(k, 5) for k in NODES]
    for seed in ("0", "4242"):
        out = subprocess.run([sys.executable, "-c", code], input=json.dumps(NODES), capture_output=True, text=True,
                             env={**os.environ, "PYTHONHASHSEED": seed}, timeout=60, check=True).stdout
        assert json.loads(out) == here, f"PYTHONHASHSEED={seed} assigns differently"
