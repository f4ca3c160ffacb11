"""The tensor side of the colour and dtype transforms, composed of minitorch ops (so they run on any device and
keep the autograd graph), with torchvision's formulas: an adjustment is a blend with a degenerate image,
clamped to the dtype's range and cast back (truncating, as ``.to(uint8)`` does)."""

from __future__ import annotations

from typing import Any

from ... import ops
from ...creation import arange, ones_like, tensor, zeros_like
from ...dtypes import bool_, dtype, float32, float64, int32, int64
from ...tensor import Tensor
from ...type_info import iinfo


def max_value(dt: dtype) -> float:
    """The value of full intensity: 1 for floating images, the largest integer for integer ones."""
    if dt.is_floating_point or dt is bool_:
        return 1
    return iinfo(dt).max


def assert_image_tensor(img: Any) -> None:
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    if img.ndim < 2:
        raise TypeError("Tensor is not a torch image.")


def get_dimensions(img: Tensor) -> list[int]:
    """[channels, height, width] of a (..., C, H, W) tensor (an (H, W) one has one channel)."""
    assert_image_tensor(img)
    channels = 1 if img.ndim == 2 else int(img.shape[-3])
    return [channels, int(img.shape[-2]), int(img.shape[-1])]


def assert_channels(img: Tensor, permitted: list[int]) -> None:
    c = get_dimensions(img)[0]
    if c not in permitted:
        raise TypeError(f"Input image tensor permitted channel values are {permitted}, but found {c}")


def convert_image_dtype(image: Tensor, dt: dtype = float32) -> Tensor:
    """``image`` as ``dt``, rescaled between the two dtypes' full intensities (1.0 for floats)."""
    if image.dtype == dt:
        return image
    if image.dtype.is_floating_point:
        if dt.is_floating_point:
            return image.to(dt)
        if (image.dtype == float32 and dt in (int32, int64)) or (image.dtype == float64 and dt == int64):
            raise RuntimeError(f"The cast from {image.dtype} to {dt} cannot be performed safely.")
        # max + 1 - eps: every integer level receives an equal share of [0, 1]; only 1.0 maps to max
        return image.mul(float(max_value(dt)) + 1.0 - 1e-3).to(dt)
    input_max = float(max_value(image.dtype))
    if dt.is_floating_point:
        return image.to(dt) / input_max
    output_max = float(max_value(dt))
    if input_max > output_max:
        factor = int((input_max + 1) // (output_max + 1))
        return ops.div(image, factor, rounding_mode="floor").to(dt)
    factor = int((output_max + 1) // (input_max + 1))
    return image.to(dt) * factor


def rgb_to_grayscale(img: Tensor, num_output_channels: int = 1) -> Tensor:
    """ITU-R 601-2 luma (0.2989 R + 0.587 G + 0.114 B), cast back to the image's dtype."""
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.ndim}")
    assert_channels(img, [1, 3])
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if img.shape[-3] == 3:
        r, g, b = img.unbind(-3)
        gray = (0.2989 * r + 0.587 * g + 0.114 * b).to(img.dtype).unsqueeze(-3)
    else:
        gray = img.clone()
    return gray.expand(*img.shape) if num_output_channels == 3 else gray


def blend(img1: Tensor, img2: Tensor, ratio: float) -> Tensor:
    ratio = float(ratio)
    return (ratio * img1 + (1.0 - ratio) * img2).clamp(0, max_value(img1.dtype)).to(img1.dtype)


def adjust_brightness(img: Tensor, factor: float) -> Tensor:
    if factor < 0:
        raise ValueError(f"brightness_factor ({factor}) is not non-negative.")
    assert_image_tensor(img)
    assert_channels(img, [1, 3])
    return blend(img, zeros_like(img), factor)


def adjust_contrast(img: Tensor, factor: float) -> Tensor:
    """Blend with the mean grey level of the whole image."""
    if factor < 0:
        raise ValueError(f"contrast_factor ({factor}) is not non-negative.")
    assert_image_tensor(img)
    assert_channels(img, [3, 1])
    dt = img.dtype if img.dtype.is_floating_point else float32
    gray = rgb_to_grayscale(img) if get_dimensions(img)[0] == 3 else img
    return blend(img, gray.to(dt).mean(dim=(-3, -2, -1), keepdim=True), factor)


def adjust_saturation(img: Tensor, factor: float) -> Tensor:
    if factor < 0:
        raise ValueError(f"saturation_factor ({factor}) is not non-negative.")
    assert_image_tensor(img)
    assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:  # as PIL: a grey image has no saturation to change
        return img
    return blend(img, rgb_to_grayscale(img), factor)


def adjust_hue(img: Tensor, hue_factor: float) -> Tensor:
    """Shift the hue (HSV, as a fraction of the colour circle) by ``hue_factor``."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    assert_image_tensor(img)
    assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:
        return img
    hsv = _rgb2hsv(convert_image_dtype(img, float32))
    h, s, v = hsv.unbind(-3)
    shifted = ops.stack([(h + hue_factor) % 1.0, s, v], -3)
    return convert_image_dtype(_hsv2rgb(shifted), img.dtype)


def adjust_gamma(img: Tensor, gamma: float, gain: float = 1.0) -> Tensor:
    assert_image_tensor(img)
    assert_channels(img, [1, 3])
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    result = img if img.dtype.is_floating_point else convert_image_dtype(img, float32)
    return convert_image_dtype((gain * result**gamma).clamp(0, 1), img.dtype)


def _rgb2hsv(img: Tensor) -> Tensor:
    """Pillow's RGB to HSV, in floats; a grey pixel (max == min) gets hue and saturation 0."""
    r, g, b = img.unbind(-3)
    maxc = img.amax(dim=-3)
    minc = img.amin(dim=-3)
    eqc = maxc == minc
    cr = maxc - minc
    one = ones_like(maxc)
    s = cr / ops.where(eqc, one, maxc)  # the safe denominators keep NaNs out (of a gradient too)
    cr_divisor = ops.where(eqc, one, cr)
    rc = (maxc - r) / cr_divisor
    gc = (maxc - g) / cr_divisor
    bc = (maxc - b) / cr_divisor
    hr = (maxc == r).to(img.dtype) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)).to(img.dtype) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)).to(img.dtype) * (4.0 + gc - rc)
    h = ops.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return ops.stack([h, s, maxc], -3)


def _hsv2rgb(img: Tensor) -> Tensor:
    h, s, v = img.unbind(-3)
    i = ops.floor(h * 6.0)
    f = h * 6.0 - i
    sector = i.to(int32) % 6
    p = (v * (1.0 - s)).clamp(0.0, 1.0)
    q = (v * (1.0 - s * f)).clamp(0.0, 1.0)
    t = (v * (1.0 - s * (1.0 - f))).clamp(0.0, 1.0)
    # one-hot over the six sectors selects each channel's formula (exact: the other terms are multiplied by 0)
    mask = (sector.unsqueeze(-3) == arange(6, device=img.device).reshape(-1, 1, 1)).to(img.dtype)
    red = ops.stack([v, q, p, p, t, v], -3)
    green = ops.stack([t, v, v, q, p, p], -3)
    blue = ops.stack([p, p, t, v, v, q], -3)
    return ops.stack([(mask * red).sum(-3), (mask * green).sum(-3), (mask * blue).sum(-3)], -3)


def normalize(img: Tensor, mean: Any, std: Any, inplace: bool = False) -> Tensor:
    """``(img - mean) / std`` per channel of a float (..., C, H, W) tensor."""
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    if not img.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {img.dtype}.")
    if img.dim() < 3:
        raise ValueError(
            f"Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = {tuple(img.shape)}."
        )
    mean_t = tensor(mean, dtype=img.dtype, device=img.device)
    std_t = tensor(std, dtype=img.dtype, device=img.device)
    if bool((std_t == 0).any()):
        raise ValueError(f"std evaluated to zero after conversion to {img.dtype}, leading to division by zero.")
    if mean_t.ndim == 1:
        mean_t = mean_t.reshape(-1, 1, 1)
    if std_t.ndim == 1:
        std_t = std_t.reshape(-1, 1, 1)
    if inplace:
        return img.sub_(mean_t).div_(std_t)
    return (img - mean_t) / std_t


def erase(img: Tensor, i: int, j: int, h: int, w: int, v: Tensor, inplace: bool = False) -> Tensor:
    """``img`` with its [i:i+h, j:j+w] window set to ``v`` (broadcast over it)."""
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    out = img if inplace else img.clone()
    out[..., i : i + h, j : j + w] = v
    return out
