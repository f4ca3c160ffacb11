"""Compile the host's numba kernels ahead of the first training step, into numba's on-disk cache.

A parallel numba kernel takes one to three seconds to compile, ~10 s for LeNet's step on a 2-core
VM: a user's first epoch would pay that. ``scripts/setup.sh`` runs this module once after installing
the ``fast`` extra (``python -m minitorch.ops.warm``), as a build step: it runs every registered
host kernel on small float32 and float64 inputs, forward and backward, so that each specialization a
training step uses is compiled and cached; a later process loads them (~0.4 s, reported by the
benchmarks as ``numba_load_seconds``). Where the cache cannot be written, nothing is lost: the
kernels compile on first use, as before. Without numba this does nothing.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ..backend import HOST, jit, threads
from ..creation import randn, tensor
from ..dtypes import float32, float64
from . import (
    conv_numba,
    cross_entropy_numba,
    elementwise_numba,
    embedding_numba,
    linalg_numba,
    normalization_numba,
    pool_numba,
    recurrence_numba,
    unary_numba,
)
from .conv import conv2d
from .cross_entropy import cross_entropy
from .normalization import batch_norm
from .pool import max_pool2d
from .recurrence import GRULayer, LSTMLayer, schedule
from .unary import relu


def warm_up() -> dict:
    """Run every host kernel once per float dtype; returns the seconds taken and the kernels left uncompiled."""
    started = time.perf_counter()
    if not jit.enabled():
        return {"seconds": 0.0, "numba": False, "uncompiled": []}
    modules: tuple[Any, ...] = (
        conv_numba, pool_numba, unary_numba, elementwise_numba, normalization_numba, recurrence_numba,
        cross_entropy_numba,
    )  # fmt: skip
    thresholds, count = [m.PARALLEL_WORK for m in modules], threads.get_num_threads()
    clamp_work, unary_numba.CLAMP_KERNEL_WORK = unary_numba.CLAMP_KERNEL_WORK, 0  # (small inputs: its kernel too)
    try:
        for parallel in (False, True):  # the serial twins (small inputs), then the parallel kernels
            for m, work in zip(modules, thresholds):
                m.PARALLEL_WORK = 0 if parallel else work
            threads.set_num_threads(max(2, count) if parallel else 1)
            for dtype in (float32, float64):
                x = randn(2, 2, 8, 8, dtype=dtype, requires_grad=True)
                w = randn(4, 2, 3, 3, dtype=dtype, requires_grad=True)
                b = randn(4, dtype=dtype, requires_grad=True)
                hidden = relu(conv2d(x, w, b))
                clamped = hidden.clamp(min=0.5, max=4.0)  # (clamp's kernels)
                out = max_pool2d(conv2d(clamped, randn(3, 4, 3, 3, dtype=dtype, requires_grad=True)), 2)
                out = batch_norm(out, None, None, randn(3, dtype=dtype, requires_grad=True), None, training=True)
                out.sum().backward()
                logits = randn(3, 4, dtype=dtype, requires_grad=True)
                cross_entropy(logits, tensor([0, 3, 1])).backward()  # (the loss's kernels)
                xw = randn(4, 8, dtype=dtype, requires_grad=True)  # an LSTM layer of hidden size 2, two steps
                h0, c0, w_hh = randn(2, 2, dtype=dtype), randn(2, 2, dtype=dtype), randn(8, 2, dtype=dtype)
                lstm = HOST.kernel(LSTMLayer)
                sum(t.sum() for t in lstm.apply(xw, h0, c0, w_hh, None, schedule(2, 2), False)).backward()
                xw, w_hh, b_hh = (
                    randn(4, 6, dtype=dtype, requires_grad=True),
                    randn(6, 2, dtype=dtype),
                    randn(6, dtype=dtype),
                )
                gru = HOST.kernel(GRULayer)  # a GRU layer, likewise
                sum(t.sum() for t in gru.apply(xw, h0, w_hh, b_hh, schedule(2, 2), False)).backward()
                a = np.ones((8, 4), dtype=dtype.np_dtype)
                embedding_numba.add_rows_numba(a, np.array([1, 0, 1]), a[:3].copy())
                for split in (linalg_numba.BY_COLUMNS, linalg_numba.BY_INNER):  # (rows: the same code as columns)
                    linalg_numba.product_blocks(a, a.T, 2, split)
                if parallel:  # (the serial elementwise twins are numpy's)
                    elementwise_numba.update_numba(a, "add", a.copy())
                    elementwise_numba.update_numba(a, "multiply", 0.5)
                    elementwise_numba.fill_numba(a, 0)
                    elementwise_numba.combine_numba(1.0, "subtract", a)
    finally:
        threads.set_num_threads(count)
        for m, work in zip(modules, thresholds):
            m.PARALLEL_WORK = work
        unary_numba.CLAMP_KERNEL_WORK = clamp_work
    uncompiled = [repr(k) for k in jit.kernels() if k.compiled is None]
    return {"seconds": time.perf_counter() - started, "numba": True, "uncompiled": uncompiled}


def main() -> None:
    done = warm_up()
    if not done["numba"]:
        print("minitorch: numba kernels off (not installed, refused or failed): nothing to compile")
        return
    left = f"; not compiled: {', '.join(done['uncompiled'])}" if done["uncompiled"] else ""
    print(f"minitorch: numba kernels compiled or loaded from the cache in {done['seconds']:.1f} s{left}")


if __name__ == "__main__":
    main()
