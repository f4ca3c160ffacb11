"""Padding layers: constant (and zero), reflection, replication and circular padding of 1-D, 2-D and 3-D inputs,
each ``F.pad`` with its mode and a padding given as one int or a tuple of (left, right[, top, bottom[, ...]])."""

from __future__ import annotations

from typing import Any

from ...tensor import Tensor
from .. import functional as F
from .module import Module


class _Pad(Module):
    """What the padding layers share: the padding expanded to 2 ints per padded dimension, and the mode."""

    _dims = 1
    _mode = "constant"

    def __init__(self, padding: Any) -> None:
        super().__init__()
        self.padding = (int(padding),) * (2 * self._dims) if isinstance(padding, int) else tuple(padding)
        if len(self.padding) != 2 * self._dims:
            raise ValueError(
                f"{type(self).__name__} expects a padding of {2 * self._dims} ints, got {len(self.padding)}"
            )

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, mode=self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPad(_Pad):
    def __init__(self, padding: Any, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, mode="constant", value=self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPad):
    """Pad the last dimension with ``value``."""


class ConstantPad2d(_ConstantPad):
    """Pad the last two dimensions with ``value``."""

    _dims = 2


class ConstantPad3d(_ConstantPad):
    """Pad the last three dimensions with ``value``."""

    _dims = 3


class _ZeroPad(_ConstantPad):
    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPad):
    """Pad the last dimension with zeros."""


class ZeroPad2d(_ZeroPad):
    """Pad the last two dimensions with zeros."""

    _dims = 2


class ZeroPad3d(_ZeroPad):
    """Pad the last three dimensions with zeros."""

    _dims = 3


class ReflectionPad1d(_Pad):
    """Pad the last dimension with its reflection (the edge not repeated)."""

    _mode = "reflect"


class ReflectionPad2d(_Pad):
    """Pad the last two dimensions with their reflection."""

    _dims, _mode = 2, "reflect"


class ReflectionPad3d(_Pad):
    """Pad the last three dimensions with their reflection."""

    _dims, _mode = 3, "reflect"


class ReplicationPad1d(_Pad):
    """Pad the last dimension by repeating its edge values."""

    _mode = "replicate"


class ReplicationPad2d(_Pad):
    """Pad the last two dimensions by repeating their edge values."""

    _dims, _mode = 2, "replicate"


class ReplicationPad3d(_Pad):
    """Pad the last three dimensions by repeating their edge values."""

    _dims, _mode = 3, "replicate"


class CircularPad1d(_Pad):
    """Pad the last dimension with values wrapped around from the other end."""

    _mode = "circular"


class CircularPad2d(_Pad):
    """Pad the last two dimensions with values wrapped around."""

    _dims, _mode = 2, "circular"


class CircularPad3d(_Pad):
    """Pad the last three dimensions with values wrapped around."""

    _dims, _mode = 3, "circular"
