"""The geometric functional transforms (re-exported by ``transforms.functional``): each checks its arguments as
torchvision does and hands a PIL image to Pillow, a tensor to the minitorch kernels and (for the pixel-exact
crops, flips and padding) an HxW[xC] array to numpy."""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np

from ...tensor import Tensor
from . import _pil
from . import _tensor_color as _tc
from . import _tensor_geometry as _tg
from ._utils import (
    PIL_FILTER,
    InterpolationMode,
    interpolation_mode,
    is_number,
    is_pil,
    map_spatial,
    pad_array,
    setup_size,
)


def get_dimensions(img: Any) -> list[int]:
    """[channels, height, width] of a PIL image, a (..., C, H, W) tensor or an HxW[xC] array."""
    if isinstance(img, Tensor):
        return _tc.get_dimensions(img)
    if isinstance(img, np.ndarray):
        return [1 if img.ndim == 2 else int(img.shape[2]), int(img.shape[0]), int(img.shape[1])]
    if is_pil(img):
        return _pil.get_dimensions(img)
    raise TypeError(f"Unexpected type {type(img)}")


def get_image_size(img: Any) -> list[int]:
    """[width, height]."""
    _, h, w = get_dimensions(img)
    return [w, h]


def get_image_num_channels(img: Any) -> int:
    return get_dimensions(img)[0]


def _compute_resized_output_size(image_size: tuple[int, int], size: list[int], max_size: int | None) -> list[int]:
    """[h, w]: ``size`` as given, or its one number for the shorter edge keeping the aspect ratio (capped by
    ``max_size`` on the longer edge)."""
    h, w = image_size
    short, long = (w, h) if w <= h else (h, w)
    if len(size) == 1:
        requested = int(size[0])
        new_short, new_long = requested, int(requested * long / short)
        if max_size is not None:
            if max_size <= requested:
                raise ValueError(
                    f"max_size = {max_size} must be strictly greater than the requested size for the smaller edge "
                    f"size = {size}"
                )
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
        return [new_h, new_w]
    return [int(size[0]), int(size[1])]


def resize(
    img: Any,
    size: Any,
    interpolation: Any = InterpolationMode.BILINEAR,
    max_size: int | None = None,
    antialias: bool | None = True,
) -> Any:
    """Resize to ``size`` ((h, w), or an int / [int] for the shorter edge keeping the aspect ratio).

    Args:
        img: a PIL image or a (..., H, W) tensor.
        size: the output size.
        interpolation: an InterpolationMode (or Pillow constant); tensors take nearest(-exact), bilinear, bicubic.
        max_size: the longest the longer edge may become (with an int ``size`` only).
        antialias: smooth before shrinking tensors (bilinear/bicubic); PIL images always are.
    """
    mode = interpolation_mode(interpolation)
    if isinstance(size, (list, tuple)):
        if len(size) not in (1, 2):
            raise ValueError(
                f"Size must be an int or a 1 or 2 element tuple/list, not a {len(size)} element tuple/list"
            )
        if max_size is not None and len(size) != 1:
            raise ValueError(
                "max_size should only be passed if size specifies the length of the smaller edge, i.e. size should "
                "be an int or a sequence of length 1 in torchscript mode."
            )
    if isinstance(img, np.ndarray):
        raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")
    _, h, w = get_dimensions(img)
    out = _compute_resized_output_size((h, w), [size] if isinstance(size, int) else list(size), max_size)
    if [h, w] == out:
        return img
    if not isinstance(img, Tensor):
        if antialias is False:
            warnings.warn(
                "Anti-alias option is always applied for PIL Image input. Argument antialias is ignored.", stacklevel=2
            )
        return _pil.resize(img, out, PIL_FILTER[mode])
    aa = bool(antialias) and mode in (InterpolationMode.BILINEAR, InterpolationMode.BICUBIC)
    return _tg.resize(img, out, mode.value, aa)


def pad(img: Any, padding: Any, fill: Any = 0, padding_mode: str = "constant") -> Any:
    """Pad the borders: ``padding`` is one int, (left/right, top/bottom) or (left, top, right, bottom);
    ``padding_mode`` 'constant' (with ``fill``), 'edge', 'reflect' or 'symmetric'."""
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    return map_spatial(img, lambda arr: pad_array(arr, padding, 0 if fill is None else fill, padding_mode))


def crop(img: Any, top: int, left: int, height: int, width: int) -> Any:
    """The ``height`` x ``width`` window whose top-left corner is (top, left); outside the image it reads 0."""
    if isinstance(img, Tensor):
        return _tg.crop(img, top, left, height, width)
    if isinstance(img, np.ndarray):
        return img[top : top + height, left : left + width]
    return _pil.crop(img, top, left, height, width)


def center_crop(img: Any, output_size: Any) -> Any:
    """The centred window of ``output_size`` (an image smaller than it is zero-padded first)."""
    if is_number(output_size):
        output_size = (int(output_size), int(output_size))
    elif isinstance(output_size, (tuple, list)) and len(output_size) == 1:
        output_size = (output_size[0], output_size[0])
    _, h, w = get_dimensions(img)
    ch, cw = int(output_size[0]), int(output_size[1])
    if cw > w or ch > h:
        ltrb = [
            (cw - w) // 2 if cw > w else 0,
            (ch - h) // 2 if ch > h else 0,
            (cw - w + 1) // 2 if cw > w else 0,
            (ch - h + 1) // 2 if ch > h else 0,
        ]
        img = pad(img, ltrb, fill=0)
        _, h, w = get_dimensions(img)
        if cw == w and ch == h:
            return img
    # round() is half to even, as torchvision's offsets are
    return crop(img, int(round((h - ch) / 2.0)), int(round((w - cw) / 2.0)), ch, cw)


def resized_crop(
    img: Any,
    top: int,
    left: int,
    height: int,
    width: int,
    size: Any,
    interpolation: Any = InterpolationMode.BILINEAR,
    antialias: bool | None = True,
) -> Any:
    """``crop`` then ``resize`` to ``size``."""
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def hflip(img: Any) -> Any:
    if isinstance(img, Tensor):
        return _tg.hflip(img)
    if isinstance(img, np.ndarray):
        return img[:, ::-1]
    return _pil.hflip(img)


def vflip(img: Any) -> Any:
    if isinstance(img, Tensor):
        return _tg.vflip(img)
    if isinstance(img, np.ndarray):
        return img[::-1]
    return _pil.vflip(img)


def five_crop(img: Any, size: Any) -> tuple:
    """(top-left, top-right, bottom-left, bottom-right, centre) crops of ``size``."""
    ch, cw = setup_size(size, "Please provide only two dimensions (h, w) for size.")
    _, h, w = get_dimensions(img)
    if cw > w or ch > h:
        raise ValueError(f"Requested crop size {(ch, cw)} is bigger than input size {(h, w)}")
    tl = crop(img, 0, 0, ch, cw)
    tr = crop(img, 0, w - cw, ch, cw)
    bl = crop(img, h - ch, 0, ch, cw)
    br = crop(img, h - ch, w - cw, ch, cw)
    return tl, tr, bl, br, center_crop(img, [ch, cw])


def ten_crop(img: Any, size: Any, vertical_flip: bool = False) -> tuple:
    """``five_crop`` of the image and of its mirror image (left-right, or top-bottom with ``vertical_flip``)."""
    size = setup_size(size, "Please provide only two dimensions (h, w) for size.")
    return five_crop(img, size) + five_crop(vflip(img) if vertical_flip else hflip(img), size)


def _get_inverse_affine_matrix(
    center: list[float], angle: float, translate: list[float], scale: float, shear: list[float], inverted: bool = True
) -> list[float]:
    """The 2x3 map (row-major) of T * C * R(angle) * S(scale) * Shear * C^-1, or its inverse (what Pillow and the
    sampling grid need: output pixel to input pixel). Angles in degrees, clockwise on screen."""
    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    # rotation and shear without the scale: a unit-determinant 2x2 [[a, b], [c, d]]
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    if inverted:
        m = [v / scale for v in (d, -b, 0.0, -c, a, 0.0)]
        m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty)
        m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty)
        m[2] += cx
        m[5] += cy
        return m
    m = [v * scale for v in (a, b, 0.0, c, d, 0.0)]
    m[2] += m[0] * (-cx) + m[1] * (-cy)
    m[5] += m[3] * (-cx) + m[4] * (-cy)
    m[2] += cx + tx
    m[5] += cy + ty
    return m


def _centre_offset(center: Any, img: Any) -> list[float]:
    """A centre in pixel coordinates, moved so that (0, 0) is the image's centre (the tensor kernels' frame)."""
    if center is None:
        return [0.0, 0.0]
    _, h, w = get_dimensions(img)
    return [1.0 * (c - s * 0.5) for c, s in zip(center, [w, h])]


def rotate(
    img: Any,
    angle: float,
    interpolation: Any = InterpolationMode.NEAREST,
    expand: bool = False,
    center: Any = None,
    fill: Any = None,
) -> Any:
    """Rotate by ``angle`` degrees counter-clockwise about ``center`` (default: the image's centre).

    Args:
        img: a PIL image or a (..., H, W) tensor.
        angle: degrees, counter-clockwise.
        interpolation: NEAREST or BILINEAR for tensors (any Pillow filter for PIL images).
        expand: grow the output to hold the whole rotated image.
        center: (x, y) in pixels from the top-left corner.
        fill: the value (or one per channel) of the pixels that come from outside the image.
    """
    mode = interpolation_mode(interpolation)
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    if not isinstance(img, Tensor):
        return _pil.rotate(img, angle, PIL_FILTER[mode], expand, center, fill)
    # rotate's angle turns counter-clockwise, affine's clockwise: hence -angle
    matrix = _get_inverse_affine_matrix(_centre_offset(center, img), -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    return _tg.rotate(img, matrix, mode.value, expand, fill)


def affine(
    img: Any,
    angle: float,
    translate: Any,
    scale: float,
    shear: Any,
    interpolation: Any = InterpolationMode.NEAREST,
    fill: Any = None,
    center: Any = None,
) -> Any:
    """Rotate (``angle`` degrees clockwise), scale, shear (degrees; one value or (x, y)) about ``center``, then
    translate by ``translate`` pixels; the image's centre stays put when there is no translation."""
    mode = interpolation_mode(interpolation)
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if not isinstance(translate, (list, tuple)):
        raise TypeError("Argument translate should be a sequence")
    if len(translate) != 2:
        raise ValueError("Argument translate should be a sequence of length 2")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    if not isinstance(shear, (numbers.Number, list, tuple)):
        raise TypeError("Shear should be either a single value or a sequence of two values")
    shear = [shear, 0.0] if isinstance(shear, numbers.Number) else list(shear)
    if len(shear) == 1:
        shear = [shear[0], shear[0]]
    if len(shear) != 2:
        raise ValueError(f"Shear should be a sequence containing two values. Got {shear}")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    _, h, w = get_dimensions(img)
    if not isinstance(img, Tensor):
        # Pillow's frame has its origin at the top-left corner; its centre is (w/2, h/2), without the 0.5 shift
        matrix = _get_inverse_affine_matrix(
            list(center) if center is not None else [w * 0.5, h * 0.5], float(angle), list(translate), scale, shear
        )
        return _pil.affine(img, matrix, PIL_FILTER[mode], fill)
    translate_f = [1.0 * t for t in translate]
    matrix = _get_inverse_affine_matrix(_centre_offset(center, img), float(angle), translate_f, scale, shear)
    return _tg.affine(img, matrix, mode.value, fill)


def _get_perspective_coeffs(startpoints: Any, endpoints: Any) -> list[float]:
    """(a, b, c, d, e, f, g, h) of the map from ``endpoints`` back to ``startpoints``: a pixel (x, y) of the output
    reads ((a x + b y + c) / (g x + h y + 1), (d x + e y + f) / (g x + h y + 1)); least squares in float64,
    rounded to float32 as torchvision rounds them."""
    if len(startpoints) != 4 or len(endpoints) != 4:
        raise ValueError(
            f"Please provide exactly four corners, got {len(startpoints)} startpoints and {len(endpoints)} endpoints."
        )
    end = np.asarray(endpoints, dtype=np.float64)
    start = np.asarray(startpoints, dtype=np.float64)
    x, y = end[:, 0], end[:, 1]
    zero, one = np.zeros(4), np.ones(4)
    rows_x = np.stack([x, y, one, zero, zero, zero, -start[:, 0] * x, -start[:, 0] * y], 1)
    rows_y = np.stack([zero, zero, zero, x, y, one, -start[:, 1] * x, -start[:, 1] * y], 1)
    a = np.stack([rows_x, rows_y], 1).reshape(8, 8)  # rows alternate x, y per point
    solution = np.linalg.lstsq(a, start.reshape(8), rcond=None)[0]
    return [float(v) for v in solution.astype(np.float32)]


def perspective(
    img: Any, startpoints: Any, endpoints: Any, interpolation: Any = InterpolationMode.BILINEAR, fill: Any = None
) -> Any:
    """Warp so that the four ``startpoints`` (corners: [top-left, top-right, bottom-right, bottom-left] as [x, y])
    land on ``endpoints``."""
    coeffs = _get_perspective_coeffs(startpoints, endpoints)
    mode = interpolation_mode(interpolation)
    if not isinstance(img, Tensor):
        return _pil.perspective(img, coeffs, PIL_FILTER[mode], fill)
    return _tg.perspective(img, coeffs, mode.value, fill)
