"""Matrix products cut into blocks that run on numba's threads, each block one single-threaded BLAS GEMM.

The engine behind ``linalg_threads.product`` where numba and the BLAS's GEMM (``backend/blas.py``)
are present: the blocks (rows of the result, or columns when it is wider than tall) are one
parallel loop (``prange``), whose threads are awake between the products of a step, where
minitorch's worker threads had to be woken by the OS for each (~76 us on a 2-core VM): products
down to a few hundred microseconds of work are worth cutting. Transposed operands are passed to
the GEMM as transposed, never copied. The blocks depend on the shape alone (see
``linalg_threads``), so the bits do not depend on the thread count.
``tests/test_ops_threads.py`` checks the products against their plain twins and torch.
"""

from __future__ import annotations

import numpy as np

from ..backend import Array, blas, jit, threads
from ..backend.blas import NO_TRANS, TRANS
from ..backend.jit import prange
from ..caches import GEMM_PLANS

DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
# Multiply-adds per block at least (~13 us of one core's GEMM). Measured on 2 cores (AMD EPYC, OpenBLAS
# SkylakeX, float32): LeNet's fc1 at batch 64 (3M multiply-adds) takes 111/83/71 us (forward / weight / input
# gradient) as one block and 88/57/73 as two; fc2 at batch 256 (2.6M) 72/72/60 and 45/49/49; at 0.65M two
# blocks gain nothing. On one thread the blocks run in turn and two cost 3-10 % more than one.
MIN_BLOCK = 1 << 19


def _max_blocks() -> int:
    """The most blocks a product is cut into: the usable cores rounded down to a power of two (2 to 8). More
    blocks than cores cost: on 2 cores, 256x400 @ 400x120 took 177 us as two blocks and 212 as four. A
    function of the machine, never of ``set_num_threads``, so the bits do not depend on the thread count."""
    return min(8, max(2, 1 << (threads.usable_cores().bit_length() - 1)))


MAX_BLOCKS = _max_blocks()
# A product is cut along its inner dimension where k is at least INNER_RATIO times the result's longer side
# and the result has at most INNER_MAX_RESULT elements (each further block adds one to sum).
INNER_RATIO = 2
INNER_MAX_RESULT = 1 << 16

gemm = jit.Deferred(blas.gemm_intrinsic)


# How a product is cut: by rows of the result, by its columns, or along the inner dimension (each block a
# partial product over a range of k, summed in block order after the loop).
BY_COLUMNS, BY_ROWS, BY_INNER = 0, 1, 2


@jit.helper
def gemm_block(a, ta, lda, b, tb, ldb, c, beta, scratch, m, n, k, count, split, blk, blas_at):  # pragma: no cover
    """Block ``blk`` of ``count`` of c (m, n) = op(a) @ op(b) + beta * c: its rows, its columns, or (``BY_INNER``)
    the partial product over a range of k, written to c (block 0) or to ``scratch`` (block ``blk`` at
    (blk - 1) * m * n). a, b: the flat storage of the operands, ``ta``/``tb`` CBLAS's NO_TRANS/TRANS,
    ``lda``/``ldb`` their row lengths; ``beta`` 0 (c is written) or 1 (the product is added to c)."""
    item = c.itemsize
    one, zero = c.dtype.type(1), c.dtype.type(0)
    if split == BY_ROWS:
        first, last = m * blk // count, m * (blk + 1) // count
        a_at = a.ctypes.data + (first * lda if ta == NO_TRANS else first) * item
        gemm(
            blas_at[0], blas_at[1], ta, tb, last - first, n, k, one, a_at, lda,
            b.ctypes.data, ldb, beta, c.ctypes.data + first * n * item, n,
        )  # fmt: skip
    elif split == BY_COLUMNS:
        first, last = n * blk // count, n * (blk + 1) // count
        b_at = b.ctypes.data + (first if tb == NO_TRANS else first * ldb) * item
        gemm(
            blas_at[0], blas_at[1], ta, tb, m, last - first, k, one, a.ctypes.data, lda,
            b_at, ldb, beta, c.ctypes.data + first * item, n,
        )  # fmt: skip
    else:
        first, last = k * blk // count, k * (blk + 1) // count
        a_at = a.ctypes.data + (first if ta == NO_TRANS else first * lda) * item
        b_at = b.ctypes.data + (first * ldb if tb == NO_TRANS else first) * item
        if blk == 0:
            gemm(blas_at[0], blas_at[1], ta, tb, m, n, last - first, one, a_at, lda, b_at, ldb, beta, c.ctypes.data, n)
        else:
            gemm(
                blas_at[0], blas_at[1], ta, tb, m, n, last - first, one, a_at, lda, b_at, ldb, zero,
                scratch.ctypes.data + (blk - 1) * m * n * item, n,
            )  # fmt: skip


@jit.helper
def sum_partials(c, scratch, count):  # pragma: no cover - numba
    """c += each partial product in ``scratch``, in block order (the ``BY_INNER`` cut's last step)."""
    size = c.size
    for blk in range(count - 1):
        at = blk * size
        for i in range(size):
            c[i] += scratch[at + i]


@jit.kernel(parallel=True)
def blocked_gemm(a, ta, lda, b, tb, ldb, c, beta, scratch, m, n, k, count, split, blas_at):  # pragma: no cover - numba
    """c (m, n) = op(a) @ op(b) in ``count`` blocks (``gemm_block``) run in parallel."""
    for blk in prange(count):
        gemm_block(a, ta, lda, b, tb, ldb, c, beta, scratch, m, n, k, count, split, blk, blas_at)
    if split == BY_INNER:
        sum_partials(c, scratch, count)


@jit.kernel
def blocked_gemm_serial(a, ta, lda, b, tb, ldb, c, beta, scratch, m, n, k, count, split, blas_at):  # pragma: no cover
    """The same blocks in order on the calling thread (same bits): one thread, or a forked child."""
    for blk in range(count):
        gemm_block(a, ta, lda, b, tb, ldb, c, beta, scratch, m, n, k, count, split, blk, blas_at)
    if split == BY_INNER:
        sum_partials(c, scratch, count)


def blocks_for(m: int, k: int, n: int) -> int:
    """How many blocks (a power of two) a product of (m, k) @ (k, n) is cut into: each at least ``MIN_BLOCK``
    multiply-adds, at most ``MAX_BLOCKS``; a function of the shape alone."""
    wanted = min(MAX_BLOCKS, max(m, n, k if split_for(m, k, n) == BY_INNER else 0), (m * k * n) // MIN_BLOCK)
    return 1 << (max(1, wanted).bit_length() - 1)


def split_for(m: int, k: int, n: int) -> int:
    """How a product of (m, k) @ (k, n) is cut, from its shape alone: along k where k is the long side and the
    result small (each thread then reads its own rows of a weight, the rows it updates after the backward: see
    ``ops/elementwise_numba.py``), else by rows (a result at least as tall as wide) or by columns."""
    if k >= INNER_RATIO * max(m, n) and m * n <= INNER_MAX_RESULT:
        return BY_INNER
    return BY_ROWS if m >= n else BY_COLUMNS


def _operand(x: Array) -> tuple:
    """(flat storage, NO_TRANS or TRANS, row length) of a matrix for the GEMM, copying only a strided one."""
    if x.flags.c_contiguous:
        return x.reshape(-1), NO_TRANS, max(1, x.shape[1])
    if x.flags.f_contiguous:
        return x.T.reshape(-1), TRANS, max(1, x.shape[0])
    x = np.ascontiguousarray(x)
    return x.reshape(-1), NO_TRANS, max(1, x.shape[1])


class GemmPlan:
    """How the products of one signature (operands' shapes, strides and dtype) run, worked out once
    (``GEMM_PLANS``): the blocks and the cut, each operand as flat storage with CBLAS's transpose flag and
    row length, the scratch the partial products need, and the BLAS's GEMM. A training step's products are
    few signatures, each repeated every step."""

    __slots__ = ("count", "split", "trans_a", "lda", "trans_b", "ldb", "m", "n", "k", "dtype", "scratch", "blas_at")

    def __init__(self, a: Array, b: Array, count: int, blas_at: np.ndarray) -> None:
        (self.m, self.k), self.n = a.shape, b.shape[1]
        self.count, self.split = count, split_for(self.m, self.k, self.n)
        self.trans_a, self.lda = _layout(a) or (NO_TRANS, 1)  # (_make_plan has checked both)
        self.trans_b, self.ldb = _layout(b) or (NO_TRANS, 1)
        self.dtype, self.blas_at = a.dtype, blas_at
        self.scratch = (count - 1) * self.m * self.n if self.split == BY_INNER else 0

    def run(self, a: Array, b: Array, out: Array | None, add: bool) -> Array | None:
        """``a @ b`` into (or, ``add``, added to) ``out``, a new array when None; None where numba is off."""
        if not jit.enabled():
            return None
        if out is None:
            out = np.empty((self.m, self.n), dtype=self.dtype)
        trans_a, trans_b = self.trans_a, self.trans_b
        try:
            (blocked_gemm if threads.kernel_threads() > 1 else blocked_gemm_serial)(
                a.reshape(-1) if trans_a == NO_TRANS else a.T.reshape(-1), trans_a, self.lda,
                b.reshape(-1) if trans_b == NO_TRANS else b.T.reshape(-1), trans_b, self.ldb,
                out.reshape(-1), self.dtype.type(1 if add else 0), np.empty(self.scratch, dtype=self.dtype),
                self.m, self.n, self.k, self.count, self.split, self.blas_at,
            )  # fmt: skip
        except jit.KernelUnavailable:
            return None
        return out


_UNPLANNED = object()


def _plan(a: Array, b: Array) -> GemmPlan | None:
    """The plan of ``a @ b`` (host arrays), or None where the general path decides (a product of one block,
    another dtype, an empty or strided operand, no GEMM found)."""
    key = (a.shape, a.strides, b.shape, b.strides, a.dtype, b.dtype, MIN_BLOCK)
    plan = GEMM_PLANS.get(key, _UNPLANNED)
    if plan is _UNPLANNED:
        plan = GEMM_PLANS.put(key, _make_plan(a, b))
    return plan


def _make_plan(a: Array, b: Array) -> GemmPlan | None:
    if a.dtype != b.dtype or a.dtype not in DTYPES or _layout(a) is None or _layout(b) is None:
        return None
    (m, k), n = a.shape, b.shape[1]
    count = blocks_for(m, k, n)
    blas_at = blas.kernel_argument(a.dtype)
    if count == 1 or not (m and k and n) or blas_at is None:
        return None
    return GemmPlan(a, b, count, blas_at)


def _layout(x: Array) -> tuple | None:
    """(NO_TRANS or TRANS, row length) of a matrix stored whole in either order, as the GEMM reads it; None
    for a strided one (``_operand`` copies it)."""
    if x.flags.c_contiguous:
        return NO_TRANS, max(1, x.shape[1])
    if x.flags.f_contiguous:
        return TRANS, max(1, x.shape[0])
    return None


def product(a: Array, b: Array, out: Array | None = None) -> Array | None:
    """``a @ b`` for float matrices of one dtype, cut into blocks on numba's threads; None where it cannot
    (another dtype or array type, an empty operand, numba or the BLAS's GEMM unavailable): the caller's turn."""
    if type(a) is not np.ndarray or type(b) is not np.ndarray:
        return None
    plan = _plan(a, b)
    if plan is not None:
        return plan.run(a, b, out, False)
    if a.dtype != b.dtype or a.dtype not in DTYPES:
        return None
    m, k = a.shape
    count = blocks_for(m, k, b.shape[1])
    if count == 1 or not (m and k and b.shape[1]):
        return None
    return product_blocks(a, b, count, out=out)


def product_blocks(
    a: Array, b: Array, count: int, split: int | None = None, out: Array | None = None, add: bool = False
) -> Array | None:
    """``a @ b`` in ``count`` blocks (float matrices of one dtype), into ``out`` if given (C-contiguous, of the
    result's shape and dtype), or added to ``out`` (``add``); None where numba or the BLAS's GEMM is missing."""
    blas_at = blas.kernel_argument(a.dtype)
    if blas_at is None or not jit.enabled():
        return None
    m, k = a.shape
    n = b.shape[1]
    sa, ta, lda = _operand(a)
    sb, tb, ldb = _operand(b)
    if out is None:
        out = np.empty((m, n), dtype=a.dtype)
    split = split_for(m, k, n) if split is None else split
    scratch = np.empty((count - 1) * m * n if split == BY_INNER else 0, dtype=a.dtype)
    beta = a.dtype.type(1 if add else 0)
    try:
        run = blocked_gemm if threads.kernel_threads() > 1 else blocked_gemm_serial
        run(sa, ta, lda, sb, tb, ldb, out.reshape(-1), beta, scratch, m, n, k, count, split, blas_at)
    except jit.KernelUnavailable:
        return None
    return out


def add_product(a: Array, b: Array, into: Array) -> bool:
    """``into += a @ b`` with the product's GEMM adding into ``into`` (no product array, no second pass); False
    where it cannot (a product below the blocks' size, another dtype or layout, memory shared with an operand,
    numba or the GEMM missing): the caller adds the product itself."""
    if type(a) is not np.ndarray or type(b) is not np.ndarray or type(into) is not np.ndarray:
        return False
    plan = _plan(a, b)
    if plan is not None:
        if (
            into.dtype != plan.dtype
            or into.shape != (plan.m, plan.n)
            or not (into.flags.c_contiguous and into.flags.writeable)
            or np.may_share_memory(into, a)
            or np.may_share_memory(into, b)
        ):
            return False
        return plan.run(a, b, into, True) is not None
    (m, k), n = a.shape, b.shape[1]
    count = blocks_for(m, k, n)
    if (
        count == 1
        or not (m and k and n)
        or not (a.dtype == b.dtype == into.dtype and a.dtype in DTYPES)
        or into.shape != (m, n)
        or not (into.flags.c_contiguous and into.flags.writeable)
        or np.may_share_memory(into, a)
        or np.may_share_memory(into, b)
    ):
        return False
    return product_blocks(a, b, count, out=into, add=True) is not None


KERNELS = (blocked_gemm, blocked_gemm_serial)
