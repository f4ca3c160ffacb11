"""make_grid and save_image: a batch of images tiled into one image (and written to a file), as
torchvision.utils's."""

from __future__ import annotations

import math
import os
from typing import IO, Any

import numpy as np

from .. import backend
from ..tensor import Tensor

try:
    from PIL import Image
except ImportError:  # pillow is optional; only save_image needs it
    Image = None  # type: ignore[assignment]  # the optional-import idiom: checked before use

__all__ = ["make_grid", "save_image"]


def _normalize(arr: np.ndarray, value_range: tuple[float, float] | None) -> np.ndarray:
    low, high = (float(arr.min()), float(arr.max())) if value_range is None else value_range
    return (np.clip(arr, low, high) - low) / max(high - low, 1e-5)


def make_grid(
    tensor: Tensor | list[Tensor],
    nrow: int = 8,
    padding: int = 2,
    normalize: bool = False,
    value_range: tuple[float, float] | None = None,
    scale_each: bool = False,
    pad_value: float = 0.0,
) -> Tensor:
    """Tile images into a grid of ``nrow`` columns with ``padding`` pixels of ``pad_value`` around each.

    Args:
        tensor: a (B, C, H, W) tensor, a (C, H, W) or (H, W) image, or a list of same-sized images.
            One-channel images are repeated into three channels.
        nrow: images per row of the grid.
        padding: pixels between images and around the border.
        normalize: shift and scale values to [0, 1] using ``value_range`` (default: the min and max).
        value_range: (low, high) used by ``normalize``; values outside are clamped.
        scale_each: normalize each image by its own min and max.
        pad_value: the value of the padding pixels.
    """
    if isinstance(tensor, (list, tuple)):
        if not tensor:
            raise ValueError("make_grid: expected a non-empty list of tensors")
        arr = np.stack([t._cpu_array() for t in tensor])
        like = tensor[0]
    elif isinstance(tensor, Tensor):
        arr, like = tensor._cpu_array(), tensor
    else:
        raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim == 3:
        arr = arr[None]
    if arr.ndim != 4:
        raise ValueError(f"make_grid: expected 2, 3 or 4 dimensions, got a tensor of shape {arr.shape}")
    if arr.shape[1] == 1:
        arr = np.concatenate([arr, arr, arr], axis=1)
    if normalize:
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")
        arr = np.stack([_normalize(a, value_range) for a in arr]) if scale_each else _normalize(arr, value_range)
        arr = arr.astype(like._cpu_array().dtype, copy=False)
    if arr.shape[0] == 1:
        out = arr[0]
    else:
        n, c, h, w = arr.shape
        cols = min(nrow, n)
        rows = int(math.ceil(n / cols))
        cell_h, cell_w = h + padding, w + padding
        out = np.full((c, cell_h * rows + padding, cell_w * cols + padding), pad_value, dtype=arr.dtype)
        for k in range(n):
            y, x = divmod(k, cols)
            out[:, y * cell_h + padding : (y + 1) * cell_h, x * cell_w + padding : (x + 1) * cell_w] = arr[k]
    return Tensor._wrap(backend.to_device(np.ascontiguousarray(out), like.device))


def save_image(
    tensor: Tensor | list[Tensor], fp: str | os.PathLike | IO[bytes], format: str | None = None, **kwargs: Any
) -> None:
    """Save images (values in [0, 1]) as one picture: ``make_grid(tensor, **kwargs)`` rounded to bytes.

    Args:
        tensor: what ``make_grid`` takes: an image, a batch, or a list of images.
        fp: a file name or a binary file object.
        format: the image format (default: from the file name's extension).
        kwargs: ``make_grid``'s options (nrow, padding, normalize, value_range, scale_each, pad_value).
    """
    if Image is None:
        raise ImportError("save_image needs pillow (pip install pillow)")
    grid = make_grid(tensor, **kwargs)._cpu_array()
    dt = grid.dtype.type if grid.dtype.kind == "f" else np.float32
    # x * 255 + 0.5, truncated: rounds to the nearest byte, in the grid's own float precision as torchvision does
    pixels = np.clip(grid.astype(dt) * dt(255) + dt(0.5), 0, 255).astype(np.uint8)
    Image.fromarray(np.ascontiguousarray(pixels.transpose(1, 2, 0))).save(fp, format=format)
