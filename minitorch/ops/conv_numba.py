"""conv2d at stride 1 by exact im2col in numba and batched GEMMs, on all threads: the host's fast kernel.

The variant of ``FlatConvolution`` (conv_flat.py) that the host registers when numba is present
(``backend/jit.py``). The flat-row kernel computes ``Wp`` columns per output row and drops the
extra ``Wp - Wo`` (40 % more GEMM work on LeNet's 14x14 conv2) because numpy can only copy whole
runs; a compiled im2col writes exactly ``Ho * Wo`` columns per image, and a compiled col2im
scatter-adds the input gradient back without a full-size temporary per kernel row. Each image's
product is one GEMM: (O, C*kh*kw) @ (C*kh*kw, Ho*Wo) lands in the (N, O, Ho, Wo) output with no
transpose. The batch is cut into one slice per thread (``backend/workers.py``); each slice builds
its own columns and runs its own GEMMs with the BLAS on one thread. Small batches keep the
forward's columns for the weight gradient; large ones rebuild them (less memory, and the rebuild
costs less than reading them back). Groups and dilation go through the same kernels; a dtype the
kernels do not cover, or a process where numba failed, runs the plain twin.
``tests/test_ops_numba.py`` checks the variant against its plain twin and against torch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Context
from ..backend import HOST, Array, jit, workers
from . import conv_flat
from .base import is_tensor
from .conv_flat import FlatConvolution, FlatGeometry

# Columns kept from forward for the weight gradient up to this many bytes (LeNet's at batch 64 are 5 MiB).
KEEP_BYTES = 8 << 20
DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
# Multiply-adds of a backward block at least (smaller blocks cost more in Python than they split).
BLOCK_WORK = 1 << 20


@jit.kernel
def im2col(x, c, h, w, kh, kw, dh, dw, cols):  # pragma: no cover - compiled by numba
    """cols (n, c*kh*kw, ho*wo) from the flat (n, c, h, w) images x; indices unsigned (no wraparound checks)."""
    u = np.uint64
    c, h, w, kh, kw, dh, dw = u(c), u(h), u(w), u(kh), u(kw), u(dh), u(dw)
    one = u(1)
    ho, wo = h - dh * (kh - one), w - dw * (kw - one)
    p, k = ho * wo, c * kh * kw
    n = u(x.size) // (c * h * w)
    for img in range(n):
        for ch in range(c):
            for i in range(kh):
                for j in range(kw):
                    dst = (img * k + (ch * kh + i) * kw + j) * p
                    src = ((img * c + ch) * h + i * dh) * w + j * dw
                    for y in range(ho):
                        d, s = dst + y * wo, src + y * w
                        for q in range(wo):
                            cols[d + q] = x[s + q]


@jit.kernel
def col2im(cols, c, h, w, kh, kw, dh, dw, x):  # pragma: no cover - compiled by numba
    """Add the columns cols (n, c*kh*kw, ho*wo) back into the flat (n, c, h, w) images x (zeroed by the caller)."""
    u = np.uint64
    c, h, w, kh, kw, dh, dw = u(c), u(h), u(w), u(kh), u(kw), u(dh), u(dw)
    one = u(1)
    ho, wo = h - dh * (kh - one), w - dw * (kw - one)
    p, k = ho * wo, c * kh * kw
    n = u(x.size) // (c * h * w)
    for img in range(n):
        for ch in range(c):
            for i in range(kh):
                for j in range(kw):
                    src = (img * k + (ch * kh + i) * kw + j) * p
                    dst = ((img * c + ch) * h + i * dh) * w + j * dw
                    for y in range(ho):
                        s, d = src + y * wo, dst + y * w
                        for q in range(wo):
                            x[d + q] += cols[s + q]


def _padded(x: Array, padding: tuple) -> Array:
    top, bottom, left, right = padding
    if not any(padding):
        return np.ascontiguousarray(x)
    return np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))


class FlatConvolutionNumba(FlatConvolution):
    """conv2d at stride 1: compiled exact im2col/col2im around per-image GEMMs, the batch split over threads."""

    node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(
        ctx: Context,
        x: Array,
        w: Array,
        b: Array | None,
        padding: tuple,
        dilation: tuple,
        groups: int,
        geo: FlatGeometry,
    ) -> Array:
        if x.dtype not in DTYPES or type(x) is not np.ndarray or x.size == 0 or w.size == 0:  # empty: plain twin
            ctx.plain = True
            return FlatConvolution.forward(ctx, x, w, b, padding, dilation, groups, geo)
        xpad = _padded(x, padding)
        n, o, k, p = geo.n, w.shape[0], geo.kg * groups, geo.ho * geo.wo
        wm = np.ascontiguousarray(w).reshape(groups, o // groups, geo.kg)
        out = np.empty((n, o, geo.ho, geo.wo), dtype=x.dtype)
        keep = ctx.needs_input_grad[1] and n * k * p * x.itemsize <= KEEP_BYTES
        cols: Any = np.empty((n, k, p), dtype=x.dtype) if keep else None
        chunk = _chunk(k * p * x.itemsize)
        bias = None if b is None else b.reshape(groups, o // groups, 1)

        def work(start: int, stop: int, part: int) -> None:
            scratch: Any = None if keep else np.empty((min(chunk, stop - start), k, p), dtype=x.dtype)
            for s in range(start, stop, chunk):
                e = min(stop, s + chunk)
                c = cols[s:e] if keep else scratch[: e - s]
                im2col(xpad[s:e].reshape(-1), geo.c, geo.hp, geo.wp, geo.kh, geo.kw, geo.dh, geo.dw, c.reshape(-1))
                res = out[s:e].reshape(e - s, groups, o // groups, p)
                np.matmul(wm, c.reshape(e - s, groups, geo.kg, p), out=res)
                if bias is not None:
                    res += bias

        try:
            workers.run(work, n, workers.parts_for(n, 2.0 * o * k * p * n))
        except jit.KernelUnavailable:  # numba failed in this process: the plain twin, from now on
            ctx.plain = True
            return FlatConvolution.forward(ctx, x, w, b, padding, dilation, groups, geo)
        ctx.plain = False
        # As the plain twin: the columns (or padded input) are a first-order cache; x is what create_graph
        # differentiates, through the plain twin's backward (same saved layout and conf).
        need_w = ctx.needs_input_grad[1]
        ctx.save_for_backward(
            (cols if keep else xpad) if need_w else None, x if need_w else None, w if ctx.needs_input_grad[0] else None
        )
        ctx.geo, ctx.conf, ctx.shapes = geo, (padding, dilation, groups), (x.shape, w.shape)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        if ctx.plain or is_tensor(grad):
            return FlatConvolution.backward(ctx, grad)
        saved, _, w = ctx.saved_tensors
        geo, (xshape, wshape), ((top, _, left, _), _, groups) = ctx.geo, ctx.shapes, ctx.conf
        n, o, ho, wo = grad.shape
        og, kg, p = o // groups, geo.kg, ho * wo
        k = kg * groups
        g = np.ascontiguousarray(grad).reshape(n, groups, og, p)
        kept = saved is not None and saved.ndim == 3
        # The batch goes in blocks whose size depends on the shapes only, never on the thread count: each
        # block's weight gradient is summed on its own and the blocks in order, so the result is the same
        # bits on any number of threads (a resumed run on another machine continues the same numbers).
        block = _block(n, o * k * p, _chunk(k * p * grad.itemsize))
        blocks = -(-n // block)
        parts = workers.parts_for(blocks, 2.0 * o * k * p * n * ((saved is not None) + (w is not None)))
        gw_blocks: Any = np.empty((blocks, groups, kg, og), dtype=grad.dtype) if saved is not None else None
        gxpad: Any = np.zeros((n, geo.c, geo.hp, geo.wp), dtype=grad.dtype) if w is not None else None
        wt: Any = None if w is None else np.ascontiguousarray(w.reshape(groups, og, kg).transpose(0, 2, 1))

        def work(first: int, last: int, part: int) -> None:
            size = min(block, n)
            scratch: Any = (
                np.empty((size, k, p), dtype=grad.dtype) if (saved is not None and not kept) or w is not None else None
            )
            prod: Any = np.empty((size, groups, kg, og), dtype=grad.dtype) if saved is not None else None
            for b in range(first, last):
                s, e = b * block, min(n, (b + 1) * block)
                gs = g[s:e]
                if saved is not None:
                    if kept:
                        c = saved[s:e]
                    else:
                        c = scratch[: e - s]
                        im2col(
                            saved[s:e].reshape(-1), geo.c, geo.hp, geo.wp, geo.kh, geo.kw, geo.dh, geo.dw, c.reshape(-1)
                        )
                    # (K, P) @ (P, O) per image: OpenBLAS runs this shape faster than (O, P) @ (P, K)
                    pr = np.matmul(c.reshape(e - s, groups, kg, p), gs.transpose(0, 1, 3, 2), out=prod[: e - s])
                    pr.sum(axis=0, out=gw_blocks[b])
                if w is not None:
                    gc = scratch[: e - s]
                    np.matmul(wt, gs, out=gc.reshape(e - s, groups, kg, p))
                    col2im(
                        gc.reshape(-1), geo.c, geo.hp, geo.wp, geo.kh, geo.kw, geo.dh, geo.dw, gxpad[s:e].reshape(-1)
                    )

        workers.run(work, blocks, parts)
        gx = gw = gb = None
        if gxpad is not None:
            gx = gxpad[:, :, top : top + xshape[2], left : left + xshape[3]]
            gx = gx if gx.flags.c_contiguous else np.ascontiguousarray(gx)
        if gw_blocks is not None:
            acc = gw_blocks[0] if blocks == 1 else gw_blocks.sum(axis=0)
            gw = np.ascontiguousarray(acc.transpose(0, 2, 1)).reshape(wshape)
        if ctx.needs_input_grad[2]:
            gb = grad.sum(axis=(0, 2, 3))
        return gx, gw, gb, None, None, None, None


def _block(n: int, work_per_image: int, chunk: int) -> int:
    """Images per block of the backward: about an eighth of the batch (so that the blocks share out over a few
    threads), at least BLOCK_WORK multiply-adds, at most one chunk; a function of the shapes alone."""
    least = -(-BLOCK_WORK // max(1, work_per_image))
    return max(1, min(chunk, n, max(least, -(-n // 8))))


def _chunk(bytes_per_image: int) -> int:
    """Images per chunk of columns: the flat kernel's cache-sized chunks (conv_flat.CHUNK_BYTES)."""
    return max(1, conv_flat.CHUNK_BYTES // max(1, bytes_per_image))


KERNELS = (im2col, col2im)
VARIANTS = {FlatConvolution: FlatConvolutionNumba}
for _plain, _fast in VARIANTS.items():
    jit.register(HOST, _plain, _fast)
