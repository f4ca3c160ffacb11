"""DistributedSampler: each rank's share of a data set, with torch's shuffling, padding and order.

Shuffling draws the same permutation as torch's ``DistributedSampler`` for the same ``seed`` and
epoch, so a run can be replayed shard for shard in torch. That permutation is
``torch.randperm(n, generator=torch.Generator().manual_seed(seed + epoch))``: a forward
Fisher-Yates shuffle whose i-th swap partner is ``i + r_i % (n - i)``, ``r_i`` the i-th 32-bit
output of MT19937 seeded by the low 32 bits of the seed. numpy produces that MT19937 stream
(``RandomState`` seeds it the same way) and its draws are taken in one call; the swaps depend on
each other, so they run as one loop over the indices (about 35 ms for 60,000), once per epoch.
minitorch's own generator (PCG64) is not involved: like torch's sampler, this one depends only on
``seed`` and the epoch, never on ``manual_seed``. Above n = 2**32 / 20 torch switches to another
algorithm; there this sampler falls back to a seeded PCG64 permutation (not torch's order).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sized
from typing import Any

import numpy as np

from ... import distributed as dist
from .sampler import Sampler

_TORCH_SMALL_N = (2**32 - 1) // 20  # torch's randperm keeps the Fisher-Yates shuffle below this size


def torch_randperm(n: int, seed: int) -> list:
    """torch.randperm(n) on a CPU generator seeded with ``seed``, as a list of ints."""
    seed32 = int(seed) % 2**32  # torch seeds MT19937 with the low 32 bits (negative seeds wrap as uint64)
    if n >= _TORCH_SMALL_N:
        return np.random.Generator(np.random.PCG64(seed32)).permutation(n).tolist()
    state: Any = np.random.RandomState(seed32).get_state(legacy=False)  # MT19937's state dict (stubs: a plain dict)
    stream = np.random.MT19937()
    stream.state = state
    draws = stream.random_raw(max(n - 1, 0)).astype(np.int64)
    partner = (draws % np.arange(n, 1, -1, dtype=np.int64) + np.arange(n - 1, dtype=np.int64)).tolist()
    order = list(range(n))
    for i, j in enumerate(partner):
        order[i], order[j] = order[j], order[i]
    return order


class DistributedSampler(Sampler):
    """The indices of one rank's shard: every ``num_replicas``-th index from ``rank`` on, of a list that is
    shuffled (by ``seed + epoch``) and padded with its own first indices (or cut, ``drop_last``) to a
    multiple of ``num_replicas``, as torch's sampler.

    Args:
        dataset: the data set to sample from (only its length is used).
        num_replicas: the number of ranks (default: the default process group's world size).
        rank: this rank (default: the default process group's rank).
        shuffle: shuffle the indices, differently in each epoch (see ``set_epoch``).
        seed: the shuffle's seed; must be the same on every rank.
        drop_last: cut the tail so the shards divide the data evenly, instead of padding.
    """

    def __init__(
        self,
        dataset: Sized,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        if num_replicas is None:
            num_replicas = dist.get_world_size()
        if rank is None:
            rank = dist.get_rank()
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        indices = torch_randperm(n, self.seed + self.epoch) if self.shuffle else list(range(n))
        if self.drop_last:
            indices = indices[: self.total_size]
        else:
            short = self.total_size - len(indices)
            indices += (indices * math.ceil(short / len(indices)))[:short] if short > 0 else []
        return iter(indices[self.rank : self.total_size : self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use ``epoch`` in the next shuffle (call it before each epoch's iteration, on every rank).

        Args:
            epoch: the epoch number.
        """
        self.epoch = epoch
