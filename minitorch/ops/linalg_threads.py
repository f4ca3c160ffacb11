"""Matrix products on minitorch's worker threads: the host's variants of ``Mm`` (linalg.py) and ``Addmm`` (linear.py).

With two or more threads, OpenBLAS parallelises each product on its own threads, which then spin for
a while after it returns: on two cores a step of small products kept both cores busy for the speed
of one, and on a machine with other work the spinning threads slowed a 64x1000 @ 1000x100 product
from 0.17 ms to tens of milliseconds. Here the BLAS runs on one thread (``threads.own_pool_started``)
and a product large enough to pay for waking a worker is cut into row (or column) blocks, shared
over the threads (``backend/workers.py``), each a single-threaded BLAS call writing its block of the result;
the workers sleep on a lock when idle. A small product is one BLAS call, as in the plain twins.
numpy releases the GIL inside the BLAS, so the blocks run at once. The blocks depend on the shape
alone, so the bits do not depend on the thread count.

Each block is the same BLAS product over fewer rows (or columns), so results agree with the plain
twins to float rounding; ``tests/test_ops_threads.py`` checks them against the twins and torch, and
that one, two and three threads give the same bits.
Registered on the host whether or not numba is installed: it needs numpy only.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Context
from ..backend import HOST, Array, threads, workers
from . import linalg_numba
from .base import is_tensor
from .linalg import Mm, product_into
from .linear import Addmm

# Multiply-adds per block at least (~100 us of one core's work: a round trip to a worker thread costs
# ~76 us on a 2-core VM; on one thread, where the blocks run in turn, cutting a product in two costs 3-14 %
# of it, measured), and the most blocks.
MIN_BLOCK = 1 << 23
MAX_BLOCKS = 8


def blocks_for(m: int, k: int, n: int) -> int:
    """How many blocks a product of (m, k) @ (k, n) is cut into: a power of two, each block at least
    ``MIN_BLOCK`` multiply-adds, at most ``MAX_BLOCKS``; a function of the shape alone."""
    wanted = min(MAX_BLOCKS, max(m, n), (m * k * n) // MIN_BLOCK)
    return 1 << (max(1, wanted).bit_length() - 1)


def product(a: Array, b: Array) -> Array:
    """``a @ b`` for matrices, cut by rows of ``a`` or columns of ``b`` into blocks shared over the threads.

    The blocks depend on the shapes alone, never on the thread count, so the result has the same bits
    on any number of threads (a block is one BLAS call, and OpenBLAS may sum a small block in another
    order than a large one: cutting by the thread count would make the bits depend on it).
    """
    m, k = a.shape
    n = b.shape[1]
    if m * k * n < 2 * min(MIN_BLOCK, linalg_numba.MIN_BLOCK):  # one block either way: one BLAS call
        return a @ b
    if threads.get_num_threads() > 1:
        threads.own_pool_started()  # the BLAS on one thread from now on: blocks run on numba's or the workers
    fast = linalg_numba.product(a, b)  # numba's threads, awake between the products of a step
    if fast is not None:
        return fast
    count = blocks_for(m, k, n)
    if count == 1 or type(a) is not np.ndarray or type(b) is not np.ndarray:
        return a @ b
    split_rows = m >= n
    cuts = workers.slices(m if split_rows else n, count)
    out = np.empty((m, n), dtype=np.result_type(a, b))

    def work(first: int, last: int, part: int) -> None:
        for start, stop in cuts[first:last]:
            if split_rows:
                np.matmul(a[start:stop], b, out=out[start:stop])
            else:
                np.matmul(a, b[:, start:stop], out=out[:, start:stop])

    workers.run(work, count, workers.parts_for(count, float(m) * n * k, MIN_BLOCK))
    return out


def gradient(a: Array, b: Array, into: dict, position: int) -> Array:
    """``a @ b``, the gradient of the argument at ``position``; where the engine offers that leaf's ``.grad``
    (``into``: ``ctx.grad_into``) and ``linalg_numba`` can, added by the GEMM into it, which is returned."""
    target = into.get(position)
    if target is not None and linalg_numba.add_product(a, b, target):
        return target
    return product(a, b)


class MmThreads(Mm):
    """Matrix times matrix, the product and both gradients split over the worker threads."""

    node_name = "MmBackward0"

    @staticmethod
    def forward(ctx: Context, a: Array, b: Array) -> Array:
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[0] else None)
        ctx.ndims = (2, 2)
        # The gradients' products are cut into blocks as this one: GEMMs that can add into a leaf's .grad.
        ctx.adds_into_grad = a.size * b.shape[1] >= 2 * linalg_numba.MIN_BLOCK
        return product(a, b)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        if is_tensor(grad):  # create_graph: the plain twin's backward, recorded
            return Mm.backward(ctx, grad)
        a, b = ctx.saved_tensors
        into = ctx.grad_into  # the leaves' .grad the engine offers to add into, or None
        if into is None:
            return (None if b is None else product(grad, b.T)), (None if a is None else product(a.T, grad))
        ga = None if b is None else gradient(grad, b.T, into, 0)
        return ga, (None if a is None else gradient(a.T, grad, into, 1))


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
        if is_tensor(grad):  # create_graph: the plain twin's backward, recorded
            return Addmm.backward(ctx, grad)
        a, b = ctx.saved_tensors
        ga = None if b is None else product(grad, b.T)
        # (grad^T @ a)^T, as the plain twin: the weight's gradient arrives contiguous in its layout
        gb = None if a is None else product(grad.T, a).T
        return grad, ga, gb


def product_into_threads(a: Array, b: Array, out: Array) -> None:
    """out = a @ b, a product large enough cut into blocks on numba's threads (``linalg_numba``), written
    straight into ``out``: the recurrent layers' per-step products, which numpy's BLAS would run on one
    thread once the host's kernels have taken the threads (``threads.own_pool_started``)."""
    writable = (
        type(out) is np.ndarray
        and out.flags.c_contiguous
        and out.dtype == a.dtype
        and out.shape == (a.shape[0], b.shape[1])
    )
    if not (writable and linalg_numba.product(a, b, out=out) is not None):  # None: too small, or not covered
        product_into(a, b, out)


VARIANTS = {Mm: MmThreads, Addmm: AddmmThreads, product_into: product_into_threads}
for _plain, _fast in VARIANTS.items():
    HOST.register_kernel(_plain, _fast)
