"""Image transforms with torchvision's names and semantics; randomness comes from minitorch's generator.

They accept PIL images, numpy arrays (HxW or HxWxC) and tensors (..., C, H, W) where
torchvision does. ``Pad``, ``ToTensor`` and ``Normalize`` (and a ``Compose`` of them with
one ToTensor) also transform a whole batch at once; vision datasets use that to build
DataLoader batches without a Python call per sample.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any, Literal, SupportsInt, TypeGuard

import numpy as np

from .. import backend
from ..creation import from_numpy
from ..dtypes import float64
from ..random import sample_integers, sample_uniform
from ..tensor import Tensor

try:
    from PIL import Image
except ImportError:  # pillow is optional
    Image = None  # type: ignore[assignment]  # the optional-import idiom: checked before use

__all__ = [
    "CenterCrop",
    "Compose",
    "Lambda",
    "Normalize",
    "Pad",
    "RandomCrop",
    "RandomHorizontalFlip",
    "Resize",
    "ToTensor",
]


def _is_pil(img: Any) -> bool:
    return Image is not None and isinstance(img, Image.Image)


def _is_number(x: Any) -> TypeGuard[SupportsInt]:
    """A single number, as torchvision tests for one (``numbers.Number``: numpy scalars too)."""
    return isinstance(x, numbers.Number)


def _size(img: Any) -> tuple[int, int]:
    """(height, width) of a PIL image, an HxW[xC] array or a (..., H, W) tensor."""
    if _is_pil(img):
        return img.height, img.width
    if isinstance(img, Tensor):
        return int(img.shape[-2]), int(img.shape[-1])
    if isinstance(img, np.ndarray):
        return int(img.shape[0]), int(img.shape[1])
    raise TypeError(f"img should be PIL Image, ndarray or Tensor. Got {type(img)}")


def _pair(size: int | Sequence[int], name: str) -> tuple[int, int]:
    if _is_number(size):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return int(size[0]), int(size[0])
    if isinstance(size, Sequence) and len(size) == 2:
        return int(size[0]), int(size[1])
    raise ValueError(f"Please provide only two dimensions (h, w) for {name}.")


def _map_spatial(img: Any, fn: Callable[[np.ndarray], np.ndarray]) -> Any:
    """Apply ``fn`` to an (H, W, ...) array view of ``img`` and give back the same kind of image."""
    if _is_pil(img):
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


class ToTensor:
    """A PIL image or HxW[xC] array as a CxHxW tensor; uint8 values are scaled to float32 in [0, 1]."""

    def __call__(self, pic: Any) -> Tensor:
        if _is_pil(pic):
            arr = np.asarray(pic)
            if pic.mode == "1":
                arr = arr.astype(np.uint8) * 255
        elif isinstance(pic, np.ndarray):
            if pic.ndim not in (2, 3):
                raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
            arr = pic
        else:
            raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
        if arr.ndim == 2:
            arr = arr[:, :, None]
        chw = np.ascontiguousarray(arr.transpose(2, 0, 1))
        return from_numpy(chw.astype(np.float32) / np.float32(255) if chw.dtype == np.uint8 else chw)

    def _apply_batch(self, images: np.ndarray) -> Tensor:
        """N x H x W [x C] uint8 -> N x C x H x W float32, element for element what ``__call__`` gives."""
        arr = images[..., None] if images.ndim == 3 else images
        nchw = np.ascontiguousarray(arr.transpose(0, 3, 1, 2))
        return from_numpy(nchw.astype(np.float32) / np.float32(255) if nchw.dtype == np.uint8 else nchw)

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
        if not isinstance(tensor, Tensor):
            raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
        if not tensor.is_floating_point():
            raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
        if tensor.dim() < 3:
            raise ValueError(
                "Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
                f"{tuple(tensor.shape)}."
            )
        xp = backend.array_module(tensor._data)
        dt = tensor._data.dtype
        mean = xp.asarray(np.asarray(self.mean, dtype=dt).reshape(-1, 1, 1))
        std = xp.asarray(np.asarray(self.std, dtype=dt).reshape(-1, 1, 1))
        if (std == 0).any():
            raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
        if self.inplace:
            return tensor.sub_(Tensor._wrap(mean)).div_(Tensor._wrap(std))
        if tensor.requires_grad:
            return (tensor - Tensor._wrap(mean)) / Tensor._wrap(std)
        return Tensor._wrap((tensor._data - mean) / std)

    def _apply_batch(self, batch: Tensor) -> Tensor:
        return self(batch)  # (..., C, H, W) covers a batch already

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


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


def _pad_widths(padding: Any) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) from torchvision's int / (lr, tb) / (l, t, r, b)."""
    if _is_number(padding):
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


_NP_PAD_MODES: dict[str, Literal["constant", "edge", "reflect", "symmetric"]] = {
    "constant": "constant",
    "edge": "edge",
    "reflect": "reflect",
    "symmetric": "symmetric",
}


class Pad:
    """Pad the image's borders.

    Args:
        padding: all sides, (left/right, top/bottom) or (left, top, right, bottom).
        fill: the value of new pixels for ``padding_mode='constant'`` (a tuple per channel for RGB images).
        padding_mode: 'constant', 'edge', 'reflect' or 'symmetric'.
    """

    def __init__(self, padding: Any, fill: Any = 0, padding_mode: str = "constant") -> None:
        if padding_mode not in _NP_PAD_MODES:
            raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        _pad_widths(padding)
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def __call__(self, img: Any) -> Any:
        return pad(img, self.padding, self.fill, self.padding_mode)

    def _apply_batch(self, batch: Any) -> Any:
        """Pad N x H x W [x C] uint8 images (before ToTensor) or an (N, C, H, W) tensor (after it)."""
        if isinstance(batch, np.ndarray):
            return _pad_array(batch, self.padding, self.fill, self.padding_mode, first=1)
        return self(batch)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode})"


def _pad_array(arr: np.ndarray, padding: Any, fill: Any, padding_mode: str, first: int = 0) -> np.ndarray:
    """Pad axes ``first`` (height) and ``first + 1`` (width) of ``arr``; ``fill`` runs along the axes after them."""
    left, top, right, bottom = _pad_widths(padding)
    widths = [(0, 0)] * first + [(top, bottom), (left, right)] + [(0, 0)] * (arr.ndim - first - 2)
    if padding_mode != "constant":
        return np.pad(arr, widths, mode=_NP_PAD_MODES[padding_mode])
    out = np.pad(arr, widths, mode="constant")
    fill_value = np.asarray(fill, dtype=arr.dtype)
    if fill_value.any():
        inside = np.zeros(out.shape[first : first + 2], dtype=bool)
        inside[top : top + arr.shape[first], left : left + arr.shape[first + 1]] = True
        moved = np.moveaxis(out, (first, first + 1), (0, 1))  # a view: writes land in ``out``
        moved[~inside] = fill_value
    return out


def pad(img: Any, padding: Any, fill: Any = 0, padding_mode: str = "constant") -> Any:
    """``img`` with ``padding`` added to its borders (see :class:`Pad`)."""
    return _map_spatial(img, lambda arr: _pad_array(arr, padding, fill, padding_mode))


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
        self.size = _pair(size, "size")
        self.padding, self.pad_if_needed, self.fill, self.padding_mode = padding, pad_if_needed, fill, padding_mode

    def __call__(self, img: Any) -> Any:
        if self.padding is not None:
            img = pad(img, self.padding, self.fill, self.padding_mode)
        h, w = _size(img)
        th, tw = self.size
        if self.pad_if_needed and w < tw:
            img = pad(img, [tw - w, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and h < th:
            img = pad(img, [0, th - h], self.fill, self.padding_mode)
        h, w = _size(img)
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size {(h, w)}")
        i = int(sample_integers((), 0, h - th + 1))
        j = int(sample_integers((), 0, w - tw + 1))
        return crop(img, i, j, th, tw)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"


def crop(img: Any, top: int, left: int, height: int, width: int) -> Any:
    """The ``height`` x ``width`` region of ``img`` whose top-left corner is (top, left)."""
    return _map_spatial(img, lambda a: a[top : top + height, left : left + width])


class CenterCrop:
    """Crop the centre (torchvision rounds the offsets half to even, as ``round`` does).

    Args:
        size: (height, width) of the crop, or an int for a square.
    """

    def __init__(self, size: Any) -> None:
        self.size = _pair(size, "size")

    def __call__(self, img: Any) -> Any:
        h, w = _size(img)
        th, tw = self.size
        if th > h or tw > w:
            img = pad(
                img,
                [
                    (tw - w) // 2 if tw > w else 0,
                    (th - h) // 2 if th > h else 0,
                    (tw - w + 1) // 2 if tw > w else 0,
                    (th - h + 1) // 2 if th > h else 0,
                ],
            )
            h, w = _size(img)
        return crop(img, int(round((h - th) / 2.0)), int(round((w - tw) / 2.0)), th, tw)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size})"


class RandomHorizontalFlip:
    """Mirror left-right with probability ``p``.

    Args:
        p: the probability of flipping.
    """

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def __call__(self, img: Any) -> Any:
        if float(sample_uniform((), 0.0, 1.0, float64)) < self.p:
            return _map_spatial(img, lambda a: a[:, ::-1])
        return img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


class Resize:
    """Resize a PIL image (bilinear): an int matches the smaller edge keeping the aspect ratio.

    Args:
        size: (height, width), or an int for the smaller edge.
        interpolation: a PIL resampling filter (default bilinear).
    """

    def __init__(self, size: Any, interpolation: Any = None) -> None:
        self.size = size
        self.interpolation = interpolation

    def __call__(self, img: Any) -> Any:
        if not _is_pil(img):
            raise TypeError(
                f"minitorch's Resize works on PIL images; got {type(img).__name__} (resize before ToTensor)"
            )
        h, w = img.height, img.width
        if _is_number(self.size) or len(self.size) == 1:
            s = int(self.size if _is_number(self.size) else self.size[0])
            short, long = (h, w) if h <= w else (w, h)
            new_short, new_long = s, int(s * long / short)
            th, tw = (new_short, new_long) if h <= w else (new_long, new_short)
        else:
            th, tw = int(self.size[0]), int(self.size[1])
        if (th, tw) == (h, w):
            return img
        bilinear = Image.BILINEAR  # type: ignore[attr-defined]  # every Pillow has it; its types name Resampling's
        return img.resize((tw, th), self.interpolation if self.interpolation is not None else bilinear)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size})"


def _flat(transform: Any) -> list[Any]:
    if type(transform) is Compose:
        return [t for sub in transform.transforms for t in _flat(sub)]
    return [transform]


def _can_batch(transform: Any) -> bool:
    """True when ``transform`` can run on a whole uint8 batch with results equal to running it per sample:
    Pads, then exactly one ToTensor, then Normalizes and Pads (subclasses may change ``__call__``, so they
    do not count)."""
    kinds = [type(t) for t in _flat(transform)]
    if kinds.count(ToTensor) != 1:
        return False
    at = kinds.index(ToTensor)
    return all(k is Pad for k in kinds[:at]) and all(k in (Normalize, Pad) for k in kinds[at + 1 :])


def _apply_batch(transform: Any, images: np.ndarray) -> Tensor:
    out: Any = images
    for t in _flat(transform):
        out = t._apply_batch(out)
    return out
