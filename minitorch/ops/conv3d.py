"""3-d convolution and transposed convolution: conv.py's general path on one more spatial dim.

conv2d's general ops (``Convolution`` with its two gradient ops, and ``ConvTranspose2D``) take any
number of spatial dims: on (N, C, D, H, W) inputs the windows are a strided view with three window
dims, im2col lays them out as ``(groups, C/groups*kd*kh*kw, N*Do*Ho*Wo)`` and one GEMM per
convolution does the rest, forward and backward, differentiable to any order as in 2-d. What is
3-d here is the argument checking, in torch's order and words (which differ from conv2d's), and
the unbatched (C, D, H, W) form.
"""

from __future__ import annotations

from typing import Any

from .. import dtypes
from ..amp import autocast_mode
from ..tensor import Tensor
from .base import INTEGER_DTYPES, require_floating
from .conv import Convolution
from .conv_transpose import ConvTranspose2D, _tuple_arg, check_transposed
from .windows import is_int

__all__ = ["conv3d", "conv_transpose3d"]

_DIMS = 3


class ConvTranspose3D(ConvTranspose2D):
    """conv_transpose3d on a batch: (N, Cin, D, H, W) * (Cin, Cout/groups, kd, kh, kw) (+ bias) -> (N, Cout, ...):
    ConvTranspose2D's forward and backward, which take any number of spatial dims."""

    node_name = "ConvolutionBackward0"


def _check_types(args: dict) -> None:
    """torch's TypeError for a non-integer stride, padding, dilation or groups (a string padding aside)."""
    for name, value in args.items():
        if name == "padding" and isinstance(value, str):
            continue
        items = value if isinstance(value, (tuple, list)) and name != "groups" else (value,)
        if not all(is_int(v) for v in items):
            raise TypeError(
                f"conv3d() received an invalid combination of arguments - got (Tensor, Tensor, "
                f"{name}={type(value).__name__}), but expected integers or tuples of integers"
            )


def _spatial_arg(name: str, value: Any, dims: int) -> tuple:
    """An int or a 1-sequence as three ints, else the sequence, which must have ``dims`` (the weight's) entries."""
    v = (int(value),) * _DIMS if is_int(value) else tuple(int(x) for x in value)
    if len(v) == 1:
        v = v * _DIMS
    if len(v) != dims:
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of {dims} values to match the convolution "
            f"dimensions, but got {name}={list(v)}"
        )
    return v


def _pads(padding: Any, kernel: tuple, dilation: tuple) -> tuple:
    """(before, after) per spatial dim, flat; 'same' puts an odd total's extra element after, as torch."""
    if padding == "valid":
        return (0, 0) * _DIMS
    if padding == "same":
        return tuple(v for k, d in zip(kernel, dilation) for v in (d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2))
    return tuple(p for p in padding for _ in range(2))


def _check_shapes(x: Tensor, w: Tensor, b: Tensor | None, groups: int) -> None:
    """The weight, channel and bias checks of a (batched) convolution, in torch's words."""
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
    if b is not None:
        if b.dtype is not x.dtype:
            raise RuntimeError(
                f"Input type ({x.dtype._scalar_name.lower()}) and bias type "
                f"({b.dtype._scalar_name.lower()}) should be the same"
            )
        if b.ndim != 1 or b.shape[0] != w.shape[0]:
            raise RuntimeError(
                f"Given weight of size {list(w.shape)}, expected bias to be 1-dimensional with "
                f"{w.shape[0]} elements, but got bias of size {list(b.shape)} instead"
            )


def _check_same_dtype(x: Tensor, w: Tensor) -> None:
    if x.dtype is not w.dtype:
        raise RuntimeError(f"expected scalar type {x.dtype._scalar_name} but found {w.dtype._scalar_name}")


def conv3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """3-d cross-correlation of a (N, C, D, H, W) or unbatched (C, D, H, W) input, as ``torch.nn.functional.conv3d``.

    Args:
        input: (N, C, D, H, W) or (C, D, H, W).
        weight: (O, C / groups, kd, kh, kw).
        bias: (O,) or None.
        stride, dilation: an int or a triple (depth, rows, columns), all positive.
        padding: an int or a triple of zeros added on both sides, or 'valid' (none) or 'same' (output as large
            as the input; stride 1 only; an odd total puts the extra element last).
        groups: channels are split into this many independent groups.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(conv3d):
        return autocast_mode.run("conv3d", conv3d, input, weight, bias, stride, padding, dilation, groups)
    _check_types({"stride": stride, "padding": padding, "dilation": dilation, "groups": groups})
    if input.ndim not in (_DIMS + 1, _DIMS + 2):
        raise RuntimeError(
            f"Expected 4D (unbatched) or 5D (batched) input to conv3d, but got input of size: {list(input.shape)}"
        )
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    strides = (int(stride),) * _DIMS if is_int(stride) else tuple(stride)
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if padding == "same" and any(s != 1 for s in strides):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
    dims = weight.ndim - 2
    s, d = _spatial_arg("stride", stride, dims), _spatial_arg("dilation", dilation, dims)
    p = padding if isinstance(padding, str) else _spatial_arg("padding", padding, dims)
    if not isinstance(p, str) and min(p) < 0:
        raise RuntimeError("negative padding is not supported")
    if min(s) <= 0:
        raise RuntimeError("non-positive stride is not supported")
    if min(d) < 0:
        raise RuntimeError("dilation should be greater than zero")
    x = input if input.ndim == _DIMS + 2 else input.unsqueeze(0)
    _check_shapes(x, weight, bias, groups)
    kernel = tuple(weight.shape[2:])
    pads = _pads(p, kernel, d)
    padded = [n + lo + hi for n, lo, hi in zip(x.shape[2:], pads[::2], pads[1::2])]
    span = [di * (k - 1) + 1 for k, di in zip(kernel, d)]
    if any(n < k for n, k in zip(padded, span)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel size: "
            f"({' x '.join(map(str, span))}). Kernel size can't be greater than actual input size"
        )
    if min(d) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got {list(d)}")
    if min(kernel) <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got: {' x '.join(map(str, kernel))} (TxHxW)")
    require_floating(input, "compute_columns3d", also=INTEGER_DTYPES)
    _check_same_dtype(input, weight)
    out = Convolution.apply(x, weight, bias, s, pads, d, groups)
    return out if input.ndim == _DIMS + 2 else out.squeeze(0)


def conv_transpose3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """3-d transposed convolution (the gradient of conv3d for its input) of a (N, Cin, D, H, W) or (Cin, D, H, W)
    input, as ``torch.nn.functional.conv_transpose3d``.

    Args:
        weight: (Cin, Cout / groups, kd, kh, kw).
        bias: (Cout,) or None.
        stride, dilation: an int or a triple, all positive.
        padding: an int or a triple: elements cropped from each side of the full result.
        output_padding: extra elements on the far side of each dim (each below its stride or dilation).
        groups: channels split into this many independent groups.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(conv_transpose3d):
        return autocast_mode.run(
            "conv_transpose3d", conv_transpose3d, input, weight, bias, stride, padding, output_padding, groups, dilation
        )
    fn = "conv_transpose3d"
    s, p, op, d = (
        _tuple_arg(fn, "stride", stride, _DIMS),
        _tuple_arg(fn, "padding", padding, _DIMS),
        _tuple_arg(fn, "output_padding", output_padding, _DIMS),
        _tuple_arg(fn, "dilation", dilation, _DIMS),
    )
    if input.ndim not in (_DIMS + 1, _DIMS + 2):
        raise RuntimeError(
            f"Expected 4D (unbatched) or 5D (batched) input to {fn}, but got input of size: {list(input.shape)}"
        )
    if weight.ndim != _DIMS + 2:
        raise RuntimeError(
            f"expected stride to be a single integer value or a list of {weight.ndim - 2} values to match "
            f"the convolution dimensions, but got stride={list(s)}"
        )
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if min(p) < 0:
        raise RuntimeError("negative padding is not supported")
    if min(op) < 0:
        raise RuntimeError("negative output_padding is not supported")
    if min(s) <= 0:
        raise RuntimeError("non-positive stride is not supported")
    if weight.shape[0] < groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, but got "
            f"weight of size {list(weight.shape)} instead"
        )
    check_transposed(fn, input, weight, bias, groups, _DIMS)
    if min(d) <= 0:
        raise RuntimeError(
            "dilation should be greater than zero, but got "
            + ", ".join(f"dilation_{axis}: {v}" for axis, v in zip(("depth", "height", "width"), d))
        )
    if any(o >= si and o >= di for o, si, di in zip(op, s, d)):
        names = ("depth", "height", "width")
        raise RuntimeError(
            "output padding must be smaller than either stride or dilation, but got "
            + " ".join(
                f"{what}_{axis}: {v}"
                for what, values in (("output_padding", op), ("stride", s), ("dilation", d))
                for axis, v in zip(names, values)
            )
        )
    if min(weight.shape[2:]) <= 0:
        raise RuntimeError(
            "non-empty 5D (n_output_plane x n_input_plane x kernel_depth x kernel_height x kernel_width) tensor "
            f"expected for weight, but got: {list(weight.shape)}"
        )
    x = input if input.ndim == _DIMS + 2 else input.unsqueeze(0)
    size = [
        (n - 1) * si - 2 * pi + di * (k - 1) + oi + 1
        for n, si, pi, di, k, oi in zip(x.shape[2:], s, p, d, weight.shape[2:], op)
    ]
    if min(size) < 1:
        raise RuntimeError(
            f"Given input size per channel: ({' x '.join(map(str, x.shape[2:]))}). Calculated output size per "
            f"channel: ({' x '.join(map(str, size))}). Output size is too small"
        )
    require_floating(input, "slow_conv_transpose3d_out_cpu", also=(dtypes.int64,))
    _check_same_dtype(input, weight)
    out = ConvTranspose3D.apply(x, weight, bias, s, p, op, d, groups)
    return out if input.ndim == _DIMS + 2 else out.squeeze(0)
