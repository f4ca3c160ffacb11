"""Transposed 2-d convolution: the gradient of conv2d with respect to its input, as a forward op.

A transposed convolution of x with weights w (Cin, Cout/groups, kh, kw) is what conv2d's backward
computes for the input when x is the output gradient: ``conv.transposed`` (x spread out by
``stride``, correlated with the flipped kernel) gives the full result, of side
``(n - 1) * stride + dilation * (k - 1) + 1 + output_padding``, and ``padding`` crops it on both
sides. The backward is conv2d's forward and weight gradient on the output gradient re-padded
to that full size: ``grad_x = correlate(pad(g), w)`` and ``grad_w = x . im2col(pad(g))``, both
through conv.py's im2col machinery. It needs x and w and the padding amounts only.
"""

from __future__ import annotations

from typing import Any

from .. import dtypes
from ..amp import autocast_mode
from ..autograd.function import Context
from ..backend import Array, array_module
from ..tensor import Tensor
from .base import Op, require_floating
from .conv import Convolution, ConvolutionWeightGrad, crop_spatial, transposed
from .windows import is_int

__all__ = ["conv_transpose2d"]


class ConvTranspose2D(Op):
    """conv_transpose2d on a batch: (N, Cin, H, W) * (Cin, Cout/groups, kh, kw) (+ bias) -> (N, Cout, Ho, Wo).

    Any number of spatial dims, as many as the weight has (``ConvTranspose3D`` in conv3d.py names the 3-d one).
    """

    node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(
        ctx: Context,
        x: Array,
        w: Array,
        b: Array | None,
        stride: tuple,
        padding: tuple,
        output_padding: tuple,
        dilation: tuple,
        groups: int,
    ) -> Array:
        xp = array_module(x)
        full = tuple(
            (size - 1) * s + d * (k - 1) + 1 + op
            for size, s, d, k, op in zip(x.shape[2:], stride, dilation, w.shape[2:], output_padding)
        )
        cout = w.shape[1] * groups
        out = transposed(x, w, (x.shape[0], cout) + full, stride, dilation, groups)
        out = xp.ascontiguousarray(crop_spatial(out, tuple(p for p in padding for _ in range(2))))
        if b is not None:
            out += b.reshape((1, -1) + (1,) * (x.ndim - 2))
        ctx.save_for_backward(x if ctx.needs_input_grad[1] else None, w if ctx.needs_input_grad[0] else None)
        ctx.conf = (stride, padding, dilation, groups, w.shape)
        ctx.xshape = x.shape
        return out

    @staticmethod
    def backward(ctx: Context, grad: Array) -> tuple:
        # A transposed convolution is conv2d's input gradient: its own gradients are conv2d's forward (for x)
        # and weight gradient (for w), on the output gradient padded back to the full size, cropped to the
        # rows and columns the input's windows reach (output padding beyond a stride reaches none). Through
        # conv.py's ops, so that they are differentiable again.
        x, w = ctx.saved_tensors
        stride, padding, dilation, groups, wshape = ctx.conf
        reach = [(m - 1) * s + d * (k - 1) + 1 for m, s, d, k in zip(ctx.xshape[2:], stride, dilation, wshape[2:])]
        size = tuple(grad.shape[2:])
        bottom = [r - m - p for r, m, p in zip(reach, size, padding)]  # < 0: rows of grad no window reaches
        g = grad
        if min(bottom) < 0:
            g = grad[(slice(None), slice(None)) + tuple(slice(0, m + min(0, b)) for m, b in zip(size, bottom))]
        conf = (stride, tuple(v for p, b in zip(padding, bottom) for v in (p, max(0, b))), dilation, groups)
        gx = Convolution.call(g, w, None, *conf) if w is not None else None
        gw = ConvolutionWeightGrad.call(g, x, wshape, conf, None) if x is not None else None
        gb = grad.sum(axis=(0, *range(2, grad.ndim))) if ctx.needs_input_grad[2] else None
        return gx, gw, gb, None, None, None, None, None


def _tuple_arg(fn: str, name: str, value: Any, dims: int) -> tuple:
    """An int or a 1- or ``dims``-sequence of ints as a ``dims``-tuple, with torch's messages."""
    if isinstance(value, str) or not (is_int(value) or all(is_int(v) for v in value)):
        raise TypeError(f"{fn}(): argument '{name}' must be tuple of ints, not {type(value).__name__}")
    if is_int(value):
        return (int(value),) * dims
    v = tuple(int(x) for x in value)
    if len(v) == 1:
        return v * dims
    if len(v) != dims:
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of {dims} values to match "
            f"the convolution dimensions, but got {name}={list(v)}"
        )
    return v


def check_transposed(fn: str, x: Tensor, w: Tensor, b: Tensor | None, groups: int, dims: int) -> None:
    """torch's checks of a transposed convolution's shapes (``dims`` spatial dims), in its words."""
    if x.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(
            f"Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input to {fn}, "
            f"but got input of size: {list(x.shape)}"
        )
    if w.ndim != dims + 2:
        raise RuntimeError(
            f"expected stride to be a single integer value or a list of {w.ndim - 2} values to match "
            f"the convolution dimensions, but got stride={[1] * dims}"
        )
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if w.shape[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size [{list(w.shape)}] instead"
        )
    batched = x if x.ndim == dims + 2 else x.unsqueeze(0)
    if batched.shape[1] != w.shape[0]:
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(w.shape)}, expected input{list(batched.shape)} "
            f"to have {w.shape[0]} channels, but got {batched.shape[1]} channels instead"
        )
    if b is not None and (b.ndim != 1 or b.shape[0] != w.shape[1] * groups):
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(w.shape)}, expected bias to be 1-dimensional with "
            f"{w.shape[1] * groups} elements, but got bias of size {list(b.shape)} instead"
        )


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """2-d transposed convolution (the gradient of conv2d for its input) of a (N, Cin, H, W) or (Cin, H, W) input.

    Args:
        weight: (Cin, Cout / groups, kh, kw).
        bias: (Cout,) or None.
        stride, dilation: an int or a pair, all positive.
        padding: an int or a pair: rows/columns cropped from each side of the full result.
        output_padding: extra rows/columns on the bottom/right (each below its stride or dilation).
        groups: channels split into this many independent groups.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(conv_transpose2d):
        return autocast_mode.run(
            "conv_transpose2d", conv_transpose2d, input, weight, bias, stride, padding, output_padding, groups, dilation
        )
    args = {}
    for name, value in (("stride", stride), ("padding", padding), ("output_padding", output_padding)):
        args[name] = _tuple_arg("conv_transpose2d", name, value, 2)
    args["dilation"] = _tuple_arg("conv_transpose2d", "dilation", dilation, 2)
    check_transposed("conv_transpose2d", input, weight, bias, groups, 2)
    s, p, op, d = args["stride"], args["padding"], args["output_padding"], args["dilation"]
    if any(v <= 0 for v in s):
        raise RuntimeError("non-positive stride is not supported")
    if any(v <= 0 for v in d):
        raise RuntimeError("non-positive dilation is not supported")
    if any(v < 0 for v in p):
        raise RuntimeError("negative padding is not supported")
    kh, kw = weight.shape[2:]
    if kh <= 0 or kw <= 0:  # before the output size, whose formula would take the empty kernel as a 0-wide one
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: {kh} kernel_width: {kw}")
    if any(o >= si and o >= di for o, si, di in zip(op, s, d)) or any(o < 0 for o in op):
        raise RuntimeError(
            "output padding must be smaller than either stride or dilation, but got "
            f"output_padding_height: {op[0]} output_padding_width: {op[1]} stride_height: {s[0]} "
            f"stride_width: {s[1]} dilation_height: {d[0]} dilation_width: {d[1]}"
        )
    require_floating(input, "slow_conv_transpose2d_out_cpu", also=(dtypes.int64,))
    x = input if input.ndim == 4 else input.unsqueeze(0)
    size = [
        (n - 1) * si - 2 * pi + di * (k - 1) + oi + 1
        for n, si, pi, di, k, oi in zip(x.shape[2:], s, p, d, weight.shape[2:], op)
    ]
    if min(size) < 1:
        c = weight.shape[1] * groups
        raise RuntimeError(
            f"Given input size per channel: ({x.shape[2]} x {x.shape[3]}). Calculated output size per channel: "
            f"({size[0]} x {size[1]}). Output size is too small ({c} output channels)"
        )
    if input.dtype is not weight.dtype:  # torch's last check
        raise RuntimeError(
            f"Input type ({input.dtype._tensor_type}) and weight type ({weight.dtype._tensor_type}) should be the same"
        )
    out = ConvTranspose2D.apply(x, weight, bias, s, p, op, d, groups)
    return out if input.ndim == 4 else out.squeeze(0)
