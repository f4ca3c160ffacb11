"""Softmax cross-entropy on the GPU: one kernel forward, one backward, beside ``CrossEntropyLoss``.

For the common call — (N, C) logits, int64 class indices, no weights, no label smoothing, mean or
sum — the forward is one single-block kernel: per row the stable log-sum-exp, the loss, and the
gradient's ``softmax - one_hot`` kept for backward; then a block reduction gives the loss and the
mean's divisor (the rows not ignored), both left on the device. The backward is one elementwise
kernel scaling the kept rows by the upstream gradient read on the device. Nothing is read back:
a class index out of range sets a flag that the backend checks at the next synchronisation
(torch's CUDA build reports it as a device-side assert). Every other call takes the plain op.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Context
from ..backend import CUDA, Array, array_module, backend_of
from ..backend.cuda_kernels import T_OF_DTYPE, CudaKernel
from .base import array_of, is_tensor
from .cross_entropy import CrossEntropyLoss, class_weights
from .unary_cuda import GRID_STRIDE

BLOCK = 256


def _xent_forward(
    loss: np.ndarray,
    denom: np.ndarray,
    rows: np.ndarray,
    flag: np.ndarray,
    x: np.ndarray,
    target: np.ndarray,
    n: Any,
    c: Any,
    ignore_index: Any,
    mean: Any,
) -> None:
    n, c = int(n), int(c)
    x = x.reshape(n, c)
    t = target.reshape(n)
    ignored = t == ignore_index
    bad = ~ignored & ((t < 0) | (t >= c))
    flag[0], flag[1] = 0, 0
    if bad.any():
        flag[0], flag[1] = 1, t[bad][-1]
    m = x.max(axis=1, keepdims=True)
    lse = m + np.log(np.exp(x - m).sum(axis=1, keepdims=True))
    safe = np.where(ignored | bad, 0, t)
    picked = np.take_along_axis(x, safe[:, None], axis=1)
    per_row = np.where(ignored | bad, 0, (lse - picked)[:, 0])
    one_hot = np.arange(c)[None, :] == t[:, None]
    rows.reshape(n, c)[...] = np.where(ignored[:, None], 0, np.exp(x - lse) - one_hot)
    count = int((~ignored).sum())
    total = per_row.astype(np.float64).sum()
    d = count if mean else 1
    denom[...] = d
    with np.errstate(invalid="ignore", divide="ignore"):
        loss[...] = total / d if mean else total


XENT_FORWARD = CudaKernel(
    "softmax_xent_forward",
    "T* loss, T* denom, T* rows, long long* flag, const T* x, const long long* target, int n, int c, "
    "long long ignore_index, int mean",
    f"""    __shared__ double part[{BLOCK}];
    __shared__ long long kept[{BLOCK}];
    if (threadIdx.x == 0) {{ flag[0] = 0; flag[1] = 0; }}  // (written here: no launch of its own to clear it)
    __syncthreads();
    double acc = 0.0;
    long long count = 0;
    for (int r = threadIdx.x; r < n; r += blockDim.x) {{
        const T* row = x + (long long)r * c;
        T* out = rows + (long long)r * c;
        const long long t = target[r];
        const bool ignored = t == ignore_index;
        const bool bad = !ignored && (t < 0 || t >= c);
        if (bad) {{ flag[0] = 1; flag[1] = t; }}
        T m = row[0];
        for (int k = 1; k < c; ++k) m = (row[k] > m || isnan(row[k])) ? row[k] : m;
        T s = T(0);
        for (int k = 0; k < c; ++k) s += exp(row[k] - m);
        const T lse = m + log(s);
        for (int k = 0; k < c; ++k) out[k] = ignored ? T(0) : exp(row[k] - lse) - (k == t ? T(1) : T(0));
        if (!ignored && !bad) acc += (double)(lse - row[t]);
        if (!ignored) count += 1;
    }}
    part[threadIdx.x] = acc;
    kept[threadIdx.x] = count;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half /= 2) {{
        if (threadIdx.x < half) {{
            part[threadIdx.x] += part[threadIdx.x + half];
            kept[threadIdx.x] += kept[threadIdx.x + half];
        }}
        __syncthreads();
    }}
    if (threadIdx.x == 0) {{
        const double d = mean ? (double)kept[0] : 1.0;
        denom[0] = (T)d;
        loss[0] = (T)(part[0] / d);
    }}""",
    _xent_forward,
)


def _xent_backward(gx: np.ndarray, rows: np.ndarray, g: np.ndarray, denom: np.ndarray, n: Any) -> None:
    with np.errstate(invalid="ignore", divide="ignore"):
        gx.reshape(-1)[:] = rows.reshape(-1) * (g.reshape(()) / denom.reshape(()))


XENT_BACKWARD = CudaKernel(
    "softmax_xent_backward",
    "T* gx, const T* rows, const T* g, const T* denom, long long n",
    f"""    const T scale = g[0] / denom[0];
    {GRID_STRIDE} gx[i] = rows[i] * scale;""",
    _xent_backward,
)


class CrossEntropyLossCuda(CrossEntropyLoss):
    """Cross-entropy of (N, C) logits and class indices in two kernels; every other case is the plain op's."""

    node_name = "CrossEntropyLossBackward0"

    @staticmethod
    def forward(
        ctx: Context, x: Array, target: Array, weight: Array | None, ignore_index: int, smoothing: float, reduction: str
    ) -> Array:
        common = (
            x.ndim == 2
            and x.dtype in T_OF_DTYPE
            and target.dtype == np.int64
            and target.ndim == 1
            and weight is None
            and not smoothing
            and reduction in ("mean", "sum")
            and x.shape[0] > 0
        )
        ctx.fused = common
        if not common:
            return CrossEntropyLoss.forward(ctx, x, target, weight, ignore_index, smoothing, reduction)
        xp, dev = array_module(x), backend_of(x)
        x_in = x
        x, target = xp.ascontiguousarray(x), xp.ascontiguousarray(target)
        n, c = x.shape
        loss, denom = xp.empty((), dtype=x.dtype), xp.empty((1,), dtype=x.dtype)
        rows = xp.empty((n, c), dtype=x.dtype)
        flag = xp.empty((2,), dtype=np.int64)  # cleared by the kernel
        args = (loss, denom, rows, flag, x, target, n, c, ignore_index, int(reduction == "mean"))
        dev.launch(XENT_FORWARD, (1,), (BLOCK,), args)
        dev.check_later(flag[0], lambda: IndexError(f"Target {int(flag[1])} is out of bounds."))
        ctx.rows, ctx.denom = rows, denom
        # For create_graph: the logits, and what the plain op's general backward reads.
        ctx.save_for_backward(None, x_in, None, None)
        ctx.fused_args = (target, ignore_index, reduction)
        return loss

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        if not ctx.fused:
            return CrossEntropyLoss.backward(ctx, grad)
        if is_tensor(grad):  # create_graph: the plain op's general backward, differentiable
            (_, x, _, _), (target, ignore_index, reduction) = ctx.saved_tensors, ctx.fused_args
            ctx.classes = class_weights(target, x.shape[1], None, ignore_index, array_of(x).dtype)
            ctx.plain, ctx.conf = None, (0.0, reduction, ctx.classes[2].sum())
            return CrossEntropyLoss.backward(ctx, grad)
        xp = array_module(grad)
        g = xp.ascontiguousarray(grad.astype(ctx.rows.dtype, copy=False)).reshape(1)
        gx = xp.empty(ctx.rows.shape, dtype=ctx.rows.dtype)
        n = gx.size
        backend_of(gx).launch(
            XENT_BACKWARD, (max(1, min(4096, -(-n // 256))),), (256,), (gx, ctx.rows, g, ctx.denom, n)
        )
        return gx, None, None, None, None, None


KERNELS = (XENT_FORWARD, XENT_BACKWARD)
VARIANTS = {CrossEntropyLoss: CrossEntropyLossCuda}
for _plain, _fast in VARIANTS.items():
    CUDA.register_kernel(_plain, _fast)
