"""minitorch.utils.data against torch.utils.data: batches, collation, shuffling, workers, splits."""

from __future__ import annotations

import collections
import gc
import multiprocessing
import os
import time

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import minitorch
from minitorch.utils.data import (
    BatchSampler,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    TensorDataset,
    default_collate,
    get_worker_info,
    random_split,
)

Point = collections.namedtuple("Point", "x y")


def as_plain(obj):
    """Batches of either library as plain Python, tensors as (dtype name, shape, values)."""
    if isinstance(obj, (minitorch.Tensor, torch.Tensor)):
        return (
            "tensor",
            str(obj.dtype),
            tuple(obj.shape),
            np.asarray(obj.detach() if isinstance(obj, torch.Tensor) else obj).tolist(),
        )
    if isinstance(obj, dict):
        return {k: as_plain(v) for k, v in obj.items()}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return (type(obj).__name__,) + tuple(as_plain(v) for v in obj)
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [as_plain(v) for v in obj])
    return obj


def both_datasets(n: int = 23):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 3)).astype(np.float32)
    y = rng.integers(0, 10, n)
    return (
        TensorDataset(minitorch.tensor(x), minitorch.tensor(y)),
        tud.TensorDataset(torch.tensor(x), torch.tensor(y)),
    )


def per_sample(batch):
    """A collate_fn that is not default_collate itself, so the loader takes the per-sample path."""
    return default_collate(batch)


def no_workers_left(timeout: float = 5.0) -> bool:
    gc.collect()
    end = time.monotonic() + timeout
    while multiprocessing.active_children() and time.monotonic() < end:
        time.sleep(0.05)
    return not multiprocessing.active_children()


# ------------------------------------------------------------------ batches like torch's
@pytest.mark.parametrize("path", ["fast", "per-sample"])
@pytest.mark.parametrize(
    "batch_size,drop_last",
    [(1, False), (4, False), (4, True), (7, False), (10, True), (23, False), (30, True), (None, False)],
)
def test_batches_match_torch(batch_size, drop_last, path):
    ours, theirs = both_datasets()
    kwargs = dict(batch_size=batch_size, drop_last=drop_last)
    loader = DataLoader(ours, collate_fn=per_sample if path == "per-sample" and batch_size else None, **kwargs)
    ref = tud.DataLoader(theirs, **kwargs)
    assert len(loader) == len(ref)
    got, want = [as_plain(b) for b in loader], [as_plain(b) for b in ref]
    assert got == want


@pytest.mark.parametrize(
    "samples",
    [
        [{"x": np.arange(3, dtype=np.float32) + i, "y": i, "z": 0.5 * i, "name": f"s{i}"} for i in range(4)],
        [(np.float64(i), i, [i, 2 * i], True) for i in range(3)],
        [Point(np.int32(i), np.ones((2, 2), dtype=np.uint8) * i) for i in range(3)],
        [[1.5, {"a": np.int64(i)}] for i in range(2)],
    ],
    ids=["dicts", "tuples", "namedtuples", "nested"],
)
def test_default_collate_matches_torch(samples):
    assert as_plain(default_collate(samples)) == as_plain(tud.default_collate(samples))


def test_collate_rejects_what_torch_rejects():
    with pytest.raises(TypeError, match="found <class 'object'>"):
        default_collate([object(), object()])
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])


def test_no_auto_batching_converts_like_torch():
    samples = [{"a": np.full(2, i, dtype=np.int16), "b": (i, "t")} for i in range(3)]
    got = [as_plain(b) for b in DataLoader(samples, batch_size=None)]
    assert got == [as_plain(b) for b in tud.DataLoader(samples, batch_size=None)]


def test_tutorial_loop_shapes():
    ours, _ = both_datasets()
    loader = DataLoader(ours, batch_size=5, shuffle=True)
    inputs, labels = next(iter(loader))
    assert (tuple(inputs.shape), inputs.dtype, labels.dtype) == ((5, 3), minitorch.float32, minitorch.int64)
    seen = [i for i, (inputs, labels) in enumerate(loader, 0)]
    assert seen == list(range(5))


# ------------------------------------------------------------------ shuffling
def epoch_order(loader):
    return [v for _, y in loader for v in y.tolist()]


def test_seeded_shuffle_is_reproducible_and_reshuffles():
    ds = TensorDataset(minitorch.arange(50), minitorch.arange(50))
    loader = DataLoader(ds, batch_size=8, shuffle=True)
    minitorch.manual_seed(0)
    first, second = epoch_order(loader), epoch_order(loader)
    minitorch.manual_seed(0)
    assert epoch_order(loader) == first and epoch_order(loader) == second
    assert first != second and sorted(first) == list(range(50)) and first != list(range(50))


def test_shuffle_generator_is_independent_of_the_global_seed():
    ds = TensorDataset(minitorch.arange(30), minitorch.arange(30))
    orders = []
    for global_seed in (1, 2):
        minitorch.manual_seed(global_seed)
        loader = DataLoader(ds, batch_size=4, shuffle=True, generator=minitorch.Generator().manual_seed(7))
        orders.append(epoch_order(loader))
    assert orders[0] == orders[1]


def test_random_sampler_with_replacement_and_batch_sampler():
    g = minitorch.Generator().manual_seed(3)
    draws = list(RandomSampler(range(5), replacement=True, num_samples=40, generator=g))
    assert len(draws) == 40 and set(draws) <= set(range(5)) and len(set(draws)) > 1
    assert list(BatchSampler(SequentialSampler(range(7)), 3, drop_last=False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(BatchSampler(SequentialSampler(range(7)), 3, drop_last=True)) == 2


# ------------------------------------------------------------------ workers
class PerSampleDataset(Dataset):
    """A plain Python dataset (no fast path): dict samples that record which process built them."""

    def __init__(self, n: int = 37, slow: tuple = ()) -> None:
        self.n, self.slow = n, slow

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> dict:
        info = get_worker_info()
        if i in self.slow and info is not None:
            time.sleep(0.3)  # holds worker 0 back, so worker 1's batches arrive first
        return {
            "x": np.full(3, i, dtype=np.float32),
            "i": i,
            "worker": -1 if info is None else info.id,
            "pid": os.getpid(),
        }


class FailingDataset(PerSampleDataset):
    def __getitem__(self, i: int) -> dict:
        if i == 13:
            raise ValueError(f"sample {i} is broken")
        return super().__getitem__(i)


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("kind", ["tensors", "python"])
def test_workers_give_the_same_batches_in_order(kind, shuffle):
    ds = both_datasets(41)[0] if kind == "tensors" else PerSampleDataset(slow=(0,))
    strip = (lambda b: b) if kind == "tensors" else (lambda b: {"x": b["x"], "i": b["i"]})
    runs = []
    for workers in (0, 2):
        minitorch.manual_seed(5)
        loader = DataLoader(ds, batch_size=4, shuffle=shuffle, num_workers=workers)
        runs.append([as_plain(strip(b)) for b in loader])
    assert runs[0] == runs[1] and len(runs[0]) == len(loader)
    assert no_workers_left()


class RandomDataset(Dataset):
    def __len__(self) -> int:
        return 8

    def __getitem__(self, i: int):
        return minitorch.rand(1)  # a random transform's draw


def test_workers_are_seeded_from_the_loader():
    def run():
        minitorch.manual_seed(11)
        return [b.flatten().tolist() for b in DataLoader(RandomDataset(), batch_size=2, num_workers=2)]

    first = run()
    assert first == run()
    assert first[0] != first[1]  # the two workers draw from different seeds


def test_worker_info_and_init_fn():
    loader = DataLoader(
        PerSampleDataset(12), batch_size=3, num_workers=2, worker_init_fn=lambda wid: np.random.seed(wid)
    )
    workers = [b["worker"].tolist() for b in loader]
    assert workers == [[0] * 3, [1] * 3, [0] * 3, [1] * 3]  # round-robin, one worker per batch
    assert get_worker_info() is None
    assert next(iter(DataLoader(PerSampleDataset(3), batch_size=3)))["worker"].tolist() == [-1] * 3


def test_worker_error_is_raised_in_the_main_process():
    loader = DataLoader(FailingDataset(), batch_size=4, num_workers=2)
    with pytest.raises(ValueError, match=r"(?s)in DataLoader worker process 1.*sample 13 is broken"):
        for _ in loader:
            pass
    assert no_workers_left()


class DyingDataset(PerSampleDataset):
    def __getitem__(self, i: int) -> dict:
        if i == 5 and get_worker_info() is not None:
            os._exit(3)
        return super().__getitem__(i)


def test_a_dead_worker_is_reported():
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"):
        list(DataLoader(DyingDataset(), batch_size=2, num_workers=2))
    assert no_workers_left()


def test_stopping_early_shuts_workers_down():
    it = iter(DataLoader(PerSampleDataset(200), batch_size=2, num_workers=2))
    next(it)
    assert len(multiprocessing.active_children()) == 2
    del it
    assert no_workers_left()


def test_persistent_workers_survive_epochs():
    loader = DataLoader(PerSampleDataset(8), batch_size=2, num_workers=2, persistent_workers=True)
    epochs = [[(b["i"].tolist(), b["pid"].tolist()) for b in loader] for _ in range(2)]
    assert [i for i, _ in epochs[0]] == [i for i, _ in epochs[1]] == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert {p for _, ps in epochs[0] for p in ps} == {p for _, ps in epochs[1] for p in ps}
    del loader
    assert no_workers_left()


# ------------------------------------------------------------------ arguments
@pytest.mark.parametrize(
    "kwargs,error",
    [
        (dict(shuffle=True, sampler=[0, 1]), "mutually exclusive with shuffle"),
        (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive"),
        (dict(batch_size=None, drop_last=True), "disables auto-batching"),
        (dict(num_workers=-1), "num_workers option should be non-negative"),
        (dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
        (dict(prefetch_factor=2), "prefetch_factor option could only be specified"),
    ],
)
def test_invalid_arguments(kwargs, error):
    with pytest.raises(ValueError, match=error):
        DataLoader(list(range(4)), **kwargs)
    with pytest.raises(ValueError, match=error):
        tud.DataLoader(list(range(4)), **kwargs)


def test_sampler_and_batch_sampler_arguments():
    ds = TensorDataset(minitorch.arange(6))
    assert [b[0].tolist() for b in DataLoader(ds, batch_size=2, sampler=[5, 3, 1, 0])] == [[5, 3], [1, 0]]
    assert [b[0].tolist() for b in DataLoader(ds, batch_sampler=[[4], [0, 2]])] == [[4], [0, 2]]


class Countdown(IterableDataset):
    def __iter__(self):
        return iter(range(7, 0, -1))

    def __len__(self) -> int:
        return 7


@pytest.mark.parametrize("drop_last", [False, True])
def test_iterable_dataset(drop_last):
    got = [b.tolist() for b in DataLoader(Countdown(), batch_size=3, drop_last=drop_last)]
    want = [b.tolist() for b in tud.DataLoader(list(range(7, 0, -1)), batch_size=3, drop_last=drop_last)]
    assert got == want and len(DataLoader(Countdown(), batch_size=3, drop_last=drop_last)) == len(want)


# ------------------------------------------------------------------ splits and subsets
@pytest.mark.parametrize("lengths", [[7, 3], [0.7, 0.3], [0.33, 0.33, 0.34], [1.0]])
def test_random_split_sizes_match_torch(lengths):
    ours = random_split(TensorDataset(minitorch.arange(10)), lengths, generator=minitorch.Generator().manual_seed(1))
    theirs = tud.random_split(range(10), lengths, generator=torch.Generator().manual_seed(1))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    flat = sorted(int(s[i][0]) for s in ours for i in range(len(s)))
    assert flat == list(range(10))


def test_random_split_is_seeded_and_validated():
    ds = TensorDataset(minitorch.arange(20))

    def split(seed):
        return [s.indices for s in random_split(ds, [15, 5], generator=minitorch.Generator().manual_seed(seed))]

    assert split(4) == split(4) and split(4) != split(5)
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(ds, [15, 4])


@pytest.mark.parametrize("workers", [0, 2])
def test_subset_batches_use_the_parent_fast_path(workers):
    ours, theirs = both_datasets(30)
    idx = [29, 3, 17, 8, 0, 11, 25]
    got = [as_plain(b) for b in DataLoader(Subset(ours, idx), batch_size=3, num_workers=workers)]
    assert got == [as_plain(b) for b in tud.DataLoader(tud.Subset(theirs, idx), batch_size=3)]
    assert Subset(ours, idx)._batchable()


def test_fast_path_reports_out_of_range_indices():
    ds = TensorDataset(minitorch.arange(4))
    with pytest.raises(IndexError, match="index 9 is out of bounds"):
        next(iter(DataLoader(ds, batch_size=2, sampler=[9, 0])))
