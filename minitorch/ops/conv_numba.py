"""conv2d at stride 1 by exact im2col and per-image GEMMs, compiled in numba and run on all threads: the host's fast kernel.

The variant of ``FlatConvolution`` (conv_flat.py) that the host registers when numba is present
(``backend/jit.py``). The flat-row kernel computes ``Wp`` columns per output row and drops the
extra ``Wp - Wo`` (40 % more GEMM work on LeNet's 14x14 conv2) because numpy can only copy whole
runs; a compiled im2col writes exactly ``Ho * Wo`` columns per image, and a compiled col2im
scatter-adds the input gradient back without a full-size temporary per kernel row. Each image's
product is one GEMM per group, (O, C*kh*kw) @ (C*kh*kw, Ho*Wo), written straight into the
(N, O, Ho, Wo) output, called inside the compiled loop through the BLAS numpy loaded
(``backend/blas.py``), so that the whole convolution is one parallel loop over the batch on
numba's threads (``prange``), each thread with its own columns and a single-threaded BLAS.
Small batches keep the forward's columns for the weight gradient; large ones rebuild them (less
memory, and the rebuild costs less than reading them back). The backward runs over blocks of
images fixed by the shapes alone: each block sums its own weight gradient (GEMMs accumulating with
beta = 1) and the blocks are added in order, so the bits do not depend on the thread count.
Groups and dilation go through the same kernels; a dtype the kernels do not cover, a BLAS whose
GEMM cannot be found, or a process where numba failed runs the plain twin.
``tests/test_ops_numba.py`` checks the variant against its plain twin and against torch.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Context
from ..backend import HOST, Array, blas, jit, threads
from ..backend.blas import NO_TRANS, TRANS
from ..backend.jit import prange
from . import conv_flat
from .base import is_tensor
from .conv_flat import FlatConvolution, FlatConvolutionInputGrad, FlatConvolutionWeightGrad, FlatGeometry

# Columns kept from forward for the weight gradient up to this many bytes; larger ones are rebuilt in the
# backward, which costs less than writing them out and reading them back from memory. Measured on LeNet
# (A/B in one process, AMD EPYC 2 vCPUs): at batch 64 (5 and 3.8 MiB of columns) rebuilding made the step
# 9-12 % faster on two threads and 6 % on one; at batch 16 (1.2 and 1 MiB) keeping them is 4 % faster.
KEEP_BYTES = 2 << 20
DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
# Multiply-adds of a backward block at least (a smaller block's GEMMs run below the BLAS's speed).
BLOCK_WORK = 1 << 20
# Multiply-adds of a whole convolution below which it runs on the calling thread (~50 us of one core; see
# threads.worth_sharing): the pool's spinning threads slowed a small step (LeNet at batch 4) on a 2-vCPU VM.
PARALLEL_WORK = 1 << 21

gemm = jit.Deferred(blas.gemm_intrinsic)


@jit.helper
def im2col_image(x, img, c, h, w, kh, kw, dh, dw, cols, base):  # pragma: no cover - compiled by numba
    """cols[base:] = the (c*kh*kw, ho*wo) columns of image ``img`` of the flat (n, c, h, w) x; unsigned indices
    (numba's negative-index checks stop vectorisation; cast after any division, as a signed by unsigned one
    gives a float)."""
    u = np.uint64
    img, c, h, w, kh, kw, dh, dw, base = u(img), u(c), u(h), u(w), u(kh), u(kw), u(dh), u(dw), u(base)
    one = u(1)
    ho, wo = h - dh * (kh - one), w - dw * (kw - one)
    p = ho * wo
    for ch in range(c):
        for i in range(kh):
            for j in range(kw):
                dst = base + ((ch * kh + i) * kw + j) * p
                src = ((img * c + ch) * h + i * dh) * w + j * dw
                for y in range(ho):
                    d, s = dst + y * wo, src + y * w
                    for q in range(wo):
                        cols[d + q] = x[s + q]


@jit.helper
def col2im_image(cols, c, h, w, kh, kw, dh, dw, x, img):  # pragma: no cover - compiled by numba
    """Add the (c*kh*kw, ho*wo) columns ``cols`` into image ``img`` of the flat (n, c, h, w) x."""
    u = np.uint64
    img, c, h, w, kh, kw, dh, dw = u(img), u(c), u(h), u(w), u(kh), u(kw), u(dh), u(dw)
    one = u(1)
    ho, wo = h - dh * (kh - one), w - dw * (kw - one)
    p = ho * wo
    for ch in range(c):
        for i in range(kh):
            for j in range(kw):
                src = ((ch * kh + i) * kw + j) * p
                dst = ((img * c + ch) * h + i * dh) * w + j * dw
                for y in range(ho):
                    s, d = src + y * wo, dst + y * w
                    for q in range(wo):
                        x[d + q] += cols[s + q]


@jit.helper
def add_bias(out, bias, img, o, p):  # pragma: no cover - compiled by numba
    """Add bias[oc] to channel oc of image ``img`` of the flat (n, o, p) out."""
    u = np.uint64
    img, o, p = u(img), u(o), u(p)
    for oc in range(o):
        v, start = bias[oc], (img * o + oc) * p
        for q in range(p):
            out[start + q] += v


@jit.helper
def forward_images(
    x, first, last, n, c, h, w, kh, kw, dh, dw, groups, wm, bias, has_bias, out, cols, keep, blas_at
):  # pragma: no cover - compiled by numba
    """out (n, o, ho*wo) for images first..last = per image and group wm @ columns (+ bias); ``keep``: the columns
    stay in ``cols`` (n, k, p), else they are built in a (k, p) buffer of this call's own.
    ``blas_at``: (address of the GEMM, 1 if its integers are 64-bit)."""
    o = wm.size // (c // groups * kh * kw)
    og, kg = o // groups, c // groups * kh * kw
    k, p = kg * groups, (h - dh * (kh - 1)) * (w - dw * (kw - 1))
    item = x.itemsize
    one, zero = wm.dtype.type(1), wm.dtype.type(0)
    scratch = np.empty(0 if keep else k * p, dtype=x.dtype)
    for img in range(first, last):
        buf, base = (cols, img * k * p) if keep else (scratch, 0)
        im2col_image(x, img, c, h, w, kh, kw, dh, dw, buf, base)
        for g in range(groups):
            gemm(
                blas_at[0], blas_at[1], NO_TRANS, NO_TRANS, og, p, kg, one,
                wm.ctypes.data + g * og * kg * item, kg,
                buf.ctypes.data + (base + g * kg * p) * item, p,
                zero, out.ctypes.data + (img * o + g * og) * p * item, p,
            )  # fmt: skip
        if has_bias:
            add_bias(out, bias, img, o, p)


@jit.kernel(parallel=True)
def forward_kernel(
    x, n, c, h, w, kh, kw, dh, dw, groups, wm, bias, has_bias, out, cols, keep, parts, blas_at
):  # pragma: no cover - compiled by numba
    """``forward_images`` over the batch cut into ``parts`` slices, run in parallel."""
    for part in prange(parts):
        forward_images(
            x, n * part // parts, n * (part + 1) // parts, n, c, h, w, kh, kw, dh, dw, groups,
            wm, bias, has_bias, out, cols, keep, blas_at,
        )  # fmt: skip


@jit.kernel
def forward_serial(
    x, n, c, h, w, kh, kw, dh, dw, groups, wm, bias, has_bias, out, cols, keep, parts, blas_at
):  # pragma: no cover - compiled by numba
    """``forward_images`` over the whole batch on the calling thread (work too small to share)."""
    forward_images(x, 0, n, n, c, h, w, kh, kw, dh, dw, groups, wm, bias, has_bias, out, cols, keep, blas_at)


@jit.helper
def backward_block(
    b, g, n, c, h, w, kh, kw, dh, dw, groups, saved, kept, need_w, wm, need_x, gx, gw_blocks, block, blas_at
):  # pragma: no cover - compiled by numba
    """Block ``b`` of ``block`` images: gw_blocks[b] (groups, kg, og) = sum over its images of columns @ g^T
    (columns ``saved`` (n, k, p) when ``kept``, else rebuilt from the padded input ``saved``); gx (n, c, h, w),
    zeroed by the caller, += col2im(wm^T @ g) per image."""
    o = wm.size // (c // groups * kh * kw)
    og, kg = o // groups, c // groups * kh * kw
    k, p = kg * groups, (h - dh * (kh - 1)) * (w - dw * (kw - 1))
    item = g.itemsize
    one, zero = wm.dtype.type(1), wm.dtype.type(0)
    first, last = b * block, min(n, (b + 1) * block)
    scratch = np.empty(k * p, dtype=g.dtype)
    for img in range(first, last):
        grad_at = g.ctypes.data + img * o * p * item
        if need_w:
            if kept:
                buf, base = saved, img * k * p
            else:
                im2col_image(saved, img, c, h, w, kh, kw, dh, dw, scratch, 0)
                buf, base = scratch, 0
            for gr in range(groups):  # (kg, p) @ (p, og): twice as fast as (og, p) @ (p, kg) on LeNet's conv2
                gemm(
                    blas_at[0], blas_at[1], NO_TRANS, TRANS, kg, og, p, one,
                    buf.ctypes.data + (base + gr * kg * p) * item, p,
                    grad_at + gr * og * p * item, p,
                    one if img > first else zero,
                    gw_blocks.ctypes.data + (b * groups + gr) * kg * og * item, og,
                )  # fmt: skip
        if need_x:
            for gr in range(groups):
                gemm(
                    blas_at[0], blas_at[1], TRANS, NO_TRANS, kg, p, og, one,
                    wm.ctypes.data + gr * og * kg * item, kg,
                    grad_at + gr * og * p * item, p,
                    zero, scratch.ctypes.data + gr * kg * p * item, p,
                )  # fmt: skip
            col2im_image(scratch, c, h, w, kh, kw, dh, dw, gx, img)


@jit.kernel(parallel=True)
def backward_kernel(
    g, n, c, h, w, kh, kw, dh, dw, groups, saved, kept, need_w, wm, need_x, gx, gw_blocks, block, blas_at
):  # pragma: no cover - compiled by numba
    """``backward_block`` for every block of the batch, in parallel."""
    for b in prange((n + block - 1) // block):
        backward_block(
            b, g, n, c, h, w, kh, kw, dh, dw, groups, saved, kept, need_w, wm, need_x, gx, gw_blocks, block, blas_at
        )


@jit.kernel
def backward_serial(
    g, n, c, h, w, kh, kw, dh, dw, groups, saved, kept, need_w, wm, need_x, gx, gw_blocks, block, blas_at
):  # pragma: no cover - compiled by numba
    """``backward_block`` for every block of the batch, in order on the calling thread (the same blocks, so the
    same bits as in parallel)."""
    for b in range((n + block - 1) // block):
        backward_block(
            b, g, n, c, h, w, kh, kw, dh, dw, groups, saved, kept, need_w, wm, need_x, gx, gw_blocks, block, blas_at
        )


def _padded(x: Array, padding: tuple) -> Array:
    """x with zeros around its planes, C-contiguous (zeros and one copy: np.pad's passes took 40 % longer)."""
    top, bottom, left, right = padding
    if not any(padding):
        return np.ascontiguousarray(x)
    n, c, h, w = x.shape
    out = np.zeros((n, c, h + top + bottom, w + left + right), dtype=x.dtype)
    out[:, :, top : top + h, left : left + w] = x
    return out


class FlatConvolutionNumba(FlatConvolution):
    """conv2d at stride 1: compiled exact im2col/col2im around per-image GEMMs, the batch run in parallel."""

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
        blas_at = None if x.dtype not in DTYPES or type(x) is not np.ndarray else blas.kernel_argument(x.dtype)
        if blas_at is None or x.size == 0 or w.size == 0 or w.dtype != x.dtype:  # the plain twin
            ctx.plain = True
            return FlatConvolution.forward(ctx, x, w, b, padding, dilation, groups, geo)
        xpad = _padded(x, padding)
        n, o, k, p = geo.n, w.shape[0], geo.kg * groups, geo.ho * geo.wo
        wm = np.ascontiguousarray(w).reshape(-1)
        out = np.empty((n, o, geo.ho, geo.wo), dtype=x.dtype)
        keep = ctx.needs_input_grad[1] and n * k * p * x.itemsize <= KEEP_BYTES
        cols = np.empty(n * k * p if keep else 0, dtype=x.dtype)
        bias = np.zeros(0, dtype=x.dtype) if b is None else np.ascontiguousarray(b, dtype=x.dtype)
        parts = max(1, min(n, threads.kernel_threads()))
        run = forward_kernel if parts > 1 and threads.worth_sharing(o * k * p * n, PARALLEL_WORK) else forward_serial
        try:
            run(
                xpad.reshape(-1), n, geo.c, geo.hp, geo.wp, geo.kh, geo.kw, geo.dh, geo.dw, groups,
                wm, bias, b is not None, out.reshape(-1), cols, keep, parts, blas_at,
            )  # fmt: skip
        except jit.KernelUnavailable:  # numba failed in this process: the plain twin, from now on
            ctx.plain = True
            return FlatConvolution.forward(ctx, x, w, b, padding, dilation, groups, geo)
        ctx.plain = False
        # The columns (or padded input) are a first-order cache in this variant's layout (unpacked as None under
        # create_graph); x is what create_graph differentiates, through the plain twin's backward.
        need_w = ctx.needs_input_grad[1]
        saved = (cols.reshape(n, k, p) if keep else xpad) if need_w else None
        ctx.save_for_backward(saved, x if need_w else None, w if ctx.needs_input_grad[0] else None)
        ctx.geo, ctx.conf, ctx.shapes, ctx.blas_at = geo, (padding, dilation, groups), (x.shape, w.shape), blas_at
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        if ctx.plain or is_tensor(grad):
            return FlatConvolution.backward(ctx, grad)
        saved, _, w = ctx.saved_tensors
        geo, (xshape, wshape), ((top, _, left, _), _, groups) = ctx.geo, ctx.shapes, ctx.conf
        n, o, ho, wo = grad.shape
        k, p = geo.kg * groups, ho * wo
        g = np.ascontiguousarray(grad, dtype=saved.dtype if saved is not None else w.dtype)
        kept = saved is not None and saved.ndim == 3
        # Blocks of images fixed by the shapes alone (never by the thread count): each block sums its own
        # weight gradient and the blocks are added in order, so the bits are the same on any number of threads.
        block = _block(n, o * k * p, _chunk(k * p * grad.itemsize))
        blocks = -(-n // block)
        gw_blocks = np.empty((blocks, groups, geo.kg, o // groups) if saved is not None else 0, dtype=g.dtype)
        gxpad = np.zeros((n, geo.c, geo.hp, geo.wp) if w is not None else 0, dtype=g.dtype)
        wm = np.ascontiguousarray(w if w is not None else np.zeros(wshape, dtype=g.dtype)).reshape(-1)
        source = saved if saved is not None else np.zeros(0, dtype=g.dtype)
        run = backward_kernel if threads.worth_sharing(o * k * p * n, PARALLEL_WORK) else backward_serial
        try:
            run(
                g.reshape(-1), n, geo.c, geo.hp, geo.wp, geo.kh, geo.kw, geo.dh, geo.dw, groups,
                source.reshape(-1), kept, saved is not None, wm, w is not None,
                gxpad.reshape(-1), gw_blocks.reshape(-1), block, ctx.blas_at,
            )  # fmt: skip
        except jit.KernelUnavailable:  # numba failed since the forward: the plain twin's pieces
            return _plain_backward(ctx, grad)
        gx = gw = gb = None
        if w is not None:
            gx = gxpad[:, :, top : top + xshape[2], left : left + xshape[3]]
            gx = gx if gx.flags.c_contiguous else np.ascontiguousarray(gx)
        if saved is not None:
            acc = gw_blocks[0] if blocks == 1 else gw_blocks.sum(axis=0)
            gw = np.ascontiguousarray(acc.transpose(0, 2, 1)).reshape(wshape)
        if ctx.needs_input_grad[2]:
            gb = grad.sum(axis=(0, 2, 3))
        return gx, gw, gb, None, None, None, None


def _plain_backward(ctx: Context, grad: Array) -> tuple:
    """The plain twin's first-order backward from x and w (this variant's cache has another layout)."""
    _, x, w = ctx.saved_tensors
    geo = ctx.geo
    wide = geo.widen(grad)
    gx = None if w is None else FlatConvolutionInputGrad.call(grad, w, ctx.conf, geo, wide)
    gw = None if x is None else FlatConvolutionWeightGrad.call(x, grad, ctx.conf, geo, None, wide)
    gb = grad.sum(axis=(0, 2, 3)) if ctx.needs_input_grad[2] else None
    return gx, gw, gb, None, None, None, None


def _block(n: int, work_per_image: int, chunk: int) -> int:
    """Images per block of the backward: about an eighth of the batch (so that the blocks share out over a few
    threads), at least BLOCK_WORK multiply-adds, at most one chunk; a function of the shapes alone."""
    least = -(-BLOCK_WORK // max(1, work_per_image))
    return max(1, min(chunk, n, max(least, -(-n // 8))))


def _chunk(bytes_per_image: int) -> int:
    """Images per chunk of columns: the flat kernel's cache-sized chunks (conv_flat.CHUNK_BYTES)."""
    return max(1, conv_flat.CHUNK_BYTES // max(1, bytes_per_image))


KERNELS = (forward_kernel, forward_serial, backward_kernel, backward_serial)
VARIANTS = {FlatConvolution: FlatConvolutionNumba}
for _plain, _fast in VARIANTS.items():
    jit.register(HOST, _plain, _fast)
