"""The tensor side of the geometric transforms, composed of minitorch ops with torchvision's formulas.

Images are (..., C, H, W); leading dimensions are folded into one batch for the ops that need 4-d input.
Integer images are resampled in float32 and rounded back. Rotations, affine maps and perspectives sample
the input with ``grid_sample`` at the points the inverse map sends each output pixel centre to; a fill
colour is blended in through an extra all-ones channel that the sampling turns into a coverage mask.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import ops
from ...creation import ones, tensor
from ...dtypes import float32, float64
from ...nn.functional_vision import grid_sample
from ...ops.conv import conv2d
from ...ops.padding import pad as torch_pad
from ...ops.upsample import interpolate
from ...tensor import Tensor
from . import _resample
from ._tensor_color import assert_image_tensor, get_dimensions


def hflip(img: Tensor) -> Tensor:
    assert_image_tensor(img)
    return img.flip(-1)


def vflip(img: Tensor) -> Tensor:
    assert_image_tensor(img)
    return img.flip(-2)


def crop(img: Tensor, top: int, left: int, height: int, width: int) -> Tensor:
    """The window of ``img``; the part of it outside the image is zeros."""
    assert_image_tensor(img)
    _, h, w = get_dimensions(img)
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        ltrb = [max(-left + min(0, right), 0), max(-top + min(0, bottom), 0), max(right - max(w, left), 0)]
        ltrb.append(max(bottom - max(h, top), 0))
        inner = img[..., max(top, 0) : bottom, max(left, 0) : right]
        return torch_pad(inner, (ltrb[0], ltrb[2], ltrb[1], ltrb[3]), mode="constant", value=0)
    return img[..., top:bottom, left:right]


def _fold(img: Tensor, dt: Any) -> tuple[Tensor, tuple[int, ...]]:
    """``img`` as an (N, C, H, W) tensor of ``dt``, and its leading shape to unfold with."""
    lead = tuple(int(s) for s in img.shape[:-2])
    four = img.reshape(-1, 1 if img.ndim == 2 else int(img.shape[-3]), int(img.shape[-2]), int(img.shape[-1]))
    return (four if four.dtype == dt else four.to(dt)), lead


def _unfold(out: Tensor, lead: tuple[int, ...], like: Tensor) -> Tensor:
    """Back to ``like``'s leading shape and dtype (integers rounded first, as torchvision does)."""
    out = out.reshape(*lead, int(out.shape[-2]), int(out.shape[-1]))
    if out.dtype != like.dtype:
        if not like.dtype.is_floating_point:
            out = ops.round(out)
        out = out.to(like.dtype)
    return out


def _work_dtype(img: Tensor) -> Any:
    return img.dtype if img.dtype in (float32, float64) else float32


def resize(img: Tensor, size: list[int], interpolation: str = "bilinear", antialias: bool | None = True) -> Tensor:
    """``img`` resampled to ``size`` = [h, w] (nearest, nearest-exact, bilinear or bicubic)."""
    assert_image_tensor(img)
    if interpolation not in ("nearest", "nearest-exact", "bilinear", "bicubic"):
        raise ValueError(f"Interpolation mode '{interpolation}' is unsupported with Tensor input")
    x, lead = _fold(img, _work_dtype(img))
    oh, ow = int(size[0]), int(size[1])
    ih, iw = int(x.shape[-2]), int(x.shape[-1])
    if interpolation in ("nearest", "nearest-exact") or (interpolation == "bilinear" and not antialias):
        out = interpolate(
            x, size=(oh, ow), mode=interpolation, align_corners=None if "nearest" in interpolation else False
        )
    else:
        if antialias:
            wh, ww = (
                _resample.antialias_weights(ih, oh, interpolation),
                _resample.antialias_weights(iw, ow, interpolation),
            )
        else:
            wh, ww = _resample.bicubic_weights(ih, oh), _resample.bicubic_weights(iw, ow)
        # width first, then height: the order torch's separable kernels use
        out = ops.matmul(
            tensor(wh, dtype=x.dtype, device=x.device), ops.matmul(x, tensor(ww.T, dtype=x.dtype, device=x.device))
        )
        if interpolation == "bicubic" and not img.dtype.is_floating_point:
            out = out.clamp(0, 255)  # cubic weights overshoot; torchvision clamps uint8 results before the cast
    return _unfold(out, lead, img)


def _check_grid_args(img: Tensor, fill: Any, interpolation: str) -> None:
    assert_image_tensor(img)
    channels = get_dimensions(img)[0]
    if isinstance(fill, (tuple, list)) and len(fill) > 1 and len(fill) != channels:
        raise ValueError(
            "The number of elements in 'fill' cannot broadcast to match the number of channels of the image "
            f"({len(fill)} != {channels})"
        )
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(f"Interpolation mode '{interpolation}' is unsupported with Tensor input")


def apply_grid(img: Tensor, grid: Tensor, mode: str, fill: Any) -> Tensor:
    """Sample ``img`` at ``grid`` (1, Ho, Wo, 2); outside points read ``fill`` (None: zeros)."""
    x, lead = _fold(img, grid.dtype)
    n, c = int(x.shape[0]), int(x.shape[1])
    grid = grid.expand(n, *grid.shape[1:])
    if fill is not None:
        x = ops.cat([x, ones(n, 1, int(x.shape[2]), int(x.shape[3]), dtype=x.dtype, device=x.device)], 1)
    out = grid_sample(x, grid, mode=mode, padding_mode="zeros", align_corners=False)
    if fill is not None:
        mask = out[:, -1:].expand(n, c, *out.shape[2:])
        out = out[:, :-1]
        values = [float(f) for f in fill] if isinstance(fill, (tuple, list)) else [float(fill)]
        fill_img = tensor(values, dtype=out.dtype, device=out.device).reshape(1, len(values), 1, 1).expand(*out.shape)
        if mode == "nearest":
            out = ops.where(mask < 0.5, fill_img, out)
        else:
            out = out * mask + (1.0 - mask) * fill_img
    return _unfold(out, lead, img)


def _affine_grid(theta: np.ndarray, w: int, h: int, ow: int, oh: int, dt: Any, device: Any) -> Tensor:
    """Where each output pixel centre (relative to the output's centre) lands, in ``grid_sample``'s [-1, 1] of an
    input of size (h, w)."""
    xs = np.linspace(-ow * 0.5 + 0.5, ow * 0.5 - 0.5, ow, dtype=np.float32)
    ys = np.linspace(-oh * 0.5 + 0.5, oh * 0.5 - 0.5, oh, dtype=np.float32)
    base = np.stack(np.broadcast_arrays(xs[None, :], ys[:, None], np.float32(1)), -1).reshape(1, oh * ow, 3)
    th = tensor(theta.reshape(1, 2, 3), dtype=dt, device=device)
    scaled = th.transpose(1, 2) / tensor([0.5 * w, 0.5 * h], dtype=dt, device=device)
    return ops.matmul(tensor(base, dtype=dt, device=device), scaled).reshape(1, oh, ow, 2)


def affine(img: Tensor, matrix: list[float], interpolation: str = "nearest", fill: Any = None) -> Tensor:
    """Apply the inverse map ``matrix`` (6 numbers, pixel coordinates centred on the image)."""
    _check_grid_args(img, fill, interpolation)
    dt = _work_dtype(img)
    h, w = int(img.shape[-2]), int(img.shape[-1])
    grid = _affine_grid(np.asarray(matrix, dtype=np.float64), w, h, w, h, dt, img.device)
    return apply_grid(img, grid, interpolation, fill)


def affine_output_size(matrix: list[float], w: int, h: int) -> tuple[int, int]:
    """(w, h) of the box holding the whole transformed image (float32 corners, as torchvision; 1e-4 tolerance
    against a ceil of 1e-15 above an integer)."""
    pts = np.array(
        [[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0], [0.5 * w, 0.5 * h, 1.0], [0.5 * w, -0.5 * h, 1.0]]
    )
    theta = np.asarray(matrix, dtype=np.float32).reshape(2, 3)
    new = pts.astype(np.float32) @ theta.T
    half = np.array([w * 0.5, h * 0.5], dtype=np.float32)
    lo, hi = new.min(axis=0) + half, new.max(axis=0) + half
    tol = np.float32(1e-4)
    size = np.ceil(np.trunc(hi / tol) * tol) - np.floor(np.trunc(lo / tol) * tol)
    return int(size[0]), int(size[1])


def rotate(
    img: Tensor, matrix: list[float], interpolation: str = "nearest", expand: bool = False, fill: Any = None
) -> Tensor:
    _check_grid_args(img, fill, interpolation)
    h, w = int(img.shape[-2]), int(img.shape[-1])
    ow, oh = affine_output_size(matrix, w, h) if expand else (w, h)
    grid = _affine_grid(np.asarray(matrix, dtype=np.float64), w, h, ow, oh, _work_dtype(img), img.device)
    return apply_grid(img, grid, interpolation, fill)


def perspective(img: Tensor, coeffs: list[float], interpolation: str = "bilinear", fill: Any = None) -> Tensor:
    """Sample at ((a x + b y + c) / (g x + h y + 1), (d x + e y + f) / (g x + h y + 1)) for each output pixel."""
    if len(coeffs) != 8:
        raise ValueError("Argument coeffs should have 8 float values")
    _check_grid_args(img, fill, interpolation)
    oh, ow = int(img.shape[-2]), int(img.shape[-1])
    dt, dev = _work_dtype(img), img.device
    xs = np.linspace(0.5, ow - 0.5, ow, dtype=np.float32)
    ys = np.linspace(0.5, oh - 0.5, oh, dtype=np.float32)
    base = tensor(
        np.stack(np.broadcast_arrays(xs[None, :], ys[:, None], np.float32(1)), -1).reshape(1, oh * ow, 3),
        dtype=dt,
        device=dev,
    )
    a, b, c, d, e, f, g, hh = (float(v) for v in coeffs)
    theta1 = tensor([[[a, b, c], [d, e, f]]], dtype=dt, device=dev)
    theta2 = tensor([[[g, hh, 1.0], [g, hh, 1.0]]], dtype=dt, device=dev)
    num = ops.matmul(base, theta1.transpose(1, 2) / tensor([0.5 * ow, 0.5 * oh], dtype=dt, device=dev))
    den = ops.matmul(base, theta2.transpose(1, 2))
    return apply_grid(img, (num / den - 1.0).reshape(1, oh, ow, 2), interpolation, fill)


def gaussian_kernel1d(size: int, sigma: float) -> np.ndarray:
    half = (size - 1) * 0.5
    pdf = np.exp(-0.5 * (np.linspace(-half, half, size) / sigma) ** 2)
    return pdf / pdf.sum()


def gaussian_blur(img: Tensor, kernel_size: list[int], sigma: list[float]) -> Tensor:
    """Depthwise convolution with the normalised 2-d Gaussian; the borders are reflected."""
    assert_image_tensor(img)
    dt = _work_dtype(img)
    kx, ky = int(kernel_size[0]), int(kernel_size[1])
    k2 = np.outer(gaussian_kernel1d(ky, float(sigma[1])), gaussian_kernel1d(kx, float(sigma[0])))
    x, lead = _fold(img, dt)
    c = int(x.shape[1])
    kernel = tensor(k2, dtype=dt, device=img.device).expand(c, 1, ky, kx)
    x = torch_pad(x, (kx // 2, kx // 2, ky // 2, ky // 2), mode="reflect")
    return _unfold(conv2d(x, kernel, groups=c), lead, img)
