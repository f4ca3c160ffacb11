"""Composition and conversions: Compose, Lambda, ToTensor, PILToTensor, ToPILImage, ConvertImageDtype, Normalize.

ToTensor and Normalize also transform a whole batch at once (``_apply_batch``); vision datasets use that
to build DataLoader batches without a Python call per sample.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ... import backend
from ...creation import from_numpy
from ...dtypes import dtype, get_default_dtype
from ...tensor import Tensor
from . import functional as F


class Compose:
    """Apply transforms one after another.

    Args:
        transforms: the transforms, in order.
    """

    def __init__(self, transforms: list[Callable]) -> None:
        self.transforms = transforms

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({body}\n)"


class Lambda:
    """Wrap a function as a transform.

    Args:
        lambd: the function.
    """

    def __init__(self, lambd: Callable) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {repr(type(lambd).__name__)}")
        self.lambd = lambd

    def __call__(self, img: Any) -> Any:
        return self.lambd(img)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class ToTensor:
    """A PIL image or HxW[xC] array as a CxHxW tensor; uint8 values are scaled to the default float dtype in
    [0, 1] (see ``functional.to_tensor``)."""

    def __call__(self, pic: Any) -> Tensor:
        return F.to_tensor(pic)

    def _apply_batch(self, images: np.ndarray) -> Tensor:
        """N x H x W [x C] uint8 -> N x C x H x W floats, element for element what ``__call__`` gives."""
        arr = images[..., None] if images.ndim == 3 else images
        nchw = np.ascontiguousarray(arr.transpose(0, 3, 1, 2))
        if nchw.dtype != np.uint8:
            return from_numpy(nchw)
        real = get_default_dtype().np_dtype
        return from_numpy(nchw.astype(real) / real.type(255))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class PILToTensor:
    """A PIL image as a CxHxW tensor of its own dtype, values unchanged."""

    def __call__(self, pic: Any) -> Tensor:
        return F.pil_to_tensor(pic)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class ToPILImage:
    """A CxHxW tensor or HxWxC array as a PIL image (floats in [0, 1] become bytes).

    Args:
        mode: the PIL mode (default: chosen from the channel count and dtype, see ``functional.to_pil_image``).
    """

    def __init__(self, mode: str | None = None) -> None:
        self.mode = mode

    def __call__(self, pic: Any) -> Any:
        return F.to_pil_image(pic, self.mode)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({'' if self.mode is None else f'mode={self.mode}'})"


class ConvertImageDtype:
    """A tensor image as ``dtype``, its values rescaled (see ``functional.convert_image_dtype``).

    Args:
        dtype: the dtype wanted.
    """

    def __init__(self, dtype: dtype) -> None:
        self.dtype = dtype

    def __call__(self, image: Tensor) -> Tensor:
        return F.convert_image_dtype(image, self.dtype)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Normalize:
    """``(x - mean) / std`` per channel of a float tensor (..., C, H, W).

    Args:
        mean: per-channel means.
        std: per-channel standard deviations.
        inplace: overwrite the input tensor.
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> None:
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def __call__(self, tensor: Tensor) -> Tensor:
        if isinstance(tensor, Tensor) and not self.inplace and not tensor.requires_grad and tensor.ndim >= 3:
            return self._on_arrays(tensor)
        return F.normalize(tensor, self.mean, self.std, self.inplace)

    def _on_arrays(self, tensor: Tensor) -> Tensor:
        """The same values straight on the arrays: no graph to record, and one op per batch in the loader."""
        if not tensor.is_floating_point():
            raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
        xp = backend.array_module(tensor._data)
        dt = tensor._data.dtype
        mean = xp.asarray(np.asarray(self.mean, dtype=dt).reshape(-1, 1, 1))
        std = xp.asarray(np.asarray(self.std, dtype=dt).reshape(-1, 1, 1))
        if (std == 0).any():
            raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
        return Tensor._wrap((tensor._data - mean) / std)

    def _apply_batch(self, batch: Tensor) -> Tensor:
        return self(batch)  # (..., C, H, W) covers a batch already

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"
