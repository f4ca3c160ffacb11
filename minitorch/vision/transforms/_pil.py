"""The PIL-image side of the functional transforms: Pillow's own operations, called as torchvision calls them,
so a PIL image comes out pixel for pixel as torchvision's would."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._utils import Image, is_pil

try:
    from PIL import ImageEnhance
except ImportError:  # pillow is optional
    ImageEnhance = None  # type: ignore[assignment]  # the optional-import idiom: only reached with a PIL image


def _check(img: Any) -> None:
    if not is_pil(img):
        raise TypeError(f"img should be PIL Image. Got {type(img)}")


def num_channels(img: Any) -> int:
    _check(img)
    return len(img.getbands())


def get_dimensions(img: Any) -> list[int]:
    """[channels, height, width]."""
    return [num_channels(img), img.height, img.width]


def hflip(img: Any) -> Any:
    _check(img)
    return img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)


def vflip(img: Any) -> Any:
    _check(img)
    return img.transpose(Image.Transpose.FLIP_TOP_BOTTOM)


def crop(img: Any, top: int, left: int, height: int, width: int) -> Any:
    """Pillow's crop: a box reaching past the image reads zeros there."""
    _check(img)
    return img.crop((left, top, left + width, top + height))


def resize(img: Any, size: list[int], interpolation: int) -> Any:
    """``img`` resized to ``size`` = [h, w] with a Pillow filter (antialiased, as Pillow always is)."""
    _check(img)
    return img.resize((int(size[1]), int(size[0])), interpolation)


def parse_fill(fill: Any, img: Any, name: str = "fillcolor") -> dict[str, Any]:
    """The ``fillcolor`` keyword for Pillow: one value per band, ints unless the image holds floats."""
    bands = num_channels(img)
    if fill is None:
        fill = 0
    if isinstance(fill, (int, float)) and bands > 1:
        fill = tuple([fill] * bands)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = tuple(fill) * bands
        elif len(fill) != bands:
            raise ValueError(
                "The number of elements in 'fill' does not match the number of channels of the image "
                f"({len(fill)} != {bands})"
            )
        fill = tuple(fill)
    if img.mode != "F":
        fill = tuple(int(x) for x in fill) if isinstance(fill, tuple) else int(fill)
    return {name: fill}


def rotate(img: Any, angle: float, interpolation: int, expand: bool, center: Any, fill: Any) -> Any:
    _check(img)
    return img.rotate(angle, interpolation, expand, center, **parse_fill(fill, img))


def affine(img: Any, matrix: list[float], interpolation: int, fill: Any) -> Any:
    """``matrix``: the inverse map, output pixel to input pixel, as Pillow's AFFINE transform takes it."""
    _check(img)
    return img.transform(img.size, Image.Transform.AFFINE, matrix, interpolation, **parse_fill(fill, img))


def perspective(img: Any, coeffs: list[float], interpolation: int, fill: Any) -> Any:
    _check(img)
    return img.transform(img.size, Image.Transform.PERSPECTIVE, coeffs, interpolation, **parse_fill(fill, img))


def adjust_brightness(img: Any, factor: float) -> Any:
    _check(img)
    return ImageEnhance.Brightness(img).enhance(factor)


def adjust_contrast(img: Any, factor: float) -> Any:
    _check(img)
    return ImageEnhance.Contrast(img).enhance(factor)


def adjust_saturation(img: Any, factor: float) -> Any:
    _check(img)
    return ImageEnhance.Color(img).enhance(factor)


def adjust_hue(img: Any, hue_factor: float) -> Any:
    """Rotate the hue band of the HSV image (uint8 arithmetic wraps around the colour circle)."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    _check(img)
    mode = img.mode
    if mode in {"L", "1", "I", "F"}:
        return img
    h, s, v = img.convert("HSV").split()
    np_h = np.array(h, dtype=np.uint8)
    # np.uint8 of a negative float is not portable; torchvision's int conversion wraps it modulo 256
    np_h += np.uint8(int(hue_factor * 255) % 256)
    return Image.merge("HSV", (Image.fromarray(np_h, "L"), s, v)).convert(mode)


def adjust_gamma(img: Any, gamma: float, gain: float = 1.0) -> Any:
    _check(img)
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    mode = img.mode
    img = img.convert("RGB")
    table = [int((255 + 1 - 1e-3) * gain * pow(v / 255.0, gamma)) for v in range(256)] * 3
    return img.point(table).convert(mode)


def to_grayscale(img: Any, num_output_channels: int) -> Any:
    _check(img)
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    gray = img.convert("L")
    if num_output_channels == 1:
        return gray
    arr = np.asarray(gray)
    return Image.fromarray(np.dstack([arr, arr, arr]), "RGB")
