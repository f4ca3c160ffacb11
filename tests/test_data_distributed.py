"""DistributedSampler against torch's: the same shards, padding and order for every rank, seed and epoch."""

from __future__ import annotations

import itertools

import pytest
import torch
from torch.utils.data.distributed import DistributedSampler as TorchSampler

import minitorch
from minitorch.utils.data import DataLoader, TensorDataset
from minitorch.utils.data.distributed import DistributedSampler, torch_randperm


@pytest.mark.parametrize("n", [0, 1, 5, 11, 64, 97])
@pytest.mark.parametrize("shuffle, drop_last", [(True, False), (True, True), (False, False), (False, True)])
def test_shards_match_torch(n, shuffle, drop_last):
    data = list(range(n))
    for replicas, seed in itertools.product([1, 2, 3, 4], [0, 7, 2**33 + 5]):
        for rank in range(replicas):
            ours = DistributedSampler(
                data, num_replicas=replicas, rank=rank, shuffle=shuffle, seed=seed, drop_last=drop_last
            )
            theirs = TorchSampler(
                data, num_replicas=replicas, rank=rank, shuffle=shuffle, seed=seed, drop_last=drop_last
            )
            for epoch in range(3):
                ours.set_epoch(epoch)
                theirs.set_epoch(epoch)
                assert list(ours) == list(theirs), (replicas, rank, seed, epoch)
                assert len(ours) == len(theirs) and ours.total_size == theirs.total_size


@pytest.mark.parametrize("n, seed", [(2, 1), (60000, 3), (1000, -7), (1000, 2**63 - 1)])
def test_permutation_is_torch_randperm(n, seed):
    assert torch_randperm(n, seed) == torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()


@pytest.mark.parametrize("n, replicas", [(12, 3), (13, 3), (5, 4), (100, 2)])
def test_shards_partition_the_data_set_every_epoch(n, replicas):
    for drop_last in (False, True):
        samplers = [
            DistributedSampler(range(n), num_replicas=replicas, rank=r, seed=5, drop_last=drop_last)
            for r in range(replicas)
        ]
        orders = set()
        for epoch in range(4):
            shards = []
            for s in samplers:
                s.set_epoch(epoch)
                shards.append(list(s))
            assert len({len(s) for s in shards}) == 1  # equal shards, as DDP's lockstep needs
            flat = [i for s in shards for i in s]
            if drop_last:  # disjoint, all but fewer than `replicas` items
                assert len(set(flat)) == len(flat) and n - len(flat) < replicas
            else:  # every item, the padding repeating the first few
                assert set(flat) == set(range(n)) and len(flat) - n < replicas
            orders.add(tuple(flat))
        assert len(orders) == 4  # each epoch shuffles differently


def test_without_shuffle_the_shards_interleave():
    assert [list(DistributedSampler(range(7), 3, r, shuffle=False)) for r in range(3)] == [
        [0, 3, 6],
        [1, 4, 0],
        [2, 5, 1],
    ]


def test_errors_match_torch():
    for rank in (2, -1):
        with pytest.raises(ValueError, match=rf"Invalid rank {rank}, rank should be in the interval \[0, 1\]"):
            DistributedSampler(range(4), num_replicas=2, rank=rank)
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedSampler(range(4))
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        TorchSampler(range(4))


def test_feeds_a_data_loader():
    data = TensorDataset(minitorch.arange(10))
    sampler = DistributedSampler(data, num_replicas=2, rank=1, seed=0)
    loader = DataLoader(data, batch_size=2, sampler=sampler)
    got = [b[0].tolist() for b in loader]
    assert [i for b in got for i in b] == list(sampler) and len(got) == 3
