"""Learnable convolutions: Conv1d, Conv2d, Conv3d (cross-correlation, as in torch) and ConvTranspose1d/2d/3d."""

from __future__ import annotations

import math
from typing import Any

from ...creation import empty
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(value: Any, n: int) -> tuple:
    """A sequence as a tuple, anything else ``n`` times (torch.nn's ``_single``/``_pair``: modules store
    arguments unchecked; the functional op checks them when called)."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


class _ConvNd(Module):
    """What the convolution modules share: arguments, weight and bias, initialisation, repr.

    Subclasses set ``_dims`` (spatial dimensions) and ``_transposed``.
    """

    _dims = 2
    _transposed = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: str | Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
        output_padding: Any = 0,
    ) -> None:
        super().__init__()
        n = self._dims
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        self.kernel_size, self.stride = _ntuple(kernel_size, n), _ntuple(stride, n)
        self.dilation = _ntuple(dilation, n)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'same', 'valid'}}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = _ntuple(padding, n)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                "padding_mode must be one of {'zeros', 'circular', 'replicate', 'reflect'}, "
                f"but got padding_mode='{padding_mode}'"
            )
        self.in_channels, self.out_channels = in_channels, out_channels
        self.padding = padding
        self.transposed = self._transposed
        self.output_padding = _ntuple(output_padding, n)
        self.groups = groups
        self.padding_mode = padding_mode
        self._reversed_padding_repeated_twice = self._pad_amounts()
        shape = (in_channels, out_channels // groups) if self._transposed else (out_channels, in_channels // groups)
        self.weight = Parameter(empty(shape + self.kernel_size, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def _pad_amounts(self) -> list:
        """F.pad's (left, right, top, bottom) for the non-zero padding modes."""
        if self.padding == "valid":
            return [0, 0] * self._dims
        if self.padding == "same":
            out = []
            for d, k in zip(reversed(self.dilation), reversed(self.kernel_size)):
                total = d * (k - 1)
                out += [total // 2, total - total // 2]
            return out
        return [p for p in reversed(self.padding) for _ in range(2)]

    def reset_parameters(self) -> None:
        """torch's default: weight and bias both U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in from weight dim 1."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        n = self._dims
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv2d(_ConvNd):
    """2-d convolution over an input of shape (N, C_in, H, W) (or unbatched (C_in, H, W)).

    Args:
        in_channels, out_channels: channels of the input and of the output.
        kernel_size, stride, dilation: an int or an (h, w) pair.
        padding: an int, an (h, w) pair, 'valid' (none) or 'same' (output as large as the input).
        groups: split the channels into this many independent convolutions.
        bias: whether to learn a per-output-channel bias.
        padding_mode: 'zeros', 'reflect', 'replicate' or 'circular'.
        device, dtype: where and of what type the parameters are created.
    """

    _conv = staticmethod(F.conv2d)

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: str | Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode, device, dtype
        )

    def forward(self, input: Tensor) -> Tensor:
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return self._conv(padded, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return self._conv(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv1d(Conv2d):
    """1-d convolution over an input of shape (N, C_in, L) (or unbatched (C_in, L)).

    Args:
        in_channels, out_channels: channels of the input and of the output.
        kernel_size, stride, dilation: an int.
        padding: an int, 'valid' (none) or 'same' (output as long as the input).
        groups: split the channels into this many independent convolutions.
        bias: whether to learn a per-output-channel bias.
        padding_mode: 'zeros', 'reflect', 'replicate' or 'circular'.
        device, dtype: where and of what type the parameters are created.
    """

    _dims = 1
    _conv = staticmethod(F.conv1d)


class Conv3d(Conv2d):
    """3-d convolution over an input of shape (N, C_in, D, H, W) (or unbatched (C_in, D, H, W)).

    Args:
        in_channels, out_channels: channels of the input and of the output.
        kernel_size, stride, dilation: an int or a (d, h, w) triple.
        padding: an int, a (d, h, w) triple, 'valid' (none) or 'same' (output as large as the input).
        groups: split the channels into this many independent convolutions.
        bias: whether to learn a per-output-channel bias.
        padding_mode: 'zeros', 'reflect', 'replicate' or 'circular'.
        device, dtype: where and of what type the parameters are created.
    """

    _dims = 3
    _conv = staticmethod(F.conv3d)


class ConvTranspose2d(_ConvNd):
    """2-d transposed convolution (the gradient of Conv2d for its input) over (N, C_in, H, W) inputs.

    Args:
        in_channels, out_channels: channels of the input and of the output.
        kernel_size, stride, dilation: an int or an (h, w) pair.
        padding: rows/columns cropped from each side of the full result.
        output_padding: extra rows/columns on one side (to pick among the sizes a stride allows).
        groups: split the channels into this many independent convolutions.
        bias: whether to learn a per-output-channel bias.
        padding_mode: only 'zeros'.
        device, dtype: where and of what type the parameters are created.
    """

    _dims = 2
    _transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Any = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
            output_padding,
        )

    def _output_padding(self, input: Tensor, output_size: Any) -> tuple:
        """The output padding that makes the output ``output_size`` large (torch's rule and messages)."""
        if output_size is None:
            return self.output_padding
        n = self._dims
        size = list(output_size)
        batched = input.ndim == n + 2
        if len(size) == n + 1 + batched:
            size = size[-n:]
        if len(size) != n:
            raise ValueError(
                f"ConvTranspose{n}D: for {input.ndim}D input, output_size must have {n} or {n + 1 + batched} "
                f"elements (got {len(output_size)})"
            )
        spatial = input.shape[-n:]
        low, high = [], []
        for i in range(n):
            least = (
                (spatial[i] - 1) * self.stride[i]
                - 2 * self.padding[i]
                + self.dilation[i] * (self.kernel_size[i] - 1)
                + 1
            )
            low.append(least)
            high.append(least + self.stride[i] - 1)
        for i in range(n):
            if not low[i] <= size[i] <= high[i]:
                raise ValueError(
                    f"requested an output size of {tuple(size) if isinstance(output_size, tuple) else size}, "
                    f"but valid sizes range from {low} to {high} (for an input of {spatial})"
                )
        return tuple(int(size[i] - low[i]) for i in range(n))

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:
        fn = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[self._dims]
        op = self._output_padding(input, output_size)
        return fn(input, self.weight, self.bias, self.stride, self.padding, op, self.groups, self.dilation)


class ConvTranspose1d(ConvTranspose2d):
    """1-d transposed convolution over (N, C_in, L) inputs.

    Args:
        in_channels, out_channels: channels of the input and of the output.
        kernel_size, stride, dilation: an int.
        padding: positions cropped from each end of the full result.
        output_padding: extra positions at the end.
        groups: split the channels into this many independent convolutions.
        bias: whether to learn a per-output-channel bias.
        padding_mode: only 'zeros'.
        device, dtype: where and of what type the parameters are created.
    """

    _dims = 1


class ConvTranspose3d(ConvTranspose2d):
    """3-d transposed convolution (the gradient of Conv3d for its input) over (N, C_in, D, H, W) inputs.

    Args:
        in_channels, out_channels: channels of the input and of the output.
        kernel_size, stride, dilation: an int or a (d, h, w) triple.
        padding: elements cropped from each side of the full result, per dim.
        output_padding: extra elements on one side of each dim (to pick among the sizes a stride allows).
        groups: split the channels into this many independent convolutions.
        bias: whether to learn a per-output-channel bias.
        padding_mode: only 'zeros'.
        device, dtype: where and of what type the parameters are created.
    """

    _dims = 3
