"""Batch normalisation in training mode, forward and backward, as compiled passes per channel on all threads: the
host's variant of ``normalization.BatchNorm``.

The plain twin is five to seven numpy passes over the activation, each on one core (einsum for the
per-channel sums): about a third of the BatchNorm CNN's step at batch 64. Here each channel is one
iteration of a parallel loop (``prange``) that reads its planes of every sample: two passes for the
statistics and one for the output forward, one for the two sums and one for the input's gradient
backward. The formulas are the plain twin's (the mean in two steps: a first estimate, then the mean of
the residuals, which also gives the variance; the gradient as ``g a + (d k - c)``); the sums run in
float64, each plane's in vector lanes (``jit.helper(reassociate=True)``: 3x faster than one running sum),
so results agree with the twin and with torch within float32 rounding (``tests/test_ops_numba.py``).
Small inputs run the serial twins on the calling thread. Evaluation mode, tensors under create_graph,
other dtypes and strided inputs go to the plain twin. Registered on the host when numba is present.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd.function import Context
from ..backend import HOST, Array, jit, threads
from ..backend.jit import prange
from .base import is_tensor
from .normalization import BatchNorm

DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
# Elements from which the channels are shared over the threads (threads.worth_sharing); below, the serial twins.
PARALLEL_WORK = 1 << 15


# The per-plane sums below may be regrouped by the compiler (``reassociate``: vector lanes, summed at the end):
# one running sum waits on each addition's latency, and a channel's statistics took 3-4x longer. Each plane's
# partial sum is added to the channel's float64 total in image order.
@jit.helper(reassociate=True)
def plane_sum(x, i, ch, plane):  # pragma: no cover - compiled by numba
    """sum(x[i, ch, :]) in float64."""
    total = 0.0
    for j in range(plane):
        total += x[i, ch, j]
    return total


@jit.helper(reassociate=True)
def plane_moments(x, i, ch, plane, estimate):  # pragma: no cover - compiled by numba
    """(sum(d), sum(d * d)) over x[i, ch, :], d = x - estimate, in float64."""
    first = 0.0
    second = 0.0
    for j in range(plane):
        d = x[i, ch, j] - estimate
        first += d
        second += d * d
    return first, second


@jit.helper(reassociate=True)
def plane_grad_sums(grad, x, i, ch, plane, m):  # pragma: no cover - compiled by numba
    """(sum(g), sum(g * (x - m))) over channel ``ch`` of image ``i``, in float64."""
    sg = 0.0
    sgd = 0.0
    for j in range(plane):
        g = grad[i, ch, j]
        sg += g
        sgd += g * (x[i, ch, j] - m)
    return sg, sgd


@jit.helper
def forward_channel(x, w, b, eps, out, mean, var, invstd, ch):  # pragma: no cover - compiled by numba
    """Channel ``ch`` of x (n, c, plane): out = (x - mean) * invstd * w + b, with the batch's mean, biased
    variance and invstd written to ``mean``, ``var``, ``invstd`` (the plain twin's two-step mean)."""
    n, plane = x.shape[0], x.shape[2]
    count = n * plane
    total = 0.0
    for i in range(n):
        total += plane_sum(x, i, ch, plane)
    estimate = x.dtype.type(total / count)
    first = 0.0
    second = 0.0
    for i in range(n):
        d1, d2 = plane_moments(x, i, ch, plane, estimate)
        first += d1
        second += d2
    shift = first / count
    v = second / count - shift * shift
    inv = x.dtype.type(1.0 / math.sqrt(v + eps))
    scale = inv * w[ch]
    offset = b[ch] - x.dtype.type(shift) * scale
    for i in range(n):
        for j in range(plane):
            out[i, ch, j] = (x[i, ch, j] - estimate) * scale + offset
    mean[ch], var[ch], invstd[ch] = estimate + x.dtype.type(shift), v, inv


@jit.kernel(parallel=True)
def batch_norm_forward(x, w, b, eps, out, mean, var, invstd):  # pragma: no cover - compiled by numba
    """``forward_channel`` for every channel, on all threads (``w``, ``b``: ones and zeros when absent)."""
    for ch in prange(x.shape[1]):
        forward_channel(x, w, b, eps, out, mean, var, invstd, ch)


@jit.kernel
def batch_norm_forward_serial(x, w, b, eps, out, mean, var, invstd):  # pragma: no cover - compiled by numba
    """``batch_norm_forward`` on the calling thread."""
    for ch in range(x.shape[1]):
        forward_channel(x, w, b, eps, out, mean, var, invstd, ch)


@jit.helper
def backward_channel(grad, x, mean, invstd, w, gx, sum_g, sum_gd, want_gx, ch):  # pragma: no cover - numba
    """Channel ``ch``'s sums of grad and grad * (x - mean), and (``want_gx``) the input's gradient
    gx = grad a + ((x - mean) k - c), a = invstd w, k = -a invstd^2 sum_gd / count, c = a sum_g / count."""
    n, plane = x.shape[0], x.shape[2]
    count = n * plane
    m = mean[ch]
    sg = 0.0
    sgd = 0.0
    for i in range(n):
        g1, g2 = plane_grad_sums(grad, x, i, ch, plane, m)
        sg += g1
        sgd += g2
    sum_g[ch], sum_gd[ch] = sg, sgd
    if want_gx:
        inv = invstd[ch]
        a = inv * w[ch]
        k = x.dtype.type(-a * inv * inv * x.dtype.type(sgd) / count)
        cc = x.dtype.type(a * x.dtype.type(sg) / count)
        for i in range(n):
            for j in range(plane):
                gx[i, ch, j] = grad[i, ch, j] * a + ((x[i, ch, j] - m) * k - cc)


@jit.kernel(parallel=True)
def batch_norm_backward(grad, x, mean, invstd, w, gx, sum_g, sum_gd, want_gx):  # pragma: no cover - numba
    """``backward_channel`` for every channel, on all threads."""
    for ch in prange(x.shape[1]):
        backward_channel(grad, x, mean, invstd, w, gx, sum_g, sum_gd, want_gx, ch)


@jit.kernel
def batch_norm_backward_serial(grad, x, mean, invstd, w, gx, sum_g, sum_gd, want_gx):  # pragma: no cover
    """``batch_norm_backward`` on the calling thread."""
    for ch in range(x.shape[1]):
        backward_channel(grad, x, mean, invstd, w, gx, sum_g, sum_gd, want_gx, ch)


def _planes(x: Array) -> Array:
    """x as (n, c, positions), a view."""
    return x.reshape(x.shape[0], x.shape[1], -1)


def _covered(x: Any, w: Any, b: Any) -> bool:
    """A C-contiguous float host array with at least one value per channel, and weights of its dtype (or none)."""
    return (
        type(x) is np.ndarray
        and x.dtype in DTYPES
        and x.ndim >= 2
        and x.size > 0
        and x.flags.c_contiguous
        and all(v is None or (type(v) is np.ndarray and v.dtype == x.dtype and v.ndim == 1) for v in (w, b))
    )


class BatchNormNumba(BatchNorm):
    """BatchNorm whose training-mode forward and backward are compiled per-channel passes on all threads."""

    node_name = "NativeBatchNormBackward0"

    @staticmethod
    def forward(
        ctx: Context, x: Array, w: Array | None, b: Array | None, mean: Any, var: Any, training: bool, eps: float
    ) -> tuple:
        if not (training and _covered(x, w, b)):
            return BatchNorm.forward(ctx, x, w, b, mean, var, training, eps)
        c, dt = x.shape[1], x.dtype
        weight = np.ones(c, dt) if w is None else w
        bias = np.zeros(c, dt) if b is None else b
        out = np.empty(x.shape, dt)
        mean, var, invstd = np.empty(c, dt), np.empty(c, dt), np.empty(c, dt)
        run = batch_norm_forward if threads.worth_sharing(x.size, PARALLEL_WORK) else batch_norm_forward_serial
        try:
            run(_planes(x), weight, bias, float(eps), _planes(out), mean, var, invstd)
        except jit.KernelUnavailable:  # numba failed in this process: the plain twin, from now on
            return BatchNorm.forward(ctx, x, w, b, None, None, training, eps)
        return BatchNorm.keep(ctx, x, w, mean, var, invstd, training, eps, out)  # (either backward reads them)

    @staticmethod
    def backward(ctx: Context, grad: Array, _gmean: Any = None, _gvar: Any = None) -> tuple:
        x, w, mean, invstd = ctx.saved_tensors
        if not ctx.training or is_tensor(grad) or invstd is None or type(grad) is not np.ndarray:
            return BatchNorm.backward(ctx, grad, _gmean, _gvar)
        grad = np.ascontiguousarray(grad, dtype=x.dtype)
        c, dt = x.shape[1], x.dtype
        need = ctx.needs_input_grad
        # (C order whatever x's layout: the kernel writes through a (n, c, positions) view of it, which a
        # reshape of a column-major array would have made a copy of)
        gx = np.empty(x.shape, dt) if need[0] else np.empty((1, c, 1), dt)
        sum_g, sum_gd = np.empty(c, dt), np.empty(c, dt)
        weight = np.ones(c, dt) if w is None else w
        run = batch_norm_backward if threads.worth_sharing(x.size, PARALLEL_WORK) else batch_norm_backward_serial
        try:
            run(_planes(grad), _planes(x), mean, invstd, weight, _planes(gx), sum_g, sum_gd, need[0])
        except jit.KernelUnavailable:
            return BatchNorm.backward(ctx, grad, _gmean, _gvar)
        return BatchNorm.gradients(ctx, gx, sum_g, sum_gd, invstd)


KERNELS = (batch_norm_forward, batch_norm_forward_serial, batch_norm_backward, batch_norm_backward_serial)
jit.register(HOST, BatchNorm, BatchNormNumba)
