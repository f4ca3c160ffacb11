"""torchvision.transforms.functional: the transforms as functions of the image and explicit parameters.

A PIL image goes through Pillow's own operations (as torchvision's does), a (..., C, H, W) tensor through
minitorch ops with torchvision's tensor formulas; the geometric functions live in
``_functional_geometry`` and are re-exported here.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from ...creation import from_numpy
from ...dtypes import dtype, float32, get_default_dtype
from ...tensor import Tensor
from . import _pil
from . import _tensor_color as _tc
from . import _tensor_geometry as _tg
from ._functional_geometry import (
    _get_inverse_affine_matrix,
    _get_perspective_coeffs,
    affine,
    center_crop,
    crop,
    five_crop,
    get_dimensions,
    get_image_num_channels,
    get_image_size,
    hflip,
    pad,
    perspective,
    resize,
    resized_crop,
    rotate,
    ten_crop,
    vflip,
)
from ._utils import Image, InterpolationMode, is_pil

# Pillow modes whose pixels are not bytes, and the numpy dtype that holds them.
_MODE_DTYPE = {"I": np.int32, "I;16" if sys.byteorder == "little" else "I;16B": np.int16, "F": np.float32}


def to_tensor(pic: Any) -> Tensor:
    """A PIL image or HxW[xC] array as a CxHxW tensor; bytes become the default float dtype in [0, 1].

    Args:
        pic: the image; other dtypes (and PIL's I, I;16 and F modes) keep their values and dtype.
    """
    if not (is_pil(pic) or isinstance(pic, np.ndarray)):
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    if isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        arr = pic[:, :, None] if pic.ndim == 2 else pic
    else:
        arr = np.array(pic, _MODE_DTYPE.get(pic.mode, np.uint8), copy=True)
        if pic.mode == "1":
            arr = arr * np.uint8(255)
        arr = arr.reshape(pic.height, pic.width, len(pic.getbands()))
    chw = np.ascontiguousarray(arr.transpose(2, 0, 1))
    if chw.dtype != np.uint8:
        return from_numpy(chw)
    real = get_default_dtype().np_dtype
    return from_numpy(chw.astype(real) / real.type(255))


def pil_to_tensor(pic: Any) -> Tensor:
    """A PIL image as a CxHxW tensor of its own dtype (uint8 for 8-bit modes), values unchanged."""
    if not is_pil(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    arr = np.array(pic, copy=True).reshape(pic.height, pic.width, len(pic.getbands()))
    return from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))


def to_pil_image(pic: Any, mode: str | None = None) -> Any:
    """A CxHxW tensor or HxWxC array as a PIL image; floats are taken as [0, 1] and scaled to bytes.

    Args:
        pic: the image (2-d for one channel; at most 4 channels).
        mode: the PIL mode; by default L, LA, RGB or RGBA by the channel count (I;16, I or F for one channel of
            int16, int32 or float32 values).
    """
    if isinstance(pic, Tensor):
        arr = pic._cpu_array()
        npimg = arr.transpose(1, 2, 0) if arr.ndim == 3 else arr
    elif isinstance(pic, np.ndarray):
        npimg = pic
    else:
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    if npimg.ndim == 2:
        npimg = npimg[:, :, None]
    if npimg.ndim != 3:
        raise ValueError(f"pic should be 2/3 dimensional. Got {npimg.ndim} dimensions.")
    if npimg.shape[-1] > 4:
        raise ValueError(f"pic should not have > 4 channels. Got {npimg.shape[-1]} channels.")
    if np.issubdtype(npimg.dtype, np.floating) and mode != "F":
        npimg = (npimg * 255).astype(np.uint8)  # truncates, and wraps outside [0, 1], as torchvision's does
    channels = npimg.shape[2]
    if channels == 1:
        npimg = npimg[:, :, 0]
        expected = {np.dtype(np.uint8): "L", np.dtype(np.int32): "I", np.dtype(np.float32): "F"}.get(npimg.dtype)
        if npimg.dtype == np.int16:
            expected = "I;16" if sys.byteorder == "little" else "I;16B"
        if mode is not None and mode != expected:
            raise ValueError(f"Incorrect mode ({mode}) supplied for input type {npimg.dtype}. Should be {expected}")
        mode = expected
    else:
        permitted = {2: ["LA"], 3: ["RGB", "YCbCr", "HSV"], 4: ["RGBA", "CMYK", "RGBX"]}[channels]
        if mode is not None and mode not in permitted:
            raise ValueError(f"Only modes {permitted} are supported for {channels}D inputs")
        if mode is None and npimg.dtype == np.uint8:
            mode = permitted[0]
    if mode is None:
        raise TypeError(f"Input type {npimg.dtype} is not supported")
    return Image.fromarray(np.ascontiguousarray(npimg), mode=mode)


def convert_image_dtype(image: Tensor, dtype: dtype = float32) -> Tensor:
    """``image`` as ``dtype`` with its values rescaled: floats span [0, 1], integers [0, max].

    Raises:
        RuntimeError: float32 to int32/int64, or float64 to int64 (the float cannot hold every integer).
    """
    if not isinstance(image, Tensor):
        raise TypeError("Input img should be Tensor Image")
    return _tc.convert_image_dtype(image, dtype)


def normalize(tensor: Tensor, mean: Any, std: Any, inplace: bool = False) -> Tensor:
    """``(tensor - mean) / std`` per channel of a float (..., C, H, W) tensor.

    Args:
        tensor: the image(s).
        mean: per-channel means.
        std: per-channel standard deviations.
        inplace: overwrite ``tensor``.
    """
    return _tc.normalize(tensor, mean, std, inplace)


def _color(pil_fn: Any, tensor_fn: Any, img: Any, *args: Any) -> Any:
    return tensor_fn(img, *args) if isinstance(img, Tensor) else pil_fn(img, *args)


def adjust_brightness(img: Any, brightness_factor: float) -> Any:
    """Scale the intensities by ``brightness_factor`` (0: black, 1: unchanged)."""
    return _color(_pil.adjust_brightness, _tc.adjust_brightness, img, brightness_factor)


def adjust_contrast(img: Any, contrast_factor: float) -> Any:
    """Blend with the image's mean grey (0: solid grey, 1: unchanged)."""
    return _color(_pil.adjust_contrast, _tc.adjust_contrast, img, contrast_factor)


def adjust_saturation(img: Any, saturation_factor: float) -> Any:
    """Blend with the greyscale image (0: grey, 1: unchanged, 2: twice as saturated)."""
    return _color(_pil.adjust_saturation, _tc.adjust_saturation, img, saturation_factor)


def adjust_hue(img: Any, hue_factor: float) -> Any:
    """Turn the hue by ``hue_factor`` of the colour circle (in [-0.5, 0.5])."""
    return _color(_pil.adjust_hue, _tc.adjust_hue, img, hue_factor)


def adjust_gamma(img: Any, gamma: float, gain: float = 1) -> Any:
    """``gain * img ** gamma`` on intensities scaled to [0, 1]."""
    return _color(_pil.adjust_gamma, _tc.adjust_gamma, img, gamma, gain)


def rgb_to_grayscale(img: Any, num_output_channels: int = 1) -> Any:
    """Luma 0.2989 R + 0.587 G + 0.114 B (PIL's ``convert('L')`` for PIL images), in 1 or 3 channels."""
    if not isinstance(img, Tensor):
        return _pil.to_grayscale(img, num_output_channels)
    return _tc.rgb_to_grayscale(img, num_output_channels)


def to_grayscale(img: Any, num_output_channels: int = 1) -> Any:
    """A PIL image of any mode as greyscale (1 or 3 channels)."""
    if is_pil(img):
        return _pil.to_grayscale(img, num_output_channels)
    raise TypeError("Input should be PIL Image")


def erase(img: Tensor, i: int, j: int, h: int, w: int, v: Tensor, inplace: bool = False) -> Tensor:
    """Set the ``h`` x ``w`` window at (i, j) of a tensor image to ``v``."""
    return _tc.erase(img, i, j, h, w, v, inplace)


def gaussian_blur(img: Any, kernel_size: Any, sigma: Any = None) -> Any:
    """Blur with a Gaussian kernel of odd ``kernel_size`` (kx, ky) and standard deviation ``sigma`` (sx, sy),
    reflecting the borders; by default sigma = 0.3 * ((k - 1) * 0.5 - 1) + 0.8."""
    if not isinstance(kernel_size, (int, list, tuple)):
        raise TypeError(f"kernel_size should be int or a sequence of integers. Got {type(kernel_size)}")
    if isinstance(kernel_size, int):
        kernel_size = [kernel_size, kernel_size]
    if len(kernel_size) != 2:
        raise ValueError(f"If kernel_size is a sequence its length should be 2. Got {len(kernel_size)}")
    for k in kernel_size:
        if k % 2 == 0 or k < 0:
            raise ValueError(f"kernel_size should have odd and positive integers. Got {kernel_size}")
    if sigma is None:
        sigma = [k * 0.15 + 0.35 for k in kernel_size]
    if not isinstance(sigma, (int, float, list, tuple)):
        raise TypeError(f"sigma should be either float or sequence of floats. Got {type(sigma)}")
    if isinstance(sigma, (int, float)):
        sigma = [float(sigma), float(sigma)]
    if len(sigma) == 1:
        sigma = [sigma[0], sigma[0]]
    if len(sigma) != 2:
        raise ValueError(f"If sigma is a sequence, its length should be 2. Got {len(sigma)}")
    if any(s <= 0.0 for s in sigma):
        raise ValueError(f"sigma should have positive values. Got {sigma}")
    if isinstance(img, Tensor):
        return _tg.gaussian_blur(img, kernel_size, sigma)
    if not is_pil(img):
        raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")
    # as torchvision: PIL images are blurred as uint8 tensors (rounded back) and converted back
    return to_pil_image(_tg.gaussian_blur(pil_to_tensor(img), kernel_size, sigma), mode=img.mode)


__all__ = [
    "InterpolationMode",
    "_get_inverse_affine_matrix",
    "_get_perspective_coeffs",
    "adjust_brightness",
    "adjust_contrast",
    "adjust_gamma",
    "adjust_hue",
    "adjust_saturation",
    "affine",
    "center_crop",
    "convert_image_dtype",
    "crop",
    "erase",
    "five_crop",
    "gaussian_blur",
    "get_dimensions",
    "get_image_num_channels",
    "get_image_size",
    "hflip",
    "normalize",
    "pad",
    "perspective",
    "pil_to_tensor",
    "resize",
    "resized_crop",
    "rgb_to_grayscale",
    "rotate",
    "ten_crop",
    "to_grayscale",
    "to_pil_image",
    "to_tensor",
    "vflip",
]
