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

gemm = jit.Deferred(blas.gemm_intrinsic)


@jit.helper
def gemm_block(a, ta, lda, b, tb, ldb, c, m, n, k, count, by_rows, blk, blas_at):  # pragma: no cover - numba
    """Block ``blk`` of ``count`` of c (m, n) = op(a) @ op(b): its rows (``by_rows``) or columns. a, b: the flat
    storage of the operands, ``ta``/``tb`` CBLAS's NO_TRANS/TRANS, ``lda``/``ldb`` their row lengths."""
    item = c.itemsize
    one, zero = c.dtype.type(1), c.dtype.type(0)
    if by_rows:
        first, last = m * blk // count, m * (blk + 1) // count
        a_at = a.ctypes.data + (first * lda if ta == NO_TRANS else first) * item
        gemm(
            blas_at[0], blas_at[1], ta, tb, last - first, n, k, one, a_at, lda,
            b.ctypes.data, ldb, zero, c.ctypes.data + first * n * item, n,
        )  # fmt: skip
    else:
        first, last = n * blk // count, n * (blk + 1) // count
        b_at = b.ctypes.data + (first if tb == NO_TRANS else first * ldb) * item
        gemm(
            blas_at[0], blas_at[1], ta, tb, m, last - first, k, one, a.ctypes.data, lda,
            b_at, ldb, zero, c.ctypes.data + first * item, n,
        )  # fmt: skip


@jit.kernel(parallel=True)
def blocked_gemm(a, ta, lda, b, tb, ldb, c, m, n, k, count, by_rows, blas_at):  # pragma: no cover - numba
    """c (m, n) = op(a) @ op(b) in ``count`` blocks (``gemm_block``) run in parallel."""
    for blk in prange(count):
        gemm_block(a, ta, lda, b, tb, ldb, c, m, n, k, count, by_rows, blk, blas_at)


@jit.kernel
def blocked_gemm_serial(a, ta, lda, b, tb, ldb, c, m, n, k, count, by_rows, blas_at):  # pragma: no cover - numba
    """The same blocks in order on the calling thread (same bits): one thread, or a forked child."""
    for blk in range(count):
        gemm_block(a, ta, lda, b, tb, ldb, c, m, n, k, count, by_rows, blk, blas_at)


def blocks_for(m: int, k: int, n: int) -> int:
    """How many blocks (a power of two) a product of (m, k) @ (k, n) is cut into: each at least ``MIN_BLOCK``
    multiply-adds, at most ``MAX_BLOCKS``; a function of the shape alone."""
    wanted = min(MAX_BLOCKS, max(m, n), (m * k * n) // MIN_BLOCK)
    return 1 << (max(1, wanted).bit_length() - 1)


def _operand(x: Array) -> tuple:
    """(flat storage, NO_TRANS or TRANS, row length) of a matrix for the GEMM, copying only a strided one."""
    if x.flags.c_contiguous:
        return x.reshape(-1), NO_TRANS, max(1, x.shape[1])
    if x.flags.f_contiguous:
        return x.T.reshape(-1), TRANS, max(1, x.shape[0])
    x = np.ascontiguousarray(x)
    return x.reshape(-1), NO_TRANS, max(1, x.shape[1])


def product(a: Array, b: Array) -> Array | None:
    """``a @ b`` for float matrices of one dtype, cut into blocks on numba's threads; None where it cannot
    (another dtype or array type, an empty operand, numba or the BLAS's GEMM unavailable): the caller's turn."""
    if type(a) is not np.ndarray or type(b) is not np.ndarray or a.dtype != b.dtype or a.dtype not in DTYPES:
        return None
    m, k = a.shape
    count = blocks_for(m, k, b.shape[1])
    if count == 1 or not (m and k and b.shape[1]):
        return None
    return product_blocks(a, b, count)


def product_blocks(a: Array, b: Array, count: int) -> Array | None:
    """``a @ b`` in ``count`` blocks (float matrices of one dtype); None where numba or the BLAS's GEMM is missing."""
    blas_at = blas.kernel_argument(a.dtype)
    if blas_at is None or not jit.enabled():
        return None
    m, k = a.shape
    n = b.shape[1]
    sa, ta, lda = _operand(a)
    sb, tb, ldb = _operand(b)
    out = np.empty((m, n), dtype=a.dtype)
    try:
        run = blocked_gemm if threads.kernel_threads() > 1 else blocked_gemm_serial
        run(sa, ta, lda, sb, tb, ldb, out.reshape(-1), m, n, k, count, m >= n, blas_at)
    except jit.KernelUnavailable:
        return None
    return out


KERNELS = (blocked_gemm, blocked_gemm_serial)
