"""Crops, flips, padding and resizing: Pad, Resize, CenterCrop, RandomCrop, RandomResizedCrop, the random flips,
FiveCrop and TenCrop. Random parameters come from minitorch's generator, drawn in torchvision's order."""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import functional as F
from ._utils import (
    PAD_MODES,
    InterpolationMode,
    interpolation_mode,
    pad_array,
    pad_widths,
    rand,
    randint,
    setup_size,
    uniform,
)

_SIZE_MSG = "Please provide only two dimensions (h, w) for size."


class Pad:
    """Pad the image's borders.

    Args:
        padding: all sides, (left/right, top/bottom) or (left, top, right, bottom).
        fill: the value of new pixels for ``padding_mode='constant'`` (a tuple per channel for RGB images).
        padding_mode: 'constant', 'edge', 'reflect' or 'symmetric'.
    """

    def __init__(self, padding: Any, fill: Any = 0, padding_mode: str = "constant") -> None:
        if not isinstance(padding, (numbers.Number, tuple, list)):
            raise TypeError("Got inappropriate padding arg")
        if not isinstance(fill, (numbers.Number, tuple, list)):
            raise TypeError("Got inappropriate fill arg")
        if padding_mode not in PAD_MODES:
            raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        pad_widths(padding)
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def __call__(self, img: Any) -> Any:
        return F.pad(img, self.padding, self.fill, self.padding_mode)

    def _apply_batch(self, batch: Any) -> Any:
        """Pad N x H x W [x C] uint8 images (before ToTensor) or an (N, C, H, W) tensor (after it)."""
        if isinstance(batch, np.ndarray):
            return pad_array(batch, self.padding, self.fill, self.padding_mode, first=1)
        return self(batch)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode})"


class Resize:
    """Resize to ``size``: (h, w), or an int for the shorter edge keeping the aspect ratio.

    Args:
        size: the output size.
        interpolation: an InterpolationMode (or a Pillow constant); default bilinear.
        max_size: the longest the longer edge may become (with an int ``size``).
        antialias: smooth tensors before shrinking them (PIL images always are).
    """

    def __init__(
        self,
        size: Any,
        interpolation: Any = InterpolationMode.BILINEAR,
        max_size: int | None = None,
        antialias: bool | None = True,
    ) -> None:
        if not isinstance(size, (int, Sequence)):
            raise TypeError(f"Size should be int or sequence. Got {type(size)}")
        if isinstance(size, Sequence) and len(size) not in (1, 2):
            raise ValueError("If size is a sequence, it should have 1 or 2 values")
        self.size, self.max_size, self.antialias = size, max_size, antialias
        self.interpolation = interpolation_mode(interpolation)

    def __call__(self, img: Any) -> Any:
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(size={self.size}, interpolation={self.interpolation.value}, "
            f"max_size={self.max_size}, antialias={self.antialias})"
        )


class CenterCrop:
    """Crop the centre (an image smaller than ``size`` is zero-padded first).

    Args:
        size: (height, width) of the crop, or an int for a square.
    """

    def __init__(self, size: Any) -> None:
        self.size = setup_size(size, _SIZE_MSG)

    def __call__(self, img: Any) -> Any:
        return F.center_crop(img, self.size)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size})"


class RandomCrop:
    """Crop at a random position (after optional padding).

    Args:
        size: (height, width) of the crop, or an int for a square.
        padding: padding added first (see :class:`Pad`).
        pad_if_needed: pad an image smaller than ``size`` up to it.
        fill: padding value.
        padding_mode: padding mode.
    """

    def __init__(
        self, size: Any, padding: Any = None, pad_if_needed: bool = False, fill: Any = 0, padding_mode: str = "constant"
    ) -> None:
        self.size = setup_size(size, _SIZE_MSG)
        self.padding, self.pad_if_needed, self.fill, self.padding_mode = padding, pad_if_needed, fill, padding_mode

    @staticmethod
    def get_params(img: Any, output_size: tuple[int, int]) -> tuple[int, int, int, int]:
        """(top, left, height, width) of a random ``output_size`` crop of ``img``."""
        _, h, w = F.get_dimensions(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size {(h, w)}")
        if w == tw and h == th:
            return 0, 0, h, w
        return randint(0, h - th + 1), randint(0, w - tw + 1), th, tw

    def __call__(self, img: Any) -> Any:
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        _, h, w = F.get_dimensions(img)
        th, tw = self.size
        if self.pad_if_needed and w < tw:
            img = F.pad(img, [tw - w, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and h < th:
            img = F.pad(img, [0, th - h], self.fill, self.padding_mode)
        return F.crop(img, *self.get_params(img, self.size))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip:
    """Mirror left-right with probability ``p``.

    Args:
        p: the probability of flipping.
    """

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def __call__(self, img: Any) -> Any:
        return F.hflip(img) if rand() < self.p else img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


class RandomVerticalFlip(RandomHorizontalFlip):
    """Mirror top-bottom with probability ``p``.

    Args:
        p: the probability of flipping.
    """

    def __call__(self, img: Any) -> Any:
        return F.vflip(img) if rand() < self.p else img


class RandomResizedCrop:
    """Crop a random area (a ``scale`` fraction of the image, aspect ratio from ``ratio`` on a log scale) and resize
    it to ``size``; after ten rejected draws, the largest central crop within ``ratio``.

    Args:
        size: the output (h, w), or an int for a square.
        scale: (min, max) of the crop's area as a fraction of the image's.
        ratio: (min, max) of the crop's width / height.
        interpolation: the resampling of the resize.
        antialias: smooth tensors before shrinking them.
    """

    def __init__(
        self,
        size: Any,
        scale: tuple[float, float] = (0.08, 1.0),
        ratio: tuple[float, float] = (3.0 / 4.0, 4.0 / 3.0),
        interpolation: Any = InterpolationMode.BILINEAR,
        antialias: bool | None = True,
    ) -> None:
        self.size = setup_size(size, _SIZE_MSG)
        if not isinstance(scale, Sequence):
            raise TypeError("Scale should be a sequence")
        if not isinstance(ratio, Sequence):
            raise TypeError("Ratio should be a sequence")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            warnings.warn("Scale and ratio should be of kind (min, max)", stacklevel=2)
        self.interpolation = interpolation_mode(interpolation)
        self.antialias, self.scale, self.ratio = antialias, scale, ratio

    @staticmethod
    def get_params(img: Any, scale: Sequence[float], ratio: Sequence[float]) -> tuple[int, int, int, int]:
        """(top, left, height, width) of the random crop."""
        _, height, width = F.get_dimensions(img)
        area = height * width
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            target_area = area * uniform(scale[0], scale[1])
            aspect = math.exp(uniform(*log_ratio))
            w = int(round(math.sqrt(target_area * aspect)))
            h = int(round(math.sqrt(target_area / aspect)))
            if 0 < w <= width and 0 < h <= height:
                return randint(0, height - h + 1), randint(0, width - w + 1), h, w
        in_ratio = float(width) / float(height)
        if in_ratio < min(ratio):
            w, h = width, int(round(width / min(ratio)))
        elif in_ratio > max(ratio):
            h, w = height, int(round(height * max(ratio)))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def __call__(self, img: Any) -> Any:
        i, j, h, w = self.get_params(img, self.scale, self.ratio)
        return F.resized_crop(img, i, j, h, w, list(self.size), self.interpolation, antialias=self.antialias)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(size={self.size}, scale={tuple(round(s, 4) for s in self.scale)}, "
            f"ratio={tuple(round(r, 4) for r in self.ratio)}, interpolation={self.interpolation.value}, "
            f"antialias={self.antialias})"
        )


class FiveCrop:
    """The four corner crops and the centre crop, as a tuple.

    Args:
        size: (h, w) of the crops, or an int for squares.
    """

    def __init__(self, size: Any) -> None:
        self.size = setup_size(size, _SIZE_MSG)

    def __call__(self, img: Any) -> tuple:
        return F.five_crop(img, self.size)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size})"


class TenCrop:
    """FiveCrop of the image and of its mirror image, as a tuple of ten.

    Args:
        size: (h, w) of the crops, or an int for squares.
        vertical_flip: mirror top-bottom instead of left-right.
    """

    def __init__(self, size: Any, vertical_flip: bool = False) -> None:
        self.size = setup_size(size, _SIZE_MSG)
        self.vertical_flip = vertical_flip

    def __call__(self, img: Any) -> tuple:
        return F.ten_crop(img, self.size, self.vertical_flip)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, vertical_flip={self.vertical_flip})"
