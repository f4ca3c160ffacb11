"""Softmax cross-entropy of a batch of logits and class indices as one compiled pass forward and one backward: the
host's variant of ``cross_entropy.CrossEntropyLoss``.

For the common call ((N, C) logits, class indices in range, no weights or smoothing, mean or sum) the plain
twin is about ten numpy calls (the row max, the shift, exp, the row sums, log, the gather of the targets'
log-probabilities, their sum, the range check), each a few microseconds of numpy's overhead on a classifier's
64x10 logits: twice torch's time for the loss. Here a row's log-softmax is the plain twin's formula,
``(x - max) - log(sum(exp(x - max)))``, the sum in the logits' dtype and in numpy's order (a last-bit
difference there is enough to part LeNet's float32 SGD trajectory from torch's after ~150 steps: with
float64 sums it did, ``tests/test_reference.py``), and the loss sums the targets' log-probabilities in row
order in float64: equal to the twin within float rounding (``tests/test_ops_numba.py``; exp and log are
libm's here, numpy's own there). Backward is ``(exp(logp) - one_hot) * scale`` per element, the twin's formula.
Rows are shared over the threads for large inputs. Every other call, tensors under create_graph and a
target out of range (the twin raises torch's error) go to the plain twin. Registered on the host when numba
is present.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd.function import Context
from ..backend import HOST, Array, jit, threads
from ..backend.jit import prange
from .cross_entropy import CrossEntropyLoss

DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
# Logits from which the rows are shared over the threads (threads.worth_sharing); below, the serial twins.
PARALLEL_WORK = 1 << 15


@jit.helper
def log_softmax_row(x, logp, i):  # pragma: no cover - compiled by numba
    """logp[i] = (x[i] - max) - log(sum(exp(x[i] - max))); a NaN in the row is its max, as numpy's."""
    c = x.shape[1]
    top = x[i, 0]
    for k in range(1, c):
        v = x[i, k]
        if v > top or v != v:
            top = v
    for k in range(c):
        logp[i, k] = math.exp(x[i, k] - top)
    shift = x.dtype.type(math.log(row_sum(logp, i)))
    for k in range(c):
        logp[i, k] = (x[i, k] - top) - shift


@jit.helper
def row_sum(a, i):  # pragma: no cover - compiled by numba
    """sum(a[i]) in a's dtype, added in numpy's order for a contiguous row of up to 128 (eight running sums,
    then the rest in turn), so that the log-probabilities have the plain twin's bits; longer rows in float64."""
    n = a.shape[1]
    if n < 8:
        total = a.dtype.type(0)
        for k in range(n):
            total += a[i, k]
        return total
    if n > 128:
        wide = 0.0
        for k in range(n):
            wide += a[i, k]
        return a.dtype.type(wide)
    r0, r1, r2, r3 = a[i, 0], a[i, 1], a[i, 2], a[i, 3]
    r4, r5, r6, r7 = a[i, 4], a[i, 5], a[i, 6], a[i, 7]
    k = 8
    while k < n - n % 8:
        r0 += a[i, k]
        r1 += a[i, k + 1]
        r2 += a[i, k + 2]
        r3 += a[i, k + 3]
        r4 += a[i, k + 4]
        r5 += a[i, k + 5]
        r6 += a[i, k + 6]
        r7 += a[i, k + 7]
        k += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while k < n:
        total += a[i, k]
        k += 1
    return total


@jit.helper
def in_range(target, classes):  # pragma: no cover - compiled by numba
    """Whether every class index lies in [0, classes)."""
    for i in range(target.size):
        if target[i] < 0 or target[i] >= classes:
            return False
    return True


@jit.helper
def picked_sum(logp, target):  # pragma: no cover - compiled by numba
    """The sum of the targets' log-probabilities, in row order, in float64."""
    total = 0.0
    for i in range(target.size):
        total += logp[i, target[i]]
    return total


@jit.kernel(parallel=True)
def cross_entropy_forward(x, target, logp):  # pragma: no cover - compiled by numba
    """(whether every target is in range, the sum of their log-probabilities), logp filled; rows on all threads."""
    if not in_range(target, x.shape[1]):
        return False, 0.0
    for i in prange(x.shape[0]):
        log_softmax_row(x, logp, i)
    return True, picked_sum(logp, target)


@jit.kernel
def cross_entropy_forward_serial(x, target, logp):  # pragma: no cover - compiled by numba
    """``cross_entropy_forward`` on the calling thread."""
    if not in_range(target, x.shape[1]):
        return False, 0.0
    for i in range(x.shape[0]):
        log_softmax_row(x, logp, i)
    return True, picked_sum(logp, target)


@jit.helper
def gradient_row(logp, target, scale, gx, i):  # pragma: no cover - compiled by numba
    """gx[i] = (exp(logp[i]) - one_hot(target[i])) * scale."""
    one, zero = logp.dtype.type(1), logp.dtype.type(0)
    t = target[i]
    for k in range(logp.shape[1]):
        gx[i, k] = (math.exp(logp[i, k]) - (one if k == t else zero)) * scale


@jit.kernel(parallel=True)
def cross_entropy_backward(logp, target, scale, gx):  # pragma: no cover - compiled by numba
    """``gradient_row`` for every row, on all threads."""
    for i in prange(logp.shape[0]):
        gradient_row(logp, target, scale, gx, i)


@jit.kernel
def cross_entropy_backward_serial(logp, target, scale, gx):  # pragma: no cover - compiled by numba
    """``cross_entropy_backward`` on the calling thread."""
    for i in range(logp.shape[0]):
        gradient_row(logp, target, scale, gx, i)


def _covered(x: Any, target: Any, weight: Any, ignore_index: int, smoothing: float, reduction: str) -> bool:
    """The common call the plain twin's fast path takes, on C-contiguous host arrays of a float dtype."""
    return (
        type(x) is np.ndarray
        and type(target) is np.ndarray
        and x.dtype in DTYPES
        and x.ndim == 2
        and x.size > 0
        and x.flags.c_contiguous
        and target.ndim == 1
        and target.dtype.kind in "iu"
        and target.shape[0] == x.shape[0]
        and weight is None
        and not smoothing
        and (reduction == "mean" or reduction == "sum")
        and not 0 <= ignore_index < x.shape[1]  # (a target equal to ignore_index would be ignored)
    )


class CrossEntropyLossNumba(CrossEntropyLoss):
    """Cross-entropy of (N, C) logits and class indices in one compiled pass each way; other calls: the twin's."""

    node_name = "CrossEntropyLossBackward0"

    @staticmethod
    def forward(
        ctx: Context, x: Array, target: Array, weight: Array | None, ignore_index: int, smoothing: float, reduction: str
    ) -> Array:
        if not _covered(x, target, weight, ignore_index, smoothing, reduction):
            return CrossEntropyLoss.forward(ctx, x, target, weight, ignore_index, smoothing, reduction)
        logp = np.empty_like(x)
        index = np.ascontiguousarray(target)
        run = cross_entropy_forward if threads.worth_sharing(x.size, PARALLEL_WORK) else cross_entropy_forward_serial
        try:
            ok, total = run(x, index, logp)
        except jit.KernelUnavailable:  # numba failed in this process: the plain twin, from now on
            ok = False
        if not ok:  # (a target out of range: the twin raises torch's error)
            return CrossEntropyLoss.forward(ctx, x, target, weight, ignore_index, smoothing, reduction)
        rows = x.dtype.type(x.shape[0])
        ctx.save_for_backward(logp, x, None, None)  # what the plain twin's backward reads, too
        ctx.plain = index
        ctx.conf = (smoothing, reduction, rows)
        loss = -x.dtype.type(total)
        return np.asarray(loss if reduction == "sum" else loss / rows)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        logp, *_ = ctx.saved_tensors
        index = ctx.plain  # (None: the twin's general path ran forward)
        if type(grad) is not np.ndarray or index is None or grad.dtype != logp.dtype:
            return CrossEntropyLoss.backward(ctx, grad)  # (create_graph's tensors among them)
        _, reduction, rows = ctx.conf
        scale = grad if reduction == "sum" else grad / rows
        gx = np.empty_like(logp)
        parallel = threads.worth_sharing(logp.size, PARALLEL_WORK)
        try:
            (cross_entropy_backward if parallel else cross_entropy_backward_serial)(
                logp, index, logp.dtype.type(scale), gx
            )
        except jit.KernelUnavailable:
            return CrossEntropyLoss.backward(ctx, grad)
        return gx, None, None, None, None, None


KERNELS = (cross_entropy_forward, cross_entropy_forward_serial, cross_entropy_backward, cross_entropy_backward_serial)
jit.register(HOST, CrossEntropyLoss, CrossEntropyLossNumba)
