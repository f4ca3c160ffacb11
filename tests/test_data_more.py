"""WeightedRandomSampler, StackDataset and ChainDataset against torch.utils.data: what they yield, their lengths,
their errors; the sampler's draws follow the weights (minitorch's generator is not torch's: statistics)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import minitorch
import minitorch.utils.data as mud
from tests.parity import raises_like

WEIGHTS = [0.1, 0.0, 2.0, 1.0, 0.9]


def test_weighted_sampler_draws_follow_the_weights() -> None:
    sampler = mud.WeightedRandomSampler(WEIGHTS, 20000, generator=minitorch.Generator().manual_seed(0))
    draws = np.array(list(sampler))
    assert len(sampler) == 20000 and draws.shape == (20000,)
    assert all(type(i) is int for i in draws[:10].tolist())
    freq = np.bincount(draws, minlength=5) / draws.size
    want = np.array(WEIGHTS) / sum(WEIGHTS)
    assert freq[1] == 0  # a zero weight is never drawn
    np.testing.assert_allclose(freq, want, atol=0.015)


def test_weighted_sampler_without_replacement_draws_each_index_at_most_once() -> None:
    weights = np.arange(1, 51, dtype=np.float64)
    for seed in range(20):
        draws = list(
            mud.WeightedRandomSampler(weights, 30, replacement=False, generator=minitorch.Generator().manual_seed(seed))
        )
        assert len(set(draws)) == 30 and all(0 <= i < 50 for i in draws)
    # heavy weights come first more often than light ones
    firsts = [
        next(
            iter(
                mud.WeightedRandomSampler(
                    [1.0, 100.0], 2, replacement=False, generator=minitorch.Generator().manual_seed(s)
                )
            )
        )
        for s in range(200)
    ]
    assert firsts.count(1) > 180


def test_weighted_sampler_is_reproducible_by_seed_and_varies_by_epoch() -> None:
    def epochs(seed: int) -> list:
        sampler = mud.WeightedRandomSampler(WEIGHTS, 50, generator=minitorch.Generator().manual_seed(seed))
        return [list(sampler) for _ in range(2)]

    a, b = epochs(3), epochs(3)
    assert a == b and a[0] != a[1]
    minitorch.manual_seed(7)
    first = list(mud.WeightedRandomSampler(WEIGHTS, 50))
    minitorch.manual_seed(7)
    assert list(mud.WeightedRandomSampler(WEIGHTS, 50)) == first  # the default generator is minitorch's


def test_weighted_sampler_feeds_a_data_loader_like_torch() -> None:
    x = np.arange(10, dtype=np.float32).reshape(5, 2)
    data = mud.TensorDataset(minitorch.tensor(x))
    loader = mud.DataLoader(data, batch_size=4, sampler=mud.WeightedRandomSampler(WEIGHTS, 10))
    batches = [b[0] for b in loader]
    assert [tuple(b.shape) for b in batches] == [(4, 2), (4, 2), (2, 2)]
    rows = np.concatenate([b.numpy() for b in batches])
    assert not (rows == x[1]).all(axis=1).any()  # the zero-weight sample never appears
    tl = tud.DataLoader(
        tud.TensorDataset(torch.tensor(x)), batch_size=4, sampler=tud.WeightedRandomSampler(WEIGHTS, 10)
    )
    assert len(loader) == len(tl) == 3


def test_weighted_sampler_keeps_its_weights_as_torch_does() -> None:
    ours, theirs = mud.WeightedRandomSampler([1, 2, 3], 4), tud.WeightedRandomSampler([1, 2, 3], 4)
    assert str(ours.weights.dtype) == str(theirs.weights.dtype) == "torch.float64"
    assert (ours.num_samples, ours.replacement, ours.generator) == (theirs.num_samples, theirs.replacement, None)


@pytest.mark.parametrize(
    "build",
    [
        lambda d: d.WeightedRandomSampler(WEIGHTS, 0),
        lambda d: d.WeightedRandomSampler(WEIGHTS, 2.0),
        lambda d: d.WeightedRandomSampler(WEIGHTS, True),
        lambda d: d.WeightedRandomSampler(WEIGHTS, 3, replacement=1),
        lambda d: d.WeightedRandomSampler([[1.0, 2.0]], 3),
        lambda d: list(d.WeightedRandomSampler(WEIGHTS, 6, replacement=False)),
        lambda d: list(d.WeightedRandomSampler([1.0, -1.0], 2)),
        lambda d: list(d.WeightedRandomSampler([0.0, 0.0], 2)),
    ],
)
def test_weighted_sampler_errors_match_torch(build: Callable) -> None:
    raises_like(lambda lib: build(mud if lib is minitorch else tud), exact=True)


def _pairs(lib: Any) -> tuple:
    data = lib.utils.data
    a = data.TensorDataset(lib.arange(6.0).reshape(3, 2))
    b = data.TensorDataset(lib.tensor([7, 8, 9]))
    return data, a, b


def _plain(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (tuple, list)):
        return type(x)(_plain(v) for v in x)
    return x.tolist() if hasattr(x, "tolist") else x


@pytest.mark.parametrize("form", ["tuple", "dict"])
def test_stack_dataset_matches_torch(form: str) -> None:
    def items(lib: Any) -> Any:
        data, a, b = _pairs(lib)
        stack = data.StackDataset(a, b) if form == "tuple" else data.StackDataset(x=a, y=b)
        batch = next(iter(data.DataLoader(stack, batch_size=3)))
        return len(stack), [_plain(stack[i]) for i in range(3)], _plain(batch)

    assert items(minitorch) == items(torch)


@pytest.mark.parametrize(
    "build",
    [
        lambda data, a, b: data.StackDataset(),
        lambda data, a, b: data.StackDataset(a, y=b),
        lambda data, a, b: data.StackDataset(a, data.TensorDataset(a.tensors[0][:2])),
        lambda data, a, b: data.StackDataset(x=a, y=data.TensorDataset(a.tensors[0][:2])),
    ],
)
def test_stack_dataset_errors_match_torch(build: Callable) -> None:
    raises_like(lambda lib: build(*_pairs(lib)), exact=True)


def _streams(lib: Any) -> Any:
    class Count(lib.utils.data.IterableDataset):
        def __init__(self, start: int, stop: int) -> None:
            self.start, self.stop = start, stop

        def __iter__(self) -> Any:
            return iter(range(self.start, self.stop))

        def __len__(self) -> int:
            return self.stop - self.start

    return lib.utils.data, Count


def test_chain_dataset_matches_torch() -> None:
    def run(lib: Any) -> Any:
        data, count = _streams(lib)
        chain = data.ChainDataset([count(0, 3), count(10, 12)])
        loader = data.DataLoader(chain, batch_size=2)
        return len(chain), list(chain), list(chain), [_plain(b) for b in loader]

    assert run(minitorch) == run(torch)


def test_chain_dataset_refuses_map_style_datasets_like_torch() -> None:
    def build(lib: Any) -> Any:
        data, count = _streams(lib)
        return list(data.ChainDataset([count(0, 2), data.TensorDataset(lib.zeros(2))]))

    def length(lib: Any) -> Any:
        data, count = _streams(lib)
        return len(data.ChainDataset([data.TensorDataset(lib.zeros(2))]))

    raises_like(build, exact=True)
    raises_like(length, exact=True)
