"""Max pooling on the GPU: one kernel forward, one backward, beside the plain twins (pool.py, pool_tiled.py).

The forward walks each window as torch's CUDA kernel does: the first maximum wins a tie, a NaN
wins over everything (the last NaN of the window), a window with no value above -inf points at
its first tap inside the input, and a dilated window that misses the input points past the plane.
It writes the values and torch's flat per-plane indices in one pass, with no host synchronisation
(the plain twins ask the host whether a NaN is present).

Backward: for overlapping windows the gradient is added at each index (atomics into zeros); for
non-overlapping tiles (LeNet's 2x2) each input element reads its one window's index and gradient,
so the kernel writes every element once, with neither atomics nor a separate zero fill.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Context
from ..backend import CUDA, Array, array_module, backend_of
from ..backend.cuda_kernels import T_OF_DTYPE, CudaKernel, grid_for
from .base import is_tensor
from .pool import MaxPool2DWithIndices, output_size
from .pool_tiled import MaxPool2DTiled
from .unary_cuda import GRID_STRIDE

_WINDOW_PARAMS = "int h, int w, int ho, int wo, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw"


def _max_pool_forward(
    out: np.ndarray, index: np.ndarray, x: np.ndarray, n: Any, *g: Any
) -> None:  # the kernel's loops, vectorised over windows
    h, w, ho, wo, kh, kw, sh, sw, ph, pw, dh, dw = (int(v) for v in g)
    planes = x.reshape(-1, h * w)
    best = np.full((planes.shape[0], ho * wo), -np.inf, dtype=x.dtype)
    pick = np.zeros((planes.shape[0], ho * wo), dtype=np.int64)
    oh, ow = np.divmod(np.arange(ho * wo), wo)
    hstart, wstart = oh * sh - ph, ow * sw - pw
    hend, wend = np.minimum(hstart + (kh - 1) * dh + 1, h), np.minimum(wstart + (kw - 1) * dw + 1, w)
    hstart = np.where(hstart < 0, hstart + (-hstart + dh - 1) // dh * dh, hstart)
    wstart = np.where(wstart < 0, wstart + (-wstart + dw - 1) // dw * dw, wstart)
    pick[:] = hstart * w + wstart
    for i in range(kh):
        for j in range(kw):
            ih, iw = hstart + i * dh, wstart + j * dw
            valid = (ih < hend) & (iw < wend)
            at = np.where(valid, ih * w + iw, 0)
            val = planes[:, at]
            take = valid & ((val > best) | np.isnan(val))
            best = np.where(take, val, best)
            pick = np.where(take, at, pick)
    out.reshape(-1)[:] = best.reshape(-1)
    index.reshape(-1)[:] = pick.reshape(-1)


MAX_POOL_FORWARD = CudaKernel(
    "max_pool_forward",
    f"T* out, long long* index, const T* x, long long n, {_WINDOW_PARAMS}",
    f"""    {GRID_STRIDE} {{
        const long long plane = i / ((long long)ho * wo);
        const int oh = (int)((i / wo) % ho), ow = (int)(i % wo);
        int hstart = oh * sh - ph, wstart = ow * sw - pw;
        const int hend = min(hstart + (kh - 1) * dh + 1, h), wend = min(wstart + (kw - 1) * dw + 1, w);
        while (hstart < 0) hstart += dh;
        while (wstart < 0) wstart += dw;
        const T* src = x + plane * h * w;
        T best = -(T)__longlong_as_double(0x7ff0000000000000ULL);  /* -inf without a header */
        long long pick = (long long)hstart * w + wstart;
        for (int ih = hstart; ih < hend; ih += dh) {{
            for (int iw = wstart; iw < wend; iw += dw) {{
                const T v = src[ih * w + iw];
                if (v > best || isnan(v)) {{ best = v; pick = (long long)ih * w + iw; }}
            }}
        }}
        out[i] = best;
        index[i] = pick;
    }}""",
    _max_pool_forward,
)


def _max_pool_backward(gx: np.ndarray, g: np.ndarray, index: np.ndarray, n: Any, hw: Any, howo: Any) -> None:
    flat = gx.reshape(-1, int(hw))
    idx = index.reshape(flat.shape[0], -1)
    inside = idx < int(hw)
    rows = np.broadcast_to(np.arange(flat.shape[0])[:, None], idx.shape)
    np.add.at(flat, (rows[inside], idx[inside]), g.reshape(idx.shape)[inside])


MAX_POOL_BACKWARD = CudaKernel(
    "max_pool_backward",
    "T* gx, const T* g, const long long* index, long long n, long long hw, long long howo",
    f"""    {GRID_STRIDE} {{
        const long long at = index[i];
        if (at < hw) atomicAdd(gx + (i / howo) * hw + at, g[i]);
    }}""",
    _max_pool_backward,
)


def _max_pool_tiled_backward(gx: np.ndarray, g: np.ndarray, index: np.ndarray, n: Any, *geo: Any) -> None:
    h, w, ho, wo, kh, kw = (int(v) for v in geo)
    planes = gx.reshape(-1, h, w)
    planes[...] = 0
    ih, iw = np.arange(h)[:, None], np.arange(w)
    oh, ow = ih // kh, iw // kw
    inside = (oh < ho) & (ow < wo)
    win = np.where(inside, np.minimum(oh, ho - 1) * wo + np.minimum(ow, wo - 1), 0)
    idx, gr = index.reshape(-1, ho * wo), g.reshape(-1, ho * wo)
    mine = inside & (idx[:, win] == ih * w + iw)
    planes[...] = np.where(mine, gr[:, win], 0)


MAX_POOL_TILED_BACKWARD = CudaKernel(
    "max_pool_tiled_backward",
    "T* gx, const T* g, const long long* index, long long n, int h, int w, int ho, int wo, int kh, int kw",
    f"""    {GRID_STRIDE} {{
        const long long plane = i / ((long long)h * w);
        const int ih = (int)((i / w) % h), iw = (int)(i % w);
        const int oh = ih / kh, ow = iw / kw;
        T value = T(0);
        if (oh < ho && ow < wo) {{
            const long long at = plane * ho * wo + (long long)oh * wo + ow;
            if (index[at] == (long long)ih * w + iw) value = g[at];
        }}
        gx[i] = value;
    }}""",
    _max_pool_tiled_backward,
)


def _forward(x: Array, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple, out: tuple) -> tuple:
    xp = array_module(x)
    n, c, h, w = x.shape
    values = xp.empty((n, c) + tuple(out), dtype=x.dtype)
    index = xp.empty((n, c) + tuple(out), dtype=np.int64)
    geo = (h, w, out[0], out[1], *kernel, *stride, *padding, *dilation)
    backend_of(x).launch(MAX_POOL_FORWARD, grid_for(values.size), (256,), (values, index, x, values.size, *geo))
    return values, index


class MaxPool2DWithIndicesCuda(MaxPool2DWithIndices):
    """Max over each window and torch's flat per-plane index of it, in one kernel."""

    node_name = "MaxPool2DWithIndicesBackward0"

    @staticmethod
    def forward(
        ctx: Context, x: Array, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple, ceil_mode: bool
    ) -> tuple:
        if x.dtype not in T_OF_DTYPE:
            ctx.plain = True
            return MaxPool2DWithIndices.forward(ctx, x, kernel, stride, padding, dilation, ceil_mode)
        ctx.plain = False
        x = array_module(x).ascontiguousarray(x)
        h, w = x.shape[-2:]
        out = tuple(
            output_size(n, k, s, p, d, ceil_mode) for n, k, s, p, d in zip((h, w), kernel, stride, padding, dilation)
        )
        values, index = _forward(x, kernel, stride, padding, dilation, out)
        ctx.shape, ctx.index = x.shape, index
        ctx.mark_non_differentiable(index)
        return values, index

    @staticmethod
    def backward(ctx: Context, grad: Array, _grad_index: Array | None = None) -> tuple:
        if ctx.plain or is_tensor(grad):  # create_graph: the plain backward, differentiable (ctx.shape, ctx.index)
            return MaxPool2DWithIndices.backward(ctx, grad, _grad_index)
        xp = array_module(grad)
        n, c, h, w = ctx.shape
        g = xp.ascontiguousarray(grad)
        gx = xp.zeros(ctx.shape, dtype=grad.dtype)
        backend_of(g).launch(
            MAX_POOL_BACKWARD, grid_for(g.size), (256,), (gx, g, ctx.index, g.size, h * w, g.shape[2] * g.shape[3])
        )
        return gx, None, None, None, None, None


class MaxPool2DTiledCuda(MaxPool2DTiled):
    """Max over non-overlapping tiles: the general forward kernel, and a backward that writes each element once."""

    node_name = "MaxPool2DWithIndicesBackward0"

    @staticmethod
    def forward(ctx: Context, x: Array, kernel: tuple, out: tuple) -> Array:
        if x.dtype not in T_OF_DTYPE:
            ctx.plain = True
            return MaxPool2DTiled.forward(ctx, x, kernel, out)
        ctx.plain = False
        x = array_module(x).ascontiguousarray(x)
        values, index = _forward(x, kernel, kernel, (0, 0), (1, 1), out)
        ctx.shape, ctx.index, ctx.conf = x.shape, index, (kernel, out)
        return values

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        if ctx.plain:
            return MaxPool2DTiled.backward(ctx, grad)
        if is_tensor(grad):  # create_graph: the general path's differentiable scatter through the kernel's indices
            return MaxPool2DWithIndices.backward(ctx, grad)[0], None, None
        (kh, kw), (ho, wo) = ctx.conf
        n, c, h, w = ctx.shape
        g = array_module(grad).ascontiguousarray(grad)
        gx = array_module(grad).empty(ctx.shape, dtype=grad.dtype)
        backend_of(g).launch(
            MAX_POOL_TILED_BACKWARD, grid_for(gx.size), (256,), (gx, g, ctx.index, gx.size, h, w, ho, wo, kh, kw)
        )
        return gx, None, None


KERNELS = (MAX_POOL_FORWARD, MAX_POOL_BACKWARD, MAX_POOL_TILED_BACKWARD)
VARIANTS = {MaxPool2DWithIndices: MaxPool2DWithIndicesCuda, MaxPool2DTiled: MaxPool2DTiledCuda}
for _plain, _fast in VARIANTS.items():
    CUDA.register_kernel(_plain, _fast)
