"""DistributedDataParallel's parts that need no MPI job: torch's bucket assignment, and its errors.

The data-parallel training itself runs in a 2-process job: tests/test_distributed.py.
"""

from __future__ import annotations

import sys

import pytest
import torch
import torch.distributed as torch_dist
from hypothesis import given
from hypothesis import strategies as st

import minitorch
from minitorch.nn.parallel import DistributedDataParallel
from minitorch.nn.parallel.reducer import assign_buckets

DTYPES = [torch.float32, torch.float64, torch.float16]
MIB = 1024 * 1024


@given(
    st.lists(st.tuples(st.integers(1, 400_000), st.integers(0, 2)), min_size=1, max_size=30),
    st.lists(st.integers(1, 2 * MIB), min_size=1, max_size=3),
)
def test_assign_buckets_is_torchs_rule(tensors, limits):
    made = [torch.empty(n, dtype=DTYPES[k]) for n, k in tensors]
    want, _ = torch_dist._compute_bucket_assignment_by_size(made, limits)
    got = assign_buckets([t.numel() * t.element_size() for t in made], [t.dtype for t in made], limits)
    assert got == [list(b) for b in want]


def test_assign_buckets_default_limits_and_one_huge_bucket():
    sizes = [600_000, 600_000, 400, 900_000, 300_000, 2_000_000, 40]
    assert assign_buckets(sizes, ["f"] * 7, [MIB, 2 * MIB]) == [[0, 1], [2, 3, 4, 5], [6]]
    assert assign_buckets(sizes, ["f", "d"] * 3 + ["f"], [sys.maxsize]) == [[0, 2, 4, 6], [1, 3, 5]]


def test_ddp_needs_the_default_group():
    for lib in (torch, minitorch):
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            lib.nn.parallel.DistributedDataParallel(lib.nn.Linear(2, 2))
    assert DistributedDataParallel is minitorch.nn.parallel.DistributedDataParallel
