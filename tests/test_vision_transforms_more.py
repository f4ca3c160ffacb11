"""minitorch.vision.transforms beyond the basics: the functional module and the random transforms.

Expected values are computed independently: with Pillow's own operations for PIL images (torchvision's PIL
path calls them), with numpy or torch for torchvision's tensor formulas (torch's interpolate, grid_sample,
conv2d), and with hand-made cases (quarter turns, shifts, identity warps) for the geometry.
"""

from __future__ import annotations

import colorsys
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from PIL import Image, ImageEnhance

import minitorch
from minitorch.vision import transforms as T
from minitorch.vision.transforms import InterpolationMode as IM
from minitorch.vision.transforms import functional as F
from minitorch.vision.utils import make_grid, save_image

RNG = np.random.default_rng(0)
RGB = RNG.integers(0, 256, (12, 16, 3), dtype=np.uint8)
SQUARE = RNG.integers(0, 256, (9, 9, 3), dtype=np.uint8)


def chw(arr: np.ndarray) -> minitorch.Tensor:
    return minitorch.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))


def hwc(t: minitorch.Tensor) -> np.ndarray:
    return t.numpy().transpose(1, 2, 0)


def seeded(fn, seed: int = 0):
    minitorch.manual_seed(seed)
    return fn()


# ------------------------------------------------------------------ conversions
def test_to_tensor_pil_to_tensor_and_back():
    pil = Image.fromarray(RGB)
    x = F.to_tensor(pil)
    assert x.dtype == minitorch.float32 and tuple(x.shape) == (3, 12, 16)
    np.testing.assert_array_equal(x.numpy(), RGB.transpose(2, 0, 1).astype(np.float32) / np.float32(255))
    raw = T.PILToTensor()(pil)
    assert raw.dtype == minitorch.uint8 and np.array_equal(raw.numpy(), RGB.transpose(2, 0, 1))
    back = T.ToPILImage()(raw)
    assert back.mode == "RGB" and np.array_equal(np.asarray(back), RGB)
    # floats in [0, 1] are scaled by 255 and truncated
    assert np.array_equal(np.asarray(F.to_pil_image(x)), (x.numpy() * 255).astype(np.uint8).transpose(1, 2, 0))
    binary = Image.fromarray(RGB[..., 0] > 128)
    assert set(np.unique(F.to_tensor(binary).numpy())) <= {0.0, 1.0}
    assert F.to_tensor(Image.fromarray(RGB[..., 0].astype(np.int32))).dtype == minitorch.int32


@pytest.mark.parametrize(
    "pic,mode,want",
    [
        (np.zeros((2, 2), np.uint8), None, "L"),
        (np.zeros((2, 2, 2), np.uint8), None, "LA"),
        (np.zeros((2, 2, 4), np.uint8), None, "RGBA"),
        (np.zeros((2, 2), np.float32), "F", "F"),
        (np.zeros((2, 2, 3), np.uint8), "HSV", "HSV"),
    ],
)
def test_to_pil_image_modes(pic, mode, want):
    assert F.to_pil_image(pic, mode).mode == want


@pytest.mark.parametrize(
    "pic,mode,error,match",
    [
        ([1, 2], None, TypeError, "pic should be Tensor or ndarray"),
        (np.zeros((2, 2, 5), np.uint8), None, ValueError, "should not have > 4 channels"),
        (np.zeros((2, 2, 3), np.uint8), "L", ValueError, r"Only modes \['RGB', 'YCbCr', 'HSV'\]"),
        (np.zeros((2, 2), np.uint8), "F", ValueError, r"Incorrect mode \(F\)"),
        (np.zeros((2, 2, 3), np.int64), None, TypeError, "Input type int64 is not supported"),
    ],
)
def test_to_pil_image_rejects(pic, mode, error, match):
    with pytest.raises(error, match=match):
        F.to_pil_image(pic, mode)


def test_convert_image_dtype_by_formula():
    u8 = minitorch.tensor([0, 1, 128, 255], dtype=minitorch.uint8)
    as_float = F.convert_image_dtype(u8, minitorch.float32)
    np.testing.assert_array_equal(as_float.numpy(), np.array([0, 1, 128, 255], np.float32) / np.float32(255))
    floats = minitorch.tensor([0.0, 0.5, 0.999, 1.0])
    want = (np.array([0.0, 0.5, 0.999, 1.0], np.float32) * np.float32(255.999)).astype(np.uint8)
    np.testing.assert_array_equal(F.convert_image_dtype(floats, minitorch.uint8).numpy(), want)
    as_int32 = F.convert_image_dtype(u8, minitorch.int32).numpy()
    np.testing.assert_array_equal(as_int32, np.array([0, 1, 128, 255]) * (2**31 // 2**8))
    np.testing.assert_array_equal(
        F.convert_image_dtype(minitorch.tensor([2**31 - 1], dtype=minitorch.int32), minitorch.uint8).numpy(), [255]
    )
    with pytest.raises(RuntimeError, match="cannot be performed safely"):
        F.convert_image_dtype(floats, minitorch.int32)
    assert T.ConvertImageDtype(minitorch.float64)(u8).dtype == minitorch.float64


# ------------------------------------------------------------------ colour: PIL images take Pillow's operations
@pytest.mark.parametrize(
    "fn,enhancer,factor",
    [
        (F.adjust_brightness, ImageEnhance.Brightness, 1.4),
        (F.adjust_contrast, ImageEnhance.Contrast, 0.6),
        (F.adjust_saturation, ImageEnhance.Color, 1.7),
    ],
)
def test_pil_adjustments_are_pillows(fn, enhancer, factor):
    pil = Image.fromarray(RGB)
    assert np.array_equal(np.asarray(fn(pil, factor)), np.asarray(enhancer(pil).enhance(factor)))


@pytest.mark.parametrize("hue", [0.25, -0.1])
def test_pil_hue_rotates_the_hsv_hue_band(hue):
    pil = Image.fromarray(RGB)
    h, s, v = pil.convert("HSV").split()
    shifted = ((np.asarray(h).astype(np.int64) + int(hue * 255)) % 256).astype(np.uint8)
    want = Image.merge("HSV", (Image.fromarray(shifted), s, v)).convert("RGB")
    assert np.array_equal(np.asarray(F.adjust_hue(pil, hue)), np.asarray(want))
    gray = Image.fromarray(RGB[..., 0])
    assert F.adjust_hue(gray, hue) is gray


def test_pil_grayscale_is_convert_l():
    pil = Image.fromarray(RGB)
    assert np.array_equal(np.asarray(T.Grayscale()(pil)), np.asarray(pil.convert("L")))
    three = np.asarray(T.Grayscale(3)(pil))
    assert three.shape == (12, 16, 3) and all(
        np.array_equal(three[..., c], np.asarray(pil.convert("L"))) for c in range(3)
    )


# ------------------------------------------------------------------ colour: torchvision's tensor formulas, in numpy
def luma(arr: np.ndarray) -> np.ndarray:
    """0.2989 R + 0.587 G + 0.114 B in float32, cast back (truncated) to the input's dtype; CHW in, 1HW out."""
    f = arr.astype(np.float32)
    return (np.float32(0.2989) * f[0] + np.float32(0.587) * f[1] + np.float32(0.114) * f[2]).astype(arr.dtype)[None]


def blend_u8(a: np.ndarray, b: np.ndarray, ratio: float) -> np.ndarray:
    out = np.float32(ratio) * a.astype(np.float32) + np.float32(1.0 - ratio) * b.astype(np.float32)
    return np.clip(out, 0, 255).astype(np.uint8)


def test_tensor_grayscale_brightness_contrast_saturation_uint8():
    x = RGB.transpose(2, 0, 1).copy()
    t = minitorch.from_numpy(x)
    np.testing.assert_array_equal(F.rgb_to_grayscale(t).numpy(), luma(x))
    assert tuple(F.rgb_to_grayscale(t, 3).shape) == (3, 12, 16)
    np.testing.assert_array_equal(F.adjust_brightness(t, 1.3).numpy(), blend_u8(x, np.zeros_like(x), 1.3))
    mean = luma(x).astype(np.float32).mean()
    np.testing.assert_array_equal(
        F.adjust_contrast(t, 0.7).numpy(), blend_u8(x, np.full_like(x, 0, np.float32) + mean, 0.7)
    )
    np.testing.assert_array_equal(F.adjust_saturation(t, 1.5).numpy(), blend_u8(x, luma(x), 1.5))


def test_tensor_colour_float_ranges_and_errors():
    x = minitorch.tensor(RNG.random((2, 3, 4, 5)))
    bright = F.adjust_brightness(x, 3.0)
    assert bright.dtype == minitorch.float64 and float(bright.max()) == 1.0 and float(bright.min()) >= 0
    np.testing.assert_allclose(F.adjust_brightness(x, 0.5).numpy(), x.numpy() * 0.5, rtol=1e-12)
    with pytest.raises(ValueError, match=r"brightness_factor \(-1\) is not non-negative"):
        F.adjust_brightness(x, -1)
    with pytest.raises(ValueError, match=r"hue_factor \(0.7\) is not in \[-0.5, 0.5\]"):
        F.adjust_hue(x, 0.7)
    with pytest.raises(TypeError, match="permitted channel values are"):
        F.adjust_brightness(minitorch.zeros(2, 4, 4), 1.0)


def test_tensor_hue_matches_colorsys():
    x = RNG.random((3, 3, 4))
    got = F.adjust_hue(minitorch.tensor(x, dtype=minitorch.float32), 0.3).numpy()
    want = np.empty_like(x)
    for i in range(3):
        for j in range(4):
            h, s, v = colorsys.rgb_to_hsv(*x[:, i, j])
            want[:, i, j] = colorsys.hsv_to_rgb((h + 0.3) % 1.0, s, v)
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_tensor_hue_keeps_the_graph():
    x = minitorch.tensor(RNG.random((3, 2, 2)), requires_grad=True)
    F.adjust_saturation(F.adjust_brightness(x, 0.9), 1.2).sum().backward()
    assert x.grad is not None and tuple(x.grad.shape) == (3, 2, 2)


# ------------------------------------------------------------------ resize: torch's interpolate is the reference
@pytest.mark.parametrize("size", [(5, 7), (17, 25), (12, 5)])
@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "nearest"])
@pytest.mark.parametrize("antialias", [True, False])
def test_tensor_resize_matches_torch_interpolate(size, mode, antialias):
    x = RNG.random((2, 3, 12, 16))
    got = F.resize(minitorch.tensor(x), list(size), IM(mode), antialias=antialias).numpy()
    kw = {} if mode == "nearest" else {"align_corners": False, "antialias": antialias}
    want = TF.interpolate(torch.tensor(x), size=size, mode=mode, **kw).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_resize_sizes_uint8_and_pil():
    t = chw(RGB)
    out = F.resize(t, 6)  # the shorter edge (height 12) to 6
    assert out.dtype == minitorch.uint8 and tuple(out.shape) == (3, 6, 8)
    want = TF.interpolate(
        torch.tensor(RGB.transpose(2, 0, 1))[None].float(), size=(6, 8), mode="bilinear", antialias=True
    )
    assert np.abs(out.numpy().astype(int) - want[0].round().numpy().astype(int)).max() <= 1  # float32 rounding ties
    pil = Image.fromarray(RGB)
    assert np.array_equal(np.asarray(T.Resize((5, 7))(pil)), np.asarray(pil.resize((7, 5), Image.Resampling.BILINEAR)))
    assert np.array_equal(
        np.asarray(T.Resize(6, interpolation=Image.Resampling.NEAREST)(pil)),
        np.asarray(pil.resize((8, 6), Image.Resampling.NEAREST)),
    )
    # the long edge int(8 * 16 / 12) = 10 is capped at 9, the short one becomes int(9 * 8 / 10) = 7
    assert T.Resize(8, max_size=9)(pil).size == (9, 7)
    assert T.Resize(8, max_size=10)(pil).size == (10, 8)
    assert F.resize(t, 12) is t
    with pytest.raises(TypeError, match="InterpolationMode or a corresponding Pillow integer constant"):
        F.resize(t, 5, "bilinear")
    with pytest.raises(ValueError, match="max_size should only be passed"):
        F.resize(t, [5, 6], max_size=9)
    with pytest.raises(ValueError, match="If size is a sequence, it should have 1 or 2 values"):
        T.Resize([1, 2, 3])


# ------------------------------------------------------------------ crops and flips
def test_crops_flips_by_slicing():
    t, pil = chw(RGB), Image.fromarray(RGB)
    assert np.array_equal(np.asarray(T.RandomVerticalFlip(1.0)(pil)), RGB[::-1])
    assert np.array_equal(hwc(T.RandomVerticalFlip(1.0)(t)), RGB[::-1])
    assert T.RandomVerticalFlip(0.0)(t) is t
    crops = T.FiveCrop((4, 5))(t)
    # the centre's offsets are round((12 - 4) / 2) = 4 and round((16 - 5) / 2) = round(5.5) = 6
    wants = [RGB[:4, :5], RGB[:4, -5:], RGB[-4:, :5], RGB[-4:, -5:], RGB[4:8, 6:11]]
    assert all(np.array_equal(hwc(c), w) for c, w in zip(crops, wants))
    ten = T.TenCrop(4, vertical_flip=True)(pil)
    assert len(ten) == 10 and np.array_equal(np.asarray(ten[5]), RGB[::-1][:4, :4])
    with pytest.raises(ValueError, match="Requested crop size"):
        F.five_crop(t, 13)
    # windows past the border read zeros, for tensors and PIL images alike
    np.testing.assert_array_equal(hwc(F.crop(t, -2, 14, 4, 4)), np.asarray(F.crop(pil, -2, 14, 4, 4)))
    assert F.crop(t, -2, 14, 4, 4).numpy()[:, :2].sum() == 0
    big = F.center_crop(t, [14, 20])
    assert tuple(big.shape) == (3, 14, 20) and np.array_equal(hwc(big)[1:13, 2:18], RGB)


# ------------------------------------------------------------------ rotations, affine maps, perspectives
def rot90_ccw(arr: np.ndarray) -> np.ndarray:
    return np.rot90(arr, 1, axes=(0, 1))


@pytest.mark.parametrize("mode", [IM.NEAREST, IM.BILINEAR])
def test_quarter_turns(mode):
    t, pil = chw(SQUARE), Image.fromarray(SQUARE)
    np.testing.assert_array_equal(hwc(F.rotate(t, 90.0, mode)), rot90_ccw(SQUARE))
    np.testing.assert_array_equal(np.asarray(F.rotate(pil, 90, mode)), rot90_ccw(SQUARE))
    # affine turns clockwise
    np.testing.assert_array_equal(hwc(F.affine(t, -90.0, [0, 0], 1.0, 0.0, mode)), rot90_ccw(SQUARE))


def test_rotate_expand_sizes_match_pil():
    t, pil = chw(RGB), Image.fromarray(RGB)
    for angle in (30.0, 90.0, 45.0, -10.0):
        assert F.rotate(t, angle, expand=True).shape[-2:] == F.rotate(pil, angle, expand=True).size[::-1]
    assert tuple(F.rotate(t, 90.0, expand=True).shape) == (3, 16, 12)


def test_rotate_pil_is_pillows_rotate():
    pil = Image.fromarray(RGB)
    got = F.rotate(pil, 33.0, IM.BILINEAR, expand=True, center=None, fill=[10, 20, 30])
    want = pil.rotate(33.0, Image.Resampling.BILINEAR, True, None, fillcolor=(10, 20, 30))
    assert np.array_equal(np.asarray(got), np.asarray(want))


def torch_rotate_reference(x: np.ndarray, angle: float, mode: str, fill=None) -> np.ndarray:
    """torchvision's tensor rotation rebuilt with torch's affine_grid: the inverse rotation of the pixel-centred
    frame, expressed in affine_grid's [-1, 1] coordinates."""
    _, h, w = x.shape
    a = math.radians(angle)
    # output (x, y) -> input: rotating the sampling points clockwise turns the image counter-clockwise
    m = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    theta = np.array([[m[0, 0], m[0, 1] * h / w, 0.0], [m[1, 0] * w / h, m[1, 1], 0.0]])
    img = torch.tensor(x)[None]
    grid = TF.affine_grid(torch.tensor(theta)[None], [1, 1, h, w], align_corners=False)
    if fill is None:
        return TF.grid_sample(img, grid, mode=mode, padding_mode="zeros", align_corners=False)[0].numpy()
    ones = torch.ones(1, 1, h, w, dtype=img.dtype)
    out = TF.grid_sample(torch.cat([img, ones], 1), grid, mode=mode, padding_mode="zeros", align_corners=False)[0]
    mask, out = out[-1:], out[:-1]
    fill_img = torch.tensor(fill, dtype=out.dtype).view(-1, 1, 1).expand_as(out)
    if mode == "nearest":
        return torch.where(mask < 0.5, fill_img, out).numpy()
    return (out * mask + (1 - mask) * fill_img).numpy()


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
@pytest.mark.parametrize("fill", [None, [0.2, 0.5, 1.0]])
def test_tensor_rotate_matches_grid_sample_reference(mode, fill):
    x = RNG.random((3, 10, 14))
    got = F.rotate(minitorch.tensor(x), 27.0, IM(mode), fill=fill).numpy()
    np.testing.assert_allclose(got, torch_rotate_reference(x, 27.0, mode, fill), atol=1e-6)


@pytest.mark.parametrize("kind", ["pil", "tensor"])
def test_affine_translation_shifts(kind):
    img = Image.fromarray(RGB) if kind == "pil" else chw(RGB)
    out = F.affine(img, 0.0, [3, -2], 1.0, [0.0, 0.0], fill=0)
    got = np.asarray(out) if kind == "pil" else hwc(out)
    want = np.zeros_like(RGB)
    want[:-2, 3:] = RGB[2:, :-3]  # out[y, x] = in[y + 2, x - 3]
    np.testing.assert_array_equal(got, want)


def test_affine_pil_uses_pillows_affine_with_the_inverse_matrix():
    pil = Image.fromarray(RGB)
    got = F.affine(pil, 20.0, [1, 2], 1.2, [5.0, 3.0], IM.BILINEAR, fill=7)
    matrix = F._get_inverse_affine_matrix([8.0, 6.0], 20.0, [1, 2], 1.2, [5.0, 3.0])
    want = pil.transform(pil.size, Image.Transform.AFFINE, matrix, Image.Resampling.BILINEAR, fillcolor=(7, 7, 7))
    assert np.array_equal(np.asarray(got), np.asarray(want))
    forward = np.array(F._get_inverse_affine_matrix([8.0, 6.0], 20.0, [1, 2], 1.2, [5.0, 3.0], inverted=False))
    composed = np.vstack([forward.reshape(2, 3), [0, 0, 1]]) @ np.vstack([np.reshape(matrix, (2, 3)), [0, 0, 1]])
    np.testing.assert_allclose(composed, np.eye(3), atol=1e-12)


def test_perspective_coefficients_and_identity():
    start = [[0, 0], [15, 0], [15, 11], [0, 11]]
    end = [[2, 1], [13, 0], [15, 10], [1, 11]]
    a, b, c, d, e, f, g, h = F._get_perspective_coeffs(start, end)
    for (sx, sy), (ex, ey) in zip(start, end):  # each end point is read from its start point
        den = g * ex + h * ey + 1
        assert abs((a * ex + b * ey + c) / den - sx) < 1e-4 and abs((d * ex + e * ey + f) / den - sy) < 1e-4
    t, pil = chw(RGB), Image.fromarray(RGB)
    np.testing.assert_array_equal(hwc(F.perspective(t, start, start, IM.NEAREST)), RGB)
    np.testing.assert_array_equal(np.asarray(F.perspective(pil, start, start, IM.NEAREST)), RGB)
    coeffs = F._get_perspective_coeffs(start, end)
    want = pil.transform(pil.size, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BILINEAR, fillcolor=(0, 0, 0))
    assert np.array_equal(np.asarray(F.perspective(pil, start, end)), np.asarray(want))


# ------------------------------------------------------------------ blur and erasing
def numpy_blur(x: np.ndarray, k: int, sigma: float) -> np.ndarray:
    half = (k - 1) / 2
    g = np.exp(-0.5 * (np.linspace(-half, half, k) / sigma) ** 2)
    g /= g.sum()
    padded = np.pad(x.astype(np.float64), [(0, 0), (k // 2, k // 2), (k // 2, k // 2)], mode="reflect")
    h, w = x.shape[1:]
    out = sum(g[i] * g[j] * padded[:, i : i + h, j : j + w] for i in range(k) for j in range(k))
    return out


def test_gaussian_blur_tensor_and_pil():
    x = RNG.random((3, 8, 9))
    got = F.gaussian_blur(minitorch.tensor(x), 5, 1.3).numpy()
    np.testing.assert_allclose(got, numpy_blur(x, 5, 1.3), rtol=1e-10)
    pil = Image.fromarray(RGB)
    blurred = np.asarray(F.gaussian_blur(pil, [3, 3], [0.8, 0.8]))
    want = np.round(numpy_blur(RGB.transpose(2, 0, 1), 3, 0.8)).astype(np.uint8).transpose(1, 2, 0)
    assert np.abs(blurred.astype(int) - want.astype(int)).max() <= 1  # float32 kernel, rounding ties
    assert np.mean(blurred != want) < 0.01
    with pytest.raises(ValueError, match="kernel_size should have odd and positive integers"):
        F.gaussian_blur(pil, 4)
    with pytest.raises(ValueError, match="Kernel size value should be an odd and positive number"):
        T.GaussianBlur(2)
    with pytest.raises(ValueError, match=r"sigma values should be positive and of the form \(min, max\)"):
        T.GaussianBlur(3, (2.0, 1.0))


def test_random_erasing_by_hand():
    x = minitorch.ones(3, 10, 12)
    out = F.erase(x, 2, 3, 4, 5, minitorch.tensor([7.0, 8.0, 9.0])[:, None, None])
    assert out is not x and float(x.sum()) == 360
    assert out.numpy()[:, 2:6, 3:8].tolist() == [[[v] * 5] * 4 for v in (7.0, 8.0, 9.0)]
    assert float(out.sum()) == 360 - 60 + 20 * (7 + 8 + 9)
    erased = seeded(lambda: T.RandomErasing(p=1.0, value=(1.0, 2.0, 3.0))(minitorch.zeros(3, 20, 20)))
    changed = erased.numpy() != 0
    assert changed.any() and changed[0].sum() == changed[1].sum() == changed[2].sum()
    rows, cols = np.nonzero(changed[0])
    assert changed[0][rows.min() : rows.max() + 1, cols.min() : cols.max() + 1].all()  # one rectangle
    area = changed[0].sum() / 400
    assert 0.02 * 0.8 <= area <= 0.33 * 1.2
    with pytest.raises(ValueError, match="either a single value or 3"):
        T.RandomErasing(p=1.0, value=(1.0, 2.0))(minitorch.zeros(3, 8, 8))
    with pytest.raises(ValueError, match="If value is str, it should be 'random'"):
        T.RandomErasing(value="noise")
    with pytest.raises(ValueError, match="Random erasing probability should be between 0 and 1"):
        T.RandomErasing(p=1.5)


# ------------------------------------------------------------------ random parameters: seeded, in range, torchvision's rules
def test_random_resized_crop_params_and_fallback():
    img = chw(RGB)
    params = seeded(lambda: [T.RandomResizedCrop.get_params(img, (0.08, 1.0), (3 / 4, 4 / 3)) for _ in range(50)])
    assert params == seeded(
        lambda: [T.RandomResizedCrop.get_params(img, (0.08, 1.0), (3 / 4, 4 / 3)) for _ in range(50)]
    )
    for i, j, h, w in params:
        assert 0 <= i <= 12 - h and 0 <= j <= 16 - w and 0 < h and 0 < w
    assert len(set(params)) > 30
    # no draw can fit: the central crop of the widest allowed ratio (16/12 > 4/3 -> height 12, width round(16))
    assert T.RandomResizedCrop.get_params(img, (2.0, 3.0), (3 / 4, 4 / 3)) == (0, 0, 12, 16)
    assert T.RandomResizedCrop.get_params(img, (2.0, 3.0), (0.5, 0.6)) == (0, (16 - 7) // 2, 12, 7)
    # ten attempts, two uniform draws each, before falling back (as torchvision): the generator moved by 20 draws
    after_fallback = seeded(lambda: (T.RandomResizedCrop.get_params(img, (2.0, 3.0), (0.5, 0.6)), minitorch.rand(1))[1])
    after_twenty = seeded(lambda: (minitorch.rand(20), minitorch.rand(1))[1])
    assert after_fallback.item() == after_twenty.item()
    assert T.RandomResizedCrop.get_params(img, (2.0, 3.0), (2.0, 3.0)) == ((12 - 8) // 2, 0, 8, 16)
    out = seeded(lambda: T.RandomResizedCrop(7)(Image.fromarray(RGB)))
    i, j, h, w = seeded(lambda: T.RandomResizedCrop.get_params(img, (0.08, 1.0), (3 / 4, 4 / 3)))
    want = Image.fromarray(RGB).crop((j, i, j + w, i + h)).resize((7, 7), Image.Resampling.BILINEAR)
    assert np.array_equal(np.asarray(out), np.asarray(want))


def test_color_jitter_applies_the_drawn_factors_in_the_drawn_order():
    jitter = T.ColorJitter(brightness=0.5, contrast=0.5, saturation=0.5, hue=0.2)
    pil = Image.fromarray(RGB)
    got = seeded(lambda: jitter(pil), 5)
    order, b, c, s, h = seeded(
        lambda: T.ColorJitter.get_params(jitter.brightness, jitter.contrast, jitter.saturation, jitter.hue), 5
    )
    assert sorted(order) == [0, 1, 2, 3] and 0.5 <= b <= 1.5 and -0.2 <= h <= 0.2
    fns = {
        0: lambda im: ImageEnhance.Brightness(im).enhance(b),
        1: lambda im: ImageEnhance.Contrast(im).enhance(c),
        2: lambda im: ImageEnhance.Color(im).enhance(s),
        3: lambda im: F.adjust_hue(im, h),
    }
    want = pil
    for k in order:
        want = fns[k](want)
    assert np.array_equal(np.asarray(got), np.asarray(want))
    orders = {tuple(seeded(lambda: T.ColorJitter.get_params(None, None, None, None)[0], s)) for s in range(40)}
    assert len(orders) > 10


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        ({"brightness": -1}, ValueError, "If brightness is a single number, it must be non negative"),
        ({"hue": 0.7}, ValueError, r"hue values should be between \(-0.5, 0.5\)"),
        ({"contrast": (1, 2, 3)}, TypeError, "contrast should be a single number or a list/tuple with length 2"),
    ],
)
def test_color_jitter_rejects(kwargs, error, match):
    with pytest.raises(error, match=match):
        T.ColorJitter(**kwargs)


def test_color_jitter_identity_ranges_are_none():
    j = T.ColorJitter(brightness=0, contrast=(1, 1), saturation=0.3, hue=0)
    assert j.brightness is None and j.contrast is None and j.saturation == (0.7, 1.3) and j.hue is None
    assert repr(j) == "ColorJitter(brightness=None, contrast=None, saturation=(0.7, 1.3), hue=None)"


def test_random_rotation_affine_perspective_are_seeded_and_checked():
    t = chw(RGB)
    for transform in (
        T.RandomRotation(40, fill=3),
        T.RandomAffine(15, translate=(0.2, 0.1), scale=(0.8, 1.1), shear=(-5, 5, -3, 3)),
        T.RandomPerspective(0.6, p=1.0),
    ):
        a, b = seeded(lambda: transform(t), 3), seeded(lambda: transform(t), 3)
        assert a.dtype == minitorch.uint8 and np.array_equal(a.numpy(), b.numpy())
        assert not np.array_equal(a.numpy(), seeded(lambda: transform(t), 4).numpy())
    angle = seeded(lambda: T.RandomRotation.get_params([-40.0, 40.0]))
    rotated = seeded(lambda: T.RandomRotation(40, fill=3)(t))
    np.testing.assert_array_equal(rotated.numpy(), F.rotate(t, angle, fill=[3.0, 3.0, 3.0]).numpy())
    angle, (tx, ty), scale, shear = seeded(
        lambda: T.RandomAffine.get_params([-15.0, 15.0], (0.2, 0.1), (0.8, 1.1), [-5.0, 5.0, -3.0, 3.0], [16, 12])
    )
    assert abs(tx) <= 3.2 and abs(ty) <= 1.2 and 0.8 <= scale <= 1.1 and abs(shear[1]) <= 3
    start, end = seeded(lambda: T.RandomPerspective.get_params(16, 12, 0.5))
    assert start == [[0, 0], [15, 0], [15, 11], [0, 11]]
    assert 0 <= end[0][0] <= 4 and 11 <= end[1][0] <= 15 and 8 <= end[2][1] <= 11  # dx = 4, dy = 3
    with pytest.raises(ValueError, match="If degrees is a single number, it must be positive"):
        T.RandomRotation(-3)
    with pytest.raises(ValueError, match="translation values should be between 0 and 1"):
        T.RandomAffine(0, translate=(0.5, 1.5))
    with pytest.raises(ValueError, match="shear should be a sequence of length 2 or 4"):
        T.RandomAffine(0, shear=(1, 2, 3))
    assert repr(T.RandomAffine(10, scale=(0.9, 1.1))) == "RandomAffine(degrees=[-10.0, 10.0], scale=(0.9, 1.1))"


def test_random_containers():
    flip = T.RandomVerticalFlip(1.0)
    img = minitorch.arange(6).reshape(1, 2, 3)
    applied = [seeded(lambda: T.RandomApply([flip], p=0.3)(img), s)[0, 0, 0].item() == 3 for s in range(100)]
    assert 15 < sum(applied) < 45
    add1, times2 = T.Lambda(lambda x: x + 1), T.Lambda(lambda x: x * 2)
    picks = [seeded(lambda: T.RandomChoice([add1, times2], p=[0.9, 0.1])(10), s) for s in range(100)]
    assert set(picks) == {11, 20} and picks.count(11) > 70
    orders = [seeded(lambda: T.RandomOrder([add1, times2])(10), s) for s in range(60)]
    assert set(orders) == {22, 21}  # (10 + 1) * 2 or 10 * 2 + 1
    assert orders == [seeded(lambda: T.RandomOrder([add1, times2])(10), s) for s in range(60)]
    gray = seeded(lambda: T.RandomGrayscale(p=1.0)(Image.fromarray(RGB)))
    assert gray.mode == "RGB" and np.array_equal(
        np.asarray(gray)[..., 0], np.asarray(Image.fromarray(RGB).convert("L"))
    )
    assert "p=0.3" in repr(T.RandomApply([flip], p=0.3))
    with pytest.raises(TypeError, match="Argument transforms should be a sequence"):
        T.RandomOrder(flip)


def test_interpolation_mode_enum():
    assert T.InterpolationMode is F.InterpolationMode and IM.BILINEAR.value == "bilinear"
    assert T.RandomRotation(5, interpolation=Image.Resampling.BILINEAR).interpolation is IM.BILINEAR
    with pytest.raises(ValueError, match="Interpolation mode 'lanczos' is unsupported with Tensor input"):
        F.resize(chw(RGB), [4, 4], IM.LANCZOS)


# ------------------------------------------------------------------ save_image
def test_save_image_writes_the_rounded_grid(tmp_path):
    batch = minitorch.tensor(RNG.random((5, 3, 4, 6)), dtype=minitorch.float32)
    path = tmp_path / "grid.png"
    save_image(batch, path, nrow=3, padding=1, pad_value=0.5)
    grid = make_grid(batch, nrow=3, padding=1, pad_value=0.5).numpy()
    want = np.clip(grid * np.float32(255) + np.float32(0.5), 0, 255).astype(np.uint8).transpose(1, 2, 0)
    with Image.open(path) as saved:
        assert saved.size == (3 * 7 + 1, 2 * 5 + 1) and np.array_equal(np.asarray(saved), want)
    save_image(minitorch.tensor([[[2.0, 4.0], [6.0, 10.0]]]), tmp_path / "one.png", normalize=True)
    with Image.open(tmp_path / "one.png") as saved:
        assert np.asarray(saved)[..., 0].tolist() == [[0, 64], [128, 255]]  # [0, .25, .5, 1] * 255 + 0.5


# ------------------------------------------------------------------ tensors stay on their device
DEVICE_OPS = {
    "brightness": lambda t: F.adjust_brightness(t, 1.2),
    "contrast": lambda t: F.adjust_contrast(t, 0.8),
    "saturation": lambda t: F.adjust_saturation(t, 1.3),
    "hue": lambda t: F.adjust_hue(t, 0.2),
    "grayscale": lambda t: F.rgb_to_grayscale(t, 3),
    "resize": lambda t: F.resize(t, [5, 7]),
    "bicubic": lambda t: F.resize(t, [5, 7], IM.BICUBIC, antialias=False),
    "rotate": lambda t: F.rotate(t, 30.0, fill=[1.0, 2.0, 3.0]),
    "rotate-expand": lambda t: F.rotate(t, 30.0, IM.BILINEAR, expand=True),
    "affine": lambda t: F.affine(t, 10.0, [1, 2], 1.1, [3.0, 1.0]),
    "perspective": lambda t: F.perspective(t, [[0, 0], [11, 0], [11, 9], [0, 9]], [[1, 1], [10, 0], [11, 8], [0, 9]]),
    "blur": lambda t: F.gaussian_blur(t, 3, 1.0),
    "crop-outside": lambda t: F.crop(t, -1, -2, 5, 6),
    "flips": lambda t: F.hflip(F.vflip(t)),
    "erase": lambda t: F.erase(t, 1, 1, 2, 2, minitorch.tensor([1.0, 2.0, 3.0], device=t.device)[:, None, None]),
    "convert": lambda t: F.convert_image_dtype(t, minitorch.float64),
}


@pytest.mark.parametrize("dtype", [np.float32, np.uint8])
@pytest.mark.parametrize("op", list(DEVICE_OPS))
def test_tensor_transforms_stay_on_the_device(device, op, dtype):
    arr = RNG.integers(0, 256, (3, 10, 12)).astype(dtype) / (255 if dtype == np.float32 else 1)
    host = DEVICE_OPS[op](minitorch.from_numpy(arr.astype(dtype)))
    out = DEVICE_OPS[op](minitorch.from_numpy(arr.astype(dtype)).to(device))
    assert out.device.type == device and out.dtype == host.dtype
    np.testing.assert_allclose(out.cpu().numpy().astype(np.float64), host.numpy().astype(np.float64), atol=1e-5)
