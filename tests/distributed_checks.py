"""The MPI program behind tests/test_distributed.py: ``mpiexec -n 2 python -m tests.distributed_checks OUT``.

Every rank runs the checks below and saves what it observed (arrays to ``OUT/rank<r>.npz``,
everything else to ``OUT/rank<r>.json``); the tests compare those with numpy and with a
single-process run, so the expectations live in the test file, not here. ``inputs`` is shared
with the tests: rank r's contribution to the collectives, rebuilt there to compute the expected
results.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

import minitorch
import minitorch.distributed as dist
from minitorch.nn.parallel import DistributedDataParallel as DDP
from minitorch.utils.data.distributed import DistributedSampler
from tests.nn_models import blitz_net

DTYPES = ["float64", "float32", "int64"]
OPS = ["SUM", "AVG", "MAX", "MIN", "PRODUCT"]
STEPS, PER_RANK, WORLD = 20, 32, 2


def inputs(rank: int, dtype: str) -> np.ndarray:
    """Rank ``rank``'s 3x4 input to the collectives (small integers, so every reduction is exact)."""
    values = np.random.default_rng(100 + rank).integers(-4, 5, size=(3, 4))
    return values.astype(dtype)


def lenet_data() -> tuple:
    """STEPS global batches of WORLD * PER_RANK images and labels (rank r's part: the r-th PER_RANK rows)."""
    rng = np.random.default_rng(7)
    n = STEPS * WORLD * PER_RANK
    return rng.standard_normal((n, 1, 32, 32)), rng.integers(0, 10, n)


def train_lenet(model: Any, x: np.ndarray, y: np.ndarray, batch: int, offset: int, stride: int) -> None:
    """STEPS SGD-momentum steps on rows [step * stride + offset, + batch) of (x, y)."""
    opt = minitorch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = minitorch.nn.CrossEntropyLoss()
    for step in range(STEPS):
        lo = step * stride + offset
        opt.zero_grad()
        loss_fn(model(minitorch.tensor(x[lo : lo + batch])), minitorch.tensor(y[lo : lo + batch])).backward()
        opt.step()


class _Mlp(minitorch.nn.Module):
    """Two layers and a buffer, and with ``extra`` a third layer, used when forward is asked to."""

    def __init__(self, extra: bool) -> None:
        super().__init__()
        self.fc1 = minitorch.nn.Linear(8, 16)
        self.fc2 = minitorch.nn.Linear(16, 4)
        self.extra = minitorch.nn.Linear(4, 4) if extra else None
        self.register_buffer("scale", minitorch.ones(4))

    def forward(self, x: Any, use_extra: bool = False) -> Any:
        h = self.fc2(minitorch.relu(self.fc1(x))) * self.scale
        return self.extra(h) if use_extra else h


def _mlp(seed: int, extra: bool = False) -> _Mlp:
    minitorch.manual_seed(seed)
    return _Mlp(extra)


def _message(fn: Any) -> str:
    try:
        fn()
    except Exception as e:  # the message is what the test checks
        return f"{type(e).__name__}: {e}"
    return "no error"


def check_collectives(rank: int, arrays: dict, info: dict) -> None:
    for dtype in DTYPES:
        for op in OPS:
            if op == "AVG" and dtype == "int64":
                continue
            t = minitorch.from_numpy(inputs(rank, dtype))
            dist.all_reduce(t, op=getattr(dist.ReduceOp, op))
            arrays[f"all_reduce_{op}_{dtype}"] = t.numpy()
        out = [minitorch.zeros(3, 4, dtype=getattr(minitorch, dtype)) for _ in range(WORLD)]
        dist.all_gather(out, minitorch.from_numpy(inputs(rank, dtype)))
        arrays[f"all_gather_{dtype}"] = np.stack([o.numpy() for o in out])
        for src in range(WORLD):
            t = minitorch.from_numpy(inputs(rank, dtype))
            dist.broadcast(t, src=src)
            arrays[f"broadcast_{src}_{dtype}"] = t.numpy()
        t = minitorch.from_numpy(inputs(rank, dtype))
        dist.reduce(t, dst=1, op=dist.ReduceOp.MAX)
        arrays[f"reduce_MAX_to_1_{dtype}"] = t.numpy()
    # A transposed (non-contiguous) tensor, asynchronously.
    t = minitorch.from_numpy(inputs(rank, "float64")).t()
    work = dist.all_reduce(t, async_op=True)
    info["async_work_type"] = type(work).__name__
    info["async_wait"] = work.wait()
    info["async_completed"] = work.is_completed()
    arrays["all_reduce_SUM_transposed"] = t.numpy()
    dist.barrier()
    info["errors"] = {
        "gather_length": _message(lambda: dist.all_gather([minitorch.zeros(2)], minitorch.zeros(2))),
        "broadcast_no_src": _message(lambda: dist.broadcast(minitorch.zeros(2))),
        "avg_int": _message(lambda: dist.all_reduce(minitorch.zeros(2, dtype=minitorch.int64), op=dist.ReduceOp.AVG)),
        "bad_root": _message(lambda: dist.broadcast(minitorch.zeros(2), src=5)),
        "not_tensor": _message(lambda: dist.all_reduce([1.0])),
        "second_init": _message(lambda: dist.init_process_group("mpi")),
    }


def check_lenet_equivalence(rank: int, arrays: dict, info: dict) -> None:
    """DDP at PER_RANK per rank against one process at WORLD * PER_RANK, in float64, small buckets."""
    x, y = lenet_data()
    minitorch.manual_seed(rank)  # rank 1 starts from other weights: DDP must hand it rank 0's
    model = blitz_net(minitorch)
    seen = {}

    def buckets_started(param: Any) -> None:  # conv2.weight's gradient: after the fully connected weights'
        seen["started"] = [b.work is not None for b in ddp.reducer.buckets]

    model.conv2.weight.register_post_accumulate_grad_hook(buckets_started)  # before DDP's: runs first
    ddp = DDP(model, bucket_cap_mb=0.05)
    names = {id(p): n for n, p in model.named_parameters()}
    info["bucket_params_first_iteration"] = [len(b.params) for b in ddp.reducer.buckets]
    info["state_dict_keys"] = list(ddp.state_dict())
    start = time.perf_counter()
    train_lenet(ddp, x, y, PER_RANK, rank * PER_RANK, WORLD * PER_RANK)
    info["ddp_seconds"] = time.perf_counter() - start
    info["bucket_params"] = [len(b.params) for b in ddp.reducer.buckets]
    info["bucket_names"] = [[names[id(p)] for p in b.params] for b in ddp.reducer.buckets]
    info["buckets_started_before_conv2_weight"] = seen["started"]
    for name, value in model.state_dict().items():
        arrays[f"ddp_{name}"] = value.numpy()
    if rank == 0:
        minitorch.manual_seed(0)
        reference = blitz_net(minitorch)
        train_lenet(reference, x, y, WORLD * PER_RANK, 0, WORLD * PER_RANK)
        for name, value in reference.state_dict().items():
            arrays[f"ref_{name}"] = value.numpy()


def _mlp_batch(rank: int, micro: int) -> tuple:
    rng = np.random.default_rng(1000 + 10 * rank + micro)
    return minitorch.tensor(rng.standard_normal((6, 8))), minitorch.tensor(rng.standard_normal((6, 4)))


def _grads(model: Any) -> dict:
    return {n: p.grad.numpy().copy() for n, p in model.named_parameters() if p.grad is not None}


def check_no_sync_and_buffers(rank: int, arrays: dict, info: dict) -> None:
    model = _mlp(10 + rank)
    model.scale.fill_(float(rank + 2))
    ddp = DDP(model)
    info["buffer_after_init"] = model.scale.tolist()
    mse = minitorch.nn.MSELoss()
    with ddp.no_sync():
        x, t = _mlp_batch(rank, 0)
        mse(ddp(x), t).backward()
    for n, g in _grads(model).items():
        arrays[f"nosync_local_{n}"] = g
    x, t = _mlp_batch(rank, 1)
    mse(ddp(x), t).backward()
    for n, g in _grads(model).items():
        arrays[f"nosync_final_{n}"] = g
    model.scale.fill_(7.0 + rank)  # a forward after a synchronising one takes rank 0's buffers again
    mse(ddp(x), t).backward()
    info["buffer_after_forward"] = model.scale.tolist()
    if rank == 0:  # the expected average of each rank's accumulated gradients
        expected: dict = {}
        for r in range(WORLD):
            plain = _mlp(10)
            plain.scale.fill_(2.0)
            for micro in range(2):
                x, t = _mlp_batch(r, micro)
                mse(plain(x), t).backward()
            for n, g in _grads(plain).items():
                expected[n] = expected.get(n, 0) + g / WORLD
        for n, g in expected.items():
            arrays[f"nosync_expected_{n}"] = g


def check_unused_parameters(rank: int, arrays: dict, info: dict) -> None:
    mse = minitorch.nn.MSELoss()
    model = _mlp(20, extra=True)
    ddp = DDP(model, find_unused_parameters=True)
    x, t = _mlp_batch(rank, 0)
    mse(ddp(x), t).backward()  # `extra` unused on every rank
    info["unused_everywhere_grad_is_none"] = model.extra.weight.grad is None
    model.zero_grad()
    mse(ddp(x, use_extra=rank == 0), t).backward()  # `extra` used on rank 0 only
    arrays["partly_used_extra_weight_grad"] = model.extra.weight.grad.numpy()
    if rank == 0:
        plain = _mlp(20, extra=True)
        mse(plain(x, use_extra=True), t).backward()
        arrays["partly_used_expected"] = plain.extra.weight.grad.numpy() / WORLD
    strict = DDP(_mlp(21, extra=True))
    mse(strict(x), t).backward()  # `extra` never gets a gradient: the reduction cannot finish
    info["unfinished_reduction"] = _message(lambda: strict(x))
    strict.reducer.armed = False  # the buckets that did start completed on both ranks; clean up for the next checks


def check_model_mismatch_and_sampler(rank: int, info: dict) -> None:
    model = _mlp(30)
    if rank == 1:
        model.more = minitorch.nn.Linear(2, 2)
    info["model_mismatch"] = _message(lambda: DDP(model))
    sampler = DistributedSampler(list(range(11)), seed=3)
    sampler.set_epoch(2)
    info["sampler"] = {"rank": sampler.rank, "replicas": sampler.num_replicas, "indices": list(sampler)}


def main(out: Path) -> None:
    dist.init_process_group("mpi", timeout=timedelta(seconds=60))
    rank = dist.get_rank()
    arrays: dict = {}
    info: dict = {"world_size": dist.get_world_size(), "backend": str(dist.get_backend())}
    minitorch.set_default_dtype(minitorch.float64)
    check_collectives(rank, arrays, info)
    check_lenet_equivalence(rank, arrays, info)
    check_no_sync_and_buffers(rank, arrays, info)
    check_unused_parameters(rank, arrays, info)
    check_model_mismatch_and_sampler(rank, info)
    dist.barrier()
    dist.destroy_process_group()
    info["initialized_after_destroy"] = dist.is_initialized()
    np.savez(out / f"rank{rank}.npz", **arrays)
    (out / f"rank{rank}.json").write_text(json.dumps(info))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
