"""Matrix products on minitorch's worker threads: the host's variants of ``Mm`` (linalg.py) and ``Addmm`` (linear.py).

With two or more threads, OpenBLAS parallelises each product on its own threads, which then spin for
a while after it returns: on two cores a step of small products kept both cores busy for the speed
of one, and on a machine with other work the spinning threads slowed a 64x1000 @ 1000x100 product
from 0.17 ms to tens of milliseconds. Here the BLAS runs on one thread (``threads.own_pool_started``)
and a product large enough to pay for waking a worker is cut into row (or column) blocks, one per
thread (``backend/workers.py``), each a single-threaded BLAS call writing its block of the result;
the workers sleep on a lock when idle. On one thread, or for a small product, it is one BLAS call,
as in the plain twins. numpy releases the GIL inside the BLAS, so the blocks run at once.

Each block is the same BLAS kernel over fewer rows (or columns), so results agree with the plain
twins to float rounding; ``tests/test_ops_threads.py`` checks them against the twins and torch.
Registered on the host whether or not numba is installed: it needs numpy only.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Context
from ..backend import HOST, Array, threads, workers
from .linalg import Mm
from .linear import Addmm

# Multiply-adds per block below which waking a worker costs more than the block saves (~10 us of work).
MIN_BLOCK = 1 << 20


def product(a: Array, b: Array) -> Array:
    """``a @ b`` for matrices, split over the worker threads by rows of ``a`` or columns of ``b``."""
    if threads.get_num_threads() > 1:
        threads.own_pool_started()  # the BLAS on one thread from now on: blocks run on the workers
    m, k = a.shape
    n = b.shape[1]
    split_rows = m >= n
    parts = workers.parts_for(m if split_rows else n, float(m) * n * k, MIN_BLOCK)
    if parts == 1 or type(a) is not np.ndarray or type(b) is not np.ndarray:
        return a @ b
    out = np.empty((m, n), dtype=np.result_type(a, b))

    def work(start: int, stop: int, part: int) -> None:
        if split_rows:
            np.matmul(a[start:stop], b, out=out[start:stop])
        else:
            np.matmul(a, b[:, start:stop], out=out[:, start:stop])

    workers.run(work, m if split_rows else n, parts)
    return out


class MmThreads(Mm):
    """Matrix times matrix, the product and both gradients split over the worker threads."""

    node_name = "MmBackward0"

    @staticmethod
    def forward(ctx: Context, a: Array, b: Array) -> Array:
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[0] else None)
        return product(a, b)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        a, b = ctx.saved_tensors
        ga = None if b is None else product(grad, b.T)
        gb = None if a is None else product(a.T, grad)
        return ga, gb


class AddmmThreads(Addmm):
    """bias + a @ b, the product and both gradients split over the worker threads."""

    node_name = "AddmmBackward0"

    @staticmethod
    def forward(ctx: Context, bias: Array, a: Array, b: Array) -> Array:
        ctx.save_for_backward(a if ctx.needs_input_grad[2] else None, b if ctx.needs_input_grad[1] else None)
        out = product(a, b)
        out += bias
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        a, b = ctx.saved_tensors
        ga = None if b is None else product(grad, b.T)
        # (grad^T @ a)^T, as the plain twin: the weight's gradient arrives contiguous in its layout
        gb = None if a is None else product(grad.T, a).T
        return grad, ga, gb


VARIANTS = {Mm: MmThreads, Addmm: AddmmThreads}
for _plain, _fast in VARIANTS.items():
    HOST.register_kernel(_plain, _fast)
