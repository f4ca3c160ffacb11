"""What the transforms share: telling images apart, argument checks as torchvision words them, numpy padding
for PIL images and arrays, and the draws from minitorch's generator (so ``manual_seed`` replays them)."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any, Literal, TypeGuard

import numpy as np

from ... import backend
from ...dtypes import float64
from ...random import sample_integers, sample_permutation, sample_uniform
from ...tensor import Tensor

try:
    from PIL import Image
except ImportError:  # pillow is optional
    Image = None  # type: ignore[assignment]  # the optional-import idiom: checked before use


class InterpolationMode(Enum):
    """How pixels are resampled, as ``torchvision.transforms.InterpolationMode``."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"  # the last three: PIL images only
    HAMMING = "hamming"
    LANCZOS = "lanczos"


# Pillow's resampling constants (Image.NEAREST == 0, ...): torchvision accepts them for the enum.
_FROM_PIL = {
    0: InterpolationMode.NEAREST,
    2: InterpolationMode.BILINEAR,
    3: InterpolationMode.BICUBIC,
    4: InterpolationMode.BOX,
    5: InterpolationMode.HAMMING,
    1: InterpolationMode.LANCZOS,
}
PIL_FILTER = {mode: code for code, mode in _FROM_PIL.items()} | {InterpolationMode.NEAREST_EXACT: 0}


def interpolation_mode(interpolation: Any) -> InterpolationMode:
    """An InterpolationMode from the enum itself or a Pillow integer constant."""
    if isinstance(interpolation, InterpolationMode):
        return interpolation
    if isinstance(interpolation, int) and interpolation in _FROM_PIL:
        return _FROM_PIL[interpolation]
    raise TypeError("Argument interpolation should be a InterpolationMode or a corresponding Pillow integer constant")


def is_pil(img: Any) -> bool:
    return Image is not None and isinstance(img, Image.Image)


def is_number(x: Any) -> TypeGuard[float]:
    """A single number, as torchvision tests for one (``numbers.Number``: numpy scalars too)."""
    return isinstance(x, numbers.Number)


def image_size(img: Any) -> tuple[int, int]:
    """(height, width) of a PIL image, an HxW[xC] array or a (..., H, W) tensor."""
    if is_pil(img):
        return img.height, img.width
    if isinstance(img, Tensor):
        return int(img.shape[-2]), int(img.shape[-1])
    if isinstance(img, np.ndarray):
        return int(img.shape[0]), int(img.shape[1])
    raise TypeError(f"img should be PIL Image, ndarray or Tensor. Got {type(img)}")


def setup_size(size: Any, error_msg: str) -> tuple[int, int]:
    """(h, w) from an int, a 1-sequence or a 2-sequence (torchvision's ``_setup_size``)."""
    if is_number(size):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return int(size[0]), int(size[0])
    if not isinstance(size, Sequence) or len(size) != 2:
        raise ValueError(error_msg)
    return int(size[0]), int(size[1])


def check_sequence(x: Any, name: str, req_sizes: tuple[int, ...]) -> None:
    msg = req_sizes[0] if len(req_sizes) < 2 else " or ".join(str(s) for s in req_sizes)
    if not isinstance(x, Sequence):
        raise TypeError(f"{name} should be a sequence of length {msg}.")
    if len(x) not in req_sizes:
        raise ValueError(f"{name} should be a sequence of length {msg}.")


def setup_angle(x: Any, name: str, req_sizes: tuple[int, ...] = (2,)) -> list[float]:
    """[-x, x] from a non-negative number, or the floats of a sequence of an allowed length."""
    if is_number(x):
        if float(x) < 0:
            raise ValueError(f"If {name} is a single number, it must be positive.")
        x = [-float(x), float(x)]
    else:
        check_sequence(x, name, req_sizes)
    return [float(d) for d in x]


def check_fill(fill: Any) -> Any:
    """The fill of the geometric transforms: None becomes 0; else a number or a sequence."""
    if fill is None:
        return 0
    if not isinstance(fill, (Sequence, numbers.Number)):
        raise TypeError("Fill should be either a sequence or a number.")
    return fill


def tensor_fill(fill: Any, channels: int) -> list[float]:
    """A transform's fill as the per-channel float list the tensor kernels take."""
    if is_number(fill):
        return [float(fill)] * channels
    return [float(f) for f in fill]


# ------------------------------------------------------------------ draws (torch.rand(1), uniform_, randint, randperm)
def rand() -> float:
    """U(0, 1), as ``torch.rand(1)`` is used to decide whether a random transform applies."""
    return float(sample_uniform((), 0.0, 1.0, float64))


def uniform(low: float, high: float) -> float:
    return float(sample_uniform((), float(low), float(high), float64))


def randint(low: int, high: int) -> int:
    """An int in [low, high)."""
    return int(sample_integers((), int(low), int(high)))


def randperm(n: int) -> list[int]:
    return [int(i) for i in sample_permutation(n)]


# ------------------------------------------------------------------ numpy paths (PIL images and arrays)
def map_spatial(img: Any, fn: Callable[[np.ndarray], np.ndarray]) -> Any:
    """Apply ``fn`` to an (H, W, ...) array view of ``img`` and give back the same kind of image."""
    if is_pil(img):
        arr = np.asarray(img)
        res = Image.fromarray(np.ascontiguousarray(fn(arr)))
        if img.mode == "P":  # the array held palette indices: give the palette back
            res.putpalette(img.getpalette())
        return res
    if isinstance(img, np.ndarray):
        return fn(img)
    if isinstance(img, Tensor):
        arr = img._cpu_array()
        lead = arr.ndim - 2
        moved = np.moveaxis(arr, (-2, -1), (0, 1))  # (H, W, ...)
        out = np.moveaxis(fn(moved), (0, 1), (lead, lead + 1))
        return Tensor._wrap(backend.to_device(np.ascontiguousarray(out), img.device))
    raise TypeError(f"img should be PIL Image, ndarray or Tensor. Got {type(img)}")


def pad_widths(padding: Any) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) from torchvision's int / (lr, tb) / (l, t, r, b)."""
    if is_number(padding):
        n = int(padding)
        return n, n, n, n
    if isinstance(padding, Sequence) and len(padding) in (1, 2, 4):
        p = [int(x) for x in padding]
        if len(p) == 1:
            return p[0], p[0], p[0], p[0]
        if len(p) == 2:
            return p[0], p[1], p[0], p[1]
        return p[0], p[1], p[2], p[3]
    raise ValueError(
        "Padding must be an int or a 1, 2, or 4 element tuple, not a "
        f"{len(padding) if isinstance(padding, Sequence) else type(padding).__name__} element tuple"
    )


PAD_MODES: dict[str, Literal["constant", "edge", "reflect", "symmetric"]] = {
    "constant": "constant",
    "edge": "edge",
    "reflect": "reflect",
    "symmetric": "symmetric",
}


def pad_array(arr: np.ndarray, padding: Any, fill: Any, padding_mode: str, first: int = 0) -> np.ndarray:
    """Pad axes ``first`` (height) and ``first + 1`` (width) of ``arr``; ``fill`` runs along the axes after them."""
    left, top, right, bottom = pad_widths(padding)
    widths = [(0, 0)] * first + [(top, bottom), (left, right)] + [(0, 0)] * (arr.ndim - first - 2)
    if padding_mode != "constant":
        return np.pad(arr, widths, mode=PAD_MODES[padding_mode])
    out = np.pad(arr, widths, mode="constant")
    fill_value = np.asarray(fill, dtype=arr.dtype)
    if fill_value.any():
        inside = np.zeros(out.shape[first : first + 2], dtype=bool)
        inside[top : top + arr.shape[first], left : left + arr.shape[first + 1]] = True
        moved = np.moveaxis(out, (first, first + 1), (0, 1))  # a view: writes land in ``out``
        moved[~inside] = fill_value
    return out
