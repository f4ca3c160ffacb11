"""Batch normalisation in training mode on the GPU: forward and backward one kernel each, beside the plain
``normalization.BatchNorm``.

The plain twin is a dozen CuPy calls each way (three per-channel sums by einsum forward, two backward, and
the elementwise passes between them); on a GPU each is a launch and 10-60 us of host time, and the BatchNorm
CNN's step took 9-12 ms on an H200 against torch's 2-3 (benchmarks/GPU_REPORT.md). Here one block of
threads per channel reads that channel's planes of every sample: two passes for the statistics (the plain
twin's two-step mean: a first estimate, then the mean of the residuals, which also gives the variance) and
one for the output forward; one for the two gradient sums and one for the input's gradient backward. Sums
run in float64 across the block (a shared-memory tree), so results agree with the twin and with torch within
float32 rounding (tests/test_cuda_kernels.py). One block per channel keeps a channel's sums in one place;
a channel of more than ``MAX_CHANNEL`` values (a large batch of few channels) would leave most of the GPU
idle and goes to the plain twin, as do evaluation mode, tensors under create_graph and other dtypes.
Registered on the CUDA backend at import.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd.function import Context
from ..backend import CUDA, Array, array_module, backend_of
from ..backend.cuda_kernels import T_OF_DTYPE, CudaKernel
from .base import is_tensor
from .normalization import BatchNorm

BLOCK = 256  # threads per channel (a power of two: the tree sum halves it)
MAX_CHANNEL = 1 << 20  # values per channel up to which a channel's block is worth it

BLOCK_SUM = f"""
__device__ double block_sum(double v, double* part) {{
    // The block's total of v (every thread gets it); part is {BLOCK} doubles of shared memory.
    part[threadIdx.x] = v;
    __syncthreads();
    for (int s = {BLOCK} / 2; s > 0; s >>= 1) {{
        if (threadIdx.x < s) part[threadIdx.x] += part[threadIdx.x + s];
        __syncthreads();
    }}
    const double total = part[0];
    __syncthreads();
    return total;
}}
"""
# A channel's values: sample i's plane at (i * c + ch) * plane, as k runs over count = n * plane.
CHANNEL_LOOP = "for (long long k = threadIdx.x; k < count; k += blockDim.x)"
AT = "const long long at = ((k / plane) * c + ch) * plane + k % plane;"


def _planes(a: np.ndarray, n: int, c: int, plane: int) -> np.ndarray:
    return a.reshape(-1)[: n * c * plane].reshape(n, c, plane)


def _forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, out: np.ndarray, mean: np.ndarray, var: np.ndarray,
    invstd: np.ndarray, n: int, c: int, plane: int, eps: float, has_w: int, has_b: int,
) -> None:  # fmt: skip
    dt, xs, count = x.dtype, _planes(x, n, c, plane), n * plane
    estimate = (xs.sum(axis=(0, 2), dtype=np.float64) / count).astype(dt)
    d = xs - estimate[None, :, None]
    shift = d.sum(axis=(0, 2), dtype=np.float64) / count
    v = (d.astype(np.float64) ** 2).sum(axis=(0, 2)) / count - shift * shift
    inv = (1.0 / np.sqrt(v + eps)).astype(dt)
    scale = inv * w[:c] if has_w else inv
    offset = (b[:c] if has_b else dt.type(0)) - shift.astype(dt) * scale
    _planes(out, n, c, plane)[...] = d * scale[None, :, None] + offset[None, :, None]
    mean[:c], var[:c], invstd[:c] = estimate + shift.astype(dt), v.astype(dt), inv


BATCH_NORM_FORWARD = CudaKernel(
    "batch_norm_forward",
    "const T* x, const T* w, const T* b, T* out, T* mean, T* var, T* invstd, long long n, long long c, "
    "long long plane, double eps, int has_w, int has_b",
    f"""    __shared__ double part[{BLOCK}];
    const long long count = n * plane;
    for (long long ch = blockIdx.x; ch < c; ch += gridDim.x) {{
        double s = 0.0;
        {CHANNEL_LOOP} {{ {AT} s += (double)x[at]; }}
        const T estimate = (T)(block_sum(s, part) / (double)count);
        double first = 0.0, second = 0.0;
        {CHANNEL_LOOP} {{
            {AT}
            const double d = (double)(x[at] - estimate);
            first += d;
            second += d * d;
        }}
        first = block_sum(first, part);
        second = block_sum(second, part);
        const double shift = first / (double)count;
        const double v = second / (double)count - shift * shift;
        const T inv = (T)(1.0 / sqrt(v + eps));
        const T scale = has_w ? inv * w[ch] : inv;
        const T offset = (has_b ? b[ch] : T(0)) - (T)shift * scale;
        {CHANNEL_LOOP} {{ {AT} out[at] = (x[at] - estimate) * scale + offset; }}
        if (threadIdx.x == 0) {{ mean[ch] = estimate + (T)shift; var[ch] = (T)v; invstd[ch] = inv; }}
    }}""",
    _forward,
    preamble=BLOCK_SUM,
)


def _backward(
    grad: np.ndarray, x: np.ndarray, mean: np.ndarray, invstd: np.ndarray, w: np.ndarray, gx: np.ndarray,
    sum_g: np.ndarray, sum_gd: np.ndarray, n: int, c: int, plane: int, has_w: int, want_gx: int,
) -> None:  # fmt: skip
    dt, count = x.dtype, n * plane
    gs, d = _planes(grad, n, c, plane), _planes(x, n, c, plane) - mean[None, :c, None]
    sg = gs.sum(axis=(0, 2), dtype=np.float64)
    sgd = (gs * d).sum(axis=(0, 2), dtype=np.float64)
    sum_g[:c], sum_gd[:c] = sg.astype(dt), sgd.astype(dt)
    if want_gx:
        inv = invstd[:c]
        a = inv * w[:c] if has_w else inv
        k = ((-a * inv * inv * sgd.astype(dt)).astype(np.float64) / count).astype(dt)
        cc = ((a * sg.astype(dt)).astype(np.float64) / count).astype(dt)
        _planes(gx, n, c, plane)[...] = gs * a[None, :, None] + (d * k[None, :, None] - cc[None, :, None])


BATCH_NORM_BACKWARD = CudaKernel(
    "batch_norm_backward",
    "const T* grad, const T* x, const T* mean, const T* invstd, const T* w, T* gx, T* sum_g, T* sum_gd, "
    "long long n, long long c, long long plane, int has_w, int want_gx",
    f"""    __shared__ double part[{BLOCK}];
    const long long count = n * plane;
    for (long long ch = blockIdx.x; ch < c; ch += gridDim.x) {{
        const T m = mean[ch];
        double sg = 0.0, sgd = 0.0;
        {CHANNEL_LOOP} {{
            {AT}
            const T g = grad[at];
            sg += (double)g;
            sgd += (double)(g * (x[at] - m));
        }}
        sg = block_sum(sg, part);
        sgd = block_sum(sgd, part);
        if (threadIdx.x == 0) {{ sum_g[ch] = (T)sg; sum_gd[ch] = (T)sgd; }}
        if (want_gx) {{
            const T inv = invstd[ch];
            const T a = has_w ? inv * w[ch] : inv;
            const T kk = (T)((double)(-a * inv * inv * (T)sgd) / (double)count);
            const T cc = (T)((double)(a * (T)sg) / (double)count);
            {CHANNEL_LOOP} {{ {AT} gx[at] = grad[at] * a + ((x[at] - m) * kk - cc); }}
        }}
    }}""",
    _backward,
    preamble=BLOCK_SUM,
)


def _geometry(x: Array) -> tuple:
    """(n, c, plane) of a (N, C, *) array."""
    return x.shape[0], x.shape[1], math.prod(x.shape[2:])


def _covered(x: Any, w: Any, b: Any) -> bool:
    """A C-contiguous float device array with at least one value per channel (and not too many), and weights of
    its dtype (or none)."""
    if x.dtype not in T_OF_DTYPE or x.ndim < 2 or x.size == 0 or not x.flags.c_contiguous:
        return False
    n, c, plane = _geometry(x)
    return n * plane <= MAX_CHANNEL and all(v is None or (v.dtype == x.dtype and v.ndim == 1) for v in (w, b))


class BatchNormCuda(BatchNorm):
    """BatchNorm whose training-mode forward and backward are one kernel each (a block per channel)."""

    node_name = "NativeBatchNormBackward0"

    @staticmethod
    def forward(
        ctx: Context, x: Array, w: Array | None, b: Array | None, mean: Any, var: Any, training: bool, eps: float
    ) -> tuple:
        if not (training and _covered(x, w, b)):
            return BatchNorm.forward(ctx, x, w, b, mean, var, training, eps)
        xp, dev = array_module(x), backend_of(x)
        n, c, plane = _geometry(x)
        out = xp.empty_like(x)
        mean, var, invstd = xp.empty(c, x.dtype), xp.empty(c, x.dtype), xp.empty(c, x.dtype)
        args = (x, x if w is None else w, x if b is None else b, out, mean, var, invstd, n, c, plane, float(eps))
        dev.launch(BATCH_NORM_FORWARD, (min(c, 65535),), (BLOCK,), (*args, int(w is not None), int(b is not None)))
        return BatchNorm.keep(ctx, x, w, mean, var, invstd, training, eps, out)  # (either backward reads them)

    @staticmethod
    def backward(ctx: Context, grad: Array, _gmean: Any = None, _gvar: Any = None) -> tuple:
        x, w, mean, invstd = ctx.saved_tensors
        plain = not ctx.training or is_tensor(grad) or invstd is None or not _covered(x, w, None)
        if plain or grad.dtype != x.dtype or grad.shape != x.shape:
            return BatchNorm.backward(ctx, grad, _gmean, _gvar)
        xp, dev = array_module(x), backend_of(x)
        grad = xp.ascontiguousarray(grad)
        n, c, plane = _geometry(x)
        need = ctx.needs_input_grad
        gx = xp.empty_like(x) if need[0] else x  # (not written without want_gx)
        sum_g, sum_gd = xp.empty(c, x.dtype), xp.empty(c, x.dtype)
        args = (grad, x, mean, invstd, x if w is None else w, gx, sum_g, sum_gd, n, c, plane)
        dev.launch(BATCH_NORM_BACKWARD, (min(c, 65535),), (BLOCK,), (*args, int(w is not None), int(need[0])))
        return BatchNorm.gradients(ctx, gx, sum_g, sum_gd, invstd)


KERNELS = (BATCH_NORM_FORWARD, BATCH_NORM_BACKWARD)
VARIANTS = {BatchNorm: BatchNormCuda}
for _plain, _fast in VARIANTS.items():
    CUDA.register_kernel(_plain, _fast)
