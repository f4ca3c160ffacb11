"""1-d convolution and transposed convolution: the 2-d ops run on a unit height.

(N, C, L) inputs become (N, C, 1, L) and (O, C/groups, k) weights (O, C/groups, 1, k); stride,
padding and dilation act on the width only. The arguments are checked here first, so errors
name the 1-d shapes as torch's do.
"""

from __future__ import annotations

from typing import Any

from ..amp import autocast_mode
from ..tensor import Tensor
from .conv import conv2d
from .conv_transpose import _tuple_arg, check_transposed, conv_transpose2d

__all__ = ["conv1d", "conv_transpose1d"]


def _check_conv1d(x: Tensor, w: Tensor, b: Tensor | None, groups: int) -> None:
    if x.ndim not in (2, 3):
        raise RuntimeError(
            f"Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: {list(x.shape)}"
        )
    if w.ndim != 3:
        raise RuntimeError(
            f"Expected {w.ndim}-dimensional input for {w.ndim}-dimensional weight {list(w.shape)}, but got "
            f"{x.ndim}-dimensional input of size {list(x.shape)} instead"
        )
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if w.shape[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size [{list(w.shape)}] instead"
        )
    batched = x if x.ndim == 3 else x.unsqueeze(0)
    if batched.shape[1] != w.shape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(w.shape)}, expected input{list(batched.shape)} "
            f"to have {w.shape[1] * groups} channels, but got {batched.shape[1]} channels instead"
        )


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """1-d cross-correlation of a (N, C, L) or unbatched (C, L) input, as ``torch.nn.functional.conv1d``.

    Args:
        weight: (O, C / groups, k).
        bias: (O,) or None.
        stride, dilation: an int (or a 1-sequence), positive.
        padding: an int (or a 1-sequence) of zeros on both sides, or 'valid' or 'same' (stride 1 only).
        groups: channels split into this many independent groups.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(conv1d):
        return autocast_mode.run("conv1d", conv1d, input, weight, bias, stride, padding, dilation, groups)
    _check_conv1d(input, weight, bias, groups)
    s = _tuple_arg("conv1d", "stride", stride, 1)
    d = _tuple_arg("conv1d", "dilation", dilation, 1)
    if isinstance(padding, str):
        pads: Any = padding
    else:
        (p,) = _tuple_arg("conv1d", "padding", padding, 1)
        pads = (0, p)
        k = weight.shape[2]
        if p >= 0 and input.shape[-1] + 2 * p < d[0] * (k - 1) + 1:
            raise RuntimeError(
                f"Calculated padded input size per channel: ({input.shape[-1] + 2 * p}). Kernel size: "
                f"({d[0] * (k - 1) + 1}). Kernel size can't be greater than actual input size"
            )
    out = conv2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias, (1,) + s, pads, (1,) + d, groups)
    return out.squeeze(-2)


def conv_transpose1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """1-d transposed convolution of a (N, Cin, L) or (Cin, L) input.

    Args:
        weight: (Cin, Cout / groups, k).
        bias: (Cout,) or None.
        stride, dilation: an int (or a 1-sequence), positive.
        padding: positions cropped from each end of the full result.
        output_padding: extra positions at the end (below the stride or the dilation).
        groups: channels split into this many independent groups.
    """
    if autocast_mode.enabled_threads and autocast_mode.wants(conv_transpose1d):
        return autocast_mode.run(
            "conv_transpose1d", conv_transpose1d, input, weight, bias, stride, padding, output_padding, groups, dilation
        )
    args = [
        _tuple_arg("conv_transpose1d", name, value, 1)
        for name, value in (("stride", stride), ("padding", padding), ("output_padding", output_padding))
    ]
    (s,), (p,), (op,) = args
    (d,) = _tuple_arg("conv_transpose1d", "dilation", dilation, 1)
    check_transposed("conv_transpose1d", input, weight, bias, groups, 1)
    out = conv_transpose2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias, (1, s), (0, p), (0, op), groups, (1, d))
    return out.squeeze(-2)
