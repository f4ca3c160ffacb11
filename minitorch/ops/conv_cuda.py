"""conv2d on the GPU: im2col kernel + products, beside the plain twins (conv.py, conv_flat.py).

CuPy 14 has no cuDNN, so convolution is ours. Forward: ``im2col`` lays the windows out as a
(C*kh*kw, N*Ho*Wo) matrix; with few output channels (at most 16, groups 1) one kernel, ``conv_columns``,
multiplies the weights into it, writing (N, O, Ho, Wo) and adding the bias; else (groups 1) one batched
GEMM, image by image, writes that layout directly (float32 compute, no TF32 unless allowed; the backend's
cuBLAS path, cuda_blas.py, reads the strided columns as they lie). Backward (groups 1): batched GEMMs give
the column gradient (N, C*kh*kw, Ho*Wo) and each image's weight gradient (summed over the images: one long
product was cuBLAS's slowest call in the step), ``col2im`` gathers the columns back onto the input (each
input element sums its own taps: no atomics), products with kept vectors of ones give the bias gradient and
the sum over images (``Backend.sum_leading``: CuPy's reductions cost more host and GPU time). Grouped convolutions
move the channel axis with ``swap_leading`` and multiply group by group. Any stride, padding, dilation;
the same op serves both plain twins (the flat-row stride-1 kernel and the general path).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd.function import Context
from ..backend import CUDA, Array, array_module, backend_of
from ..backend.cuda_kernels import T_OF_DTYPE, CudaKernel, grid_for
from .base import is_tensor
from .conv import Convolution, ConvolutionInputGrad, ConvolutionWeightGrad
from .conv_flat import FlatConvolution, FlatGeometry
from .unary_cuda import GRID_STRIDE_32

_GEOMETRY = "int n, int c, int h, int w, int kh, int kw, int sh, int sw, int pt, int pl, int dh, int dw, int ho, int wo"


def _taps(geo: tuple) -> tuple:
    """For the emulations: per (tap, output pixel) the input row and column, and whether they are inside."""
    n, c, h, w, kh, kw, sh, sw, pt, pl, dh, dw, ho, wo = (int(v) for v in geo)
    i, j = np.arange(kh)[:, None, None, None], np.arange(kw)[None, :, None, None]
    oh, ow = np.arange(ho)[None, None, :, None], np.arange(wo)[None, None, None, :]
    ih, iw = oh * sh - pt + i * dh, ow * sw - pl + j * dw
    inside = (ih >= 0) & (ih < h) & (iw >= 0) & (iw < w)
    return np.where(inside, ih, 0), np.where(inside, iw, 0), inside


def _im2col(cols: np.ndarray, x: np.ndarray, total: Any, *geo: Any) -> None:
    n, c, h, w, kh, kw = (int(v) for v in geo[:6])
    ho, wo = int(geo[12]), int(geo[13])
    ih, iw, inside = _taps(geo)
    xs = x.reshape(n, c, h, w)
    taken = np.where(inside, xs[:, :, ih, iw], 0)  # (n, c, kh, kw, ho, wo)
    cols.reshape(c, kh, kw, n, ho, wo)[...] = taken.transpose(1, 2, 3, 0, 4, 5)


# Index arithmetic is 32-bit (64-bit division is many times slower on a GPU): ``_check_sizes`` refuses the
# shapes whose flat indices would not fit. One row of the columns per blockIdx.y (its tap decoded once), the
# output pixels of that row along x: writes are coalesced, and each element costs two 32-bit divisions.
IM2COL = CudaKernel(
    "im2col",
    f"T* cols, const T* x, long long total, {_GEOMETRY}",
    """    const int hw = ho * wo, np_ = n * hw, rows = c * kh * kw;
    for (int row = blockIdx.y; row < rows; row += gridDim.y) {
        const int j = row % kw, ti = (row / kw) % kh, ci = row / (kw * kh);
        const int dy = ti * dh - pt, dx = j * dw - pl;
        T* out = cols + (long long)row * np_;
        for (int q = blockIdx.x * blockDim.x + threadIdx.x; q < np_; q += gridDim.x * blockDim.x) {
            const int ni = q / hw, r = q - ni * hw, oh = r / wo, ow = r - oh * wo;
            const int ih = oh * sh + dy, iw = ow * sw + dx;
            out[q] = (ih >= 0 && ih < h && iw >= 0 && iw < w) ? x[((ni * c + ci) * h + ih) * w + iw] : T(0);
        }
    }""",
    _im2col,
)


def _col2im(gx: np.ndarray, gcols: np.ndarray, total: Any, row_stride: Any, image_stride: Any, *geo: Any) -> None:
    n, c, h, w, kh, kw = (int(v) for v in geo[:6])
    ho, wo = int(geo[12]), int(geo[13])
    ih, iw, inside = _taps(geo)
    out = np.zeros((n, c, h, w), dtype=gx.dtype)
    rs, ims, item = int(row_stride), int(image_stride), gcols.itemsize
    strides = (ims * item, kh * kw * rs * item, kw * rs * item, rs * item, wo * item, item)
    cols = np.lib.stride_tricks.as_strided(gcols, (n, c, kh, kw, ho, wo), strides)
    for a in range(kh):  # taps in the kernel's order, as each thread sums them
        for b in range(kw):
            m = inside[a, b]
            # Annotated: numpy's stubs take no slices in ufunc.at's index.
            index: tuple[Any, ...] = (slice(None), slice(None), ih[a, b][m], iw[a, b][m])
            np.add.at(out, index, cols[:, :, a, b][:, :, m])
    gx.reshape(n, c, h, w)[...] = out


COL2IM = CudaKernel(
    "col2im",
    f"T* gx, const T* gcols, long long total, long long row_stride, long long image_stride, {_GEOMETRY}",
    f"""    {GRID_STRIDE_32.replace("i < n", "i < (int)total")} {{
        const int iw = i % w, t1 = i / w, ih = t1 % h, t2 = t1 / h, ci = t2 % c, ni = t2 / c;
        T sum = T(0);
        for (int ti = 0; ti < kh; ++ti) {{
            const int oy = ih + pt - ti * dh;
            if (oy < 0 || oy % sh) continue;
            const int oh = oy / sh;
            if (oh >= ho) continue;
            for (int j = 0; j < kw; ++j) {{
                const int ox = iw + pl - j * dw;
                if (ox < 0 || ox % sw) continue;
                const int ow = ox / sw;
                if (ow >= wo) continue;
                const int row = (ci * kh + ti) * kw + j;
                sum += gcols[row * row_stride + ni * image_stride + oh * wo + ow];
            }}
        }}
        gx[i] = sum;
    }}""",
    _col2im,
)


def _swap_leading(out: np.ndarray, src: np.ndarray, bias: np.ndarray, a: Any, b: Any, p: Any, has_bias: Any) -> None:
    a, b, p = int(a), int(b), int(p)
    moved = src.reshape(a, b, p).transpose(1, 0, 2)
    if has_bias:
        moved = moved + bias.reshape(1, a, 1)
    out.reshape(b, a, p)[...] = moved


SWAP_LEADING = CudaKernel(
    "swap_leading",
    "T* out, const T* src, const T* bias, int a, int b, long long p, int has_bias",
    f"""    const int n = a * b * (int)p, pp = (int)p;
    {GRID_STRIDE_32} {{
        const int t = i / pp, k = i - t * pp, r = t / a, j = t - r * a;  /* out[r, j, k] = src[j, r, k] */
        const T v = src[(j * b + r) * pp + k];
        out[i] = has_bias ? v + bias[j] : v;
    }}""",
    _swap_leading,
)


def _conv_columns(
    out: np.ndarray, cols: np.ndarray, w: np.ndarray, bias: np.ndarray, o: Any, k: Any, np_: Any, hw: Any, has_bias: Any
) -> None:
    o, k, np_, hw = int(o), int(k), int(np_), int(hw)
    prod = np.matmul(w.reshape(o, k), cols.reshape(k, np_))  # the emulation: host arrays
    if has_bias:
        prod = prod + bias.reshape(o, 1)
    out.reshape(np_ // hw, o, hw)[...] = prod.reshape(o, np_ // hw, hw).transpose(1, 0, 2)


# Few output channels (LeNet's 6 and 16): the weights times the columns in one kernel that also writes the
# (N, O, Ho, Wo) layout and adds the bias. cuBLAS tiles such a product 64 rows high, most of them empty
# (measured on an H200 at batch 256: 33-36 us per product plus 7 us for the layout pass, where this reads
# the columns once); each thread keeps its pixel's O sums in registers, the weights sit in shared memory.
SMALL_O, SMALL_W = 16, 4096
CONV_COLUMNS = CudaKernel(
    "conv_columns",
    "T* out, const T* cols, const T* w, const T* bias, int o, int k, int np_, int hw, int has_bias",
    f"""    __shared__ T ws[{SMALL_W}];
    for (int t = threadIdx.x; t < o * k; t += blockDim.x) ws[t] = w[t];
    __syncthreads();
    for (int q = blockIdx.x * blockDim.x + threadIdx.x; q < np_; q += gridDim.x * blockDim.x) {{
        T acc[{SMALL_O}];
        #pragma unroll
        for (int a = 0; a < {SMALL_O}; ++a) acc[a] = T(0);
        #pragma unroll 8
        for (int kk = 0; kk < k; ++kk) {{  /* unrolled: eight loads in flight, not one (150 taps in LeNet's conv2) */
            const T v = cols[(long long)kk * np_ + q];
            #pragma unroll
            for (int a = 0; a < {SMALL_O}; ++a) if (a < o) acc[a] += ws[a * k + kk] * v;
        }}
        const int ni = q / hw, pi = q - ni * hw;
        T* dst = out + (long long)ni * o * hw + pi;
        #pragma unroll
        for (int a = 0; a < {SMALL_O}; ++a) if (a < o) dst[(long long)a * hw] = has_bias ? acc[a] + bias[a] : acc[a];
    }}""",
    _conv_columns,
)
# Flat indices of the inputs, outputs and column rows are 32-bit ints in these kernels (grid strides added).
INDEX_LIMIT = 2**31 - 2**21


def _check_sizes(*sizes: int) -> None:
    if max(sizes) >= INDEX_LIMIT:
        raise RuntimeError(
            f"conv2d on the GPU indexes with 32-bit integers: a tensor of {max(sizes)} elements is too large "
            "(split the batch)"
        )


def _rows_grid(rows: int, per_row: int) -> tuple:
    """im2col's grid: a block row per column row (up to CUDA's 65535), enough blocks along x to fill the GPU."""
    gy = min(rows, 65535)
    return (max(1, min(-(-per_row // 256), 4096 // gy)), gy)


def _geometry(x: Array, w: Array, stride: tuple, padding: tuple, dilation: tuple) -> tuple:
    n, c, h, wd = x.shape
    kh, kw = w.shape[2:]
    top, bottom, left, right = padding
    ho = (h + top + bottom - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    wo = (wd + left + right - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    return (n, c, h, wd, kh, kw, stride[0], stride[1], top, left, dilation[0], dilation[1], ho, wo)


def forward(
    ctx: Context, x: Array, w: Array, b: Array | None, stride: tuple, padding: tuple, dilation: tuple, groups: int
) -> Array:
    """The convolution on the GPU (see the module docstring); saves what backward needs on ``ctx``."""
    xp, dev = array_module(x), backend_of(x)
    x_in, w_in = x, w  # the inputs themselves are saved: what create_graph differentiates
    x, w = xp.ascontiguousarray(x), xp.ascontiguousarray(w)
    geo = _geometry(x, w, stride, padding, dilation)
    n, c, o, ho, wo = geo[0], geo[1], w.shape[0], geo[12], geo[13]
    k, p = c * geo[4] * geo[5], n * ho * wo
    _check_sizes(x.size, p, n * o * ho * wo)
    cols = xp.empty((k, p), dtype=x.dtype)
    dev.launch(IM2COL, _rows_grid(k, p), (256,), (cols, x, cols.size, *geo))
    og, kg = o // groups, k // groups
    bias = b if b is not None else w  # a valid pointer the kernels do not read
    if groups == 1 and o <= SMALL_O and o * k <= SMALL_W:
        out = xp.empty((n, o, ho, wo), dtype=x.dtype)
        args = (out, cols, w, bias, o, k, p, ho * wo, int(b is not None))
        dev.launch(CONV_COLUMNS, grid_for(p, 128), (128,), args)
    elif groups == 1:  # per image W @ its columns: the (N, O, Ho*Wo) layout straight from one batched GEMM
        out = xp.matmul(w.reshape(o, k), cols.reshape(k, n, ho * wo).transpose(1, 0, 2)).reshape(n, o, ho, wo)
        if b is not None:
            out += b.reshape(1, o, 1, 1)
    else:
        prod = xp.matmul(w.reshape(groups, og, kg), cols.reshape(groups, kg, p)).reshape(o, p)
        out = xp.empty((n, o, ho, wo), dtype=x.dtype)
        dev.launch(SWAP_LEADING, grid_for(out.size), (256,), (out, prod, bias, o, n, ho * wo, int(b is not None)))
    need_w = ctx.needs_input_grad[1]
    ctx.save_for_backward(cols if need_w else None, x_in if need_w else None, w_in if ctx.needs_input_grad[0] else None)
    ctx.geo, ctx.groups, ctx.wshape = geo, groups, w.shape
    ctx.xshape, ctx.conf = x.shape, (stride, padding, dilation, groups)  # for graph_backward
    return out


def graph_backward(ctx: Context, grad: Array) -> tuple:
    """Under create_graph (tensors): the input, weight and bias gradients by conv.py's differentiable ops."""
    _, x, w = ctx.saved_tensors
    gx = ConvolutionInputGrad.call(grad, w, ctx.xshape, ctx.conf) if w is not None else None
    gw = ConvolutionWeightGrad.call(x, grad, ctx.wshape, ctx.conf, None) if x is not None else None
    gb = grad.sum(axis=(0, 2, 3)) if ctx.needs_input_grad[2] else None
    return gx, gw, gb


def backward(ctx: Context, grad: Array) -> tuple:
    """Input, weight and bias gradients of ``forward``."""
    if is_tensor(grad):
        return graph_backward(ctx, grad)
    cols, _, w = ctx.saved_tensors
    geo, groups = ctx.geo, ctx.groups
    xp, dev = array_module(grad), backend_of(grad)
    grad = xp.ascontiguousarray(grad)
    n, o, ho, wo = grad.shape
    _check_sizes(grad.size, math.prod(ctx.xshape))
    p, k = n * ho * wo, ctx.wshape[1] * groups * ctx.wshape[2] * ctx.wshape[3]
    og, kg = o // groups, k // groups
    gx = gw = gb = None
    if groups == 1:  # image by image (batched GEMMs): no transposed copy of the gradient, no long-k product
        g3 = grad.reshape(n, o, ho * wo)
        if w is not None:
            gcols = xp.matmul(w.reshape(o, k).T, g3)  # (N, C*kh*kw, Ho*Wo)
            gx = _col2im_launch(dev, xp, gcols, geo, ho * wo, k * ho * wo)
        if cols is not None:  # per image g @ its columns^T, summed over the images
            per_image = xp.matmul(g3, cols.reshape(k, n, ho * wo).transpose(1, 2, 0))
            gw = dev.sum_leading(per_image, 1).reshape(ctx.wshape)
        if ctx.needs_input_grad[2]:  # per image and channel a product with ones, summed over the images
            ones = dev.ones_vector(ho * wo, grad.dtype).reshape(ho * wo, 1)
            gb = dev.sum_leading(xp.matmul(grad.reshape(n * o, ho * wo), ones).reshape(n, o), 1)
        return gx, gw, gb
    g_t = xp.empty((o, p), dtype=grad.dtype)  # the output gradient with its channel axis first
    dev.launch(SWAP_LEADING, grid_for(g_t.size), (256,), (g_t, grad, grad, n, o, ho * wo, 0))
    if w is not None:
        wg = w.reshape(groups, og, kg).transpose(0, 2, 1)
        gcols = xp.matmul(wg, g_t.reshape(groups, og, p)).reshape(k, p)
        gx = _col2im_launch(dev, xp, xp.ascontiguousarray(gcols), geo, p, ho * wo)
    if cols is not None:
        gw = xp.matmul(g_t.reshape(groups, og, p), cols.reshape(groups, kg, p).transpose(0, 2, 1))
        gw = gw.reshape(ctx.wshape)
    if ctx.needs_input_grad[2]:
        gb = g_t.sum(axis=1)
    return gx, gw, gb


def _col2im_launch(dev: Any, xp: Any, gcols: Array, geo: tuple, row_stride: int, image_stride: int) -> Array:
    """The input gradient from the column gradient, whose (row, image, pixel) element is at
    ``row * row_stride + image * image_stride + pixel``."""
    gx = xp.empty(geo[:4], dtype=gcols.dtype)
    dev.launch(COL2IM, grid_for(gx.size), (256,), (gx, gcols, gx.size, row_stride, image_stride, *geo))
    return gx


def _usable(x: Array, w: Array) -> bool:
    return x.dtype in T_OF_DTYPE and w.dtype == x.dtype


class ConvolutionCuda(Convolution):
    """conv2d at any stride on the GPU (the general path's twin)."""

    node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(
        ctx: Context, x: Array, w: Array, b: Array | None, stride: tuple, padding: tuple, dilation: tuple, groups: int
    ) -> Array:
        ctx.plain = not _usable(x, w)
        if ctx.plain:
            return Convolution.forward(ctx, x, w, b, stride, padding, dilation, groups)
        return forward(ctx, x, w, b, stride, padding, dilation, groups)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        if ctx.plain:
            return Convolution.backward(ctx, grad)
        return (*backward(ctx, grad), None, None, None, None)


class FlatConvolutionCuda(FlatConvolution):
    """conv2d at stride 1 on the GPU (the flat-row kernel's twin): the same im2col + GEMM path."""

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
        ctx.plain = not _usable(x, w)
        if ctx.plain:
            return FlatConvolution.forward(ctx, x, w, b, padding, dilation, groups, geo)
        return forward(ctx, x, w, b, (1, 1), padding, dilation, groups)

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        if ctx.plain:
            return FlatConvolution.backward(ctx, grad)
        return (*backward(ctx, grad), None, None, None, None)


KERNELS = (IM2COL, CONV_COLUMNS, COL2IM, SWAP_LEADING)
VARIANTS = {Convolution: ConvolutionCuda, FlatConvolution: FlatConvolutionCuda}
for _plain, _fast in VARIANTS.items():
    CUDA.register_kernel(_plain, _fast)
