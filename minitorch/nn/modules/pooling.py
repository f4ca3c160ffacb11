"""Pooling layers: max and average (1-d, 2-d and 3-d), power-average, adaptive pooling to a fixed output size,
and max unpooling."""

from __future__ import annotations

from typing import Any

from ...tensor import Tensor
from .. import functional as F
from .module import Module


class MaxPool2d(Module):
    """The maximum over each (kernel_size) window.

    Args:
        kernel_size: window size, an int or (h, w).
        stride: step between windows (default: kernel_size).
        padding: implicit -inf padding on both sides.
        dilation: spacing between the window's elements.
        return_indices: also return the flat argmax indices (for MaxUnpool2d).
        ceil_mode: round the output size up instead of down.
    """

    def __init__(
        self,
        kernel_size: Any,
        stride: Any | None = None,
        padding: Any = 0,
        dilation: Any = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor) -> Any:
        return F.max_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class AvgPool2d(Module):
    """The mean over each (kernel_size) window.

    Args:
        kernel_size: window size, an int or (h, w).
        stride: step between windows (default: kernel_size).
        padding: implicit zero padding on both sides.
        ceil_mode: round the output size up instead of down.
        count_include_pad: whether padded zeros count in the divisor.
        divisor_override: divide by this instead of the window size.
    """

    def __init__(
        self,
        kernel_size: Any,
        stride: Any | None = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool3d(MaxPool2d):
    """The maximum over each (kernel_size) window of a (N, C, D, H, W) input.

    Args:
        kernel_size: window size, an int or (d, h, w).
        stride: step between windows (default: kernel_size).
        padding: implicit -inf padding on both sides.
        dilation: spacing between the window's elements.
        return_indices: also return the flat argmax indices (for MaxUnpool3d).
        ceil_mode: round the output size up instead of down.
    """

    def forward(self, input: Tensor) -> Any:
        return F.max_pool3d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )


class AvgPool3d(AvgPool2d):
    """The mean over each (kernel_size) window of a (N, C, D, H, W) input.

    Args:
        kernel_size: window size, an int or (d, h, w).
        stride: step between windows (default: kernel_size).
        padding: implicit zero padding on both sides.
        ceil_mode: round the output size up instead of down.
        count_include_pad: whether padded zeros count in the divisor.
        divisor_override: divide by this instead of the window size.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool3d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )


class MaxPool1d(MaxPool2d):
    """The maximum over each window of a (N, C, L) input.

    Args:
        kernel_size: window length.
        stride: step between windows (default: kernel_size).
        padding: implicit -inf padding on both sides.
        dilation: spacing between the window's elements.
        return_indices: also return the positions of the maxima.
        ceil_mode: round the output length up instead of down.
    """

    def forward(self, input: Tensor) -> Any:
        return F.max_pool1d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )


class AvgPool1d(Module):
    """The mean over each window of a (N, C, L) input.

    Args:
        kernel_size: window length.
        stride: step between windows (default: kernel_size).
        padding: implicit zero padding on both sides.
        ceil_mode: round the output length up instead of down.
        count_include_pad: whether padded zeros count in the divisor.
    """

    def __init__(
        self,
        kernel_size: Any,
        stride: Any | None = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


def _single(value: Any) -> tuple:
    """torch.nn's ``_single``: a sequence as a tuple, anything else as a 1-tuple (checked when called)."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


class _AdaptivePool(Module):
    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(_AdaptivePool):
    """Mean pooling to a fixed output size.

    Args:
        output_size: an int or an (h, w) pair; None keeps that input size.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(input, self.output_size)


class AdaptiveAvgPool3d(_AdaptivePool):
    """Mean pooling of (N, C, D, H, W) inputs to a fixed output size.

    Args:
        output_size: an int or a (d, h, w) triple; None keeps that input size.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool3d(input, self.output_size)


class AdaptiveAvgPool1d(_AdaptivePool):
    """Mean pooling to a fixed output length. Args: output_size: the length."""

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveMaxPool2d(_AdaptivePool):
    """Max pooling to a fixed output size.

    Args:
        output_size: an int or an (h, w) pair; None keeps that input size.
        return_indices: also return the flat per-plane positions of the maxima.
    """

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input: Tensor) -> Any:
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool3d(AdaptiveMaxPool2d):
    """Max pooling of (N, C, D, H, W) inputs to a fixed output size.

    Args:
        output_size: an int or a (d, h, w) triple; None keeps that input size.
        return_indices: also return the flat per-volume positions of the maxima.
    """

    def forward(self, input: Tensor) -> Any:
        return F.adaptive_max_pool3d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(AdaptiveMaxPool2d):
    """Max pooling to a fixed output length.

    Args:
        output_size: the length.
        return_indices: also return the positions of the maxima.
    """

    def forward(self, input: Tensor) -> Any:
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class _MaxUnpool(Module):
    """What the unpooling layers share: torch's arguments, stride defaulting to the kernel size."""

    _dims = 1

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()

        def expand(v: Any) -> tuple:
            return (int(v),) * self._dims if isinstance(v, int) else tuple(int(n) for n in v)

        self.kernel_size = expand(kernel_size)
        self.stride = expand(stride if stride is not None else kernel_size)
        self.padding = expand(padding)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpool):
    """The inverse of ``MaxPool1d(return_indices=True)``: values back where they were found, zeros elsewhere."""

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        return F.max_unpool1d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool2d(_MaxUnpool):
    """The inverse of ``MaxPool2d(return_indices=True)``: values back where they were found, zeros elsewhere."""

    _dims = 2

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        return F.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool3d(_MaxUnpool):
    """The inverse of ``MaxPool3d(return_indices=True)``: values back where they were found, zeros elsewhere."""

    _dims = 3

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        return F.max_unpool3d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class _LPPool(Module):
    """What the power-average pooling layers share: torch's arguments, stored as given, and repr."""

    def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (
            f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"ceil_mode={self.ceil_mode}"
        )


class LPPool1d(_LPPool):
    """Power-average pooling of (N, C, L) inputs: ``(sum over each window of x ** p) ** (1 / p)``.

    Args:
        norm_type: the power ``p`` (``inf``: the maximum of ``|x|``).
        kernel_size: the window's length.
        stride: step between windows (default: kernel_size).
        ceil_mode: round the output length up instead of down.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.lp_pool1d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


class LPPool2d(_LPPool):
    """Power-average pooling of (N, C, H, W) inputs: ``(sum over each window of x ** p) ** (1 / p)``.

    Args:
        norm_type: the power ``p`` (``inf``: the maximum of ``|x|``).
        kernel_size: the window, an int or (h, w).
        stride: step between windows (default: kernel_size).
        ceil_mode: round the output size up instead of down.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.lp_pool2d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)


class LPPool3d(_LPPool):
    """Power-average pooling of (N, C, D, H, W) inputs: ``(sum over each window of x ** p) ** (1 / p)``.

    Args:
        norm_type: the power ``p`` (``inf``: the maximum of ``|x|``).
        kernel_size: the window, an int or (d, h, w).
        stride: step between windows (default: kernel_size).
        ceil_mode: round the output size up instead of down.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.lp_pool3d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)
