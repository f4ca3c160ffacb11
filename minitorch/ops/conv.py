"""2-D convolution: the general path (strided-window im2col and one GEMM) and the op's one entry.

``conv2d`` checks its arguments once per call signature (a plan in ``caches.CONV2D_PLANS``) and
picks the implementation in one place: stride 1 (LeNet's, most tutorials') goes to the flat-row
fast kernel in ``conv_flat.py``; every other stride to ``Convolution`` below, the plain twin that
handles every case. A device may register its own variant of either (``Backend.register_kernel``).

The general path lays the columns out kernel-offset-major, ``(groups, C/groups*kh*kw, N*Ho*Wo)``,
so the copy that builds them runs along contiguous image rows, and the weights multiply them from
the left. Backward: the weight gradient is one more GEMM with those columns, in cache-sized chunks
when they are long; the input gradient is a transposed convolution, a stride-1 correlation of the
output gradient spread out by ``stride`` with the flipped kernel, through the same im2col path, so
there is no loop over kernel offsets or pixels.

The general path's helpers and ops take any number of spatial dims, as many as the weight has: conv3d
(``conv3d.py``) runs them on (N, C, D, H, W) arrays, with a (before, after) pair of padding per dim.

The two gradients are ops of their own (``ConvolutionInputGrad``, ``ConvolutionWeightGrad``), so
that a convolution is differentiable to any order: each is bilinear, and the three ops' backwards
are written in terms of one another (the input gradient's own gradients are a convolution and a
weight gradient, and so on).
"""

from __future__ import annotations

import math
from typing import NamedTuple

from ..amp import autocast_mode
from ..autograd.function import Context
from ..backend import Array, array_module, backend_of
from ..caches import CONV2D_PLANS
from ..tensor import Tensor
from . import conv_flat
from .base import INTEGER_DTYPES, Op, matrix_product, require_floating
from .conv_flat import FlatConvolution, FlatGeometry
from .windows import IntPair, is_int, pair, plain_args, sliding_windows, spread

__all__ = ["conv2d"]


def im2col(xpad: Array, kernel: tuple, stride: tuple, dilation: tuple, groups: int) -> tuple:
    """The windows of a padded (N, C, H, W) array as a ``(groups, C/groups*kh*kw, N*Ho*Wo)`` matrix; also (Ho, Wo).

    Any number of spatial dims, as many as ``kernel`` has: (N, C, D, H, W) gives ``C/groups*kd*kh*kw`` rows.
    """
    win = sliding_windows(xpad, kernel, stride, dilation)
    nd = len(kernel)
    n, c, out = win.shape[0], win.shape[1], win.shape[2 : 2 + nd]
    # (C, kh, kw, N, Ho, Wo): the copy's inner loop runs along an output row, contiguous in the source.
    axes = (1, *range(2 + nd, 2 + 2 * nd), 0, *range(2, 2 + nd))
    cols = win.transpose(axes).reshape(groups, (c // groups) * math.prod(kernel), n * math.prod(out))
    return cols, out


def gemm_nt(a: Array, b: Array, chunk: int = 4096) -> Array:
    """``a @ b.T`` (batched over the first axis) for a very long shared last axis, summed in chunks.

    BLAS runs a product of a few rows by a few rows over tens of thousands of columns
    far below its peak; chunks that stay in cache are several times faster.
    """
    m = a.shape[-1]
    if m <= 2 * chunk:
        return matrix_product(a, b.transpose(0, 2, 1))
    out = matrix_product(a[..., :chunk], b[..., :chunk].transpose(0, 2, 1))
    for s in range(chunk, m, chunk):
        out += matrix_product(a[..., s : s + chunk], b[..., s : s + chunk].transpose(0, 2, 1))
    return out


def transposed(grad: Array, w: Array, shape: tuple, stride: tuple, dilation: tuple, groups: int) -> Array:
    """Gradient of the padded (N, C, H, W) input (or (N, C, D, H, W)): a stride-1 correlation of the spread
    output gradient with the flipped kernel."""
    o, cg, kernel = w.shape[0], w.shape[1], w.shape[2:]
    extent = tuple(d * (k - 1) for d, k in zip(dilation, kernel))
    flip: tuple = (Ellipsis,) + (slice(None, None, -1),) * len(kernel)
    flipped = w.reshape(groups, o // groups, cg, *kernel).swapaxes(1, 2)[flip]
    spread_out = spread(grad, tuple(n + e for n, e in zip(shape[2:], extent)), extent, stride)
    gx, _ = correlate(
        spread_out, flipped.reshape(groups * cg, o // groups, *kernel), (1,) * len(kernel), dilation, groups
    )
    return gx


def correlate(xpad: Array, w: Array, stride: tuple, dilation: tuple, groups: int) -> tuple:
    """Cross-correlation of a padded (N, C, H, W) array with (O, C/groups, kh, kw) weights (or of (N, C, D, H, W)
    with (O, C/groups, kd, kh, kw)); also the columns."""
    xp = array_module(xpad)
    cols, out_size = im2col(xpad, w.shape[2:], stride, dilation, groups)
    o, n = w.shape[0], xpad.shape[0]
    out = matrix_product(w.reshape(groups, o // groups, -1), cols)  # (groups, O/groups, N*Ho*Wo)
    return xp.ascontiguousarray(out.reshape(o, n, *out_size).swapaxes(0, 1)), cols


def pad_spatial(x: Array, padding: tuple) -> Array:
    """``x`` with zeros around its spatial dims: ``padding`` is (before, after) per dim, flat, (top, bottom, left,
    right) for (N, C, H, W); ``x`` itself when there is none."""
    if not any(padding):
        return x
    return array_module(x).pad(x, ((0, 0), (0, 0)) + tuple(zip(padding[::2], padding[1::2])))


def crop_spatial(x: Array, padding: tuple) -> Array:
    """The inverse of ``pad_spatial``: ``x`` without ``padding`` around its spatial dims (a view)."""
    keep = tuple(slice(lo, n - hi) for lo, hi, n in zip(padding[::2], padding[1::2], x.shape[2:]))
    return x[(slice(None), slice(None)) + keep]


class Convolution(Op):
    """conv2d on a batch: (N, C, H, W) * (O, C/groups, kh, kw) (+ bias) -> (N, O, Ho, Wo); conv3d's too, with
    one more spatial dim throughout. ``padding``: (before, after) per spatial dim, flat."""

    @staticmethod
    def forward(
        ctx: Context, x: Array, w: Array, b: Array | None, stride: tuple, padding: tuple, dilation: tuple, groups: int
    ) -> Array:
        out, cols = correlate(pad_spatial(x, padding), w, stride, dilation, groups)
        if b is not None:
            out += b.reshape((1, -1) + (1,) * (x.ndim - 2))
        # The columns are a cache for the weight gradient; x itself is what create_graph differentiates.
        need_w = ctx.needs_input_grad[1]
        ctx.save_for_backward(cols if need_w else None, x if need_w else None, w if ctx.needs_input_grad[0] else None)
        ctx.xshape, ctx.wshape, ctx.conf = x.shape, w.shape, (stride, padding, dilation, groups)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        cols, x, w = ctx.saved_tensors  # cols: None under create_graph (rebuilt from x)
        gx = gw = gb = None
        if w is not None:
            gx = ConvolutionInputGrad.call(grad, w, ctx.xshape, ctx.conf)
        if x is not None:
            gw = ConvolutionWeightGrad.call(x, grad, ctx.wshape, ctx.conf, cols)
        if ctx.needs_input_grad[2]:
            gb = grad.sum(axis=(0, *range(2, grad.ndim)))  # numpy's method, and Tensor.sum's numpy spelling
        return gx, gw, gb, None, None, None, None


class ConvolutionInputGrad(Op):
    """The input gradient of conv2d, a transposed convolution of the output gradient ``g`` with ``w``.

    ``conf``: (stride, (top, bottom, left, right), dilation, groups) of the convolution (a (before, after) pair
    of padding per spatial dim).
    """

    node_name = "ConvolutionBackwardBackward0"

    @staticmethod
    def forward(ctx: Context, g: Array, w: Array, xshape: tuple, conf: tuple) -> Array:
        ctx.save_for_backward(g if ctx.needs_input_grad[1] else None, w if ctx.needs_input_grad[0] else None)
        ctx.wshape, ctx.conf = w.shape, conf
        stride, padding, dilation, groups = conf
        padded = tuple(xshape[:2]) + tuple(n + lo + hi for n, lo, hi in zip(xshape[2:], padding[::2], padding[1::2]))
        gx = crop_spatial(transposed(g, w, padded, stride, dilation, groups), padding)
        return array_module(gx).ascontiguousarray(gx)

    @staticmethod
    def backward(ctx: Context, ggx: Array) -> tuple:
        # gx is bilinear in (g, w): <ggx, gx> = <g, conv(ggx, w)> = <weight_grad(ggx, g), w>.
        g, w = ctx.saved_tensors
        d_g = Convolution.call(ggx, w, None, *ctx.conf) if w is not None else None
        d_w = ConvolutionWeightGrad.call(ggx, g, ctx.wshape, ctx.conf, None) if g is not None else None
        return d_g, d_w, None, None


class ConvolutionWeightGrad(Op):
    """The weight gradient of conv2d: the correlation of the input ``x`` with the output gradient ``g``.

    ``cols``: the forward's columns of ``x`` when it kept them (a first-order cache), else None.
    """

    node_name = "ConvolutionBackwardBackward0"

    @staticmethod
    def forward(ctx: Context, x: Array, g: Array, wshape: tuple, conf: tuple, cols: Array | None) -> Array:
        ctx.save_for_backward(x if ctx.needs_input_grad[1] else None, g if ctx.needs_input_grad[0] else None)
        ctx.xshape, ctx.wshape, ctx.conf = x.shape, wshape, conf
        stride, padding, dilation, groups = conf
        if cols is None:
            cols, _ = im2col(pad_spatial(x, padding), wshape[2:], stride, dilation, groups)
        o, rows = g.shape[1], g.shape[0] * math.prod(g.shape[2:])
        gm = g.swapaxes(0, 1).reshape(groups, o // groups, rows)  # (groups, O/groups, N*Ho*Wo): matches the columns
        return gemm_nt(gm, cols).reshape(wshape)

    @staticmethod
    def backward(ctx: Context, ggw: Array) -> tuple:
        # gw is bilinear in (x, g): <ggw, gw> = <g, conv(x, ggw)> = <input_grad(g, ggw), x>.
        x, g = ctx.saved_tensors
        d_x = ConvolutionInputGrad.call(g, ggw, ctx.xshape, ctx.conf) if g is not None else None
        d_g = Convolution.call(x, ggw, None, *ctx.conf) if x is not None else None
        return d_x, d_g, None, None, None


def _same_padding(kernel: tuple, dilation: tuple) -> tuple:
    """(top, bottom, left, right) keeping the size at stride 1; an odd total puts the extra row last, as torch."""
    out = []
    for k, d in zip(kernel, dilation):
        total = d * (k - 1)
        out += [total // 2, total - total // 2]
    return tuple(out)


def _check_conv(x: Tensor, w: Tensor, b: Tensor | None, groups: int) -> None:
    if x.ndim != 4:
        raise RuntimeError(
            f"Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: {list(x.shape)}"
        )
    if w.ndim != 4:
        raise RuntimeError(
            f"Expected 4-dimensional weight for 4-dimensional input {list(x.shape)}, but got "
            f"{w.ndim}-dimensional weight of size {list(w.shape)} instead"
        )
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if w.shape[0] < groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, but got "
            f"weight of size {list(w.shape)} instead"
        )
    if w.shape[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size [{list(w.shape)}] instead"
        )
    if x.shape[1] != w.shape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(w.shape)}, expected input{list(x.shape)} "
            f"to have {w.shape[1] * groups} channels, but got {x.shape[1]} channels instead"
        )
    if x.dtype is not w.dtype:
        raise RuntimeError(
            f"Input type ({x.dtype._tensor_type}) and weight type ({w.dtype._tensor_type}) "
            "should be the same or input should be a MKLDNN tensor and weight is a dense tensor"
        )
    if b is not None:
        if b.ndim != 1 or b.shape[0] != w.shape[0]:
            raise RuntimeError(
                f"Given weight of size {list(w.shape)}, expected bias to be 1-dimensional with "
                f"{w.shape[0]} elements, but got bias of size {list(b.shape)} instead"
            )
        if b.dtype is not x.dtype:
            raise RuntimeError(
                f"Input type ({x.dtype._scalar_name.lower()}) and bias type "
                f"({b.dtype._scalar_name.lower()}) should be the same"
            )


class ConvPlan(NamedTuple):
    """conv2d's arguments for one call signature, checked, with what the chosen kernel needs."""

    stride: tuple
    pads: tuple  # (top, bottom, left, right)
    dilation: tuple
    flat: FlatGeometry | None  # stride 1: the flat-row kernel's geometry; else None (the general path)


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntPair = 1,
    padding: IntPair | str = 0,
    dilation: IntPair = 1,
    groups: int = 1,
) -> Tensor:
    """2-D cross-correlation of a (N, C, H, W) or unbatched (C, H, W) input, as ``torch.nn.functional.conv2d``.

    Args:
        input: (N, C, H, W) or (C, H, W).
        weight: (O, C / groups, kh, kw).
        bias: (O,) or None.
        stride, dilation: an int or a pair (rows, columns), all positive.
        padding: an int or a pair of zero rows/columns added on both sides, or 'valid' (none) or 'same'
            (output as large as the input; stride 1 only; an odd total puts the extra row/column last).
        groups: channels are split into this many independent groups.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(conv2d):
        return autocast_mode.run("conv2d", conv2d, input, weight, bias, stride, padding, dilation, groups)
    xd, wd = input._data, weight._data
    key = None
    if plain_args(stride, padding, dilation, groups):
        key = (
            xd.shape,
            wd.shape,
            xd.dtype,
            wd.dtype,
            None if bias is None else (bias._data.shape, bias._data.dtype),
            stride,
            padding,
            dilation,
            groups,
            conv_flat.CHUNK_BYTES,
        )  # the chunk size: tests change it
    plan = CONV2D_PLANS.get(key) if key is not None else None
    if plan is None:
        if input.ndim == 3:
            return conv2d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0)
        plan = _plan(input, weight, bias, stride, padding, dilation, groups)
        if key is not None:
            CONV2D_PLANS.put(key, plan)
    stride, pads, dilation, flat = plan
    # The one place an implementation is chosen: the flat-row kernel at stride 1, else the general path;
    # either may be replaced by a variant the input's device registered.
    if flat is not None:
        return backend_of(xd).kernel(FlatConvolution).apply(input, weight, bias, pads, dilation, groups, flat)
    return backend_of(xd).kernel(Convolution).apply(input, weight, bias, stride, pads, dilation, groups)


def _plan(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None,
    stride: IntPair,
    padding: IntPair | str,
    dilation: IntPair,
    groups: int,
) -> ConvPlan:
    """Check the arguments (torch's errors) and work out the plan of this call signature."""
    for name, value in (("stride", stride), ("padding", padding), ("dilation", dilation), ("groups", groups)):
        items = value if isinstance(value, (tuple, list)) else (value,)
        if name == "padding" and isinstance(value, str):
            continue
        if not all(is_int(v) for v in items) or (name == "groups" and not is_int(value)):
            raise TypeError(
                f"conv2d() received an invalid combination of arguments - got (Tensor, Tensor, "
                f"{name}={type(value).__name__}), but expected integers or tuples of integers"
            )
    _check_conv(input, weight, bias, groups)
    stride, dilation = pair(stride, "stride"), pair(dilation, "dilation")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    kernel = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            pads = (0, 0, 0, 0)
        elif padding == "same":
            if stride != (1, 1):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = _same_padding(kernel, dilation)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        ph, pw = pair(padding, "padding")
        if ph < 0 or pw < 0:
            raise RuntimeError("negative padding is not supported")
        pads = (ph, ph, pw, pw)
    padded = (input.shape[2] + pads[0] + pads[1], input.shape[3] + pads[2] + pads[3])
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if padded[0] < span[0] or padded[1] < span[1]:
        raise RuntimeError(
            f"Calculated padded input size per channel: ({padded[0]} x {padded[1]}). Kernel size: "
            f"({span[0]} x {span[1]}). Kernel size can't be greater than actual input size"
        )
    if kernel[0] <= 0 or kernel[1] <= 0:
        raise RuntimeError(
            f"kernel size should be greater than zero, but got kernel_height: {kernel[0]} kernel_width: {kernel[1]}"
        )
    require_floating(input, "slow_conv2d_cpu", also=INTEGER_DTYPES)  # (the plan is cached per dtype)
    if stride != (1, 1):
        return ConvPlan(stride, pads, dilation, None)
    (n, c, h, wd), (_, _, kh, kw), (dh, dw) = input.shape, weight.shape, dilation
    hp, wp = h + pads[0] + pads[1], wd + pads[2] + pads[3]
    geo = FlatGeometry(
        n, c, kh, kw, dh, dw, hp, wp, hp - dh * (kh - 1), wp - dw * (kw - 1), groups, input._data.dtype.itemsize
    )
    return ConvPlan(stride, pads, dilation, geo)
